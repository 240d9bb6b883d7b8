import fs from "node:fs";
import path from "node:path";
import { zipSync } from "fflate";
import { ProviderRequestError } from "../../director/providerExtras.js";
import { ffprobeJson, runFfmpeg } from "../../media/ffmpeg.js";
import type { ProviderOutput } from "../provider.js";
import type { ComfyServer, HistoryEntry, OutputRef } from "./comfyClient.js";

/**
 * A finished prompt's files, honestly labelled:
 * - a video (core SaveVideo: 8-bit H.264 MP4 with no color tags) is tagged Rec.709 in place (no
 *   re-encode: SDR is what it is) and conformed to the sequence like any SDR provider output;
 * - PNG frames (a 16-bit saver's, or SaveImage's 8-bit) are assembled at the model's native rate
 *   into ProRes 4444 (12-bit for 16-bit frames), so the depth survives into the conform;
 * - EXR frames are kept as the take's EXR delivery (zipped) and read as linear Rec.709 for the
 *   master, since ComfyUI writes no chromaticities.
 * Each output carries notes the take card shows.
 */

const VIDEO_EXT = new Set([".mp4", ".webm", ".mov", ".mkv"]);

export function outputRefs(entry: HistoryEntry): OutputRef[] {
  const refs: OutputRef[] = [];
  for (const nodeOutput of Object.values(entry.outputs)) {
    // Core savers report `images` (SaveVideo too, with `animated: [true]`); VHS reports `gifs`.
    for (const key of ["videos", "gifs", "images"]) {
      const list = nodeOutput[key];
      if (!Array.isArray(list)) continue;
      for (const item of list) {
        const r = item as Partial<OutputRef>;
        if (typeof r.filename === "string" && (r.type ?? "output") === "output") refs.push({ filename: r.filename, subfolder: r.subfolder ?? "", type: r.type ?? "output" });
      }
    }
  }
  return refs;
}

export async function collectOutputs(server: ComfyServer, entry: HistoryEntry, destDir: string, fps: number): Promise<ProviderOutput[]> {
  const refs = outputRefs(entry);
  fs.mkdirSync(destDir, { recursive: true });
  const video = refs.find((r) => VIDEO_EXT.has(path.extname(r.filename).toLowerCase()));
  if (video) return [await videoOutput(server, video, destDir)];
  const pngs = refs.filter((r) => path.extname(r.filename).toLowerCase() === ".png").sort(byName);
  const exrs = refs.filter((r) => path.extname(r.filename).toLowerCase() === ".exr").sort(byName);
  if (exrs.length > 0) return exrOutputs(server, exrs, destDir, fps);
  if (pngs.length > 1) return [await pngOutput(server, pngs, destDir, fps)];
  throw new ProviderRequestError(
    "output_not_found",
    `ComfyUI at ${server.name} finished without a video or frames in its output folder${refs.length ? ` (it saved ${refs.map((r) => r.filename).join(", ")})` : ""}: the workflow needs a SaveVideo node (or a saver of PNG/EXR frames).`,
  );
}

const byName = (a: OutputRef, b: OutputRef) => a.filename.localeCompare(b.filename, undefined, { numeric: true });

async function videoOutput(server: ComfyServer, ref: OutputRef, destDir: string): Promise<ProviderOutput> {
  const ext = path.extname(ref.filename).toLowerCase();
  const file = path.join(destDir, `comfyui-take${ext}`);
  await server.download(ref, file);
  const probe = await ffprobeJson<{ streams?: Array<Record<string, string | number | undefined>> }>(file, ["-select_streams", "v:0", "-show_streams"]);
  const s = probe.streams?.[0];
  if (!s) throw new ProviderRequestError("output_unreadable", `ComfyUI's ${ref.filename} has no video stream.`);
  const codec = String(s.codec_name ?? "");
  const pixFmt = String(s.pix_fmt ?? "");
  const eightBit = !/(10|12|16)(le|be)$/.test(pixFmt);
  const untagged = !s.color_primaries || s.color_primaries === "unknown" || !s.color_transfer || s.color_transfer === "unknown";
  const notes: string[] = [];
  const rate = String(s.r_frame_rate ?? "");
  let out = file;
  if (untagged && eightBit && codec === "h264") {
    // SaveVideo leaves the color unspecified; what it encodes is 8-bit SDR, so it is Rec.709.
    out = path.join(destDir, "comfyui-take-tagged.mp4");
    await runFfmpeg([
      "-y", "-i", file, "-map", "0:v:0", "-c", "copy",
      "-bsf:v", "h264_metadata=colour_primaries=1:transfer_characteristics=1:matrix_coefficients=1:video_full_range_flag=0",
      "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", "-movflags", "+write_colr", out,
    ]);
    fs.rmSync(file, { force: true });
    notes.push(`ComfyUI delivered 8-bit H.264 without color tags (core SaveVideo); it was tagged Rec.709 SDR (no re-encode) and conformed like any SDR take.`);
  } else {
    notes.push(`ComfyUI delivered ${codec || "video"} ${pixFmt}${eightBit ? " (8-bit)" : ""}, conformed to the sequence.`);
  }
  if (rate) notes.push(`Native frame rate ${rateText(rate)} fps (the model's), conformed to the sequence's rate.`);
  return { kind: "master", path: out, mediaType: ext === ".webm" ? "video/webm" : ext === ".mov" ? "video/quicktime" : "video/mp4", codec, ...(s.width ? { width: Number(s.width) } : {}), ...(s.height ? { height: Number(s.height) } : {}), notes };
}

