/**
 * How each sequence color space is produced and signalled by ffmpeg: the conversion from SDR
 * picture content, the tags for the container and for the frames (ProRes writes the *frame's*
 * properties into its frame header, so `setparams` must agree with `-color_*`; hdr.md §3), and
 * the HDR10 static metadata boxes the mov muxer cannot write from the command line.
 * Shared by the previz renderer and conform.
 */
import fs from "node:fs/promises";
import type { ClliBox, MdcvBox, SequenceColorSpace } from "../../core/schemas/color.js";
import { readTopLevelBoxes, type TopLevelBox } from "../files/topLevelBoxes.js";

/** BT.2408 reference ("graphics") white: where SDR 100% lands in an HDR master, in cd/m². */
export const SDR_REFERENCE_WHITE_NITS = 203;

export interface ColorSignal {
  /** ffmpeg names, as ffprobe reports them. */
  primaries: "bt709" | "bt2020";
  transfer: "bt709" | "smpte2084" | "arib-std-b67";
  matrix: "bt709" | "bt2020nc";
  range: "tv";
  /** H.273 code points, as written in `colr`. */
  code: { primaries: number; transfer: number; matrix: number };
}

export const COLOR_SIGNAL: Record<SequenceColorSpace, ColorSignal> = {
  rec709: { primaries: "bt709", transfer: "bt709", matrix: "bt709", range: "tv", code: { primaries: 1, transfer: 1, matrix: 1 } },
  "rec2100-pq": { primaries: "bt2020", transfer: "smpte2084", matrix: "bt2020nc", range: "tv", code: { primaries: 9, transfer: 16, matrix: 9 } },
  "rec2100-hlg": { primaries: "bt2020", transfer: "arib-std-b67", matrix: "bt2020nc", range: "tv", code: { primaries: 9, transfer: 18, matrix: 9 } },
};

/** Tags the frames themselves (what ProRes and HEVC write into the bitstream). */
export function setparamsFilter(cs: SequenceColorSpace): string {
  const s = COLOR_SIGNAL[cs];
  return `setparams=color_primaries=${s.primaries}:color_trc=${s.transfer}:colorspace=${s.matrix}:range=${s.range}`;
}

/** Output options that tag the stream (what the muxer writes into `colr`). */
export function encoderColorArgs(cs: SequenceColorSpace): string[] {
  const s = COLOR_SIGNAL[cs];
  return ["-color_primaries", s.primaries, "-color_trc", s.transfer, "-colorspace", s.matrix, "-color_range", s.range];
}

/**
 * How SDR picture content is laid out when it enters a conversion: full-range R'G'B' (planar
 * gbrp, what a decoded still is) or Rec.709 Y'CbCr (what an SDR video frame is). Either way it
 * is Rec.709 primaries with BT.1886 display gamma.
 */
export interface SdrLayout {
  matrix: "gbr" | "709";
  range: "full" | "limited";
}
export const SDR_RGB: SdrLayout = { matrix: "gbr", range: "full" };

/** An optional resize folded into the same zscale pass (zimg filter names). */
export interface Resize {
  width: number;
  height: number;
  filter?: "point" | "bilinear" | "bicubic" | "spline16" | "spline36" | "lanczos";
}

/**
 * Filter chain from SDR picture content (Rec.709 primaries, BT.1886 display gamma: what a
 * Premiere frame export or any 8-bit still is) to Y'CbCr in `cs`, ending with the frame tags,
 * in one zscale pass (optionally resizing too). zimg works display-referred, so "709"
 * linearises with BT.1886 (measured: code 128 lands at PQ 429, i.e. gamma 2.4).
 *  - rec709: matrix and range only; the picture is untouched.
 *  - PQ: SDR white → 203 cd/m² (BT.2408), BT.709 → BT.2020 primaries in linear light.
 *    Measured: white → 10-bit code 573 (PQ(203) = 0.5807).
 *  - HLG: the BT.2408 display-light mapping on a 1000 cd/m² HLG display (zimg applies the
 *    inverse OOTF, gamma 1.2), so SDR white → 203 cd/m² → 75% HLG. Measured: white → 721.
 */
