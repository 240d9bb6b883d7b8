import fs from "node:fs";
import path from "node:path";
import { runFfmpeg } from "../../media/ffmpeg.js";

/**
 * The captured frame as bytes a hosted API accepts inline (Luma base64 + media_type, Runway data
 * URI ≤ 5 MB). Small PNG/JPEG frames go as they are; a larger one is re-encoded with ffmpeg as
 * JPEG, at most `maxWidth` wide, lowering quality until it fits. The original stays on disk for
 * the colorist; only the copy sent is smaller. Shared by the Luma and Runway providers.
 */
export interface InlineImage {
  data: Buffer;
  mediaType: "image/png" | "image/jpeg";
  /** True when the frame had to be re-encoded to fit. */
  reencoded: boolean;
}

export async function inlineImage(framePath: string, workDir: string, options: { maxBytes: number; maxWidth?: number }): Promise<InlineImage> {
  const original = fs.readFileSync(framePath);
  const mediaType = sniffImageType(original);
  if (mediaType && original.length <= options.maxBytes) return { data: original, mediaType, reencoded: false };
  const maxWidth = options.maxWidth ?? 1920;
  fs.mkdirSync(workDir, { recursive: true });
  const out = path.join(workDir, "frame-inline.jpg");
  // qscale 2 ≈ JPEG q95; each step trades a little quality for size.
  for (const q of [2, 4, 7, 11, 16]) {
    await runFfmpeg(["-y", "-i", framePath, "-vf", `scale='min(${maxWidth},iw)':-2`, "-frames:v", "1", "-q:v", String(q), out]);
    const data = fs.readFileSync(out);
    if (data.length <= options.maxBytes) return { data, mediaType: "image/jpeg", reencoded: true };
  }
  throw new Error(`The captured frame cannot be made smaller than ${Math.round(options.maxBytes / 1e6)} MB for upload.`);
}

function sniffImageType(bytes: Buffer): InlineImage["mediaType"] | undefined {
  if (bytes.length > 8 && bytes.readUInt32BE(0) === 0x89504e47) return "image/png";
  if (bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "image/jpeg";
  return undefined;
}
