import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gateImport, MAX_MOOV_BYTES, readColorTags, tagsMatchSequence } from "../../../src/core/colorTags/index.js";
import { ColorTags, type ColorAssumption } from "../../../src/core/schemas/color.js";
import { AP0_CHROMATICITIES, writeExrAttributes } from "../../../src/server/conform/exrHeader.js";
import { colrBox, copyWithEntryBoxes, dolbyVisionConfigBox } from "../../../src/server/conform/sampleEntryBoxes.js";
import { openRangedRead, readColorTagsFromFile } from "../../../src/server/files/fileRangedRead.js";
import { writeHdr10Boxes } from "../../../src/server/media/colorConvert.js";
import { LUMA_EXR_COLOR } from "../../../src/server/providers/luma/lumaProvider.js";

// Fixtures are made here with ffmpeg and Retake's own writers (the EXR header writer, the
// sample-entry box writers: the same code that labels conformed masters), the way the real-world
// files were written, at 320x180 for half a second so the whole file runs in seconds.
const run = promisify(execFile);
const SRC = ["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=24:duration=0.5"];
const BT709 = ["-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", "-color_range", "tv"];
const PQ = ["-color_primaries", "bt2020", "-color_trc", "smpte2084", "-colorspace", "bt2020nc", "-color_range", "tv"];
const HLG = ["-color_primaries", "bt2020", "-color_trc", "arib-std-b67", "-colorspace", "bt2020nc", "-color_range", "tv"];
const PRORES_HQ = ["-c:v", "prores_ks", "-profile:v", "hq", "-vendor", "apl0"];
const X264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"];
const MASTERING = { gx: 13250, gy: 34500, bx: 7500, by: 3000, rx: 34000, ry: 16000, wx: 15635, wy: 16450, maxLum: 10000000, minLum: 1 };
const HDR10_LEVELS = { mdcv: MASTERING, clli: { maxCLL: 1000, maxFALL: 400 } };
const X265_HDR10 =
  "log-level=error:hdr10=1:repeat-headers=1:colorprim=bt2020:transfer=smpte2084:colormatrix=bt2020nc:range=limited:" +
  "master-display=G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10000000,1):max-cll=1000,400";
const DV = { versionMajor: 1, versionMinor: 0, rpuPresent: true, elPresent: false, blPresent: true };

let dir = "";
const at = (name: string) => path.join(dir, name);
const ffmpeg = (...args: string[]) => run("ffmpeg", ["-v", "error", "-y", ...args]);
/** A copy of `from` with its HDR10 boxes written by Retake's writer (what libx265 + the mov muxer leave out). */
const withHdr10Boxes = async (from: string, to: string) => {
  fs.copyFileSync(at(from), at(to));
  await writeHdr10Boxes(at(to), HDR10_LEVELS);
};

