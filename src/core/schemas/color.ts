import { z } from "zod";

/**
 * The color spaces a sequence (and so a delivered master) can be in.
 * Premiere's working spaces we deliver to: Rec.709 SDR, Rec.2100 PQ, Rec.2100 HLG.
 */
export const SequenceColorSpace = z.enum(["rec709", "rec2100-pq", "rec2100-hlg"]);
export type SequenceColorSpace = z.infer<typeof SequenceColorSpace>;

/** What a tag reader can conclude about a file; wider than what a sequence can be. */
/**
 * `linear-rec709`: scene-linear light with Rec.709 primaries, what an OpenEXR without a
 * `chromaticities` attribute is by the OpenEXR standard (and one with Rec.709 chromaticities).
 */
export const DetectedColorSpace = z.enum(["rec709", "rec2100-pq", "rec2100-hlg", "aces2065-1", "linear-rec709", "unknown"]);
export type DetectedColorSpace = z.infer<typeof DetectedColorSpace>;

export const isHdr = (cs: SequenceColorSpace | DetectedColorSpace): boolean =>
  cs === "rec2100-pq" || cs === "rec2100-hlg" || cs === "aces2065-1";

export { COLOR_SPACE_LABEL } from "../colorSpaceLabels.js";

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

/**
 * A Dolby Vision configuration record (`dvcC` for profiles up to 7, `dvvC` for 8–10, `dvwC`
 * above), as laid out in Dolby's "Dolby Vision Streams Within the ISO Base Media File Format".
 */
export const DolbyVisionConfig = z.object({
  box: z.enum(["dvcC", "dvvC", "dvwC"]),
  versionMajor: z.number().int(),
  versionMinor: z.number().int(),
  profile: z.number().int(),
  level: z.number().int(),
  rpuPresent: z.boolean(),
  elPresent: z.boolean(),
  blPresent: z.boolean(),
  /** What the base layer is without Dolby Vision: 0 none, 1 HDR10, 2 SDR, 4 HLG, 6 HDR10 (Blu-ray). */
  blCompatibilityId: z.number().int(),
});
export type DolbyVisionConfig = z.infer<typeof DolbyVisionConfig>;

/**
 * A color space Retake takes from somebody's word rather than from the file: a provider that
 * documents its EXR export as ACES2065-1 while writing no `chromaticities` (Luma). Recorded on
 * the artifact and in the tags, so the take says where its color came from.
 */
export const ColorAssumption = z.object({
  colorSpace: z.literal("aces2065-1"),
  source: z.literal("provider"),
  /** The provider's id, e.g. "luma". */
  provider: z.string(),
  /** What the provider declares, in a sentence (shown to the editor). */
  statement: z.string(),
});
export type ColorAssumption = z.infer<typeof ColorAssumption>;

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
 * `agree` is true exactly when `problems` is empty: every carrier says the same thing and the
 * color is known. `problems` explains each blocking issue in a sentence an editor can act on;
 * `warnings` are notices that do not block import (they are not repeated in `problems`).
 * `summary` says in one line what an editor gets (e.g. "Rec.2100 PQ in the stream, no
 * container tags").
 */
export const ColorTags = z.object({
  container: z.enum(["mov", "mp4", "exr", "unknown"]),
  sampleEntry: z.string().optional(),
  codec: z.string().optional(),
  bitDepth: z.number().int().optional(),
  hevcProfileIdc: z.number().int().optional(),
  colr: ColrBox.optional(),
  /** Further nclx/nclc `colr` boxes after the first: each is a carrier, and all must agree. */
  extraColr: z.array(ColrBox).optional(),
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
  /** The Dolby Vision configuration record, when the sample entry carries one. */
  dolbyVision: DolbyVisionConfig.optional(),
  /** Set when the color space comes from a provider's declaration, not from the file. */
  assumed: ColorAssumption.optional(),
  /** For an EXR sequence: its frame numbering. */
  sequence: ExrSequenceInfo.optional(),
  /** True when the file is damaged, truncated or unreadable (not just mis-tagged). */
  damaged: z.boolean().optional(),
  colorSpace: DetectedColorSpace,
  agree: z.boolean(),
  problems: z.array(z.string()),
  /** Notices that do not block import, when there are any (files read before 2026-12 may also repeat them in `problems`). */
  warnings: z.array(z.string()).optional(),
  summary: z.string().optional(),
});
export type ColorTags = z.infer<typeof ColorTags>;
