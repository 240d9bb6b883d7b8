import { BridgeError } from "../../core/bridge/index.js";
import type { CompLayer, SequenceContext, VideoTrack } from "../../core/schemas/index.js";
import { isDropFrameRate } from "../../core/time.js";
import { describe, hostError, HostErrorCode } from "../uxp/errors.js";
import { appOf, isComp } from "./aeModule.js";
import { compTimePoint, frameRateFromFps } from "./compTime.js";
import { readProjectColor } from "./projectColor.js";
import type { AeApp, AeCompItem, AeLayer, AeProject, AfterEffectsModule } from "./types.js";

/** What the host knows about the active comp, plus the live objects the edit steps need. */
export interface LiveComp {
  app: AeApp;
  project: AeProject;
  comp: AeCompItem;
  context: SequenceContext;
}

/** The open project and its active composition, or a message saying what to open. */
export function activeComp(ae: AfterEffectsModule): { app: AeApp; project: AeProject; comp: AeCompItem } {
  const app = appOf(ae);
  let project: AeProject | null | undefined;
  try {
    project = app.project;
  } catch (error) {
    throw hostError(HostErrorCode.noProject, `After Effects has no project open (${describe(error)}). Open or create a project, then try again.`);
  }
  if (!project) throw hostError(HostErrorCode.noProject, "After Effects has no project open. Open or create a project, then try again.");
  const item = project.activeItem;
  if (!item) {
    throw hostError(
      HostErrorCode.noSequence,
      "No composition is active. Click in a composition's Timeline or Composition panel (or select one composition in the Project panel), then try again.",
    );
  }
  if (!isComp(ae, item)) {
    throw hostError(
      HostErrorCode.noSequence,
      `The active item "${item.name}"${item.typeName ? ` (${item.typeName})` : ""} is not a composition. Open the composition you are working on in the Timeline, then try again.`,
    );
  }
  return { app, project, comp: item };
}

export function readCompContext(ae: AfterEffectsModule): LiveComp {
  const { app, project, comp } = activeComp(ae);
  try {
    const frameRate = frameRateFromFps(comp.frameRate);
    const dropFrame = Boolean(comp.dropFrame) && isDropFrameRate(frameRate);
    const layers = compLayers(comp);
    const selected = topmostSelected(comp);
    const color = readProjectColor(project);
    const context: SequenceContext = {
      host: "aftereffects",
      projectName: projectName(project.file),
      sequenceName: comp.name,
      frameSize: { width: Math.round(comp.width), height: Math.round(comp.height) },
      pixelAspect: comp.pixelAspect > 0 ? comp.pixelAspect : 1,
      frameRate,
      dropFrame,
      colorSpace: color.colorSpace,
      ...(color.settings.colorSpaceFrom === "default" ? { colorSpaceAssumed: true as const } : {}),
      maxBitDepth: color.settings.bitsPerChannel === 32,
      compositeInLinear: color.settings.linearize,
      playhead: compTimePoint(comp.time, frameRate, dropFrame, comp.displayStartTime ?? 0),
      durationSeconds: Math.max(0, comp.duration),
      videoTracks: layersAsTracks(layers),
      ...(selected ? { selectedLayer: describeLayer(selected) } : {}),
      projectColor: color.settings,
    };
    return { app, project, comp, context };
  } catch (error) {
    if (error instanceof BridgeError) throw error;
    throw hostError(HostErrorCode.internal, `After Effects did not describe the composition "${comp.name}": ${describe(error)}`);
  }
}

/** Every layer, top (index 1) first. */
export function compLayers(comp: AeCompItem): AeLayer[] {
  const layers: AeLayer[] = [];
  for (let i = 1; i <= comp.numLayers; i++) layers.push(comp.layer(i));
  return layers;
}

export function selectedLayers(comp: AeCompItem): AeLayer[] {
  return [...(comp.selectedLayers ?? [])].sort((a, b) => a.index - b.index);
}

function topmostSelected(comp: AeCompItem): AeLayer | undefined {
  return selectedLayers(comp)[0];
}

export function describeLayer(layer: AeLayer): CompLayer {
  return { index: layer.index, name: layer.name, inPoint: layer.inPoint, outPoint: layer.outPoint };
}

/**
 * Layers as the panel's tracks: each layer its own track, the bottom layer first (index 0), so
 * "higher track" means "above" in both hosts; each holds one clip from in point to out point.
 */
function layersAsTracks(layers: AeLayer[]): VideoTrack[] {
  const count = layers.length;
  return layers
    .map((layer) => ({
      index: count - layer.index,
      name: layer.name,
      clips: layer.hasVideo === false ? [] : [{ name: layer.name, start: layer.inPoint, end: layer.outPoint }],
    }))
    .sort((a, b) => a.index - b.index);
}

function projectName(file: string): string {
  const base = (file ?? "").split(/[\\/]/).pop() ?? "";
  return base.replace(/\.aepx?$/i, "") || "Untitled Project";
}
