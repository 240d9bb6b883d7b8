import type { Placement } from "../../core/schemas/index.js";
import { secondsToTicks, ticksToSeconds } from "../../core/time.js";
import { describe, hostError, HostErrorCode as PremiereErrorCode } from "../uxp/errors.js";
import type { PMarkers, PProject, PProjectItem, PremiereApi, PSequence } from "./types.js";

export interface PlaceTakeInput {
  project: PProject;
  sequence: PSequence;
  item: PProjectItem;
  placement: Placement;
  /** Exact start when known (the playhead's own ticks), else derived from placement.start. */
  startTicks?: string;
  markers: PMarkers;
  markerName: string;
  markerComment: string;
  xmp: string;
  undoLabel: string;
  /** The audio track for the take's sound (placeSound.chooseAudioTrack); absent or -1: picture only. */
  audioTrackIndex?: number;
}

export interface PlaceTakeOutcome {
  /** False when Premiere refused the provenance XMP: the take is placed, its metadata is not written. */
  provenanceWritten: boolean;
  provenanceError?: string;
}

/** Premiere's marker type for a comment, as the constant it exposes (the literal is a fallback for builds without it). */
export function commentMarkerType(ppro: PremiereApi): string {
  return ppro.Marker?.MARKER_TYPE_COMMENT ?? "Comment";
}

/**
 * The edit, in two transactions, every Action created inside the lock (Premiere 26.3+) and both
 * callbacks synchronous (everything async was gathered by the caller):
 * 1. the placement and its marker: one undo step that takes the take off the timeline;
 * 2. the provenance XMP, best effort: Premiere may write XMP into the media file, and whether a
 *    transaction is atomic is undocumented, so a metadata failure must neither block nor
 *    half-apply the placement. A refused XMP write is reported, not thrown.
 *
 * Onto an existing track the take is overwritten (never ripples). Onto a new track it is
 * *inserted* at the index past the last track, the one edit Adobe documents as creating a track;
 * with limitShift only that (empty) track could shift. A take with sound sends it to
 * `audioTrackIndex` in the same edit (Premiere places the item's audio there, linked to its
 * picture); a take without sound passes -1, audio nowhere. Whatever the
 * transaction answers, the caller reads the timeline back (readBackPlacement).
 */
export function placeTake(ppro: PremiereApi, input: PlaceTakeInput): PlaceTakeOutcome {
  const { project, sequence, item, placement } = input;
  const start = ppro.TickTime.createWithTicks(input.startTicks ?? secondsToTicks(placement.start).toString());
  const duration = ppro.TickTime.createWithTicks(secondsToTicks(placement.end - placement.start).toString());
  const editor = ppro.SequenceEditor.getEditor(sequence);
  const audioIndex = input.audioTrackIndex ?? -1;
  let committed = false;
  let failure: unknown;
  try {
    project.lockedAccess(() => {
      committed = project.executeTransaction((compound) => {
        compound.addAction(
          placement.newTrack
            ? editor.createInsertProjectItemAction(item, start, placement.trackIndex, audioIndex, true)
            : editor.createOverwriteItemAction(item, start, placement.trackIndex, audioIndex),
        );
        compound.addAction(input.markers.createAddMarkerAction(input.markerName, commentMarkerType(ppro), start, duration, input.markerComment));
      }, input.undoLabel);
    });
  } catch (error) {
    failure = error;
  }
  if (failure !== undefined || !committed) {
    throw hostError(
      PremiereErrorCode.importFailed,
      `Premiere refused to place the take on V${placement.trackIndex + 1}${failure ? ` (${describe(failure)})` : ""}. The timeline was not changed; the file is in the Retake bin.`,
    );
  }

  let written = false;
  let xmpFailure: unknown;
  try {
    project.lockedAccess(() => {
      written = project.executeTransaction((compound) => {
        compound.addAction(ppro.Metadata.createSetXMPMetadataAction(item, input.xmp));
      }, `${input.undoLabel} (provenance)`);
    });
  } catch (error) {
    xmpFailure = error;
  }
  return written ? { provenanceWritten: true } : { provenanceWritten: false, provenanceError: xmpFailure ? describe(xmpFailure) : "Premiere refused the metadata" };
}

/**
 * What is really on the timeline after the edit: the target track must exist and hold a clip of
 * this project item starting at the placement's start (within half a frame). A `true` from the
 * transaction is not trusted alone: an edit to a track that does not exist has been seen to
 * "succeed" and place nothing (leancoderkavy/premiere-pro-mcp#130). Returns the clip's real span.
 */
export async function readBackPlacement(
  ppro: PremiereApi,
  sequence: PSequence,
  item: PProjectItem,
  placement: Placement,
  halfFrameSeconds: number,
): Promise<{ start: number; end: number }> {
  const where = `V${placement.trackIndex + 1}`;
  const notThere = (why: string) =>
    hostError(
      PremiereErrorCode.importFailed,
      `Premiere reported the take as placed on ${where}, but ${why}. The take is in the Retake bin: drag it onto the timeline, or import again.`,
    );
  const count = await sequence.getVideoTrackCount();
  if (placement.trackIndex >= count) throw notThere(`the sequence has only ${count} video track${count === 1 ? "" : "s"}`);
  const track = await sequence.getVideoTrack(placement.trackIndex);
  const id = item.getId();
  for (const clip of track.getTrackItems(ppro.Constants.TrackItemType.CLIP, false)) {
    const [start, end, projectItem] = await Promise.all([clip.getStartTime(), clip.getEndTime(), clip.getProjectItem()]);
    const startSeconds = ticksToSeconds(start.ticks);
    if (projectItem?.getId() === id && Math.abs(startSeconds - placement.start) <= halfFrameSeconds) {
      return { start: startSeconds, end: ticksToSeconds(end.ticks) };
    }
  }
  throw notThere(`${where} holds no clip of it at ${placement.start.toFixed(2)} s`);
}
