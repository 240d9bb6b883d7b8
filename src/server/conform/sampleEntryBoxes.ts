/**
 * In-place edits of the first video sample entry's child boxes (colr, mdcv, clli) that never
 * move a byte: find the boxes by walking the top level to `moov` and reading only `moov`,
 * then overwrite a few bytes. Used by conform's fast path (fix colr code points on a copy of
 * the file: the copy is the one read) and to retire stale HDR10 boxes after a re-encode
 * (ffmpeg 5.1 copies a source's mastering/light-level side data into any re-encode, so an HLG
 * or SDR master made from a PQ source would carry the PQ source's mdcv/clli).
 */
import fs from "node:fs/promises";
import type { DolbyVisionConfig } from "../../core/schemas/color.js";
import { readTopLevelBoxes } from "../files/topLevelBoxes.js";

const CONTAINERS = new Set(["moov", "trak", "mdia", "minf", "stbl"]);
const VISUAL_SAMPLE_ENTRY_FIELDS = 78;

export interface EntryChild {
  type: string;
  /** File offset of the child's header. */
  offset: number;
  size: number;
}

/** The first video sample entry's children, with file offsets; [] when there is none. */
export async function sampleEntryChildren(fh: fs.FileHandle): Promise<EntryChild[]> {
  const size = (await fh.stat()).size;
  const top = await readTopLevelBoxes(fh, size);
  if (top.problem === "bad-size") return [];
  const last = top.boxes.findLast((b) => b.type === "moov");
  const moov = last && { at: last.offset, header: last.header, size: last.size };
  if (!moov || moov.size > 64 * 1024 * 1024) return [];
  const buf = Buffer.alloc(moov.size);
  await fh.read(buf, 0, moov.size, moov.at);
  const child = (from: number, to: number, want: string): [number, number] | undefined => {
    for (let q = from; q + 8 <= to; ) {
      const n = buf.readUInt32BE(q);
      if (n < 8 || q + n > to) return undefined;
      if (buf.toString("latin1", q + 4, q + 8) === want) return [q + 8, q + n];
      q += n;
    }
    return undefined;
  };
  /** trak → mdia → hdlr handler_type (FullBox 4 + pre_defined 4, then the handler). */
  const handlerOf = (start: number, end: number): string | undefined => {
    const mdia = child(start, end, "mdia");
    const hdlr = mdia && child(mdia[0], mdia[1], "hdlr");
    return hdlr && hdlr[0] + 12 <= hdlr[1] ? buf.toString("latin1", hdlr[0] + 8, hdlr[0] + 12) : undefined;
  };
  const out: EntryChild[] = [];
  const walk = (start: number, end: number, video: boolean): boolean => {
    for (let p = start; p + 8 <= end; ) {
      const s = buf.readUInt32BE(p);
      if (s < 8 || p + s > end) return false;
      const type = buf.toString("latin1", p + 4, p + 8);
      if (type === "trak") {
        if (handlerOf(p + 8, p + s) === "vide" && walk(p + 8, p + s, true)) return true;
      } else if (CONTAINERS.has(type)) {
        if (walk(p + 8, p + s, video)) return true;
      } else if (type === "stsd" && video) {
        const entry = p + 16;
        if (entry + 8 > p + s) return false;
        const es = buf.readUInt32BE(entry);
        for (let c = entry + 8 + VISUAL_SAMPLE_ENTRY_FIELDS; c + 8 <= Math.min(entry + es, p + s); ) {
          const cs = buf.readUInt32BE(c);
          if (cs < 8) break;
          out.push({ type: buf.toString("latin1", c + 4, c + 8), offset: moov!.at + c, size: cs });
          c += cs;
        }
        return true;
      }
      p += s;
    }
    return false;
  };
  walk(moov.header, moov.size, false);
  return out;
}

/**
 * Retires the named child boxes by renaming them `free` (same size). Returns how many.
 * `keepFirst` leaves the first box of each type in place (a second `colr` after a patched one).
 */
export async function stripSampleEntryBoxes(file: string, types: readonly string[], opts: { keepFirst?: boolean } = {}): Promise<number> {
  const fh = await fs.open(file, "r+");
  try {
    const matching = (await sampleEntryChildren(fh)).filter((c) => types.includes(c.type));
    const hits = opts.keepFirst ? matching.filter((c, i) => matching.findIndex((d) => d.type === c.type) !== i) : matching;
    for (const h of hits) await fh.write(Buffer.from("free", "latin1"), 0, 4, h.offset + 4);
    return hits.length;
  } finally {
    await fh.close();
  }
}

/**
 * Overwrites the code points of an existing colr (nclc or nclx; nclx also gets limited range).
 * Returns false when there is no colr box to overwrite (the caller remuxes instead).
 */
