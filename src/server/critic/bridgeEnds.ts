/**
 * Bridge ends: a bridge must start on A's picture (today's first-frame continuity) and end on B's.
 * The last frame is compared with B's captured frame by the same measures (block SSIM, and the
 * similarity fit for where B's framing sits in it). The last second is also searched for when the
 * take first reached its final match with B: a take that arrives early and then holds still
 * "ends 0.6 s early on B's framing", which a cut into B would show as a freeze.
 */
import { blockSsim, compareFirstFrame } from "./continuity.js";
import { round } from "./stability.js";

/** How many trailing frames the critic keeps to find when the take reached B. */
export const END_WINDOW_SECONDS = 1;
/** Similarity within this of the last frame's counts as "already there". */
const ARRIVED_TOLERANCE = 0.01;

export interface LastFrameFindings {
  similarity: number;
  offset: { x: number; y: number; zoom: number };
  alignedMatch: number;
  /** Seconds before the end at which the take already matched B as well as its last frame does. */
  arrivesEarly: number;
}

/** Keeps the last frames' analysis signals (a small ring; nothing else of the clip is kept). */
export class TrailingFrames {
  private readonly frames: Float32Array[] = [];
  constructor(private readonly capacity: number) {}
  push(signal: Float32Array): void {
    this.frames.push(signal);
    if (this.frames.length > this.capacity) this.frames.shift();
  }
  get all(): readonly Float32Array[] {
    return this.frames;
  }
}

export function compareLastFrame(endCaptured: Float32Array, trailing: readonly Float32Array[], width: number, height: number, fps: number): LastFrameFindings | null {
  const last = trailing.at(-1);
  if (!last) return null;
  const fit = compareFirstFrame(endCaptured, last, width, height);
  let arrived = trailing.length - 1;
  if (fit.similarity >= 0.9) {
    for (let i = trailing.length - 2; i >= 0; i--) {
      if (blockSsim(endCaptured, trailing[i]!, width, height) >= fit.similarity - ARRIVED_TOLERANCE) arrived = i;
      else break;
    }
  }
  return { ...fit, arrivesEarly: round((trailing.length - 1 - arrived) / fps, 3) };
}
