import type { FrameRate } from "../../core/schemas/frameContext.js";

/**
 * Frame maths for the harness page's own display while the editor scrubs (before the server's
 * answer, which carries the authoritative timecode, comes back). Deliberately small: the
 * sequence's TimePoint from the server wins whenever the two describe the same frame.
 */

export const frameDuration = (rate: FrameRate): number => rate.den / rate.num;

export const secondsToFrame = (seconds: number, rate: FrameRate): number => Math.round((seconds * rate.num) / rate.den);

export const frameToSeconds = (frame: number, rate: FrameRate): number => (frame * rate.den) / rate.num;

/** "23.976", "25", "29.97": how Premiere names a rate. */
export function formatFps(rate: FrameRate): string {
  const fps = rate.num / rate.den;
  return Number.isInteger(fps) ? String(fps) : fps.toFixed(3).replace(/0+$/, "");
}

const pad = (n: number) => String(n).padStart(2, "0");

/**
 * SMPTE timecode of a frame number. Drop-frame (29.97, 59.94) skips frame numbers 0 and 1 (0-3
 * at 59.94) at the start of every minute except each tenth, and is written with ";" before frames.
 */
export function formatTimecode(frame: number, rate: FrameRate, dropFrame: boolean): string {
  const nominal = Math.round(rate.num / rate.den);
  let f = Math.max(0, Math.floor(frame));
  const drop = dropFrame && rate.den !== 1 ? Math.round(nominal / 15) : 0;
  if (drop > 0) {
    const perTenMinutes = nominal * 600 - drop * 9;
    const perMinute = nominal * 60 - drop;
    const tens = Math.floor(f / perTenMinutes);
    const rest = f % perTenMinutes;
    f += drop * 9 * tens + (rest > drop ? drop * Math.floor((rest - drop) / perMinute) : 0);
  }
  const ff = f % nominal;
  const totalSeconds = Math.floor(f / nominal);
  const hh = Math.floor(totalSeconds / 3600);
  const mm = Math.floor(totalSeconds / 60) % 60;
  const ss = totalSeconds % 60;
  return `${pad(hh)}:${pad(mm)}:${pad(ss)}${drop > 0 ? ";" : ":"}${pad(ff)}`;
}
