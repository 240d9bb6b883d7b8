import type { ColorTags, ImportTakeResult, PlacementMode, SequenceColorSpace } from "../../core/schemas/index.js";
import type { BackendHttp } from "../uxp/backendHttp.js";
import { SETTING_AE_MEDIA_FOLDER_TOKEN } from "../uxp/backendSettings.js";
import { throwIfCancelled } from "../uxp/cancel.js";
import { hostError, HostErrorCode } from "../uxp/errors.js";
import { removeQuietly } from "../uxp/fileIo.js";
import { resolveMediaFolder } from "../uxp/mediaFolder.js";
import { markerComment, provenanceOf } from "../uxp/provenance.js";
import type { Secrets } from "../uxp/secrets.js";
import { downloadVerifiedMaster, fetchFinishedTake, takeBaseName } from "../uxp/takeMedia.js";
import type { UxpApi } from "../uxp/types.js";
import { addTakeLayer, FOLDER_NAME } from "./addTakeLayer.js";
import { bridgeLayerPlan } from "./bridgeAnchors.js";
import { layerToExtend } from "./captureFrame.js";
import { readCompContext, selectedLayers } from "./compContext.js";
import { downloadVerifiedExrSequence, exrSequenceArtifact, type AeFs } from "./exrDownload.js";
import { ocioGuidance } from "./projectColor.js";
import { withTakeRecord } from "./projectXmp.js";
import type { AeCompItem, AeLayer, AfterEffectsModule } from "./types.js";

export interface AeImportDeps {
  ae: AfterEffectsModule;
  uxp: UxpApi;
  fs: AeFs;
  secrets: Secrets;
  backend: BackendHttp;
}

/** What is imported: the file (or first EXR frame), how, and how to take it back off the disk. */
interface MediaOnDisk {
  importPath: string;
  sequence: boolean;
  mediaPath: string;
  tags: ColorTags;
  delivered: SequenceColorSpace | "aces2065-1";
  remove(): Promise<void>;
}

/**
 * host.importTake in After Effects: the take's master streamed into the media folder and checked
 * with the shared gate (or, in an OCIO project when the take has one, its ACES2065-1 EXR sequence,
 * unpacked and checked frame numbering and all), then added as a layer of the active comp in one
 * undo group: at the current time (Insert) or at the selected layer's out point (Extend), above
 * the selected layer, named after the take, its provenance in the project XMP. In an OCIO project
 * the answer says which media color space to set by hand and why. Any failure leaves the project
 * as it was and removes what was written.
 */
export async function importTake(deps: AeImportDeps, params: { jobId: string; takeId: string; mode: PlacementMode }, signal?: AbortSignal): Promise<ImportTakeResult> {
  const finished = await fetchFinishedTake(deps.backend, params, signal);
  const { job, take } = finished;
  const initial = readCompContext(deps.ae);
  // Where the take goes is decided at the click, and refused before any download.
  const bridging = params.mode === "bridge" || job.frame.mode === "bridge";
  if (bridging && params.mode !== "bridge") throw hostError(HostErrorCode.noPlacement, "This take is a bridge: import it with Bridge, so it lands between its two layers.");
  const plan = bridging ? bridgeLayerPlan(initial.comp, job.frame.bridge) : planPlacement(initial.comp, params.mode, initial.context.playhead.timecode);
  const mediaFolder = await resolveMediaFolder({ ...deps, tokenKey: SETTING_AE_MEDIA_FOLDER_TOKEN }, initial.project.file);
  const settings = initial.context.projectColor!;

  const exr = settings.engine === "ocio" ? exrSequenceArtifact(finished) : undefined;
  let media: MediaOnDisk;
  if (exr) {
    const sequence = await downloadVerifiedExrSequence(deps, { mediaFolder, finished, artifact: exr, ...(signal ? { signal } : {}) });
    media = { importPath: sequence.firstFrame.nativePath, sequence: true, mediaPath: sequence.folder.nativePath, tags: sequence.tags, delivered: "aces2065-1", remove: sequence.remove };
  } else {
    const master = await downloadVerifiedMaster(deps, { folder: mediaFolder, finished, colorSpace: initial.context.colorSpace, ...(signal ? { signal } : {}) });
    media = {
      importPath: master.target.nativePath,
      sequence: false,
      mediaPath: master.target.nativePath,
      tags: master.tags,
      delivered: initial.context.colorSpace,
      remove: () => removeQuietly(deps.fs, master.target.url),
    };
  }

  const provenance = provenanceOf(job, take);
  const layerName = takeBaseName(job, take);
  let added;
  try {
    // A deadline or cancel during the download: nothing is added (the one undo group is synchronous, so after this nothing can stop it half way).
    throwIfCancelled(signal, "the take was downloaded but not added to the composition");
    added = addTakeLayer(deps.ae, {
      app: initial.app,
      project: initial.project,
      comp: initial.comp,
      importPath: media.importPath,
      sequence: media.sequence,
      start: plan.start,
      ...(plan.above ? { above: plan.above } : {}),
      layerName,
      comment: markerComment(provenance),
      recordXmp: (xmp, layer) =>
        withTakeRecord(xmp, { provenance, compName: initial.comp.name, layerId: layer.id, layerName, mediaPath: media.mediaPath, importedAt: new Date().toISOString() }),
      undoLabel: `Retake: add take ${take.index + 1}`,
      // An EXR delivery has no sound (its frames carry none); the movie master does when the take has it.
      sound: !media.sequence && take.outputs.master?.audio !== undefined,
    });
  } catch (error) {
    await media.remove();
    throw error;
  }
  const hasSound = take.outputs.master?.audio !== undefined;
  const soundMissing = hasSound && !added.soundOn
    ? media.sequence
      ? "The take has sound, but EXR frames carry none: import the take's master movie as well to hear it."
      : `The take has sound, but After Effects shows no audio on the layer "${added.placement.layer?.name ?? layerName}". Check the footage's audio in the Project panel.`
    : undefined;
  const guidance = [ocioGuidance(added.footageName, media.delivered, settings), soundMissing].filter(Boolean).join(" ") || undefined;
  const sound = added.soundOn ? { sound: { trackIndex: added.placement.trackIndex, start: added.placement.start, end: added.placement.end } } : {};
  return { mediaPath: media.mediaPath, binName: FOLDER_NAME, placement: added.placement, colorTags: media.tags, ...sound, ...(guidance ? { guidance } : {}) };
}

/** Insert: at the current time, above the topmost selected layer (or on top). Extend: at the selected layer's out point, above it. */
function planPlacement(comp: AeCompItem, mode: PlacementMode, timecode: string): { start: number; above?: AeLayer } {
  if (mode === "extend") {
    const layer = layerToExtend(comp);
    return { start: layer.outPoint, above: layer };
  }
  if (comp.time >= comp.duration - 1e-6) {
    throw hostError(HostErrorCode.playheadBeyondEnd, `The current time (${timecode}) is at the end of the composition, where nothing shows. Move it back, then import again.`);
  }
  const above = selectedLayers(comp)[0];
  return above ? { start: comp.time, above } : { start: comp.time };
}
