import type { FrameRate } from "../../core/schemas/frameContext.js";
import { formatRate, frameToSeconds as coreFrameToSeconds, frameToTimecode, isDropFrameRate, secondsToFrame as coreSecondsToFrame } from "../../core/time.js";

/**
 * The page's display-side frame maths, on top of core/time. Used while the editor scrubs, before
 * the server's answer (whose TimePoint is authoritative) comes back, so it must never throw.
 */

export const frameDuration = (rate: FrameRate): number => rate.den / rate.num;

/** The frame nearest a scrubber position: a range input's value is a double, a hair off a frame. */
export const secondsToFrame = (seconds: number, rate: FrameRate): number => coreSecondsToFrame(Math.max(0, seconds), rate, "nearest");

export const frameToSeconds = (frame: number, rate: FrameRate): number => coreFrameToSeconds(frame, rate);

/** "23.976", "25", "29.97": how Premiere names a rate. */
export const formatFps = (rate: FrameRate): string => formatRate(rate);

/** Timecode for display; a drop-frame flag on a rate without drop-frame falls back to non-drop. */
export function formatTimecode(frame: number, rate: FrameRate, dropFrame: boolean): string {
  return frameToTimecode(Math.max(0, Math.round(frame)), rate, dropFrame && isDropFrameRate(rate));
}
