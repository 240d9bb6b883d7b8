import { exactBuffer } from "./bytes.js";
import { describe, hostError, HostErrorCode } from "./errors.js";
import { removeQuietly } from "./fileIo.js";
import type { UxpFs } from "./types.js";

export interface DownloadResult {
  bytes: number;
  /** Milliseconds spent moving bytes (the bench subtracts it from Import → placed). */
  transferMs: number;
}

/**
 * Streams an HTTP body into a file chunk by chunk (fetch body reader → fs.write at a running
 * position), so a multi-GB master never sits in memory. The file is written as `partialUrl`; on
 * any failure (network cut, short body, disk full, folder not writable) it is removed and the
 * error says which. The caller renames it into place only after verifying it.
 */
export async function streamToFile(fs: UxpFs, response: Response, partialUrl: string, label: string): Promise<DownloadResult> {
  const started = Date.now();
  const expected = Number(response.headers.get("content-length") ?? NaN);
  if (!response.body) throw hostError(HostErrorCode.downloadFailed, `The backend sent ${label} without a body.`);
  let fd: number;
  try {
    fd = await fs.open(partialUrl, "w");
  } catch (error) {
    throw hostError(
      HostErrorCode.mediaFolder,
      `Retake cannot write into the media folder (${describe(error)}). It may be read-only or missing: pick another one in Settings.`,
    );
  }
  const reader = response.body.getReader();
  let written = 0;
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        throw hostError(HostErrorCode.downloadFailed, `The download of ${label} was cut after ${mb(written)} (${describe(error)}). Nothing was imported; import the take again.`);
      }
      if (chunk.done) break;
      const view = chunk.value;
      let offset = 0;
      while (offset < view.length) {
        let bytesWritten: number;
        try {
          // UXP's write takes an ArrayBuffer plus an offset into it: hand over the chunk's own
          // buffer (no copy per chunk, so nothing piles up between garbage collections).
          ({ bytesWritten } = await fs.write(fd, bufferOf(view), view.byteOffset + offset, view.length - offset, written));
        } catch (error) {
          throw hostError(HostErrorCode.mediaFolder, `Writing ${label} to the media folder failed after ${mb(written)} (${describe(error)}). Is the disk full?`);
        }
        if (!bytesWritten) throw hostError(HostErrorCode.mediaFolder, `The media folder stopped accepting data after ${mb(written)}. Is the disk full?`);
        offset += bytesWritten;
        written += bytesWritten;
      }
    }
    if (Number.isFinite(expected) && written !== expected) {
      throw hostError(
        HostErrorCode.downloadFailed,
        `The download of ${label} stopped at ${mb(written)} of ${mb(expected)}. Nothing was imported; import the take again.`,
      );
    }
    await fs.close(fd);
    return { bytes: written, transferMs: Date.now() - started };
  } catch (error) {
    reader.cancel().catch(() => undefined);
    await Promise.resolve(fs.close(fd)).catch(() => undefined);
    await removeQuietly(fs, partialUrl);
    throw error;
  }
}

function mb(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${bytes} bytes`;
}

/** The chunk's underlying ArrayBuffer (a copy only in the odd case of shared memory). */
function bufferOf(view: Uint8Array): ArrayBuffer {
  return view.buffer instanceof ArrayBuffer ? view.buffer : exactBuffer(view);
}
