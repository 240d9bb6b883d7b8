/**
 * Frame numbering of an EXR sequence from its file names (`take_0001.exr` … `take_0120.exr`).
 * Premiere and After Effects import a numbered sequence as one clip only when the numbers
 * are contiguous; a gap either splits it or holds a frame, so a gap is a problem.
 */
import type { ColorTags, ExrSequenceInfo } from "../schemas/color.js";

export interface ExrSequenceReport {
  info: ExrSequenceInfo;
  /** The names that belong to the sequence, in frame order. */
  frames: Array<{ name: string; frame: number }>;
  /** Names ignored because they do not follow the sequence's pattern. */
  strays: string[];
}

const NUMBERED = /^(.*?)(\d+)(\.exr)$/i;
/** Beyond this many missing ranges, listing them helps nobody. */
const MAX_GAPS_LISTED = 32;

/**
 * Groups the names by pattern (prefix, digit count, extension); the largest group is the
 * sequence. Returns undefined when no name is a numbered EXR.
 */
export function exrSequenceFrames(fileNames: readonly string[]): ExrSequenceReport | undefined {
  const groups = new Map<string, Array<{ name: string; frame: number }>>();
  for (const full of fileNames) {
    const name = full.split(/[\\/]/).pop() ?? full;
    const m = NUMBERED.exec(name);
    if (!m) continue;
    const [, prefix = "", digits = "", ext = ""] = m;
    // Unpadded numbers (1, 2, … 10) share a pattern; padded ones are keyed by their width.
    const width = digits.length > 1 && digits.startsWith("0") ? digits.length : 0;
    const key = `${prefix}\u0000${width}\u0000${ext.toLowerCase()}`;
    const list = groups.get(key) ?? [];
    list.push({ name, frame: Number(digits) });
    groups.set(key, list);
  }
  let best: { key: string; frames: Array<{ name: string; frame: number }> } | undefined;
  for (const [key, frames] of groups) if (!best || frames.length > best.frames.length) best = { key, frames };
  if (!best) return undefined;
  const frames = [...best.frames].sort((a, b) => a.frame - b.frame);
  const [prefix = "", width = "0", ext = ".exr"] = best.key.split("\u0000");
  const first = frames[0]!.frame;
  const last = frames[frames.length - 1]!.frame;
  const gaps: Array<[number, number]> = [];
  for (let i = 1; i < frames.length; i++) {
    const prev = frames[i - 1]!.frame;
    const cur = frames[i]!.frame;
    if (cur > prev + 1 && gaps.length < MAX_GAPS_LISTED) gaps.push([prev + 1, cur - 1]);
  }
  const unique = new Set(frames.map((f) => f.frame)).size;
  const inSeq = new Set(frames.map((f) => f.name));
  return {
    info: {
      pattern: `${prefix}${"#".repeat(Math.max(1, Number(width)))}${ext}`,
      first,
      last,
      count: frames.length,
      contiguous: gaps.length === 0 && unique === frames.length,
      gaps,
    },
    frames,
    strays: fileNames.map((n) => n.split(/[\\/]/).pop() ?? n).filter((n) => !inSeq.has(n)),
  };
}

/** The first frame's tags with the sequence's numbering folded into the verdict. */
export function withExrSequence(tags: ColorTags, info: ExrSequenceInfo): ColorTags {
  if (info.contiguous) return { ...tags, sequence: info };
  const missing = info.gaps.map(([a, b]) => (a === b ? `${a}` : `${a}–${b}`)).join(", ");
  const problem =
    info.gaps.length > 0
      ? `The EXR sequence ${info.pattern} is missing frame${info.gaps.length > 1 || info.gaps[0]?.[0] !== info.gaps[0]?.[1] ? "s" : ""} ${missing}; Premiere would import it as a shorter clip or hold a frame, so the take's timing would be wrong.`
      : `The EXR sequence ${info.pattern} numbers some frames twice; Premiere would import it with the wrong timing.`;
  return { ...tags, sequence: info, agree: false, problems: [...tags.problems, problem] };
}
