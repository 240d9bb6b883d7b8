import type { FrameRate, TimePoint } from "../../core/schemas/index.js";
import { frameRateFromTicksPerFrame, frameToTimecode, secondsToFrame, STANDARD_FRAME_RATES, TICKS_PER_SECOND_NUMBER, timePointAt } from "../../core/time.js";

/**
 * After Effects gives a comp's rate as a float (29.97002997…, or 29.97 as typed). The standard
 * rate within a thousandth of a frame per second is taken exactly; anything else goes through
 * ticks per frame, as Premiere's timebase does.
 */
export function frameRateFromFps(fps: number): FrameRate {
  if (!Number.isFinite(fps) || fps <= 0) throw new RangeError(`After Effects reported a frame rate of ${fps}.`);
  const standard = STANDARD_FRAME_RATES.find((r) => Math.abs(r.num / r.den - fps) < 1e-3);
  if (standard) return { ...standard };
  return frameRateFromTicksPerFrame(String(Math.round(TICKS_PER_SECOND_NUMBER / fps)));
}

/**
 * A comp time as the panel describes a playhead: ticks, seconds and frame count from the comp's
 * start, and the timecode After Effects shows (the comp's Start Timecode added).
 */
export function compTimePoint(seconds: number, rate: FrameRate, dropFrame: boolean, displayStartSeconds: number): TimePoint {
  const point = timePointAt(seconds, rate, dropFrame);
  const startFrame = secondsToFrame(displayStartSeconds, rate, "nearest");
  return startFrame === 0 ? point : { ...point, timecode: frameToTimecode(point.frame + startFrame, rate, dropFrame) };
}

/** The start of the last frame before `end` (Extend directs from a layer's last frame). */
export function lastFrameStart(end: number, frameDuration: number, notBefore: number): number {
  const frames = Math.round(end / frameDuration);
  return Math.max(notBefore, (frames - 1) * frameDuration);
}
