/**
 * The critic's truth set on real footage (test/fixtures/footage, CC BY 4.0 © Intel Corporation).
 *
 * A known camera move is laid over a real clip by a view window moving over the clip scaled up
 * (base zoom 1.5, bilinear), so the truth is exact while the people, hands and bottles inside
 * still move on their own. Composites paste a cut-out subject (an elliptical piece of another
 * clip, soft-edged) into the scene before the window is applied, moving along a known path, over
 * a real clip or a plain sky (a smooth gradient with grain). Every case is a Direction: its camera
 * annotations give the window, its subject path the sprite, so the critic can be run against the
 * very direction the clip was made from, and every adherence error is a measurement error.
 *
 * Split (docs/critic.md "Split"), fixed before the tuning it governs:
 * - "tune": looked at while choosing the method and its thresholds;
 * - "dev": the former "held-out" rows of the first sessions. Their figures were seen while tuning,
 *   so they are development rows, reported apart, never as the targets' evidence;
 * - "held-out": the "HO" rows, chosen and committed on 2026-12-03 at 12:58 UTC (commit 07f4a2e),
 *   after a first look at the old rows and before any change to the method; first run in the
 *   final bench, not tuned on. Targets are judged on these.
 * Kinds of scene: "tripod" (the bottle clip), "webcam" (the ASL clips; see sourceMoves), and
 * "previz" (a previz render over a real still, what a draft without a provider looks like).
 */
import { spawn, execFileSync } from "node:child_process";
import path from "node:path";
import { cameraPathEvaluator, compileDirection, sampleCameraPath } from "../../../src/core/direction/index.js";
import { renderPreviz } from "../../../src/server/providers/previz/renderPreviz.js";
import type { AnnotationInput } from "../../../src/core/schemas/annotation.js";
import type { Direction } from "../../../src/core/schemas/direction.js";

export const FOOTAGE = path.resolve(import.meta.dirname, "../../fixtures/footage");
/** How far the window is pushed in over the source at the take's start (room to move). */
const BASE_ZOOM = 1.5;

interface Source {
  file: string;
  start: number;
  width: number;
  height: number;
  fps: number;
}

export const SOURCES = {
  aslWalk: { file: "asl-walk.mkv", start: 0, width: 640, height: 480, fps: 30 },
  aslBook: { file: "asl-book.mkv", start: 0, width: 640, height: 480, fps: 30 },
  aslAgain: { file: "asl-again.mkv", start: 0, width: 640, height: 480, fps: 30 },
  bottleA: { file: "bottle-detection.mp4", start: 9.5, width: 640, height: 360, fps: 29.83 },
  bottleB: { file: "bottle-detection.mp4", start: 15.5, width: 640, height: 360, fps: 29.83 },
  bottleC: { file: "bottle-detection.mp4", start: 33, width: 640, height: 360, fps: 29.83 },
  bottleD: { file: "bottle-detection.mp4", start: 2, width: 640, height: 360, fps: 29.83 },
  bottleE: { file: "bottle-detection.mp4", start: 22, width: 640, height: 360, fps: 29.83 },
} satisfies Record<string, Source>;
export type SourceName = keyof typeof SOURCES;

export interface Sprite {
  /** Where the cut-out comes from: a clip and a time, and the ellipse's box in its frame (fractions). */
  source: SourceName;
  at: number;
  box: { x: number; y: number; w: number; h: number };
  /** Its size in the scene, fraction of the frame width. */
  size: number;
}

export interface TruthCase {
  name: string;
  split: "tune" | "dev" | "held-out";
  /**
   * The scene: a real clip, a plain sky, or "previz": the direction rendered by the previz
   * renderer (src/server/providers/previz) over one frame of a real clip (`still`), like a draft.
   */
  background: SourceName | "sky" | "previz";
  /** For "previz": the clip and time the still is taken from (centre crop to 16:9). */
  still?: { source: SourceName; at: number };
  /** Seconds. */
  duration: number;
  annotations: AnnotationInput[];
  /** A subject pasted into the scene; it follows the direction's subject path "subject". */
  sprite?: Sprite;
  /** What the critic should say about the camera: measured, or honestly not measurable. */
  expect: "measured" | "unmeasurable";
}

