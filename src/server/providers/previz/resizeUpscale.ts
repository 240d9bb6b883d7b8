import fs from "node:fs/promises";
import path from "node:path";
import { readColorTagsFromFile } from "../../files/fileRangedRead.js";
import { writeHdr10Boxes } from "../../media/colorConvert.js";
import { ffprobeJson, runFfmpeg } from "../../media/ffmpeg.js";

/** What the take card says about a previz upscale, so nobody mistakes it for a generative one. */
export const PLAIN_RESIZE_NOTE = "Previz upscale: a plain resize, not a generative upscale (Lanczos with ffmpeg; no detail is added). Use an upscale provider for a real 4K master.";

/**
 * Previz's 4K path: the take's master resized with a Lanczos filter to the target size, as ProRes
 * 422 HQ with the master's own color (its pixels and tags untouched: a resize changes neither),
 * its sound copied. It exists so the whole 4K flow (enhance, upscale job, conform, the critic's
 * check, the card) runs without a key; it adds no detail.
 *
 * ffmpeg streams frame by frame, so memory holds a few 4K frames whatever the take's length.
 */
export async function resizeUpscale(input: {
  sourcePath: string;
  outDir: string;
  width: number;
  height: number;
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
}): Promise<{ path: string; width: number; height: number; hasAudio: boolean }> {
  const probe = await ffprobeJson(input.sourcePath, ["-show_streams", "-show_format"], input.signal ? { signal: input.signal } : {});
  const video = probe.streams?.find((s) => s.codec_type === "video");
  if (!video?.width || !video.height) throw new Error(`${path.basename(input.sourcePath)} has no picture to upscale.`);
  const hasAudio = probe.streams?.some((s) => s.codec_type === "audio") ?? false;
  const out = path.join(input.outDir, "upscaled.mov");
  const tag = (flag: string, value: string | undefined) => (value && value !== "unknown" ? [flag, value] : []);
  const duration = Number(probe.format?.duration ?? video.duration ?? 0) || undefined;
  await fs.mkdir(input.outDir, { recursive: true });
  await runFfmpeg(
    [
      "-y", "-i", input.sourcePath,
      "-map", "0:v:0", ...(hasAudio ? ["-map", "0:a:0", "-c:a", "pcm_s24le"] : ["-an"]),
      // Lanczos on the coded Y'CbCr: no color conversion, so the picture's values are only resampled.
      "-vf", `scale=${input.width}:${input.height}:flags=lanczos+accurate_rnd+full_chroma_int`,
      // A fixed quantiser as previz finals use (renderPreviz: 10× faster than prores_ks searching for one).
      "-c:v", "prores_ks", "-profile:v", "hq", "-vendor", "apl0", "-qscale:v", "2", "-pix_fmt", "yuv422p10le",
      ...tag("-color_primaries", video.color_primaries), ...tag("-color_trc", video.color_transfer),
      ...tag("-colorspace", video.color_space), ...tag("-color_range", video.color_range),
      "-f", "mov", out,
    ],
    { ...(input.signal ? { signal: input.signal } : {}), ...(duration ? { durationSeconds: duration } : {}), ...(input.onProgress ? { onProgress: input.onProgress } : {}) },
  );
  // A PQ master carries its mastering display and light levels in mdcv/clli: a resize keeps them.
  const tags = await readColorTagsFromFile(input.sourcePath);
  if (tags.mdcv && tags.clli) await writeHdr10Boxes(out, { mdcv: tags.mdcv, clli: tags.clli });
  return { path: out, width: input.width, height: input.height, hasAudio };
}
