import type { RangedRead } from "../../core/colorTags/index.js";
import type { UxpFs } from "./types.js";

/** Size of a file, or undefined when it does not exist (UXP's lstat throws then). */
export async function fileSize(fs: UxpFs, url: string): Promise<number | undefined> {
  try {
    const stats = await fs.lstat(url);
    return stats.isFile() ? stats.size : undefined;
  } catch {
    return undefined;
  }
}

export async function removeQuietly(fs: UxpFs, url: string): Promise<void> {
  try {
    await fs.unlink(url);
  } catch {
    // already gone
  }
}

/**
 * Removes the files once more, later: a render or export that lands after we stopped looking for
 * it (Premiere's and After Effects' writes trail the call that reports them) must not pile up in
 * the temp folder.
 */
export function scheduleLateCleanup(fs: UxpFs, urls: string[], delayMs = 15_000): void {
  const timer = setTimeout(() => {
    for (const url of urls) void removeQuietly(fs, url);
  }, delayMs);
  (timer as { unref?: () => void }).unref?.();
}

/**
 * Positioned reads through UXP's fs (open / read(fd, ArrayBuffer, …, position) / close): what the
 * core color-tag reader needs to look at a multi-GB master by reading only its boxes.
 */
export async function openRangedRead(fs: UxpFs, url: string): Promise<{ read: RangedRead; size: number; close(): Promise<void> }> {
  const size = await fileSize(fs, url);
  if (size === undefined) throw new Error(`${url} does not exist`);
  const fd = await fs.open(url, "r");
  const read: RangedRead = async (offset, length) => {
    const want = Math.max(0, Math.min(length, size - offset));
    if (want === 0) return new Uint8Array(0);
    const buffer = new ArrayBuffer(want);
    let got = 0;
    while (got < want) {
      // Each call reads into the buffer at `got`; a short read is normal, a zero read is EOF.
      const { bytesRead } = await fs.read(fd, buffer, got, want - got, offset + got);
      if (!bytesRead) break;
      got += bytesRead;
    }
    return new Uint8Array(buffer, 0, got);
  };
  return { read, size, close: async () => void (await fs.close(fd)) };
}

/** Reads a small file whole (a captured still: a few MB at most). */
export async function readWholeFile(fs: UxpFs, url: string): Promise<Uint8Array> {
  const file = await openRangedRead(fs, url);
  try {
    return await file.read(0, file.size);
  } finally {
    await file.close();
  }
}
