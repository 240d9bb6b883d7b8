import type { FrameRate, TimePoint } from "./schemas/frameContext.js";

/**
 * Premiere time maths: ticks, seconds, frames and SMPTE timecode.
 *
 * Premiere counts time in ticks, 254016000000 per second: a number chosen so that one frame at
 * every broadcast rate (23.976, 24, 25, 29.97, 30, 50, 59.94, 60, …) is a whole number of ticks.
 * Frame rates are exact rationals ({num: 30000, den: 1001} for 29.97). Everything that could
 * drift is done in bigint, so a position ten hours into a 23.976 sequence is exactly the same
 * tick the host reports, and frame ↔ tick round trips never slip by one.
 */

export const TICKS_PER_SECOND = 254_016_000_000n;
export const TICKS_PER_SECOND_NUMBER = 254_016_000_000;

/** Ticks as the host hands them out (a decimal string) or as we compute them (bigint). */
export type Ticks = bigint | string;

/** How a position between frame starts maps to a frame index. */
export type FrameRounding = "floor" | "nearest";

export class TimecodeError extends Error {
  override name = "TimecodeError";
}

const TICKS_PATTERN = /^-?\d+$/;

/** Reads ticks given as a bigint or a decimal string ("914457600000000"), rejecting anything else. */
export function parseTicks(ticks: Ticks): bigint {
  if (typeof ticks === "bigint") return ticks;
  if (typeof ticks !== "string" || !TICKS_PATTERN.test(ticks.trim())) {
    throw new RangeError(`Ticks must be a whole number written as a decimal string; got ${JSON.stringify(ticks)}.`);
  }
  return BigInt(ticks.trim());
}

function assertRate(rate: FrameRate): void {
  if (!Number.isSafeInteger(rate.num) || !Number.isSafeInteger(rate.den) || rate.num <= 0 || rate.den <= 0) {
    throw new RangeError(`A frame rate is a fraction of two positive whole numbers; got ${rate.num}/${rate.den}.`);
  }
}

function assertFrame(frame: number): void {
  if (!Number.isSafeInteger(frame)) throw new RangeError(`A frame index is a whole number; got ${frame}.`);
}

/** Floor division for bigints (bigint `/` truncates toward zero, which is wrong for negatives). */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q;
}

function ceilDiv(a: bigint, b: bigint): bigint {
  return -floorDiv(-a, b);
}

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

/** The rate in lowest terms, so 48/2 and 24/1 compare equal. */
export function reduceRate(rate: FrameRate): FrameRate {
  assertRate(rate);
  const g = Number(gcd(BigInt(rate.num), BigInt(rate.den)));
  return { num: rate.num / g, den: rate.den / g };
}

/** True when two rates are the same exact rational. */
export function sameRate(a: FrameRate, b: FrameRate): boolean {
  assertRate(a);
  assertRate(b);
  return BigInt(a.num) * BigInt(b.den) === BigInt(b.num) * BigInt(a.den);
}

// ---------------------------------------------------------------------------------------------
// ticks ↔ seconds

/** Seconds for a tick count. Exact for whole seconds; the fraction is as exact as a double allows. */
export function ticksToSeconds(ticks: Ticks): number {
  const t = parseTicks(ticks);
  // Split so that huge tick counts keep their sub-second precision.
  const whole = t / TICKS_PER_SECOND;
  const rest = t % TICKS_PER_SECOND;
  return Number(whole) + Number(rest) / TICKS_PER_SECOND_NUMBER;
}

/** The nearest tick to a time in seconds. */
export function secondsToTicks(seconds: number): bigint {
  if (!Number.isFinite(seconds)) throw new RangeError(`Seconds must be a finite number; got ${seconds}.`);
  // Whole and fractional parts separately: seconds * 254016000000 overflows 2^53 past ~9.8 hours.
  const whole = Math.trunc(seconds);
  const frac = seconds - whole;
  return BigInt(whole) * TICKS_PER_SECOND + BigInt(Math.round(frac * TICKS_PER_SECOND_NUMBER));
}

// ---------------------------------------------------------------------------------------------
// rates

