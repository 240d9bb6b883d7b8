import { findBridgePlacement, findBridgeSpan } from "../../core/placement.js";
import type { BridgeSpan, FrameContext, Placement, VideoTrack } from "../../core/schemas/index.js";
import { frameToTicks, secondsToTicks, ticksToFrame } from "../../core/time.js";
import type { BackendHttp } from "../uxp/backendHttp.js";
import { describe, hostError, HostErrorCode as PremiereErrorCode } from "../uxp/errors.js";
import { uploadFrame } from "../uxp/frameUpload.js";
import { pngSize } from "../uxp/png.js";
import { exportFrame } from "./frameExport.js";
import { readSequenceContext } from "./sequenceContext.js";
import type { PremiereApi, UxpApi, UxpFs } from "./types.js";

/**
 * Bridge in Premiere: A, B and the gap or cut between them are found from the clip items'
 * start/end on the sequence (the context's tracks, read with the official API types in
 * sequenceContext.ts) by core's findBridgeSpan, the rule every host shares. Both anchors are
 * exported with Exporter.exportSequenceFrame, i.e. as the sequence renders them, in its color:
 * B's first, uploaded as a plain bridge frame, then A's, uploaded with the span and B's id.
 */
export async function captureBridge(
  deps: { ppro: PremiereApi; uxp: UxpApi; fs: UxpFs; backend: BackendHttp },
  bridgeSeconds?: number,
): Promise<FrameContext> {
  const { sequence, context } = await readSequenceContext(deps.ppro);
  let span: BridgeSpan;
  try {
    span = findBridgeSpan(context.videoTracks, context.playhead.seconds, context.frameRate, bridgeSeconds);
  } catch (error) {
    throw hostError(PremiereErrorCode.noPlacement, describe(error));
  }
  let folder;
  try {
    folder = await deps.uxp.storage.localFileSystem.getTemporaryFolder();
  } catch (error) {
    throw hostError(PremiereErrorCode.captureFailed, `Retake cannot use its temporary folder: ${describe(error)}`);
  }
  const exportAt = async (seconds: number) => {
    const ticks = frameToTicks(ticksToFrame(secondsToTicks(seconds), context.frameRate, "nearest"), context.frameRate).toString();
    const png = await exportFrame(deps, sequence, deps.ppro.TickTime.createWithTicks(ticks), folder, context.frameSize);
    if (!pngSize(png)) throw hostError(PremiereErrorCode.captureFailed, "Premiere exported something that is not a PNG image; capture again.");
    return png;
  };
  const end = await uploadFrame(deps.backend, { context, mode: "bridge", png: await exportAt(span.endAnchor) });
  return uploadFrame(deps.backend, { context, mode: "bridge", png: await exportAt(span.startAnchor), bridge: { ...span, endFrameId: end.frameId } });
}

/**
 * Where a bridge take goes now (the timeline may have changed since the capture): the gap it was
 * made for, still empty, or above the cut. The start in ticks is on the sequence's frame grid.
 */
export function bridgePlacement(tracks: VideoTrack[], span: BridgeSpan | undefined, rate: { num: number; den: number }): Placement & { startTicks: string } {
  if (!span) throw hostError(PremiereErrorCode.noPlacement, "This take was not made as a bridge: import it with Insert or Extend.");
  try {
    const p = findBridgePlacement(tracks, span);
    const startTicks = frameToTicks(ticksToFrame(secondsToTicks(p.start), rate, "nearest"), rate).toString();
    return { trackIndex: p.trackIndex, start: p.start, end: p.end, newTrack: p.newTrack, startTicks };
  } catch (error) {
    throw hostError(PremiereErrorCode.noPlacement, describe(error));
  }
}