async function pngOutput(server: ComfyServer, refs: OutputRef[], destDir: string, fps: number): Promise<ProviderOutput> {
  const framesDir = path.join(destDir, "comfyui-frames");
  fs.mkdirSync(framesDir, { recursive: true });
  const files = refs.map((_, i) => path.join(framesDir, `frame_${String(i + 1).padStart(5, "0")}.png`));
  await mapLimited(refs, 4, (ref, i) => server.download(ref, files[i]!));
  const depth = pngBitDepth(files[0]!);
  const deep = depth === 16;
  const out = path.join(destDir, "comfyui-take.mov");
  await runFfmpeg([
    "-y", "-framerate", String(fps), "-i", path.join(framesDir, "frame_%05d.png"),
    "-vf", "scale=out_color_matrix=bt709:out_range=tv",
    "-c:v", "prores_ks", "-profile:v", "4", "-pix_fmt", deep ? "yuv444p12le" : "yuv444p10le",
    "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", "-color_range", "tv",
    "-movflags", "+write_colr", out,
  ]);
  fs.rmSync(framesDir, { recursive: true, force: true });
  return {
    kind: "master",
    path: out,
    mediaType: "video/quicktime",
    codec: "prores_4444",
    notes: [
      `ComfyUI delivered ${refs.length} ${depth ?? "?"}-bit PNG frames; assembled at the model's native ${fps} fps into ProRes 4444 ${deep ? "12-bit (the 16-bit depth kept as far as ProRes goes)" : "10-bit"}, Rec.709, then conformed to the sequence's rate.`,
    ],
  };
}

async function exrOutputs(server: ComfyServer, refs: OutputRef[], destDir: string, fps: number): Promise<ProviderOutput[]> {
  const framesDir = path.join(destDir, "comfyui-exr");
  fs.mkdirSync(framesDir, { recursive: true });
  const files = refs.map((_, i) => path.join(framesDir, `frame_${String(i + 1).padStart(5, "0")}.exr`));
  await mapLimited(refs, 4, (ref, i) => server.download(ref, files[i]!));
  const zipPath = path.join(destDir, "comfyui-exr.zip");
  fs.writeFileSync(zipPath, zipSync(Object.fromEntries(files.map((f) => [path.basename(f), new Uint8Array(fs.readFileSync(f))])), { level: 0 }));
  const out = path.join(destDir, "comfyui-take.mov");
  await runFfmpeg([
    "-y", "-apply_trc", "bt709", "-framerate", String(fps), "-i", path.join(framesDir, "frame_%05d.exr"),
    "-vf", "scale=out_color_matrix=bt709:out_range=tv",
    "-c:v", "prores_ks", "-profile:v", "4", "-pix_fmt", "yuv444p12le",
    "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", "-color_range", "tv",
    "-movflags", "+write_colr", out,
  ]);
  fs.rmSync(framesDir, { recursive: true, force: true });
  return [
    {
      kind: "master",
      path: out,
      mediaType: "video/quicktime",
      codec: "prores_4444",
      notes: [`ComfyUI delivered ${refs.length} EXR frames without chromaticities: read as linear Rec.709 at the model's native ${fps} fps for the master (SDR); the frames themselves are kept as the EXR delivery.`],
    },
    { kind: "exr", path: zipPath, mediaType: "application/zip" },
  ];
}

/** Bit depth from a PNG's IHDR (byte 24), or undefined for a file that is not a PNG. */
export function pngBitDepth(file: string): number | undefined {
  const fd = fs.openSync(file, "r");
  try {
    const head = Buffer.alloc(26);
    fs.readSync(fd, head, 0, 26, 0);
    if (head.readUInt32BE(0) !== 0x89504e47 || head.toString("latin1", 12, 16) !== "IHDR") return undefined;
    return head[24];
  } finally {
    fs.closeSync(fd);
  }
}

function rateText(rate: string): string {
  const [n, d] = rate.split("/").map(Number) as [number, number];
  if (!d) return rate;
  const v = n / d;
  return Number.isInteger(v) ? String(v) : v.toFixed(3);
}

async function mapLimited<T>(items: T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}
