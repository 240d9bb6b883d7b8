import { TERMINAL_TAKE_STATES, type Take } from "../../core/schemas/index.js";
import { BudgetRefusedError } from "../ledger/store.js";
import { decideAfterRound, type RoundDecision } from "./autoLoop.js";
import type { DirectorContext } from "./directorContext.js";
import { bestRef, deliveredColorSpace, newTake, planCapabilities } from "./jobParts.js";
import { heldCost } from "./judgeHold.js";
import { resumeStoppedLoop } from "./stoppedOnService.js";

/**
 * The `loop` step: an auto job's next move once a take of it settles. When its round is complete,
 * rank, then stop or draft the next round (decideAfterRound, autoLoop.ts). The round's reasoning,
 * its takes and the loop's new state are written with one `recordRound`, so a crash leaves the
 * round whole or not at all; its spend is checked inside that write (job budget, daily cap, the admin's limits), so a job
 * spending meanwhile cannot push any of them over (the round is then decided again on what is
 * left). The round is sized to the tightest of them beforehand, so a limit stops the loop with a
 * reason rather than being refused.
 *
 * Two takes settling together must lead to one decision: the runner never runs a job's loop step
 * twice at once (inProcessSteps.ts; a queue's singleton key in team mode).
 */
export async function advanceLoop(ctx: DirectorContext, jobId: string): Promise<void> {
  // Ended because team mode's queue gave up on this step, which now runs again (an admin's
  // redrive): the loop goes on from the ledger (stoppedOnService.ts).
  await resumeStoppedLoop(ctx.store, ctx.deps.events, jobId);
  // A refused round is decided again on the spend as it now is (fewer takes, or a budget stop).
  let refusal = "";
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await decideAndRecord(ctx, jobId);
      return;
    } catch (error) {
      if (!(error instanceof BudgetRefusedError)) throw error;
      refusal = error.message;
    }
  }
  // Still refused (others spending as fast as it decides): the loop stops on the budget, saying
  // why, rather than staying "running" with nothing in flight.
  const job = await ctx.store.getJob(jobId);
  if (!job?.loop || job.loop.state === "done") return;
  const loop = { ...job.loop, state: "done" as const, stop: "budget" as const, best: bestRef(job.takes) };
  const written = await ctx.store.recordRound(jobId, [{ round: job.loop.round, kind: "stop", text: `Stopped: the next round was refused. ${refusal}`, at: new Date().toISOString() }], [], { loop });
  for (const entry of written.entries) ctx.deps.events.emit(jobId, { type: "log", seq: entry.seq, entry });
  if (written.jobSeq !== null) await ctx.emitJob(jobId, written.jobSeq);
}

async function decideAndRecord(ctx: DirectorContext, jobId: string): Promise<void> {
  const { store, providers } = ctx;
  const job = await store.getJob(jobId);
  if (!job?.auto || !job.loop) return;
  // The best take can change after a round was decided (a later take of the round settling, a
  // retried take scoring): keep the loop's pick the one Enhance best would render.
  const best = bestRef(job.takes);
  const bestChanged = best?.takeId !== job.loop.best?.takeId || best?.score !== job.loop.best?.score;
  if (job.loop.state === "done") {
    if (bestChanged) await ctx.updateJob(jobId, { loop: { ...job.loop, best } });
    return;
  }
  const provider = providers.get(job.provider);
  const info = provider?.info();
  let decision: RoundDecision;
  let takes: Take[] = [];
  let perTakeUsd = 0;
  let judgeUsd = 0;
  const now = new Date().toISOString();
  if (!provider || !info?.available) {
    if (job.takes.some((t) => !TERMINAL_TAKE_STATES.has(t.state))) return;
    const why = info ? `${info.label} is no longer available (${info.reason ?? "unknown reason"})` : `its provider "${job.provider}" is no longer configured`;
    decision = { kind: "stop", loop: { ...job.loop, state: "done", stop: "failed", best }, log: [{ round: job.loop.round, kind: "stop", text: `Stopped: ${why}.` }] };
  } else {
    const perTake = ctx.estimateTake(provider, { mode: job.mode, model: job.model, duration: job.duration, exr: job.exr, audio: job.audio, sequence: job.frame.sequence });
    const room = await ctx.budget.roomFor(job);
    const adminLeft = await ctx.budget.adminRoomFor(job);
    // The judge's estimate is checked with each take's and held in its cost until the judge has looked.
    judgeUsd = await ctx.judgeEstimateUsd(job.frame.sequence.projectName);
    perTakeUsd = perTake.usd + judgeUsd;
    decision = decideAfterRound({
      job,
      providerLabel: info.label,
      capabilities: planCapabilities(info),
      perTakeUsd,
      budgetLeftUsd: room.jobLeftUsd,
      dailyLeftUsd: room.dayLeftUsd,
      ...(adminLeft ? { adminLeft } : {}),
      randomSeed: ctx.randomSeed,
    });
    if (decision.kind === "refine") {
      const { round } = decision.loop;
      const colorSpace = deliveredColorSpace(info, job.mode, job.frame.sequence.colorSpace);
      takes = decision.variants.map((variant, i) => newTake({ jobId, index: job.takes.length + i, iteration: round, ...heldCost(perTake, judgeUsd), colorSpace, now, variant }));
    }
  }
  if (decision.kind === "wait") {
    if (bestChanged) await ctx.updateJob(jobId, { loop: { ...job.loop, best } });
    return;
  }
  const guard =
    takes.length > 0
      ? await ctx.budget.guard(perTakeUsd * takes.length, { limitUsd: ctx.budget.limitOf(job), count: takes.length, perTakeUsd, jobId })
      : undefined;
  // One transaction: the reasoning, the round's takes and the loop's state land together or not
  // at all, so a restart never repeats a half-written round. Listeners hear once it is written,
  // the reasoning ("round 2 refines take 3…") before the takes it explains.
  const written = await store.recordRound(
    jobId,
    decision.log.map((line) => ({ ...line, at: now })),
    takes,
    { loop: decision.loop },
    guard,
  );
  for (const entry of written.entries) ctx.deps.events.emit(jobId, { type: "log", seq: entry.seq, entry });
  for (const { seq, take } of written.takes) ctx.deps.events.emit(jobId, { type: "take", seq, take });
  if (written.jobSeq !== null) await ctx.emitJob(jobId, written.jobSeq);
  if (takes.length === 0) return;
  const fresh = (await store.getJob(jobId))!;
  for (const take of takes) await ctx.startTake(fresh, take.id);
}
