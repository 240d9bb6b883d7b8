import fs from "node:fs";
import path from "node:path";
import { gateImport } from "../../core/colorTags/index.js";
import type { SequenceContext } from "../../core/schemas/index.js";
import type { BridgeRetime } from "../../core/schemas/index.js";
import { conformMaster } from "../conform/conformMaster.js";
import { retimeMaster } from "../conform/retime.js";
import { readColorTagsFromFile } from "../files/fileRangedRead.js";
import { toSdrRgbFilter, writeHdr10Boxes } from "../media/colorConvert.js";
import { artifactAudio, isMasterPcm, masterAudioArgs, probeAudio, PROXY_AUDIO_ARGS } from "../media/audioTrack.js";
import { ffprobeJson, runFfmpeg } from "../media/ffmpeg.js";
import type { ProviderOutput } from "../providers/provider.js";
import type { Artifact } from "../../core/schemas/index.js";

/** A delivered file, with its sound track as read from the file (absent: picture only). */
export type DeliveredOutput = ProviderOutput & { audio?: NonNullable<Artifact["audio"]> };

export interface Delivery {
  outputs: DeliveredOutput[];
  /** What was done to the provider's files, in sentences for the take card. */
  notes: string[];
  /** Bridge takes: the speed change that fitted the generated clip to the span. */
  retime?: BridgeRetime;
}

const PROXY_MAX_WIDTH = 960;

/**
 * Turns what a provider handed back into what the editor imports: a ProRes master in the
 * sequence's color space, size, rate and duration, every carrier agreeing (DESIGN.md color
 * rules), plus an SDR proxy and a poster for the take card when the provider gave none.
 *
 * The provider's own file is never thrown away: it stays beside the master as the `source`
 * artifact, and when it cannot be conformed it remains the master, so a paid take is never lost
 * (the import gate then says why it cannot go on the timeline yet).
 *
 * Sound: a master whose file has a sound track keeps it (conform writes PCM 48 kHz, aligned on the
 * first frame and cut to the picture's length; a bridge's retime stretches it with the picture or
 * drops it with a note), and the proxy carries it as AAC so the take card can play it. What each
 * file really holds is read back from the file, not taken from the provider's word.
 */
