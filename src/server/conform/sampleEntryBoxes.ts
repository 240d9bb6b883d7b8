/**
 * In-place edits of the first video sample entry's child boxes (colr, mdcv, clli) that never
 * move a byte: find the boxes by walking the top level to `moov` and reading only `moov`,
 * then overwrite a few bytes. Used by conform's fast path (fix colr code points on a copy of
 * the file: the copy is the one read) and to retire stale HDR10 boxes after a re-encode
 * (ffmpeg 5.1 copies a source's mastering/light-level side data into any re-encode, so an HLG
 * or SDR master made from a PQ source would carry the PQ source's mdcv/clli).
 */
import fs from "node:fs/promises";

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
  const head = Buffer.alloc(16);
  let moov: { at: number; header: number; size: number } | undefined;
  for (let p = 0; p + 8 <= size; ) {
    await fh.read(head, 0, 16, p);
    let s = head.readUInt32BE(0);
    let h = 8;
    if (s === 1) {
      s = Number(head.readBigUInt64BE(8));
      h = 16;
    } else if (s === 0) s = size - p;
    if (s < h) return [];
    if (head.toString("latin1", 4, 8) === "moov") moov = { at: p, header: h, size: s };
    p += s;
  }
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

/** Retires the named child boxes by renaming them `free` (same size). Returns how many. */
export async function stripSampleEntryBoxes(file: string, types: readonly string[]): Promise<number> {
  const fh = await fs.open(file, "r+");
  try {
    const hits = (await sampleEntryChildren(fh)).filter((c) => types.includes(c.type));
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
