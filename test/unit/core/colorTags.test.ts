import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_MOOV_BYTES, readColorTags, tagsMatchSequence } from "../../../src/core/colorTags/index.js";
import { ColorTags } from "../../../src/core/schemas/color.js";
import { openRangedRead, readColorTagsFromFile } from "../../../src/server/files/fileRangedRead.js";

// Fixtures are made here, with Debian's ffmpeg, mkvmerge and exrstdattr (commands from
// shared/research/hdr.md), at 320x180 for half a second so the whole file runs in seconds.
const run = promisify(execFile);
const SRC = ["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=24:duration=0.5"];
const BT709 = ["-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", "-color_range", "tv"];
const PQ = ["-color_primaries", "bt2020", "-color_trc", "smpte2084", "-colorspace", "bt2020nc", "-color_range", "tv"];
const HLG = ["-color_primaries", "bt2020", "-color_trc", "arib-std-b67", "-colorspace", "bt2020nc", "-color_range", "tv"];
const PRORES_HQ = ["-c:v", "prores_ks", "-profile:v", "hq", "-vendor", "apl0"];
const X264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"];
const MASTERING = { gx: 13250, gy: 34500, bx: 7500, by: 3000, rx: 34000, ry: 16000, wx: 15635, wy: 16450, maxLum: 10000000, minLum: 1 };
const AP0 = ["0.7347", "0.2653", "0.0", "1.0", "0.0001", "-0.0770", "0.32168", "0.33767"];

let dir = "";
const at = (name: string) => path.join(dir, name);
const ffmpeg = (...args: string[]) => run("ffmpeg", ["-v", "error", "-y", ...args]);

async function makeFixtures(): Promise<void> {
  const hdr10Chain = async () => {
    await ffmpeg(...SRC, "-vf", "format=yuv420p10le", "-c:v", "libx265", "-preset", "ultrafast", "-pix_fmt", "yuv420p10le",
      "-x265-params",
      "log-level=error:hdr10=1:repeat-headers=1:colorprim=bt2020:transfer=smpte2084:colormatrix=bt2020nc:range=limited:" +
        "master-display=G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10000000,1):max-cll=1000,400",
      "-tag:v", "hvc1", ...PQ, at("hevc_pq_sei_only.mp4"));
    // libx265 writes SEI only; one mkvmerge hop turns it into stream side data, which the
    // mov muxer writes as mdcv/clli boxes.
    await run("mkvmerge", ["-q", "-o", at("hdr10.mkv"),
      "--colour-matrix-coefficients", "0:9", "--colour-range", "0:1", "--colour-transfer-characteristics", "0:16",
      "--colour-primaries", "0:9", "--max-content-light", "0:1000", "--max-frame-light", "0:400",
      "--chromaticity-coordinates", "0:0.680,0.320,0.265,0.690,0.150,0.060", "--white-colour-coordinates", "0:0.3127,0.3290",
      "--max-luminance", "0:1000", "--min-luminance", "0:0.0001", at("hevc_pq_sei_only.mp4")]);
    await Promise.all([
      ffmpeg("-i", at("hdr10.mkv"), "-c", "copy", "-tag:v", "hvc1", at("hevc_pq.mp4")),
      ffmpeg("-i", at("hdr10.mkv"), "-c", "copy", "-tag:v", "hev1", at("hevc_pq_hev1.mp4")),
      ffmpeg("-i", at("hdr10.mkv"),
        "-vf", "setparams=color_primaries=bt2020:color_trc=smpte2084:colorspace=bt2020nc:range=tv,format=yuv422p10le",
        ...PRORES_HQ, ...PQ, at("prores_hq_pq.mov")),
    ]);
  };
  const exrChain = async () => {
    await Promise.all([
      ffmpeg(...SRC, "-frames:v", "1", "-vf", "format=gbrpf32le", "-c:v", "exr", "-format", "half", "-compression", "zip16", at("half.exr")),
      ffmpeg(...SRC, "-frames:v", "1", "-vf", "format=gbrpf32le", "-c:v", "exr", "-format", "float", "-compression", "zip1", at("float.exr")),
    ]);
    await Promise.all([
      run("exrstdattr", ["-chromaticities", ...AP0, "-int", "acesImageContainerFlag", "1", at("half.exr"), at("ap0.exr")]),
      run("exrstdattr", ["-chromaticities", "0.64", "0.33", "0.30", "0.60", "0.15", "0.06", "0.3127", "0.3290", at("half.exr"), at("rec709.exr")]),
    ]);
  };
  await Promise.all([
    hdr10Chain(),
    exrChain(),
    ffmpeg(...SRC, "-vf", "setparams=color_primaries=bt709:color_trc=bt709:colorspace=bt709:range=tv,format=yuv422p10le",
      ...PRORES_HQ, ...BT709, at("prores_hq_709.mov")),
    ffmpeg(...SRC, "-vf", "setparams=color_primaries=bt2020:color_trc=arib-std-b67:colorspace=bt2020nc:range=tv,format=yuv444p10le",
      "-c:v", "prores_ks", "-profile:v", "4444", "-vendor", "apl0", "-pix_fmt", "yuv444p10le", ...HLG, at("prores_4444_hlg.mov")),
    // No setparams: colr says HLG, the ProRes frame header says unspecified (hdr.md gotcha 2).
    ffmpeg(...SRC, "-vf", "format=yuv422p10le", ...PRORES_HQ, ...HLG, at("prores_hq_hlg_frame_unspecified.mov")),
    // Frames tagged HLG, then colr overwritten to Rec.709 by a stream-copy remux.
    ffmpeg(...SRC, "-vf", "setparams=color_primaries=bt2020:color_trc=arib-std-b67:colorspace=bt2020nc:range=tv,format=yuv422p10le",
      ...PRORES_HQ, ...HLG, at("prores_hlg_frames.mov"))
      .then(() => ffmpeg("-i", at("prores_hlg_frames.mov"), "-c", "copy", ...BT709, at("prores_hlg_frames_colr_709.mov"))),
    // x265 told nothing about color (VUI without colour description), container tagged PQ.
    // hevc_metadata rewrites the SPS VUI (in hvcC and in-band) to "unspecified".
    ffmpeg(...SRC, "-vf", "format=yuv420p10le", "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error",
      "-tag:v", "hvc1", ...PQ, at("hevc_vui_pq.mp4"))
      .then(() => ffmpeg("-i", at("hevc_vui_pq.mp4"), "-c", "copy",
        "-bsf:v", "hevc_metadata=colour_primaries=2:transfer_characteristics=2:matrix_coefficients=2", "-tag:v", "hvc1", ...PQ,
        at("hevc_vui_untagged_colr_pq.mp4"))),
    ffmpeg(...SRC, ...X264, ...BT709, "-movflags", "+faststart", at("h264_709.mp4")),
    ffmpeg(...SRC, ...X264, at("h264_untagged.mp4")),
    ffmpeg(...SRC, ...X264, "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", "-color_range", "pc", at("h264_full_range.mp4")),
    ffmpeg(...SRC, ...X264, "-color_primaries", "bt2020", "-color_trc", "bt709", "-colorspace", "bt2020nc", "-color_range", "tv", at("h264_mixed.mp4")),
    ffmpeg(...SRC, ...X264, ...HLG, at("h264_8bit_hlg.mp4")),
  ]);
}

