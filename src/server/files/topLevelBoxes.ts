import type fs from "node:fs/promises";

/** A top-level ISO-BMFF / QuickTime box: where it starts, its full size and its header length. */
export interface TopLevelBox {
  type: string;
  offset: number;
  size: number;
  header: number;
}

export interface TopLevelWalk {
  boxes: TopLevelBox[];
  /**
   * Why the walk stopped early, if it did: `bad-size` — a size smaller than its own header (that
   * box is not listed); `overflow` — a box running past the end of the file (it is listed last).
   */
  problem?: "bad-size" | "overflow";
}

/**
 * Reads only the top-level box headers of a movie (16 bytes each, seeking past `mdat`), the walk
 * every in-place edit of `moov` starts with. Size 1 means a 64-bit size follows; 0 means "to the
 * end of the file".
 */
export async function readTopLevelBoxes(fh: fs.FileHandle, fileSize: number): Promise<TopLevelWalk> {
  const boxes: TopLevelBox[] = [];
  const head = Buffer.alloc(16);
  for (let p = 0; p + 8 <= fileSize; ) {
    const { bytesRead } = await fh.read(head, 0, 16, p);
    if (bytesRead < 8) break;
    let size = head.readUInt32BE(0);
    let header = 8;
    if (size === 1) {
      size = Number(head.readBigUInt64BE(8));
      header = 16;
    } else if (size === 0) size = fileSize - p;
    if (size < header) return { boxes, problem: "bad-size" };
    boxes.push({ type: head.toString("latin1", 4, 8), offset: p, size, header });
    if (p + size > fileSize) return { boxes, problem: "overflow" };
    p += size;
  }
  return { boxes };
}
