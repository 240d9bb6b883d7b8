/**
 * Conform: turn any provider output into a delivery master for the sequence it will land in —
 * the sequence's color space, frame size, pixel aspect, frame rate and the requested duration —
 * with every color carrier agreeing (colr, the ProRes frame header or HEVC VUI, and for PQ the
 * mdcv/clli boxes plus the HEVC SEI, with MaxCLL/MaxFALL measured from the pixels).
 *
 * Two paths:
 *  - fast (retag): the frames already carry the target signalling and the timing and size
 *    already match; only the container's tags are wrong or missing. One `-c copy` remux with
 *    explicit tags (about one read of the file) fixes them; a PQ ProRes without mdcv/clli is
 *    additionally decoded once to measure its light levels.
 *  - re-encode: decode, convert (filters.ts documents every display mapping), retime, resize,
 *    encode with frames tagged, patch mdcv/clli. One ffmpeg run; for PQ the same run feeds the
 *    light meter through a FIFO. HEVC needs its levels before encoding (they go into the SEI),
 *    so it meters in a first pass.
 *
 * The result is read back with the core tag reader: what the caller gets is what Premiere's
 * gate will see.
 */
import fs from "node:fs";
import path from "node:path";
import { colrBoxesUnsettled, COLOR_SIGNAL_CODES, conformPlan, dolbyVisionUnusable, exrSequenceFrames, notConformable, withExrSequence, type ConformFormat } from "../../core/colorTags/index.js";
import type { ClliBox, ColorAssumption, ColorTags, MdcvBox, SequenceColorSpace } from "../../core/schemas/color.js";
import type { FrameRate } from "../../core/schemas/frameContext.js";
import type { Artifact } from "../../core/schemas/index.js";
import { readColorTagsFromFile } from "../files/fileRangedRead.js";
import { artifactAudio, isMasterPcm, lengthArgs, masterAudioArgs, MASTER_AUDIO_RATE, probeAudio, type AudioInfo } from "../media/audioTrack.js";
import { encoderColorArgs, MASTERING_DISPLAY_P3_D65_1000, writeHdr10Boxes, type Resize } from "../media/colorConvert.js";
import { FfmpegFeatureMissingError, ffprobeJson, requireFfmpegFeatures, runFfmpeg, type FfmpegFeature } from "../media/ffmpeg.js";
import { METER_FILTER, METER_PIX_FMT, METER_TAIL, startLightMeter } from "./contentLight.js";
import { AP0_CHROMATICITIES, writeExrAttributes } from "./exrHeader.js";
import { copyWithColr, patchColr, stripSampleEntryBoxes } from "./sampleEntryBoxes.js";
import { acesChain, colorChain, needsSdrClip, sdrClip, type SourceSpace } from "./filters.js";

export interface ConformTarget {
  colorSpace: SequenceColorSpace;
  width: number;
  height: number;
  frameRate: FrameRate;
  /** Seconds. */
  duration: number;
  /** Pixel aspect ratio (1 for square pixels). */
  pixelAspect: number;
}

export interface ConformInput {
  /** A movie, one EXR frame of a sequence, or a directory holding an EXR sequence. */
  inputPath: string;
  /** The master's path (.mov / .mp4); for exr-aces, the directory that receives the frames. */
  outputPath: string;
  target: ConformTarget;
  format?: ConformFormat;
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
  /** The provider's declaration for EXR frames without chromaticities (Luma: ACES2065-1). */
  exrAssumption?: ColorAssumption;
}

export interface ConformResult {
  /** The master (for exr-aces: the first frame; `frames` lists them all). */
  path: string;
  /** For exr-aces: every frame, in order. */
  frames?: string[];
  format: ConformFormat;
  /** "retag" when only the container's tags were rewritten, "reencode" otherwise. */
  route: "retag" | "reencode";
  /** The output's tags as the core reader sees them. */
  tags: ColorTags;
  /** What was changed and how, in sentences for the take card. */
  notes: string[];
  contentLight?: ClliBox;
  frameCount: number;
  /** The master's sound track, where the source had one (absent: picture only, none invented). */
  audio?: NonNullable<Artifact["audio"]>;
}

/** The input cannot be conformed: the message says why, in words for the editor. */
export class ConformError extends Error {
  override readonly name = "ConformError";
  constructor(
    message: string,
    readonly code: "not_conformable" | "bad_target" | "tool_missing",
  ) {
    super(message);
  }
}

