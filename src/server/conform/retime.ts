/**
 * Retime: fit a bridge take to its span by a constant speed change, at the sequence's frame rate,
 * keeping its first and last frames exactly (they are the anchors on A and B; trimming or a
 * rate filter could drop one). Output frame i is the source at position i·(S−1)/(M−1), a linear
 * blend of the two frames around it (core/bridgeFit retimeTaps).
 *
 * The blend runs here, on the decoded samples (one ffmpeg decodes to raw planar Y'CbCr, another
 * encodes), rather than in an ffmpeg rate filter: `framerate`/`minterpolate` place frames by
 * timestamp and at the end of the stream may drop or repeat the last one, which is the anchor.
 * Blending in the master's own (nonlinear) Y'CbCr is what an editor's "frame blending" does.
 *
 * The input is a ProRes master already in the sequence's color space (conform's output, or
 * previz's); the output is ProRes in the same profile and color, with PQ's mdcv/clli carried over
 * (a blend of two frames is never brighter than the brighter of them).
 *
 * Sound: a bridge's speed change applies to its sound too, or the sound would drift off the
 * picture (a 20 % faster picture over sound at its own speed ends 20 % early). The sound is
 * time-stretched by the same ratio with ffmpeg's `atempo` (pitch kept, so voices do not turn
 * chipmunk or slur) and made exactly the output's length. The ratio is the one the frames follow:
 * output frame i shows source position i·(S−1)/(M−1), so sound at output time t is source sound
 * at t·((S−1)/source rate)/((M−1)/sequence rate). Beyond half or double speed, pitch-kept
 * stretching smears speech and transients into something no editor would keep, so the sound is
 * dropped from the fitted master with a note saying so (the provider's own file, kept as the
 * take's `source`, still has it).
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import { retimeTaps } from "../../core/bridgeFit.js";
import type { SequenceColorSpace } from "../../core/schemas/color.js";
import type { FrameRate } from "../../core/schemas/frameContext.js";
import { readColorTagsFromFile } from "../files/fileRangedRead.js";
import { encoderColorArgs, setparamsFilter, writeHdr10Boxes } from "../media/colorConvert.js";
import { artifactAudio, lengthArgs, masterAudioArgs, probeAudio } from "../media/audioTrack.js";
import { ffprobeJson, locateTool } from "../media/ffmpeg.js";

export interface RetimeInput {
  inputPath: string;
  outputPath: string;
  /** Frames the output must have (the span's length in sequence frames). */
  frames: number;
  frameRate: FrameRate;
  colorSpace: SequenceColorSpace;
  signal?: AbortSignal;
}

export interface RetimeResult {
  path: string;
  sourceFrames: number;
  frames: number;
  /** Source length over output length (1.2: plays 20 % faster). */
  speed: number;
  /** The fitted master's sound track (absent: the source had none, or it was dropped: see notes). */
  audio?: { codec: string; sampleRate: number; channels: number };
  /** What happened to the sound, in sentences for the take card. */
  notes: string[];
}

/** Pitch-kept time-stretching is kept within this range of speeds (either way); beyond, the sound is dropped. */
export const SOUND_TEMPO_RANGE = { min: 0.5, max: 2 } as const;

export class RetimeError extends Error {
  override readonly name = "RetimeError";
}

/** Planar layouts we blend, with bytes per sample and plane sizes relative to width × height. */
const LAYOUTS: Record<string, { bytes: 1 | 2; planes: (w: number, h: number) => number[]; encode: string[] }> = {
  yuv422p10le: { bytes: 2, planes: (w, h) => [w * h, (w / 2) * h, (w / 2) * h], encode: ["-c:v", "prores_ks", "-profile:v", "hq", "-vendor", "apl0", "-qscale:v", "2"] },
  yuv444p10le: { bytes: 2, planes: (w, h) => [w * h, w * h, w * h], encode: ["-c:v", "prores_ks", "-profile:v", "4444", "-vendor", "apl0", "-qscale:v", "2"] },
};