/**
 * Ticks in one frame. Whole for every standard rate (10594584000 at 23.976); for an exotic rate
 * whose frame is not a whole number of ticks, the nearest tick (what Premiere itself would use).
 * Frame ↔ tick conversions below use the exact rational, not this rounded value.
 */
export function ticksPerFrame(rate: FrameRate): bigint {
  assertRate(rate);
  const n = TICKS_PER_SECOND * BigInt(rate.den);
  const d = BigInt(rate.num);
  return floorDiv(2n * n + d, 2n * d);
}

/** Rates an editor meets in practice, in lowest terms. */
export const STANDARD_FRAME_RATES: readonly FrameRate[] = [
  { num: 24000, den: 1001 },
  { num: 24, den: 1 },
  { num: 25, den: 1 },
  { num: 30000, den: 1001 },
  { num: 30, den: 1 },
  { num: 48000, den: 1001 },
  { num: 48, den: 1 },
  { num: 50, den: 1 },
  { num: 60000, den: 1001 },
  { num: 60, den: 1 },
  { num: 100, den: 1 },
  { num: 120000, den: 1001 },
  { num: 120, den: 1 },
  { num: 10, den: 1 },
  { num: 12, den: 1 },
  { num: 15, den: 1 },
];

const STANDARD_BY_TICKS = new Map<bigint, FrameRate>(STANDARD_FRAME_RATES.map((r) => [ticksPerFrame(r), r]));

/**
 * The frame rate for Premiere's timebase (`Sequence.getTimebase()` returns ticks per frame as a
 * decimal string): "10594584000" → 24000/1001, "10584000000" → 24/1, "8475667200" → 30000/1001.
 * Standard rates are recognised exactly; anything else is TICKS_PER_SECOND / ticksPerFrame in
 * lowest terms.
 */
export function frameRateFromTicksPerFrame(ticksPerFrameValue: Ticks): FrameRate {
  const tpf = parseTicks(ticksPerFrameValue);
  if (tpf <= 0n) throw new RangeError(`Ticks per frame must be positive; got ${tpf}.`);
  const standard = STANDARD_BY_TICKS.get(tpf);
  if (standard) return { ...standard };
  const g = gcd(TICKS_PER_SECOND, tpf);
  const num = TICKS_PER_SECOND / g;
  const den = tpf / g;
  if (den > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(`Ticks per frame ${tpf} gives a frame rate too slow to represent.`);
  }
  return { num: Number(num), den: Number(den) };
}

/** Frames per second rounded to a whole number: what timecode counts (30 for 29.97). */
export function nominalFps(rate: FrameRate): number {
  assertRate(rate);
  return Math.max(1, Math.round(rate.num / rate.den));
}

/** True for the rates that have SMPTE drop-frame timecode: 29.97 and 59.94. */
export function isDropFrameRate(rate: FrameRate): boolean {
  return sameRate(rate, { num: 30000, den: 1001 }) || sameRate(rate, { num: 60000, den: 1001 });
}

/** "23.976", "29.97", "59.94", "24", "25": what an editor reads in Premiere's sequence settings. */
export function formatRate(rate: FrameRate): string {
  assertRate(rate);
  if (rate.num % rate.den === 0) return String(rate.num / rate.den);
  return (rate.num / rate.den).toFixed(3).replace(/0+$/, "").replace(/\.$/, "");
}

// ---------------------------------------------------------------------------------------------
// ticks / seconds ↔ frames

/**
 * The frame showing at a tick position. "floor" is the frame whose duration contains the tick
 * (what the playhead shows); "nearest" is the frame whose start is closest (halves round up).
 */
export function ticksToFrame(ticks: Ticks, rate: FrameRate, rounding: FrameRounding = "floor"): number {
  assertRate(rate);
  const t = parseTicks(ticks);
  // frame = ticks * num / (TICKS_PER_SECOND * den), exactly.
  const n = t * BigInt(rate.num);
  const d = TICKS_PER_SECOND * BigInt(rate.den);
  const frame = rounding === "floor" ? floorDiv(n, d) : floorDiv(2n * n + d, 2n * d);
  return Number(frame);
}

/**
 * The first whole tick of a frame. Exact at every standard rate; at an exotic rate whose frame
 * starts between ticks, the tick just after, so ticksToFrame(frameToTicks(f)) === f always.
 */
