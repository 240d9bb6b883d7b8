import fs from "node:fs";
import path from "node:path";
import { gateImport } from "../../core/colorTags/index.js";
import type { SequenceContext } from "../../core/schemas/index.js";
import type { BridgeRetime } from "../../core/schemas/index.js";
import { conformMaster } from "../conform/conformMaster.js";
import { retimeMaster } from "../conform/retime.js";
import { readColorTagsFromFile } from "../files/fileRangedRead.js";
import { toSdrRgbFilter } from "../media/colorConvert.js";
import { ffprobeJson, runFfmpeg } from "../media/ffmpeg.js";
import type { ProviderOutput } from "../providers/provider.js";

export interface Delivery {
  outputs: ProviderOutput[];
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
  // At a target size, a ProRes master in the right color but of another size (an upscaler's
  // output) is conformed too: the master is delivered at the size asked.
  const size = input.exactSize ? await frameSizeOf(master.path, signal) : undefined;
  const sizeOk = !size || (size.width === sequence.frameSize.width && size.height === sequence.frameSize.height);
  if (!gate.ok || !isProRes || !sizeOk) {
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
      if (current.path !== master.path) fs.rmSync(current.path, { force: true });
      else outputs.push({ ...master, kind: "source" });
      outputs = outputs.filter((o) => o.kind !== "proxy" && o.kind !== "poster" && o !== current);
      outputs.push({ ...current, kind: "master", path: fitted.path, mediaType: "video/quicktime" });
    } else {
      notes.push("Not fitted to the bridge: the master is not in the sequence's color space, so it cannot be retimed into it.");
    }
  }

  const finalMaster = outputs.find((o) => o.kind === "master")!;
  if (!outputs.some((o) => o.kind === "proxy")) {
    const proxy = await makeProxyAndPoster(finalMaster.path, dir, signal);
    outputs.push(...proxy);
  }
  return { outputs, notes, ...(retime ? { retime } : {}) };
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
      "-map", "[proxy]", "-an", "-c:v", "libx264", "-preset", "veryfast", "-crf", "21",
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
