/**
 * What conforming a file to a target needs: only new container tags (the fast path: the
 * bitstream already says the target, so remuxing with the right tags is exact and costs about
 * one read of the file) or a re-encode. Pure, so the panel can say in advance which it will be.
 */
import type { ColorTags, DetectedColorSpace, SequenceColorSpace } from "../schemas/color.js";
import type { ConformFormat } from "./gate.js";

/** H.273 code points per sequence color space (what colr, the ProRes header and the VUI hold). */
export const COLOR_SIGNAL_CODES: Record<SequenceColorSpace, { primaries: number; transfer: number; matrix: number }> = {
  rec709: { primaries: 1, transfer: 1, matrix: 1 },
  "rec2100-pq": { primaries: 9, transfer: 16, matrix: 9 },
  "rec2100-hlg": { primaries: 9, transfer: 18, matrix: 9 },
};

export interface ConformPlan {
  kind: "retag" | "reencode";
  /** What the pixels are taken to be, and from which carrier. */
  source: DetectedColorSpace;
  sourceFrom: "bitstream" | "colr" | "exr";
  /** Why a re-encode is needed (or why retagging is enough), in a sentence. */
  reason: string;
}

const FORMAT_ENTRIES: Record<ConformFormat, readonly string[]> = {
  prores422hq: ["apch"],
  prores4444: ["ap4h"],
  "hevc-hdr10": ["hvc1", "hev1"],
  "exr-aces": [],
};

const spaceOf = (c: { primaries: number; transfer: number; matrix: number }): SequenceColorSpace | undefined =>
  (Object.keys(COLOR_SIGNAL_CODES) as SequenceColorSpace[]).find((s) => {
    const k = COLOR_SIGNAL_CODES[s];
    return k.primaries === c.primaries && k.transfer === c.transfer && k.matrix === c.matrix;
  });

export function conformPlan(tags: ColorTags, target: SequenceColorSpace, format: ConformFormat): ConformPlan {
  if (tags.container === "exr") {
    return { kind: "reencode", source: tags.colorSpace, sourceFrom: "exr", reason: "EXR frames are always re-encoded into the delivery format." };
  }
  const bs = tags.bitstream;
  const fromBitstream = bs ? spaceOf(bs) : undefined;
  // The bitstream describes the pixels; colr only describes what the container claims.
  const source: DetectedColorSpace = fromBitstream ?? tags.colorSpace;
  const sourceFrom = fromBitstream ? "bitstream" : "colr";
  const reencode = (reason: string): ConformPlan => ({ kind: "reencode", source, sourceFrom, reason });
  if (format === "exr-aces") return reencode("An EXR delivery is always rendered from the decoded frames.");
  if (!tags.sampleEntry || !FORMAT_ENTRIES[format].includes(tags.sampleEntry)) {
    return reencode(`The file is ${tags.codec ?? tags.sampleEntry ?? "in another codec"}, not the delivery codec.`);
  }
  if (!bs || !fromBitstream) return reencode("The codec's own color signalling is missing or unspecified, so the frames must be re-encoded with it.");
  if (fromBitstream !== target) return reencode(`The pixels are ${fromBitstream}, so they must be converted to ${target}.`);
  if (bs.fullRange) return reencode("The stream is full range; the delivery is limited range.");
  if (target !== "rec709" && (tags.bitDepth ?? 10) < 10) return reencode("The stream is 8-bit; HDR deliveries are 10-bit or more.");
  if (bs.source === "hevc-sps-vui" && target === "rec2100-pq" && (!bs.mdcv || !bs.clli)) {
    return reencode("The HEVC stream lacks its HDR10 SEI, which only an encode can add.");
  }
  return {
    kind: "retag",
    source,
    sourceFrom,
    reason: "The frames already carry the target's color signalling; only the container's tags need fixing.",
  };
}