export function sdrToColorSpaceFilter(
  cs: SequenceColorSpace,
  opts: { pixFmt?: string; resize?: Resize | undefined; from?: SdrLayout } = {},
): string {
  const { pixFmt = "yuv422p10le", resize, from = SDR_RGB } = opts;
  // No dither: 8-bit content gains nothing from noise at 10 bits, and ProRes would pay for it.
  const size = resize ? `w=${resize.width}:h=${resize.height}:f=${resize.filter ?? "bicubic"}:` : "";
  const input = `${size}min=${from.matrix}:rin=${from.range}:tin=709:pin=709`;
  const output =
    cs === "rec709" ? "m=709:r=limited:t=709:p=709"
    : cs === "rec2100-pq" ? `m=2020_ncl:r=limited:t=smpte2084:p=2020:npl=${SDR_REFERENCE_WHITE_NITS}`
    : `m=2020_ncl:r=limited:t=arib-std-b67:p=2020:npl=${SDR_REFERENCE_WHITE_NITS}`;
  return `zscale=${input}:${output}:d=none,format=${pixFmt},${setparamsFilter(cs)}`;
}

/** What ffprobe says about a video stream's color, as far as converting it to a still needs. */
export interface StreamColor {
  transfer?: string | undefined;
  primaries?: string | undefined;
  matrix?: string | undefined;
  range?: string | undefined;
  height?: number | undefined;
}

/**
 * Filter chain that turns a decoded frame of any of our color spaces into full-range Rec.709
 * R'G'B' (rgb24) for PNG/JPEG stills. HDR comes back through the inverse of the BT.2408
 * placement (203 cd/m² → SDR white) with highlights above it clipped: exact for content Retake
 * placed itself, a plain clip (not a grade) for real HDR. Untagged streams are read as
 * Rec.709 (HD and up) or BT.601 (SD), limited range, as players do.
 */
export function toSdrRgbFilter(source: StreamColor, resize?: Resize): string {
  const size = resize ? `w=${resize.width}:h=${resize.height}:f=${resize.filter ?? "bicubic"}:` : "";
  const rin = source.range === "pc" ? "full" : "limited";
  const sd = (source.height ?? 1080) < 720;
  const min =
    source.matrix === "bt2020nc" ? "2020_ncl"
    : source.matrix === "bt709" ? "709"
    : source.matrix === "smpte170m" || source.matrix === "bt470bg" ? "170m"
    : sd ? "170m" : "709";
  if (source.transfer === "smpte2084" || source.transfer === "arib-std-b67") {
    const pin = source.primaries === "bt709" ? "709" : "2020";
    return `zscale=${size}min=${min}:rin=${rin}:tin=${source.transfer}:pin=${pin}:t=709:p=709:m=gbr:r=full:npl=${SDR_REFERENCE_WHITE_NITS},format=gbrp,format=rgb24`;
  }
  return `zscale=${size}min=${min}:rin=${rin}:m=gbr:r=full,format=gbrp,format=rgb24`;
}

// ---------------------------------------------------------------------------------------------
// HDR10 static metadata (SMPTE ST 2086 `mdcv`, CTA-861.3 `clli`)

/**
 * The mastering display we declare for PQ masters made from SDR content: P3-D65 primaries,
 * 1000 cd/m² peak, 0.0001 cd/m² black — the most common HDR10 grading display, so players and
 * Premiere treat the file like any graded PQ master. The content itself never exceeds 203 cd/m²
 * and stays inside BT.709, well within that volume; MaxCLL/MaxFALL carry the real levels.
 */
export const MASTERING_DISPLAY_P3_D65_1000: MdcvBox = {
  gx: 13250, gy: 34500, // 0.265, 0.690
  bx: 7500, by: 3000, // 0.150, 0.060
  rx: 34000, ry: 16000, // 0.680, 0.320
  wx: 15635, wy: 16450, // D65 0.3127, 0.3290
  maxLum: 1000 * 10000,
  minLum: 1,
};

/** BT.709 → BT.2020 primaries, linear light (BT.2087). */
const M709_TO_2020 = [
  [0.627404, 0.329283, 0.043313],
  [0.069097, 0.91954, 0.011362],
  [0.016391, 0.088013, 0.895595],
] as const;

/**
 * For an 8-bit SDR R'G'B' pixel placed in HDR per BT.2408, the light level CTA-861.3 counts:
 * max(R, G, B) of the BT.2020 linear components, in cd/m². Same maths as sdrToColorSpaceFilter.
 */
export function sdrPixelLightLevel(r: number, g: number, b: number): number {
  const lr = SDR_LINEAR[r] ?? 0;
  const lg = SDR_LINEAR[g] ?? 0;
  const lb = SDR_LINEAR[b] ?? 0;
  let max = 0;
  for (const row of M709_TO_2020) max = Math.max(max, row[0] * lr + row[1] * lg + row[2] * lb);
  return max * SDR_REFERENCE_WHITE_NITS;
}

