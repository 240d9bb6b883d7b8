/**
 * Does a file's color fit the sequence it is about to land in? Used by the import gate: a
 * file passes only when its carriers agree and its color space is the sequence's own, because
 * Premiere's UXP API has no clip color-space override — the tags are all it goes by.
 */
import { COLOR_SPACE_LABEL } from "../colorSpaceLabels.js";
import type { ColorTags, SequenceColorSpace } from "../schemas/color.js";

export interface SequenceMatch {
  ok: boolean;
  /** Why not, one sentence each; empty when ok. */
  problems: string[];
}

export function tagsMatchSequence(tags: ColorTags, sequence: SequenceColorSpace): SequenceMatch {
  const seq = COLOR_SPACE_LABEL[sequence];
  const problems: string[] = [];
  if (!tags.agree) {
    problems.push(
      ...(tags.problems.length > 0
        ? tags.problems
        : ["The file's color carriers disagree, so Premiere may interpret it differently from what Retake reads."]),
    );
  }
  const file = tags.colorSpace;
  if (file === "unknown") {
    if (tags.agree) problems.push(`Retake cannot tell the file's color space, so it cannot confirm it fits the ${seq} sequence.`);
  } else if (file === "aces2065-1") {
    problems.push(
      `The file is ACES2065-1 (linear AP0) and Premiere has no reliable interpretation for it in a ${seq} sequence; conform it to a ProRes ${seq} master before importing.`,
    );
  } else if (file === "linear-rec709") {
    problems.push(
      `The file is scene-linear Rec.709 (an EXR without ACES chromaticities) and Premiere has no reliable interpretation for linear EXR in a ${seq} sequence; import the take's ${seq} master instead.`,
    );
  } else if (file !== sequence) {
    problems.push(mismatch(file, sequence));
  }
  return { ok: problems.length === 0, problems };
}

function mismatch(file: SequenceColorSpace, sequence: SequenceColorSpace): string {
  const f = COLOR_SPACE_LABEL[file];
  const s = COLOR_SPACE_LABEL[sequence];
  if (file === "rec709") {
    return `The file is ${f} but the sequence is ${s}; Premiere would convert it on input and it would look flat next to HDR footage. Render the take as ${s} (SDR white placed at 203 cd/m²).`;
  }
  if (sequence === "rec709") {
    return `The file is ${f} HDR but the sequence is ${s} SDR; Premiere would tone-map it down and its highlights would not survive. Render the take as ${s}.`;
  }
  return `The file is ${f} but the sequence is ${s}; Premiere would convert between the two HDR transfers, shifting brightness. Render the take as ${s}.`;
}