const FORMAT_SPEC: Record<Exclude<ConformFormat, "exr-aces">, { ext: string; mux: string; pixFmt: string; codecArgs: string[] }> = {
  // -qscale 2: Apple HQ data rate on natural pictures, 10× faster than prores_ks's own rate
  // search (measured for the previz renderer).
  prores422hq: { ext: ".mov", mux: "mov", pixFmt: "yuv422p10le", codecArgs: ["-c:v", "prores_ks", "-profile:v", "hq", "-vendor", "apl0", "-qscale:v", "2"] },
  prores4444: { ext: ".mov", mux: "mov", pixFmt: "yuv444p10le", codecArgs: ["-c:v", "prores_ks", "-profile:v", "4444", "-vendor", "apl0", "-qscale:v", "2"] },
  "hevc-hdr10": { ext: ".mp4", mux: "mp4", pixFmt: "yuv420p10le", codecArgs: ["-c:v", "libx265", "-preset", "fast", "-crf", "16", "-tag:v", "hvc1"] },
};

interface SourceInfo {
  tags: ColorTags;
  /** ffmpeg input arguments (`-i file`, or an image2 pattern for EXR sequences). */
  inputArgs: string[];
  width: number;
  height: number;
  sar: number;
  rate: FrameRate;
  frames: number;
  duration: number;
  /** The sound track, asked once when it matters (ffprobe). */
  audio: () => Promise<AudioInfo | undefined>;
  exrFrames?: string[];
}

export async function conformMaster(input: ConformInput): Promise<ConformResult> {
  const format = input.format ?? "prores422hq";
  const target = validateTarget(input.target);
  const src = await describeSource(input.inputPath, input.signal, input.exrAssumption);
  const { tags } = src;
  const notes: string[] = [];

  const decodable = src.tags.container === "exr" ? tags.colorSpace === "aces2065-1" : tags.sampleEntry !== undefined && !tags.damaged;
  // Missing frames first: the most specific reason (which frames) whatever else is wrong.
  if (tags.sequence && !tags.sequence.contiguous) {
    throw new ConformError(`Retake cannot conform ${path.basename(input.inputPath)}: ${tags.problems.at(-1)}`, "not_conformable");
  }
  if (dolbyVisionUnusable(tags.dolbyVision)) {
    throw new ConformError(`Retake cannot conform ${path.basename(input.inputPath)}: ${tags.problems[0]}`, "not_conformable");
  }
  if (colrBoxesUnsettled(tags)) {
    throw new ConformError(`Retake cannot conform ${path.basename(input.inputPath)}: ${notConformable(tags)}`, "not_conformable");
  }
  if (!decodable || tags.colorSpace === "unknown" && !tags.bitstream) {
    const why = tags.container === "exr" ? notConformable(tags) : undefined;
    throw new ConformError(`Retake cannot conform ${path.basename(input.inputPath)}: ${why ?? tags.problems[0] ?? "its color is unknown."}`, "not_conformable");
  }
  const plan = conformPlan(tags, target.colorSpace, format);
  if (plan.source === "unknown") {
    throw new ConformError(`Retake cannot conform ${path.basename(input.inputPath)}: its color space is unknown (${tags.problems[0] ?? "no tags"}).`, "not_conformable");
  }
  const source = plan.source as SourceSpace;
  if (plan.sourceFrom === "colr" && tags.bitstream) {
    notes.push("The frames' own color signalling was unspecified or contradicted the container; Retake trusted the container's colr box and re-encoded with the frames tagged.");
  }

  const wantFrames = Math.max(1, Math.round((target.duration * target.frameRate.num) / target.frameRate.den));
  const sameRate = src.rate.num * target.frameRate.den === target.frameRate.num * src.rate.den;
  const sameGeometry = src.width === target.width && src.height === target.height && Math.abs(src.sar - target.pixelAspect) < 1e-3;
  const sameLength = Math.abs(src.frames - wantFrames) === 0;
  const outputExt = format === "exr-aces" ? "" : FORMAT_SPEC[format].ext;
  if (outputExt && path.extname(input.outputPath).toLowerCase() !== outputExt) {
    throw new ConformError(`A ${format} master is a ${outputExt} file; ${path.basename(input.outputPath)} has another extension.`, "bad_target");
  }
  await fs.promises.mkdir(format === "exr-aces" ? input.outputPath : path.dirname(input.outputPath), { recursive: true });

  if (plan.kind === "retag" && sameRate && sameGeometry && sameLength && format !== "exr-aces") {
    return retag(input, format, target, src, notes);
  }
  return reencode(input, format, target, src, source, wantFrames, notes);
}