/** Reads a fixture through the Node ranged reader and checks the result against the schema. */
async function tagsOf(name: string): Promise<{ tags: ColorTags; bytesRead: number; size: number }> {
  const file = await openRangedRead(at(name));
  try {
    const tags = await readColorTags(file.read, file.size, { fileName: name });
    expect(ColorTags.safeParse(tags).success).toBe(true);
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
    expect(tags.problems).toHaveLength(1);
    expect(tags.problems[0]).toMatch(/hev1 .* instead of hvc1/);
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
    expect(tags).toMatchObject({ bitDepth: 8, colorSpace: "rec2100-hlg", agree: true });
    expect(tags.problems).toHaveLength(1);
    expect(tags.problems[0]).toMatch(/8-bit.*band/);
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
    });
  });

  it("assumes ACES2065-1 for a half-float EXR without chromaticities, and says so", async () => {
    const { tags } = await tagsOf("half.exr");
    expect(tags.exr?.chromaticities).toBeUndefined();
    expect(tags).toMatchObject({ colorSpace: "aces2065-1", agree: true });
    expect(tags.problems).toHaveLength(1);
    expect(tags.problems[0]).toMatch(/no chromaticities attribute; Retake assumes ACES2065-1/);
  });

  it("does not assume ACES for a float EXR without chromaticities", async () => {
    const { tags } = await tagsOf("float.exr");
    expect(tags.exr?.channels).toEqual({ R: "float", G: "float", B: "float" });
    expect(tags.agree).toBe(false);
    expect(mentions(tags, /not all half float/)).toBe(true);
  });

  it("calls an EXR with Rec.709 chromaticities unknown, naming the primaries", async () => {
    const { tags } = await tagsOf("rec709.exr");
    expect(tags).toMatchObject({ colorSpace: "unknown", agree: false });
    expect(tags.problems[0]).toMatch(/Rec\.709\/sRGB primaries, so it is not ACES2065-1/);
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
