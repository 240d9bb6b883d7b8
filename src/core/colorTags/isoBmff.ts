/**
 * ISO-BMFF / QuickTime reading: find `moov` by walking top-level box headers only (so a
 * multi-GB `mdat` is skipped, never read), then read `moov` alone and take the color carriers
 * from the first video sample entry: moov → trak (handler `vide`) → mdia → minf → stbl → stsd.
 *
 * This module only gathers facts; readColorTags/verdict decide what they mean.
 */
import type { ClliBox, ColrBox, DolbyVisionConfig, MdcvBox } from "../schemas/color.js";
import { type ByteSource, fourcc, viewOf } from "./byteSource.js";
import {
  hevcNalType,
  hvcCNalUnits,
  parseHevcSei,
  parseHevcSps,
  parseProResFrameHeader,
  PRORES_HEADER_BYTES,
  sampleNalUnits,
} from "./bitstream.js";

/** Refuse to allocate a `moov` bigger than this (a 2-hour ProRes movie's is a few MB). */
export const MAX_MOOV_BYTES = 64 * 1024 * 1024;
/** A real file has a handful of top-level boxes (fragmented MP4: a few thousand). */
const MAX_TOP_LEVEL_BOXES = 100_000;
/** A hostile file can repeat colr thousands of times; a few are enough to say they disagree. */
const MAX_EXTRA_COLR = 8;
/** Fixed VisualSampleEntry / QuickTime video sample description fields before child boxes. */
const VISUAL_SAMPLE_ENTRY_FIELDS = 78;

/** First box types that mark a file as ISO-BMFF / QuickTime. */
const LEADING_BOXES = new Set(["ftyp", "wide", "mdat", "moov", "free", "skip"]);

export const looksLikeIsoBmff = (head: Uint8Array): boolean =>
  head.length >= 8 && LEADING_BOXES.has(fourcc(viewOf(head), 4));

export interface MovieFacts {
  container: "mov" | "mp4";
  sampleEntry?: string;
  codec?: string;
  bitDepth?: number;
  hevcProfileIdc?: number;
  colr?: ColrBox;
  /** nclx/nclc `colr` boxes after the first one (a second carrier that may disagree). */
  extraColr?: ColrBox[];
  /** The Dolby Vision configuration record (dvcC/dvvC/dvwC) of the sample entry. */
  dolbyVision?: DolbyVisionConfig;
  /** A `colr` of a type we cannot use for code points (e.g. `prof`, an ICC profile). */
  colrOtherType?: string;
  /** A `colr` that names nclx/nclc but is too short to hold the code points. */
  colrTooShort?: boolean;
  mdcv?: MdcvBox;
  clli?: ClliBox;
  /** The codec's own signalling (ProRes frame header, HEVC VUI and SEI), when it was readable. */
  bitstream?: BitstreamFacts;
  /** Where the first video sample is (first chunk offset) and its size, from stco/co64 and stsz. */
  firstSample?: { offset: number; size: number };
  /** Picture size, pixel aspect, constant frame rate and frame count of the video track. */
  video?: { width?: number; height?: number; pixelAspect?: number; frameRate?: { num: number; den: number }; frames?: number };
  /** Copy of the hvcC record, parsed for its SPS after moov is released. */
  hvcC?: Uint8Array;
  /** Sentences for structural failures: no moov, truncation, damage, refusal to read. */
  failures: string[];
}

export interface BitstreamFacts {
  source: "prores-frame-header" | "hevc-sps-vui";
  primaries: number;
  transfer: number;
  matrix: number;
  fullRange?: boolean;
  /** HEVC SEI 137 / 144 in the first access unit. */
  mdcv?: MdcvBox;
  clli?: ClliBox;
}

/** Most of an HEVC first access unit's prefix (parameter sets, SEI) sits in its first KBs. */
const HEVC_SAMPLE_PREFIX_BYTES = 64 * 1024;

