import { renderForProvider } from "../../../core/direction/index.js";
import type { Direction, SequenceContext } from "../../../core/schemas/index.js";
import type { Workflow } from "./workflow.js";

/**
 * The drawing as ComfyUI inputs, in the model's own terms: its pixel size, its frame count and
 * rate. Pure functions of the direction and the workflow, so the request records exactly what
 * they produced and a test can check them without a server.
 */

/** WanCameraEmbedding's presets (comfy_extras/nodes_camera_trajectory.py CAMERA_DICT). */
export const WAN_CAMERA_POSES = ["Static", "Pan Up", "Pan Down", "Pan Left", "Pan Right", "Zoom In", "Zoom Out", "Anti Clockwise (ACW)", "ClockWise (CW)"] as const;
export type WanCameraPose = (typeof WAN_CAMERA_POSES)[number];

/**
 * How much drawn move equals WanCameraEmbedding speed 1 (its preset moves the camera 1.5 units
 * over the clip, in no unit a frame fraction maps to exactly). These are starting points: the
 * critic measures how far the model actually moved, and auto mode corrects the amount from that.
 */
const PAN_AT_SPEED_1 = 0.25; // a quarter of the frame
const ZOOM_AT_SPEED_1 = Math.log(1.5); // 1.5× push
const ROLL_AT_SPEED_1 = 20; // degrees
/** Below this (in speed units) the camera is read as locked off. */
const STATIC_BELOW = 0.1;

export interface Geometry {
  width: number;
  height: number;
  /** Frames the model renders: step·n + 1, covering the duration at the native rate. */
  length: number;
  fps: number;
  /** Seconds the model's clip lasts ((length − 1) / fps). */
  seconds: number;
}

/**
 * The render size (the workflow's draft or final pixel area at the sequence's picture aspect,
 * rounded to the model's multiple) and frame count (the fewest step·n + 1 frames covering the
 * asked duration at the native rate, capped at the model's most).
 */
export function geometryFor(workflow: Workflow, mode: "draft" | "final", sequence: SequenceContext, duration: number): Geometry {
  const base = mode === "draft" ? workflow.draft : workflow.final;
  const area = base.width * base.height;
  const aspect = (sequence.frameSize.width * sequence.pixelAspect) / sequence.frameSize.height;
  const m = workflow.sizeMultiple;
  const width = Math.max(m, Math.round(Math.sqrt(area * aspect) / m) * m);
  const height = Math.max(m, Math.round(Math.sqrt(area / aspect) / m) * m);
  const step = workflow.frameStep;
  const maxN = Math.floor((workflow.maxFrames - 1) / step);
  // The epsilon keeps an offered length (e.g. LTX 0.96 s = 24 frames) from rounding up a step.
  const n = Math.min(maxN, Math.max(1, Math.ceil((duration * workflow.fps) / step - 1e-6)));
  const length = n * step + 1;
  return { width, height, length, fps: workflow.fps, seconds: (length - 1) / workflow.fps };
}

/**
 * Every clip length a workflow can render, in seconds ascending: (step·n + 1) frames last
 * step·n / fps (Wan 4n+1 at 16 fps: 0.25 s steps to 5 s; LTX 8n+1 at 25 fps: 0.32 s steps).
 */
export function bridgeLengths(workflow: Workflow): number[] {
  const step = workflow.frameStep;
  const maxN = Math.floor((workflow.maxFrames - 1) / step);
  return Array.from({ length: maxN }, (_, i) => Number((((i + 1) * step) / workflow.fps).toFixed(6)));
}

/** The longest clip a workflow can render, in seconds. */
export function maxSeconds(workflow: Workflow): number {
  const step = workflow.frameStep;
  return (Math.floor((workflow.maxFrames - 1) / step) * step) / workflow.fps;
}

export interface CameraChoice {
  pose: WanCameraPose;
  speed: number;
  /** Why, in the editor's words ("camera pans right 0.30 of the frame → Pan Right at speed 1.2"). */
  reason: string;
}

/**
 * The drawn camera path as one WanCameraEmbedding preset and speed: the dominant move from the
 * first to the last frame (pan, zoom or roll), scaled to the preset's speed. The embedding takes
 * one preset per clip, so a compound move keeps its strongest part (the rest stays in the prompt).
 */
