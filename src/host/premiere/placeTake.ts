import type { Placement } from "../../core/schemas/index.js";
import { secondsToTicks } from "../../core/time.js";
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
}

/**
 * The one edit: a single lockedAccess → executeTransaction that overwrites the take onto its
 * track, writes the provenance XMP and adds the marker, so one Undo in Premiere takes it all back.
 * Everything async (item, times, markers object, XMP text) is gathered by the caller; both
 * callbacks here are synchronous, and every Action is created inside the lock (Premiere 26.3+).
 *
 * Overwrite never ripples: clips on other tracks (and later on this one) stay where they are. A
 * new track is asked for by passing the index one past the last track (see docs/premiere.md for
 * the live check of that behaviour); audio goes nowhere (-1) so no audio track is overwritten.
 */
export function placeTake(ppro: PremiereApi, input: PlaceTakeInput): void {
  const { project, sequence, item, placement } = input;
  const start = ppro.TickTime.createWithTicks(input.startTicks ?? secondsToTicks(placement.start).toString());
  const duration = ppro.TickTime.createWithTicks(secondsToTicks(placement.end - placement.start).toString());
  const editor = ppro.SequenceEditor.getEditor(sequence);
  let committed = false;
  let failure: unknown;
  try {
    project.lockedAccess(() => {
      committed = project.executeTransaction((compound) => {
        compound.addAction(editor.createOverwriteItemAction(item, start, placement.trackIndex, -1));
        compound.addAction(ppro.Metadata.createSetXMPMetadataAction(item, input.xmp));
        compound.addAction(input.markers.createAddMarkerAction(input.markerName, "Comment", start, duration, input.markerComment));
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
}
