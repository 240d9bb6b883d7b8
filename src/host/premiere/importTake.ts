import { gateImport, readColorTags } from "../../core/colorTags/index.js";
import type { SequenceColorSpace } from "../../core/schemas/index.js";
import { findExtendPlacement, findPlacement } from "../../core/placement.js";
import { Job, type ColorTags, type ImportTakeResult, type Placement, type PlacementMode, type VideoTrack } from "../../core/schemas/index.js";
import type { BackendHttp } from "./backendHttp.js";
import { describe, hostError, PremiereErrorCode } from "./errors.js";
import { fileSize, openRangedRead, removeQuietly } from "./fileIo.js";
import { streamToFile } from "./download.js";
import { resolveMediaFolder } from "./mediaFolder.js";
import { fileIn, safeFileName, type HostFile } from "./paths.js";
import { placeTake } from "./placeTake.js";
import { markerComment, provenanceOf, withProvenance } from "./provenance.js";
import { BIN_NAME, ensureRetakeBin, importIntoBin } from "./retakeBin.js";
import type { Secrets } from "./secrets.js";
import { readSequenceContext } from "./sequenceContext.js";
import type { PremiereApi, UxpApi, UxpFolder, UxpFs } from "./types.js";

export interface ImportTimings {
  /** Click → placed, in milliseconds. */
  totalMs: number;
  /** Of which moving the master's bytes. */
  transferMs: number;
  bytes: number;
}

export interface ImportTakeDeps {
  ppro: PremiereApi;
  uxp: UxpApi;
  fs: UxpFs;
  secrets: Secrets;
  backend: BackendHttp;
  onTimings?: (timings: ImportTimings) => void;
}

/**
 * host.importTake: download the take's master into the media folder (streamed, as a .partial
 * until verified), check its color tags against the sequence, import it into the Retake bin, and
 * place it in one undoable edit. Any failure before the edit leaves the timeline as it was and
 * removes what was written, so the take can simply be imported again.
 */
export async function importTake(
  deps: ImportTakeDeps,
  params: { jobId: string; takeId: string; mode: PlacementMode },
): Promise<ImportTakeResult> {
  const started = Date.now();
  const job = await deps.backend.json(Job, `/v1/jobs/${encodeURIComponent(params.jobId)}`);
  const take = job.takes.find((t) => t.id === params.takeId);
  if (!take) throw hostError(PremiereErrorCode.takeNotReady, `The backend has no take ${params.takeId} in job ${params.jobId}.`);
  const master = take.outputs.master;
  if (take.state !== "succeeded" || !master) {
    throw hostError(PremiereErrorCode.takeNotReady, `Take ${take.index + 1} has no master yet (it is ${take.state}). Import it once it has finished.`);
  }

  const initial = await readSequenceContext(deps.ppro);
  const playhead = initial.context.playhead;
  // Fail before downloading when there is nowhere to put the take (extend with no shot).
  computePlacement(initial.context.videoTracks, playhead.seconds, job.duration, params.mode);

  const folder = await resolveMediaFolder(deps, initial.project);
  const extension = /\.[a-z0-9]{2,5}$/i.exec(master.fileName)?.[0] ?? ".mov";
  const target = await freeFileName(deps.fs, folder, safeFileName(`Retake ${job.id.slice(-6)} take ${take.index + 1}`), extension);
  const partial = fileIn(folder, `${target.name}.partial`);

  const { response } = await deps.backend.request(`/v1/artifacts/${encodeURIComponent(master.id)}`);
  const transfer = await streamToFile(deps.fs, response, partial.url, `take ${take.index + 1}`);

  const tags = await verifyTags(deps.fs, partial, target.name, initial.context.colorSpace);
  try {
    await deps.fs.rename(partial.url, target.url);
  } catch (error) {
    await removeQuietly(deps.fs, partial.url);
    throw hostError(PremiereErrorCode.mediaFolder, `Retake could not finish writing ${target.nativePath} (${describe(error)}).`);
  }

  let item;
  try {
    const bin = await ensureRetakeBin(deps.ppro, initial.project);
    item = await importIntoBin(deps.ppro, initial.project, bin, target.nativePath);
  } catch (error) {
    await removeQuietly(deps.fs, target.url);
    throw error;
  }

  // The timeline may have changed during the download: place against the tracks as they are now,
  // at the playhead as it was when the editor pressed Import.
  const now = await readSequenceContext(deps.ppro);
  const placement = computePlacement(now.context.videoTracks, playhead.seconds, job.duration, params.mode);
  const provenance = provenanceOf(job, take);
  const [markers, existingXmp] = await Promise.all([
    deps.ppro.Markers.getMarkers(now.sequence),
    deps.ppro.Metadata.getXMPMetadata(item).catch(() => ""),
  ]);
  const markerName = `Retake · take ${take.index + 1}${provenance.prompt ? ` · ${provenance.prompt.slice(0, 40)}` : ""}`;
  placeTake(deps.ppro, {
    project: now.project,
    sequence: now.sequence,
    item,
    placement,
    ...(params.mode === "insert" && Math.abs(placement.start - playhead.seconds) < 1e-9 ? { startTicks: playhead.ticks } : {}),
    markers,
    markerName,
    markerComment: markerComment(provenance),
    xmp: withProvenance(existingXmp, provenance),
    undoLabel: `Retake: place take ${take.index + 1}`,
  });
  deps.onTimings?.({ totalMs: Date.now() - started, transferMs: transfer.transferMs, bytes: transfer.bytes });
  return { mediaPath: target.nativePath, binName: BIN_NAME, placement, colorTags: tags };
}

export function computePlacement(tracks: VideoTrack[], playheadSeconds: number, duration: number, mode: PlacementMode): Placement {
  try {
    const p = mode === "extend" ? findExtendPlacement(tracks, playheadSeconds, duration) : findPlacement(tracks, playheadSeconds, duration);
    return { trackIndex: p.trackIndex, start: p.start, end: p.end, newTrack: p.newTrack };
  } catch (error) {
    throw hostError(PremiereErrorCode.noPlacement, describe(error));
  }
}

/** Reads the tags through ranged reads of the written file; refuses (and deletes) on mismatch. */
async function verifyTags(fs: UxpFs, file: HostFile, fileName: string, sequence: SequenceColorSpace): Promise<ColorTags> {
  let tags: ColorTags;
  try {
    const ranged = await openRangedRead(fs, file.url);
    try {
      tags = await readColorTags(ranged.read, ranged.size, { fileName });
    } finally {
      await ranged.close();
    }
  } catch (error) {
    await removeQuietly(fs, file.url);
    throw hostError(PremiereErrorCode.importFailed, `Retake could not read back the downloaded take (${describe(error)}). Nothing was imported.`);
  }
  // The shared gate: the same verdict the harness and the AE host give for the same file.
  const gate = gateImport(tags, sequence);
  if (!gate.ok) {
    await removeQuietly(fs, file.url);
    throw hostError(PremiereErrorCode.colorMismatch, `Not imported: ${gate.reasons.join(" ")} ${gate.suggestion}`.trim());
  }
  return tags;
}

async function freeFileName(fs: UxpFs, folder: UxpFolder, base: string, extension: string): Promise<HostFile> {
  for (let n = 1; n < 1000; n++) {
    const candidate = fileIn(folder, n === 1 ? `${base}${extension}` : `${base} (${n})${extension}`);
    if ((await fileSize(fs, candidate.url)) === undefined) return candidate;
  }
  throw hostError(PremiereErrorCode.mediaFolder, `The media folder already holds a thousand files named ${base}; tidy it up.`);
}