/** Codec names for the sample entries an editor is likely to meet. */
const CODEC_NAMES: Record<string, string> = {
  apch: "Apple ProRes 422 HQ",
  apcn: "Apple ProRes 422",
  apcs: "Apple ProRes 422 LT",
  apco: "Apple ProRes 422 Proxy",
  ap4h: "Apple ProRes 4444",
  ap4x: "Apple ProRes 4444 XQ",
  hvc1: "HEVC",
  hev1: "HEVC",
  dvh1: "Dolby Vision (HEVC)",
  dvhe: "Dolby Vision (HEVC)",
  dva1: "Dolby Vision (H.264)",
  dvav: "Dolby Vision (H.264)",
  dav1: "Dolby Vision (AV1)",
  avc1: "H.264",
  avc3: "H.264",
  av01: "AV1",
  vp09: "VP9",
  AVdh: "Avid DNxHR",
  AVdn: "Avid DNxHD",
  mp4v: "MPEG-4 Part 2",
  jpeg: "Motion JPEG",
};

/** ProRes carries no config box: the family fixes the bit depth ffmpeg and Premiere decode to. */
const PRORES_BIT_DEPTH: Record<string, number> = { apch: 10, apcn: 10, apcs: 10, apco: 10, ap4h: 12, ap4x: 12 };

interface Box {
  type: string;
  body: number;
  end: number;
}

/** Child boxes of [start, end) in an in-memory buffer; stops (and says so) at a bad size. */
function* boxes(v: DataView, start: number, end: number, damage: { found: boolean }): Generator<Box> {
  let p = start;
  while (p + 8 <= end) {
    let size = v.getUint32(p);
    let header = 8;
    const type = fourcc(v, p + 4);
    if (size === 1) {
      if (p + 16 > end) {
        damage.found = true;
        return;
      }
      size = v.getUint32(p + 8) * 2 ** 32 + v.getUint32(p + 12);
      header = 16;
    } else if (size === 0) {
      size = end - p;
    }
    if (size < header || p + size > end) {
      // QuickTime ends some atom lists with a 4-byte zero terminator; that is not damage.
      if (!(size === 0 && end - p < 8)) damage.found = true;
      return;
    }
    yield { type, body: p + header, end: p + size };
    p += size;
  }
}

const first = (v: DataView, parent: Box, type: string, damage: { found: boolean }): Box | undefined => {
  for (const b of boxes(v, parent.body, parent.end, damage)) if (b.type === type) return b;
  return undefined;
};

/** Walks the top level, reads `moov`, and extracts the first video sample entry's carriers. */
export async function readMovieFacts(src: ByteSource, fileName: string | undefined): Promise<MovieFacts> {
  const facts: MovieFacts = { container: containerFromName(fileName), failures: [] };
  const moov = await findMoov(src, facts);
  if (moov) readSampleEntry(moov, facts);
  await readBitstream(src, facts);
  return facts;
}

const isProRes = (entry: string | undefined) => entry !== undefined && entry in PRORES_BIT_DEPTH;
/** Dolby Vision's own HEVC sample entries (profile 5 and others) hold an hvcC like hvc1/hev1. */
const isHevc = (entry: string | undefined) => entry === "hvc1" || entry === "hev1" || entry === "dvh1" || entry === "dvhe";

/**
 * The first sample's own signalling: 25 bytes for ProRes, the SPS (from hvcC, or in-band for
 * hev1) plus the first access unit's SEI for HEVC. Costs one small read; never throws.
 */
