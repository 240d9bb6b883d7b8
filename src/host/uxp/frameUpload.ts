import { FrameContext, type BridgeSpan, type PlacementMode, type SequenceContext } from "../../core/schemas/index.js";
import type { BackendHttp } from "./backendHttp.js";
import { buildMultipart } from "./multipart.js";

/**
 * A captured still uploaded to the backend's frames API with the context it was captured in.
 * Only the frame id and small facts travel back over the bridge; the pixels go over HTTP.
 */
export async function uploadFrame(backend: BackendHttp, input: { context: SequenceContext; mode: PlacementMode; png: Uint8Array; bridge?: BridgeSpan }): Promise<FrameContext> {
  const { body, contentType } = buildMultipart([
    // `bridge`: A's frame of a bridge names B's (uploaded first) and the span.
    { name: "context", value: JSON.stringify({ sequence: input.context, mode: input.mode, ...(input.bridge ? { bridge: input.bridge } : {}) }) },
    { name: "image", fileName: "frame.png", contentType: "image/png", bytes: input.png },
  ]);
  return backend.json(FrameContext, "/v1/frames", { method: "POST", headers: { "content-type": contentType }, body });
}
