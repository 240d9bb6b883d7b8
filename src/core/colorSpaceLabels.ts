import type { DetectedColorSpace } from "./schemas/color.js";

/**
 * The names the editor reads for each color space. Kept apart from the zod schemas so the tag
 * reader (and with it `retake probe`) loads without zod: 0.75 MB of bundle, ~50 ms of a probe's start.
 */
export const COLOR_SPACE_LABEL: Record<DetectedColorSpace, string> = {
  rec709: "Rec.709 SDR",
  "rec2100-pq": "Rec.2100 PQ",
  "rec2100-hlg": "Rec.2100 HLG",
  "aces2065-1": "ACES2065-1 (AP0, linear)",
  "linear-rec709": "scene-linear Rec.709",
  unknown: "unknown",
};