async function makeFixtures(): Promise<void> {
  const hdr10Chain = async () => {
    await ffmpeg(...SRC, "-vf", "format=yuv420p10le", "-c:v", "libx265", "-preset", "ultrafast", "-pix_fmt", "yuv420p10le",
      "-x265-params", X265_HDR10, "-tag:v", "hvc1", ...PQ, at("hevc_pq_sei_only.mp4"));
    await Promise.all([
      withHdr10Boxes("hevc_pq_sei_only.mp4", "hevc_pq.mp4"),
      ffmpeg("-i", at("hevc_pq_sei_only.mp4"), "-c", "copy", "-tag:v", "hev1", at("hevc_pq_hev1.mp4")).then(() => writeHdr10Boxes(at("hevc_pq_hev1.mp4"), HDR10_LEVELS)),
      ffmpeg("-i", at("hevc_pq_sei_only.mp4"), "-c", "copy", at("hdr10.mkv")),
    ]);
    // Dolby Vision 8.1 as packagers write it: the HDR10 file's hvc1 entry plus a dvvC record.
    await copyWithEntryBoxes(at("hevc_pq.mp4"), at("dv81.mp4"), [dolbyVisionConfigBox({ ...DV, profile: 8, level: 3, blCompatibilityId: 1 })]);
  };
  const exrChain = async () => {
    await Promise.all([
      ffmpeg(...SRC, "-frames:v", "1", "-vf", "format=gbrpf32le", "-c:v", "exr", "-format", "half", "-compression", "zip16", at("half.exr")),
      ffmpeg(...SRC, "-frames:v", "1", "-vf", "format=gbrpf32le", "-c:v", "exr", "-format", "float", "-compression", "zip1", at("float.exr")),
    ]);
    await Promise.all([
      writeExrAttributes(at("half.exr"), at("ap0.exr"), [
        { name: "chromaticities", type: "chromaticities", value: AP0_CHROMATICITIES },
        { name: "acesImageContainerFlag", type: "int", value: 1 },
      ]),
      // A Nuke-style linear Rec.709 plate that writes its chromaticities.
      writeExrAttributes(at("half.exr"), at("rec709.exr"), [{ name: "chromaticities", type: "chromaticities", value: [0.64, 0.33, 0.3, 0.6, 0.15, 0.06, 0.3127, 0.329] }]),
      writeExrAttributes(at("half.exr"), at("rec2020.exr"), [{ name: "chromaticities", type: "chromaticities", value: [0.708, 0.292, 0.17, 0.797, 0.131, 0.046, 0.3127, 0.329] }]),
    ]);
  };
  await Promise.all([
    hdr10Chain(),
    exrChain(),
    ffmpeg(...SRC, "-vf", "setparams=color_primaries=bt709:color_trc=bt709:colorspace=bt709:range=tv,format=yuv422p10le",
      ...PRORES_HQ, ...BT709, at("prores_hq_709.mov")),
    ffmpeg(...SRC, "-vf", "setparams=color_primaries=bt2020:color_trc=smpte2084:colorspace=bt2020nc:range=tv,format=yuv422p10le",
      ...PRORES_HQ, ...PQ, at("prores_hq_pq_no_boxes.mov")).then(() => withHdr10Boxes("prores_hq_pq_no_boxes.mov", "prores_hq_pq.mov")),
    ffmpeg(...SRC, "-vf", "setparams=color_primaries=bt2020:color_trc=arib-std-b67:colorspace=bt2020nc:range=tv,format=yuv444p10le",
      "-c:v", "prores_ks", "-profile:v", "4444", "-vendor", "apl0", "-pix_fmt", "yuv444p10le", ...HLG, at("prores_4444_hlg.mov")),
    // No setparams: colr says HLG, the ProRes frame header says unspecified (hdr.md gotcha 2).
    ffmpeg(...SRC, "-vf", "format=yuv422p10le", ...PRORES_HQ, ...HLG, at("prores_hq_hlg_frame_unspecified.mov")),
    // Frames tagged HLG, then colr overwritten to Rec.709 by a stream-copy remux.
    ffmpeg(...SRC, "-vf", "setparams=color_primaries=bt2020:color_trc=arib-std-b67:colorspace=bt2020nc:range=tv,format=yuv422p10le",
      ...PRORES_HQ, ...HLG, at("prores_hlg_frames.mov"))
      .then(() => Promise.all([
        ffmpeg("-i", at("prores_hlg_frames.mov"), "-c", "copy", ...BT709, at("prores_hlg_frames_colr_709.mov")),
        // A packager that appends its own colr after the encoder's: HLG first, BT.2020 SDR second.
        copyWithEntryBoxes(at("prores_hlg_frames.mov"), at("prores_two_colr.mov"), [colrBox("nclc", { primaries: 9, transfer: 14, matrix: 9 })]),
        // The same two boxes agreeing (an nclx copy of the nclc): one color, said twice.
        copyWithEntryBoxes(at("prores_hlg_frames.mov"), at("prores_two_colr_agreeing.mov"), [colrBox("nclx", { primaries: 9, transfer: 18, matrix: 9 })]),
      ])),
    // x265 told nothing about color (VUI without colour description), container tagged PQ.
    // hevc_metadata rewrites the SPS VUI (in hvcC and in-band) to "unspecified".
    ffmpeg(...SRC, "-vf", "format=yuv420p10le", "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error",
      "-tag:v", "hvc1", ...PQ, at("hevc_vui_pq.mp4"))
      .then(() => ffmpeg("-i", at("hevc_vui_pq.mp4"), "-c", "copy",
        "-bsf:v", "hevc_metadata=colour_primaries=2:transfer_characteristics=2:matrix_coefficients=2", "-tag:v", "hvc1", ...PQ,
        at("hevc_vui_untagged_colr_pq.mp4"))),
    // x265 output as most tools leave it: VUI and HDR10 SEI in the stream, no -color_* so no colr box.
    ffmpeg(...SRC, "-vf", "format=yuv420p10le", "-c:v", "libx265", "-preset", "ultrafast", "-pix_fmt", "yuv420p10le",
      "-x265-params", X265_HDR10, "-tag:v", "hvc1", at("hevc_pq_stream_only.mp4")),
    // HLG HEVC with Dolby Vision 8.4 (phone captures).
    ffmpeg(...SRC, "-vf", "format=yuv420p10le", "-c:v", "libx265", "-preset", "ultrafast", "-pix_fmt", "yuv420p10le",
      "-x265-params", "log-level=error:colorprim=bt2020:transfer=arib-std-b67:colormatrix=bt2020nc:range=limited", "-tag:v", "hvc1", ...HLG, at("hevc_hlg.mp4"))
      .then(() => Promise.all([
        copyWithEntryBoxes(at("hevc_hlg.mp4"), at("dv84.mp4"), [dolbyVisionConfigBox({ ...DV, profile: 8, level: 3, blCompatibilityId: 4 })]),
        // A record that claims an HDR10 base layer over HLG pictures.
        copyWithEntryBoxes(at("hevc_hlg.mp4"), at("dv81_over_hlg.mp4"), [dolbyVisionConfigBox({ ...DV, profile: 8, level: 3, blCompatibilityId: 1 })]),
      ])),
    // Dolby Vision profile 5 as streaming packagers write it: dvh1, dvcC, no colr, VUI unspecified.
    ffmpeg(...SRC, "-vf", "format=yuv420p10le", "-c:v", "libx265", "-preset", "ultrafast", "-pix_fmt", "yuv420p10le",
      "-x265-params", "log-level=error", "-tag:v", "hvc1", at("hevc_untagged.mp4"))
      .then(() => copyWithEntryBoxes(at("hevc_untagged.mp4"), at("dv5.mp4"),
        [dolbyVisionConfigBox({ ...DV, profile: 5, level: 6, blCompatibilityId: 0 })], { entryType: "dvh1" })),
    ffmpeg(...SRC, ...X264, ...BT709, "-movflags", "+faststart", at("h264_709.mp4"))
      // Profile 9: an SDR AVC base layer with a dvvC record.
      .then(() => copyWithEntryBoxes(at("h264_709.mp4"), at("dv9.mp4"), [dolbyVisionConfigBox({ ...DV, profile: 9, level: 5, blCompatibilityId: 2 })])),
    ffmpeg(...SRC, ...X264, at("h264_untagged.mp4"))
      // Two colr boxes on a stream that carries no color of its own: nothing settles which is right.
      .then(() => copyWithEntryBoxes(at("h264_untagged.mp4"), at("h264_two_colr.mp4"),
        [colrBox("nclx", { primaries: 9, transfer: 18, matrix: 9 }), colrBox("nclx", { primaries: 9, transfer: 14, matrix: 9 })])),
    ffmpeg(...SRC, ...X264, "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", "-color_range", "pc", at("h264_full_range.mp4")),
    ffmpeg(...SRC, ...X264, "-color_primaries", "bt2020", "-color_trc", "bt709", "-colorspace", "bt2020nc", "-color_range", "tv", at("h264_mixed.mp4")),
    ffmpeg(...SRC, ...X264, ...HLG, at("h264_8bit_hlg.mp4")),
  ]);
}

