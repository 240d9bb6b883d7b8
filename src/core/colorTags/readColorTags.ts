/**
 * The color tag reader: what color space a MOV/MP4 or EXR file declares, whether its carriers
 * agree, and what Premiere will make of it. Pure TypeScript for the UXP panel and the backend
 * alike: it reads through a ranged-read callback, so it never loads a whole file, and it never
 * throws — a malformed, truncated or hostile file yields colorSpace "unknown", agree false and
 * a sentence saying why.
 */
import type { ColorAssumption, ColorTags } from "../schemas/color.js";
import { ByteSource, type RangedRead } from "./byteSource.js";
import { looksLikeExr, readExrFacts } from "./exr.js";
import { looksLikeIsoBmff, readMovieFacts } from "./isoBmff.js";
import { judgeExr, judgeMovie } from "./verdict.js";

export type { RangedRead } from "./byteSource.js";
export { MAX_MOOV_BYTES } from "./isoBmff.js";

export interface ReadColorTagsOptions {
  /** Used only as a hint: an MP4 without `ftyp` is told from old QuickTime by its extension. */
  fileName?: string;
  /**
   * A provider's declaration of what its EXR frames are (Luma: ACES2065-1), used only for an
   * EXR without a `chromaticities` attribute; the result then records it in `assumed`.
   */
  exrAssumption?: ColorAssumption;
}

/** Box headers are tiny; EXR headers are a few KB. One read-ahead window covers most of either. */
const MOVIE_READ_AHEAD = 512;
const EXR_READ_AHEAD = 4096;

export async function readColorTags(
  read: RangedRead,
  fileSize: number,
  opts: ReadColorTagsOptions = {},
): Promise<ColorTags> {
  try {
    if (!Number.isSafeInteger(fileSize) || fileSize < 0) {
      return failed("unknown", `The file size ${String(fileSize)} is not a byte count, so Retake cannot read its color tags.`);
    }
    const probe = new ByteSource(read, fileSize, 16);
    const head = await probe.peek(0, 16);
    if (looksLikeExr(head)) {
      const facts = await readExrFacts(new ByteSource(read, fileSize, EXR_READ_AHEAD));
      const { failures: _, compressionUnknown: __, ...exr } = facts;
      const verdict = judgeExr(facts, opts.exrAssumption);
      return {
        container: "exr",
        ...(exr.channels && exr.compression !== undefined
          ? { exr: withoutUndefined({ ...exr, channels: exr.channels, compression: exr.compression }) }
          : {}),
        ...verdict,
        ...(facts.failures.length > 0 ? { damaged: true } : {}),
      };
    }
    if (looksLikeIsoBmff(head)) {
      const facts = await readMovieFacts(new ByteSource(read, fileSize, MOVIE_READ_AHEAD), opts.fileName);
      const { failures: _, colrOtherType: __, colrTooShort: ___, firstSample: ____, hvcC: _____, ...carriers } = facts;
      return { ...withoutUndefined(carriers), ...judgeMovie(facts), ...(facts.failures.length > 0 ? { damaged: true } : {}) };
    }
    return failed(
      "unknown",
      head.length < 8
        ? "The file is empty or too short to be a movie or an image, so it has no color tags; Premiere will refuse it."
        : "The file is neither a QuickTime/MP4 movie nor an OpenEXR image, so Retake cannot read its color tags; Premiere's interpretation of it is unknown.",
    );
  } catch (err) {
    // The callback itself failed (I/O error, permissions): still an answer, never a throw.
    const why = err instanceof Error ? err.message : String(err);
    return failed("unknown", `Reading the file failed (${why.slice(0, 200)}), so its color tags are unknown.`);
  }
}

const failed = (container: ColorTags["container"], problem: string): ColorTags => ({
  container,
  damaged: true,
  colorSpace: "unknown",
  agree: false,
  problems: [problem],
  summary: "Unreadable: its color is unknown.",
});

const withoutUndefined = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