/**
 * The ASL clips come from a webcam. Earlier sessions read it as a camera that reframes itself
 * (1.5 % of the frame, 4 % zoom) and scored those rows relative to the same clip without a laid
 * move, as measured by the critic. Measured on the *whole* uncropped clip (the bench prints it:
 * `sourceMotion`), the webcam holds still within 0.11 % of the frame and 0.09 % zoom at 256, 384 and
 * 512 px; the "reframing" was the tracker pulled by the signer in the 1.5× crop. So the truth of
 * these rows is absolute, like the tripod's; they are kept apart in the table as "webcam" (a
 * large textured subject over plain walls) and the source's own motion is printed beside them.
 */
export const sourceMoves = (c: TruthCase): boolean => c.background.startsWith("asl");
export const sceneKind = (c: TruthCase): "tripod" | "webcam" | "previz" | "sky" =>
  c.background === "previz" ? "previz" : c.background === "sky" ? "sky" : sourceMoves(c) ? "webcam" : "tripod";

const pan = (dx: number, dy: number, start: number, end: number): AnnotationInput => ({
  id: "camera",
  kind: "cameraMove",
  from: { x: 0.5 - dx / 2, y: 0.5 - dy / 2 },
  to: { x: 0.5 + dx / 2, y: 0.5 + dy / 2 },
  start,
  end,
  ease: "ease-in-out",
});
const push = (zoom: number, t: number, cx = 0.5, cy = 0.5): AnnotationInput => ({
  id: "camera",
  kind: "framingBox",
  rect: { x: cx - 0.5 / zoom, y: cy - 0.5 / zoom, w: 1 / zoom, h: 1 / zoom },
  time: t,
  ease: "ease-in-out",
});
const subject = (from: [number, number], to: [number, number], t0: number, t1: number): AnnotationInput => ({
  id: "subject",
  kind: "subjectPath",
  label: "subject",
  points: [
    { x: from[0], y: from[1], t: t0 },
    { x: to[0], y: to[1], t: t1 },
  ],
});

const torso: Sprite = { source: "aslBook", at: 1.0, box: { x: 0.3, y: 0.12, w: 0.4, h: 0.75 }, size: 0.22 };
const monitor: Sprite = { source: "aslWalk", at: 0.5, box: { x: 0.0, y: 0.05, w: 0.22, h: 0.9 }, size: 0.18 };
const bigTorso: Sprite = { ...torso, size: 0.5 };

