/**
 * `POST /v1/takes/:id/conform {format?}`: conform a take's master to its job's sequence (color
 * space, frame size, pixel aspect, frame rate, requested duration). On success the new master
 * replaces `take.outputs.master` (the old file stays on disk, its artifact still served), the
 * take's change goes out on the job's event stream, and the answer carries the conform's notes
 * and the import gate's verdict on the new file — what the panel shows on the take card.
 */
import fs from "node:fs";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { gateImport } from "../../../core/colorTags/index.js";
import type { Artifact, Take } from "../../../core/schemas/index.js";
import { ConformError, conformMaster } from "../../conform/index.js";
import type { JobEvents } from "../../director/jobEvents.js";
import { newId } from "../../ids.js";
import type { Store } from "../../ledger/store.js";
import { FfmpegError, FfmpegMissingError } from "../../media/ffmpeg.js";
import { HttpError, parseOr400 } from "../errors.js";

/** Formats a take can be conformed to for import; EXR sequences are an export, not a master. */
export const ConformRequest = z.object({
  format: z.enum(["prores422hq", "prores4444", "hevc-hdr10"]).default("prores422hq"),
});

const MEDIA_TYPE = { ".mov": "video/quicktime", ".mp4": "video/mp4" } as const;

export function registerConformRoutes(app: FastifyInstance, deps: { store: Store; dataDir: string; events?: JobEvents }) {
  const { store } = deps;
  /** One conform per take at a time: a second click waits for nothing and is told so. */
  const running = new Set<string>();

  app.post<{ Params: { id: string } }>("/v1/takes/:id/conform", async (request) => {
    const { format } = parseOr400(ConformRequest, request.body ?? {}, "Conform request");
    const take = await store.getTake(request.params.id);
    if (!take) throw new HttpError(404, "take_not_found", `No take ${request.params.id}.`);
    const job = await store.getJob(take.jobId);
    if (!job) throw new HttpError(404, "job_not_found", `No job ${take.jobId}.`);
    const master = take.outputs.master && (await store.getArtifact(take.outputs.master.id));
    if (take.state !== "succeeded" || !take.outputs.master) {
      throw new HttpError(409, "take_not_ready", `Take ${take.index + 1} has no master yet (it is ${take.state}).`);
    }
    if (!master || !fs.existsSync(master.path)) throw new HttpError(410, "master_missing", "The take's master is no longer on the backend.");
    if (running.has(take.id)) throw new HttpError(409, "conform_running", "This take is already being conformed.");

    const seq = job.frame.sequence;
    const ext = format === "hevc-hdr10" ? ".mp4" : ".mov";
    const dir = path.join(deps.dataDir, "artifacts", take.id);
    const out = path.join(dir, `master-conformed-${Date.now().toString(36)}${ext}`);
    running.add(take.id);
    try {
      const result = await conformMaster({
        inputPath: master.path,
        outputPath: out,
        format,
        target: {
          colorSpace: seq.colorSpace,
          width: seq.frameSize.width,
          height: seq.frameSize.height,
          frameRate: seq.frameRate,
          duration: job.duration,
          pixelAspect: seq.pixelAspect,
        },
      });
      const gate = gateImport(result.tags, seq.colorSpace);
      if (!gate.ok) {
        // Never replace a master with one the gate would refuse.
        fs.rmSync(out, { force: true });
        throw new HttpError(500, "conform_failed", `The conformed master still fails the import check: ${gate.reasons.join(" ")}`);
      }
      const artifact: Artifact = {
        id: newId("art"),
        takeId: take.id,
        kind: "master",
        fileName: path.basename(out),
        mediaType: MEDIA_TYPE[ext],
        bytes: fs.statSync(out).size,
        width: seq.frameSize.width,
        height: seq.frameSize.height,
        codec: result.tags.codec,
        colorTags: result.tags,
        // The sound conform kept (PCM 48 kHz in a .mov), so the card and Import still know the take has it.
        ...(result.audio ? { audio: result.audio } : {}),
        createdAt: new Date().toISOString(),
      };
      await store.insertArtifact(artifact, out);
      // On the take as it is now: it may have changed (critique, message, a star) while we conformed.
      const changed = await store.changeTake(take.id, (current) => ({
        ...current,
        outputs: { ...current.outputs, master: artifact },
        message: result.route === "retag" ? "Color tags fixed" : "Conformed to the sequence",
        updatedAt: new Date().toISOString(),
      }));
      if (!changed) throw new HttpError(404, "take_not_found", `No take ${take.id}.`);
      const next: Take = changed.take;
      deps.events?.emit(next.jobId, { type: "take", seq: changed.seq, take: next });
      return { take: next, artifact, notes: result.notes, route: result.route, gate };
    } catch (err) {
      fs.rmSync(out, { force: true });
      if (err instanceof HttpError) throw err;
      if (err instanceof ConformError) throw new HttpError(err.code === "tool_missing" ? 500 : 422, err.code, err.message);
      if (err instanceof FfmpegMissingError) throw new HttpError(500, "ffmpeg_missing", err.message);
      if (err instanceof FfmpegError) throw new HttpError(500, "conform_failed", `Conforming the take failed: ${err.message}`);
      throw err;
    } finally {
      running.delete(take.id);
    }
  });
}
