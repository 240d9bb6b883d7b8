import { describe, expect, it } from "vitest";
import { TimePoint, type FrameRate } from "../../../src/core/schemas/frameContext.js";
import {
  TICKS_PER_SECOND,
  TICKS_PER_SECOND_NUMBER,
  TimecodeError,
  formatRate,
  frameRateFromTicksPerFrame,
  frameToSeconds,
  frameToTicks,
  frameToTimecode,
  isDropFrameRate,
  nominalFps,
  parseTicks,
  reduceRate,
  sameRate,
  secondsToFrame,
  secondsToTicks,
  ticksPerFrame,
  ticksToFrame,
  ticksToSeconds,
  timePointAt,
  timecodeToFrame,
} from "../../../src/core/time.js";

const R23976: FrameRate = { num: 24000, den: 1001 };
const R24: FrameRate = { num: 24, den: 1 };
const R25: FrameRate = { num: 25, den: 1 };
const R2997: FrameRate = { num: 30000, den: 1001 };
const R30: FrameRate = { num: 30, den: 1 };
const R50: FrameRate = { num: 50, den: 1 };
const R5994: FrameRate = { num: 60000, den: 1001 };
const R60: FrameRate = { num: 60, den: 1 };

const ONE_HOUR_TICKS = 914_457_600_000_000n; // 3600 × 254016000000

describe("tick constants", () => {
  it("has 254016000000 ticks per second, as bigint and as number", () => {
    expect(TICKS_PER_SECOND).toBe(254016000000n);
    expect(TICKS_PER_SECOND_NUMBER).toBe(254016000000);
    expect(BigInt(TICKS_PER_SECOND_NUMBER)).toBe(TICKS_PER_SECOND);
  });
});

describe("ticks ↔ seconds", () => {
  it("one hour is exactly 914457600000000 ticks, both ways, as bigint or string", () => {
    expect(secondsToTicks(3600)).toBe(ONE_HOUR_TICKS);
    expect(ticksToSeconds(ONE_HOUR_TICKS)).toBe(3600);
    expect(ticksToSeconds("914457600000000")).toBe(3600);
  });

  it("stays exact far past the 2^53 limit of seconds × ticks-per-second in a double", () => {
    // 24 hours = 2.19e16 ticks, beyond Number.MAX_SAFE_INTEGER (9.0e15).
    expect(secondsToTicks(86400)).toBe(24n * ONE_HOUR_TICKS);
    expect(ticksToSeconds(24n * ONE_HOUR_TICKS + TICKS_PER_SECOND / 2n)).toBe(86400.5);
    expect(secondsToTicks(86400.5)).toBe(24n * ONE_HOUR_TICKS + TICKS_PER_SECOND / 2n);
  });

  it("handles fractions and negative times", () => {
    expect(secondsToTicks(0.5)).toBe(127008000000n);
    expect(secondsToTicks(-1.5)).toBe(-381024000000n);
    expect(ticksToSeconds(-381024000000n)).toBe(-1.5);
    expect(ticksToSeconds("0")).toBe(0);
  });

  it("rejects ticks that are not whole decimal numbers", () => {
    expect(() => parseTicks("12.5")).toThrow(/whole number/);
    expect(() => parseTicks("abc")).toThrow(/"abc"/);
    expect(() => parseTicks("")).toThrow(RangeError);
    expect(parseTicks(" 42 ")).toBe(42n);
    expect(() => secondsToTicks(Number.NaN)).toThrow(/finite/);
  });
});

