import type { Job, UpconvertRequest } from "../../core/schemas/index.js";
import { DirectorError, type DirectorContext } from "./directorContext.js";
import { startFollowUpJob } from "./followUpJob.js";

/**
 * Lifts a finished SDR take to an HDR master with Runway's video_to_hdr (ruby): a new one-take
 * job on the same frame and direction, so the SDR original stays as it was.
 */
export async function upconvertTake(ctx: DirectorContext, takeId: string, request: UpconvertRequest, createdBy?: Job["createdBy"]): Promise<Job> {
  const { store, providers } = ctx;
  const source = await store.getTake(takeId);
  if (!source) throw new DirectorError(404, "take_not_found", `No take ${takeId}.`);
  const sourceJob = (await store.getJob(source.jobId))!;
  const master = source.outputs.master && await store.getArtifact(source.outputs.master.id);
  if (source.state !== "succeeded" || !master) throw new DirectorError(409, "take_not_ready", "Only a finished take can be lifted to HDR.");
  // Judge what the provider delivered (the `source` kept beside a conformed master): an SDR
  // take conformed into a PQ container is still SDR picture, and lifting it is the point.
  const delivered = (source.outputs.source && await store.getArtifact(source.outputs.source.id)) || master;
  const transfer = delivered.artifact.colorTags?.colr?.transfer;
  if (transfer === 16 || transfer === 18) throw new DirectorError(409, "already_hdr", "This take is already HDR.");
  if (!providers.get(request.provider)?.info().capabilities.upconvert) throw new DirectorError(400, "upconvert_unsupported", `${request.provider} cannot upconvert to HDR.`, "provider");
  const { provider } = ctx.availableProvider(request.provider);
  const sequenceSpace = sourceJob.frame.sequence.colorSpace;
  const format = request.format ?? (sequenceSpace === "rec2100-hlg" ? "hlg" : "hdr_prores");
  const colorSpace = format === "hlg" ? "rec2100-hlg" : "rec2100-pq";
  const model = "ruby";
  const cost = ctx.estimateTake(provider, { mode: "final", model, duration: sourceJob.duration });
  // The judge looks at the HDR take too: its estimate is checked with it and held in its cost.
  const judgeUsd = await ctx.judgeEstimateUsd(sourceJob.frame.sequence.projectName);
  const checked = cost.usd + judgeUsd;
  const guard = await ctx.budget.guard(checked, { count: 1, perTakeUsd: checked });
  return await startFollowUpJob(ctx, sourceJob, { provider, model, cost, judgeUsd, colorSpace, message: "Queued for HDR upconversion", link: { upconvertOf: { takeId, format } }, guard, ...(createdBy ? { createdBy } : {}) });
}
