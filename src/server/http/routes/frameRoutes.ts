import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { BridgeSpan, PlacementMode, SequenceContext } from "../../../core/schemas/index.js";
import { MAX_FRAME_BYTES, type FrameStore } from "../../files/frameStore.js";
import type { Store } from "../../ledger/store.js";
import { HttpError, parseOr400 } from "../errors.js";
import { sendFileWithRange } from "./artifactRoutes.js";

/** `bridge` goes with A's frame of a bridge (B's is uploaded first, and its id is `bridge.endFrameId`). */
const FrameUploadContext = z.object({ sequence: SequenceContext, mode: PlacementMode.default("insert"), bridge: BridgeSpan.optional() });

export function registerFrameRoutes(app: FastifyInstance, deps: { store: Store; frames: FrameStore }) {
  /** multipart/form-data: `context` (JSON) and `image` (PNG/JPEG). Media never travels as base64. */
  app.post("/v1/frames", async (request, reply) => {
    if (!request.isMultipart()) {
      throw new HttpError(415, "multipart_required", "Upload the frame as multipart/form-data with parts \"context\" and \"image\".");
    }
    let contextText: string | undefined;
    let image: Buffer | undefined;
    for await (const part of request.parts({ limits: { fileSize: MAX_FRAME_BYTES, files: 1, fields: 4 } })) {
      if (part.type === "file") {
        if (part.fieldname !== "image") throw new HttpError(400, "invalid_request", `Unexpected file part "${part.fieldname}"; send the frame as "image".`, part.fieldname);
        image = await part.toBuffer();
      } else if (part.fieldname === "context") {
        contextText = String(part.value);
      }
    }
    if (!contextText) throw new HttpError(400, "invalid_request", 'The upload has no "context" part.', "context");
    if (!image) throw new HttpError(400, "invalid_request", 'The upload has no "image" part.', "image");
    let contextJson: unknown;
    try {
      contextJson = JSON.parse(contextText);
    } catch {
      throw new HttpError(400, "invalid_request", 'The "context" part is not valid JSON.', "context");
    }
    const context = parseOr400(FrameUploadContext, contextJson, "Frame context");
    const frame = await deps.frames.save(image, context.sequence, context.mode, context.bridge);
    return reply.code(201).send(frame);
  });

  app.get<{ Params: { id: string } }>("/v1/frames/:id", async (request) => {
    const found = await deps.store.getFrame(request.params.id);
    if (!found) throw new HttpError(404, "frame_not_found", `No frame ${request.params.id}.`);
    return found.frame;
  });

  const image = async (request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => {
    const found = await deps.store.getFrame(request.params.id);
    if (!found) throw new HttpError(404, "frame_not_found", `No frame ${request.params.id}.`);
    return sendFileWithRange(request, reply, found.imagePath, found.frame.image.mediaType);
  };
  // HEAD by hand, first, as for artifacts: Fastify's automatic HEAD answers Content-Length 0.
  app.head("/v1/frames/:id/image", image);
  app.get("/v1/frames/:id/image", image);
}