describe("ticksPerFrame and frameRateFromTicksPerFrame", () => {
  const table: Array<[FrameRate, bigint]> = [
    [R23976, 10594584000n],
    [R24, 10584000000n],
    [R25, 10160640000n],
    [R2997, 8475667200n],
    [R30, 8467200000n],
    [R50, 5080320000n],
    [R5994, 4237833600n],
    [R60, 4233600000n],
    [{ num: 48000, den: 1001 }, 5297292000n],
    [{ num: 120000, den: 1001 }, 2118916800n],
  ];

  it.each(table)("%o has %s ticks per frame, and maps back exactly", (rate, tpf) => {
    expect(ticksPerFrame(rate)).toBe(tpf);
    expect(frameRateFromTicksPerFrame(tpf.toString())).toEqual(rate);
    expect(frameRateFromTicksPerFrame(tpf)).toEqual(rate);
  });

  it("reduces a non-standard timebase to lowest terms", () => {
    // 7 fps: 254016000000 / 7 = 36288000000 ticks per frame.
    expect(frameRateFromTicksPerFrame("36288000000")).toEqual({ num: 7, den: 1 });
    // 12.5 fps.
    expect(frameRateFromTicksPerFrame("20321280000")).toEqual({ num: 25, den: 2 });
    const odd = frameRateFromTicksPerFrame("1000000007");
    expect(BigInt(odd.num) * 1000000007n).toBe(TICKS_PER_SECOND * BigInt(odd.den));
  });

  it("rejects a timebase that is not a positive whole number", () => {
    expect(() => frameRateFromTicksPerFrame("0")).toThrow(/positive/);
    expect(() => frameRateFromTicksPerFrame("-10584000000")).toThrow(/positive/);
    expect(() => frameRateFromTicksPerFrame("23.976")).toThrow(/whole number/);
  });

  it("rounds ticks per frame for a rate whose frame is not a whole number of ticks", () => {
    // 254016000000 / 1000003 = 254015.238… → 254015
    expect(ticksPerFrame({ num: 1000003, den: 1 })).toBe(254015n);
  });

  it("rejects rates that are not fractions of positive whole numbers", () => {
    expect(() => ticksPerFrame({ num: 0, den: 1 })).toThrow(/positive whole numbers/);
    expect(() => ticksPerFrame({ num: 23.976, den: 1 })).toThrow(/positive whole numbers/);
  });
});

describe("rate helpers", () => {
  it("nominalFps rounds to what timecode counts", () => {
    expect([R23976, R24, R25, R2997, R30, R50, R5994, R60].map(nominalFps)).toEqual([24, 24, 25, 30, 30, 50, 60, 60]);
  });

  it("isDropFrameRate is true only for 29.97 and 59.94, however the fraction is written", () => {
    expect(isDropFrameRate(R2997)).toBe(true);
    expect(isDropFrameRate(R5994)).toBe(true);
    expect(isDropFrameRate({ num: 60000, den: 2002 })).toBe(true);
    for (const r of [R23976, R24, R25, R30, R50, R60]) expect(isDropFrameRate(r)).toBe(false);
  });

  it("formatRate reads like Premiere's sequence settings", () => {
    expect(formatRate(R23976)).toBe("23.976");
    expect(formatRate(R2997)).toBe("29.97");
    expect(formatRate(R5994)).toBe("59.94");
    expect(formatRate(R24)).toBe("24");
    expect(formatRate(R25)).toBe("25");
    expect(formatRate({ num: 120000, den: 1001 })).toBe("119.88");
    expect(formatRate({ num: 25, den: 2 })).toBe("12.5");
    expect(formatRate({ num: 48, den: 2 })).toBe("24");
  });

  it("reduceRate and sameRate compare exact rationals", () => {
    expect(reduceRate({ num: 48000, den: 2002 })).toEqual(R23976);
    expect(sameRate({ num: 50, den: 2 }, R25)).toBe(true);
    expect(sameRate(R2997, R30)).toBe(false);
  });
});

