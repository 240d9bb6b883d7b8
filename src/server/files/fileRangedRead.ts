/**
 * Node side of the color tag reader: a RangedRead over a file handle, reading only the ranges
 * asked for (positioned reads, no streams), and counting them so tests and logs can show that
 * a multi-GB movie cost a few KB.
 */
import { open } from "node:fs/promises";
import path from "node:path";
import type { ColorTags } from "../../core/schemas/color.js";
import { readColorTags, type RangedRead, type ReadColorTagsOptions } from "../../core/colorTags/readColorTags.js";

export interface FileRangedRead {
  read: RangedRead;
  /** Size when opened; the reader never asks past it. */
  size: number;
  close(): Promise<void>;
  /** Total bytes actually read so far. */
  bytesRead(): number;
}

export async function openRangedRead(filePath: string): Promise<FileRangedRead> {
  const handle = await open(filePath, "r");
  let size: number;
  try {
    size = (await handle.stat()).size;
  } catch (err) {
    await handle.close();
    throw err;
  }
  let total = 0;
  let closed = false;

  const read: RangedRead = async (offset, length) => {
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length <= 0) {
      return new Uint8Array(0);
    }
    const want = Math.min(length, Math.max(0, size - offset));
    const buf = new Uint8Array(want);
    let got = 0;
    // A positioned read may return short; keep going until the range is filled or EOF.
    while (got < want) {
      const { bytesRead } = await handle.read(buf, got, want - got, offset + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    total += got;
    return got === want ? buf : buf.subarray(0, got);
  };

  return {
    read,
    size,
    bytesRead: () => total,
    close: async () => {
      if (closed) return;
      closed = true;
      await handle.close();
    },
  };
}

/** Color tags of a file on disk. Rejects only if the file cannot be opened at all. */
export async function readColorTagsFromFile(filePath: string, opts: Omit<ReadColorTagsOptions, "fileName"> = {}): Promise<ColorTags> {
  const file = await openRangedRead(filePath);
  try {
    return await readColorTags(file.read, file.size, { ...opts, fileName: path.basename(filePath) });
  } finally {
    await file.close();
  }
}
