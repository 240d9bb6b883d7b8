import { findShotUnderPlayhead } from "../../core/placement.js";
import type { FrameContext, PlacementMode } from "../../core/schemas/index.js";
import type { BackendHttp } from "../uxp/backendHttp.js";
import { describe, hostError, HostErrorCode } from "../uxp/errors.js";
import { fileSize, readWholeFile, removeQuietly, scheduleLateCleanup } from "../uxp/fileIo.js";
import { uploadFrame } from "../uxp/frameUpload.js";
import { fileIn, type HostFile } from "../uxp/paths.js";
import { isCompletePng, pngSize } from "../uxp/png.js";
import type { UxpApi, UxpFs } from "../uxp/types.js";
import { findCompBridge } from "./bridgeAnchors.js";
import { readCompContext, selectedLayers } from "./compContext.js";
import { compTimePoint, lastFrameStart } from "./compTime.js";
import type { AeCompItem, AeDeferredCall, AeLayer, AfterEffectsModule } from "./types.js";

export const NO_LAYER_TO_EXTEND_MESSAGE = "Extend continues the selected layer: select the one layer whose end the take should follow (in the Timeline), then try again.";

/** How long a frame render may take before the capture gives up (AE is also asked to abort by then). */
export const RENDER_TIMEOUT_MS = 30_000;

/**
 * host.captureFrame: `saveFrameToPng` at the comp's current time (Insert) or at the selected
 * layer's last frame (Extend) into the plugin's temp folder; the render's DeferredCall awaited
 * within a deadline, the file checked to be a whole PNG, then uploaded with the comp's context.
 * Nothing in the project changes (the current time is not moved).
 */
export async function captureFrame(
  deps: { ae: AfterEffectsModule; uxp: UxpApi; fs: UxpFs; backend: BackendHttp; renderTimeoutMs?: number },
  mode: PlacementMode,
  bridgeSeconds?: number,
): Promise<FrameContext> {
  const { comp, context } = readCompContext(deps.ae);
  if (comp.numLayers === 0) {
    throw hostError(HostErrorCode.noClips, `The composition "${comp.name}" has no layers. Add a shot, park the current-time indicator on it, then capture.`);
  }
  if (mode === "bridge") {
    // Both anchors rendered as the comp shows them (its color): B's first, then A's naming it.
    const { span } = findCompBridge(comp, context, bridgeSeconds);
    const folder = await deps.uxp.storage.localFileSystem.getTemporaryFolder();
    const renderAt = async (at: number) => {
      const file = fileIn(folder, `retake-frame-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}.png`);
      try {
        return await renderFrame(deps.fs, comp, at, file, compTimePoint(at, context.frameRate, context.dropFrame, comp.displayStartTime ?? 0).timecode, deps.renderTimeoutMs ?? RENDER_TIMEOUT_MS);
      } finally {
        await removeQuietly(deps.fs, file.url);
      }
    };
    const end = await uploadFrame(deps.backend, { context, mode, png: await renderAt(span.endAnchor) });
    return uploadFrame(deps.backend, { context, mode, png: await renderAt(span.startAnchor), bridge: { ...span, endFrameId: end.frameId } });
  }
  let at: number;
  if (mode === "extend") {
    const layer = layerToExtend(comp);
    at = lastFrameStart(layer.outPoint, comp.frameDuration, layer.inPoint);
  } else {
    at = comp.time;
    if (at >= comp.duration) {
      throw hostError(HostErrorCode.playheadBeyondEnd, `The current time (${context.playhead.timecode}) is past the end of the composition. Move it onto a shot, then capture.`);
    }
    if (!findShotUnderPlayhead(context.videoTracks, at)) {
      throw hostError(HostErrorCode.captureFailed, `No layer is visible at the current time (${context.playhead.timecode}). Move the current-time indicator onto a shot, then capture.`);
    }
  }

  let folder;
  try {
    folder = await deps.uxp.storage.localFileSystem.getTemporaryFolder();
  } catch (error) {
    throw hostError(HostErrorCode.captureFailed, `Retake cannot use its temporary folder: ${describe(error)}`);
  }
  const file = fileIn(folder, `retake-frame-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}.png`);
  const timecode = compTimePoint(at, context.frameRate, context.dropFrame, comp.displayStartTime ?? 0).timecode;
  try {
    const png = await renderFrame(deps.fs, comp, at, file, timecode, deps.renderTimeoutMs ?? RENDER_TIMEOUT_MS);
    refuseUnlessCompSize(comp, png);
    return await uploadFrame(deps.backend, { context, mode, png });
  } finally {
    await removeQuietly(deps.fs, file.url);
    scheduleLateCleanup(deps.fs, [file.url]);
  }
}

