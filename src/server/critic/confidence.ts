/**
 * The camera path's confidence over a clip, and why it is low when it is, in the editor's words.
 *
 * A low quantile rather than the mean: a move is judged over seconds, and a take whose background
 * vanished for a third of it cannot be trusted on the whole even if the rest was clear.
 */
import type { CameraSample } from "./cameraTracker.js";

export interface CameraVerdict {
  confidence: number;
  /** Why it is low (meaningful when it is). */
  reason: string;
}

const median = (xs: number[]) => {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
};

export function cameraVerdict(path: readonly CameraSample[]): CameraVerdict {
  const frames = path.slice(1);
  if (frames.length === 0) return { confidence: 1, reason: "" };
  // A dip of a frame or two (an arm sweeping past the only textured corner) is not a lost
  // background; a quarter second of it is. So each frame's confidence is the median of its
  // neighbourhood (±6 frames) before the low quantile is taken.
  const raw = frames.map((p) => p.confidence);
  const smooth = raw.map((_, i) => median(raw.slice(Math.max(0, i - 6), i + 7)));
  const sorted = smooth.sort((a, b) => a - b);
  const confidence = sorted[Math.floor(0.2 * (sorted.length - 1))]!;
  const weak = frames.filter((p) => p.confidence < 0.5);
  const ev = (weak.length ? weak : frames).map((p) => p.evidence);
  const textured = median(ev.map((e) => e.textured));
  const rival = median(ev.map((e) => e.rival));
  const coverage = median(ev.map((e) => e.coverage));
  const share = median(ev.map((e) => e.inlierShare));
  const single = median(ev.map((e) => (e.oneObject ? 1 : 0)));
  let reason = "the background could not be seen well enough";
  if (textured < 0.15) reason = "the picture has too little texture to see the camera's motion";
  else if (single >= 1) reason = "the subject fills the frame; the background around it has no texture to see the camera's motion on";
  else if (rival > 0.6) reason = "two parts of the picture move differently and either could be the camera";
  else if (coverage < 0.2) reason = "the subject fills the frame and too little background shows";
  else if (share < 0.5) reason = "most of the picture moves on its own";
  return { confidence, reason };
}
