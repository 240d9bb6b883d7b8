import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { gateImport } from "../../../src/core/colorTags/index.js";
import { ColorTags, type ColorAssumption, type SequenceColorSpace } from "../../../src/core/schemas/color.js";
import { ConformError, conformMaster, type ConformTarget } from "../../../src/server/conform/index.js";
import { pqToNits } from "../../../src/server/conform/contentLight.js";
import { readColorTagsFromFile } from "../../../src/server/files/fileRangedRead.js";
import { probeCommand, probeTags } from "../../../src/server/commands/probeCommand.js";
import { AP0_CHROMATICITIES, writeExrAttributes } from "../../../src/server/conform/exrHeader.js";
import { colrBox, copyWithEntryBoxes, dolbyVisionConfigBox } from "../../../src/server/conform/sampleEntryBoxes.js";
import { writeHdr10Boxes } from "../../../src/server/media/colorConvert.js";
import { LUMA_EXR_COLOR } from "../../../src/server/providers/luma/lumaProvider.js";

// Fixtures are made here once (320x180, at most 1 s) with ffmpeg and Retake's own writers (EXR
// header, sample-entry boxes, HDR10 boxes), then each is read, gated and conformed the way a
// provider output would be. Outputs are judged by ffprobe and by decoding their pixels, not
// only by Retake's own reader.
const run = promisify(execFile);
const ffmpeg = (...args: string[]) => run("ffmpeg", ["-v", "error", "-y", ...args]);
const SRC = (rate = 24, duration = 1, size = "320x180") => ["-f", "lavfi", "-i", `testsrc2=size=${size}:rate=${rate}:duration=${duration}`];
const BT709 = ["-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", "-color_range", "tv"];
const PQ = ["-color_primaries", "bt2020", "-color_trc", "smpte2084", "-colorspace", "bt2020nc", "-color_range", "tv"];
const HLG = ["-color_primaries", "bt2020", "-color_trc", "arib-std-b67", "-colorspace", "bt2020nc", "-color_range", "tv"];
const SET_PQ = "setparams=color_primaries=bt2020:color_trc=smpte2084:colorspace=bt2020nc:range=tv";
const SET_HLG = "setparams=color_primaries=bt2020:color_trc=arib-std-b67:colorspace=bt2020nc:range=tv";
const PRORES_HQ = ["-c:v", "prores_ks", "-profile:v", "hq", "-vendor", "apl0"];
const HDR10_LEVELS = {
  mdcv: { gx: 13250, gy: 34500, bx: 7500, by: 3000, rx: 34000, ry: 16000, wx: 15635, wy: 16450, maxLum: 10000000, minLum: 1 },
  clli: { maxCLL: 1000, maxFALL: 400 },
};
const X265_HDR10 =
  "log-level=error:hdr10=1:repeat-headers=1:colorprim=bt2020:transfer=smpte2084:colormatrix=bt2020nc:range=limited:" +
  "master-display=G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10000000,1):max-cll=1000,400";

let dir = "";
const at = (name: string) => path.join(dir, name);