export function frameToTicks(frame: number, rate: FrameRate): bigint {
  assertRate(rate);
  assertFrame(frame);
  return ceilDiv(BigInt(frame) * TICKS_PER_SECOND * BigInt(rate.den), BigInt(rate.num));
}

/**
 * The frame showing at a time in seconds. Goes through ticks, so 5 × 1001/24000 s is frame 5 even
 * though the double is a hair short. A double only holds seconds to about 1 part in 2^52 (a few
 * ticks, ten hours in), and at an exotic rate a frame can start between two ticks, so a time within
 * that rounding of a frame start counts as that frame.
 */
export function secondsToFrame(seconds: number, rate: FrameRate, rounding: FrameRounding = "floor"): number {
  assertRate(rate);
  const ticks = secondsToTicks(seconds);
  const nearest = ticksToFrame(ticks, rate, "nearest");
  if (rounding === "nearest") return nearest;
  const slackTicks = 1n + BigInt(Math.ceil(Math.abs(seconds) * TICKS_PER_SECOND_NUMBER * 2 ** -50));
  // |ticks − start(nearest)| < slack, in exact integers: |ticks·num − nearest·TPS·den| < slack·num.
  const distance = ticks * BigInt(rate.num) - BigInt(nearest) * TICKS_PER_SECOND * BigInt(rate.den);
  const slack = slackTicks * BigInt(rate.num);
  return distance > -slack && distance < slack ? nearest : ticksToFrame(ticks, rate, "floor");
}

/** The start of a frame in seconds. */
export function frameToSeconds(frame: number, rate: FrameRate): number {
  assertRate(rate);
  assertFrame(frame);
  return (frame * rate.den) / rate.num;
}

// ---------------------------------------------------------------------------------------------
// timecode

/** Frame numbers skipped at the start of each minute in drop-frame: 2 at 29.97, 4 at 59.94. */
function droppedPerMinute(rate: FrameRate): number {
  return nominalFps(rate) === 60 ? 4 : 2;
}

function assertDropFrameRate(rate: FrameRate): void {
  if (!isDropFrameRate(rate)) {
    throw new TimecodeError(
      `Drop-frame timecode exists only at 29.97 and 59.94 fps; this rate is ${formatRate(rate)} fps.`,
    );
  }
}

const pad = (value: number, width: number): string => String(value).padStart(width, "0");

/** Digits in the frames field: two, or three above 100 fps. */
const frameDigits = (fps: number): number => Math.max(2, String(fps - 1).length);

/**
 * Timecode for a frame index: `HH:MM:SS:FF` (non-drop) or `HH:MM:SS;FF` (SMPTE drop-frame, 29.97
 * and 59.94 only). Hours do not wrap at 24, so every frame has its own timecode; negative frames
 * get a leading "-".
 */
export function frameToTimecode(frame: number, rate: FrameRate, dropFrame = false): string {
  assertRate(rate);
  assertFrame(frame);
  if (dropFrame) assertDropFrameRate(rate);
  if (frame < 0) return `-${frameToTimecode(-frame, rate, dropFrame)}`;
  const fps = nominalFps(rate);
  let label = frame; // the frame number as counted by timecode
  if (dropFrame) {
    // Drop-frame renumbers, it never drops pictures: frame labels ;00 and ;01 (;00–;03 at 59.94)
    // are skipped at the start of every minute except minutes 00, 10, 20, …
    const drop = droppedPerMinute(rate);
    const perMinute = fps * 60 - drop;
    const perTenMinutes = fps * 600 - drop * 9;
    const tens = Math.floor(frame / perTenMinutes);
    const rest = frame % perTenMinutes;
    label = frame + drop * 9 * tens + (rest > drop ? drop * Math.floor((rest - drop) / perMinute) : 0);
  }
  const ff = label % fps;
  const totalSeconds = Math.floor(label / fps);
  const ss = totalSeconds % 60;
  const mm = Math.floor(totalSeconds / 60) % 60;
  const hh = Math.floor(totalSeconds / 3600);
  return `${pad(hh, 2)}:${pad(mm, 2)}:${pad(ss, 2)}${dropFrame ? ";" : ":"}${pad(ff, frameDigits(fps))}`;
}

