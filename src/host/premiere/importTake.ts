import { findExtendPlacement, findPlacement } from "../../core/placement.js";
import type { ImportTakeResult, Placement, PlacementMode, VideoTrack } from "../../core/schemas/index.js";
import type { BackendHttp } from "../uxp/backendHttp.js";
import { throwIfCancelled } from "../uxp/cancel.js";
import { SETTING_MEDIA_FOLDER_TOKEN } from "../uxp/backendSettings.js";
import { describe, hostError, HostErrorCode as PremiereErrorCode } from "../uxp/errors.js";
import { removeQuietly } from "../uxp/fileIo.js";
import { resolveMediaFolder } from "../uxp/mediaFolder.js";
import { markerComment, provenanceOf, withProvenance } from "../uxp/provenance.js";
import type { Secrets } from "../uxp/secrets.js";
import { downloadVerifiedMaster, fetchFinishedTake } from "../uxp/takeMedia.js";
import { bridgePlacement } from "./bridgeAnchors.js";
import { chooseAudioTrack, readBackSound } from "./placeSound.js";
import { placeTake, readBackPlacement } from "./placeTake.js";
import { BIN_NAME, ensureRetakeBin, fileHeldByPremiere, importIntoBin } from "./retakeBin.js";
import { readSequenceContext } from "./sequenceContext.js";
import type { PremiereApi, UxpApi, UxpFs } from "./types.js";

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
  /** How long to wait for the imported item to appear in the bin (retakeBin IMPORT_SETTLE_MS by default). */
  importSettleMs?: number;
}

/**
 * host.importTake: download the take's master into the media folder (streamed, as a .partial
 * until verified), check its color tags against the sequence, import it into the Retake bin, and
 * place it in one undoable edit, then read the timeline back: what the answer reports is what is
 * on it. Any failure before the import leaves the timeline as it was and removes what was
 * written, so the take can simply be imported again; once Premiere has imported the file it is
 * never deleted (that would leave an offline clip). `signal` (a deadline or the editor's cancel)
 * stops the work between steps: no import after a cancelled download, no placement after a
 * cancelled import.
 */
export async function importTake(
  deps: ImportTakeDeps,
  params: { jobId: string; takeId: string; mode: PlacementMode },
  signal?: AbortSignal,
): Promise<ImportTakeResult> {
  const started = Date.now();
  const finished = await fetchFinishedTake(deps.backend, params, signal);
  const { job, take } = finished;

  const initial = await readSequenceContext(deps.ppro);
  const playhead = initial.context.playhead;
  // Fail before downloading when there is nowhere to put the take (extend with no shot).
  const bridging = params.mode === "bridge" || job.frame.mode === "bridge";
  if (bridging && params.mode !== "bridge") throw hostError(PremiereErrorCode.noPlacement, "This take is a bridge: import it with Bridge, so it lands between its two clips.");
  if (bridging) bridgePlacement(initial.context.videoTracks, job.frame.bridge, initial.context.frameRate);
  else computePlacement(initial.context.videoTracks, playhead.seconds, job.duration, params.mode);

  const folder = await resolveMediaFolder({ ...deps, tokenKey: SETTING_MEDIA_FOLDER_TOKEN }, initial.project.path);
  const { target, tags, transfer } = await downloadVerifiedMaster(deps, { folder, finished, colorSpace: initial.context.colorSpace, ...(signal ? { signal } : {}) });

  let item;
  try {
    throwIfCancelled(signal, "the take was downloaded but not imported");
    const bin = await ensureRetakeBin(deps.ppro, initial.project);
    item = await importIntoBin(deps.ppro, initial.project, bin, target.nativePath, deps.importSettleMs === undefined ? {} : { settleMs: deps.importSettleMs });
  } catch (error) {
    if (!fileHeldByPremiere(error)) await removeQuietly(deps.fs, target.url);
    throw error;
  }
  throwIfCancelled(signal, `the take was imported into the "${BIN_NAME}" bin but not placed`);

  // The timeline may have changed during the download: place against the tracks as they are now,
  // at the playhead as it was when the editor pressed Import.
  const now = await readSequenceContext(deps.ppro);
  const bridged = bridging ? bridgePlacement(now.context.videoTracks, job.frame.bridge, now.context.frameRate) : undefined;
  const placement: Placement = bridged
    ? { trackIndex: bridged.trackIndex, start: bridged.start, end: bridged.end, newTrack: bridged.newTrack }
    : computePlacement(now.context.videoTracks, playhead.seconds, job.duration, params.mode);
  const provenance = provenanceOf(job, take);
  const [markers, existingXmp] = await Promise.all([
    deps.ppro.Markers.getMarkers(now.sequence),
    deps.ppro.Metadata.getXMPMetadata(item).catch(() => ""),
  ]);
  const markerName = `Retake · take ${take.index + 1}${provenance.prompt ? ` · ${provenance.prompt.slice(0, 40)}` : ""}`;
  const halfFrame = now.context.frameRate.den / now.context.frameRate.num / 2;
  // A take with sound brings it along, on an audio track where it overwrites nothing of the editor's.
  const hasSound = take.outputs.master?.audio !== undefined;
  const audioTrackIndex = hasSound ? await chooseAudioTrack(deps.ppro, now.sequence, placement, halfFrame) : -1;
  throwIfCancelled(signal, `the take was imported into the "${BIN_NAME}" bin but not placed`);
  const outcome = placeTake(deps.ppro, {
    audioTrackIndex,
    project: now.project,
    sequence: now.sequence,
    item,
    placement,
    ...(bridged ? { startTicks: bridged.startTicks } : params.mode === "insert" && Math.abs(placement.start - playhead.seconds) < 1e-9 ? { startTicks: playhead.ticks } : {}),
    markers,
    markerName,
    markerComment: markerComment(provenance),
    xmp: withProvenance(existingXmp, provenance),
    undoLabel: `Retake: place take ${take.index + 1}`,
  });
  const placed = await readBackPlacement(deps.ppro, now.sequence, item, placement, halfFrame);
  const sound = hasSound ? await readBackSound(deps.ppro, now.sequence, item, audioTrackIndex, placed.start, halfFrame) : undefined;
  deps.onTimings?.({ totalMs: Date.now() - started, transferMs: transfer.transferMs, bytes: transfer.bytes });
  const notes = [
    outcome.provenanceWritten ? undefined : `The take is placed, but Premiere did not keep its provenance metadata (${outcome.provenanceError}). The marker on the sequence still names the job and take.`,
    hasSound && !sound
      ? `The picture is placed on V${placement.trackIndex + 1}, but its sound did not land on A${audioTrackIndex + 1}. The clip in the "${BIN_NAME}" bin has it: drag its audio onto a free audio track.`
      : undefined,
  ].filter((n): n is string => n !== undefined);
  const guidance = notes.length ? notes.join(" ") : undefined;
  return {
    mediaPath: target.nativePath,
    binName: BIN_NAME,
    placement: { ...placement, start: placed.start, end: placed.end },
    colorTags: tags,
    ...(sound ? { sound } : {}),
    ...(guidance ? { guidance } : {}),
  };
}

export function computePlacement(tracks: VideoTrack[], playheadSeconds: number, duration: number, mode: PlacementMode): Placement {
  try {
    const p = mode === "extend" ? findExtendPlacement(tracks, playheadSeconds, duration) : findPlacement(tracks, playheadSeconds, duration);
    return { trackIndex: p.trackIndex, start: p.start, end: p.end, newTrack: p.newTrack };
  } catch (error) {
    throw hostError(PremiereErrorCode.noPlacement, describe(error));
  }
}