export async function deliverOutputs(input: {
  outputs: ProviderOutput[];
  sequence: SequenceContext;
  duration: number;
  dir: string;
  signal?: AbortSignal;
  /**
   * Bridge takes: the span's exact length in sequence frames. The master is conformed whole (at
   * the source's own rate and length, so neither anchor frame is trimmed or dropped by a rate
   * change), then retimed to exactly these frames at the sequence's rate.
   */
  fitFrames?: number;
  /**
   * A file whose sound the master should carry when the provider's file has none: an upscale
   * (SeedVR2 and the like return picture only) of a take that had sound. Laid under the final
   * master from its first frame, cut to the picture's length; the pictures are copied.
   */
  soundFrom?: string;
  /**
   * The master must be at the sequence's frame size even when it is already ProRes in the right
   * color (an upscale, a final at a target size). Otherwise a ProRes master of another size is
   * kept as made (previz drafts render at half size on purpose).
   */
  exactSize?: boolean;
}): Promise<Delivery> {
  const { sequence, dir, signal } = input;
  let retime: BridgeRetime | undefined;
  const notes: string[] = input.outputs.flatMap((o) => o.notes ?? []);
  let outputs = [...input.outputs];
  const master = outputs.find((o) => o.kind === "master");
  if (!master) return { outputs, notes };
  const whole = input.fitFrames !== undefined ? await wholeLength(master.path, signal) : undefined;

  const tags = await readColorTagsFromFile(master.path);
  const gate = gateImport(tags, sequence.colorSpace);
  const isProRes = tags.sampleEntry?.startsWith("ap") ?? false;
  const sound = await probeAudio(master.path, signal).catch(() => undefined);
  if (master.hasAudio && !sound) notes.push("The provider said this take has sound, but its file holds no sound track: the take is picture only.");
  // At a target size, a ProRes master in the right color but of another size (an upscaler's
  // output) is conformed too: the master is delivered at the size asked.
  const size = input.exactSize ? await frameSizeOf(master.path, signal) : undefined;
  const sizeOk = !size || (size.width === sequence.frameSize.width && size.height === sequence.frameSize.height);
  // A ProRes master in the right color still goes through conform when its sound is not PCM
  // 48 kHz (conform's retag route rewrites only the sound and the tags, the pictures are copied).
  if (!gate.ok || !isProRes || !sizeOk || (sound && !isMasterPcm(sound))) {
    const source = { ...master, kind: "source" as const };
    try {
      const result = await conformMaster({
        inputPath: master.path,
        outputPath: freePath(dir, "master", ".mov"),
        target: {
          colorSpace: sequence.colorSpace,
          width: sequence.frameSize.width,
          height: sequence.frameSize.height,
          frameRate: whole?.rate ?? sequence.frameRate,
          duration: whole?.seconds ?? input.duration,
          pixelAspect: sequence.pixelAspect,
        },
        format: "prores422hq",
        ...(signal ? { signal } : {}),
      });
      outputs = outputs.map((o) => (o === master ? { kind: "master", path: result.path, mediaType: "video/quicktime", width: sequence.frameSize.width, height: sequence.frameSize.height, codec: "prores_hq" } : o));
      outputs.push(source);
      notes.push(`Conformed to ProRes 422 HQ in the sequence's color space (${result.route === "retag" ? "tags fixed, no re-encode" : "re-encoded"}).`, ...result.notes);
    } catch (error) {
      if (signal?.aborted) throw error;
      // Keep the provider's file as the master: the take is paid for and must not be lost.
      notes.push(`Not conformed (${error instanceof Error ? error.message : String(error)}); the provider's file is kept as it came.`);
    }
  }

  if (input.fitFrames !== undefined) {
    const current = outputs.find((o) => o.kind === "master")!;
    // Only a master in the sequence's color can be retimed into it (the import gate refuses the rest).
    const ready = gateImport(await readColorTagsFromFile(current.path), sequence.colorSpace);
    if (ready.ok) {
      const fitted = await retimeMaster({
        inputPath: current.path,
        outputPath: freePath(dir, "master-fitted", ".mov"),
        frames: input.fitFrames,
        frameRate: sequence.frameRate,
        colorSpace: sequence.colorSpace,
        ...(signal ? { signal } : {}),
      });
      const rate = whole?.rate ?? sequence.frameRate;
      retime = {
        generatedSeconds: (fitted.sourceFrames * rate.den) / rate.num,
        generatedFrames: fitted.sourceFrames,
        placedFrames: fitted.frames,
        speed: fitted.speed,
      };
      // The conformed (not yet fitted) master is not kept: the provider's file stays as `source`.
      notes.push(...fitted.notes);
      if (current.path !== master.path) fs.rmSync(current.path, { force: true });
      else outputs.push({ ...master, kind: "source" });
      outputs = outputs.filter((o) => o.kind !== "proxy" && o.kind !== "poster" && o !== current);
      outputs.push({ ...current, kind: "master", path: fitted.path, mediaType: "video/quicktime" });
    } else {
      notes.push("Not fitted to the bridge: the master is not in the sequence's color space, so it cannot be retimed into it.");
    }
  }

  if (input.soundFrom && !sound) {
    const current = outputs.find((o) => o.kind === "master")!;
    const borrowed = await borrowSound(current.path, input.soundFrom, dir, sequence.colorSpace, signal);
    if (borrowed) {
      if (current.path !== master.path) fs.rmSync(current.path, { force: true });
      else if (!outputs.some((o) => o.kind === "source")) outputs.push({ ...master, kind: "source" });
      outputs = outputs.map((o) => (o === current ? { ...current, path: borrowed } : o));
      notes.push("The provider returned picture only; the sound of the take it was made from is laid under it, from the first frame, cut to its length.");
    }
  }

  const finalMaster = outputs.find((o) => o.kind === "master")!;
  if (!outputs.some((o) => o.kind === "proxy")) {
    const proxy = await makeProxyAndPoster(finalMaster.path, dir, signal);
    outputs.push(...proxy);
  }
  return { outputs: await withSound(outputs, signal), notes, ...(retime ? { retime } : {}) };
}

/** Each movie's sound track as the file holds it, for the artifact record (Artifact.audio). */
async function withSound(outputs: ProviderOutput[], signal?: AbortSignal): Promise<DeliveredOutput[]> {
  return Promise.all(
    outputs.map(async (o) => {
      if (!o.mediaType.startsWith("video/")) return o;
      const audio = await probeAudio(o.path, signal).catch(() => undefined);
      return audio ? { ...o, audio: artifactAudio(audio) } : o;
    }),
  );
}

/**
 * The master with `soundFile`'s sound under it (pictures copied, sound as the master's: PCM 48 kHz
 * in a .mov, AAC in an .mp4), or undefined when that file has no sound.
 */