export const TRUTH_CASES: TruthCase[] = [
  // --- tuned on
  { name: "asl-walk static", split: "tune", background: "aslWalk", duration: 2.9, annotations: [], expect: "measured" },
  { name: "asl-walk pan right 20%", split: "tune", background: "aslWalk", duration: 2.9, annotations: [pan(0.2, 0, 0.2, 2.6)], expect: "measured" },
  { name: "asl-walk push-in 1.4", split: "tune", background: "aslWalk", duration: 2.9, annotations: [push(1.4, 2.6)], expect: "measured" },
  { name: "bottles A static (hand moves a bottle)", split: "tune", background: "bottleA", duration: 5, annotations: [], expect: "measured" },
  { name: "bottles A tilt down 15%", split: "tune", background: "bottleA", duration: 5, annotations: [pan(0, 0.15, 0.5, 4.5)], expect: "measured" },
  { name: "composite: torso walks right over bottles, static", split: "tune", background: "bottleA", duration: 4, sprite: torso, annotations: [subject([0.25, 0.55], [0.7, 0.5], 0.3, 3.5)], expect: "measured" },
  { name: "composite: large subject over sky, pan", split: "tune", background: "sky", duration: 3, sprite: bigTorso, annotations: [pan(0.15, 0, 0.3, 2.7), subject([0.4, 0.5], [0.6, 0.5], 0.3, 2.7)], expect: "unmeasurable" },
  // --- dev: the first sessions' "held-out" rows, seen while tuning
  { name: "asl-book static", split: "dev", background: "aslBook", duration: 3.6, annotations: [], expect: "measured" },
  { name: "asl-book pan left 20%", split: "dev", background: "aslBook", duration: 3.6, annotations: [pan(-0.2, 0, 0.3, 3.3)], expect: "measured" },
  { name: "asl-book tilt up 12%", split: "dev", background: "aslBook", duration: 3.6, annotations: [pan(0, -0.12, 0.3, 3.3)], expect: "measured" },
  { name: "asl-again static", split: "dev", background: "aslAgain", duration: 2.5, annotations: [], expect: "measured" },
  { name: "asl-again push-in 1.3", split: "dev", background: "aslAgain", duration: 2.5, annotations: [push(1.3, 2.3)], expect: "measured" },
  { name: "asl-again pan right + up (diagonal)", split: "dev", background: "aslAgain", duration: 2.5, annotations: [pan(0.16, -0.1, 0.2, 2.3)], expect: "measured" },
  { name: "bottles B static (hands move bottles)", split: "dev", background: "bottleB", duration: 5, annotations: [], expect: "measured" },
  { name: "bottles B pan left 25%", split: "dev", background: "bottleB", duration: 5, annotations: [pan(-0.25, 0, 0.5, 4.5)], expect: "measured" },
  { name: "bottles C static (a hand takes a bottle)", split: "dev", background: "bottleC", duration: 5, annotations: [], expect: "measured" },
  { name: "bottles C pan right 20%", split: "dev", background: "bottleC", duration: 5, annotations: [pan(0.2, 0, 0.5, 4.5)], expect: "measured" },
  { name: "bottles C tilt up 10%", split: "dev", background: "bottleC", duration: 5, annotations: [pan(0, -0.1, 0.5, 4.5)], expect: "measured" },
  { name: "bottles C push-in 1.4", split: "dev", background: "bottleC", duration: 5, annotations: [push(1.4, 4.5)], expect: "measured" },
  { name: "composite: monitor slides left over the room, pan right", split: "dev", background: "aslAgain", duration: 2.5, sprite: monitor, annotations: [pan(0.12, 0, 0.2, 2.3), subject([0.7, 0.45], [0.35, 0.55], 0.2, 2.3)], expect: "measured" },
  { name: "composite: torso rises over bottles, tilt down", split: "dev", background: "bottleC", duration: 4, sprite: torso, annotations: [pan(0, 0.12, 0.3, 3.7), subject([0.6, 0.7], [0.45, 0.4], 0.3, 3.7)], expect: "measured" },
  { name: "composite: large subject over sky, static", split: "dev", background: "sky", duration: 3, sprite: bigTorso, annotations: [subject([0.35, 0.5], [0.62, 0.45], 0.2, 2.8)], expect: "unmeasurable" },
  // --- held out: chosen before this session's changes to the method (2026-12-03 12:58 UTC), new segments and moves
  { name: "HO asl-walk tilt down 10%", split: "held-out", background: "aslWalk", duration: 2.9, annotations: [pan(0, 0.1, 0.2, 2.6)], expect: "measured" },
  { name: "HO asl-book push-in 1.25", split: "held-out", background: "aslBook", duration: 3.6, annotations: [push(1.25, 3.3)], expect: "measured" },
  { name: "HO asl-again pan left 15%", split: "held-out", background: "aslAgain", duration: 2.5, annotations: [pan(-0.15, 0, 0.2, 2.3)], expect: "measured" },
  { name: "HO asl-book pan right + down (diagonal)", split: "held-out", background: "aslBook", duration: 3.6, annotations: [pan(0.14, 0.08, 0.3, 3.3)], expect: "measured" },
  { name: "HO bottles D static", split: "held-out", background: "bottleD", duration: 5, annotations: [], expect: "measured" },
  { name: "HO bottles D pan right 15%", split: "held-out", background: "bottleD", duration: 5, annotations: [pan(0.15, 0, 0.5, 4.5)], expect: "measured" },
  { name: "HO bottles E push-in 1.3", split: "held-out", background: "bottleE", duration: 5, annotations: [push(1.3, 4.5)], expect: "measured" },
  { name: "HO bottles E tilt down 12%", split: "held-out", background: "bottleE", duration: 5, annotations: [pan(0, 0.12, 0.5, 4.5)], expect: "measured" },
  { name: "HO composite: monitor rises over bottles, pan left", split: "held-out", background: "bottleD", duration: 4, sprite: monitor, annotations: [pan(-0.12, 0, 0.3, 3.7), subject([0.55, 0.7], [0.6, 0.35], 0.3, 3.7)], expect: "measured" },
  { name: "HO previz: push-in 1.3 over a signer still", split: "held-out", background: "previz", still: { source: "aslAgain", at: 1.0 }, duration: 3, annotations: [push(1.3, 2.7)], expect: "measured" },
  { name: "HO previz: pan right 12% over a signer still", split: "held-out", background: "previz", still: { source: "aslWalk", at: 0.5 }, duration: 3, annotations: [pan(0.12, 0, 0.3, 2.7)], expect: "measured" },
  { name: "HO previz: tilt up 10% over the bottles still", split: "held-out", background: "previz", still: { source: "bottleE", at: 1.0 }, duration: 3, annotations: [pan(0, -0.1, 0.3, 2.7)], expect: "measured" },
  { name: "HO previz: push-in 1.4 over the bottles still", split: "held-out", background: "previz", still: { source: "bottleD", at: 1.0 }, duration: 3, annotations: [push(1.4, 2.7)], expect: "measured" },
];