export async function patchColr(file: string, codes: { primaries: number; transfer: number; matrix: number }): Promise<boolean> {
  const fh = await fs.open(file, "r+");
  try {
    const colr = (await sampleEntryChildren(fh)).find((c) => c.type === "colr");
    if (!colr || colr.size < 18) return false;
    const body = Buffer.alloc(Math.min(colr.size - 8, 11));
    await fh.read(body, 0, body.length, colr.offset + 8);
    const kind = body.toString("latin1", 0, 4);
    if (kind !== "nclc" && kind !== "nclx") return false;
    body.writeUInt16BE(codes.primaries, 4);
    body.writeUInt16BE(codes.transfer, 6);
    body.writeUInt16BE(codes.matrix, 8);
    if (kind === "nclx" && body.length >= 11) body[10] = body[10]! & 0x7f;
    await fh.write(body, 0, body.length, colr.offset + 8);
    return true;
  } finally {
    await fh.close();
  }
}

/**
 * Writes `output` as `input` with a `colr` box added to the first video sample entry: one
 * streaming read of the input and one write, the moov replaced on the way (box sizes grown; chunk
 * offsets shifted when moov precedes the media). For files that have no colr box at all, where
 * an in-place patch has nothing to overwrite. Returns false when the layout is not one we edit.
 */
export async function copyWithColr(
  input: string,
  output: string,
  codes: { primaries: number; transfer: number; matrix: number },
  kind: "nclc" | "nclx",
): Promise<boolean> {
  return copyWithEntryBoxes(input, output, [colrBox(kind, codes)]);
}

/** A `colr` box: `nclc` (QuickTime, no range byte) or `nclx` (ISO-BMFF, range bit 7 of the last byte). */
export function colrBox(kind: "nclc" | "nclx", codes: { primaries: number; transfer: number; matrix: number }, fullRange = false): Buffer {
  const colr = Buffer.alloc(kind === "nclx" ? 19 : 18);
  colr.writeUInt32BE(colr.length, 0);
  colr.write(`colr${kind}`, 4, "latin1");
  colr.writeUInt16BE(codes.primaries, 12);
  colr.writeUInt16BE(codes.transfer, 14);
  colr.writeUInt16BE(codes.matrix, 16);
  if (kind === "nclx" && fullRange) colr[18] = 0x80;
  return colr;
}

/**
 * A Dolby Vision configuration box (`dvcC` up to profile 7, `dvvC` for 8–10): the 24-byte
 * DOVIDecoderConfigurationRecord of Dolby's ISO-BMFF specification, reserved bits zero.
 */
export function dolbyVisionConfigBox(dv: Omit<DolbyVisionConfig, "box">): Buffer {
  const box = Buffer.alloc(8 + 24);
  box.writeUInt32BE(box.length, 0);
  box.write(dv.profile <= 7 ? "dvcC" : dv.profile <= 10 ? "dvvC" : "dvwC", 4, "latin1");
  box[8] = dv.versionMajor;
  box[9] = dv.versionMinor;
  box.writeUInt16BE((dv.profile << 9) | (dv.level << 3) | (dv.rpuPresent ? 4 : 0) | (dv.elPresent ? 2 : 0) | (dv.blPresent ? 1 : 0), 10);
  box[12] = dv.blCompatibilityId << 4;
  return box;
}

/**
 * Writes `output` as `input` with `boxes` appended to the first video sample entry's children
 * (and, with `entryType`, the entry renamed, e.g. hvc1 → dvh1). Same single streaming copy as
 * copyWithColr; false when the layout is not one we edit.
 */
