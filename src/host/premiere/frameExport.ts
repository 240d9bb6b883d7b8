import { describe, hostError, HostErrorCode as PremiereErrorCode } from "../uxp/errors.js";
import { fileSize, readWholeFile, removeQuietly, scheduleLateCleanup } from "../uxp/fileIo.js";
import { fileIn, type HostFile } from "../uxp/paths.js";
import { isCompletePng, pngSize } from "../uxp/png.js";
import type { PremiereApi, PSequence, PTickTime, UxpFolder, UxpFs } from "./types.js";

/** How long to look for the file after a `true` (the promise says nothing about when it exists; a Premiere tracker waits 1 s, AE's trail by seconds). */
export const EXPORT_GRACE_MS = 3_000;
/** After a `false`, a shorter look (third-party plugins saw files land anyway). */
export const EXPORT_FALSE_GRACE_MS = 1_000;
/** A file that lands after we gave up is removed this much later, so stills do not pile up in temp. */
export const LATE_CLEANUP_MS = 15_000;
const POLL_MS = 50;

/**
 * One still from the sequence through `Exporter.exportSequenceFrame`, with its known quirks
 * handled: it appends the extension again ("frame.png" is written as "frame.png.png"), it can
 * answer true without writing anything, and the file may land after the promise resolves. So:
 * look for every name it may have used until a whole PNG is there (signature and IEND) or the
 * grace runs out, insist on the size asked for, and clean up whatever it wrote, now and once more
 * later for a write that comes after we gave up.
 */
export async function exportFrame(
  deps: { ppro: PremiereApi; fs: UxpFs; graceMs?: number },
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
    const grace = reported ? (deps.graceMs ?? EXPORT_GRACE_MS) : Math.min(deps.graceMs ?? EXPORT_FALSE_GRACE_MS, EXPORT_FALSE_GRACE_MS);
    const image = await waitForPng(deps.fs, candidates, grace);
    if (!image) {
      throw hostError(
        PremiereErrorCode.captureFailed,
        reported
          ? `Premiere said the frame was exported but wrote no complete image within ${grace / 1000} s. Try again; if it keeps happening, render the sequence preview (Enter) and capture once more.`
          : "Premiere could not export the frame at the playhead. Make sure the sequence plays at that point, then capture again.",
      );
    }
    const got = pngSize(image)!;
    if (got.width !== size.width || got.height !== size.height) {
      throw hostError(
        PremiereErrorCode.captureFailed,
        `Premiere exported a ${got.width}×${got.height} frame for a ${size.width}×${size.height} sequence, so the frame would not match the take's framing. Capture again; if it persists, report your sequence settings.`,
      );
    }
    return image;
  } finally {
    for (const candidate of candidates) await removeQuietly(deps.fs, candidate.url);
    scheduleLateCleanup(deps.fs, candidates.map((c) => c.url), LATE_CLEANUP_MS);
  }
}

async function waitForPng(fs: UxpFs, candidates: HostFile[], graceMs: number): Promise<Uint8Array | undefined> {
  const until = Date.now() + graceMs;
  for (;;) {
    for (const candidate of candidates) {
      const bytes = await fileSize(fs, candidate.url);
      if (bytes !== undefined && bytes > 0) {
        const data = await readWholeFile(fs, candidate.url);
        if (isCompletePng(data)) return data;
      }
    }
    if (Date.now() >= until) return undefined;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