async function borrowSound(masterPath: string, soundFile: string, dir: string, colorSpace: SequenceContext["colorSpace"], signal?: AbortSignal): Promise<string | undefined> {
  if (!(await probeAudio(soundFile, signal).catch(() => undefined))) return undefined;
  const probe = await ffprobeJson(masterPath, ["-select_streams", "v:0", "-count_packets", "-show_streams"], signal ? { signal } : {});
  const stream = probe.streams?.[0] as { r_frame_rate?: string; nb_read_packets?: string } | undefined;
  const [num, den] = (stream?.r_frame_rate ?? "").split("/").map(Number);
  const frames = Number(stream?.nb_read_packets ?? 0);
  if (!num || !den || !frames) return undefined;
  const container = path.extname(masterPath).toLowerCase() === ".mp4" ? "mp4" : "mov";
  const out = freePath(dir, "master-sound", path.extname(masterPath));
  await runFfmpeg(
    ["-y", "-i", masterPath, "-i", soundFile, "-map", "0:v:0", "-c:v", "copy", "-map", "1:a:0", ...masterAudioArgs(container, (frames * den) / num), "-f", container, out],
    signal ? { signal } : {},
  );
  // A remux must not cost the master its color: HDR10 boxes carried over, and the gate must
  // say of the new file what it said of the old, else the picture-only master is kept.
  const before = await readColorTagsFromFile(masterPath);
  let after = await readColorTagsFromFile(out);
  if (before.mdcv && before.clli && !(after.mdcv && after.clli)) {
    await writeHdr10Boxes(out, { mdcv: before.mdcv, clli: before.clli });
    after = await readColorTagsFromFile(out);
  }
  if (gateImport(before, colorSpace).ok && !gateImport(after, colorSpace).ok) {
    fs.rmSync(out, { force: true });
    return undefined;
  }
  return out;
}

async function frameSizeOf(file: string, signal?: AbortSignal): Promise<{ width: number; height: number } | undefined> {
  const probe = await ffprobeJson(file, ["-select_streams", "v:0", "-show_streams"], signal ? { signal } : {});
  const s = probe.streams?.[0];
  return s?.width && s.height ? { width: s.width, height: s.height } : undefined;
}

/** The source's own rate and whole length, so conform keeps every frame of a bridge take. */
async function wholeLength(file: string, signal?: AbortSignal): Promise<{ rate: { num: number; den: number }; seconds: number } | undefined> {
  const probe = await ffprobeJson(file, ["-select_streams", "v:0", "-count_frames", "-show_streams"], signal ? { signal } : {});
  const stream = probe.streams?.[0] as { r_frame_rate?: string; nb_read_frames?: string } | undefined;
  const [num, den] = (stream?.r_frame_rate ?? "").split("/").map(Number);
  const frames = Number(stream?.nb_read_frames ?? 0);
  if (!num || !den || !frames) return undefined;
  return { rate: { num, den }, seconds: (frames * den) / num };
}

/** An SDR H.264 proxy and a JPEG poster from any master, for the take card's preview. */
async function makeProxyAndPoster(masterPath: string, dir: string, signal?: AbortSignal): Promise<ProviderOutput[]> {
  const probe = await ffprobeJson(masterPath, ["-select_streams", "v:0", "-show_streams"], signal ? { signal } : {});
  const stream = probe.streams?.[0];
  if (!stream?.width || !stream.height) return [];
  const width = Math.min(PROXY_MAX_WIDTH, stream.width - (stream.width % 2));
  const height = Math.max(2, Math.round((stream.height * width) / stream.width / 2) * 2);
  const toSdr = toSdrRgbFilter(
    { transfer: stream.color_transfer, primaries: stream.color_primaries, matrix: stream.color_space, range: stream.color_range, height: stream.height },
    { width, height },
  );
  const proxyPath = freePath(dir, "proxy", ".mp4");
  const posterPath = freePath(dir, "poster", ".jpg");
  await runFfmpeg(
    [
      "-y", "-i", masterPath,
      "-filter_complex", `[0:v]${toSdr},split=2[p][q];[p]zscale=min=gbr:rin=full:m=709:r=limited,format=yuv420p[proxy];[q]select='eq(n,0)',zscale=min=gbr:rin=full:m=170m:r=full,format=yuvj420p[poster]`,
      // The master's sound, if it has one, as AAC: the card's player plays it on demand.
      "-map", "[proxy]", "-map", "0:a:0?", ...PROXY_AUDIO_ARGS, "-c:v", "libx264", "-preset", "veryfast", "-crf", "21",
      "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", "-color_range", "tv",
      "-movflags", "+faststart", proxyPath,
      "-map", "[poster]", "-frames:v", "1", "-q:v", "3", "-update", "1", posterPath,
    ],
    signal ? { signal } : {},
  );
  return [
    { kind: "proxy", path: proxyPath, mediaType: "video/mp4", width, height, codec: "h264" },
    { kind: "poster", path: posterPath, mediaType: "image/jpeg", width, height },
  ];
}

function freePath(dir: string, base: string, ext: string): string {
  let candidate = path.join(dir, `${base}${ext}`);
  for (let n = 2; fs.existsSync(candidate); n++) candidate = path.join(dir, `${base}-${n}${ext}`);
  return candidate;
}