export function truthDirection(c: TruthCase, aspect: number): Direction {
  return compileDirection({ prompt: c.name, annotations: c.annotations, duration: c.duration }, { frameSize: { width: Math.round(360 * aspect), height: 360 } });
}

/**
 * The source clip's own camera motion, measured on the whole uncropped clip (1.5× the field of
 * view the cases see, at `analysisWidth`): the evidence that the truth of the webcam rows is
 * exact. Returns the worst distance from the first frame (% of width) and worst zoom change (%).
 */
export async function sourceMotion(
  name: SourceName,
  duration: number,
  dir: string,
  critique: (clip: string, analysisWidth: number) => Promise<{ camera: { path: PathLike[]; confidence?: number } }>,
  analysisWidth = 384,
): Promise<{ position: number; zoom: number; confidence: number }> {
  const src = SOURCES[name];
  const clip = path.join(dir, `source-${name}.mp4`);
  execFileSync("ffmpeg", ["-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-ss", String(src.start), "-i", path.join(FOOTAGE, src.file), "-t", String(duration), "-c:v", "libx264", "-preset", "veryfast", "-crf", "10", "-pix_fmt", "yuv420p", clip]);
  const c = await critique(clip, analysisWidth);
  const aspect = src.width / src.height;
  let position = 0;
  let zoom = 0;
  for (const p of c.camera.path) {
    position = Math.max(position, (Math.hypot((p.x - 0.5) * aspect, p.y - 0.5) / aspect) * 100);
    zoom = Math.max(zoom, Math.abs(p.zoom - 1) * 100);
  }
  return { position, zoom, confidence: c.camera.confidence ?? 1 };
}

/** Decodes `duration` seconds of a source at its own size as RGB frames. */
function decodeRgb(src: Source, start: number, frames: number): Buffer[] {
  const raw = execFileSync(
    "ffmpeg",
    ["-nostdin", "-hide_banner", "-loglevel", "error", "-ss", String(start), "-i", path.join(FOOTAGE, src.file), "-frames:v", String(frames), "-vf", `scale=${src.width}:${src.height}`, "-pix_fmt", "rgb24", "-f", "rawvideo", "pipe:1"],
    { maxBuffer: 1 << 30 },
  );
  const size = src.width * src.height * 3;
  const out: Buffer[] = [];
  for (let o = 0; o + size <= raw.length; o += size) out.push(raw.subarray(o, o + size));
  return out;
}

/** A smooth sky: vertical gradient with grain (seeded), so nothing in it can be tracked. */
function skyFrame(width: number, height: number, seed: number): Buffer {
  const out = Buffer.alloc(width * height * 3);
  let s = seed * 2654435761 || 1;
  for (let y = 0; y < height; y++) {
    const v = y / height;
    for (let x = 0; x < width; x++) {
      s = (s * 1103515245 + 12345) & 0x7fffffff;
      const n = ((s >> 16) % 7) - 3;
      const o = (y * width + x) * 3;
      out[o] = Math.max(0, Math.min(255, 110 + 60 * v + n));
      out[o + 1] = Math.max(0, Math.min(255, 150 + 50 * v + n));
      out[o + 2] = Math.max(0, Math.min(255, 215 + 25 * v + n));
    }
  }
  return out;
}