export async function copyWithEntryBoxes(input: string, output: string, boxes: readonly Buffer[], opts: { entryType?: string } = {}): Promise<boolean> {
  const fh = await fs.open(input, "r");
  let moovBuf: Buffer;
  let moov: { at: number; size: number; header: number };
  let mediaAfter = false;
  let fileSize: number;
  try {
    fileSize = (await fh.stat()).size;
    const walk = await readTopLevelBoxes(fh, fileSize);
    if (walk.problem) return false;
    const moovIdx = walk.boxes.findLastIndex((b) => b.type === "moov");
    const last = walk.boxes[moovIdx];
    const found = last && { at: last.offset, size: last.size, header: last.header };
    mediaAfter = walk.boxes.slice(moovIdx + 1).some((b) => b.type === "mdat");
    if (!found || found.size > 64 * 1024 * 1024) return false;
    moov = found;
    moovBuf = Buffer.alloc(moov.size);
    await fh.read(moovBuf, 0, moov.size, moov.at);
  } finally {
    await fh.close();
  }

  // The chain moov → trak → mdia → minf → stbl → stsd → entry of the video track.
  interface At { off: number; header: number; size: number }
  const boxAt = (off: number): At => {
    const s = moovBuf.readUInt32BE(off);
    return s === 1 ? { off, header: 16, size: Number(moovBuf.readBigUInt64BE(off + 8)) } : { off, header: 8, size: s };
  };
  const children = (parent: At): Array<At & { type: string }> => {
    const out: Array<At & { type: string }> = [];
    for (let q = parent.off + parent.header; q + 8 <= parent.off + parent.size; ) {
      const b = boxAt(q);
      if (b.size < b.header || q + b.size > parent.off + parent.size) break;
      out.push({ ...b, type: moovBuf.toString("latin1", q + 4, q + 8) });
      q += b.size;
    }
    return out;
  };
  const root: At = { off: 0, header: moov.header, size: moov.size };
  let chain: At[] | undefined;
  for (const trak of children(root).filter((c) => c.type === "trak")) {
    const mdia = children(trak).find((c) => c.type === "mdia");
    const hdlr = mdia && children(mdia).find((c) => c.type === "hdlr");
    if (!mdia || !hdlr || moovBuf.toString("latin1", hdlr.off + hdlr.header + 8, hdlr.off + hdlr.header + 12) !== "vide") continue;
    const minf = children(mdia).find((c) => c.type === "minf");
    const stbl = minf && children(minf).find((c) => c.type === "stbl");
    const stsd = stbl && children(stbl).find((c) => c.type === "stsd");
    if (!minf || !stbl || !stsd || stsd.header !== 8) break;
    const entry = boxAt(stsd.off + 16);
    if (entry.off + entry.size > stsd.off + stsd.size) break;
    chain = [root, trak, mdia, minf, stbl, stsd, entry];
    break;
  }
  if (!chain) return false;
  const entry = chain[chain.length - 1]!;

  const colr = Buffer.concat(boxes); // what is added (named for the common case)
  const insertAt = entry.off + entry.size; // after the entry's last child
  const next = Buffer.concat([moovBuf.subarray(0, insertAt), colr, moovBuf.subarray(insertAt)]);
  if (opts.entryType) next.write(opts.entryType.padEnd(4).slice(0, 4), entry.off + 4, "latin1");
  for (const b of chain) {
    if (b.header === 16) next.writeBigUInt64BE(BigInt(b.size + colr.length), b.off + 8);
    else if (b.size + colr.length > 0xffffffff) return false;
    else next.writeUInt32BE(b.size + colr.length, b.off);
  }
  if (mediaAfter) {
    // Every chunk offset moves by the bytes we added before the media.
    const shift = (parent: At) => {
      for (const c of childrenOf(next, parent)) {
        if (["trak", "mdia", "minf", "stbl"].includes(c.type)) shift(c);
        else if (c.type === "stco" || c.type === "co64") {
          const n = next.readUInt32BE(c.off + c.header + 4);
          const base = c.off + c.header + 8;
          for (let i = 0; i < n && base + (i + 1) * (c.type === "stco" ? 4 : 8) <= c.off + c.size; i++) {
            if (c.type === "stco") next.writeUInt32BE(next.readUInt32BE(base + 4 * i) + colr.length, base + 4 * i);
            else next.writeBigUInt64BE(next.readBigUInt64BE(base + 8 * i) + BigInt(colr.length), base + 8 * i);
          }
        }
      }
    };
    shift({ off: 0, header: moov.header, size: next.length });
  }

  // One pass: bytes before moov, the new moov, bytes after it.
  const src = await fs.open(input, "r");
  const dst = await fs.open(output, "w");
  try {
    const CHUNK = 8 * 1024 * 1024;
    const buf = Buffer.alloc(CHUNK);
    let w = 0;
    const copyRange = async (from: number, to: number) => {
      for (let p = from; p < to; ) {
        const { bytesRead } = await src.read(buf, 0, Math.min(CHUNK, to - p), p);
        if (bytesRead === 0) throw new Error("The movie ended early.");
        await dst.write(buf, 0, bytesRead, w);
        w += bytesRead;
        p += bytesRead;
      }
    };
    await copyRange(0, moov.at);
    await dst.write(next, 0, next.length, w);
    w += next.length;
    await copyRange(moov.at + moov.size, fileSize);
  } finally {
    await src.close();
    await dst.close();
  }
  return true;
}

function childrenOf(buf: Buffer, parent: { off: number; header: number; size: number }) {
  const out: Array<{ off: number; header: number; size: number; type: string }> = [];
  for (let q = parent.off + parent.header; q + 8 <= parent.off + parent.size; ) {
    let s = buf.readUInt32BE(q);
    let h = 8;
    if (s === 1) {
      s = Number(buf.readBigUInt64BE(q + 8));
      h = 16;
    }
    if (s < h || q + s > parent.off + parent.size) break;
    out.push({ off: q, header: h, size: s, type: buf.toString("latin1", q + 4, q + 8) });
    q += s;
  }
  return out;
}
