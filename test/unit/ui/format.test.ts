import { describe, expect, it } from "vitest";
import type { Annotation, ColorTags } from "../../../src/core/schemas/index.js";
import { colorTagsInWords, describeAnnotation, formatBytes, formatCost, formatRate, formatWhen, placementInWords, secondsToTimecode } from "../../../src/ui/format.js";

const tags = (overrides: Partial<ColorTags> = {}): ColorTags => ({
  container: "mov",
  sampleEntry: "apch",
  codec: "prores",
  colorSpace: "rec2100-pq",
  agree: true,
  problems: [],
  ...overrides,
});

describe("words for the editor", () => {
  it("describes a master's color tags the way the card shows them", () => {
    expect(colorTagsInWords(tags())).toBe("ProRes 422 HQ · Rec.2100 PQ · tags agree");
    expect(colorTagsInWords(tags({ sampleEntry: "ap4h", colorSpace: "rec709", agree: false }))).toBe("ProRes 4444 · Rec.709 SDR · tags disagree");
    expect(colorTagsInWords(tags({ container: "exr", sampleEntry: undefined, codec: undefined, colorSpace: "aces2065-1" }))).toBe(
      "OpenEXR · ACES2065-1 (AP0, linear) · tags agree",
    );
    // The reader's summary, when there is one, says what the editor gets.
    expect(colorTagsInWords(tags({ sampleEntry: "hvc1", colorSpace: "rec2100-pq", agree: false, summary: "Rec.2100 PQ in the stream, no container tags." }))).toBe(
      "HEVC · Rec.2100 PQ in the stream, no container tags · tags disagree",
    );
  });

  it("says where an import landed, naming tracks from V1", () => {
    expect(placementInWords({ trackIndex: 1, start: 4, end: 9, newTrack: false }, { num: 24, den: 1 })).toBe("Placed on V2 at 00:00:04:00");
    expect(placementInWords({ trackIndex: 0, start: 0, end: 5, newTrack: true }, { num: 25, den: 1 })).toBe("Placed on V1 at 00:00:00:00 (new track)");
    // frame 96 at 23.976 starts at 4.004 s; a double a hair short of it is still that frame
    expect(placementInWords({ trackIndex: 2, start: 4.003999999, end: 9, newTrack: false }, { num: 24000, den: 1001 })).toBe("Placed on V3 at 00:00:04:00");
  });

  it("writes rates and drop-frame timecode as Premiere does", () => {
    expect(formatRate({ num: 24000, den: 1001 })).toBe("23.976 fps");
    expect(formatRate({ num: 30000, den: 1001 }, true)).toBe("29.97 fps DF");
    // one minute of 29.97 DF: frame numbers 0 and 1 of minute 1 are skipped
    expect(secondsToTimecode(1800 * (1001 / 30000), { num: 30000, den: 1001 }, true)).toBe("00:01:00;02");
  });

  it("writes costs in dollars, marking estimates", () => {
    expect(formatCost({ usd: 0, estimated: false })).toBe("$0.00");
    expect(formatCost({ usd: 0.416, estimated: true })).toBe("~$0.42");
    expect(formatCost({ usd: 0.00213, estimated: true })).toBe("~$0.0021");
  });

  it("describes drawings without repeating a tool's name (tests find tools by it)", () => {
    const arrow: Annotation = { id: "a", kind: "cameraMove", from: { x: 0.5, y: 0.5 }, to: { x: 0.2, y: 0.55 }, start: 0, end: 5, ease: "ease-in-out" };
    const box: Annotation = { id: "b", kind: "framingBox", rect: { x: 0.25, y: 0.25, w: 0.5, h: 0.5 }, time: 2.5, ease: "linear", endFraming: false };
    expect(describeAnnotation(arrow)).toBe("Camera pans left, 0–5 s");
    expect(describeAnnotation(box)).toBe("Push in to 50% by 2.5 s");
    for (const text of [describeAnnotation(arrow), describeAnnotation(box)]) {
      expect(text).not.toMatch(/camera move|framing box|select|draft|import/i);
    }
  });
});

describe("history words", () => {
  it("sizes files the way a file browser does", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.5 KB");
    expect(formatBytes(5 * 1024 * 1024 + 1)).toBe("5 MB");
    expect(formatBytes(12.4 * 1024 ** 3)).toBe("12 GB");
  });

  it("dates a job in the editor's zone, day first", () => {
    expect(formatWhen("2026-01-05T14:03:09.000Z", 0)).toBe("5 Jan 2026, 14:03");
    expect(formatWhen("2026-01-05T23:30:00.000Z", 60)).toBe("6 Jan 2026, 00:30");
    expect(formatWhen("not a date")).toBe("not a date");
  });
});
