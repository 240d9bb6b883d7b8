import { z } from "zod";

/**
 * The color spaces a sequence (and so a delivered master) can be in.
 * Premiere's working spaces we deliver to: Rec.709 SDR, Rec.2100 PQ, Rec.2100 HLG.
 */
export const SequenceColorSpace = z.enum(["rec709", "rec2100-pq", "rec2100-hlg"]);
export type SequenceColorSpace = z.infer<typeof SequenceColorSpace>;

/** What a tag reader can conclude about a file; wider than what a sequence can be. */
export const DetectedColorSpace = z.enum(["rec709", "rec2100-pq", "rec2100-hlg", "aces2065-1", "unknown"]);
export type DetectedColorSpace = z.infer<typeof DetectedColorSpace>;

export const isHdr = (cs: SequenceColorSpace | DetectedColorSpace): boolean =>
  cs === "rec2100-pq" || cs === "rec2100-hlg" || cs === "aces2065-1";

export const COLOR_SPACE_LABEL: Record<DetectedColorSpace, string> = {
  rec709: "Rec.709 SDR",
  "rec2100-pq": "Rec.2100 PQ",
  "rec2100-hlg": "Rec.2100 HLG",
  "aces2065-1": "ACES2065-1 (AP0, linear)",
  unknown: "unknown",
};

/** `colr` box contents. `nclx` (ISO-BMFF) carries a range bit; QuickTime `nclc` does not. */
export const ColrBox = z.object({
  type: z.enum(["nclx", "nclc"]),
  primaries: z.number().int(),
  transfer: z.number().int(),
  matrix: z.number().int(),
  fullRange: z.boolean().optional(),
});
export type ColrBox = z.infer<typeof ColrBox>;

/** SMPTE ST 2086 mastering display colour volume, raw units (0.00002 chromaticity, 0.0001 cd/m²). */
export const MdcvBox = z.object({
  gx: z.number(), gy: z.number(), bx: z.number(), by: z.number(), rx: z.number(), ry: z.number(),
  wx: z.number(), wy: z.number(), maxLum: z.number(), minLum: z.number(),
});
export type MdcvBox = z.infer<typeof MdcvBox>;

export const ClliBox = z.object({ maxCLL: z.number().int(), maxFALL: z.number().int() });
export type ClliBox = z.infer<typeof ClliBox>;

/**
 * The codec's own color signalling, read from the first frame: the ProRes frame header or the
 * HEVC SPS VUI (plus, for HEVC, the HDR10 SEI messages of the first access unit).
 */
export const BitstreamColor = z.object({
  source: z.enum(["prores-frame-header", "hevc-sps-vui"]),
  primaries: z.number().int(),
  transfer: z.number().int(),
  matrix: z.number().int(),
  fullRange: z.boolean().optional(),
  mdcv: MdcvBox.optional(),
  clli: ClliBox.optional(),
});
export type BitstreamColor = z.infer<typeof BitstreamColor>;

/** Frame numbering of an EXR sequence (file names like `take_0001.exr`). */
export const ExrSequenceInfo = z.object({
  pattern: z.string(),
  first: z.number().int(),
  last: z.number().int(),
  count: z.number().int(),
  contiguous: z.boolean(),
  /** Missing frame ranges, inclusive. */
  gaps: z.array(z.tuple([z.number().int(), z.number().int()])),
});
export type ExrSequenceInfo = z.infer<typeof ExrSequenceInfo>;

/**
 * Color tags of a media file, as read by the core tag reader from the file itself.
 * `agree` is true only when every carrier says the same thing; `problems` explains each
 * disagreement in a sentence an editor can act on.
 */
export const ColorTags = z.object({
  container: z.enum(["mov", "mp4", "exr", "unknown"]),
  sampleEntry: z.string().optional(),
  codec: z.string().optional(),
  bitDepth: z.number().int().optional(),
  hevcProfileIdc: z.number().int().optional(),
  colr: ColrBox.optional(),
  mdcv: MdcvBox.optional(),
  clli: ClliBox.optional(),
  exr: z
    .object({
      channels: z.record(z.string(), z.string()),
      compression: z.string(),
      chromaticities: z.array(z.number()).length(8).optional(),
      acesImageContainerFlag: z.number().int().optional(),
      dataWindow: z.tuple([z.number(), z.number(), z.number(), z.number()]).optional(),
    })
    .optional(),
  /** The video track's picture and timing, from the container (what conform compares to the sequence). */
  video: z
    .object({
      width: z.number().int().optional(),
      height: z.number().int().optional(),
      pixelAspect: z.number().optional(),
      frameRate: z.object({ num: z.number().int(), den: z.number().int() }).optional(),
      frames: z.number().int().optional(),
    })
    .optional(),
  /** What the bitstream itself says (absent when the codec carries nothing we read). */
  bitstream: BitstreamColor.optional(),
  /** For an EXR sequence: its frame numbering. */
  sequence: ExrSequenceInfo.optional(),
  /** True when the file is damaged, truncated or unreadable (not just mis-tagged). */
  damaged: z.boolean().optional(),
  colorSpace: DetectedColorSpace,
  agree: z.boolean(),
  problems: z.array(z.string()),
  /** The subset of `problems` that do not block import (notices), when there are any. */
  warnings: z.array(z.string()).optional(),
});
export type ColorTags = z.infer<typeof ColorTags>;
