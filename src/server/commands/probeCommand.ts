import fs from "node:fs";
import path from "node:path";
// Straight from the modules, not the colorTags barrel: the compiled CLI then loads no zod for a probe.
import { exrSequenceFrames, withExrSequence } from "../../core/colorTags/exrSequence.js";
import type { ColorAssumption, ColorTags } from "../../core/schemas/color.js";
import { readColorTagsFromFile } from "../files/fileRangedRead.js";
import { ffprobeJson, FfmpegMissingError } from "../media/ffmpeg.js";

/**
 * `retake probe <file|exr-dir> [--json]`: the color tags of a video, an EXR frame or an EXR
 * sequence (a directory, or one frame of it), with a verdict. The reader checks the bitstream's
 * own color itself where it can (ProRes frame header, HEVC VUI/SEI). Where it cannot (H.264, AV1,
 * DNxHR…) and ffprobe is on the PATH, the first decoded frame's color (what ffmpeg's decoder reads
 * from the bitstream) is compared with the container instead; `--decode` asks for that comparison
 * on every file, `--no-ffprobe` never. A difference is a problem like any other. Starting ffprobe
 * costs more than the whole probe (it was 2.5× ffprobe's own time on a ProRes master, issue 13),
 * so it is not paid where the reader already answered. Exit 0 when the carriers agree
 * (no problems; warnings are printed as notes). `--assume-aces` reads an EXR without
 * chromaticities as ACES2065-1, as for a provider that declares it (Luma), and says so.
 */
export async function probeCommand(args: string[]): Promise<number> {
  const file = args.find((a) => !a.startsWith("--"));
  if (!file) {
    process.stderr.write("Usage: retake probe <file> --json\n");
    return 1;
  }
  if (!fs.existsSync(file)) {
    process.stderr.write(`No such file: ${file}\n`);
    return 1;
  }
  const ffprobe = args.includes("--no-ffprobe") ? false : args.includes("--decode") ? true : "auto";
  const tags = await probeTags(file, { ffprobe, ...(args.includes("--assume-aces") ? { exrAssumption: CLI_ACES_ASSUMPTION } : {}) });
  if (args.includes("--json")) process.stdout.write(`${JSON.stringify(tags, null, 2)}\n`);
  else {
    process.stdout.write(`${path.basename(file)}: ${tags.summary ?? tags.colorSpace}${tags.agree ? " (tags agree)" : ""}\n`);
    for (const problem of tags.problems) process.stdout.write(`  - ${problem}\n`);
    for (const warning of tags.warnings ?? []) process.stdout.write(`  (note) ${warning}\n`);
  }
  return tags.agree ? 0 : 2;
}

export type ProbedTags = ColorTags & {
  /** ffprobe's first decoded frame, as ffmpeg names the values (absent without ffprobe). */
  ffprobe?: { primaries?: string; transfer?: string; matrix?: string; range?: string };
};

/** `--assume-aces`: the editor vouches for the frames, as a provider's declaration would. */
const CLI_ACES_ASSUMPTION: ColorAssumption = {
  colorSpace: "aces2065-1",
  source: "provider",
  provider: "command line",
  statement: "the command line was told (--assume-aces) that these frames are ACES2065-1.",
};

/**
 * `ffprobe`: true compares ffprobe's first decoded frame on every video; "auto" only where the
 * reader found nothing of the bitstream's own to compare (no `bitstream` in the tags); false never.
 */
export async function probeTags(file: string, opts: { ffprobe: boolean | "auto"; exrAssumption?: ColorAssumption }): Promise<ProbedTags> {
  const read = (f: string) => readColorTagsFromFile(f, opts.exrAssumption ? { exrAssumption: opts.exrAssumption } : {});
  const isDir = fs.statSync(file).isDirectory();
  if (isDir || /\.exr$/i.test(file)) {
    const dir = isDir ? file : path.dirname(file);
    const seq = exrSequenceFrames(fs.readdirSync(dir).filter((n) => /\.exr$/i.test(n)));
    if (!seq) {
      if (isDir) return { container: "unknown", colorSpace: "unknown", agree: false, problems: [`${file} holds no numbered EXR frames.`], summary: "No EXR frames." };
      return read(file);
    }
    const first = isDir ? path.join(dir, seq.frames[0]!.name) : file;
    const tags = await read(first);
    return seq.info.count > 1 || isDir ? withExrSequence(tags, seq.info) : tags;
  }
  const reading = read(file);
  if (opts.ffprobe === false) return reading;
  if (opts.ffprobe === "auto") {
    const tags: ProbedTags = await reading;
    return tags.colr && !tags.bitstream ? compareFirstFrame(tags, decodeFirstFrame(file)) : tags;
  }
  // Asked for on every file: ffprobe starts before the tags are read and runs beside the read, its
  // own start-up being most of a probe's time.
  const decoding = decodeFirstFrame(file);
  const tags: ProbedTags = await reading.catch((err: unknown) => {
    decoding.stop();
    throw err;
  });
  return compareFirstFrame(tags, decoding);
}

