import { describe, expect, it } from "vitest";
import { conformPlan, exrSequenceFrames, gateImport, withExrSequence } from "../../../src/core/colorTags/index.js";
import type { ColorTags } from "../../../src/core/schemas/color.js";
import { parseHevcSps, parseProResFrameHeader } from "../../../src/core/colorTags/bitstream.js";

// Pure parts of the color pipeline (what the UXP panel runs too): the import gate, the EXR
// sequence numbering, the conform plan and the bitstream parsers' refusal of garbage.
const pq: ColorTags = {
  container: "mov", sampleEntry: "apch", codec: "Apple ProRes 422 HQ", bitDepth: 10,
  colr: { type: "nclc", primaries: 9, transfer: 16, matrix: 9 },
  mdcv: { gx: 13250, gy: 34500, bx: 7500, by: 3000, rx: 34000, ry: 16000, wx: 15635, wy: 16450, maxLum: 10000000, minLum: 1 },
  clli: { maxCLL: 203, maxFALL: 120 },
  bitstream: { source: "prores-frame-header", primaries: 9, transfer: 16, matrix: 9 },
  colorSpace: "rec2100-pq", agree: true, problems: [],
};

describe("gateImport", () => {
  it("passes an agreeing file in its own sequence", () => {
    expect(gateImport(pq, "rec2100-pq")).toEqual({ ok: true, reasons: [], conformable: false, suggestion: "" });
  });

  it("blocks a color-space mismatch and offers a ProRes conform", () => {
    const gate = gateImport(pq, "rec709");
    expect(gate).toMatchObject({ ok: false, conformable: true, format: "prores422hq" });
    expect(gate.reasons[0]).toMatch(/Rec\.2100 PQ HDR but the sequence is Rec\.709 SDR/);
    expect(gate.suggestion).toBe("Conform the take to a ProRes 422 HQ Rec.709 SDR master (every color tag agreeing), then import it.");
  });

  it("keeps 4444 sources in 4444", () => {
    expect(gateImport({ ...pq, sampleEntry: "ap4h" }, "rec2100-hlg").format).toBe("prores4444");
  });

  it("blocks damaged, untagged, mixed and unknown-codec files without offering a conform", () => {
    expect(gateImport({ ...pq, damaged: true, agree: false, problems: ["cut"] }, "rec2100-pq")).toMatchObject({ ok: false, conformable: false, suggestion: expect.stringMatching(/damaged/) });
    const untagged: ColorTags = { container: "mp4", sampleEntry: "avc1", colorSpace: "unknown", agree: false, problems: ["no colr"] };
    expect(gateImport(untagged, "rec709")).toMatchObject({ ok: false, conformable: false, suggestion: expect.stringMatching(/no color tags/) });
    expect(gateImport({ ...untagged, colr: { type: "nclx", primaries: 9, transfer: 1, matrix: 9 } }, "rec709").suggestion).toMatch(/mix code points/);
    expect(gateImport({ ...pq, sampleEntry: "xyz1", colorSpace: "rec709" }, "rec2100-pq").conformable).toBe(false);
  });

  it("offers a conform for an ACES EXR sequence but not one with a gap", () => {
    const exr: ColorTags = { container: "exr", exr: { channels: { R: "half", G: "half", B: "half" }, compression: "zip" }, colorSpace: "aces2065-1", agree: true, problems: [] };
    expect(gateImport(exr, "rec2100-pq")).toMatchObject({ ok: false, conformable: true });
    const gap = withExrSequence(exr, { pattern: "a_####.exr", first: 1, last: 5, count: 4, contiguous: false, gaps: [[3, 3]] });
    expect(gateImport(gap, "rec2100-pq")).toMatchObject({ ok: false, conformable: false });
  });
});

