/**
 * Frames for the critic: ffmpeg decodes the clip and scales it to the analysis size (luma only),
 * streaming raw frames on stdout; we read them one at a time, so memory holds a few frames of
 * 256 px, never the clip at full resolution.
 *
 * Luma is taken as the clip's own Y' plane (extractplanes), not re-encoded, so the code values
 * the exposure measurement reads are the master's: a PQ code value stays a PQ code value. Deep
 * clips (10-bit and up) come out as 16-bit, 8-bit ones as 8-bit (half the bytes to move).
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { ffprobeJson, FfmpegAbortError, FfmpegError, locateTool, type FfprobeStream } from "../media/ffmpeg.js";

/** Width frames are analysed at (height follows the clip's aspect). */
export const ANALYSIS_WIDTH = 256;

export interface ClipInfo {
  width: number;
  height: number;
  fps: number;
  /** Frames ffprobe expects (may be 0 when it cannot tell); the decoder's count is the truth. */
  expectedFrames: number;
  duration: number;
  pixFmt: string;
  codec: string;
  /** ffprobe's names; "unknown" when the clip does not say. */
  transfer: string;
  primaries: string;
  matrix: string;
  /** Limited ("tv") or full ("pc") code range, as the clip is read. */
  range: "tv" | "pc";
  /** Mastering display peak (cd/m²) from the stream's side data, when present. */
  masteringPeak?: number;
  maxCll?: number;
}

export interface AnalysisFrame {
  index: number;
  /** Seconds from the clip's start (index / fps: takes are constant frame rate). */
  t: number;
  /** Luma as nominal signal: 0 = black code value, 1 = peak code value (may run slightly outside). */
  signal: Float32Array;
  width: number;
  height: number;
}

const rational = (r: string | undefined): number => {
  if (!r) return 0;
  const [n, d] = r.split("/").map(Number);
  return d ? n! / d : Number(n) || 0;
};

export async function probeClip(file: string, signal?: AbortSignal): Promise<ClipInfo> {
  const probe = await ffprobeJson(file, ["-select_streams", "v:0", "-show_streams", "-show_format"], { signal });
  const s: FfprobeStream | undefined = probe.streams?.[0];
  if (!s?.width || !s.height) throw new Error(`${path.basename(file)} has no video stream ffmpeg can read.`);
  const fps = rational(s.avg_frame_rate) || rational(s.r_frame_rate) || 24;
  const duration = Number(s.duration ?? probe.format?.duration ?? 0) || 0;
  const pixFmt = s.pix_fmt ?? "unknown";
  const isRgb = /^(gbr|rgb|bgr|argb|abgr|rgba|bgra|gray|pal8|ya)/.test(pixFmt);
  const range: "tv" | "pc" = s.color_range === "pc" || /^yuvj/.test(pixFmt) || (isRgb && s.color_range !== "tv") ? "pc" : "tv";
  let masteringPeak: number | undefined;
  let maxCll: number | undefined;
  for (const sd of s.side_data_list ?? []) {
    if (typeof sd.max_luminance === "string") masteringPeak = rational(sd.max_luminance);
    if (typeof sd.max_content === "number") maxCll = sd.max_content;
  }
  return {
    width: s.width,
    height: s.height,
    fps,
    expectedFrames: Number(s.nb_frames) || Math.round(duration * fps),
    duration,
    pixFmt,
    codec: s.codec_name ?? "unknown",
    transfer: s.color_transfer ?? "unknown",
    primaries: s.color_primaries ?? "unknown",
    matrix: s.color_space ?? "unknown",
    range,
    ...(masteringPeak ? { masteringPeak } : {}),
    ...(maxCll ? { maxCll } : {}),
  };
}

/** Bits per sample of a pixel format as ffmpeg names it ("yuv420p10le" → 10; 8 unless the name says more). */
export function bitDepthOf(pixFmt: string): number {
  const m = /(\d+)(le|be)$/.exec(pixFmt);
  return m ? Math.max(8, Number(m[1])) : 8;
}

export function analysisSize(info: Pick<ClipInfo, "width" | "height">, width = ANALYSIS_WIDTH): { width: number; height: number } {
  const w = Math.min(width, info.width);
  return { width: w, height: Math.max(8, Math.round((info.height * w) / info.width)) };
}

/**
 * Decodes `file` to analysis-size luma and hands each frame to `onFrame` as it arrives (the
 * callback may be synchronous and slow: ffmpeg waits on the pipe meanwhile). Returns the number
 * of frames decoded.
 */