type FirstFrame = { frames?: Array<Record<string, string>> };

/** ffprobe decoding the first frame's color, started at once; `stop` abandons it. */
function decodeFirstFrame(file: string): { result: Promise<FirstFrame>; stop: () => void } {
  const stop = new AbortController();
  const result = ffprobeJson<FirstFrame>(file, [
    "-select_streams", "v:0", "-read_intervals", "%+#1",
    "-show_entries", "frame=color_range,color_space,color_primaries,color_transfer", "-show_frames",
  ], { signal: stop.signal });
  result.catch(() => undefined); // settled in compareFirstFrame, or deliberately abandoned
  return { result, stop: () => stop.abort() };
}

/** Compares ffprobe's first decoded frame with the container's colr box (nothing to compare without one). */
async function compareFirstFrame(tags: ProbedTags, decoding: { result: Promise<FirstFrame>; stop: () => void }): Promise<ProbedTags> {
  if (!tags.colr) {
    decoding.stop();
    return tags;
  }
  try {
    const out = await decoding.result;
    const f = out.frames?.[0];
    if (!f) return tags;
    // ffprobe leaves out what the frame does not specify.
    tags.ffprobe = {
      primaries: f.color_primaries ?? "unknown",
      transfer: f.color_transfer ?? "unknown",
      matrix: f.color_space ?? "unknown",
      range: f.color_range ?? "unknown",
    };
    const got = { primaries: code(PRIMARIES, f.color_primaries), transfer: code(TRANSFERS, f.color_transfer), matrix: code(MATRICES, f.color_space) };
    const c = tags.colr;
    const differs = got.primaries !== c.primaries || got.transfer !== c.transfer || got.matrix !== c.matrix;
    // The reader's own bitstream check already names a ProRes/HEVC difference; say it once.
    const alreadySaid = tags.bitstream && (tags.bitstream.primaries !== c.primaries || tags.bitstream.transfer !== c.transfer || tags.bitstream.matrix !== c.matrix);
    if (differs && !alreadySaid) {
      tags.problems = [
        ...tags.problems,
        `ffprobe decodes the first frame as ${f.color_primaries ?? "unknown"}/${f.color_transfer ?? "unknown"}/${f.color_space ?? "unknown"} (primaries/transfer/matrix) while the colr box says ${c.primaries}/${c.transfer}/${c.matrix}; the bitstream and the container disagree, so Premiere may read either.`,
      ];
      tags.agree = false;
    }
    if (f.color_range === "pc" && c.fullRange !== true && tags.bitstream?.fullRange !== true) {
      tags.problems = [...tags.problems, "ffprobe decodes the first frame as full range while the container says limited; blacks and whites would shift."];
      tags.agree = false;
    }
  } catch (err) {
    if (!(err instanceof FfmpegMissingError)) {
      tags.problems = [...tags.problems, `ffprobe could not decode the first frame (${err instanceof Error ? err.message : String(err)}); Premiere may fail to import the file.`];
      tags.agree = false;
    }
  }
  return tags;
}

/** ffmpeg's names for H.273 code points. */
const PRIMARIES: Record<string, number> = { bt709: 1, unknown: 2, bt470m: 4, bt470bg: 5, smpte170m: 6, smpte240m: 7, film: 8, bt2020: 9, smpte428: 10, smpte431: 11, smpte432: 12 };
const TRANSFERS: Record<string, number> = {
  bt709: 1, unknown: 2, gamma22: 4, gamma28: 5, smpte170m: 6, smpte240m: 7, linear: 8, "iec61966-2-1": 13, "bt2020-10": 14, "bt2020-12": 15, smpte2084: 16, smpte428: 17, "arib-std-b67": 18,
};
const MATRICES: Record<string, number> = { gbr: 0, bt709: 1, unknown: 2, fcc: 4, bt470bg: 5, smpte170m: 6, smpte240m: 7, ycgco: 8, bt2020nc: 9, bt2020c: 10 };
const code = (table: Record<string, number>, name: string | undefined) => (name === undefined ? 2 : (table[name] ?? -1));