async function makeFixtures(): Promise<void> {
  const hdr10 = async () => {
    await ffmpeg(...SRC(24, 0.5), "-vf", "format=yuv420p10le", "-c:v", "libx265", "-preset", "ultrafast", "-pix_fmt", "yuv420p10le",
      "-x265-params", X265_HDR10, "-tag:v", "hvc1", ...PQ, at("hevc_pq_sei_only.mp4"));
    // libx265 writes the HDR10 levels in its SEI only; Retake's writer adds the mdcv/clli boxes.
    fs.copyFileSync(at("hevc_pq_sei_only.mp4"), at("hevc_pq.mp4"));
    await writeHdr10Boxes(at("hevc_pq.mp4"), HDR10_LEVELS);
    await ffmpeg("-i", at("hevc_pq_sei_only.mp4"), "-c", "copy", "-tag:v", "hev1", at("hevc_pq_hev1.mp4"));
    await writeHdr10Boxes(at("hevc_pq_hev1.mp4"), HDR10_LEVELS);
    // x265 output as most tools leave it: color only in the stream (no -color_*, so no colr box).
    await ffmpeg(...SRC(24, 0.5), "-vf", "format=yuv420p10le", "-c:v", "libx265", "-preset", "ultrafast", "-pix_fmt", "yuv420p10le",
      "-x265-params", X265_HDR10, "-tag:v", "hvc1", at("hevc_pq_stream_only.mp4"));
    // Dolby Vision profile 5 as packagers write it: dvh1, a dvcC record, no colr.
    await copyWithEntryBoxes(at("hevc_pq_stream_only.mp4"), at("dv5.mp4"), [dolbyVisionConfigBox({
      versionMajor: 1, versionMinor: 0, profile: 5, level: 6, rpuPresent: true, elPresent: false, blPresent: true, blCompatibilityId: 0,
    })], { entryType: "dvh1" });
  };
  const exr = async () => {
    for (const d of ["exr_ap0", "exr_plain", "exr_gap"]) fs.mkdirSync(at(d));
    await ffmpeg(...SRC(24, 0.25), "-vf", "format=gbrpf32le", "-c:v", "exr", "-format", "half", "-compression", "zip16",
      "-start_number", "1", at("exr_plain/shot_%04d.exr"));
    const names = fs.readdirSync(at("exr_plain")).sort();
    for (const n of names) {
      await writeExrAttributes(at(`exr_plain/${n}`), at(`exr_ap0/${n}`), [
        { name: "chromaticities", type: "chromaticities", value: AP0_CHROMATICITIES },
        { name: "acesImageContainerFlag", type: "int", value: 1 },
      ]);
      fs.copyFileSync(at(`exr_plain/${n}`), at(`exr_gap/${n}`));
    }
    fs.rmSync(at("exr_gap/shot_0003.exr"));
  };
  await Promise.all([
    hdr10(),
    exr(),
    // ProRes PQ with every carrier but no mdcv/clli (a renderer that forgot them).
    ffmpeg(...SRC(), "-vf", `${SET_PQ},format=yuv422p10le`, ...PRORES_HQ, ...PQ, at("prores_pq_no_hdr10.mov")),
    ffmpeg(...SRC(), "-vf", `${SET_HLG},format=yuv422p10le`, ...PRORES_HQ, ...HLG, at("prores_hlg.mov")),
    // colr HLG, frame header unspecified.
    ffmpeg(...SRC(), "-vf", "format=yuv422p10le", ...PRORES_HQ, ...HLG, at("prores_hlg_frame_unspecified.mov")),
    // nclx full range on Y′CbCr (a 709 SDR provider output at 30 fps, 1280x720-ish aspect).
    ffmpeg(...SRC(30, 1), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuvj420p",
      "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", "-color_range", "pc", at("h264_full_range.mp4")),
    ffmpeg(...SRC(24, 1), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", ...BT709, at("h264_709.mp4")),
    ffmpeg(...SRC(24, 1, "240x180"), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", ...BT709, at("h264_709_4x3.mp4")),
    ffmpeg(...SRC(24, 0.5), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", at("h264_untagged.mp4")),
  ]);
  // Frames tagged HLG but the colr box hidden (renamed to `free`): only the container is wrong.
  const hlg = fs.readFileSync(at("prores_hlg.mov"));
  const colr = hlg.lastIndexOf("colrnclc", undefined, "latin1");
  hlg.write("free", colr, "latin1");
  fs.writeFileSync(at("prores_hlg_no_colr.mov"), hlg);
  // The same with moov before the media (faststart): adding colr moves every chunk.
  await ffmpeg("-i", at("prores_hlg.mov"), "-c", "copy", "-movflags", "+faststart", at("prores_hlg_faststart.mov"));
  const fast = fs.readFileSync(at("prores_hlg_faststart.mov"));
  fast.write("free", fast.indexOf("colrnclc", 0, "latin1"), "latin1");
  fs.writeFileSync(at("prores_hlg_faststart_no_colr.mov"), fast);
  buildPadded("prores_hlg_moov_at_end_large.mov", at("prores_hlg.mov"));
  // Frames tagged HLG, colr saying Rec.709 (a stream-copy remux with the wrong tags).
  await ffmpeg("-i", at("prores_hlg.mov"), "-c", "copy", ...BT709, at("prores_hlg_colr_709.mov"));
  // Frames tagged HLG, colr mixing code points that name no color space (BT.2020 / BT.709 / BT.2020).
  const mixed = fs.readFileSync(at("prores_hlg.mov"));
  mixed.writeUInt16BE(1, mixed.lastIndexOf("colrnclc", undefined, "latin1") + 10);
  fs.writeFileSync(at("prores_hlg_colr_mixed.mov"), mixed);
  // Two disagreeing colr boxes on H.264, whose color Retake does not read from the stream.
  await copyWithEntryBoxes(at("h264_untagged.mp4"), at("h264_two_colr.mp4"),
    [colrBox("nclx", { primaries: 9, transfer: 18, matrix: 9 }), colrBox("nclx", { primaries: 1, transfer: 1, matrix: 1 })]);
  // A packager's second colr after the encoder's: HLG, then BT.2020 SDR.
  await copyWithEntryBoxes(at("prores_hlg.mov"), at("prores_hlg_two_colr.mov"), [colrBox("nclc", { primaries: 9, transfer: 14, matrix: 9 })]);
}

/** The fixture with a 64 MB sparse `mdat` hole before `moov`: a large file, moov at the end. */
function buildPadded(name: string, from: string): void {
  const PAD = 64 * 1024 * 1024;
  const src = fs.readFileSync(from);
  let p = 0;
  let moovAt = -1;
  while (p + 8 <= src.length) {
    const size = src.readUInt32BE(p);
    if (src.toString("latin1", p + 4, p + 8) === "moov") moovAt = p;
    p += size;
  }
  const head = Buffer.alloc(16);
  head.writeUInt32BE(1, 0);
  head.write("free", 4, "latin1");
  head.writeBigUInt64BE(BigInt(PAD), 8);
  const fd = fs.openSync(at(name), "w");
  fs.writeSync(fd, src, 0, moovAt, 0);
  fs.writeSync(fd, head, 0, 16, moovAt);
  fs.writeSync(fd, src, moovAt, src.length - moovAt, moovAt + PAD);
  fs.closeSync(fd);
}

const target = (colorSpace: SequenceColorSpace, over: Partial<ConformTarget> = {}): ConformTarget => ({
  colorSpace, width: 320, height: 180, frameRate: { num: 24, den: 1 }, duration: 1, pixelAspect: 1, ...over,
});

async function streamInfo(file: string) {
  const { stdout } = await run("ffprobe", ["-v", "error", "-select_streams", "v:0", "-count_frames", "-show_entries",
    "stream=width,height,r_frame_rate,sample_aspect_ratio,nb_read_frames,pix_fmt,codec_tag_string,color_transfer", "-of", "json", file]);
  return (JSON.parse(stdout) as { streams: Array<Record<string, string | number>> }).streams[0]!;
}

/** ffmpeg's names for each delivery color space (what ffprobe prints). */
const FFPROBE_COLOR: Record<SequenceColorSpace, Record<string, string>> = {
  rec709: { color_primaries: "bt709", color_transfer: "bt709", color_space: "bt709", color_range: "tv" },
  "rec2100-pq": { color_primaries: "bt2020", color_transfer: "smpte2084", color_space: "bt2020nc", color_range: "tv" },
  "rec2100-hlg": { color_primaries: "bt2020", color_transfer: "arib-std-b67", color_space: "bt2020nc", color_range: "tv" },
};

/** ffprobe's own reading of a master's color: the stream's tags and side data, and the first decoded frame's. */
async function ffprobeColor(file: string) {
  const { stdout } = await run("ffprobe", ["-v", "error", "-select_streams", "v:0", "-read_intervals", "%+#1",
    "-show_entries", "stream=color_primaries,color_transfer,color_space,color_range:stream_side_data:frame=color_primaries,color_transfer,color_space,color_range",
    "-of", "json", file]);
  const json = JSON.parse(stdout) as { streams: Array<Record<string, unknown>>; frames?: Array<Record<string, unknown>> };
  const { side_data_list: side = [], ...stream } = json.streams[0] as { side_data_list?: Array<Record<string, unknown>> };
  const sideData = (type: string) => (side as Array<Record<string, unknown>>).find((d) => d.side_data_type === type);
  return { stream, frame: json.frames?.[0] ?? {}, mastering: sideData("Mastering display metadata"), light: sideData("Content light level metadata") };
}

/** Mean 10-bit luma (limited range: 64 black, 940 white) of the first frame, decoded by ffmpeg from the master itself. */
async function meanLuma10(file: string, width = 320, height = 180): Promise<number> {
  const { stdout } = await run("ffmpeg", ["-v", "error", "-i", file, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "yuv422p10le", "-"], { encoding: "buffer", maxBuffer: 1 << 24 });
  let sum = 0;
  for (let i = 0; i < width * height; i++) sum += stdout.readUInt16LE(i * 2);
  return sum / (width * height);
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-"));
  await makeFixtures();
}, 120_000);

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe("the verdict and the gate on every fixture", () => {
  const cases: Array<[string, SequenceColorSpace, { space: string; agree: boolean; ok: boolean; conformable: boolean }]> = [
    ["hevc_pq.mp4", "rec2100-pq", { space: "rec2100-pq", agree: true, ok: true, conformable: false }],
    ["hevc_pq_sei_only.mp4", "rec2100-pq", { space: "rec2100-pq", agree: false, ok: false, conformable: true }],
    ["hevc_pq_hev1.mp4", "rec2100-pq", { space: "rec2100-pq", agree: true, ok: true, conformable: false }],
    ["prores_pq_no_hdr10.mov", "rec2100-pq", { space: "rec2100-pq", agree: false, ok: false, conformable: true }],
    ["prores_hlg.mov", "rec2100-hlg", { space: "rec2100-hlg", agree: true, ok: true, conformable: false }],
    ["prores_hlg.mov", "rec2100-pq", { space: "rec2100-hlg", agree: true, ok: false, conformable: true }],
    ["prores_hlg_frame_unspecified.mov", "rec2100-hlg", { space: "rec2100-hlg", agree: false, ok: false, conformable: true }],
    // The frame header says HLG: that is what the pictures are, and a retag fixes the container.
    ["prores_hlg_no_colr.mov", "rec2100-hlg", { space: "rec2100-hlg", agree: false, ok: false, conformable: true }],
    ["prores_hlg_two_colr.mov", "rec2100-hlg", { space: "rec2100-hlg", agree: false, ok: false, conformable: true }],
    ["hevc_pq_stream_only.mp4", "rec2100-pq", { space: "rec2100-pq", agree: false, ok: false, conformable: true }],
    ["dv5.mp4", "rec2100-pq", { space: "unknown", agree: false, ok: false, conformable: false }],
    ["h264_full_range.mp4", "rec709", { space: "rec709", agree: false, ok: false, conformable: true }],
    ["h264_709.mp4", "rec2100-pq", { space: "rec709", agree: true, ok: false, conformable: true }],
    ["h264_untagged.mp4", "rec709", { space: "unknown", agree: false, ok: false, conformable: false }],
    ["prores_hlg_moov_at_end_large.mov", "rec2100-hlg", { space: "rec2100-hlg", agree: true, ok: true, conformable: false }],
  ];
  it.each(cases)("%s in a %s sequence", async (name, seq, want) => {
    const tags = await readColorTagsFromFile(at(name));
    expect(ColorTags.safeParse(tags).success).toBe(true);
    expect({ space: tags.colorSpace, agree: tags.agree }).toEqual({ space: want.space, agree: want.agree });
    const gate = gateImport(tags, seq);
    expect({ ok: gate.ok, conformable: gate.conformable }).toEqual({ ok: want.ok, conformable: want.conformable });
    if (!gate.ok) {
      expect(gate.reasons.length).toBeGreaterThan(0);
      expect(gate.suggestion).toMatch(gate.conformable ? /^Conform the take to a ProRes/ : /cannot conform/);
    }
  });

  it("reads EXR sequences: AP0 agrees, no chromaticities is Rec.709 unless the provider's ACES is passed, a gap is refused", async () => {
    const ap0 = await probeTags(at("exr_ap0"), { ffprobe: false });
    expect(ap0).toMatchObject({ colorSpace: "aces2065-1", agree: true, sequence: { pattern: "shot_####.exr", first: 1, last: 6, contiguous: true } });
    const plain = await probeTags(at("exr_plain"), { ffprobe: false });
    expect(plain).toMatchObject({ colorSpace: "linear-rec709", agree: true, problems: [] });
    expect(plain.warnings?.[0]).toMatch(/no chromaticities attribute, so by the OpenEXR standard its primaries are Rec\.709/);
    expect(gateImport(plain, "rec2100-pq")).toMatchObject({ ok: false, conformable: false });
    const declared = await probeTags(at("exr_plain"), { ffprobe: false, exrAssumption: LUMA_EXR_COLOR });
    expect(declared).toMatchObject({ colorSpace: "aces2065-1", agree: true, assumed: { provider: "luma" } });
    const gap = await probeTags(at("exr_gap"), { ffprobe: false });
    expect(gap).toMatchObject({ agree: false, sequence: { contiguous: false, gaps: [[3, 3]] } });
    const gate = gateImport(gap, "rec2100-pq");
    expect(gate).toMatchObject({ ok: false, conformable: false });
    expect(gate.suggestion).toMatch(/frames of the EXR sequence are missing/);
    expect(gateImport(ap0, "rec2100-pq")).toMatchObject({ ok: false, conformable: true });
  });

  it("retake probe prints the verdict's one-line summary, its problems and its notes", async () => {
    const printed = async (args: string[]) => {
      const lines: string[] = [];
      const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => (lines.push(String(chunk)), true));
      try {
        return { code: await probeCommand(args), text: lines.join("") };
      } finally {
        spy.mockRestore();
      }
    };
    const dv5 = await printed([at("dv5.mp4"), "--no-ffprobe"]);
    expect(dv5.code).toBe(2);
    expect(dv5.text).toMatch(/^dv5\.mp4: Dolby Vision profile 5 \(no compatible base layer\): unusable without conversion\.\n  - It is Dolby Vision profile 5 .*libplacebo/);
    const stream = await printed([at("hevc_pq_stream_only.mp4"), "--no-ffprobe"]);
    expect(stream.text).toMatch(/^hevc_pq_stream_only\.mp4: Rec\.2100 PQ in the stream, no container tags\.\n/);
    const plain = await printed([at("exr_plain"), "--no-ffprobe"]);
    expect(plain.code).toBe(0);
    expect(plain.text).toMatch(/^exr_plain: Scene-linear Rec\.709 \(the OpenEXR default: no chromaticities attribute\)\. \(tags agree\)\n  \(note\) It has no chromaticities/);
    const assumed = await printed([at("exr_plain"), "--no-ffprobe", "--assume-aces"]);
    expect(assumed.text).toMatch(/ACES2065-1 \(AP0, scene-linear\), assumed from the provider's declaration/);
    const json = await printed([at("exr_plain"), "--json", "--no-ffprobe", "--assume-aces"]);
    expect(JSON.parse(json.text)).toMatchObject({ colorSpace: "aces2065-1", assumed: { provider: "command line" } });
  });

  it("probe compares ffprobe's first frame with the container", async () => {
    const tags = await probeTags(at("h264_full_range.mp4"), { ffprobe: true });
    expect(tags.ffprobe).toMatchObject({ primaries: "bt709", transfer: "bt709", matrix: "bt709", range: "pc" });
    const unspecified = await probeTags(at("prores_hlg_frame_unspecified.mov"), { ffprobe: true });
    expect(unspecified.ffprobe).toMatchObject({ primaries: "unknown", transfer: "unknown", matrix: "unknown" });
    // Said once: the reader's own frame-header check already names it.
    expect(unspecified.problems.filter((p) => /unspecified|ffprobe/.test(p))).toHaveLength(1);
  });

  it("by default decodes with ffprobe only where the reader cannot read the bitstream's color itself", async () => {
    // H.264: the reader does not parse its VUI, so ffprobe's decode is the bitstream check, and it
    // catches the full-range picture the container does not announce.
    const h264 = await probeTags(at("h264_full_range.mp4"), { ffprobe: "auto" });
    expect(h264.bitstream).toBeUndefined();
    expect(h264.ffprobe).toMatchObject({ range: "pc" });
    // ProRes: the frame header was read, so no ffprobe is started, and the problem is still named.
    const prores = await probeTags(at("prores_hlg_frame_unspecified.mov"), { ffprobe: "auto" });
    expect(prores.bitstream).toBeDefined();
    expect(prores.ffprobe).toBeUndefined();
    expect(prores.problems.filter((p) => /unspecified/.test(p))).toHaveLength(1);
    expect(prores.agree).toBe(false);
  });
});

describe("conformMaster", () => {
  /** Conforms, then checks what a user would: the verdict agrees, the gate passes, the timing and size match. */
  async function conformed(name: string, t: ConformTarget, format: Parameters<typeof conformMaster>[0]["format"] = "prores422hq", extra: { exrAssumption?: ColorAssumption } = {}) {
    const ext = format === "hevc-hdr10" ? ".mp4" : ".mov";
    const out = at(`out/${name}.${t.colorSpace}.${format}${ext}`);
    const result = await conformMaster({ inputPath: at(name), outputPath: out, target: t, format, ...extra });
    expect(result.tags.agree).toBe(true);
    // Judged by ffprobe too, not only by Retake's reader: the stream's tags and the first decoded
    // frame say the target in limited range, and the HDR10 levels are there exactly for PQ.
    const probe = await ffprobeColor(out);
    expect(probe.stream).toMatchObject(FFPROBE_COLOR[t.colorSpace]);
    expect(probe.frame).toMatchObject(FFPROBE_COLOR[t.colorSpace]);
    if (t.colorSpace === "rec2100-pq") {
      expect(probe.light).toMatchObject({ max_content: result.contentLight!.maxCLL, max_average: result.contentLight!.maxFALL });
      expect(probe.mastering).toBeDefined();
    } else {
      expect(probe.light).toBeUndefined();
      expect(probe.mastering).toBeUndefined();
    }
    expect(gateImport(result.tags, t.colorSpace)).toEqual({ ok: true, reasons: [], conformable: false, suggestion: "" });
    const info = await streamInfo(out);
    expect(info).toMatchObject({ width: t.width, height: t.height, r_frame_rate: `${t.frameRate.num}/${t.frameRate.den}` });
    expect(Number(info.nb_read_frames)).toBe(Math.round((t.duration * t.frameRate.num) / t.frameRate.den));
    return { result, info, out };
  }

  it("SDR → PQ ProRes 422 HQ: white at 203 cd/m², levels measured, 30 fps converted to 24 and said so", async () => {
    const { result, info } = await conformed("h264_full_range.mp4", target("rec2100-pq"));
    expect(result.route).toBe("reencode");
    expect(info.codec_tag_string).toBe("apch");
    expect(result.tags).toMatchObject({ colorSpace: "rec2100-pq", mdcv: { maxLum: 10_000_000 }, bitstream: { primaries: 9, transfer: 16, matrix: 9 } });
    // SDR content never exceeds reference white once placed; the levels come from the pictures.
    expect(result.contentLight!.maxCLL).toBeGreaterThan(150);
    expect(result.contentLight!.maxCLL).toBeLessThanOrEqual(204);
    expect(result.contentLight!.maxFALL).toBeLessThan(result.contentLight!.maxCLL);
    expect(result.tags.clli).toEqual(result.contentLight);
    expect(result.notes.join(" ")).toMatch(/Frame rate converted from 30 to 24 fps by dropping or repeating whole frames/);
    expect(result.notes.join(" ")).toMatch(/full-range/);
    expect(result.notes.join(" ")).toMatch(/SDR white at 203 cd\/m²/);
  });

  it("places SDR white at PQ 203 cd/m² in the master's own pixels, and says so in clli", async () => {
    const white = at("white.mp4");
    await ffmpeg("-f", "lavfi", "-i", "color=white:size=320x180:rate=24:duration=1", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", ...BT709, white);
    const out = at("out/white_pq.mov");
    const result = await conformMaster({ inputPath: white, outputPath: out, target: target("rec2100-pq") });
    // The master decoded: PQ code 0.5807 (203 cd/m²) is 10-bit limited 64 + 0.5807 × 876 ≈ 573
    // (white at 100 cd/m² would be ≈ 509).
    expect(pqToNits(0.5807)).toBeCloseTo(203, 0);
    expect(Math.abs((await meanLuma10(out)) - 573)).toBeLessThanOrEqual(4);
    // The declared levels match those pixels.
    expect(Math.abs(result.contentLight!.maxCLL - 203)).toBeLessThanOrEqual(2);
    expect(Math.abs(result.contentLight!.maxFALL - 203)).toBeLessThanOrEqual(2);
    expect((await ffprobeColor(out)).light).toMatchObject({ max_content: result.contentLight!.maxCLL });
  });

  it("places SDR white at HLG 75% in the master's own pixels", async () => {
    const white = at("white_hlg_src.mp4");
    await ffmpeg("-f", "lavfi", "-i", "color=white:size=320x180:rate=24:duration=0.5", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", ...BT709, white);
    const out = at("out/white_hlg.mov");
    await conformMaster({ inputPath: white, outputPath: out, target: target("rec2100-hlg", { duration: 0.5 }) });
    // HLG 75% is 10-bit limited 64 + 0.75 × 876 = 721.
    expect(Math.abs((await meanLuma10(out)) - 721)).toBeLessThanOrEqual(6);
  });

  it("HDR → SDR tone-maps rather than clips: SDR white comes back near white and highlights stay distinct", async () => {
    // A PQ ramp: left half 203 cd/m² (reference white), right quarters 600 and 1000 cd/m².
    const pqCode = (nits: number) => {
      const m1 = 2610 / 16384, m2 = (2523 / 4096) * 128, c1 = 3424 / 4096, c2 = (2413 / 4096) * 32, c3 = (2392 / 4096) * 32;
      const y = Math.pow(nits / 10000, m1);
      return Math.pow((c1 + c2 * y) / (1 + c3 * y), m2);
    };
    const y10 = (n: number) => Math.round(64 + pqCode(n) * 876);
    const src = at("pq_levels.mov");
    const geq = `geq=lum='if(lt(X,160),${y10(203)},if(lt(X,240),${y10(600)},${y10(1000)}))':cb=512:cr=512`;
    await ffmpeg("-f", "lavfi", "-i", "color=black:size=320x180:rate=24:duration=0.5", "-vf", `format=yuv422p10le,${geq},${SET_PQ}`, ...PRORES_HQ, ...PQ, src);
    const out = at("out/pq_levels_709.mov");
    const result = await conformMaster({ inputPath: src, outputPath: out, target: target("rec709", { duration: 0.5 }) });
    expect(result.tags.colorSpace).toBe("rec709");
    expect(result.notes.join(" ")).toMatch(/Möbius/);
    // 10-bit luma of the SDR master at the three regions (limited range: 64 black, 940 white).
    const { stdout } = await run("ffmpeg", ["-v", "error", "-i", out, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "yuv422p10le", "-"], { encoding: "buffer", maxBuffer: 1 << 24 });
    const luma = (x: number) => stdout.readUInt16LE((90 * 320 + x) * 2);
    const [w, m, h] = [luma(80), luma(200), luma(300)];
    expect(w).toBeGreaterThan(820); // reference white stays bright (about 90%)
    expect(w).toBeLessThan(940);
    expect(m).toBeGreaterThan(w + 20); // 600 cd/m² is brighter than 203…
    expect(h).toBeGreaterThan(m); // …and 1000 brighter still: a curve, not a clip
    expect(h).toBeLessThanOrEqual(941);
  });

  it("HLG → PQ and PQ → HLG keep every carrier agreeing", async () => {
    const pq = await conformed("prores_hlg.mov", target("rec2100-pq"));
    expect(pq.result.tags).toMatchObject({ colorSpace: "rec2100-pq", clli: pq.result.contentLight });
    const back = await conformed("hevc_pq.mp4", target("rec2100-hlg", { duration: 0.5 }));
    expect(back.result.tags).toMatchObject({ colorSpace: "rec2100-hlg", bitstream: { transfer: 18 } });
    expect(back.result.tags.mdcv).toBeUndefined();
  });

  it("re-encodes a ProRes whose frame header is unspecified, trusting its colr, and says so", async () => {
    const { result } = await conformed("prores_hlg_frame_unspecified.mov", target("rec2100-hlg"));
    expect(result.route).toBe("reencode");
    expect(result.tags.bitstream).toMatchObject({ primaries: 9, transfer: 18, matrix: 9 });
    expect(result.notes[0]).toMatch(/trusted the container's colr box/);
  });

  it("fast path: fixes only the container when the frames already say the target, without re-encoding", async () => {
    const src = at("prores_hlg_no_colr.mov");
    const { result, out } = await conformed("prores_hlg_no_colr.mov", target("rec2100-hlg"));
    expect(result.route).toBe("retag");
    expect(result.notes[0]).toMatch(/had no colr box: Retake copied the file once with one added/);
    expect(result.tags).toEqual(await readColorTagsFromFile(at("prores_hlg.mov")));
    // ffprobe agrees, and decodes the whole file.
    expect((await streamInfo(out)).color_transfer).toBe("arib-std-b67");
    // The pictures are the provider's, bit for bit.
    const hash = async (f: string) => (await run("ffmpeg", ["-v", "error", "-i", f, "-map", "0:v", "-c", "copy", "-f", "md5", "-"])).stdout;
    expect(await hash(out)).toBe(await hash(src));
  });

  it("fast path, colr missing with moov before the media: chunk offsets follow the added box", async () => {
    const src = at("prores_hlg_faststart_no_colr.mov");
    const { result, out } = await conformed("prores_hlg_faststart_no_colr.mov", target("rec2100-hlg"));
    expect(result.route).toBe("retag");
    const hash = async (f: string) => (await run("ffmpeg", ["-v", "error", "-i", f, "-map", "0:v", "-f", "md5", "-"])).stdout;
    expect(await hash(out)).toBe(await hash(src));
  });

  it("fast path, colr present but wrong: a copy with the code points corrected in place", async () => {
    const { result, out } = await conformed("prores_hlg_colr_709.mov", target("rec2100-hlg"));
    expect(result.route).toBe("retag");
    expect(result.notes[0]).toMatch(/corrected its code points in place/);
    // Nothing but the colr code points changed: same size, same pictures.
    expect(fs.statSync(out).size).toBe(fs.statSync(at("prores_hlg_colr_709.mov")).size);
    expect(result.tags).toEqual(await readColorTagsFromFile(at("prores_hlg.mov")));
  });

  it("colr mixing code points over HLG frames: the gate offers conform, which trusts the frame header and re-tags", async () => {
    const tags = await readColorTagsFromFile(at("prores_hlg_colr_mixed.mov"));
    expect(tags.colorSpace).toBe("unknown");
    // The gate and conform take the same carrier: the frame header names HLG, so it is conformable.
    expect(gateImport(tags, "rec2100-hlg")).toMatchObject({ ok: false, conformable: true, format: "prores422hq" });
    const { result, out } = await conformed("prores_hlg_colr_mixed.mov", target("rec2100-hlg"));
    expect(result.route).toBe("retag");
    expect(fs.statSync(out).size).toBe(fs.statSync(at("prores_hlg_colr_mixed.mov")).size);
    expect(result.tags).toEqual(await readColorTagsFromFile(at("prores_hlg.mov")));
  });

  it("fast path for PQ: adds mdcv and clli with levels measured from the pictures", async () => {
    const { result } = await conformed("prores_pq_no_hdr10.mov", target("rec2100-pq"));
    expect(result.route).toBe("retag");
    expect(result.tags.mdcv).toBeDefined();
    expect(result.tags.clli!.maxCLL).toBeGreaterThan(100);
    expect(result.notes.join(" ")).toMatch(/measured from the pictures/);
  });

  it("HEVC HDR10: hvc1, VUI, SEI and boxes agree, with measured levels in both SEI and clli", async () => {
    const { result, info } = await conformed("hevc_pq_sei_only.mp4", target("rec2100-pq", { duration: 0.5 }), "hevc-hdr10");
    expect(info.codec_tag_string).toBe("hvc1");
    expect(result.tags.bitstream?.clli).toEqual(result.tags.clli);
    expect(result.tags.bitstream?.mdcv).toEqual(result.tags.mdcv);
    expect(result.tags.clli).toEqual(result.contentLight);
  });

  it("hev1 HDR10 is remuxed to hvc1 without re-encoding", async () => {
    const { result, info } = await conformed("hevc_pq_hev1.mp4", target("rec2100-pq", { duration: 0.5 }), "hevc-hdr10");
    expect(result.route).toBe("retag");
    expect(info.codec_tag_string).toBe("hvc1");
    expect(result.tags.problems).toEqual([]);
  });

  it("fits a 4:3 source into a 16:9 sequence with bars, holds the last frame to reach the duration, honours pixel aspect", async () => {
    const { result } = await conformed("h264_709_4x3.mp4", target("rec709", { duration: 1.5 }));
    expect(result.notes.join(" ")).toMatch(/Pillarboxed/);
    expect(result.notes.join(" ")).toMatch(/held for 0\.50 s/);
    const anamorphic = await conformed("h264_709.mp4", target("rec709", { width: 240, height: 180, pixelAspect: 4 / 3 }));
    expect(anamorphic.info.sample_aspect_ratio).toBe("4:3");
  });

  it("AP0 EXR sequence → PQ ProRes with the AP0→BT.2020 matrix and a labelled display mapping", async () => {
    const { result } = await conformed("exr_ap0", target("rec2100-pq", { duration: 0.25 }));
    expect(result.notes.join(" ")).toMatch(/AP0→BT\.2020 matrix and the display mapping 1\.0 = 203 cd\/m².*not an ACES Output Transform/);
    expect(result.contentLight!.maxCLL).toBeGreaterThan(0);
    // Without chromaticities, only the provider's declaration makes them ACES2065-1; then the same mapping applies.
    const plain = await conformed("exr_plain", target("rec2100-hlg", { duration: 0.25 }), "prores422hq", { exrAssumption: LUMA_EXR_COLOR });
    expect(plain.result.tags.colorSpace).toBe("rec2100-hlg");
    await expect(conformMaster({ inputPath: at("exr_plain"), outputPath: at("out/plain.mov"), target: target("rec2100-hlg", { duration: 0.25 }) }))
      .rejects.toThrow(/no chromaticities attribute, so by the OpenEXR standard its primaries are Rec\.709|scene-linear Rec\.709/);
  });

  it("writes an EXR ACES2065-1 sequence whose frames read as AP0 and are contiguous", async () => {
    const result = await conformMaster({ inputPath: at("prores_hlg.mov"), outputPath: at("out/aces"), target: target("rec2100-hlg", { duration: 0.25 }), format: "exr-aces" });
    expect(result.frames).toHaveLength(6);
    expect(result.tags).toMatchObject({ container: "exr", colorSpace: "aces2065-1", agree: true, sequence: { contiguous: true, count: 6 } });
    expect(result.tags.exr).toMatchObject({ channels: { R: "half", G: "half", B: "half" }, chromaticities: [0.7347, 0.2653, 0, 1, 0.0001, -0.077, 0.32168, 0.33767] });
  });

  it("two colr boxes: the frame header settles it, the first is corrected and the second retired, nothing re-encoded", async () => {
    const { result, out } = await conformed("prores_hlg_two_colr.mov", target("rec2100-hlg"));
    expect(result.route).toBe("retag");
    expect(result.tags.extraColr).toBeUndefined();
    // ffmpeg (which follows the last colr) now reads HLG too.
    expect((await ffprobeColor(out)).stream).toMatchObject({ color_transfer: "arib-std-b67" });
  });

  it("color only in the HEVC stream: conformed to HDR10 by adding the container's tags, no re-encode", async () => {
    const { result } = await conformed("hevc_pq_stream_only.mp4", target("rec2100-pq", { duration: 0.5 }), "hevc-hdr10");
    expect(result.route).toBe("retag");
    expect(result.tags).toMatchObject({ colorSpace: "rec2100-pq", colr: { primaries: 9, transfer: 16, matrix: 9 }, clli: { maxCLL: 1000, maxFALL: 400 } });
  });

  it("refuses Dolby Vision profile 5 with the way to convert it", async () => {
    await expect(conformMaster({ inputPath: at("dv5.mp4"), outputPath: at("out/dv5.mov"), target: target("rec2100-pq", { duration: 0.5 }) }))
      .rejects.toThrow(/Dolby Vision profile 5 .*libplacebo=apply_dolbyvision=1/);
    expect(fs.existsSync(at("out/dv5.mov"))).toBe(false);
  });

  it("refuses what it cannot conform, with the reason", async () => {
    await expect(conformMaster({ inputPath: at("h264_untagged.mp4"), outputPath: at("out/x.mov"), target: target("rec709") })).rejects.toThrow(ConformError);
    await expect(conformMaster({ inputPath: at("exr_gap"), outputPath: at("out/y.mov"), target: target("rec2100-pq") })).rejects.toThrow(/missing frame 3/);
    // The gate's reason and conform's are the same: nothing settles which colr box is right.
    await expect(conformMaster({ inputPath: at("h264_two_colr.mp4"), outputPath: at("out/w.mov"), target: target("rec709", { duration: 0.5 }) }))
      .rejects.toThrow(/colr boxes disagree and the codec's own signalling does not settle/);
    await expect(conformMaster({ inputPath: at("prores_hlg.mov"), outputPath: at("out/z.mp4"), target: target("rec709") })).rejects.toThrow(/\.mov file/);
    expect(fs.existsSync(at("out/x.mov"))).toBe(false);
  });
});

describe("tags survive download, rename and remux", () => {
  it.each(["hevc_pq.mp4", "prores_hlg.mov", "prores_hlg_moov_at_end_large.mov"])("%s", async (name) => {
    const before = await readColorTagsFromFile(at(name));
    const downloaded = at(`dl_${name}`);
    await new Promise<void>((resolve, reject) =>
      fs.createReadStream(at(name), { highWaterMark: 64 * 1024 }).pipe(fs.createWriteStream(downloaded)).on("finish", resolve).on("error", reject),
    );
    const renamed = at(`Retake take 1 ${name}`);
    fs.renameSync(downloaded, renamed);
    expect(await readColorTagsFromFile(renamed)).toEqual(before);
    const remuxed = at(`remux_${name}`);
    await ffmpeg("-i", renamed, "-map", "0", "-c", "copy", ...(name.endsWith(".mp4") ? ["-tag:v", "hvc1"] : []), remuxed);
    expect(await readColorTagsFromFile(remuxed)).toEqual(before);
  });
});