/** 8-bit BT.1886 (gamma 2.4, zero black) code → relative linear light. */
const SDR_LINEAR: Float64Array = (() => {
  const t = new Float64Array(256);
  for (let i = 0; i < 256; i++) t[i] = (i / 255) ** 2.4;
  return t;
})();

/**
 * Writes `mdcv` and `clli` into the video sample entry of a QuickTime/MP4 file, in place. The
 * mov muxer of ffmpeg 5.1 writes these only from stream side data, which a filtered encode
 * never has; patching the sample entry is exact and touches only the `moov`. Any existing
 * mdcv/clli are replaced. When `moov` comes after the media data (ffmpeg's default), only the
 * tail of the file is rewritten; otherwise the file is rewritten with chunk offsets shifted.
 */
export async function writeHdr10Boxes(moviePath: string, meta: { mdcv: MdcvBox; clli: ClliBox }): Promise<void> {
  const fh = await fs.open(moviePath, "r+");
  try {
    const size = (await fh.stat()).size;
    const walk = await readTopLevelBoxes(fh, size);
    if (walk.problem) throw new Error("The movie's top-level boxes are malformed.");
    const top = walk.boxes;
    const moovIdx = top.findIndex((b) => b.type === "moov");
    const moov = top[moovIdx];
    if (!moov) throw new Error(`${moviePath} has no moov box, so its HDR metadata cannot be written.`);
    const old = Buffer.alloc(moov.size);
    await readExactly(fh, old, moov.offset);
    const mediaAfterMoov = top.slice(moovIdx + 1).some((b) => b.type === "mdat");
    const patched = patchMoov(old, meta);
    const delta = patched.length - old.length;
    // moov before mdat (faststart): every chunk offset moves by delta.
    if (mediaAfterMoov) shiftChunkOffsets(patched, delta);
    const tailStart = moov.offset + moov.size;
    await moveRange(fh, tailStart, size - tailStart, delta);
    await fh.write(patched, 0, patched.length, moov.offset);
    if (delta < 0) await fh.truncate(size + delta);
  } finally {
    await fh.close();
  }
}

type BoxRef = TopLevelBox;

async function readExactly(fh: fs.FileHandle, buf: Buffer, position: number): Promise<void> {
  let got = 0;
  while (got < buf.length) {
    const { bytesRead } = await fh.read(buf, got, buf.length - got, position + got);
    if (bytesRead === 0) throw new Error("The movie ended early.");
    got += bytesRead;
  }
}

/** Moves `length` bytes at `from` by `delta` within the file, in bounded chunks. */
async function moveRange(fh: fs.FileHandle, from: number, length: number, delta: number): Promise<void> {
  if (length <= 0 || delta === 0) return;
  const CHUNK = 8 * 1024 * 1024;
  const buf = Buffer.alloc(Math.min(CHUNK, length));
  // Growing: copy from the end backwards so nothing is overwritten before it is read.
  const starts: number[] = [];
  for (let off = 0; off < length; off += CHUNK) starts.push(off);
  if (delta > 0) starts.reverse();
  for (const off of starts) {
    const n = Math.min(CHUNK, length - off);
    const view = buf.subarray(0, n);
    await readExactly(fh, view, from + off);
    await fh.write(view, 0, n, from + off + delta);
  }
}

function* children(buf: Buffer, start: number, end: number): Generator<BoxRef> {
  for (let p = start; p + 8 <= end; ) {
    let size = buf.readUInt32BE(p);
    let header = 8;
    if (size === 1) {
      size = Number(buf.readBigUInt64BE(p + 8));
      header = 16;
    } else if (size === 0) size = end - p;
    if (size < header || p + size > end) return;
    yield { type: buf.toString("latin1", p + 4, p + 8), offset: p, size, header };
    p += size;
  }
}

const VISUAL_SAMPLE_ENTRY_FIELDS = 78;

