import { TARGET_SIZE_PIXELS, type Job, type UpscaleRequest } from "../../core/schemas/index.js";
import { takeNumber } from "./autoLoop.js";
import { round2, usd } from "./budget.js";
import { DirectorError, type DirectorContext } from "./directorContext.js";
import { startFollowUpJob } from "./followUpJob.js";
import { resumeStoppedUpscale } from "./stoppedOnService.js";
import { checkSizeForSequence, pickUpscaler, SIZE_WORDS, upscaleCost, upscaleSourcePath } from "./upscaleJob.js";

/**
 * Upscaling a finished take (POST /v1/takes/:id/upscale), and the `upscaleNext` step: the upscale
 * an enhance at a size planned, started once its final is ready. The pieces (which upscaler,
 * what it costs, which file it lifts, the check of its picture) are in upscaleJob.ts.
 */

/**
 * Lifts a finished take to a larger picture size on an upscale provider (POST
 * /v1/takes/:id/upscale, and the step after an enhance whose provider cannot render the size):
 * a new one-take job with `upscaleOf`, on the same frame and direction, so the take stays as it
 * was. Conform delivers its master at the size in the sequence's color; the critic checks it
 * against the take (upscaleCheck.ts).
 */
export async function upscaleTake(
  ctx: DirectorContext,
  takeId: string,
  request: UpscaleRequest,
  beforeStart?: (job: Job) => Promise<void>,
  createdBy?: Job["createdBy"],
): Promise<Job> {
  const { store, providers } = ctx;
  const source = await store.getTake(takeId);
  if (!source) throw new DirectorError(404, "take_not_found", `No take ${takeId}.`);
  const sourceJob = (await store.getJob(source.jobId))!;
  if (source.state !== "succeeded" || !source.outputs.master) throw new DirectorError(409, "take_not_ready", "Only a finished take can be upscaled.");
  const problem = checkSizeForSequence(request.size, sourceJob.frame.sequence.frameSize);
  if (problem) throw new DirectorError(400, "size_unsupported", problem, "size");
  const file = await upscaleSourcePath(store, source, request.size);
  if (!file) throw new DirectorError(409, "take_not_ready", "This take has no master file any more.");
  const px = TARGET_SIZE_PIXELS[request.size];
  if ((file.width ?? 0) >= px.width && (file.height ?? 0) >= px.height) {
    throw new DirectorError(409, "already_at_size", `Take ${takeNumber(source)} is already ${file.width}×${file.height}: there is nothing to upscale to ${SIZE_WORDS[request.size]}.`, "size");
  }
  const upscaler = pickUpscaler(providers, request.size, { ...(request.provider ? { provider: request.provider } : {}), ...(request.model ? { model: request.model } : {}) });
  const cost = upscaleCost(upscaler, request.size, sourceJob.duration, file.path);
  // The judge looks at the upscale too: its estimate is checked with it and held in its cost.
  const judgeUsd = await ctx.judgeEstimateUsd(sourceJob.frame.sequence.projectName);
  const checked = cost.usd + judgeUsd;
  const guard = await ctx.budget.guard(checked, { budgetUsd: request.budgetUsd, count: 1, perTakeUsd: checked });
  return await startFollowUpJob(ctx, sourceJob, {
    guard,
    ...(createdBy ? { createdBy } : {}),
    field: "budgetUsd",
    provider: upscaler.provider,
    model: upscaler.model,
    cost,
    judgeUsd,
    colorSpace: sourceJob.frame.sequence.colorSpace,
    message: `Queued for upscaling to ${SIZE_WORDS[request.size]}`,
    link: { upscaleOf: { takeId, size: request.size }, targetSize: request.size },
    budgetUsd: request.budgetUsd,
    beforeStart: async (job) => {
      await ctx.log(job.id, {
        round: 0,
        kind: "enhance",
        text: `Upscaling take ${takeNumber(source)} of job ${sourceJob.id} (${file.width ?? "?"}×${file.height ?? "?"}) to ${SIZE_WORDS[request.size]} on ${upscaler.info.label} (${upscaler.model}, ${usd(cost.usd)}); the master is conformed to the sequence's color and the critic checks the picture was kept.`,
        takeIds: [source.id],
      });
      await beforeStart?.(job);
    },
  });
}

/**
 * After an enhance's take is final: start the upscale it planned (upscaleNext), once, with what
 * is left of the enhance's budget. A refusal (the day's cap reached meanwhile, the upscaler gone)
 * is written on the enhance job and its log, never thrown: the final itself is kept.
 */
export async function startPlannedUpscale(ctx: DirectorContext, jobId: string): Promise<void> {
  // Recorded as not started because team mode's queue gave up on this step, which now runs again
  // (an admin's redrive): it starts after all (stoppedOnService.ts).
  await resumeStoppedUpscale(ctx.store, ctx.deps.events, jobId);
  const job = await ctx.store.getJob(jobId);
  const next = job?.upscaleNext;
  const take = job?.takes[0];
  if (!job || !next || next.jobId || next.refused || take?.state !== "succeeded" || job.canceled) return;
  const left = round2(Math.max(0, ctx.budget.limitOf(job) - await ctx.store.spentInJob(job.id)));
  try {
    const upscale = await upscaleTake(ctx, take.id, { size: next.size, provider: next.provider, model: next.model, budgetUsd: left }, async (up) =>
      await ctx.updateJob(jobId, { upscaleNext: { ...next, jobId: up.id } }),
    );
    await ctx.log(jobId, { round: 0, kind: "enhance", text: `Final ready; upscaling it to ${SIZE_WORDS[next.size]} (job ${upscale.id}).`, takeIds: [take.id] });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await ctx.updateJob(jobId, { upscaleNext: { ...next, refused: message } });
    await ctx.log(jobId, { round: 0, kind: "enhance", text: `The final is kept at its own size, but the upscale to ${SIZE_WORDS[next.size]} was not started: ${message}`, takeIds: [take.id] });
  }
}
