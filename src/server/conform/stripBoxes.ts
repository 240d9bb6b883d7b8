/**
 * Turns boxes of the first video sample entry into `free` boxes of the same size, in place:
 * four bytes written per box, nothing moves. ffmpeg 5.1 copies a source's mastering-display
 * and content-light side data into any re-encode, so an HLG or SDR master made from a PQ
 * source would carry the PQ source's mdcv/clli — a stale carrier describing another picture.
 */
import fs from "node:fs/promises";

const CONTAINERS = new Set(["moov", "trak", "mdia", "minf", "stbl"]);
const VISUAL_SAMPLE_ENTRY_FIELDS = 78;

export async function stripSampleEntryBoxes(file: string, types: readonly string[]): Promise<number> {
  const fh = await fs.open(file, "r+");
  try {
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
      if (s < h) return 0;
      if (head.toString("latin1", 4, 8) === "moov") moov = { at: p, header: h, size: s };
      p += s;
    }
    if (!moov) return 0;
    const buf = Buffer.alloc(moov.size);
    await fh.read(buf, 0, moov.size, moov.at);
    const hits: number[] = [];
    /** trak → mdia → hdlr handler_type (FullBox 4 + pre_defined 4, then the handler). */
    const handlerOf = (start: number, end: number): string | undefined => {
      const child = (from: number, to: number, want: string): [number, number] | undefined => {
        for (let q = from; q + 8 <= to; ) {
          const n = buf.readUInt32BE(q);
          if (n < 8 || q + n > to) return undefined;
          if (buf.toString("latin1", q + 4, q + 8) === want) return [q + 8, q + n];
          q += n;
        }
        return undefined;
      };
      const mdia = child(start, end, "mdia");
      const hdlr = mdia && child(mdia[0], mdia[1], "hdlr");
      return hdlr && hdlr[0] + 12 <= hdlr[1] ? buf.toString("latin1", hdlr[0] + 8, hdlr[0] + 12) : undefined;
    };
    const walk = (start: number, end: number, video: boolean) => {
      for (let p = start; p + 8 <= end; ) {
        const s = buf.readUInt32BE(p);
        if (s < 8 || p + s > end) return;
        const type = buf.toString("latin1", p + 4, p + 8);
        if (type === "trak") {
          if (handlerOf(p + 8, p + s) === "vide") walk(p + 8, p + s, true);
        } else if (CONTAINERS.has(type)) walk(p + 8, p + s, video);
        else if (type === "stsd" && video) {
          const entry = p + 16;
          const es = buf.readUInt32BE(entry);
          for (let c = entry + 8 + VISUAL_SAMPLE_ENTRY_FIELDS; c + 8 <= entry + es; ) {
            const cs = buf.readUInt32BE(c);
            if (cs < 8) break;
            if (types.includes(buf.toString("latin1", c + 4, c + 8))) hits.push(c + 4);
            c += cs;
          }
          return;
        }
        p += s;
      }
    };
    walk(moov.header, moov.size, false);
    for (const h of hits) await fh.write(Buffer.from("free", "latin1"), 0, 4, moov.at + h);
    return hits.length;
  } finally {
    await fh.close();
  }
}