describe("ticks ↔ frames", () => {
  it("floors to the frame containing the tick, or rounds to the nearest frame start", () => {
    const tpf = ticksPerFrame(R23976);
    expect(ticksToFrame(tpf - 1n, R23976)).toBe(0);
    expect(ticksToFrame(tpf - 1n, R23976, "nearest")).toBe(1);
    expect(ticksToFrame(tpf, R23976)).toBe(1);
    expect(ticksToFrame(tpf / 2n - 1n, R23976, "nearest")).toBe(0);
    expect(ticksToFrame(tpf / 2n, R23976, "nearest")).toBe(1); // halves round up
    expect(ticksToFrame(-1n, R23976)).toBe(-1);
    expect(ticksToFrame((tpf * 7n).toString(), R23976)).toBe(7);
  });

  it("one hour of 29.97 is 107892 frames and ten hours of 23.976 does not drift", () => {
    expect(ticksToFrame(ONE_HOUR_TICKS, R2997)).toBe(107892);
    expect(ticksToFrame(10n * ONE_HOUR_TICKS, R23976)).toBe(863136);
    expect(frameToTicks(863136, R23976)).toBe(863136n * 10594584000n);
    // 24000 frames at 23.976 are exactly 1001 s; 36 of those (10.01 hours) land on the tick.
    expect(frameToTicks(36 * 24000, R23976)).toBe(36036n * TICKS_PER_SECOND);
    expect(ticksToSeconds(frameToTicks(36 * 24000, R23976))).toBe(36036);
    expect(ticksToFrame(ONE_HOUR_TICKS, R25)).toBe(90000);
  });

  it.each([R23976, R24, R25, R2997, R30, R50, R5994, R60, { num: 1000003, den: 1 }])(
    "frame → ticks → frame and frame → seconds → frame round trip at %o",
    (rate) => {
      const wrong: number[] = [];
      for (let frame = -50; frame < 2_000_000; frame += 97) {
        const ticks = frameToTicks(frame, rate);
        if (
          ticksToFrame(ticks, rate) !== frame ||
          ticksToFrame(ticks, rate, "nearest") !== frame ||
          ticksToFrame(ticks - 1n, rate) !== frame - 1 ||
          secondsToFrame(frameToSeconds(frame, rate), rate) !== frame ||
          secondsToFrame(ticksToSeconds(ticks), rate, "nearest") !== frame
        ) {
          wrong.push(frame);
        }
      }
      expect(wrong).toEqual([]);
    },
  );

  it("a time a microsecond before a frame starts is still the frame before", () => {
    expect(secondsToFrame(frameToSeconds(5, R23976) - 1e-6, R23976)).toBe(4);
    expect(secondsToFrame(frameToSeconds(5, R23976) - 1e-6, R23976, "nearest")).toBe(5);
    expect(secondsToFrame(36000 + 1 / 24 - 1e-6, R24)).toBe(864000);
    expect(secondsToFrame(36000 + 1 / 24, R24)).toBe(864001);
  });

  it("frame starts are exact multiples of ticksPerFrame at standard rates", () => {
    expect(frameToTicks(86400, R23976)).toBe(86400n * 10594584000n);
    expect(secondsToFrame((5 * 1001) / 24000, R23976)).toBe(5);
  });
});

describe("timecode, non-drop", () => {
  const cases: Array<[FrameRate, number, string]> = [
    [R24, 0, "00:00:00:00"],
    [R24, 23, "00:00:00:23"],
    [R24, 24, "00:00:01:00"],
    [R24, 86400, "01:00:00:00"],
    [R23976, 86399, "00:59:59:23"],
    [R25, 90000 * 25 + 24, "25:00:00:24"],
    [R2997, 1800, "00:01:00:00"],
    [R5994, 3599, "00:00:59:59"],
    [R60, 216000, "01:00:00:00"],
    [{ num: 120, den: 1 }, 119, "00:00:00:119"],
    [R24, -25, "-00:00:01:01"],
  ];
  it.each(cases)("%o frame %i ↔ %s", (rate, frame, tc) => {
    expect(frameToTimecode(frame, rate)).toBe(tc);
    expect(timecodeToFrame(tc, rate)).toBe(frame);
    expect(timecodeToFrame(tc, rate, false)).toBe(frame);
  });
});