/** Reads a fixture through the Node ranged reader and checks the result against the schema. */
async function tagsOf(name: string, opts: { exrAssumption?: ColorAssumption } = {}): Promise<{ tags: ColorTags; bytesRead: number; size: number }> {
  const file = await openRangedRead(at(name));
  try {
    const tags = await readColorTags(file.read, file.size, { ...opts, fileName: name });
    expect(ColorTags.safeParse(tags).success).toBe(true);
    // One meaning of agree everywhere: no problems. Warnings never repeat a problem.
    expect(tags.agree).toBe(tags.problems.length === 0);
    for (const w of tags.warnings ?? []) expect(tags.problems).not.toContain(w);
    return { tags, bytesRead: file.bytesRead(), size: file.size };
  } finally {
    await file.close();
  }
}

const mentions = (tags: ColorTags, pattern: RegExp) => tags.problems.some((p) => pattern.test(p));

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-"));
  await makeFixtures();
});

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe("readColorTags on ProRes .mov", () => {
  it("reads a Rec.709 ProRes 422 HQ as rec709 with agreeing carriers", async () => {
    const { tags } = await tagsOf("prores_hq_709.mov");
    expect(tags).toEqual({
      container: "mov",
      video: { width: 320, height: 180, pixelAspect: 1, frameRate: { num: 24, den: 1 }, frames: 12 },
      sampleEntry: "apch",
      codec: "Apple ProRes 422 HQ",
      bitDepth: 10,
      colr: { type: "nclc", primaries: 1, transfer: 1, matrix: 1 },
      bitstream: { source: "prores-frame-header", primaries: 1, transfer: 1, matrix: 1 },
      colorSpace: "rec709",
      agree: true,
      problems: [],
      summary: "Rec.709 SDR.",
    });
  });

  it("reads a PQ ProRes 422 HQ with its mdcv and clli", async () => {
    const { tags } = await tagsOf("prores_hq_pq.mov");
    expect(tags.colorSpace).toBe("rec2100-pq");
    expect(tags.agree).toBe(true);
    expect(tags.problems).toEqual([]);
    expect(tags.colr).toEqual({ type: "nclc", primaries: 9, transfer: 16, matrix: 9 });
    expect(tags.mdcv).toEqual(MASTERING);
    expect(tags.clli).toEqual({ maxCLL: 1000, maxFALL: 400 });
  });

  it("reads a ProRes 4444 HLG as 12-bit rec2100-hlg without needing mdcv/clli", async () => {
    const { tags } = await tagsOf("prores_4444_hlg.mov");
    expect(tags).toMatchObject({ sampleEntry: "ap4h", codec: "Apple ProRes 4444", bitDepth: 12, colorSpace: "rec2100-hlg", agree: true, problems: [] });
    expect(tags.mdcv).toBeUndefined();
  });

  it("reads the ProRes frame header and flags colr HLG over an unspecified frame header", async () => {
    // colr says HLG; the ProRes frame header says unspecified (hdr.md gotcha 2).
    const { tags } = await tagsOf("prores_hq_hlg_frame_unspecified.mov");
    expect(tags.colr).toEqual({ type: "nclc", primaries: 9, transfer: 18, matrix: 9 });
    expect(tags.bitstream).toEqual({ source: "prores-frame-header", primaries: 2, transfer: 2, matrix: 2 });
    expect(tags.colorSpace).toBe("rec2100-hlg");
    expect(tags.agree).toBe(false);
    expect(tags.problems).toEqual([expect.stringMatching(/colr box says .*HLG \(18\).*but the ProRes frame header leaves the color unspecified/)]);
  });

  it("flags a ProRes whose frame header says HLG under a colr box that says Rec.709", async () => {
    const { tags } = await tagsOf("prores_hlg_frames_colr_709.mov");
    expect(tags.bitstream).toMatchObject({ primaries: 9, transfer: 18, matrix: 9 });
    expect(tags).toMatchObject({ colorSpace: "rec709", agree: false });
    expect(tags.problems[0]).toMatch(/the ProRes frame header says primaries BT\.2020 \(9\), transfer HLG \(18\)/);
  });

  it("agrees on the frame header of PQ and HLG ProRes", async () => {
    expect((await tagsOf("prores_hq_pq.mov")).tags.bitstream).toEqual({ source: "prores-frame-header", primaries: 9, transfer: 16, matrix: 9 });
    expect((await tagsOf("prores_4444_hlg.mov")).tags.bitstream).toEqual({ source: "prores-frame-header", primaries: 9, transfer: 18, matrix: 9 });
  });
});