export function cameraPoseFor(direction: Direction): CameraChoice {
  const camera = renderForProvider(direction, "trajectories", { fps: { num: 24, den: 1 } }).camera;
  const first = camera[0];
  const last = camera.at(-1);
  if (!first || !last) return { pose: "Static", speed: 1, reason: "no camera move drawn: Static" };
  const dx = last.x - first.x;
  const dy = last.y - first.y;
  const dz = Math.log(last.zoom / first.zoom);
  const dr = last.roll - first.roll;
  const candidates: Array<{ score: number; pose: WanCameraPose; words: string }> = [
    { score: Math.abs(dx) / PAN_AT_SPEED_1, pose: dx > 0 ? "Pan Right" : "Pan Left", words: `camera moves ${dx > 0 ? "right" : "left"} ${Math.abs(dx).toFixed(2)} of the frame` },
    { score: Math.abs(dy) / PAN_AT_SPEED_1, pose: dy > 0 ? "Pan Down" : "Pan Up", words: `camera moves ${dy > 0 ? "down" : "up"} ${Math.abs(dy).toFixed(2)} of the frame` },
    { score: Math.abs(dz) / ZOOM_AT_SPEED_1, pose: dz > 0 ? "Zoom In" : "Zoom Out", words: `camera pushes ${dz > 0 ? "in" : "out"} to ${(last.zoom / first.zoom).toFixed(2)}×` },
    { score: Math.abs(dr) / ROLL_AT_SPEED_1, pose: dr > 0 ? "ClockWise (CW)" : "Anti Clockwise (ACW)", words: `camera rolls ${Math.abs(dr).toFixed(0)}° ${dr > 0 ? "clockwise" : "anticlockwise"}` },
  ];
  const best = candidates.reduce((a, b) => (b.score > a.score ? b : a));
  if (best.score < STATIC_BELOW) return { pose: "Static", speed: 1, reason: "camera locked off: Static" };
  const speed = Math.min(10, Math.max(0.1, Math.round(best.score * 10) / 10));
  return { pose: best.pose, speed, reason: `${best.words} → ${best.pose} at speed ${speed}` };
}

export interface TrackPoint {
  x: number;
  y: number;
}

/**
 * Subject paths (and holds, as tracks that stay put) as WanTrackToVideo tracks: points in the
 * model's pixel space, one per track sample. WanTrackToVideo reads 121 samples for an 81-frame
 * clip (samples at 24 fps, the model at 16: nodes_wan.py process_tracks), so a clip of `length`
 * frames takes (length − 1) · 3/2 + 1 samples, each at t = i / 24 s. Between drawn points the
 * path is interpolated linearly; before the first and after the last it stays where it is.
 */
export function tracksFor(direction: Direction, geometry: Geometry): { tracks: TrackPoint[][]; samples: number; subjects: number; holds: number } {
  const samples = Math.min(121, Math.round(((geometry.length - 1) * 3) / 2) + 1);
  const toPixels = (p: { x: number; y: number }): TrackPoint => ({
    x: Math.round(clamp01(p.x) * geometry.width * 10) / 10,
    y: Math.round(clamp01(p.y) * geometry.height * 10) / 10,
  });
  const tracks: TrackPoint[][] = [];
  // Sampled in time (sample i is at i / 24 s), from the compiled direction's timed points, so a
  // point drawn at the take's last second lands on the last sample, not a frame short of it.
  for (const subject of direction.subjects) {
    const pts = [...subject.points].sort((a, b) => a.t - b.t);
    if (pts.length === 0) continue;
    tracks.push(Array.from({ length: samples }, (_, i) => toPixels(along(pts, i / TRACK_SAMPLE_RATE))));
  }
  for (const hold of direction.holds) {
    const at = toPixels({ x: hold.rect.x + hold.rect.w / 2, y: hold.rect.y + hold.rect.h / 2 });
    tracks.push(Array.from({ length: samples }, () => ({ ...at })));
  }
  return { tracks, samples, subjects: direction.subjects.length, holds: direction.holds.length };
}

/** WanTrackToVideo's track samples are at 24 per second (nodes_wan.py process_tracks). */
const TRACK_SAMPLE_RATE = 24;

function along(points: Array<{ t: number; x: number; y: number }>, t: number): { x: number; y: number } {
  if (t <= points[0]!.t) return points[0]!;
  const last = points.at(-1)!;
  if (t >= last.t) return last;
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const b = points[i]!;
    if (t <= b.t) {
      const u = b.t === a.t ? 1 : (t - a.t) / (b.t - a.t);
      return { x: a.x + (b.x - a.x) * u, y: a.y + (b.y - a.y) * u };
    }
  }
  return last;
}

function clamp01(v: number): number {
  return Math.min(1, Math.max(0, v));
}

/**
 * The framing the take must end on: a box marked as end framing, else a box drawn in the take's
 * last quarter second. Its region of the start frame is the end picture a first–last workflow
 * renders towards (a push-in that lands exactly on the drawn box).
 */
export function endFraming(direction: Direction): { rect: { x: number; y: number; w: number; h: number }; annotationId: string } | undefined {
  const boxes = [...direction.framing].sort((a, b) => a.t - b.t);
  const marked = boxes.filter((f) => f.endFraming).at(-1);
  const late = boxes.filter((f) => f.t >= direction.duration - 0.25).at(-1);
  const box = marked ?? late;
  return box ? { rect: box.rect, annotationId: box.annotationId } : undefined;
}

/** Does the drawing move the camera, steer subjects, or set an end framing (to pick a built-in workflow)? */
export function drawingUses(direction: Direction): { camera: boolean; tracks: boolean; endFraming: boolean } {
  return {
    camera: cameraPoseFor(direction).pose !== "Static",
    tracks: direction.subjects.length > 0 || direction.holds.length > 0,
    endFraming: endFraming(direction) !== undefined,
  };
}