async function readBitstream(src: ByteSource, facts: MovieFacts): Promise<void> {
  const sample = facts.firstSample;
  if (isProRes(facts.sampleEntry)) {
    if (!sample) return;
    const head = await src.need(sample.offset, PRORES_HEADER_BYTES);
    const h = head && parseProResFrameHeader(head);
    if (h) facts.bitstream = { source: "prores-frame-header", primaries: h.primaries, transfer: h.transfer, matrix: h.matrix };
    return;
  }
  if (!isHevc(facts.sampleEntry) || !facts.hvcC) return;
  const lengthSize = ((facts.hvcC[21] ?? 3) & 3) + 1;
  const nals = hvcCNalUnits(facts.hvcC);
  if (sample && sample.size > 0) {
    const bytes = await src.peek(sample.offset, Math.min(sample.size, HEVC_SAMPLE_PREFIX_BYTES));
    nals.push(...sampleNalUnits(bytes, lengthSize));
  }
  const sps = nals.filter((n) => hevcNalType(n) === 33).map(parseHevcSps).find((s) => s !== undefined);
  if (!sps) return;
  const sei: { mdcv?: MdcvBox; clli?: ClliBox } = {};
  for (const n of nals) if (hevcNalType(n) === 39) parseHevcSei(n, sei);
  facts.bitstream = {
    source: "hevc-sps-vui",
    // No colour_description: the stream says "unspecified" (2) for all three.
    primaries: sps.primaries ?? 2,
    transfer: sps.transfer ?? 2,
    matrix: sps.matrix ?? 2,
    ...(sps.fullRange !== undefined ? { fullRange: sps.fullRange } : {}),
    ...sei,
  };
}

/** Without `ftyp`, a file is old-style QuickTime unless its name says MP4. */
const containerFromName = (fileName: string | undefined): "mov" | "mp4" =>
  /\.(mp4|m4v)$/i.test(fileName ?? "") ? "mp4" : "mov";

/**
 * After `moov`, a few more headers show whether the file was cut short (an interrupted
 * download of a faststart file still has an intact moov). Fragmented MP4s, with thousands of
 * moof/mdat pairs, are not walked to the end.
 */
const BOXES_CHECKED_AFTER_MOOV = 64;

async function findMoov(src: ByteSource, facts: MovieFacts): Promise<DataView | null> {
  let pos = 0;
  let moov: { pos: number; header: number; size: number } | undefined;
  let afterMoov = 0;
  for (let count = 0; pos + 8 <= src.size; count++) {
    if (moov && ++afterMoov > BOXES_CHECKED_AFTER_MOOV) return readMoov(src, facts, moov);
    if (count >= MAX_TOP_LEVEL_BOXES) {
      facts.failures.push(
        `The file has more than ${MAX_TOP_LEVEL_BOXES} top-level boxes before any moov box; Retake stopped looking, so its color tags are unknown and Premiere may not import it.`,
      );
      return null;
    }
    const head = await src.peek(pos, 16);
    if (head.length < 8) break; // the callback returned less than the declared size
    const v = viewOf(head);
    const type = fourcc(v, 4);
    let size = v.getUint32(0);
    let header = 8;
    if (size === 1) {
      if (head.length < 16) break;
      size = v.getUint32(8) * 2 ** 32 + v.getUint32(12);
      header = 16;
    } else if (size === 0) {
      size = src.size - pos; // "extends to the end of the file"
    }
    if (size < header) {
      facts.failures.push(
        `The box header at byte ${pos} ('${printable(type)}') declares an impossible size of ${size} bytes, so the file is damaged; Premiere will likely refuse it.`,
      );
      return moov ? readMoov(src, facts, moov) : null;
    }
    if (count === 0 && type === "ftyp") {
      const brand = await src.need(pos + header, 4);
      facts.container = brand && fourcc(viewOf(brand), 0) === "qt  " ? "mov" : "mp4";
    }
    if (type === "moov" && !moov) moov = { pos, header, size };
    pos += size;
  }
  // Anything but landing exactly on the end means the last box (or its header) was cut off.
  const cut = pos !== src.size;
  if (moov) {
    // A moov that is itself cut off is reported by readMoov.
    if (cut && moov.pos + moov.size <= src.size) {
      facts.failures.push(
        "The file ends partway through its last box, so it is truncated (an interrupted download or copy); Premiere may refuse it or lose frames.",
      );
    }
    return readMoov(src, facts, moov);
  }
  facts.failures.push(
    cut
      ? "The file ends before its moov box (the movie index), so it is truncated or still being written; Premiere will refuse to import it."
      : "The file has no moov box (the movie index), so it is not a playable movie; Premiere will refuse to import it.",
  );
  return null;
}