describe("readColorTags on HEVC and H.264 .mp4", () => {
  it("reads HEVC HDR10 in hvc1 with mdcv and clli as agreeing PQ", async () => {
    const { tags } = await tagsOf("hevc_pq.mp4");
    expect(tags).toMatchObject({
      container: "mp4",
      sampleEntry: "hvc1",
      codec: "HEVC",
      bitDepth: 10,
      hevcProfileIdc: 2,
      colr: { type: "nclx", primaries: 9, transfer: 16, matrix: 9, fullRange: false },
      mdcv: MASTERING,
      clli: { maxCLL: 1000, maxFALL: 400 },
      // The SPS VUI and the SEI say the same as the boxes.
      bitstream: { source: "hevc-sps-vui", primaries: 9, transfer: 16, matrix: 9, fullRange: false, mdcv: MASTERING, clli: { maxCLL: 1000, maxFALL: 400 } },
      colorSpace: "rec2100-pq",
      agree: true,
      problems: [],
    });
  });

  it("flags HEVC whose SPS has no colour description under a PQ colr", async () => {
    const { tags } = await tagsOf("hevc_vui_untagged_colr_pq.mp4");
    expect(tags.colr).toMatchObject({ primaries: 9, transfer: 16, matrix: 9 });
    expect(tags.bitstream).toMatchObject({ source: "hevc-sps-vui", primaries: 2, transfer: 2, matrix: 2 });
    expect(tags.agree).toBe(false);
    expect(mentions(tags, /the HEVC stream \(SPS VUI\) leaves the color unspecified/)).toBe(true);
    expect(mentions(tags, /no mastering display \(SEI 137\) or content light level \(SEI 144\)/)).toBe(true);
  });

  it("flags PQ HEVC whose HDR10 metadata is only in the SEI, not in mdcv/clli boxes", async () => {
    const { tags } = await tagsOf("hevc_pq_sei_only.mp4");
    expect(tags.colorSpace).toBe("rec2100-pq");
    expect(tags.agree).toBe(false);
    expect(tags.problems).toHaveLength(1);
    expect(tags.problems[0]).toMatch(/no mdcv .* or clli .* box; Premiere will tone-map/);
  });

  it("warns about hev1 but still reads the PQ tags", async () => {
    const { tags } = await tagsOf("hevc_pq_hev1.mp4");
    expect(tags.sampleEntry).toBe("hev1");
    expect(tags.colorSpace).toBe("rec2100-pq");
    expect(tags.agree).toBe(true);
    expect(tags.problems).toEqual([]);
    expect(tags.warnings).toEqual([expect.stringMatching(/hev1 .* instead of hvc1/)]);
  });

  it("reads an SDR H.264 mp4's nclx colr, moov at the start", async () => {
    const { tags, bytesRead } = await tagsOf("h264_709.mp4");
    expect(tags).toEqual({
      container: "mp4",
      video: { width: 320, height: 180, pixelAspect: 1, frameRate: { num: 24, den: 1 }, frames: 12 },
      sampleEntry: "avc1",
      codec: "H.264",
      bitDepth: 8,
      colr: { type: "nclx", primaries: 1, transfer: 1, matrix: 1, fullRange: false },
      colorSpace: "rec709",
      agree: true,
      problems: [],
      summary: "Rec.709 SDR.",
    });
    expect(bytesRead).toBeLessThan(8 * 1024);
  });

  it("says Premiere will guess when there is no colr box", async () => {
    const { tags } = await tagsOf("h264_untagged.mp4");
    expect(tags.colr).toBeUndefined();
    expect(tags).toMatchObject({ colorSpace: "unknown", agree: false });
    expect(tags.problems).toEqual(["It has no colr box, so Premiere will guess the color space, usually as Rec.709."]);
  });

  it("flags full-range Y′CbCr", async () => {
    const { tags } = await tagsOf("h264_full_range.mp4");
    expect(tags.colr?.fullRange).toBe(true);
    expect(tags.colorSpace).toBe("rec709");
    expect(tags.agree).toBe(false);
    expect(mentions(tags, /full range/)).toBe(true);
  });

  it("flags mixed code points (BT.2020 primaries with BT.709 transfer)", async () => {
    const { tags } = await tagsOf("h264_mixed.mp4");
    expect(tags.colr).toMatchObject({ primaries: 9, transfer: 1, matrix: 9 });
    expect(tags).toMatchObject({ colorSpace: "unknown", agree: false });
    expect(tags.problems[0]).toMatch(/mixes code points .*primaries BT\.2020 \(9\), transfer BT\.709 \(1\)/);
  });

  it("warns that 8-bit HLG will band, without calling the carriers inconsistent", async () => {
    const { tags } = await tagsOf("h264_8bit_hlg.mp4");
    expect(tags).toMatchObject({ bitDepth: 8, colorSpace: "rec2100-hlg", agree: true, problems: [] });
    expect(tags.warnings).toEqual([expect.stringMatching(/8-bit.*band/)]);
  });
});

