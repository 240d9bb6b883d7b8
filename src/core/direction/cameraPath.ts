import type { Point } from "../schemas/annotation.js";
import type { CameraKeyframe, CameraState } from "../schemas/direction.js";
import type { FrameRate } from "../schemas/frameContext.js";
import { applyEase } from "./ease.js";

/**
 * The camera path: where the view window sits over the captured still at any instant.
 * Window conventions (CONVENTIONS.md): centre (x, y) in frame fractions, zoom = frame width /
 * window width, roll in degrees clockwise. The window always has the frame's own shape.
 */

/** A rectangle in fractions of the frame, origin top-left. */
export interface FrameRect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Frame aspect (width / height) assumed when none is given: HD and UHD sequences. */
export const DEFAULT_FRAME_ASPECT = 16 / 9;

/** Slack, in frame fractions, before a window edge counts as past the frame edge. */
export const FRAME_EDGE_EPSILON = 1e-6;

const lerp = (a: number, b: number, e: number): number => a + (b - a) * e;

function isSorted(keyframes: readonly CameraKeyframe[]): boolean {
  for (let i = 1; i < keyframes.length; i++) if (keyframes[i]!.t < keyframes[i - 1]!.t) return false;
  return true;
}

/** Keyframes in time order (stable, so same-time keyframes keep their order); a copy only when needed. */
function inTimeOrder(keyframes: readonly CameraKeyframe[]): readonly CameraKeyframe[] {
  if (keyframes.length === 0) throw new RangeError("A camera path needs at least one keyframe.");
  return isSorted(keyframes) ? keyframes : [...keyframes].sort((a, b) => a.t - b.t);
}

const stateOf = (k: CameraKeyframe): CameraState => ({ x: k.x, y: k.y, zoom: k.zoom, roll: k.roll });

/** Index of the last keyframe with t ≤ time, or -1 when time is before the first. */
function lastAtOrBefore(keyframes: readonly CameraKeyframe[], time: number): number {
  let lo = 0;
  let hi = keyframes.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (keyframes[mid]!.t <= time) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

function cameraAtSorted(keyframes: readonly CameraKeyframe[], t: number): CameraState {
  const i = lastAtOrBefore(keyframes, t);
  if (i < 0) return stateOf(keyframes[0]!);
  if (i === keyframes.length - 1) return stateOf(keyframes[i]!);
  const from = keyframes[i]!;
  const to = keyframes[i + 1]!;
  // Two keyframes at one instant are a cut: lastAtOrBefore already picked the later one.
  const e = applyEase(to.ease, (t - from.t) / (to.t - from.t));
  return {
    x: lerp(from.x, to.x, e),
    y: lerp(from.y, to.y, e),
    // Zoom moves in log space: a push-in from 1× to 4× passes 2× halfway, so the picture grows
    // by the same ratio every frame and the move feels constant instead of rushing at the start.
    zoom: Math.exp(lerp(Math.log(from.zoom), Math.log(to.zoom), e)),
    roll: lerp(from.roll, to.roll, e),
  };
}

/**
 * The camera state at time t (seconds). Before the first keyframe it is the first keyframe, after
 * the last it is the last; in between each channel moves with the arriving keyframe's ease. When
 * two keyframes share a time, the later one holds from that instant (a cut).
 */
export function cameraAt(keyframes: readonly CameraKeyframe[], t: number): CameraState {
  return cameraAtSorted(inTimeOrder(keyframes), t);
}

/**
 * A reusable evaluator for one path: sorts once, then answers each time with a binary search.
 * Same results as cameraAt; use it when sampling a path many times.
 */
export function cameraPathEvaluator(keyframes: readonly CameraKeyframe[]): (t: number) => CameraState {
  const sorted = inTimeOrder(keyframes);
  return (t) => cameraAtSorted(sorted, t);
}

/** Output frames in a take: round(duration × fps). */
export function frameCount(fps: FrameRate, durationSeconds: number): number {
  return Math.max(0, Math.round((durationSeconds * fps.num) / fps.den));
}

/** One camera state per output frame, frame i at t = i × den / num, for i in [0, round(duration × fps)). */
export function sampleCameraPath(
  keyframes: readonly CameraKeyframe[],
  fps: FrameRate,
  durationSeconds: number,
): CameraState[] {
  const sorted = inTimeOrder(keyframes);
  const n = frameCount(fps, durationSeconds);
  const states: CameraState[] = new Array(n);
  for (let i = 0; i < n; i++) states[i] = cameraAtSorted(sorted, (i * fps.den) / fps.num);
  return states;
}

/**
 * The view window as a rectangle in frame fractions, roll ignored. The window has the frame's own
 * shape, so in frame fractions it is 1/zoom wide and 1/zoom high whatever the frame's aspect;
 * `frameAspect` is accepted for symmetry with windowCorners (where roll makes it matter) and does
 * not change the result.
 */
export function viewWindowRect(state: CameraState, frameAspect?: number): FrameRect {
  void frameAspect;
  const size = 1 / state.zoom;
  return { x: state.x - size / 2, y: state.y - size / 2, w: size, h: size };
}

/**
 * The four corners of the (possibly rolled) window in frame fractions: top-left, top-right,
 * bottom-right, bottom-left of the window before roll. Roll turns the window clockwise on screen
 * in pixel space, so the frame's aspect (width / height) matters once roll is not zero.
 */
export function windowCorners(state: CameraState, frameAspect: number = DEFAULT_FRAME_ASPECT): Point[] {
  const half = 1 / (2 * state.zoom);
  const rad = (state.roll * Math.PI) / 180;
  const cos = Math.cos(rad);
  const sin = Math.sin(rad);
  // Work in units of frame height: x scaled by the aspect, so rotation is a true rotation.
  const hw = half * frameAspect;
  const hh = half;
  const corners: Array<[number, number]> = [
    [-hw, -hh],
    [hw, -hh],
    [hw, hh],
    [-hw, hh],
  ];
  return corners.map(([dx, dy]) => ({
    x: state.x + (dx * cos - dy * sin) / frameAspect,
    y: state.y + (dx * sin + dy * cos),
  }));
}

/** Which frame edges a window crosses ("left", "right", "top", "bottom"), in that order. */
export function edgesCrossed(state: CameraState, frameAspect: number = DEFAULT_FRAME_ASPECT): Array<"left" | "right" | "top" | "bottom"> {
  // Unrolled (the common case, and all the compiler produces): the corners are the rect's.
  const corners =
    state.roll % 360 === 0
      ? (({ x, y, w, h }) => [
          { x, y },
          { x: x + w, y: y + h },
        ])(viewWindowRect(state))
      : windowCorners(state, frameAspect);
  const edges: Array<"left" | "right" | "top" | "bottom"> = [];
  if (corners.some((c) => c.x < -FRAME_EDGE_EPSILON)) edges.push("left");
  if (corners.some((c) => c.x > 1 + FRAME_EDGE_EPSILON)) edges.push("right");
  if (corners.some((c) => c.y < -FRAME_EDGE_EPSILON)) edges.push("top");
  if (corners.some((c) => c.y > 1 + FRAME_EDGE_EPSILON)) edges.push("bottom");
  return edges;
}

/**
 * True when any corner of the (possibly rolled) window falls outside the frame: the still has no
 * pixels there, so previz must edge-extend and a generative model must invent them.
 */
export function windowLeavesFrame(state: CameraState, frameAspect: number = DEFAULT_FRAME_ASPECT): boolean {
  return edgesCrossed(state, frameAspect).length > 0;
}