describe("timecode, SMPTE drop-frame", () => {
  const cases: Array<[FrameRate, number, string]> = [
    [R2997, 0, "00:00:00;00"],
    [R2997, 1799, "00:00:59;29"],
    [R2997, 1800, "00:01:00;02"],
    [R2997, 3597, "00:01:59;29"],
    [R2997, 3598, "00:02:00;02"],
    [R2997, 17981, "00:09:59;29"],
    [R2997, 17982, "00:10:00;00"],
    [R2997, 17983, "00:10:00;01"],
    [R2997, 19782, "00:11:00;02"],
    [R2997, 107892, "01:00:00;00"],
    [R2997, 2589407, "23:59:59;29"],
    [R5994, 3599, "00:00:59;59"],
    [R5994, 3600, "00:01:00;04"],
    [R5994, 35964, "00:10:00;00"],
    [R5994, 215784, "01:00:00;00"],
  ];
  it.each(cases)("%o frame %i ↔ %s", (rate, frame, tc) => {
    expect(frameToTimecode(frame, rate, true)).toBe(tc);
    expect(timecodeToFrame(tc, rate)).toBe(frame);
    expect(timecodeToFrame(tc, rate, true)).toBe(frame);
  });

  it("drop-frame timecode keeps wall-clock time: one hour of 29.97 reads 01:00:00;00", () => {
    expect(timePointAt(3600, R2997, true).timecode).toBe("01:00:00;00");
    expect(timePointAt(3600, R2997, false).timecode).toBe("00:59:56:12"); // non-drop falls 3.6 s behind
  });

  it("accepts Premiere's all-semicolon form and colons when the sequence is drop-frame", () => {
    expect(timecodeToFrame("00;01;00;02", R2997)).toBe(1800);
    expect(timecodeToFrame("00:10:00:00", R2997, true)).toBe(17982);
  });

  it.each([
    [R2997, 2],
    [R5994, 4],
  ])("round trips every frame of the first 25 minutes and a stretch ten hours in at %o", (rate, dropped) => {
    const fps = nominalFps(rate);
    const check = (from: number, to: number): void => {
      const wrong: string[] = [];
      let previous = frameToTimecode(from - 1, rate, true);
      for (let frame = from; frame < to; frame++) {
        const tc = frameToTimecode(frame, rate, true);
        if (timecodeToFrame(tc, rate, true) !== frame) wrong.push(`${frame} → ${tc}`);
        // Labels only ever skip the dropped frame numbers at a minute boundary.
        const [h, m, s, f] = tc.split(/[:;]/).map(Number) as [number, number, number, number];
        const [ph, pm, ps, pf] = previous.split(/[:;]/).map(Number) as [number, number, number, number];
        const step = (h * 3600 + m * 60 + s) * fps + f - ((ph * 3600 + pm * 60 + ps) * fps + pf);
        if (!(step === 1 || (step === dropped + 1 && s === 0 && f === dropped && m % 10 !== 0))) {
          wrong.push(`${previous} → ${tc}`);
        }
        previous = tc;
      }
      expect(wrong).toEqual([]);
    };
    check(1, 25 * 60 * fps);
    check(10 * 3600 * fps - 5000, 10 * 3600 * fps + 5000);
  });
});

describe("timecode round trips, non-drop", () => {
  it.each([R23976, R24, R25, R2997, R5994, R60])("every frame of the first 10 minutes at %o", (rate) => {
    const frames = 600 * nominalFps(rate);
    const wrong: number[] = [];
    for (let frame = 0; frame < frames; frame++) {
      if (timecodeToFrame(frameToTimecode(frame, rate), rate) !== frame) wrong.push(frame);
    }
    expect(wrong).toEqual([]);
  });
});

