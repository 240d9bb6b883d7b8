/**
 * The pictures a judge sees: a handful of the take's frames, evenly spread (the middle of each
 * equal slice, so the first and last moments are near, not on, the ends), and the captured frame.
 * Extracted with the real ffmpeg as JPEG scaled to fit 768×768, which every service reads and
 * Gemini counts as one 258-token tile. Read from the take's SDR proxy (what the editor sees).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ffprobeJson, runFfmpeg } from "../../media/ffmpeg.js";
import type { JudgeImage } from "./judge.js";

export const JUDGE_FRAME_COUNT = 6;
const MAX_SIDE = 768;

export function frameTimes(duration: number, count = JUDGE_FRAME_COUNT): number[] {
  // To the hundredth: the model is told the times in hundredths and names its frames by them.
  return Array.from({ length: count }, (_, i) => Math.round(((i + 0.5) * duration * 100) / count) / 100);
}

/** The size an image of width × height is scaled to (fit in 768×768, even sides, never enlarged). */
export function fittedSize(width: number, height: number): { width: number; height: number } {
  const k = Math.min(1, MAX_SIDE / Math.max(width, height));
  const even = (v: number) => Math.max(2, 2 * Math.round((v * k) / 2));
  return { width: even(width), height: even(height) };
}

export async function clipSize(file: string, signal?: AbortSignal): Promise<{ width: number; height: number; duration: number }> {
  const probe = await ffprobeJson(file, ["-select_streams", "v:0", "-show_streams", "-show_format"], { signal });
  const s = probe.streams?.[0];
  if (!s?.width || !s.height) throw new Error(`${path.basename(file)} has no video stream to judge.`);
  const duration = Number(s.duration ?? probe.format?.duration ?? NaN);
  if (!(duration > 0)) throw new Error(`${path.basename(file)} has no duration ffprobe can read.`);
  return { width: s.width, height: s.height, duration };
}

/**
 * JPEGs of the frames at `times` of `input`, in one ffmpeg run: one input per time, each seeked
 * with -ss before -i (exact: ffmpeg decodes from the keyframe before it), one output each.
 */
async function jpegs(input: string, times: Array<number | null>, size: { width: number; height: number }, signal?: AbortSignal): Promise<string[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-judge-"));
  try {
    const args: string[] = [];
    for (const t of times) args.push(...(t === null ? [] : ["-ss", t.toFixed(3)]), "-i", input);
    const outs = times.map((_, i) => path.join(dir, `frame-${i}.jpg`));
    outs.forEach((out, i) => args.push("-map", `${i}:v:0`, "-frames:v", "1", "-vf", `scale=${size.width}:${size.height}:flags=bicubic,format=yuvj420p`, "-q:v", "4", "-f", "image2", "-c:v", "mjpeg", out));
    await runFfmpeg(args, { signal });
    return outs.map((out) => fs.readFileSync(out).toString("base64"));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function judgeImages(clip: string, options: { framePath?: string; count?: number; signal?: AbortSignal } = {}): Promise<{ images: JudgeImage[]; duration: number }> {
  const { width, height, duration } = await clipSize(clip, options.signal);
  const size = fittedSize(width, height);
  const images: JudgeImage[] = [];
  if (options.framePath) {
    const frameProbe = await ffprobeJson(options.framePath, ["-show_streams"], { signal: options.signal });
    const f = frameProbe.streams?.[0];
    const fsize = fittedSize(f?.width ?? width, f?.height ?? height);
    const [data] = await jpegs(options.framePath, [null], fsize, options.signal);
    images.push({ label: "The captured start frame the take was asked to begin on:", t: null, mimeType: "image/jpeg", data: data!, ...fsize });
  }
  const times = frameTimes(duration, options.count);
  const frames = await jpegs(clip, times, size, options.signal);
  times.forEach((t, i) => images.push({ label: `Take frame at ${t.toFixed(2)} s:`, t, mimeType: "image/jpeg", data: frames[i]!, ...size }));
  return { images, duration };
}