describe("exrSequenceFrames", () => {
  it("finds contiguous padded numbering", () => {
    const r = exrSequenceFrames(["shot_0010.exr", "shot_0011.exr", "shot_0012.exr", "notes.txt"])!;
    expect(r.info).toEqual({ pattern: "shot_####.exr", first: 10, last: 12, count: 3, contiguous: true, gaps: [] });
    expect(r.strays).toEqual(["notes.txt"]);
  });

  it("names every gap, and folds it into the verdict as a sentence", () => {
    const r = exrSequenceFrames(["a.0001.exr", "a.0002.exr", "a.0005.exr", "a.0007.exr"])!;
    expect(r.info).toMatchObject({ contiguous: false, gaps: [[3, 4], [6, 6]], count: 4 });
    const tags = withExrSequence({ container: "exr", colorSpace: "aces2065-1", agree: true, problems: [] }, r.info);
    expect(tags.agree).toBe(false);
    expect(tags.problems[0]).toBe("The EXR sequence a.####.exr is missing frames 3–4, 6; Premiere would import it as a shorter clip or hold a frame, so the take's timing would be wrong.");
  });

  it("takes the largest pattern as the sequence, unpadded numbers included, and ignores other names", () => {
    const r = exrSequenceFrames(["f1.exr", "f2.exr", "f3.exr", "f10.exr", "other_0001.exr"])!;
    expect(r.info).toMatchObject({ pattern: "f#.exr", first: 1, last: 10, gaps: [[4, 9]] });
    expect(r.strays).toEqual(["other_0001.exr"]);
    expect(exrSequenceFrames(["readme.md"])).toBeUndefined();
  });
});

describe("conformPlan", () => {
  it("retags when the frames already say the target and only colr is wrong", () => {
    const wrongColr: ColorTags = { ...pq, colr: { type: "nclc", primaries: 1, transfer: 1, matrix: 1 }, colorSpace: "rec709", agree: false };
    expect(conformPlan(wrongColr, "rec2100-pq", "prores422hq")).toMatchObject({ kind: "retag", source: "rec2100-pq", sourceFrom: "bitstream" });
  });

  it("re-encodes for another codec, an unspecified frame header, another color space or an EXR", () => {
    expect(conformPlan(pq, "rec2100-pq", "hevc-hdr10").kind).toBe("reencode");
    const unspecified = { ...pq, bitstream: { source: "prores-frame-header" as const, primaries: 2, transfer: 2, matrix: 2 } };
    expect(conformPlan(unspecified, "rec2100-pq", "prores422hq")).toMatchObject({ kind: "reencode", source: "rec2100-pq", sourceFrom: "colr" });
    expect(conformPlan(pq, "rec709", "prores422hq")).toMatchObject({ kind: "reencode", source: "rec2100-pq" });
    expect(conformPlan({ container: "exr", colorSpace: "aces2065-1", agree: true, problems: [] }, "rec2100-pq", "prores422hq").kind).toBe("reencode");
  });
});

describe("bitstream parsers", () => {
  it("read a ProRes frame header and refuse anything else", () => {
    const frame = new Uint8Array(32);
    frame.set([0, 0, 0, 32, 0x69, 0x63, 0x70, 0x66, 0, 0x94, 0, 0, 0x61, 0x70, 0x6c, 0x30, 0x01, 0x40, 0, 0xb4, 0x80, 0, 9, 18, 9]);
    expect(parseProResFrameHeader(frame)).toEqual({ width: 320, height: 180, primaries: 9, transfer: 18, matrix: 9 });
    expect(parseProResFrameHeader(frame.subarray(0, 20))).toBeUndefined();
    expect(parseProResFrameHeader(new Uint8Array(32))).toBeUndefined();
  });

  it("never throw on garbage SPS bytes", () => {
    let seed = 7;
    for (let i = 0; i < 2000; i++) {
      const n = 1 + (i % 64);
      const bytes = new Uint8Array(n).map(() => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 24));
      bytes[0] = 33 << 1; // claim to be an SPS
      expect(() => parseHevcSps(bytes)).not.toThrow();
    }
  });
});