/** Top-level boxes of a small file held in memory: [type, offset, size]. */
function topLevel(buf: Buffer): Array<[string, number, number]> {
  const out: Array<[string, number, number]> = [];
  for (let p = 0; p + 8 <= buf.length; ) {
    let size = buf.readUInt32BE(p);
    if (size === 1) size = Number(buf.readBigUInt64BE(p + 8));
    if (size === 0) size = buf.length - p;
    out.push([buf.toString("latin1", p + 4, p + 8), p, size]);
    p += size;
  }
  return out;
}

describe("readColorTags on a large file with moov at the end", () => {
  const PAD = 200 * 1024 * 1024;

  /**
   * ftyp, wide, mdat (the real frames), then a 200 MB padding `mdat` with a 64-bit size, then
   * moov. The padding is a hole written by seeking, so the file is sparse; chunk offsets still
   * point at the real frames, so the layout is valid and ffprobe reads it.
   */
  function buildPadded(name: string, withMoov: boolean): string {
    const src = fs.readFileSync(at("prores_hq_pq.mov"));
    const boxes = topLevel(src);
    const moov = boxes.find(([t]) => t === "moov");
    if (!moov || moov[1] + moov[2] !== src.length) throw new Error("fixture's moov is not last");
    const prefix = src.subarray(0, moov[1]);
    const padHeader = Buffer.alloc(16);
    padHeader.writeUInt32BE(1, 0);
    padHeader.write("mdat", 4, "latin1");
    padHeader.writeBigUInt64BE(BigInt(PAD), 8);
    const out = at(name);
    const fd = fs.openSync(out, "w");
    try {
      fs.writeSync(fd, prefix, 0, prefix.length, 0);
      fs.writeSync(fd, padHeader, 0, 16, prefix.length);
      if (withMoov) fs.writeSync(fd, src, moov[1], moov[2], prefix.length + PAD);
      else fs.ftruncateSync(fd, prefix.length + PAD / 2); // cut off mid-mdat
    } finally {
      fs.closeSync(fd);
    }
    return out;
  }

  it("seeks past the mdat and reads only box headers and moov", async () => {
    const file = buildPadded("padded.mov", true);
    const { stdout } = await run("ffprobe", ["-v", "error", "-select_streams", "v:0",
      "-show_entries", "stream=codec_tag_string,color_transfer", "-of", "csv=p=0", file]);
    expect(stdout.trim()).toMatch(/^apch,smpte2084\b/);

    const { tags, bytesRead, size } = await tagsOf("padded.mov");
    expect(size).toBeGreaterThan(PAD);
    expect(tags).toEqual((await tagsOf("prores_hq_pq.mov")).tags);
    expect(bytesRead).toBeLessThan(64 * 1024);
  });

  it("calls a file cut off inside its mdat truncated, reading almost nothing", async () => {
    buildPadded("padded_truncated.mov", false);
    const { tags, bytesRead } = await tagsOf("padded_truncated.mov");
    expect(tags).toMatchObject({ container: "mov", colorSpace: "unknown", agree: false });
    expect(tags.problems).toEqual([
      "The file ends before its moov box (the movie index), so it is truncated or still being written; Premiere will refuse to import it.",
    ]);
    expect(bytesRead).toBeLessThan(4 * 1024);
  });

  it("refuses a moov over 64 MB without reading it", async () => {
    // A virtual 100 MB file: ftyp, then a moov header claiming 100 MB - 24 bytes.
    const size = 100 * 1024 * 1024;
    const head = Buffer.alloc(32);
    head.writeUInt32BE(24, 0);
    head.write("ftypqt  ", 4, "latin1");
    head.writeUInt32BE(size - 24, 24);
    head.write("moov", 28, "latin1");
    let largest = 0;
    const tags = await readColorTags(async (offset, length) => {
      largest = Math.max(largest, length);
      const out = new Uint8Array(length);
      out.set(head.subarray(Math.min(offset, head.length), Math.min(offset + length, head.length)));
      return out;
    }, size);
    expect(ColorTags.safeParse(tags).success).toBe(true);
    expect(tags).toMatchObject({ container: "mov", colorSpace: "unknown", agree: false });
    expect(tags.problems[0]).toMatch(new RegExp(`over Retake's ${MAX_MOOV_BYTES / 2 ** 20} MB limit`));
    expect(largest).toBeLessThanOrEqual(512);
  });
});