/**
 * The frame must be the comp's full size: a render that follows the comp's resolution factor
 * (Half, Quarter: undocumented either way) would upload a small frame as full-frame context.
 */
function refuseUnlessCompSize(comp: AeCompItem, png: Uint8Array): void {
  const got = pngSize(png)!;
  const width = Math.round(comp.width);
  const height = Math.round(comp.height);
  if (got.width === width && got.height === height) return;
  const [fx, fy] = comp.resolutionFactor ?? [1, 1];
  const hint =
    fx !== 1 || fy !== 1
      ? " The composition's resolution is not Full: set it to Full (the Resolution menu under the Composition panel), then capture again."
      : " Capture again; if it persists, note the composition's settings for a bug report.";
  throw hostError(HostErrorCode.captureFailed, `After Effects rendered a ${got.width}×${got.height} frame of the ${width}×${height} composition "${comp.name}".${hint}`);
}

/**
 * The one selected layer Extend continues, with room after it in the composition. Capture and
 * import both ask, so a layer that runs to the comp's end is refused before anything is drafted
 * (and paid for), not at import.
 */
export function layerToExtend(comp: AeCompItem): AeLayer {
  const selected = selectedLayers(comp);
  if (selected.length !== 1) {
    throw hostError(HostErrorCode.noPlacement, selected.length === 0 ? NO_LAYER_TO_EXTEND_MESSAGE : `${selected.length} layers are selected. ${NO_LAYER_TO_EXTEND_MESSAGE}`);
  }
  const layer = selected[0]!;
  if (layer.outPoint >= comp.duration - 1e-6) {
    throw hostError(
      HostErrorCode.noPlacement,
      `"${layer.name}" ends at the end of the composition, so an extension would start where nothing shows. Lengthen the composition first (Composition › Composition Settings › Duration).`,
    );
  }
  return layer;
}

/**
 * Files appear after a render reports done (a-y-ibrahim/after-effects-mcp#14: PNGs "appeared over
 * the following seconds"): how long to look after it does, within the render's deadline.
 */
const WRITE_GRACE_MS = 5_000;
const POLL_MS = 40;

async function renderFrame(fs: UxpFs, comp: AeCompItem, seconds: number, file: HostFile, timecode: string, timeoutMs: number): Promise<Uint8Array> {
  const deadline = Date.now() + timeoutMs;
  let call: AeDeferredCall;
  try {
    call = comp.saveFrameToPng(seconds, file.nativePath, Math.max(1, Math.ceil(timeoutMs / 1000)));
  } catch (error) {
    throw hostError(HostErrorCode.captureFailed, `After Effects could not render the frame at ${timecode}: ${describe(error)}`);
  }
  const awaited = await settle(call, deadline);
  if (awaited === "timeout") {
    throw hostError(HostErrorCode.timeout, `After Effects did not finish rendering the frame at ${timecode} within ${inWords(timeoutMs)}. Check for a dialog waiting in After Effects, then capture again.`);
  }
  // After a reported render, look a little longer; with nothing to await, until the deadline.
  const lookUntil = awaited === "done" ? Math.min(deadline, Date.now() + WRITE_GRACE_MS) : deadline;
  for (;;) {
    const size = await fileSize(fs, file.url);
    if (size !== undefined && size > 0) {
      const bytes = await readWholeFile(fs, file.url);
      if (isCompletePng(bytes)) return bytes;
    }
    if (Date.now() >= lookUntil) break;
    await sleep(POLL_MS);
  }
  if (awaited === "unawaitable") {
    throw hostError(HostErrorCode.timeout, `After Effects did not write the frame at ${timecode} within ${inWords(timeoutMs)}. Check for a dialog waiting in After Effects, then capture again.`);
  }
  throw hostError(
    HostErrorCode.captureFailed,
    `After Effects said the frame at ${timecode} was rendered but wrote no complete image. Capture again; if it keeps happening, purge the cache (Edit › Purge › All Memory & Disk Cache).`,
  );
}

/**
 * A DeferredCall is awaited as a thenable, or through `wait()` (the reference shows both
 * wordings); a render that fails rejects, and its message is the editor's. Bounded by `deadline`.
 */
async function settle(call: AeDeferredCall, deadline: number): Promise<"done" | "unawaitable" | "timeout"> {
  let pending: Promise<unknown>;
  if (call && typeof call.then === "function") pending = Promise.resolve(call as PromiseLike<unknown>);
  else if (call && typeof call.wait === "function") pending = Promise.resolve().then(() => call.wait!());
  else return "unawaitable";
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), Math.max(0, deadline - Date.now()))));
  try {
    return await Promise.race([
      pending.then(
        () => "done" as const,
        (error: unknown) => {
          throw hostError(HostErrorCode.captureFailed, `After Effects could not render the frame: ${describe(error)}`);
        },
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const inWords = (ms: number) => (ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