async function readMoov(
  src: ByteSource,
  facts: MovieFacts,
  { pos, header, size }: { pos: number; header: number; size: number },
): Promise<DataView | null> {
  if (size > MAX_MOOV_BYTES) {
    facts.failures.push(
      `Its moov box claims ${(size / 2 ** 20).toFixed(0)} MB, over Retake's ${MAX_MOOV_BYTES / 2 ** 20} MB limit for reading color tags; Retake did not read it, so what Premiere will make of the file is unchecked.`,
    );
    return null;
  }
  if (pos + size > src.size) {
    facts.failures.push(
      "The file is truncated inside its moov box (the movie index); Premiere will refuse to import it.",
    );
    return null;
  }
  const body = await src.need(pos + header, size - header);
  if (!body) {
    facts.failures.push(
      "The file is shorter than its moov box says (truncated while reading it); Premiere will refuse to import it.",
    );
    return null;
  }
  return viewOf(body);
}

function readSampleEntry(v: DataView, facts: MovieFacts): void {
  const damage = { found: false };
  const moov: Box = { type: "moov", body: 0, end: v.byteLength };
  let stsd: Box | undefined;
  let sawVideo = false;
  for (const trak of boxes(v, moov.body, moov.end, damage)) {
    if (trak.type !== "trak") continue;
    const mdia = first(v, trak, "mdia", damage);
    if (!mdia) continue;
    const hdlr = first(v, mdia, "hdlr", damage);
    // hdlr is a FullBox: version/flags (4), pre_defined / QuickTime component type (4), handler.
    if (!hdlr || hdlr.body + 12 > hdlr.end || fourcc(v, hdlr.body + 8) !== "vide") continue;
    sawVideo = true;
    const minf = first(v, mdia, "minf", damage);
    const stbl = minf && first(v, minf, "stbl", damage);
    stsd = stbl && first(v, stbl, "stsd", damage);
    if (stsd && stbl) {
      facts.firstSample = firstSampleOf(v, stbl, damage);
      facts.video = timingOf(v, mdia, stbl, damage);
    }
    if (stsd) break;
  }
  if (!stsd) {
    facts.failures.push(
      damage.found
        ? "Its moov box (the movie index) is damaged, so Retake found no video sample description; Premiere will likely refuse the file."
        : sawVideo
          ? "Its video track has no sample description (stsd), so the codec and color tags are unknown; Premiere will likely refuse the file."
          : "The file has no video track, so it has no picture color tags; Premiere will import it as audio or not at all.",
    );
    return;
  }
  // stsd is a FullBox (4) followed by entry_count (4); the first entry is the one decoders use.
  const entries = boxes(v, stsd.body + 8, stsd.end, damage);
  const entry = stsd.body + 8 <= stsd.end ? entries.next().value : undefined;
  if (!entry) {
    facts.failures.push(
      "Its video sample description is empty or damaged, so the codec and color tags are unknown; Premiere will likely refuse the file.",
    );
    return;
  }
  const type = entry.type;
  facts.sampleEntry = type;
  // VisualSampleEntry: reserved(6) data_reference_index(2) pre_defined/reserved(16), then
  // u16 width, u16 height.
  if (entry.body + 28 <= entry.end && facts.video) {
    facts.video.width = v.getUint16(entry.body + 24);
    facts.video.height = v.getUint16(entry.body + 26);
  }
  facts.codec = CODEC_NAMES[type];
  facts.bitDepth = PRORES_BIT_DEPTH[type];

  for (const c of boxes(v, entry.body + VISUAL_SAMPLE_ENTRY_FIELDS, entry.end, damage)) {
    const q = c.body;
    const len = c.end - c.body;
    if (c.type === "colr" && len >= 4) {
      // Every nclx/nclc box is a carrier: the first is kept as `colr`, the rest are compared
      // with it (ffmpeg follows the last one, other readers the first).
      const kind = fourcc(v, q);
      let box: ColrBox | undefined;
      if (kind === "nclx" && len >= 11) {
        box = {
          type: "nclx",
          primaries: v.getUint16(q + 4),
          transfer: v.getUint16(q + 6),
          matrix: v.getUint16(q + 8),
          fullRange: (v.getUint8(q + 10) & 0x80) !== 0,
        };
      } else if (kind === "nclc" && len >= 10) {
        box = { type: "nclc", primaries: v.getUint16(q + 4), transfer: v.getUint16(q + 6), matrix: v.getUint16(q + 8) };
      } else if (kind === "nclx" || kind === "nclc") {
        if (!facts.colr) facts.colrTooShort = true;
      } else if (!facts.colr) {
        facts.colrOtherType = printable(kind);
      }
      if (box && !facts.colr) facts.colr = box;
      else if (box && (facts.extraColr ??= []).length < MAX_EXTRA_COLR) facts.extraColr.push(box);
    } else if ((c.type === "dvcC" || c.type === "dvvC" || c.type === "dvwC") && len >= 5 && !facts.dolbyVision) {
      // DOVIDecoderConfigurationRecord: u8 version major, u8 minor, then profile(7) level(6)
      // rpu(1) el(1) bl(1), then bl_signal_compatibility_id(4) and reserved bits.
      const flags = v.getUint16(q + 2);
      facts.dolbyVision = {
        box: c.type,
        versionMajor: v.getUint8(q),
        versionMinor: v.getUint8(q + 1),
        profile: flags >> 9,
        level: (flags >> 3) & 0x3f,
        rpuPresent: (flags & 4) !== 0,
        elPresent: (flags & 2) !== 0,
        blPresent: (flags & 1) !== 0,
        blCompatibilityId: v.getUint8(q + 4) >> 4,
      };
    } else if (c.type === "mdcv" && len >= 24 && !facts.mdcv) {
      const u = (i: number) => v.getUint16(q + 2 * i);
      facts.mdcv = {
        gx: u(0), gy: u(1), bx: u(2), by: u(3), rx: u(4), ry: u(5), wx: u(6), wy: u(7),
        maxLum: v.getUint32(q + 16),
        minLum: v.getUint32(q + 20),
      };
    } else if (c.type === "pasp" && len >= 8 && facts.video) {
      const h = v.getUint32(q);
      const w = v.getUint32(q + 4);
      if (h > 0 && w > 0) facts.video.pixelAspect = h / w;
    } else if (c.type === "clli" && len >= 4 && !facts.clli) {
      facts.clli = { maxCLL: v.getUint16(q), maxFALL: v.getUint16(q + 2) };
    } else if (c.type === "hvcC" && len >= 18) {
      // HEVCDecoderConfigurationRecord: byte 1 = profile space/tier/profile_idc,
      // byte 17 = reserved(5) + bitDepthLumaMinus8(3).
      facts.hevcProfileIdc = v.getUint8(q + 1) & 0x1f;
      facts.bitDepth = (v.getUint8(q + 17) & 7) + 8;
      facts.hvcC = new Uint8Array(v.buffer.slice(v.byteOffset + q, v.byteOffset + c.end));
    } else if (c.type === "avcC" && len >= 4) {
      facts.bitDepth = avcBitDepth(v, q, c.end);
    } else if (c.type === "av1C" && len >= 3) {
      // av1C byte 2: seq_tier_0(1) high_bitdepth(1) twelve_bit(1) ...
      const b = v.getUint8(q + 2);
      facts.bitDepth = b & 0x40 ? (b & 0x20 ? 12 : 10) : 8;
    } else if (c.type === "vpcC" && len >= 7) {
      // vpcC is a FullBox (4): profile(1) level(1) bitDepth(4 bits) ...
      facts.bitDepth = v.getUint8(q + 6) >> 4;
    }
  }
  if (damage.found && !facts.colr) {
    facts.failures.push(
      "Its moov box (the movie index) is damaged around the video sample description, so its color tags could not all be read; Premiere may misread or refuse the file.",
    );
  }
}

