/**
 * The codec's own color signalling, read from the bitstream rather than the container:
 *
 *  - ProRes: every frame starts `u32 frame_size, 'icpf'`, then the frame header:
 *    u16 header_size, u16 version, 4-byte creator, u16 width, u16 height, u8 flags, u8 reserved,
 *    u8 color_primaries, u8 transfer_characteristic, u8 matrix_coefficients (H.273 code points).
 *    Same offsets as ffmpeg's prores decoder (proresdec2.c decode_frame_header: buf[14], buf[15],
 *    buf[16] after 'icpf'), and checked here by experiment: prores_ks writes 09 12 09 there for
 *    frames tagged HLG with setparams, and 02 02 02 without.
 *  - HEVC: the SPS's VUI colour_description (video_signal_type: full-range flag and the three
 *    code points), and the prefix SEI messages 137 (mastering display, ST 2086) and 144 (content
 *    light level) that HDR10 carries in the stream.
 *
 * Pure and bounded: every parser works on a small in-memory slice and returns undefined when
 * the bytes do not parse, never throwing.
 */
import type { ClliBox, MdcvBox } from "../schemas/color.js";

export interface CodePoints {
  primaries: number;
  transfer: number;
  matrix: number;
  fullRange?: boolean;
}

/** Bytes needed from the start of a ProRes sample to reach the matrix code point. */
export const PRORES_HEADER_BYTES = 8 + 17;

export function parseProResFrameHeader(b: Uint8Array): (CodePoints & { width: number; height: number }) | undefined {
  if (b.length < PRORES_HEADER_BYTES) return undefined;
  if (b[4] !== 0x69 || b[5] !== 0x63 || b[6] !== 0x70 || b[7] !== 0x66) return undefined; // 'icpf'
  const h = 8;
  const u16 = (o: number) => ((b[h + o] ?? 0) << 8) | (b[h + o + 1] ?? 0);
  return {
    width: u16(8),
    height: u16(10),
    primaries: b[h + 14] ?? 0,
    transfer: b[h + 15] ?? 0,
    matrix: b[h + 16] ?? 0,
  };
}

// ---------------------------------------------------------------------------------------------
// HEVC

/** NAL unit payload without emulation-prevention bytes (00 00 03 → 00 00). */
function unescape(nal: Uint8Array): Uint8Array {
  const out = new Uint8Array(nal.length);
  let n = 0;
  let zeros = 0;
  for (const byte of nal) {
    if (zeros >= 2 && byte === 3) {
      zeros = 0;
      continue;
    }
    zeros = byte === 0 ? zeros + 1 : 0;
    out[n++] = byte;
  }
  return out.subarray(0, n);
}

class BitReader {
  private pos = 0;
  constructor(private readonly b: Uint8Array) {}
  bit(): number {
    const byte = this.b[this.pos >> 3];
    if (byte === undefined) throw new RangeError("out of bits");
    const v = (byte >> (7 - (this.pos & 7))) & 1;
    this.pos++;
    return v;
  }
  bits(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 2 + this.bit();
    return v;
  }
  skip(n: number): void {
    if (this.pos + n > this.b.length * 8) throw new RangeError("out of bits");
    this.pos += n;
  }
  ue(): number {
    let zeros = 0;
    while (this.bit() === 0) if (++zeros > 31) throw new RangeError("bad exp-golomb");
    return 2 ** zeros - 1 + this.bits(zeros);
  }
  se(): number {
    const k = this.ue();
    return k & 1 ? (k + 1) / 2 : -(k / 2);
  }
}

export interface HevcSps extends Partial<CodePoints> {
  bitDepthLuma: number;
  /** False when the SPS has no VUI or no colour_description: the stream says "unspecified". */
  colourDescription: boolean;
}

/** Parses an SPS NAL unit (with its 2-byte header) as far as the VUI colour description. */
export function parseHevcSps(nal: Uint8Array): HevcSps | undefined {
  try {
    const r = new BitReader(unescape(nal));
    const type = (r.bits(8) >> 1) & 0x3f;
    r.skip(8);
    if (type !== 33) return undefined;
    r.skip(4); // sps_video_parameter_set_id
    const maxSubLayersMinus1 = r.bits(3);
    r.skip(1);
    profileTierLevel(r, maxSubLayersMinus1);
    r.ue(); // sps_seq_parameter_set_id
    const chroma = r.ue();
    if (chroma === 3) r.skip(1);
    r.ue(); // width
    r.ue(); // height
    if (r.bit()) for (let i = 0; i < 4; i++) r.ue(); // conformance window
    const bitDepthLuma = r.ue() + 8;
    r.ue(); // bit_depth_chroma
    const log2MaxPocLsb = r.ue() + 4;
    const orderingAll = r.bit();
    for (let i = orderingAll ? 0 : maxSubLayersMinus1; i <= maxSubLayersMinus1; i++) {
      r.ue();
      r.ue();
      r.ue();
    }
    for (let i = 0; i < 6; i++) r.ue(); // coding/transform block sizes and depths
    if (r.bit() && r.bit()) scalingListData(r);
    r.skip(2); // amp, sample_adaptive_offset
    if (r.bit()) {
      r.skip(8); // pcm bit depths
      r.ue();
      r.ue();
      r.skip(1);
    }
    const numSets = r.ue();
    if (numSets > 64) return undefined;
    const deltaPocs: number[] = [];
    for (let i = 0; i < numSets; i++) deltaPocs.push(shortTermRefPicSet(r, i, deltaPocs));
    if (r.bit()) {
      const n = r.ue();
      if (n > 32) return undefined;
      for (let i = 0; i < n; i++) r.skip(log2MaxPocLsb + 1);
    }
    r.skip(2); // temporal mvp, strong intra smoothing
    const out: HevcSps = { bitDepthLuma, colourDescription: false };
    if (!r.bit()) return out; // no VUI
    if (r.bit()) {
      const idc = r.bits(8);
      if (idc === 255) r.skip(32);
    }
    if (r.bit()) r.skip(1); // overscan
    if (!r.bit()) return out; // no video_signal_type
    r.skip(3); // video_format
    out.fullRange = r.bit() === 1;
    if (!r.bit()) return out;
    out.colourDescription = true;
    out.primaries = r.bits(8);
    out.transfer = r.bits(8);
    out.matrix = r.bits(8);
    return out;
  } catch {
    return undefined;
  }
}