function bilinear(img: Buffer, w: number, h: number, x: number, y: number, out: number[]): void {
  const cx = Math.max(0, Math.min(w - 1.001, x));
  const cy = Math.max(0, Math.min(h - 1.001, y));
  const ix = cx | 0;
  const iy = cy | 0;
  const fx = cx - ix;
  const fy = cy - iy;
  for (let c = 0; c < 3; c++) {
    const o = (iy * w + ix) * 3 + c;
    const top = img[o]! + fx * (img[o + 3]! - img[o]!);
    const bot = img[o + w * 3]! + fx * (img[o + w * 3 + 3]! - img[o + w * 3]!);
    out[c] = top + fy * (bot - top);
  }
}

export interface RenderedCase {
  clip: string;
  direction: Direction;
  /** Output frame size. */
  width: number;
  height: number;
}

/**
 * Renders a case as an H.264 clip of `width` pixels wide (height from the scene's aspect),
 * 30 fps, into `dir`.
 */
export async function renderCase(c: TruthCase, dir: string, width = 480): Promise<RenderedCase> {
  if (c.background === "previz") return renderPrevizCase(c, dir, width);
  const sceneSrc: Source = c.background === "sky" ? { file: "", start: 0, width: 640, height: 360, fps: 30 } : SOURCES[c.background];
  const fps = 30;
  const frames = Math.round(c.duration * fps);
  const W = sceneSrc.width;
  const H = sceneSrc.height;
  const aspect = W / H;
  const height = Math.round(width / aspect / 2) * 2;
  const direction = truthDirection(c, aspect);
  const camera = cameraPathEvaluator(direction.camera.keyframes);
  const scene = c.background === "sky" ? Array.from({ length: frames }, (_, k) => skyFrame(W, H, k + 1)) : decodeRgb(sceneSrc, sceneSrc.start, frames);
  if (scene.length < frames) throw new Error(`${c.name}: the source gave ${scene.length} of ${frames} frames`);

  // The sprite: an ellipse cut from one frame of another clip, with a soft edge.
  let sprite: { img: Buffer; sw: number; sh: number; box: Sprite["box"]; size: number } | null = null;
  if (c.sprite) {
    const src = SOURCES[c.sprite.source];
    const [img] = decodeRgb(src, src.start + c.sprite.at, 1);
    sprite = { img: img!, sw: src.width, sh: src.height, box: c.sprite.box, size: c.sprite.size };
  }
  const subjectAt = (t: number): { x: number; y: number } | null => {
    const s = direction.subjects.find((x) => x.annotationId === "subject");
    if (!s) return null;
    const p = s.points;
    if (t <= p[0]!.t) return p[0]!;
    for (let i = 1; i < p.length; i++) {
      if (t <= p[i]!.t) {
        const u = (t - p[i - 1]!.t) / (p[i]!.t - p[i - 1]!.t);
        return { x: p[i - 1]!.x + (p[i]!.x - p[i - 1]!.x) * u, y: p[i - 1]!.y + (p[i]!.y - p[i - 1]!.y) * u };
      }
    }
    return p[p.length - 1]!;
  };

  const clip = path.join(dir, `${c.name.replace(/[^a-z0-9]+/gi, "-")}.mp4`);
  const enc = spawn("ffmpeg", ["-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", `${width}x${height}`, "-r", String(fps), "-i", "pipe:0", "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p", clip], { stdio: ["pipe", "ignore", "pipe"] });
  let stderr = "";
  enc.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<void>((resolve, reject) => enc.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg: ${stderr}`)))));
  const px = [0, 0, 0];
  const sp = [0, 0, 0];
  // The window's move is centred on the source, so it stays inside it.
  const s0 = camera(0);
  const s1 = camera(c.duration);
  const offX = -(s1.x - s0.x) / 2;
  const offY = -(s1.y - s0.y) / 2;
  for (let k = 0; k < frames; k++) {
    const t = k / fps;
    const cam = camera(t);
    // Direction window (still fractions) → window over the source: centred, pushed in BASE_ZOOM.
    const zoom = BASE_ZOOM * cam.zoom;
    const cx = 0.5 + (cam.x - 0.5 + offX) / BASE_ZOOM;
    const cy = 0.5 + (cam.y - 0.5 + offY) / BASE_ZOOM;
    const subj = sprite ? subjectAt(t) : null;
    // The sprite in source fractions (the scene is what the window looks at).
    const sx = subj ? 0.5 + (subj.x - 0.5 + offX) / BASE_ZOOM : 0;
    const sy = subj ? 0.5 + (subj.y - 0.5 + offY) / BASE_ZOOM : 0;
    const rw = sprite ? sprite.size / BASE_ZOOM : 0; // ellipse width, source fractions
    const rh = sprite ? (rw * aspect * sprite.box.h * sprite.sh) / (sprite.box.w * sprite.sw) : 0;
    const frame = Buffer.alloc(width * height * 3);
    const img = scene[k]!;
    for (let v = 0; v < height; v++) {
      const fy = cy + ((v + 0.5) / height - 0.5) / zoom;
      for (let u = 0; u < width; u++) {
        const fx = cx + ((u + 0.5) / width - 0.5) / zoom;
        bilinear(img, W, H, fx * W - 0.5, fy * H - 0.5, px);
        if (sprite) {
          const ex = (fx - sx) / (rw / 2);
          const ey = (fy - sy) / (rh / 2);
          const r = Math.hypot(ex, ey);
          if (r < 1) {
            const alpha = Math.min(1, (1 - r) / 0.08);
            const bx = (sprite.box.x + ((ex + 1) / 2) * sprite.box.w) * sprite.sw - 0.5;
            const by = (sprite.box.y + ((ey + 1) / 2) * sprite.box.h) * sprite.sh - 0.5;
            bilinear(sprite.img, sprite.sw, sprite.sh, bx, by, sp);
            for (let q = 0; q < 3; q++) px[q] = px[q]! + alpha * (sp[q]! - px[q]!);
          }
        }
        const o = (v * width + u) * 3;
        frame[o] = px[0]!;
        frame[o + 1] = px[1]!;
        frame[o + 2] = px[2]!;
      }
    }
    if (!enc.stdin.write(frame)) await new Promise((r) => enc.stdin.once("drain", r));
  }
  enc.stdin.end();
  await done;
  return { clip, direction, width, height };
}

/**
 * A previz case: one frame of a real clip (centre crop to 16:9) as the still, the direction's
 * camera rendered over it by the product's previz renderer (draft quality: the master is half the
 * sequence size, so 1.0× `width` here means a `width`-wide master), like a draft take.
 */
async function renderPrevizCase(c: TruthCase, dir: string, width: number): Promise<RenderedCase> {
  const src = SOURCES[c.still!.source];
  const still = path.join(dir, `${c.name.replace(/[^a-z0-9]+/gi, "-")}-still.png`);
  const h = Math.round((src.width * 9) / 16 / 2) * 2;
  execFileSync("ffmpeg", ["-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-ss", String(src.start + c.still!.at), "-i", path.join(FOOTAGE, src.file), "-frames:v", "1", "-vf", `crop=${src.width}:${h}`, still]);
  const direction = truthDirection(c, 16 / 9);
  const fps = { num: 30, den: 1 };
  const height = Math.round((width * 9) / 16 / 2) * 2;
  const result = await renderPreviz({
    stillPath: still,
    outDir: path.join(dir, c.name.replace(/[^a-z0-9]+/gi, "-")),
    samples: sampleCameraPath(direction.camera.keyframes, fps, c.duration),
    fps,
    width: width * 2,
    height: height * 2,
    colorSpace: "rec709",
    quality: "draft",
  });
  return { clip: result.master.path, direction, width: result.master.width, height: result.master.height };
}

export interface CaseResult {
  name: string;
  split: TruthCase["split"];
  scene: ReturnType<typeof sceneKind>;
  kind: "static" | "pan" | "push" | "unmeasurable";
  /** End of the take: the truth and what was measured (first-frame fractions, zoom). */
  truthEnd: { x: number; y: number; zoom: number };
  measuredEnd: { x: number; y: number; zoom: number };
  /** Worst distance along the whole path, % of frame width, and worst zoom error, %. */
  worstPosition: number;
  worstZoom: number;
  /** Pans and tilts: length error (%) and direction error (°); push-ins: log-zoom error (%). */
  amountError: number | null;
  directionError: number | null;
  confidence: number;
  measurable: boolean;
  subject: { amountError: number | null; directionError: number | null; measurable: boolean; phrase: string } | null;
  /** Within the targets (or honestly unmeasured); "wrong" when measured with confidence and outside them. */
  verdict: "ok" | "wrong" | "unmeasured" | "missed";
  seconds: number;
}

/** Targets (issue 12): static 2 % / 2 %, moves 10 % and 5°, subjects 15 % and 10°. */
export const TARGETS = { staticPosition: 2, staticZoom: 2, amount: 10, direction: 5, subjectAmount: 15, subjectDirection: 10 };

interface PathLike {
  t: number;
  x: number;
  y: number;
  zoom: number;
}

/** Scores one case against its exact truth (the laid window; every source's own camera is still). */
export function scoreCase(
  c: TruthCase,
  r: RenderedCase,
  critique: { camera: { path: PathLike[]; confidence?: number; measurable?: boolean }; adherence: { subjects: Array<{ amountError: number | null; directionError: number | null; measurable: boolean; phrase: string }> } | null },
  seconds: number,
): CaseResult {
  const aspect = r.width / r.height;
  const at = cameraPathEvaluator(r.direction.camera.keyframes);
  const s0 = at(0);
  const truth = (t: number) => {
    const s = at(t);
    return { x: 0.5 + (s.x - s0.x) * s0.zoom, y: 0.5 + (s.y - s0.y) * s0.zoom, zoom: s.zoom / s0.zoom };
  };
  const path = critique.camera.path;
  let worstPosition = 0;
  let worstZoom = 0;
  for (const p of path) {
    const e = truth(p.t);
    worstPosition = Math.max(worstPosition, (Math.hypot((p.x - e.x) * aspect, p.y - e.y) / aspect) * 100);
    worstZoom = Math.max(worstZoom, Math.abs(p.zoom / e.zoom - 1) * 100);
  }
  const last = path[path.length - 1]!;
  const te = truth(last.t);
  const moves = c.annotations.some((a) => a.kind === "cameraMove");
  const pushes = c.annotations.some((a) => a.kind === "framingBox");
  const kind: CaseResult["kind"] = c.expect === "unmeasurable" ? "unmeasurable" : moves ? "pan" : pushes ? "push" : "static";
  let amountError: number | null = null;
  let directionError: number | null = null;
  if (moves) {
    const t = { x: (te.x - 0.5) * aspect, y: te.y - 0.5 };
    const m = { x: (last.x - path[0]!.x) * aspect, y: last.y - path[0]!.y };
    amountError = (Math.hypot(m.x, m.y) / Math.hypot(t.x, t.y) - 1) * 100;
    directionError = (Math.acos(Math.max(-1, Math.min(1, (t.x * m.x + t.y * m.y) / (Math.hypot(t.x, t.y) * Math.hypot(m.x, m.y) || 1)))) * 180) / Math.PI;
  } else if (pushes) {
    amountError = (Math.log(last.zoom / path[0]!.zoom) / Math.log(te.zoom) - 1) * 100;
  }
  const confidence = critique.camera.confidence ?? 1;
  const measurable = critique.camera.measurable ?? true;
  const within =
    kind === "static"
      ? worstPosition <= TARGETS.staticPosition && worstZoom <= TARGETS.staticZoom
      : kind === "pan"
        ? Math.abs(amountError!) <= TARGETS.amount && directionError! <= TARGETS.direction
        : kind === "push"
          ? Math.abs(amountError!) <= TARGETS.amount
          : worstPosition <= TARGETS.staticPosition * 2;
  const verdict: CaseResult["verdict"] = !measurable ? (kind === "unmeasurable" ? "unmeasured" : "missed") : within ? "ok" : "wrong";
  const subj = critique.adherence?.subjects[0];
  return {
    name: c.name,
    split: c.split,
    scene: sceneKind(c),
    kind,
    truthEnd: te,
    measuredEnd: { x: last.x, y: last.y, zoom: last.zoom },
    worstPosition,
    worstZoom,
    amountError,
    directionError,
    confidence,
    measurable,
    subject: subj ? { amountError: subj.amountError, directionError: subj.directionError, measurable: subj.measurable, phrase: subj.phrase } : null,
    verdict,
    seconds,
  };
}
