import type { EnhanceRequest, Job, TakeVariant } from "../../core/schemas/index.js";
import { bestTake, takeScore } from "../../core/takeRanking.js";
import { takeNumber } from "./autoLoop.js";
import { round2, usd } from "./budget.js";
import { DirectorError, type DirectorContext } from "./directorContext.js";
import { startFollowUpJob } from "./followUpJob.js";
import { defaultModel, deliveredColorSpace } from "./jobParts.js";
import { checkAgainstLimits } from "./providerExtras.js";
import { enhanceAtSize, planSize } from "./upscaleJob.js";

/**
 * Renders a draft as a final master (POST /v1/jobs/:id/enhance): a new one-take final job with
 * the same frame and direction, sent with the draft's wording and corrections, and its seed
 * where the same provider takes seeds. On another provider only the wording carries over: the
 * corrections answered the draft model's own habits.
 */
export async function enhance(ctx: DirectorContext, jobId: string, request: EnhanceRequest, createdBy?: Job["createdBy"]): Promise<Job> {
  const { store, providers } = ctx;
  const sourceJob = await store.getJob(jobId);
  if (!sourceJob) throw new DirectorError(404, "job_not_found", `No job ${jobId}.`);
  const source = request.takeId ? sourceJob.takes.find((t) => t.id === request.takeId) : bestTake(sourceJob.takes);
  if (!source) {
    throw request.takeId
      ? new DirectorError(404, "take_not_found", `Job ${jobId} has no take ${request.takeId}.`, "takeId")
      : new DirectorError(409, "no_scored_take", "No take of this job is finished and scored yet, so there is no best one: pick a take to enhance.", "takeId");
  }
  if (source.state !== "succeeded" || !source.outputs.master) throw new DirectorError(409, "take_not_ready", `Take ${takeNumber(source)} is not finished, so it cannot be enhanced yet.`, "takeId");
  const { provider, info } = ctx.availableProvider(request.provider ?? sourceJob.provider);
  if (!info.capabilities.modes.includes("final")) throw new DirectorError(400, "mode_unsupported", `${info.label} cannot make final takes.`, "provider");
  if (sourceJob.mode === "final" && provider.id === sourceJob.provider) {
    throw new DirectorError(409, "already_final", `Take ${takeNumber(source)} is already a final master from ${info.label}; enhance it on another provider, or lift it to HDR.`, "takeId");
  }
  const limitProblem = checkAgainstLimits(info, { mode: "final", duration: sourceJob.duration, exr: request.exr });
  if (limitProblem) throw new DirectorError(400, "unsupported_combination", limitProblem.message, limitProblem.field);
  const model = request.model ?? defaultModel(provider, info, "final");
  const cost = ctx.estimateTake(provider, { mode: "final", model, duration: sourceJob.duration, exr: request.exr, sequence: sourceJob.frame.sequence });
  // A target size: rendered natively, or the final is followed by an upscale the budget covers too.
  const sized = request.size
    ? enhanceAtSize(planSize({ providers, info, model, size: request.size, frameSize: sourceJob.frame.sequence.frameSize, duration: sourceJob.duration, ...(request.upscaleProvider ? { upscaleProvider: request.upscaleProvider } : {}) }), request.size, info, cost)
    : undefined;
  // The judge looks at the final (and at its planned upscale, checked again when that starts on
  // what is left of this budget): its estimate is checked here and held in the take's cost.
  const judgeUsd = await ctx.judgeEstimateUsd(sourceJob.frame.sequence.projectName);
  const both = round2(cost.usd + judgeUsd + (sized?.upscaleUsd ? sized.upscaleUsd + judgeUsd : 0));
  const guard = await ctx.budget.guard(both, { budgetUsd: request.budgetUsd, count: 1, perTakeUsd: both }, sized?.costWords ?? "");

  const sameProvider = provider.id === sourceJob.provider;
  const drafted = source.variant;
  const scored = takeScore(source);
  const what = `take ${takeNumber(source)}${scored !== null ? ` (score ${Math.round(scored)})` : ""}`;
  const keepSeed = sameProvider && info.capabilities.seed === true && drafted?.seed !== undefined;
  const carried: string[] = [];
  if (drafted && drafted.wording !== "plain") carried.push("its wording");
  if (sameProvider && drafted && drafted.emphasis.length > 0) carried.push("its corrections");
  if (sameProvider && drafted?.pathKeyframes) carried.push("its camera keyframes");
  if (keepSeed) carried.push(`its seed (${drafted!.seed}${model !== sourceJob.model ? `; ${model} may still render it differently from ${sourceJob.model}` : ""})`);
  const variant: TakeVariant | undefined = drafted
    ? {
        ...drafted,
        ...(keepSeed ? {} : { seed: ctx.randomSeed() }),
        ...(sameProvider ? {} : { emphasis: [], pathKeyframes: drafted.pathKeyframes && info.capabilities.keyframes === true }),
        refines: source.id,
        changes: [`final of ${what}`, ...(carried.length > 0 ? [`keeps ${carried.join(", ")}`] : [])],
      }
    : undefined;
  const draftLabel = providers.get(sourceJob.provider)?.info().label ?? sourceJob.provider;
  return await startFollowUpJob(ctx, sourceJob, {
    provider,
    model,
    cost,
    judgeUsd,
    colorSpace: deliveredColorSpace(info, "final", sourceJob.frame.sequence.colorSpace),
    message: "Queued for the final master",
    link: { enhanceOf: { jobId: sourceJob.id, takeId: source.id }, ...sized?.link },
    variant,
    budgetUsd: request.budgetUsd,
    exr: request.exr,
    guard,
    field: "budgetUsd",
    ...(createdBy ? { createdBy } : {}),
    beforeStart: async (job) => {
      await ctx.log(job.id, {
        round: 0,
        kind: "enhance",
        text: `Rendering ${what} of job ${sourceJob.id} as a final on ${info.label} (${usd(cost.usd)}): the same frame and direction${carried.length > 0 ? `, with ${carried.join(", ")}` : ""}.${sized?.logWords ?? ""}${!sameProvider && drafted && drafted.emphasis.length > 0 ? ` The draft's corrections are not sent: they answered ${draftLabel}'s habits, not ${info.label}'s.` : ""}`,
        takeIds: [source.id],
      });
      await ctx.log(sourceJob.id, { round: sourceJob.loop?.round ?? 0, kind: "enhance", text: `Take ${takeNumber(source)} sent to ${info.label} for its final master (job ${job.id}).`, takeIds: [source.id] });
    },
  });
}
