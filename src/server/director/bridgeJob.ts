import { fitBridge, speedWords, type BridgeFit } from "../../core/bridgeFit.js";
import type { BridgeSpan, FrameContext, ProviderInfo } from "../../core/schemas/index.js";
import type { Store } from "../ledger/store.js";
import { ServiceError } from "../serviceError.js";

/**
 * Bridge jobs in the director: which provider and model may make one, how long to generate, and
 * where the end frame is. A bridge job is an ordinary job whose frame was captured in Bridge
 * mode: its frame is A's picture and carries the span (with B's frame), its duration is the span's
 * exact length, and every take is generated at `fit.generatedSeconds` and retimed to the span.
 */
export interface BridgePlan {
  span: BridgeSpan;
  fit: BridgeFit;
  /** Seconds the span covers on the timeline (its frames at the sequence rate). */
  spanSeconds: number;
}

export class BridgeJobError extends ServiceError {}

export function spanSeconds(frame: FrameContext, span: BridgeSpan): number {
  const rate = frame.sequence.frameRate;
  return (span.frames * rate.den) / rate.num;
}

/** The bridge plan of a job's frame, or undefined when the frame was not captured for Bridge. */
export function bridgePlanFor(frame: FrameContext, info: ProviderInfo): BridgePlan | undefined {
  if (frame.mode !== "bridge") return undefined;
  const span = frame.bridge;
  if (!span?.endFrameId) {
    throw new BridgeJobError(400, "bridge_incomplete", "This frame was captured for Bridge without B's frame: capture the bridge again (both frames are needed).", "frameId");
  }
  const capability = info.capabilities.bridge;
  if (!capability) {
    throw new BridgeJobError(400, "bridge_unsupported", `${info.label} cannot bridge (it takes no end frame): choose Previz, Luma (ray-3.2), Runway (veo3.1), fal (Veo 3.1 first+last frame, Kling, Seedance, Hailuo, LTX, Wan) or ComfyUI (wan-flf / ltx-flf).`, "provider");
  }
  const seconds = spanSeconds(frame, span);
  return { span, fit: fitBridge(seconds, capability.lengths), spanSeconds: seconds };
}

/** The model a bridge take uses: the one asked for when it can bridge, else the provider's bridge default. */
export function bridgeModel(info: ProviderInfo, requested: string | undefined): string {
  const models = info.capabilities.bridge!.models;
  if (requested === undefined) return models[0]!;
  if (!models.includes(requested)) {
    throw new BridgeJobError(400, "bridge_unsupported", `${info.label}'s ${requested} cannot bridge (no end frame); use ${models.join(" or ")}.`, "model");
  }
  return requested;
}

/** B's captured frame on disk. */
export async function endFramePath(store: Store, span: BridgeSpan): Promise<string> {
  const found = span.endFrameId ? await store.getFrame(span.endFrameId) : undefined;
  if (!found) throw new BridgeJobError(404, "frame_not_found", "B's frame for this bridge is no longer on the backend: capture the bridge again.", "frameId");
  return found.imagePath;
}

/** The log/notes sentence for a fitted take. */
export function retimeNote(generatedFrames: number, placedFrames: number, speed: number): string {
  return `Generated ${generatedFrames} frames, fitted to the ${placedFrames}-frame bridge by a constant speed change (${speedWords(speed)}, frames blended); its first and last frames are kept as generated, so both anchors stay.`;
}
