import type { Placement } from "../../core/schemas/index.js";
import { describe, hostError, HostErrorCode } from "../uxp/errors.js";
import { importOptionsFor, inUndoGroup, isFolder } from "./aeModule.js";
import type { AeApp, AeCompItem, AeFolderItem, AeFootageItem, AeLayer, AeProject, AfterEffectsModule } from "./types.js";

/** The Project panel folder imported takes are kept in (the Premiere host's bin has the same name). */
export const FOLDER_NAME = "Retake";

export interface AddTakeLayerInput {
  app: AeApp;
  project: AeProject;
  comp: AeCompItem;
  /** The file to import; for an EXR sequence, its first frame. */
  importPath: string;
  sequence: boolean;
  /** Comp seconds where the layer starts. */
  start: number;
  /** The layer to go above (the selected one); none: the top of the stack. */
  above?: AeLayer;
  layerName: string;
  comment: string;
  /** The project's XMP with this take recorded, given the layer it became. */
  recordXmp: (xmp: string, layer: AeLayer) => string;
  undoLabel: string;
  /** The take has a sound track: the layer must carry it, audio switch on. */
  sound: boolean;
}

/**
 * The one edit, inside one undo group: import the file (an EXR sequence as a sequence, played at
 * the comp's rate), file it in the "Retake" folder, add it as a layer starting at `start`, move
 * it above the selected layer, name it after the take, and record the provenance in the project
 * XMP. One Undo in After Effects takes it all back. Should any step fail, what this edit made is
 * removed before the group closes, so the project is left as it was: no half-added layer, no
 * orphan footage item, no empty folder.
 *
 * Sound: in After Effects a movie's sound is the layer's own audio (AVLayer.hasAudio), not a
 * separate track. A take with sound gets its layer's audio switch turned on (it is on by default;
 * set anyway, so a preference cannot leave it off); `soundOn` reports what the layer then says.
 */
export function addTakeLayer(ae: AfterEffectsModule, input: AddTakeLayerInput): { placement: Placement; footageName: string; soundOn: boolean } {
  const { project, comp } = input;
  let footage: AeFootageItem | undefined;
  let layer: AeLayer | undefined;
  let createdFolder: AeFolderItem | undefined;
  try {
    return inUndoGroup(input.app, input.undoLabel, () => {
      try {
        footage = project.importFile(importOptionsFor(ae, input.importPath, input.sequence));
        // Image sequences come in at the "Sequence Footage" preference rate (30 fps by default).
        if (input.sequence && footage.mainSource && !footage.mainSource.isStill) footage.mainSource.conformFrameRate = comp.frameRate;
        const folder = retakeFolder(ae, project) ?? (createdFolder = project.items.addFolder(FOLDER_NAME));
        footage.parentFolder = folder;
        footage.comment = input.comment;
        layer = comp.layers.add(footage);
        layer.startTime = input.start;
        if (input.above) layer.moveBefore(input.above);
        else layer.moveToBeginning();
        layer.name = input.layerName;
        layer.comment = input.comment;
        // Only a layer with an audio component has the switch (setting it on one without is an error).
        if (input.sound && layer.hasAudio) layer.audioEnabled = true;
        const soundOn = layer.hasAudio && layer.audioEnabled;
        project.xmpPacket = input.recordXmp(project.xmpPacket ?? "", layer);
        const placed = layer;
        return {
          placement: {
            trackIndex: comp.numLayers - placed.index,
            start: placed.inPoint,
            end: placed.outPoint,
            newTrack: true,
            layer: { index: placed.index, name: placed.name },
          },
          footageName: footage.name,
          soundOn,
        };
      } catch (error) {
        takeBack([layer, footage, createdFolder]);
        throw error;
      }
    });
  } catch (error) {
    throw hostError(
      HostErrorCode.importFailed,
      `After Effects refused to add the take to "${comp.name}" (${describe(error)}). The project was not changed and the downloaded file was removed.`,
    );
  }
}

/** The "Retake" folder at the project root, if there is one. */
function retakeFolder(ae: AfterEffectsModule, project: AeProject): AeFolderItem | undefined {
  const root = project.rootFolder;
  for (let i = 1; i <= root.numItems; i++) {
    const item = root.item(i);
    if (item.name === FOLDER_NAME && isFolder(ae, item)) return item;
  }
  return undefined;
}

/** Removes, newest first, what a failed edit made (each removal on its own, so one failure does not keep the others). */
function takeBack(made: ({ remove(): boolean } | undefined)[]): void {
  for (const thing of made) {
    try {
      thing?.remove();
    } catch {
      // already gone
    }
  }
}
