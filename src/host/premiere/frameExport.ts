import { describe, hostError, HostErrorCode as PremiereErrorCode } from "../uxp/errors.js";
import { fileSize, readWholeFile, removeQuietly } from "../uxp/fileIo.js";
import { fileIn } from "../uxp/paths.js";
import type { PremiereApi, PSequence, PTickTime, UxpFolder, UxpFs } from "./types.js";

/**
 * One still from the sequence through `Exporter.exportSequenceFrame`, with both of its known
 * quirks handled: it appends the extension again ("frame.png" is written as "frame.png.png"),
 * and it can answer true without writing anything. So: look for every name it may have used,
 * insist on a non-empty file, and clean up whatever it wrote.
 */
export async function exportFrame(
  deps: { ppro: PremiereApi; fs: UxpFs },
  sequence: PSequence,
  time: PTickTime,
  folder: UxpFolder,
  size: { width: number; height: number },
): Promise<Uint8Array> {
  const base = `retake-frame-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
  const asked = `${base}.png`;
  // The doubled name first (what current builds write), then the name as given (a fixed build).
  const candidates = [fileIn(folder, `${asked}.png`), fileIn(folder, asked)];
  let reported: boolean;
  try {
    reported = await deps.ppro.Exporter.exportSequenceFrame(sequence, time, asked, folder.nativePath, size.width, size.height);
  } catch (error) {
    throw hostError(PremiereErrorCode.captureFailed, `Premiere could not export the frame: ${describe(error)}`);
  }
  try {
    for (const candidate of candidates) {
      const bytes = await fileSize(deps.fs, candidate.url);
      if (bytes !== undefined && bytes > 0) return await readWholeFile(deps.fs, candidate.url);
    }
    throw hostError(
      PremiereErrorCode.captureFailed,
      reported
        ? "Premiere said the frame was exported but wrote no image. Try again; if it keeps happening, render the sequence preview (Enter) and capture once more."
        : "Premiere could not export the frame at the playhead. Make sure the sequence plays at that point, then capture again.",
    );
  } finally {
    for (const candidate of candidates) await removeQuietly(deps.fs, candidate.url);
  }
}