describe("invalid timecodes are rejected with messages that say what is wrong", () => {
  const cases: Array<[string, FrameRate, boolean | undefined, RegExp]> = [
    ["00:01:00;00", R2997, undefined, /"00:01:00;00" does not exist in 29\.97 drop-frame: frame numbers 00 and 01 are skipped/],
    ["00:01:00;01", R2997, true, /does not exist in 29\.97 drop-frame/],
    ["00:09:00;01", R2997, true, /except minutes 00, 10, 20/],
    ["00:01:00;03", R5994, true, /"00:01:00;03" does not exist in 59\.94 drop-frame: frame numbers 00, 01, 02 and 03/],
    ["00:00:00:24", R24, undefined, /has frame 24, but 24 fps timecode counts frames 00–23/],
    ["00:00:00:30", R2997, false, /has frame 30, but 29\.97 fps timecode counts frames 00–29/],
    ["00:00:00;60", R5994, true, /counts frames 00–59/],
    ["00:00:00:25", R25, undefined, /frame 25/],
    ["00:00:60:00", R25, undefined, /60 seconds; seconds run 00–59/],
    ["00:60:00:00", R25, undefined, /60 minutes; minutes run 00–59/],
    ["1:00:00:00", R25, undefined, /not in the form HH:MM:SS:FF/],
    ["00:00:00", R25, undefined, /not in the form/],
    ["ab:cd:ef:gh", R25, undefined, /not in the form/],
    ["00:00:01;00", R25, undefined, /Drop-frame timecode exists only at 29\.97 and 59\.94 fps; this rate is 25 fps/],
    ["00:00:01:00", R24, true, /only at 29\.97 and 59\.94 fps; this rate is 24 fps/],
    ["00:00:01;00", R2997, false, /uses ";" \(drop-frame notation\), but this timecode is non-drop-frame/],
  ];
  it.each(cases)("%s at %o (dropFrame %s)", (tc, rate, dropFrame, message) => {
    expect(() => timecodeToFrame(tc, rate, dropFrame)).toThrow(TimecodeError);
    expect(() => timecodeToFrame(tc, rate, dropFrame)).toThrow(message);
  });

  it("the frame just before a skipped label and the first one after it are valid", () => {
    expect(timecodeToFrame("00:00:59;29", R2997)).toBe(1799);
    expect(timecodeToFrame("00:01:00;02", R2997)).toBe(1800);
    expect(timecodeToFrame("00:20:00;00", R2997)).toBe(35964);
  });

  it("refuses drop-frame output at a rate that has none", () => {
    expect(() => frameToTimecode(10, R25, true)).toThrow(/only at 29\.97 and 59\.94/);
    expect(() => frameToTimecode(1.5, R25)).toThrow(/whole number/);
  });
});

describe("timePointAt", () => {
  it("describes an instant given in seconds, all fields agreeing and schema-valid", () => {
    const p = timePointAt(60, R2997, true);
    expect(p).toEqual({ ticks: "15240960000000", seconds: 60, frame: 1798, timecode: "00:00:59;28" });
    expect(TimePoint.parse(p)).toEqual(p);
  });

  it("describes an instant given in ticks (string or bigint) as the host reports it", () => {
    const tpf = ticksPerFrame(R23976);
    const fromString = timePointAt((tpf * 100n + 5n).toString(), R23976);
    expect(fromString.frame).toBe(100);
    expect(fromString.timecode).toBe("00:00:04:04");
    expect(fromString.ticks).toBe((tpf * 100n + 5n).toString());
    expect(timePointAt(ONE_HOUR_TICKS, R25)).toEqual({
      ticks: "914457600000000",
      seconds: 3600,
      frame: 90000,
      timecode: "01:00:00:00",
    });
  });

  it("lands on the frame whose start it is, not the one before, at 23.976", () => {
    const wrong: number[] = [];
    for (let frame = 0; frame < 50_000; frame += 7) {
      if (timePointAt(frameToSeconds(frame, R23976), R23976).frame !== frame) wrong.push(frame);
    }
    expect(wrong).toEqual([]);
  });
});
