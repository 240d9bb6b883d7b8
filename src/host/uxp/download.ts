import { exactBuffer } from "./bytes.js";
import { cancelledError } from "./cancel.js";
import { describe, hostError, HostErrorCode } from "./errors.js";
import { removeQuietly } from "./fileIo.js";
import type { UxpFs } from "./types.js";

export interface DownloadResult {
  bytes: number;
  /** Milliseconds spent moving bytes (the bench subtracts it from Import → placed). */
  transferMs: number;
}

/**
 * An HTTP body chunk by chunk (fetch body reader), for writing as it arrives so a multi-GB file
 * never sits in memory. A cut connection becomes an error saying how far it got; a body shorter
 * than its Content-Length is one too. Stopping early (the consumer failed) cancels the download.
 */
export async function* bodyChunks(response: Response, label: string, signal?: AbortSignal): AsyncGenerator<Uint8Array, void, undefined> {
  if (!response.body) throw hostError(HostErrorCode.downloadFailed, `The backend sent ${label} without a body.`);
  const expected = Number(response.headers.get("content-length") ?? NaN);
  const reader = response.body.getReader();
  let received = 0;
  let finished = false;
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      if (signal?.aborted) throw cancelledError(signal, `the download of ${label} was stopped after ${mb(received)}; nothing was imported`);
      try {
        chunk = await reader.read();
      } catch (error) {
        if (signal?.aborted) throw cancelledError(signal, `the download of ${label} was stopped after ${mb(received)}; nothing was imported`);
        throw hostError(HostErrorCode.downloadFailed, `The download of ${label} was cut after ${mb(received)} (${describe(error)}). Nothing was imported; import the take again.`);
      }
      if (chunk.done) break;
      received += chunk.value.length;
      yield chunk.value;
    }
    finished = true;
  } finally {
    if (!finished) reader.cancel().catch(() => undefined);
  }
  if (Number.isFinite(expected) && received !== expected) {
    throw hostError(HostErrorCode.downloadFailed, `The download of ${label} stopped at ${mb(received)} of ${mb(expected)}. Nothing was imported; import the take again.`);
  }
}

/**
 * Streams an HTTP body into a file (each chunk → fs.write at a running position). The file is
 * written as `partialUrl`; on any failure (network cut, short body, disk full, folder not
 * writable, `signal` aborted by a deadline or the editor) it is removed and the error says which.
 * The caller renames it into place only after verifying it.
 */
export async function streamToFile(fs: UxpFs, response: Response, partialUrl: string, label: string, signal?: AbortSignal): Promise<DownloadResult> {
  const started = Date.now();
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
  let written = 0;
  try {
    for await (const view of bodyChunks(response, label, signal)) {
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
    await fs.close(fd);
    return { bytes: written, transferMs: Date.now() - started };
  } catch (error) {
    await Promise.resolve(fs.close(fd)).catch(() => undefined);
    await removeQuietly(fs, partialUrl);
    throw error;
  }
}

export function mb(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${bytes} bytes`;
}

/** The chunk's underlying ArrayBuffer (a copy only in the odd case of shared memory). */
export function bufferOf(view: Uint8Array): ArrayBuffer {
  return view.buffer instanceof ArrayBuffer ? view.buffer : exactBuffer(view);
}