/** Frame rate (mdhd timescale over a constant stts delta) and frame count (stsz). */
function timingOf(v: DataView, mdia: Box, stbl: Box, damage: { found: boolean }): MovieFacts["video"] {
  const out: NonNullable<MovieFacts["video"]> = {};
  const mdhd = first(v, mdia, "mdhd", damage);
  let timescale = 0;
  if (mdhd && mdhd.body + 24 <= mdhd.end) {
    timescale = v.getUint8(mdhd.body) === 1 ? (mdhd.body + 24 <= mdhd.end ? v.getUint32(mdhd.body + 20) : 0) : v.getUint32(mdhd.body + 12);
  }
  const stts = first(v, stbl, "stts", damage);
  if (stts && timescale > 0 && stts.body + 16 <= stts.end && v.getUint32(stts.body + 4) === 1) {
    const delta = v.getUint32(stts.body + 12);
    if (delta > 0) {
      const g = gcd(timescale, delta);
      out.frameRate = { num: timescale / g, den: delta / g };
    }
  }
  const stsz = first(v, stbl, "stsz", damage);
  if (stsz && stsz.body + 12 <= stsz.end) out.frames = v.getUint32(stsz.body + 8);
  return out;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** First chunk offset (stco or co64) and first sample size (stsz, fixed or first entry). */
function firstSampleOf(v: DataView, stbl: Box, damage: { found: boolean }): { offset: number; size: number } | undefined {
  const stsz = first(v, stbl, "stsz", damage);
  const stco = first(v, stbl, "stco", damage) ?? first(v, stbl, "co64", damage);
  if (!stsz || !stco || stsz.body + 12 > stsz.end || stco.body + 8 > stco.end) return undefined;
  const fixed = v.getUint32(stsz.body + 4);
  const count = v.getUint32(stsz.body + 8);
  if (count === 0) return undefined;
  let size = fixed;
  if (fixed === 0) {
    if (stsz.body + 16 > stsz.end) return undefined;
    size = v.getUint32(stsz.body + 12);
  }
  if (v.getUint32(stco.body + 4) === 0) return undefined;
  const co64 = stco.type === "co64";
  if (co64) {
    if (stco.body + 16 > stco.end) return undefined;
    return { offset: v.getUint32(stco.body + 8) * 2 ** 32 + v.getUint32(stco.body + 12), size };
  }
  if (stco.body + 12 > stco.end) return undefined;
  return { offset: v.getUint32(stco.body + 8), size };
}

/**
 * AVCDecoderConfigurationRecord: the High-profile extension after the SPS/PPS lists carries
 * bit_depth_luma_minus8; without it, only High 10 (110) implies 10 bits and the
 * Baseline/Main/High family implies 8. High 4:2:2 / 4:4:4 without the extension: unknown.
 */
function avcBitDepth(v: DataView, q: number, end: number): number | undefined {
  const profile = v.getUint8(q + 1);
  const fallback = profile === 110 ? 10 : profile === 122 || profile === 244 ? undefined : 8;
  if (![100, 110, 122, 144, 244].includes(profile)) return fallback;
  let p = q + 5;
  if (p + 1 > end) return fallback;
  const numSps = v.getUint8(p) & 0x1f;
  p += 1;
  for (let i = 0; i < numSps; i++) {
    if (p + 2 > end) return fallback;
    p += 2 + v.getUint16(p);
  }
  if (p + 1 > end) return fallback;
  const numPps = v.getUint8(p);
  p += 1;
  for (let i = 0; i < numPps; i++) {
    if (p + 2 > end) return fallback;
    p += 2 + v.getUint16(p);
  }
  // chroma_format (1 byte), then reserved(5) + bit_depth_luma_minus8(3).
  if (p + 2 > end) return fallback;
  return (v.getUint8(p + 1) & 7) + 8;
}

/** Box types from hostile files can hold control characters; keep messages readable. */
const printable = (s: string): string => s.replace(/[^\x20-\x7e]/g, "?");