function profileTierLevel(r: BitReader, maxSubLayersMinus1: number): void {
  r.skip(96); // general profile space … general_level_idc
  const profilePresent: number[] = [];
  const levelPresent: number[] = [];
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    profilePresent.push(r.bit());
    levelPresent.push(r.bit());
  }
  if (maxSubLayersMinus1 > 0) for (let i = maxSubLayersMinus1; i < 8; i++) r.skip(2);
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    if (profilePresent[i]) r.skip(88);
    if (levelPresent[i]) r.skip(8);
  }
}

function scalingListData(r: BitReader): void {
  for (let sizeId = 0; sizeId < 4; sizeId++) {
    for (let matrixId = 0; matrixId < 6; matrixId += sizeId === 3 ? 3 : 1) {
      if (!r.bit()) {
        r.ue();
      } else {
        const coefNum = Math.min(64, 1 << (4 + (sizeId << 1)));
        if (sizeId > 1) r.se();
        for (let i = 0; i < coefNum; i++) r.se();
      }
    }
  }
}

/** One st_ref_pic_set in the SPS; returns its NumDeltaPocs. */
function shortTermRefPicSet(r: BitReader, idx: number, deltaPocs: number[]): number {
  if (idx !== 0 && r.bit()) {
    r.skip(1); // delta_rps_sign
    r.ue(); // abs_delta_rps_minus1
    const ref = deltaPocs[idx - 1] ?? 0;
    let n = 0;
    for (let j = 0; j <= ref; j++) {
      const used = r.bit();
      const useDelta = used ? 1 : r.bit();
      if (used || useDelta) n++;
    }
    return n;
  }
  const neg = r.ue();
  const pos = r.ue();
  if (neg + pos > 32) throw new RangeError("too many pictures");
  for (let i = 0; i < neg + pos; i++) {
    r.ue();
    r.skip(1);
  }
  return neg + pos;
}

/** HDR10 static metadata from prefix SEI NAL units (type 39). */
export function parseHevcSei(nal: Uint8Array, into: { mdcv?: MdcvBox; clli?: ClliBox }): void {
  const b = unescape(nal);
  if (b.length < 3 || ((b[0] ?? 0) >> 1) !== 39) return;
  let p = 2;
  while (p < b.length && b[p] !== 0x80) {
    let type = 0;
    while (b[p] === 0xff) {
      type += 255;
      p++;
    }
    type += b[p++] ?? 0;
    let size = 0;
    while (b[p] === 0xff) {
      size += 255;
      p++;
    }
    size += b[p++] ?? 0;
    if (p + size > b.length) return;
    const u16 = (o: number) => ((b[p + o] ?? 0) << 8) | (b[p + o + 1] ?? 0);
    const u32 = (o: number) => u16(o) * 65536 + u16(o + 2);
    if (type === 137 && size >= 24 && !into.mdcv) {
      // display_primaries in G, B, R order, then white point, then max/min luminance: the
      // same layout (and units) as the mdcv box.
      into.mdcv = { gx: u16(0), gy: u16(2), bx: u16(4), by: u16(6), rx: u16(8), ry: u16(10), wx: u16(12), wy: u16(14), maxLum: u32(16), minLum: u32(20) };
    } else if (type === 144 && size >= 4 && !into.clli) {
      into.clli = { maxCLL: u16(0), maxFALL: u16(2) };
    }
    p += size;
  }
}

/** NAL units of an hvcC record's parameter-set arrays. */
export function hvcCNalUnits(hvcC: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  if (hvcC.length < 23) return out;
  const numArrays = hvcC[22] ?? 0;
  let p = 23;
  for (let a = 0; a < numArrays && p + 3 <= hvcC.length; a++) {
    const count = ((hvcC[p + 1] ?? 0) << 8) | (hvcC[p + 2] ?? 0);
    p += 3;
    for (let i = 0; i < count && p + 2 <= hvcC.length; i++) {
      const len = ((hvcC[p] ?? 0) << 8) | (hvcC[p + 1] ?? 0);
      p += 2;
      if (p + len > hvcC.length) return out;
      out.push(hvcC.subarray(p, p + len));
      p += len;
    }
  }
  return out;
}

/** Length-prefixed NAL units of one sample (length field size from hvcC, usually 4). */
export function sampleNalUnits(sample: Uint8Array, lengthSize: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let p = 0; p + lengthSize <= sample.length && out.length < 256; ) {
    let len = 0;
    for (let i = 0; i < lengthSize; i++) len = len * 256 + (sample[p + i] ?? 0);
    p += lengthSize;
    if (len === 0 || p + len > sample.length) break;
    out.push(sample.subarray(p, p + len));
    p += len;
  }
  return out;
}

export const hevcNalType = (nal: Uint8Array): number => ((nal[0] ?? 0) >> 1) & 0x3f;