export async function retimeMaster(input: RetimeInput): Promise<RetimeResult> {
  const probe = await ffprobeJson(input.inputPath, ["-count_frames", "-select_streams", "v:0", "-show_streams"], input.signal ? { signal: input.signal } : {});
  const stream = probe.streams?.[0] as { width?: number; height?: number; pix_fmt?: string; nb_read_frames?: string; r_frame_rate?: string } | undefined;
  const sourceFrames = Number(stream?.nb_read_frames ?? 0);
  if (!stream?.width || !stream.height || !(sourceFrames > 0)) throw new RetimeError("The take's master has no readable video frames to retime.");
  // ProRes 4444 may decode with alpha; it is blended as 4:4:4 without it.
  const pixFmt = stream.pix_fmt === "yuv422p10le" ? "yuv422p10le" : "yuv444p10le";
  const layout = LAYOUTS[pixFmt]!;
  const { width, height } = stream;
  const frameBytes = layout.planes(width, height).reduce((a, b) => a + b, 0) * layout.bytes;
  const taps = retimeTaps(sourceFrames, input.frames);
  const rate = `${input.frameRate.num}/${input.frameRate.den}`;
  const ffmpeg = locateTool("ffmpeg");
  const tmp = `${input.outputPath}.partial.mov`;
  const sourceTags = await readColorTagsFromFile(input.inputPath);
  const notes: string[] = [];
  const sound = await probeAudio(input.inputPath, input.signal);
  let tempo: number | undefined;
  if (sound) {
    const [num, den] = (stream.r_frame_rate ?? "").split("/").map(Number);
    const sourceRate = num && den ? num / den : input.frameRate.num / input.frameRate.den;
    const outRate = input.frameRate.num / input.frameRate.den;
    tempo = sourceFrames > 1 && input.frames > 1 ? ((sourceFrames - 1) / sourceRate) / ((input.frames - 1) / outRate) : undefined;
    if (tempo === undefined || tempo < SOUND_TEMPO_RANGE.min || tempo > SOUND_TEMPO_RANGE.max) {
      notes.push(`The sound was dropped from the fitted master: at ${tempo === undefined ? "a single frame" : `${Math.round(tempo * 100)} % speed`} time-stretching smears it beyond use (Retake stretches sound only between ${SOUND_TEMPO_RANGE.min * 100} % and ${SOUND_TEMPO_RANGE.max * 100} %). The provider's file keeps it.`);
      tempo = undefined;
    } else {
      notes.push(`The sound follows the speed change (${Math.round(tempo * 100)} % speed, pitch kept) and is the fitted picture's exact length.`);
    }
  }
  const keepSound = sound !== undefined && tempo !== undefined;
  const outSeconds = (input.frames * input.frameRate.den) / input.frameRate.num;

  const decoder = spawn(ffmpeg, ["-v", "error", "-i", input.inputPath, "-map", "0:v:0", "-f", "rawvideo", "-pix_fmt", pixFmt, "-"], { stdio: ["ignore", "pipe", "pipe"] });
  const encoder = spawn(
    ffmpeg,
    ["-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", pixFmt, "-s", `${width}x${height}`, "-r", rate, "-i", "-",
      ...(keepSound ? ["-i", input.inputPath, "-map", "0:v:0", "-map", "1:a:0"] : []),
      // Raw frames carry no color: tag them (the ProRes frame header) and the stream (colr) alike.
      "-vf", setparamsFilter(input.colorSpace), ...layout.encode, "-pix_fmt", pixFmt, ...encoderColorArgs(input.colorSpace), ...lengthArgs(input.frames, input.frameRate, keepSound),
      ...(keepSound ? masterAudioArgs("mov", outSeconds, tempo) : ["-an"]), "-f", "mov", tmp],
    { stdio: ["pipe", "ignore", "pipe"] },
  );
  const abort = () => {
    decoder.kill("SIGKILL");
    encoder.kill("SIGKILL");
  };
  input.signal?.addEventListener("abort", abort, { once: true });
  const decoded = exitOf(decoder, "decode");
  const encoded = exitOf(encoder, "encode");
  try {
    let previous: Buffer | undefined;
    let current: Buffer | undefined;
    let index = -1;
    let next = 0;
    for await (const frame of frames(decoder, frameBytes)) {
      previous = current;
      current = frame;
      index++;
      while (next < taps.length && taps[next]!.to <= index) {
        const tap = taps[next]!;
        const a = tap.from === index ? current : previous;
        const b = tap.to === index ? current : previous;
        if (!a || !b) throw new RetimeError("The retime lost its place in the source frames.");
        const out = tap.weight === 0 ? a : blend(a, b, tap.weight, layout.bytes);
        if (!encoder.stdin!.write(out)) await new Promise<void>((resolve) => encoder.stdin!.once("drain", resolve));
        next++;
      }
      if (next >= taps.length) break;
    }
    encoder.stdin!.end();
    decoder.kill("SIGKILL");
    await decoded.catch(() => undefined);
    await encoded;
    if (input.signal?.aborted) throw new RetimeError("The retime was canceled.");
    if (next < taps.length) throw new RetimeError(`The master had fewer frames than it said (${index + 1} of ${sourceFrames}).`);
    if (input.colorSpace === "rec2100-pq" && sourceTags.mdcv && sourceTags.clli) {
      await writeHdr10Boxes(tmp, { mdcv: sourceTags.mdcv, clli: sourceTags.clli });
    }
    await fs.promises.rename(tmp, input.outputPath);
  } catch (error) {
    abort();
    throw error;
  } finally {
    input.signal?.removeEventListener("abort", abort);
    await fs.promises.rm(tmp, { force: true });
  }
  return {
    path: input.outputPath,
    sourceFrames,
    frames: input.frames,
    speed: sourceFrames / input.frames,
    ...(keepSound && sound ? { audio: { ...artifactAudio(sound), codec: "pcm_s24le", sampleRate: 48_000 } } : {}),
    notes,
  };
}

