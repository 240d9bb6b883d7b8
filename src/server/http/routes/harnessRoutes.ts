import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { ImportTakeParams, PlacementMode, SequenceColorSpace } from "../../../core/schemas/index.js";
import type { SimulatedProject } from "../../harness/simulatedProject.js";
import { parseOr400 } from "../errors.js";
import { sendFileWithRange } from "./artifactRoutes.js";

/** Routes of the dev harness: the simulated Premiere project the browser host talks to. */
export function registerHarnessRoutes(app: FastifyInstance, deps: { project: SimulatedProject }) {
  const { project } = deps;

  app.get("/harness/state", async () => project.snapshot());

  app.put("/harness/sequence", async (request) => {
    const change = parseOr400(
      z.object({ colorSpace: SequenceColorSpace.optional(), playheadSeconds: z.number().nonnegative().optional() }),
      request.body,
      "Sequence change",
    );
    return project.update(change);
  });

  app.post("/harness/reset", async () => project.reset());

  app.get("/harness/sample.mp4", async (request, reply) => sendFileWithRange(request, reply, project.sampleClipPath, "video/mp4"));

  app.post("/harness/capture", async (request) => {
    const { mode, bridgeSeconds } = parseOr400(
      z.object({ mode: PlacementMode.default("insert"), bridgeSeconds: z.number().positive().max(10).optional() }),
      request.body ?? {},
      "Capture",
    );
    return project.capture(mode, bridgeSeconds);
  });

  app.post("/harness/import", async (request) => {
    const params = parseOr400(ImportTakeParams, request.body, "Import");
    return project.importTake(params.jobId, params.takeId, params.mode);
  });
}