const TIMECODE_PATTERN = /^(-)?(\d{2,})([:;])(\d{2})([:;])(\d{2})([:;])(\d{2,3})$/;

/**
 * The frame index for a timecode. Accepts `HH:MM:SS:FF`, `HH:MM:SS;FF` and Premiere's all-semicolon
 * drop-frame form `HH;MM;SS;FF`. `dropFrame` says how the sequence counts; when omitted it follows
 * the notation (any ";" means drop-frame). Throws a TimecodeError that says what is wrong: a field
 * out of range, a frame number the rate does not have, or a drop-frame label that is skipped.
 */
export function timecodeToFrame(timecode: string, rate: FrameRate, dropFrame?: boolean): number {
  assertRate(rate);
  const match = TIMECODE_PATTERN.exec(timecode.trim());
  if (!match) {
    throw new TimecodeError(
      `Timecode "${timecode}" is not in the form HH:MM:SS:FF (or HH:MM:SS;FF for drop-frame).`,
    );
  }
  const [, sign, hText, sep1, mText, sep2, sText, sep3, fText] = match as unknown as [
    string, string | undefined, string, string, string, string, string, string, string,
  ];
  const notationIsDrop = sep1 === ";" || sep2 === ";" || sep3 === ";";
  if (dropFrame === false && notationIsDrop) {
    throw new TimecodeError(
      `Timecode "${timecode}" uses ";" (drop-frame notation), but this timecode is non-drop-frame: write it as HH:MM:SS:FF.`,
    );
  }
  const isDrop = dropFrame ?? notationIsDrop;
  if (isDrop) assertDropFrameRate(rate);

  const fps = nominalFps(rate);
  const hh = Number(hText);
  const mm = Number(mText);
  const ss = Number(sText);
  const ff = Number(fText);
  if (mm > 59) throw new TimecodeError(`Timecode "${timecode}" has ${mText} minutes; minutes run 00–59.`);
  if (ss > 59) throw new TimecodeError(`Timecode "${timecode}" has ${sText} seconds; seconds run 00–59.`);
  if (ff >= fps) {
    throw new TimecodeError(
      `Timecode "${timecode}" has frame ${fText}, but ${formatRate(rate)} fps timecode counts frames 00–${pad(fps - 1, 2)}.`,
    );
  }
  const totalMinutes = hh * 60 + mm;
  let frame = (totalMinutes * 60 + ss) * fps + ff;
  if (isDrop) {
    const drop = droppedPerMinute(rate);
    if (ss === 0 && ff < drop && mm % 10 !== 0) {
      const labels = Array.from({ length: drop }, (_, i) => pad(i, 2));
      const skipped = `${labels.slice(0, -1).join(", ")} and ${labels[labels.length - 1]}`;
      throw new TimecodeError(
        `Timecode "${timecode}" does not exist in ${formatRate(rate)} drop-frame: frame numbers ${skipped} are skipped at the start of every minute except minutes 00, 10, 20, 30, 40 and 50.`,
      );
    }
    frame -= drop * (totalMinutes - Math.floor(totalMinutes / 10));
  }
  if (!Number.isSafeInteger(frame)) throw new TimecodeError(`Timecode "${timecode}" is too far out to count in frames.`);
  return sign ? -frame : frame;
}

// ---------------------------------------------------------------------------------------------
// TimePoint

/**
 * One instant described every way the app needs it (the schema's TimePoint). A number is seconds;
 * a bigint or decimal string is ticks. `frame` is the frame showing at that instant (floor) and
 * `timecode` its label; `seconds` is recomputed from the ticks so all four fields agree.
 */
export function timePointAt(at: number | Ticks, rate: FrameRate, dropFrame = false): TimePoint {
  const ticks = typeof at === "number" ? secondsToTicks(at) : parseTicks(at);
  const frame = typeof at === "number" ? secondsToFrame(at, rate) : ticksToFrame(ticks, rate, "floor");
  return {
    ticks: ticks.toString(),
    seconds: ticksToSeconds(ticks),
    frame,
    timecode: frameToTimecode(frame, rate, dropFrame),
  };
}
