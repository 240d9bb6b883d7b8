/**
 * What an editor gets from a Dolby Vision file. Premiere and After Effects do not decode Dolby
 * Vision: they show the base layer as the codec sees it. So what matters is the configuration
 * record's base-layer compatibility id (Dolby, "Dolby Vision Streams Within the ISO Base Media
 * File Format" v2.1.2, §2.2; the same record ffmpeg parses in libavformat/dovi_isom.c):
 * 1 = HDR10, 2 = SDR, 4 = HLG, 6 = HDR10 (Ultra HD Blu-ray), 0 = none. Profile 5 has none: its
 * pictures are in Dolby's IPTPQc2 and only look right after a Dolby Vision decoder reshapes them.
 */
import type { DolbyVisionConfig, SequenceColorSpace } from "../schemas/color.js";

export interface DolbyVisionBase {
  space: SequenceColorSpace;
  /** How the base layer is known to an editor. */
  label: string;
}

const BASE_LAYERS: Record<number, DolbyVisionBase> = {
  1: { space: "rec2100-pq", label: "HDR10 (Rec.2100 PQ)" },
  2: { space: "rec709", label: "SDR (Rec.709)" },
  4: { space: "rec2100-hlg", label: "HLG (Rec.2100 HLG)" },
  6: { space: "rec2100-pq", label: "HDR10 (Rec.2100 PQ, Ultra HD Blu-ray)" },
};

/** The backward-compatible base layer, or undefined when there is none an editor can use. */
export const dolbyVisionBase = (dv: DolbyVisionConfig): DolbyVisionBase | undefined =>
  dv.blPresent ? BASE_LAYERS[dv.blCompatibilityId] : undefined;

/** "8.1", "8.4", "10.1" (profile.compatibility, as Dolby names them), else the profile alone ("5", "9"). */
export const dolbyVisionName = (dv: DolbyVisionConfig): string =>
  (dv.profile === 8 || dv.profile === 10) && dv.blCompatibilityId > 0 ? `${dv.profile}.${dv.blCompatibilityId}` : `${dv.profile}`;

/** The way out for a file without a compatible base layer (profile 5), in a sentence. */
export const DOLBY_VISION_CONVERSION_FIX =
  "Ask the provider for an HDR10 or HLG delivery (or Dolby Vision 8.1 / 8.4, whose base layer is HDR10 / HLG), or convert it to HDR10 with a Dolby Vision-aware tool that applies its metadata — DaVinci Resolve, Dolby's encoding tools, or ffmpeg's libplacebo filter (which needs a Vulkan GPU): ffmpeg -i IN -vf libplacebo=apply_dolbyvision=1:colorspace=bt2020nc:color_primaries=bt2020:color_trc=smpte2084,format=yuv420p10le -c:v libx265 -tag:v hvc1 OUT.mp4 — then bring in that file.";

export const dolbyVisionUnusable = (dv: DolbyVisionConfig | undefined): boolean => dv !== undefined && dolbyVisionBase(dv) === undefined;