describe("readColorTags on OpenEXR", () => {
  it("reads a half-float EXR with AP0 chromaticities and the ACES flag as agreeing aces2065-1", async () => {
    const { tags } = await tagsOf("ap0.exr");
    expect(tags).toEqual({
      container: "exr",
      exr: {
        channels: { R: "half", G: "half", B: "half" },
        compression: "zip",
        chromaticities: [0.7347, 0.2653, 0, 1, 0.0001, -0.077, 0.32168, 0.33767],
        acesImageContainerFlag: 1,
        dataWindow: [0, 0, 319, 179],
      },
      colorSpace: "aces2065-1",
      agree: true,
      problems: [],
      summary: "ACES2065-1 (AP0, scene-linear), from its chromaticities.",
    });
  });

  it("reads an EXR without chromaticities as scene-linear Rec.709, the OpenEXR default, not as ACES", async () => {
    const { tags } = await tagsOf("half.exr");
    expect(tags.exr?.chromaticities).toBeUndefined();
    expect(tags).toMatchObject({ colorSpace: "linear-rec709", agree: true, problems: [], summary: expect.stringMatching(/^Scene-linear Rec\.709 \(the OpenEXR default/) });
    expect(tags.assumed).toBeUndefined();
    const gate = gateImport(tags, "rec2100-pq");
    expect(gate).toMatchObject({ ok: false, conformable: false });
    expect(gate.reasons[0]).toMatch(/scene-linear Rec\.709/);
    expect(gate.suggestion).toMatch(/Retake conforms only ACES2065-1 EXR/);
    expect(tags.warnings).toEqual([expect.stringMatching(/no chromaticities attribute, so by the OpenEXR standard its primaries are Rec\.709/)]);
    // Float frames are no different: the default is about primaries, not pixel type.
    expect((await tagsOf("float.exr")).tags).toMatchObject({ colorSpace: "linear-rec709", agree: true });
  });

  it("takes an EXR without chromaticities as ACES2065-1 only on the provider's word, and records whose word it is", async () => {
    const { tags } = await tagsOf("half.exr", { exrAssumption: LUMA_EXR_COLOR });
    expect(tags).toMatchObject({ colorSpace: "aces2065-1", agree: true, problems: [], assumed: LUMA_EXR_COLOR });
    expect(tags.summary).toMatch(/assumed from the provider's declaration/);
    expect(tags.warnings?.[0]).toMatch(/Luma declares its EXR export to be ACES2065-1.*the provider's word, not the file's/);
    // A file that does say its primaries is read by them, whatever the provider declares.
    expect((await tagsOf("rec709.exr", { exrAssumption: LUMA_EXR_COLOR })).tags).toMatchObject({ colorSpace: "linear-rec709" });
    expect((await tagsOf("rec709.exr", { exrAssumption: LUMA_EXR_COLOR })).tags.assumed).toBeUndefined();
  });

  it("does not stretch the provider's word to float frames it does not deliver", async () => {
    const { tags } = await tagsOf("float.exr", { exrAssumption: LUMA_EXR_COLOR });
    expect(tags.agree).toBe(false);
    expect(mentions(tags, /not all half float .* the declaration may not describe this file/)).toBe(true);
  });

  it("reads an EXR with Rec.709 chromaticities as scene-linear Rec.709, and other primaries as unknown", async () => {
    expect((await tagsOf("rec709.exr")).tags).toMatchObject({ colorSpace: "linear-rec709", agree: true, problems: [] });
    const { tags } = await tagsOf("rec2020.exr");
    expect(tags).toMatchObject({ colorSpace: "unknown", agree: false });
    expect(tags.problems[0]).toMatch(/Rec\.2020 primaries, so it is neither ACES2065-1 nor Rec\.709/);
  });
});

describe("several carriers of the same kind: two colr boxes", () => {
  it("calls two disagreeing colr boxes a disagreement, naming both", async () => {
    const { tags } = await tagsOf("prores_two_colr.mov");
    expect(tags.colr).toEqual({ type: "nclc", primaries: 9, transfer: 18, matrix: 9 });
    expect(tags.extraColr).toEqual([{ type: "nclc", primaries: 9, transfer: 14, matrix: 9 }]);
    expect(tags).toMatchObject({ colorSpace: "rec2100-hlg", agree: false });
    expect(tags.problems).toEqual([expect.stringMatching(/2 colr boxes that disagree: the first says .*HLG \(18\).*another says .*BT\.2020 10-bit \(14\).*ffmpeg reads the last/)]);
    // The ProRes frame header settles what the pictures are, so conform can fix it.
    expect(tags.bitstream).toMatchObject({ primaries: 9, transfer: 18, matrix: 9 });
    expect(gateImport(tags, "rec2100-hlg")).toMatchObject({ ok: false, conformable: true });
  });

  it("with no color in the stream, ffmpeg follows the last colr while the first says HLG: refused, not conformable", async () => {
    const { tags } = await tagsOf("h264_two_colr.mp4");
    expect(tags).toMatchObject({ colorSpace: "rec2100-hlg", agree: false, extraColr: [{ transfer: 14 }] });
    const { stdout } = await run("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=color_transfer", "-of", "csv=p=0", at("h264_two_colr.mp4")]);
    expect(stdout.trim()).toBe("bt2020-10");
    const gate = gateImport(tags, "rec2100-hlg");
    expect(gate).toMatchObject({ ok: false, conformable: false });
    expect(gate.suggestion).toMatch(/colr boxes disagree and the codec's own signalling does not settle/);
  });

  it("accepts two colr boxes that say the same thing", async () => {
    const { tags } = await tagsOf("prores_two_colr_agreeing.mov");
    expect(tags).toMatchObject({ colorSpace: "rec2100-hlg", agree: true, problems: [] });
    expect(tags.extraColr).toHaveLength(1);
  });
});

/** ffprobe's reading of a file's Dolby Vision configuration record (its stream side data). */
async function ffprobeDolbyVision(name: string): Promise<Record<string, unknown> | undefined> {
  const { stdout } = await run("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=codec_tag_string:stream_side_data", "-of", "json", at(name)]);
  const stream = (JSON.parse(stdout) as { streams: Array<{ side_data_list?: Array<Record<string, unknown>> }> }).streams[0];
  return stream?.side_data_list?.find((d) => d.side_data_type === "DOVI configuration record");
}

describe("Dolby Vision", () => {
  it("profile 8.1: the editor gets the HDR10 base layer, said as a note; ffprobe reads the same record", async () => {
    const { tags } = await tagsOf("dv81.mp4");
    expect(tags.dolbyVision).toEqual({ box: "dvvC", versionMajor: 1, versionMinor: 0, profile: 8, level: 3, rpuPresent: true, elPresent: false, blPresent: true, blCompatibilityId: 1 });
    expect(tags).toMatchObject({ colorSpace: "rec2100-pq", agree: true, problems: [] });
    expect(tags.summary).toBe("Rec.2100 PQ (Dolby Vision 8.1 base layer; the Dolby Vision metadata is ignored).");
    expect(tags.warnings).toEqual([expect.stringMatching(/Dolby Vision profile 8\.1 \(level 3\); .*the editor gets its HDR10 \(Rec\.2100 PQ\) base layer/)]);
    expect(await ffprobeDolbyVision("dv81.mp4")).toMatchObject({ dv_profile: 8, dv_level: 3, dv_bl_signal_compatibility_id: 1 });
    expect(tagsMatchSequence(tags, "rec2100-pq").ok).toBe(true);
  });

  it("profile 8.4 is HLG, profile 9 is SDR", async () => {
    const dv84 = (await tagsOf("dv84.mp4")).tags;
    expect(dv84).toMatchObject({ colorSpace: "rec2100-hlg", agree: true, dolbyVision: { profile: 8, blCompatibilityId: 4 } });
    expect(dv84.warnings?.[0]).toMatch(/profile 8\.4 .*HLG \(Rec\.2100 HLG\) base layer/);
    const dv9 = (await tagsOf("dv9.mp4")).tags;
    expect(dv9).toMatchObject({ colorSpace: "rec709", agree: true, dolbyVision: { box: "dvvC", profile: 9, blCompatibilityId: 2 } });
    expect(dv9.warnings?.[0]).toMatch(/profile 9 .*SDR \(Rec\.709\) base layer/);
    expect(await ffprobeDolbyVision("dv84.mp4")).toMatchObject({ dv_profile: 8, dv_bl_signal_compatibility_id: 4 });
  });

  it("a record whose base layer contradicts the tags is a disagreement", async () => {
    const { tags } = await tagsOf("dv81_over_hlg.mp4");
    expect(tags).toMatchObject({ colorSpace: "rec2100-hlg", agree: false });
    expect(tags.problems).toEqual([expect.stringMatching(/Dolby Vision configuration says the base layer is HDR10 .* but its colr box says Rec\.2100 HLG/)]);
  });

  it("profile 5 is unusable without conversion, and the verdict says how to convert it", async () => {
    const { tags } = await tagsOf("dv5.mp4");
    expect(tags).toMatchObject({ sampleEntry: "dvh1", codec: "Dolby Vision (HEVC)", colorSpace: "unknown", agree: false });
    expect(tags.dolbyVision).toMatchObject({ box: "dvcC", profile: 5, level: 6, blCompatibilityId: 0 });
    expect(tags.summary).toBe("Dolby Vision profile 5 (no compatible base layer): unusable without conversion.");
    expect(tags.problems).toHaveLength(1);
    expect(tags.problems[0]).toMatch(/Dolby Vision profile 5 \(level 6\) with no backward-compatible base layer.*wrong colors/);
    expect(tags.problems[0]).toMatch(/HDR10 or HLG delivery.*libplacebo=apply_dolbyvision=1/);
    expect(await ffprobeDolbyVision("dv5.mp4")).toMatchObject({ dv_profile: 5, dv_bl_signal_compatibility_id: 0 });
    // The import gate refuses it in every sequence, offers no conform, and gives the fix.
    for (const seq of ["rec709", "rec2100-pq", "rec2100-hlg"] as const) {
      const gate = gateImport(tags, seq);
      expect(gate).toMatchObject({ ok: false, conformable: false });
      expect(gate.reasons[0]).toMatch(/Dolby Vision profile 5 .*HDR10 or HLG delivery.*libplacebo=apply_dolbyvision=1/);
      expect(gate.suggestion).toMatch(/^Not imported, and Retake cannot conform it: it is Dolby Vision profile 5.*cannot apply Dolby Vision; convert it as said above\.$/);
    }
  });
});

describe("color only in the bitstream", () => {
  it("says what the pictures are when only the HEVC VUI and SEI carry the color (x265 output without container tags)", async () => {
    const { tags } = await tagsOf("hevc_pq_stream_only.mp4");
    expect(tags.colr).toBeUndefined();
    expect(tags.bitstream).toMatchObject({ primaries: 9, transfer: 16, matrix: 9, mdcv: MASTERING, clli: { maxCLL: 1000, maxFALL: 400 } });
    expect(tags).toMatchObject({ colorSpace: "rec2100-pq", agree: false, summary: "Rec.2100 PQ in the stream, no container tags." });
    expect(tags.problems[0]).toMatch(/no colr box: the HEVC stream \(SPS VUI\) says Rec\.2100 PQ .*Premiere goes by the container's tags and will guess/);
    expect(mentions(tags, /coded as Rec\.2100 PQ but has no mdcv .* or clli .* box/)).toBe(true);
    // ffprobe agrees on what the stream is, and finds no container tag for it either.
    const { stdout } = await run("ffprobe", ["-v", "error", "-select_streams", "v:0", "-read_intervals", "%+#1", "-show_entries", "frame=color_primaries,color_transfer", "-of", "csv=p=0:nk=1", at("hevc_pq_stream_only.mp4")]);
    expect(stdout.trim().split("\n")[0]).toMatch(/^bt2020,smpte2084\b/);
  });

  it("still says unknown when neither the container nor the stream names a color", async () => {
    const { tags } = await tagsOf("hevc_untagged.mp4");
    expect(tags).toMatchObject({ colorSpace: "unknown", agree: false, summary: "Color unknown: no container tags." });
    expect(tags.problems[0]).toMatch(/no colr box and the HEVC stream \(SPS VUI\) leaves the color unspecified/);
  });
});

describe("readColorTags on other input", () => {
  it("says a Matroska file is not a format it reads", async () => {
    const { tags } = await tagsOf("hdr10.mkv");
    expect(tags).toMatchObject({ container: "unknown", colorSpace: "unknown", agree: false });
    expect(tags.problems[0]).toMatch(/neither a QuickTime\/MP4 movie nor an OpenEXR image/);
  });

  it("turns a failing read callback into a problem, not a throw", async () => {
    const tags = await readColorTags(async () => {
      throw new Error("EIO: i/o error");
    }, 1000);
    expect(tags).toEqual({
      container: "unknown",
      damaged: true,
      colorSpace: "unknown",
      agree: false,
      problems: ["Reading the file failed (EIO: i/o error), so its color tags are unknown."],
      summary: "Unreadable: its color is unknown.",
    });
  });

  it("readColorTagsFromFile reads and closes", async () => {
    const tags = await readColorTagsFromFile(at("prores_4444_hlg.mov"));
    expect(tags.colorSpace).toBe("rec2100-hlg");
    await expect(readColorTagsFromFile(at("missing.mov"))).rejects.toThrow(/ENOENT/);
  });
});

describe("tagsMatchSequence", () => {
  it("accepts a file whose agreeing tags are the sequence's color space", async () => {
    expect(tagsMatchSequence((await tagsOf("prores_hq_pq.mov")).tags, "rec2100-pq")).toEqual({ ok: true, problems: [] });
    expect(tagsMatchSequence((await tagsOf("prores_hq_709.mov")).tags, "rec709")).toEqual({ ok: true, problems: [] });
    expect(tagsMatchSequence((await tagsOf("prores_4444_hlg.mov")).tags, "rec2100-hlg")).toEqual({ ok: true, problems: [] });
  });

  it("refuses an SDR file in a PQ sequence with a sentence", async () => {
    const match = tagsMatchSequence((await tagsOf("prores_hq_709.mov")).tags, "rec2100-pq");
    expect(match.ok).toBe(false);
    expect(match.problems).toEqual([
      "The file is Rec.709 SDR but the sequence is Rec.2100 PQ; Premiere would convert it on input and it would look flat next to HDR footage. Render the take as Rec.2100 PQ (SDR white placed at 203 cd/m²).",
    ]);
  });

  it("refuses HDR in an SDR sequence, and HLG in a PQ sequence", async () => {
    const hlg = (await tagsOf("prores_4444_hlg.mov")).tags;
    expect(tagsMatchSequence(hlg, "rec709").problems[0]).toMatch(/Rec\.2100 HLG HDR but the sequence is Rec\.709 SDR/);
    expect(tagsMatchSequence(hlg, "rec2100-pq").problems[0]).toMatch(/Rec\.2100 HLG but the sequence is Rec\.2100 PQ/);
  });

  it("refuses a file whose carriers disagree even when the color space matches", async () => {
    const match = tagsMatchSequence((await tagsOf("hevc_pq_sei_only.mp4")).tags, "rec2100-pq");
    expect(match.ok).toBe(false);
    expect(match.problems[0]).toMatch(/no mdcv/);
  });

  it("refuses ACES EXRs and untagged files in any sequence", async () => {
    expect(tagsMatchSequence((await tagsOf("ap0.exr")).tags, "rec2100-pq").problems[0]).toMatch(/conform it to a ProRes Rec\.2100 PQ master/);
    const untagged = tagsMatchSequence((await tagsOf("h264_untagged.mp4")).tags, "rec709");
    expect(untagged.ok).toBe(false);
    expect(untagged.problems[0]).toMatch(/no colr box/);
  });
});