export async function decodeLuma(
  file: string,
  info: ClipInfo,
  onFrame: (frame: AnalysisFrame) => void,
  opts: { width?: number; signal?: AbortSignal; maxFrames?: number } = {},
): Promise<number> {
  const size = analysisSize(info, opts.width);
  const deep = bitDepthOf(info.pixFmt) > 8;
  const isYuv = /^(yuv|yuvj|nv|p0|p2|p4|y2|v210|uyvy|yuyv|ayuv)/.test(info.pixFmt);
  // Y' plane as coded when there is one; R'G'B' clips go through swscale's luma (full range).
  const luma = isYuv ? "extractplanes=y," : "";
  const outFmt = deep ? "gray16le" : "gray";
  const filter = `${luma}scale=${size.width}:${size.height}:flags=area,format=${outFmt}`;
  const args = [
    "-nostdin", "-hide_banner", "-loglevel", "error",
    "-threads", "0",
    // Skipping the in-loop deblocking filter (H.264/HEVC) saves a fifth of the decode; its effect
    // does not survive the area downscale to 256 px.
    "-skip_loop_filter", "all",
    "-i", file,
    "-map", "0:v:0", "-an", "-sn",
    "-vf", filter,
    ...(opts.maxFrames ? ["-frames:v", String(opts.maxFrames)] : []),
    "-f", "rawvideo", "pipe:1",
  ];
  const bytesPerSample = deep ? 2 : 1;
  const frameBytes = size.width * size.height * bytesPerSample;
  // Code value → nominal signal. 16-bit output carries the code in the top bits (v << (16 − depth)).
  const full = deep ? 65536 : 256;
  const black = info.range === "tv" ? (16 / 256) * full : 0;
  const span = info.range === "tv" ? (219 / 256) * full : full - 1;

  return new Promise<number>((resolve, reject) => {
    if (opts.signal?.aborted) return reject(new FfmpegAbortError("The critic was canceled before it started."));
    let bin: string;
    try {
      bin = locateTool("ffmpeg");
    } catch (err) {
      return reject(err);
    }
    const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"], windowsHide: true });
    // Code value → signal through a table (8-bit: 256 entries, 16-bit: 65536), and each frame
    // assembled in one preallocated buffer: no per-chunk concatenation.
    const lut = new Float32Array(deep ? 65536 : 256);
    for (let v = 0; v < lut.length; v++) lut[v] = (v - black) / span;
    const frame = Buffer.alloc(frameBytes);
    let filled = 0;
    let index = 0;
    let stderr = "";
    let failed: unknown;
    const onAbort = () => child.kill("SIGKILL");
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (c: string) => (stderr = (stderr + c).slice(-8192)));
    child.stdout.on("data", (chunk: Buffer) => {
      let offset = 0;
      while (!failed && offset < chunk.length) {
        const take = Math.min(frameBytes - filled, chunk.length - offset);
        chunk.copy(frame, filled, offset, offset + take);
        filled += take;
        offset += take;
        if (filled < frameBytes) break;
        filled = 0;
        const signal = new Float32Array(size.width * size.height);
        if (deep) for (let i = 0, o = 0; i < signal.length; i++, o += 2) signal[i] = lut[frame[o]! | (frame[o + 1]! << 8)]!;
        else for (let i = 0; i < signal.length; i++) signal[i] = lut[frame[i]!]!;
        try {
          onFrame({ index, t: index / info.fps, signal, width: size.width, height: size.height });
        } catch (err) {
          failed = err;
          child.kill("SIGKILL");
          return;
        }
        index++;
      }
    });
    child.on("error", (err) => (failed ??= err));
    child.on("close", (code) => {
      opts.signal?.removeEventListener("abort", onAbort);
      if (opts.signal?.aborted) return reject(new FfmpegAbortError("The critic was canceled."));
      if (failed) return reject(failed);
      if (code !== 0) {
        const last = stderr.split(/\r?\n/).map((l) => l.trim()).filter(Boolean).at(-1);
        return reject(new FfmpegError(last ?? `ffmpeg exited with code ${String(code)} while decoding ${path.basename(file)}.`, "ffmpeg", code, null, stderr));
      }
      resolve(index);
    });
  });
}

/** One still image (the captured frame) as nominal luma at a given size. */
export async function decodeStill(file: string, width: number, height: number, signal?: AbortSignal): Promise<Float32Array> {
  const info = await probeClip(file, signal);
  const bin = locateTool("ffmpeg");
  const isYuv = /^(yuv|yuvj|nv|p0)/.test(info.pixFmt);
  // Stills are usually R'G'B' (PNG/JPEG): luma with the Rec.709 matrix, as takes are coded.
  const filter = isYuv
    ? `extractplanes=y,scale=${width}:${height}:flags=area,format=gray16le`
    : `scale=${width}:${height}:flags=area:out_color_matrix=bt709:out_range=pc,format=yuv444p16le,extractplanes=y`;
  const range = isYuv ? info.range : "pc";
  const buf = await new Promise<Buffer>((resolve, reject) => {
    const child = spawn(bin, ["-nostdin", "-hide_banner", "-loglevel", "error", "-i", file, "-frames:v", "1", "-vf", filter, "-f", "rawvideo", "pipe:1"], { stdio: ["ignore", "pipe", "pipe"] });
    const parts: Buffer[] = [];
    let stderr = "";
    const onAbort = () => child.kill("SIGKILL");
    signal?.addEventListener("abort", onAbort, { once: true });
    child.stdout.on("data", (c: Buffer) => parts.push(c));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      signal?.removeEventListener("abort", onAbort);
      if (code === 0) resolve(Buffer.concat(parts));
      else reject(new FfmpegError(stderr.trim().split("\n").at(-1) ?? "ffmpeg could not decode the frame.", "ffmpeg", code, null, stderr));
    });
  });
  const n = width * height;
  if (buf.length < n * 2) throw new Error(`${path.basename(file)} decoded to fewer pixels than expected.`);
  const black = range === "tv" ? 4096 : 0;
  const span = range === "tv" ? 56064 : 65535;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (buf.readUInt16LE(2 * i) - black) / span;
  return out;
}
