/**
 * The import gate the hosts run on a downloaded master before importing it. Pure, so the UXP
 * panel runs the very same decision as the backend and the harness: a file is imported only
 * when every carrier agrees and its color space is the sequence's own (Premiere's UXP API has
 * no clip color-space override, so the tags are all Premiere goes by). Otherwise the gate says
 * why and whether Retake can conform the take into a master that passes.
 */
import { COLOR_SPACE_LABEL } from "../colorSpaceLabels.js";
import type { ColorTags, SequenceColorSpace } from "../schemas/color.js";
import { COLOR_SIGNAL_CODES } from "./conformPlan.js";
import { dolbyVisionName, dolbyVisionUnusable } from "./dolbyVision.js";
import { tagsMatchSequence } from "./expectedTags.js";

export type ConformFormat = "prores422hq" | "prores4444" | "hevc-hdr10" | "exr-aces";

export const CONFORM_FORMAT_LABEL: Record<ConformFormat, string> = {
  prores422hq: "ProRes 422 HQ",
  prores4444: "ProRes 4444",
  "hevc-hdr10": "HEVC Main10 HDR10",
  "exr-aces": "EXR ACES2065-1",
};

export interface GateDecision {
  ok: boolean;
  /** Why not, one sentence each; empty when ok. */
  reasons: string[];
  /** True when Retake can turn the file into a master that passes (conform offered). */
  conformable: boolean;
  /** What the panel should offer, in a sentence; empty when ok. */
  suggestion: string;
  /** The conform format to offer when conformable. */
  format?: ConformFormat;
}

/** Codecs ffmpeg decodes that we conform from. */
const DECODABLE = new Set(["apch", "apcn", "apcs", "apco", "ap4h", "ap4x", "hvc1", "hev1", "avc1", "avc3", "av01", "vp09", "AVdh", "AVdn", "mp4v", "jpeg"]);

export function gateImport(tags: ColorTags, sequenceColorSpace: SequenceColorSpace): GateDecision {
  const match = tagsMatchSequence(tags, sequenceColorSpace);
  const reasons = dedupe(match.problems);
  if (match.ok) return { ok: true, reasons: [], conformable: false, suggestion: "" };
  const seq = COLOR_SPACE_LABEL[sequenceColorSpace];
  const why = notConformable(tags);
  if (why) {
    return { ok: false, reasons, conformable: false, suggestion: `Not imported, and Retake cannot conform it: ${why}` };
  }
  const format: ConformFormat = tags.sampleEntry === "ap4h" || tags.sampleEntry === "ap4x" ? "prores4444" : "prores422hq";
  return {
    ok: false,
    reasons,
    conformable: true,
    format,
    suggestion: `Conform the take to a ${CONFORM_FORMAT_LABEL[format]} ${seq} master (every color tag agreeing${sequenceColorSpace === "rec2100-pq" ? ", HDR10 levels measured" : ""}), then import it.`,
  };
}

/** Why Retake cannot conform a file, or undefined when it can (also what conform itself says when refusing). */
export function notConformable(tags: ColorTags): string | undefined {
  if (tags.damaged) return "the file is damaged or incomplete; download or render the take again.";
  if (tags.sequence && !tags.sequence.contiguous) return "frames of the EXR sequence are missing; Retake will not invent them. Download the take again.";
  if (tags.dolbyVision && dolbyVisionUnusable(tags.dolbyVision)) {
    // The reason before it (the verdict's problem) already gives the conversion fix.
    return `it is Dolby Vision profile ${dolbyVisionName(tags.dolbyVision)}, whose pictures only a Dolby Vision decoder shows correctly, and Retake's conform (ffmpeg without a GPU) cannot apply Dolby Vision; convert it as said above.`;
  }
  if (tags.container === "exr") {
    if (tags.colorSpace === "aces2065-1") return undefined;
    return tags.colorSpace === "linear-rec709"
      ? "its EXR frames are scene-linear Rec.709 (no ACES chromaticities), and Retake conforms only ACES2065-1 EXR; import the take's video master, or have the renderer write AP0 chromaticities if the frames are ACES."
      : "its EXR color primaries are neither ACES AP0 nor Rec.709, so Retake does not know what its colors mean.";
  }
  if (tags.container === "unknown") return "it is not a movie or an EXR image Retake can read.";
  if (!tags.sampleEntry || !DECODABLE.has(tags.sampleEntry)) return "its codec is not one Retake can decode.";
  // The color space has to be known from at least one carrier to convert it.
  if (colrBoxesUnsettled(tags)) return COLR_UNSETTLED;
  // The codec's own signalling names a delivery color space: the pixels are that, whatever the
  // container's colr says (conformPlan takes the same carrier, so the gate never refuses a file
  // that conform would re-tag).
  if (tags.colorSpace === "unknown" && !streamNamesDeliverySpace(tags)) {
    return tags.colr
      ? "its color tags mix code points that match no color space, so Retake cannot tell what the pixels mean; interpret it by hand."
      : "it has no color tags, so Retake cannot tell what the pixels mean; interpret it by hand.";
  }
  return undefined;
}

const COLR_UNSETTLED =
  "its colr boxes disagree and the codec's own signalling does not settle which one is right, so Retake cannot tell what the pixels mean; interpret it by hand.";

/**
 * Two colr boxes that disagree, with no ProRes header / HEVC VUI naming a delivery color space
 * to say which is right: the pixels' meaning is unknown (conform refuses these too).
 */
export function colrBoxesUnsettled(tags: ColorTags): boolean {
  const c = tags.colr;
  const disagree = c !== undefined && (tags.extraColr ?? []).some((o) => o.primaries !== c.primaries || o.transfer !== c.transfer || o.matrix !== c.matrix);
  return disagree && !streamNamesDeliverySpace(tags);
}

/** The ProRes frame header / HEVC VUI holds the code points of one of the delivery color spaces. */
function streamNamesDeliverySpace(tags: ColorTags): boolean {
  const bs = tags.bitstream;
  return bs !== undefined && Object.values(COLOR_SIGNAL_CODES).some((k) => k.primaries === bs.primaries && k.transfer === bs.transfer && k.matrix === bs.matrix);
}

const dedupe = (xs: string[]) => [...new Set(xs)];