/** Returns a new moov with the boxes placed in the first video track's first sample entry. */
function patchMoov(moov: Buffer, meta: { mdcv: MdcvBox; clli: ClliBox }): Buffer {
  const moovBox: BoxRef = { type: "moov", offset: 0, size: moov.length, header: moov.readUInt32BE(0) === 1 ? 16 : 8 };
  for (const trak of children(moov, moovBox.header, moov.length)) {
    if (trak.type !== "trak") continue;
    const chain = findChain(moov, trak, ["mdia", "minf", "stbl", "stsd"]);
    if (!chain) continue;
    const mdia = chain[0]!;
    const isVideo = [...children(moov, mdia.offset + mdia.header, mdia.offset + mdia.size)].some(
      (b) => b.type === "hdlr" && moov.toString("latin1", b.offset + b.header + 8, b.offset + b.header + 12) === "vide",
    );
    if (!isVideo) continue;
    const stsd = chain[3]!;
    const entriesStart = stsd.offset + stsd.header + 8; // FullBox header + entry_count
    const entry = children(moov, entriesStart, stsd.offset + stsd.size).next().value;
    if (!entry) throw new Error("The video track has no sample description.");
    const childStart = entry.offset + entry.header + VISUAL_SAMPLE_ENTRY_FIELDS;
    const kept: Buffer[] = [];
    let insertAt = -1;
    for (const c of children(moov, childStart, entry.offset + entry.size)) {
      if (c.type === "mdcv" || c.type === "clli") continue;
      kept.push(moov.subarray(c.offset, c.offset + c.size));
      if (c.type === "colr") insertAt = kept.length; // ffmpeg's own order: colr, clli, mdcv
    }
    const hdr = [clliBox(meta.clli), mdcvBox(meta.mdcv)];
    kept.splice(insertAt < 0 ? kept.length : insertAt, 0, ...hdr);
    const newEntry = Buffer.concat([moov.subarray(entry.offset, childStart), ...kept]);
    setBoxSize(newEntry, 0, newEntry.length);
    const delta = newEntry.length - entry.size;
    const out = Buffer.concat([moov.subarray(0, entry.offset), newEntry, moov.subarray(entry.offset + entry.size)]);
    for (const ancestor of [moovBox, trak, ...chain]) setBoxSize(out, ancestor.offset, ancestor.size + delta);
    return out;
  }
  throw new Error("The movie has no video track to carry HDR metadata.");
}

function findChain(buf: Buffer, parent: BoxRef, path: string[]): BoxRef[] | undefined {
  const out: BoxRef[] = [];
  let cur = parent;
  for (const type of path) {
    let next: BoxRef | undefined;
    for (const c of children(buf, cur.offset + cur.header, cur.offset + cur.size)) {
      if (c.type === type) {
        next = c;
        break;
      }
    }
    if (!next) return undefined;
    out.push(next);
    cur = next;
  }
  return out;
}

function setBoxSize(buf: Buffer, offset: number, size: number): void {
  if (buf.readUInt32BE(offset) === 1) buf.writeBigUInt64BE(BigInt(size), offset + 8);
  else if (size > 0xffffffff) throw new Error("A box grew past 4 GB.");
  else buf.writeUInt32BE(size, offset);
}

function mdcvBox(m: MdcvBox): Buffer {
  const b = Buffer.alloc(32);
  b.writeUInt32BE(32, 0);
  b.write("mdcv", 4, "latin1");
  [m.gx, m.gy, m.bx, m.by, m.rx, m.ry, m.wx, m.wy].forEach((v, i) => b.writeUInt16BE(v, 8 + 2 * i));
  b.writeUInt32BE(m.maxLum, 24);
  b.writeUInt32BE(m.minLum, 28);
  return b;
}

function clliBox(c: ClliBox): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt32BE(12, 0);
  b.write("clli", 4, "latin1");
  b.writeUInt16BE(Math.min(0xffff, Math.max(0, Math.round(c.maxCLL))), 8);
  b.writeUInt16BE(Math.min(0xffff, Math.max(0, Math.round(c.maxFALL))), 10);
  return b;
}

/** Adds `delta` to every stco/co64 entry in a moov buffer (used when moov precedes mdat). */
function shiftChunkOffsets(moov: Buffer, delta: number): void {
  const visit = (start: number, end: number) => {
    for (const b of children(moov, start, end)) {
      if (b.type === "trak" || b.type === "mdia" || b.type === "minf" || b.type === "stbl") visit(b.offset + b.header, b.offset + b.size);
      else if (b.type === "stco" || b.type === "co64") {
        const n = moov.readUInt32BE(b.offset + b.header + 4);
        const base = b.offset + b.header + 8;
        for (let i = 0; i < n; i++) {
          if (b.type === "stco") moov.writeUInt32BE(moov.readUInt32BE(base + 4 * i) + delta, base + 4 * i);
          else moov.writeBigUInt64BE(moov.readBigUInt64BE(base + 8 * i) + BigInt(delta), base + 8 * i);
        }
      }
    }
  };
  visit(moov.readUInt32BE(0) === 1 ? 16 : 8, moov.length);
}