function validateTarget(t: ConformTarget): ConformTarget {
  const bad = (what: string) => new ConformError(`The conform target's ${what} is not usable.`, "bad_target");
  if (!Number.isInteger(t.width) || !Number.isInteger(t.height) || t.width < 2 || t.height < 2 || t.width % 2 || t.height % 2) throw bad(`frame size ${t.width}×${t.height}`);
  if (!(t.frameRate.num > 0 && t.frameRate.den > 0)) throw bad("frame rate");
  if (!(t.duration > 0 && Number.isFinite(t.duration))) throw bad(`duration ${t.duration}`);
  if (!(t.pixelAspect > 0)) throw bad("pixel aspect");
  return t;
}

const parseRate = (r: string | undefined): FrameRate | undefined => {
  const m = /^(\d+)\/(\d+)$/.exec(r ?? "");
  return m && Number(m[2]) > 0 && Number(m[1]) > 0 ? { num: Number(m[1]), den: Number(m[2]) } : undefined;
};
const rateText = (r: FrameRate) => (r.den === 1 ? `${r.num}` : (r.num / r.den).toFixed(3).replace(/0+$/, ""));

async function describeSource(inputPath: string, signal?: AbortSignal, exrAssumption?: ColorAssumption): Promise<SourceInfo> {
  const stat = await fs.promises.stat(inputPath);
  const isExr = stat.isDirectory() || /\.exr$/i.test(inputPath);
  if (isExr) {
    const dir = stat.isDirectory() ? inputPath : path.dirname(inputPath);
    const names = (await fs.promises.readdir(dir)).filter((n) => /\.exr$/i.test(n));
    const seq = exrSequenceFrames(names);
    if (!seq) throw new ConformError(`${path.basename(inputPath)} holds no numbered EXR frames.`, "not_conformable");
    const frames = seq.frames.map((f) => path.join(dir, f.name));
    const tags = withExrSequence(await readColorTagsFromFile(frames[0]!, exrAssumption ? { exrAssumption } : {}), seq.info);
    const dw = tags.exr?.dataWindow;
    const width = dw ? dw[2] - dw[0] + 1 : 0;
    const height = dw ? dw[3] - dw[1] + 1 : 0;
    // EXR frames carry no rate: the numbered frames are taken at the target rate (set later).
    const digits = /#+/.exec(seq.info.pattern)?.[0].length ?? 1;
    const pattern = path.join(dir, seq.info.pattern.replace(/#+/, digits > 1 ? `%0${digits}d` : "%d"));
    return {
      tags,
      inputArgs: ["-f", "image2", "-start_number", String(seq.info.first), "-i", pattern],
      width,
      height,
      sar: 1,
      rate: { num: 0, den: 1 },
      frames: frames.length,
      duration: 0,
      audio: async () => undefined,
      exrFrames: frames,
    };
  }
  const tags = await readColorTagsFromFile(inputPath);
  let probed: Promise<AudioInfo | undefined> | undefined;
  const audio = () => (probed ??= probeAudio(inputPath, signal));
  // The container says it all for a well-formed movie: no ffprobe process on the fast path.
  const v0 = tags.video;
  if (v0?.width && v0.height && v0.frameRate && v0.frames) {
    return {
      tags,
      inputArgs: ["-i", inputPath],
      width: v0.width,
      height: v0.height,
      sar: v0.pixelAspect ?? 1,
      rate: v0.frameRate,
      frames: v0.frames,
      duration: (v0.frames * v0.frameRate.den) / v0.frameRate.num,
      audio,
    };
  }
  const probe = await ffprobeJson<{ streams?: Array<Record<string, unknown>>; format?: { duration?: string } }>(
    inputPath,
    ["-show_streams", "-show_format"],
    { signal },
  );
  const streams = probe.streams ?? [];
  const v = streams.find((s) => s.codec_type === "video");
  if (!v) throw new ConformError(`${path.basename(inputPath)} has no video stream.`, "not_conformable");
  const rate = parseRate(v.r_frame_rate as string) ?? parseRate(v.avg_frame_rate as string) ?? { num: 24, den: 1 };
  const duration = Number(v.duration ?? probe.format?.duration ?? 0);
  const frames = Number(v.nb_frames) > 0 ? Number(v.nb_frames) : Math.round((duration * rate.num) / rate.den);
  const sarMatch = /^(\d+):(\d+)$/.exec(String(v.sample_aspect_ratio ?? "1:1"));
  const sar = sarMatch && Number(sarMatch[1]) > 0 && Number(sarMatch[2]) > 0 ? Number(sarMatch[1]) / Number(sarMatch[2]) : 1;
  return {
    tags,
    inputArgs: ["-i", inputPath],
    width: Number(v.width ?? 0),
    height: Number(v.height ?? 0),
    sar,
    rate,
    frames,
    duration,
    audio,
  };
}

// ---------------------------------------------------------------------------------------------
// Fast path

async function retag(input: ConformInput, format: Exclude<ConformFormat, "exr-aces">, target: ConformTarget, src: SourceInfo, notes: string[]): Promise<ConformResult> {
  const spec = FORMAT_SPEC[format];
  const tmp = `${input.outputPath}.partial${spec.ext}`;
  const bs = src.tags.bitstream;
  // Cheapest: a copy (the one read of the file) with the colr code points overwritten in
  // place, when the file already has a colr box, the right sample entry and its HDR10 boxes.
  const pqReady = target.colorSpace !== "rec2100-pq" || (src.tags.mdcv !== undefined && src.tags.clli !== undefined);
  const entryReady = format !== "hevc-hdr10" || src.tags.sampleEntry === "hvc1";
  const pictureSeconds = (src.frames * target.frameRate.den) / target.frameRate.num;
  const sound = await src.audio();
  // A byte copy keeps the sound as it is: only when it is already PCM 48 kHz, starting on the
  // first frame and exactly the picture's length. Anything else is rewritten by the remux below.
  const soundReady = !sound || (format !== "hevc-hdr10" && isMasterPcm(sound) && sound.startTime === 0 &&
    sound.duration !== undefined && Math.abs(sound.duration - pictureSeconds) * MASTER_AUDIO_RATE < 1);
  if (pqReady && entryReady && soundReady) {
    const codes = COLOR_SIGNAL_CODES[target.colorSpace];
    try {
      let done = false;
      if (src.tags.colr) {
        await fs.promises.copyFile(input.inputPath, tmp);
        done = await patchColr(tmp, codes);
        if (done) notes.push("Only the container's colr box was wrong: Retake copied the file and corrected its code points in place (the pictures are bit-for-bit the provider's).");
        // A second colr box is a carrier too: only one may remain.
        if (done && src.tags.extraColr) await stripSampleEntryBoxes(tmp, ["colr"], { keepFirst: true });
      } else {
        done = await copyWithColr(input.inputPath, tmp, codes, src.tags.container === "mp4" ? "nclx" : "nclc");
        if (done) notes.push("The container had no colr box: Retake copied the file once with one added (the pictures are bit-for-bit the provider's).");
      }
      if (done) {
        if (target.colorSpace !== "rec2100-pq") await stripSampleEntryBoxes(tmp, ["mdcv", "clli"]);
        await fs.promises.rename(tmp, input.outputPath);
        const tags = await readColorTagsFromFile(input.outputPath);
        return { path: input.outputPath, format, route: "retag", tags, notes, frameCount: src.frames, ...(tags.clli ? { contentLight: tags.clli } : {}), ...(sound ? { audio: artifactAudio(sound) } : {}) };
      }
    } finally {
      await fs.promises.rm(tmp, { force: true });
    }
  }
  try {
    await runFfmpeg(
      ["-y", ...src.inputArgs, "-map", "0:v:0", "-c:v", "copy", ...(format === "hevc-hdr10" ? ["-tag:v", "hvc1"] : []),
        ...encoderColorArgs(target.colorSpace),
        ...(sound ? ["-map", "0:a:0", ...masterAudioArgs(spec.mux as "mov" | "mp4", pictureSeconds)] : ["-an"]),
        "-f", spec.mux, tmp],
      { signal: input.signal, durationSeconds: src.duration, onProgress: input.onProgress },
    );
    notes.push("Only the container's color tags were wrong or missing: Retake rewrote them without re-encoding (the pictures are bit-for-bit the provider's).");
    if (sound) notes.push(soundNote(sound, spec.mux as "mov" | "mp4"));
    let contentLight: ClliBox | undefined;
    if (target.colorSpace === "rec2100-pq") {
      let mdcv: MdcvBox = bs?.mdcv ?? src.tags.mdcv ?? MASTERING_DISPLAY_P3_D65_1000;
      contentLight = bs?.clli ?? src.tags.clli;
      if (!contentLight) {
        contentLight = await meterOnly(tmp, src.width, src.height, src.frames, input.signal);
        notes.push(`HDR10 light levels measured from the pictures: MaxCLL ${contentLight.maxCLL} cd/m², MaxFALL ${contentLight.maxFALL} cd/m².`);
      }
      if (!bs?.mdcv && !src.tags.mdcv) mdcv = MASTERING_DISPLAY_P3_D65_1000;
      await writeHdr10Boxes(tmp, { mdcv, clli: contentLight });
    }
    await fs.promises.rename(tmp, input.outputPath);
  } finally {
    await fs.promises.rm(tmp, { force: true });
  }
  const tags = await readColorTagsFromFile(input.outputPath);
  return { path: input.outputPath, format, route: "retag", tags, notes, frameCount: src.frames, ...(target.colorSpace === "rec2100-pq" ? { contentLight: tags.clli } : {}), ...(sound ? { audio: masterAudio(sound, spec.mux as "mov" | "mp4") } : {}) };
}

// ---------------------------------------------------------------------------------------------
// Re-encode

interface Geometry {
  resize?: Resize;
  /** pad filter when the picture is fitted inside the frame. */
  pad?: string;
}

/** Fits the source's display aspect inside the target frame (letter/pillarbox, never crop). */
function geometry(src: SourceInfo, t: ConformTarget, notes: string[]): Geometry {
  const srcAspect = (src.width * src.sar) / src.height;
  const tgtAspect = (t.width * t.pixelAspect) / t.height;
  if (src.width === t.width && src.height === t.height && Math.abs(src.sar - t.pixelAspect) < 1e-3) return {};
  const even = (v: number) => Math.max(2, 2 * Math.round(v / 2));
  let w = t.width;
  let h = t.height;
  if (Math.abs(srcAspect - tgtAspect) / tgtAspect > 0.005) {
    if (srcAspect > tgtAspect) h = even((t.width * t.pixelAspect) / srcAspect);
    else w = even((t.height * srcAspect) / t.pixelAspect);
  }
  notes.push(`Scaled from ${src.width}×${src.height}${src.sar !== 1 ? ` (pixel aspect ${src.sar.toFixed(3)})` : ""} to ${w}×${h}${t.pixelAspect !== 1 ? ` (pixel aspect ${t.pixelAspect.toFixed(3)})` : ""} with a spline36 filter.`);
  const resize: Resize = { width: w, height: h, filter: "spline36" };
  if (w === t.width && h === t.height) return { resize };
  notes.push(`${w < t.width ? "Pillarboxed" : "Letterboxed"}: the source's picture aspect differs from the sequence's, so it is fitted inside the ${t.width}×${t.height} frame with black bars rather than cropped.`);
  return { resize, pad: `pad=${t.width}:${t.height}:(ow-iw)/2:(oh-ih)/2:color=black` };
}

/** Rate and length: fps conversion (nearest frame), trim or hold the last frame. */
function timing(src: SourceInfo, t: ConformTarget, wantFrames: number, notes: string[]): string[] {
  const filters: string[] = [];
  const rate = `${t.frameRate.num}/${t.frameRate.den}`;
  if (src.exrFrames) {
    notes.push(`The EXR frames were numbered without a rate; they were taken one per frame at ${rateText(t.frameRate)} fps.`);
    filters.push(`setpts=N/(${rate})/TB`);
  } else if (src.rate.num * t.frameRate.den !== t.frameRate.num * src.rate.den) {
    notes.push(
      `Frame rate converted from ${rateText(src.rate)} to ${rateText(t.frameRate)} fps by dropping or repeating whole frames (nearest frame, no blending), so motion keeps its speed but its cadence changes slightly.`,
    );
    filters.push(`fps=${rate}`);
  }
  const haveSeconds = src.exrFrames ? src.frames / (t.frameRate.num / t.frameRate.den) : src.duration;
  const wantSeconds = (wantFrames * t.frameRate.den) / t.frameRate.num;
  if (haveSeconds + 1e-3 < wantSeconds) {
    const hold = wantSeconds - haveSeconds;
    notes.push(`The source is ${haveSeconds.toFixed(2)} s; its last frame is held for ${hold.toFixed(2)} s to reach the requested ${wantSeconds.toFixed(2)} s.`);
    filters.push(`tpad=stop_mode=clone:stop_duration=${(hold + 1).toFixed(3)}`);
  } else if (haveSeconds > wantSeconds + (0.5 * t.frameRate.den) / t.frameRate.num) {
    notes.push(`Trimmed from ${haveSeconds.toFixed(2)} s to the requested ${wantSeconds.toFixed(2)} s.`);
  }
  return filters;
}

function sourcePeakNits(tags: ColorTags, source: SourceSpace): number {
  if (source === "rec2100-pq") return tags.clli?.maxCLL || tags.bitstream?.clli?.maxCLL || (tags.mdcv ? tags.mdcv.maxLum / 10000 : 1000);
  if (source === "rec2100-hlg") return 1000; // HLG's nominal display peak
  if (source === "aces2065-1") return 1000; // the 1000 cd/m² display the mapping targets
  return 100;
}

/** The ffmpeg capabilities each delivery needs. */
const ENCODER_FEATURES: Record<ConformFormat, FfmpegFeature[]> = {
  prores422hq: ["prores_ks", "mov_colr"],
  prores4444: ["prores_ks", "mov_colr"],
  "hevc-hdr10": ["libx265_10bit", "mov_colr"],
  "exr-aces": ["exr"],
};

/** Says "EXR delivery needs the OpenEXR encoder …" before a render the ffmpeg in use cannot do. */
async function requireEncoder(format: ConformFormat): Promise<void> {
  try {
    await requireFfmpegFeatures(ENCODER_FEATURES[format]);
  } catch (err) {
    if (err instanceof FfmpegFeatureMissingError) throw new ConformError(err.message, "tool_missing");
    throw err;
  }
}

async function reencode(
  input: ConformInput,
  format: ConformFormat,
  target: ConformTarget,
  src: SourceInfo,
  source: SourceSpace,
  wantFrames: number,
  notes: string[],
): Promise<ConformResult> {
  const fullRange = src.tags.colr?.fullRange === true || src.tags.bitstream?.fullRange === true;
  if (fullRange) notes.push("The source was full-range Y′CbCr; the master is limited (video) range.");
  const geo = geometry(src, target, notes);
  const time = timing(src, target, wantFrames, notes);
  describeTransfer(source, target.colorSpace, format, notes, sourcePeakNits(src.tags, source));
  const sound = format === "exr-aces" ? undefined : await src.audio();
  if (format === "exr-aces" && (await src.audio())) notes.push("EXR frames carry no sound: the take's sound track stays in the provider's file (the source artifact).");
  const rate = `${target.frameRate.num}/${target.frameRate.den}`;
  const sar = sarText(target.pixelAspect);
  const post = [geo.pad, `setsar=${sar}`].filter(Boolean).join(",");
  const head = time.length > 0 ? `${time.join(",")},` : "";

  await requireEncoder(format);
  if (format === "exr-aces") return encodeExr(input, target, src, source, fullRange, geo, head, post, wantFrames, notes);

  const spec = FORMAT_SPEC[format];
  const pq = target.colorSpace === "rec2100-pq";
  const color = colorChain({ source, sourceFullRange: fullRange, target: target.colorSpace, pixFmt: spec.pixFmt, resize: geo.resize, sourcePeakNits: sourcePeakNits(src.tags, source) });
  const chain = `${head}${color},${post}`;
  // The meter's branch: the same picture as full-range PQ R'G'B' 4:4:4 (before subsampling).
  const meterColor = colorChain({ source, sourceFullRange: fullRange, target: target.colorSpace, pixFmt: METER_PIX_FMT, resize: geo.resize, rgb: true, sourcePeakNits: sourcePeakNits(src.tags, source) });
  const tmp = `${input.outputPath}.partial${spec.ext}`;
  const tmpDir = path.dirname(input.outputPath);
  const hevc = format === "hevc-hdr10";
  let contentLight: ClliBox | undefined;
  const mdcv = source === "rec2100-pq" && src.tags.mdcv ? src.tags.mdcv : MASTERING_DISPLAY_P3_D65_1000;
  try {
    let codecArgs = spec.codecArgs;
    if (hevc) {
      // The SEI is written by the encoder, so HDR10 levels must be known before it starts.
      if (pq) contentLight = await meterChain(src, `${head}${meterColor},${post},${METER_TAIL}`, target, wantFrames, input.signal, tmpDir);
      codecArgs = [...codecArgs, "-x265-params", x265Params(target.colorSpace, mdcv, contentLight)];
    }
    const pictureSeconds = (wantFrames * target.frameRate.den) / target.frameRate.num;
    const soundArgs = sound ? ["-map", "0:a:0", ...masterAudioArgs(spec.mux as "mov" | "mp4", pictureSeconds)] : ["-an"];
    if (sound) notes.push(soundNote(sound, spec.mux as "mov" | "mp4"));
    const common = [...codecArgs, "-pix_fmt", spec.pixFmt, ...encoderColorArgs(target.colorSpace), "-r", rate, ...lengthArgs(wantFrames, target.frameRate, sound !== undefined), ...soundArgs, "-f", spec.mux, tmp];
    const progress = { signal: input.signal, durationSeconds: wantFrames * target.frameRate.den / target.frameRate.num, onProgress: input.onProgress };
    if (pq && !hevc) {
      const meter = await startLightMeter(path.join(tmpDir, `.meter-${process.pid}-${Date.now()}.fifo`), target.width, target.height);
      try {
        // SDR sources are clipped and resized once, before the split.
        const base = { source, sourceFullRange: fullRange, target: target.colorSpace, resize: geo.resize, sourcePeakNits: sourcePeakNits(src.tags, source) };
        const shared = needsSdrClip(base) ? `${sdrClip(base)},` : "";
        const after = { ...base, afterClip: shared !== "" };
        const m = colorChain({ ...after, pixFmt: spec.pixFmt });
        const q = colorChain({ ...after, pixFmt: METER_PIX_FMT, rgb: true });
        const graph = `[0:v]${head}${shared}split=2[m0][q0];[m0]${m},${post}[m];[q0]${q},${post},${METER_TAIL}[meter]`;
        await runFfmpeg(["-y", ...src.inputArgs, "-filter_complex", graph, "-map", "[m]", ...common,
          "-map", "[meter]", "-frames:v", String(wantFrames), "-f", "rawvideo", "-y", meter.path], progress);
        meter.finish();
        contentLight = await meter.result;
      } finally {
        await meter.dispose();
      }
    } else {
      await runFfmpeg(["-y", ...src.inputArgs, "-map", "0:v:0", "-vf", chain, ...common], progress);
    }
    // A re-encode inherits the source's HDR10 side data; only a PQ master may carry it.
    if (!pq) await stripSampleEntryBoxes(tmp, ["mdcv", "clli"]);
    if (pq && contentLight) {
      await writeHdr10Boxes(tmp, { mdcv, clli: { maxCLL: contentLight.maxCLL, maxFALL: contentLight.maxFALL } });
      notes.push(`HDR10 light levels measured from the pictures: MaxCLL ${contentLight.maxCLL} cd/m², MaxFALL ${contentLight.maxFALL} cd/m².`);
    }
    await fs.promises.rename(tmp, input.outputPath);
  } finally {
    await fs.promises.rm(tmp, { force: true });
  }
  const tags = await readColorTagsFromFile(input.outputPath);
  return {
    path: input.outputPath,
    format,
    route: "reencode",
    tags,
    notes,
    frameCount: wantFrames,
    ...(sound ? { audio: masterAudio(sound, spec.mux as "mov" | "mp4") } : {}),
    ...(contentLight ? { contentLight: { maxCLL: contentLight.maxCLL, maxFALL: contentLight.maxFALL } } : {}),
  };
}

/** What the master's sound track is after delivery (the codec and rate masterAudioArgs write). */
function masterAudio(sound: AudioInfo, mux: "mov" | "mp4"): NonNullable<ConformResult["audio"]> {
  return { codec: mux === "mov" ? "pcm_s24le" : "aac", sampleRate: MASTER_AUDIO_RATE, channels: sound.channels };
}

function soundNote(sound: AudioInfo, mux: "mov" | "mp4"): string {
  const from = `${sound.codec} ${(sound.sampleRate / 1000).toFixed(1).replace(/\.0$/, "")} kHz, ${sound.channels === 1 ? "mono" : sound.channels === 2 ? "stereo" : `${sound.channels} channels`}`;
  const to = mux === "mov" ? "24-bit PCM at 48 kHz" : "AAC at 48 kHz";
  return `The sound track (${from}) is kept as ${to}, aligned on the first frame and cut or padded with silence to the picture's exact length.`;
}

function describeTransfer(source: SourceSpace, target: SequenceColorSpace, format: ConformFormat, notes: string[], peakNits: number): void {
  if (format === "exr-aces") {
    if (source !== "aces2065-1") notes.push("Converted to scene-linear ACES2065-1 (AP0) with the display mapping 203 cd/m² = 1.0 (BT.2408 reference white).");
    return;
  }
  if (source === target) return;
  if (source === "aces2065-1") {
    notes.push(
      target === "rec709"
        ? "ACES2065-1 converted with the AP0→BT.709 matrix and display mapping 1.0 = 203 cd/m², then tone-mapped to SDR (Möbius curve); this is Retake's display mapping, not an ACES Output Transform."
        : `ACES2065-1 converted with the AP0→BT.2020 matrix and the display mapping 1.0 = 203 cd/m² (no tone mapping; above 10 000 cd/m² clips). This is Retake's display mapping, not an ACES Output Transform.`,
    );
  } else if (source === "rec709") {
    notes.push("SDR placed in HDR per BT.2408: SDR white at 203 cd/m², BT.709 colors inside BT.2020.");
  } else if (target === "rec709") {
    notes.push(`HDR tone-mapped to SDR with the Möbius curve (graphics white at 203 cd/m² lands at about 90% SDR; highlights roll off up to the content peak, ${Math.round(peakNits)} cd/m², instead of clipping).`);
  } else {
    notes.push("Converted between PQ and HLG in display light with 203 cd/m² at HLG 75% (BT.2408).");
  }
}

const sarText = (par: number): string => {
  if (Math.abs(par - 1) < 1e-6) return "1";
  // Rational close to par with denominator up to 1000 (e.g. 1.2121 → 40/33).
  let best = { n: Math.round(par), d: 1, e: Infinity };
  for (let d = 1; d <= 1000; d++) {
    const n = Math.round(par * d);
    const e = Math.abs(n / d - par);
    if (e < best.e - 1e-12) best = { n, d, e };
  }
  return `${best.n}/${best.d}`;
};

function x265Params(cs: SequenceColorSpace, m: MdcvBox, clli: ClliBox | undefined): string {
  const p = cs === "rec709" ? "bt709" : "bt2020";
  const t = cs === "rec709" ? "bt709" : cs === "rec2100-pq" ? "smpte2084" : "arib-std-b67";
  const mtx = cs === "rec709" ? "bt709" : "bt2020nc";
  const parts = ["log-level=error", "repeat-headers=1", `colorprim=${p}`, `transfer=${t}`, `colormatrix=${mtx}`, "range=limited"];
  if (cs === "rec2100-pq" && clli) {
    parts.push(
      "hdr10=1",
      `master-display=G(${m.gx},${m.gy})B(${m.bx},${m.by})R(${m.rx},${m.ry})WP(${m.wx},${m.wy})L(${m.maxLum},${m.minLum})`,
      `max-cll=${clli.maxCLL},${clli.maxFALL}`,
    );
  }
  return parts.join(":");
}

/** Runs `chain` into the light meter only (HEVC's first pass). */
async function meterChain(src: SourceInfo, chain: string, t: ConformTarget, frames: number, signal: AbortSignal | undefined, dir: string): Promise<ClliBox> {
  const meter = await startLightMeter(path.join(dir, `.meter-${process.pid}-${Date.now()}.fifo`), t.width, t.height);
  try {
    await runFfmpeg(["-y", ...src.inputArgs, "-vf", chain, "-frames:v", String(frames), "-f", "rawvideo", "-y", meter.path], { signal });
    meter.finish();
    return await meter.result;
  } finally {
    await meter.dispose();
  }
}

/** Decodes a PQ file as it is, into the light meter (the fast path's measurement). */
async function meterOnly(file: string, width: number, height: number, frames: number, signal: AbortSignal | undefined): Promise<ClliBox> {
  const meter = await startLightMeter(`${file}.meter-${Date.now()}.fifo`, width, height);
  try {
    await runFfmpeg(["-y", "-i", file, "-vf", METER_FILTER, "-frames:v", String(frames), "-f", "rawvideo", "-y", meter.path], { signal });
    meter.finish();
    return await meter.result;
  } finally {
    await meter.dispose();
  }
}

async function encodeExr(
  input: ConformInput,
  target: ConformTarget,
  src: SourceInfo,
  source: SourceSpace,
  fullRange: boolean,
  geo: Geometry,
  head: string,
  post: string,
  wantFrames: number,
  notes: string[],
): Promise<ConformResult> {
  const dir = input.outputPath;
  const base = path.basename(dir).replace(/[^\w.-]+/g, "_") || "frame";
  const staging = path.join(dir, ".staging");
  await fs.promises.rm(staging, { recursive: true, force: true });
  await fs.promises.mkdir(staging, { recursive: true });
  // The pad color must be black in linear light, which is what pad gives RGB float frames.
  const chain = `${head}${acesChain(source, fullRange, geo.resize)},${post}`;
  try {
    await runFfmpeg(
      ["-y", ...src.inputArgs, "-vf", chain, "-frames:v", String(wantFrames), "-c:v", "exr", "-format", "half", "-compression", "zip16",
        "-start_number", "0", path.join(staging, `${base}_%06d.exr`)],
      { signal: input.signal, durationSeconds: (wantFrames * target.frameRate.den) / target.frameRate.num, onProgress: input.onProgress },
    );
    const names = (await fs.promises.readdir(staging)).filter((n) => n.endsWith(".exr")).sort();
    // ffmpeg's EXR encoder writes no chromaticities; AP0 (ST 2065-1) is added to each header.
    for (const name of names) {
      await writeExrAttributes(path.join(staging, name), path.join(dir, name), [{ name: "chromaticities", type: "chromaticities", value: AP0_CHROMATICITIES }]);
    }
    notes.push("EXR frames are half float, ZIP compressed, with AP0 chromaticities; acesImageContainerFlag is not set because ST 2065-4 allows only uncompressed/PIZ/B44A, which ffmpeg cannot write.");
    const frames = names.map((n) => path.join(dir, n));
    const seq = exrSequenceFrames(names);
    const first = await readColorTagsFromFile(frames[0]!);
    const tags = seq ? withExrSequence(first, seq.info) : first;
    return { path: frames[0]!, frames, format: "exr-aces", route: "reencode", tags, notes, frameCount: frames.length };
  } finally {
    await fs.promises.rm(staging, { recursive: true, force: true });
  }
}
