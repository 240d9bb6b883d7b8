import { isBeingDelivered } from "../../core/schemas/index.js";
import { takeNumber } from "./autoLoop.js";
import type { DirectorContext } from "./directorContext.js";

/**
 * After a restart: free local takes run again; paid takes resume polling the job they already
 * submitted, so a paid generation is never lost — not even in a canceled job, when the cancel
 * spared it because its generation was already done.
 */
export async function resumeUnfinished(ctx: DirectorContext): Promise<number> {
  const { store, providers } = ctx;
  let resumed = 0;
  for (const take of await store.unfinishedTakes()) {
    const job = await store.getJob(take.jobId);
    const provider = job && providers.get(job.provider);
    if (!job || !provider) {
      await ctx.transition(take.id, { state: "failed", message: "Failed", error: { code: "provider_missing", message: "Its provider is no longer configured." } });
      continue;
    }
    // A canceled job's take whose generation was done (paid) when the backend stopped is still
    // delivered: polled again, its output fetched. A local provider's output went with the process.
    if (job.canceled && !(isBeingDelivered(take) && !provider.rerunAfterRestart)) {
      await ctx.transition(take.id, { state: "canceled", message: "Canceled" });
      continue;
    }
    const resumeFrom = provider.rerunAfterRestart ? null : take.providerJobId;
    if (job.loop) {
      await ctx.log(job.id, {
        round: take.iteration,
        kind: "resume",
        text: provider.rerunAfterRestart
          ? `Take ${takeNumber(take)} rendered again after a backend restart (${provider.info().label} is local and free).`
          : resumeFrom
            ? `Take ${takeNumber(take)} resumed after a backend restart: polling ${provider.info().label} for the generation already paid for.`
            : `Take ${takeNumber(take)} sent to ${provider.info().label} after a backend restart (it had not been sent before the stop).`,
        takeIds: [take.id],
      });
    }
    if (provider.rerunAfterRestart) await ctx.transition(take.id, { state: "queued", progress: 0, message: "Queued again after a backend restart", providerJobId: null });
    // The take step picks up from the record: polls the provider job it has, else submits.
    await ctx.startTake(job, take.id);
    resumed++;
  }
  // An auto job whose round had settled when the backend stopped, before the next was drafted.
  for (const jobId of await store.runningLoops()) {
    const job = await store.getJob(jobId);
    if (job) await ctx.start(job, { kind: "loop", jobId });
  }
  // An enhance at a size whose final was done when the backend stopped, before its upscale started.
  for (const job of await store.listJobs(200)) if (job.upscaleNext && !job.upscaleNext.jobId && !job.upscaleNext.refused) await ctx.start(job, { kind: "upscaleNext", jobId: job.id });
  return resumed;
}