/** a·(1−w) + b·w per sample, rounded. */
function blend(a: Buffer, b: Buffer, weight: number, bytes: 1 | 2): Buffer {
  const out = Buffer.allocUnsafe(a.length);
  if (bytes === 2) {
    const x = new Uint16Array(a.buffer, a.byteOffset, a.length / 2);
    const y = new Uint16Array(b.buffer, b.byteOffset, b.length / 2);
    const o = new Uint16Array(out.buffer, out.byteOffset, out.length / 2);
    for (let i = 0; i < o.length; i++) o[i] = Math.round(x[i]! + (y[i]! - x[i]!) * weight);
  } else {
    for (let i = 0; i < out.length; i++) out[i] = Math.round(a[i]! + (b[i]! - a[i]!) * weight);
  }
  return out;
}

/** Whole frames from a raw stream (chunks rarely align with frames). Each frame is its own copy. */
async function* frames(child: ChildProcess, frameBytes: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let have = 0;
  for await (const chunk of child.stdout! as AsyncIterable<Buffer>) {
    pending.push(chunk);
    have += chunk.length;
    while (have >= frameBytes) {
      const all = pending.length === 1 ? pending[0]! : Buffer.concat(pending, have);
      // Copy so the 16-bit views are aligned and the frame outlives the chunk.
      yield Buffer.from(all.subarray(0, frameBytes));
      const rest = all.subarray(frameBytes);
      pending = rest.length > 0 ? [rest] : [];
      have = rest.length;
    }
  }
}

function exitOf(child: ChildProcess, what: string): Promise<void> {
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (code === 0) resolve();
      else reject(new RetimeError(`ffmpeg could not ${what} the retimed master (${signal ?? `exit ${code}`}): ${stderr.trim().split("\n").at(-1) ?? ""}`));
    });
  });
}
