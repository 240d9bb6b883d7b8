import type { FrameContext, PlacementMode } from "../../core/schemas/index.js";
import { findShotUnderPlayhead, NO_SHOT_TO_EXTEND_MESSAGE } from "../../core/placement.js";
import { frameToTicks, secondsToTicks, ticksToFrame } from "../../core/time.js";
import type { BackendHttp } from "../uxp/backendHttp.js";
import { describe, hostError, HostErrorCode as PremiereErrorCode } from "../uxp/errors.js";
import { uploadFrame } from "../uxp/frameUpload.js";
import { pngSize } from "../uxp/png.js";
import { captureBridge } from "./bridgeAnchors.js";
import { exportFrame } from "./frameExport.js";
import { readSequenceContext } from "./sequenceContext.js";
import type { PremiereApi, UxpApi, UxpFs } from "./types.js";

/**
 * host.captureFrame: the frame under the playhead (Insert) or the last frame of the shot under it
 * (Extend), exported into the plugin's temp folder and uploaded to the backend's frames API with
 * the sequence context. Only a frame id and small facts travel back over the bridge.
 */
export async function captureFrame(
  deps: { ppro: PremiereApi; uxp: UxpApi; fs: UxpFs; backend: BackendHttp },
  mode: PlacementMode,
  bridgeSeconds?: number,
): Promise<FrameContext> {
  if (mode === "bridge") return captureBridge(deps, bridgeSeconds);
  const { sequence, context } = await readSequenceContext(deps.ppro);
  const clips = context.videoTracks.flatMap((t) => t.clips);
  if (clips.length === 0) {
    throw hostError(PremiereErrorCode.noClips, `The sequence "${context.sequenceName}" has no clips. Put a shot on the timeline, park the playhead on it, then capture.`);
  }
  const at = context.playhead.seconds;
  if (at >= context.durationSeconds) {
    throw hostError(
      PremiereErrorCode.playheadBeyondEnd,
      `The playhead (${context.playhead.timecode}) is past the end of the sequence. Move it onto a shot, then capture.`,
    );
  }
  const shot = findShotUnderPlayhead(context.videoTracks, at);
  if (!shot) {
    throw hostError(
      mode === "extend" ? PremiereErrorCode.noPlacement : PremiereErrorCode.captureFailed,
      mode === "extend" ? NO_SHOT_TO_EXTEND_MESSAGE : `There is no clip under the playhead (${context.playhead.timecode}). Move it onto a shot, then capture.`,
    );
  }
  // Extend directs from the shot's last frame: the frame that starts one frame before its end.
  const ticks =
    mode === "extend"
      ? frameToTicks(ticksToFrame(secondsToTicks(shot.clip.end), context.frameRate, "nearest") - 1, context.frameRate).toString()
      : context.playhead.ticks;
  const time = deps.ppro.TickTime.createWithTicks(ticks);

  let folder;
  try {
    folder = await deps.uxp.storage.localFileSystem.getTemporaryFolder();
  } catch (error) {
    throw hostError(PremiereErrorCode.captureFailed, `Retake cannot use its temporary folder: ${describe(error)}`);
  }
  // A whole PNG of the sequence's size, or a clear error (frameExport.ts).
  const image = await exportFrame(deps, sequence, time, folder, context.frameSize);

  return uploadFrame(deps.backend, { context, mode, png: image });
}
