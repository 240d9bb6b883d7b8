import { compileDirection } from "../../core/direction/index.js";
import {
  isBeingDelivered,
  TARGET_SIZE_PIXELS,
  TERMINAL_TAKE_STATES,
  type CostEstimate,
  type CreateJobRequest,
  type EstimateRequest,
  type Job,
  type JudgeInfo,
  type Money,
  type SpendTotals,
  type Take,
  type TakePatch,
} from "../../core/schemas/index.js";
import { estimateJudgeUsd } from "../critic/judge/runJudge.js";
import { JUDGE_FRAME_COUNT } from "../critic/judge/judgeFrames.js";
import { newId } from "../ids.js";
import type { Provider } from "../providers/provider.js";
import { BudgetRefusedError } from "../ledger/store.js";
import { ServiceError } from "../serviceError.js";
import { takeNumber } from "./autoLoop.js";
import { round2, usd } from "./budget.js";
import { bridgeModel, bridgePlanFor, endFramePath } from "./bridgeJob.js";
import { DirectorError, type DirectorContext } from "./directorContext.js";
import { bestRef, defaultCount, defaultModel, deliveredColorSpace, insertGuarded, newTake, planCapabilities, roundCost } from "./jobParts.js";
import { cancelMessage, checkAgainstLimits } from "./providerExtras.js";
import { heldCost, releaseJudgeHold } from "./judgeHold.js";
import { firstRoundVariants } from "./refinePlan.js";
import { checkSoundChoice } from "./soundChoice.js";
import type { Step } from "./steps.js";
import { planSize, type SizePlan } from "./upscaleJob.js";

/** What job lifecycle needs from whoever runs the takes. */
export interface TakeControl {
  /** Stops the take's step wherever it runs. */
  cancel(step: Step): Promise<void>;
}

/** What a take spared by a cancel says (its generation was done, so it is paid for and lands). */
export const SPARED_MESSAGE = "Already generated and paid for: delivering it despite the cancel";

/**
 * A job's life as the editor drives it: create (checked and priced, its budget checked inside the
 * insert), estimate, cancel, retry a failed take, star and note a take; and what the settings and
 * the spend view show. The takes themselves run as steps (takeRunner.ts).
 */
export class JobLifecycle {
  constructor(
    private readonly ctx: DirectorContext,
    private readonly takes: TakeControl,
  ) {}

  async createJob(request: CreateJobRequest, createdBy?: Job["createdBy"]): Promise<Job> {
    const { store } = this.ctx;
    const frame = await store.getFrame(request.frameId);
    if (!frame) {
      throw new DirectorError(404, "frame_not_found", `No captured frame ${request.frameId}: capture the frame again, then draft.`, "frameId");
    }
    const { provider, info } = this.ctx.availableProvider(request.provider);
    if (!info.capabilities.modes.includes(request.mode)) {
      throw new DirectorError(400, "mode_unsupported", `${info.label} cannot make ${request.mode} takes.`, "mode");
    }
    if (request.auto && request.mode !== "draft") {
      throw new DirectorError(400, "auto_needs_drafts", "Auto mode refines drafts; render the chosen draft as a final with Enhance.", "auto");
    }
    const count = request.count ?? defaultCount(info, request.auto !== undefined);
    if (count > info.capabilities.maxCount) {
      throw new DirectorError(400, "count_too_large", `${info.label} makes at most ${info.capabilities.maxCount} takes per job.`, "count");
    }
    // Bridge: the span decides the length; the provider generates the nearest length it offers at
    // or above it (priced and limit-checked at that length), and delivery retimes it to fit.
    const bridge = bridgePlanFor(frame.frame, info);
    if (bridge) await endFramePath(store, bridge.span);
    const duration = bridge ? bridge.spanSeconds : request.duration;
    const generated = bridge ? bridge.fit.generatedSeconds : request.duration;
    const limitProblem = bridge ? undefined : checkAgainstLimits(info, request);
    if (limitProblem) throw new DirectorError(400, "unsupported_combination", limitProblem.message, limitProblem.field);

    // A bridge's direction is drawn (and judged) on the span; it is stretched to the generated length when sent.
    const direction = compileDirection({ prompt: request.prompt, annotations: request.annotations, duration }, {
      frameSize: frame.frame.sequence.frameSize,
    });
    const model = bridge ? bridgeModel(info, request.model) : request.model ?? defaultModel(provider, info, request.mode);
    checkSoundChoice(info, model, request.audio);
    const cost = this.ctx.estimateTake(provider, { mode: request.mode, model, duration: generated, exr: request.exr, audio: request.audio, sequence: frame.frame.sequence });
    // The judge's estimate counts against the budget too, and is held in each take's cost until the
    // judge has looked (judgeHold.ts), so other jobs' checks see it while the takes are in flight.
    const judgeUsd = await this.ctx.judgeEstimateUsd(frame.frame.sequence.projectName);
    const checked = cost.usd + judgeUsd;
    // Checked inside the insert's transaction: two jobs at once that only one fits under cannot both land.
    const guard = await this.ctx.budget.guard(checked * count, { budgetUsd: request.budgetUsd, count, perTakeUsd: checked });
    const now = new Date().toISOString();
    const jobId = newId("job");
    const colorSpace = deliveredColorSpace(info, request.mode, frame.frame.sequence.colorSpace);
    const variants = request.auto ? firstRoundVariants({ direction, capabilities: planCapabilities(info), count, randomSeed: this.ctx.randomSeed }) : [];
    const takes = Array.from({ length: count }, (_, index) => newTake({ jobId, index, iteration: 0, ...heldCost(cost, judgeUsd), colorSpace, now, variant: variants[index] }));
    const budgetLimitUsd = request.budgetUsd ?? this.ctx.budget.settings.perJobUsd;
    const job: Job = {
      id: jobId,
      createdAt: now,
      frame: frame.frame,
      direction,
      provider: provider.id,
      model,
      mode: request.mode,
      count,
      duration,
      budgetUsd: request.budgetUsd ?? null,
      budgetLimitUsd,
      ...(request.exr ? { exr: true } : {}),
      ...(request.audio !== undefined ? { audio: request.audio } : {}),
      ...(request.auto ? { auto: request.auto, loop: { state: "running" as const, round: 0, best: null } } : {}),
      canceled: false,
      ...(createdBy ? { createdBy } : {}),
      takes,
    };
    await insertGuarded(store, job, guard, "budgetUsd");
    if (request.auto) {
      const { target, rounds } = request.auto;
      const seeds = info.capabilities.seed ? `, each with its own seed` : "";
      await this.ctx.log(jobId, {
        round: 0,
        kind: "round",
        text: `Round 1: drafting ${count} take${count === 1 ? "" : "s"} on ${info.label} in varied wording${seeds} (${usd(cost.usd)} each). Target score ${target}; up to ${rounds} refinement round${rounds === 1 ? "" : "s"}; budget ${usd(budgetLimitUsd)}.`,
        takeIds: takes.map((t) => t.id),
      });
    }
    for (const take of takes) await this.ctx.startTake(job, take.id);
    return (await this.ctx.store.getJob(jobId))!;
  }

  async cancelJob(jobId: string): Promise<Job> {
    const job = await this.ctx.store.getJob(jobId);
    if (!job) throw new DirectorError(404, "job_not_found", `No job ${jobId}.`);
    const loop = job.loop?.state === "running" ? { loop: { ...job.loop, state: "done" as const, stop: "canceled" as const, best: bestRef(job.takes) } } : {};
    await this.ctx.updateJob(jobId, { canceled: true, ...loop });
    const provider = this.ctx.deps.providers.get(job.provider);
    const spared: Take[] = [];
    for (const take of job.takes) {
      if (TERMINAL_TAKE_STATES.has(take.state)) continue;
      // Decided on the take as the ledger has it, under its lock, whichever process runs it: one
      // the provider has already made (marked generated by the take runner before its download)
      // is paid for, so it is delivered and kept rather than thrown away; any other is canceled.
      let keep = false;
      const written = await this.ctx.transitionWhen(take.id, (current) => {
        if (TERMINAL_TAKE_STATES.has(current.state)) return undefined;
        keep = isBeingDelivered(current);
        if (keep) return { message: SPARED_MESSAGE };
        return {
          state: "canceled",
          message: current.providerJobId ? cancelMessage(provider) : "Canceled",
          // Nothing was sent, nothing is spent; a submitted take may still be charged by the provider.
          ...(current.providerJobId ? {} : { cost: { usd: 0, estimated: false } }),
        };
      });
      if (!written) continue;
      if (keep) {
        spared.push(written);
        continue;
      }
      await this.takes.cancel({ kind: "take", jobId, takeId: take.id });
      if (written.providerJobId && provider) this.sendCancel(job, written, provider, written.providerJobId);
    }
    const numbers = spared.map(takeNumber);
    const keptWords = numbers.length === 0 ? "" : ` ${numbers.length === 1 ? `Take ${numbers[0]} was` : `Takes ${numbers.join(", ")} were`} already generated: delivered and kept, not thrown away.`;
    if (job.loop?.state === "running") await this.ctx.log(jobId, { round: job.loop.round, kind: "stop", text: `Stopped: canceled by the editor during round ${job.loop.round + 1}.${keptWords}` });
    return (await this.ctx.store.getJob(jobId))!;
  }

  /**
   * Asks the provider to stop a submitted take. The take is canceled in the ledger at once (the
   * editor asked); a cancel the provider refuses or never answers is said in the job's log, since
   * the provider may then finish the take and charge for it.
   */
  private sendCancel(job: Job, take: Take, provider: Provider, providerJobId: string): void {
    provider.cancel(providerJobId).catch(async (error: unknown) => {
      const why = error instanceof Error ? error.message : String(error);
      await this.ctx.log(job.id, {
        round: job.loop?.round ?? 0,
        kind: "stop",
        text: `Take ${takeNumber(take)}: ${provider.info().label} did not confirm the cancel (${why}); it may still finish the take and charge for it.`,
        takeIds: [take.id],
      });
    });
  }

  /**
   * What a job would cost and whether the backend would accept it (POST /v1/estimate). The budget
   * answer is the guard job creation runs (budget.preview), for this editor (`createdBy`, team
   * mode) and project, so an estimate that says yes is not followed by a creation that says no
   * unless others spent in between; the admin's limits that apply are listed with their spend.
   */
  async estimate(request: EstimateRequest, createdBy?: Job["createdBy"]): Promise<CostEstimate> {
    const provider = this.ctx.knownProvider(request.provider);
    const info = provider.info();
    const model = request.model ?? defaultModel(provider, info, request.mode);
    checkSoundChoice(info, model, request.audio);
    const generation = this.ctx.estimateTake(provider, { mode: request.mode, model, duration: request.duration, exr: request.exr, audio: request.audio });
    const judgeUsd = await this.ctx.judgeEstimateUsd(request.projectName);
    const perTake: Money = judgeUsd > 0 ? { usd: roundCost(generation.usd + judgeUsd), estimated: true } : generation;
    const count = request.count ?? defaultCount(info, request.auto !== undefined);
    const totalUsd = round2(perTake.usd * count);
    const budget = this.ctx.budget.settings;
    const jobUsd = request.budgetUsd ?? budget.perJobUsd;
    const limitProblem = checkAgainstLimits(info, request);
    const autoProblem = request.auto && request.mode !== "draft" ? "Auto mode refines drafts; render the chosen draft as a final with Enhance." : undefined;
    let sized: SizePlan | undefined;
    let sizeProblem: string | undefined;
    if (request.size) {
      try {
        const frameSize = request.frameSize ?? TARGET_SIZE_PIXELS[request.size];
        sized = planSize({ providers: this.ctx.deps.providers, info, model, size: request.size, frameSize, duration: request.duration, ...(request.upscaleProvider ? { upscaleProvider: request.upscaleProvider } : {}) });
      } catch (error) {
        if (!(error instanceof ServiceError)) throw error;
        sizeProblem = error.message;
      }
    }
    const upscale = sized && !sized.native ? sized.estimate : undefined;
    const upscaleUsd = upscale?.cost.usd ?? 0;
    const spending = await this.ctx.budget.preview(
      totalUsd + upscaleUsd,
      { budgetUsd: request.budgetUsd, count, perTakeUsd: perTake.usd },
      { project: request.projectName ?? "", userId: createdBy?.userId ?? null },
    );
    const refusal = limitProblem?.message ?? autoProblem ?? sizeProblem ?? spending.refusal;
    // Auto: every round at full count, but never past the job budget (the loop stops there).
    const maxTotalUsd = request.auto ? round2(Math.min(perTake.usd * count * (request.auto.rounds + 1), Math.max(totalUsd, jobUsd))) : undefined;
    return {
      provider: provider.id,
      model,
      perTake,
      total: { usd: round2(totalUsd + upscaleUsd), estimated: perTake.estimated || (upscale?.cost.estimated ?? false) },
      ...(upscale ? { upscale } : {}),
      ...(sized?.native ? { nativeSize: request.size } : {}),
      ...(maxTotalUsd !== undefined ? { maxTotal: { usd: maxTotalUsd, estimated: perTake.estimated } } : {}),
      budget: {
        jobUsd,
        dailyCapUsd: budget.dailyCapUsd,
        spentTodayUsd: round2(await this.ctx.budget.spentToday()),
        confirmAboveUsd: budget.confirmAboveUsd,
        ...(spending.limits.length > 0 ? { limits: spending.limits } : {}),
      },
      needsConfirmation: (maxTotalUsd ?? totalUsd) + upscaleUsd > budget.confirmAboveUsd,
      ...(refusal ? { refusal } : {}),
      ...(info.pricing ? { pricing: info.pricing } : {}),
      ...(judgeUsd > 0 && this.ctx.deps.judge ? { judge: { service: this.ctx.deps.judge.service, model: this.ctx.deps.judge.model, perTakeUsd: roundCost(judgeUsd), pricing: this.ctx.deps.judge.pricing } } : {}),
    };
  }

  /** The judge as the settings show it (GET /v1/judge): which service would see the frames, at what cost. */
  judgeInfo(): JudgeInfo {
    const judge = this.ctx.deps.judge;
    if (!judge) return { available: false, reason: "No judge: set GEMINI_API_KEY on the backend (and GEMINI_BASE_URL for a proxy) to have a vision model look at each take." };
    return {
      available: true,
      service: judge.service,
      label: judge.label,
      model: judge.model,
      framesPerTake: JUDGE_FRAME_COUNT + 1,
      perTakeUsd: roundCost(estimateJudgeUsd(judge, { width: 1920, height: 1080, withStartFrame: true }).usd),
      pricing: judge.pricing,
    };
  }

  /** Spend per day, project and job, from the ledger (GET /v1/spend). */
  spend(): Promise<SpendTotals> {
    return this.ctx.budget.totals();
  }

  /**
   * Sends a failed take again (a provider that went silent, a 429 that outlasted our patience, an
   * expired download): a fresh submit with the same job, counted against the budget again.
   *
   * The take's new cost and the budget check are one guarded write (as a new job's insert): the
   * job's budget, the daily cap and the admin's limits (studio, project, editor) are checked on
   * what is spent inside that transaction, so two retries at once that only one fits under cannot
   * both be sent, and the same take retried twice at once is sent once.
   */
  async retryTake(takeId: string): Promise<Take> {
    const { store, providers } = this.ctx;
    const take = await store.getTake(takeId);
    if (!take) throw new DirectorError(404, "take_not_found", `No take ${takeId}.`);
    const job = (await store.getJob(take.jobId))!;
    const notRetryable = (t: Take) =>
      t.state !== "failed" || !t.error?.retryable
        ? new DirectorError(409, "not_retryable", t.state === "failed" ? "This take's failure would repeat: change the request and draft again." : "Only a failed take can be retried.")
        : undefined;
    const refused = notRetryable(take);
    if (refused) throw refused;
    if (job.canceled) throw new DirectorError(409, "job_canceled", "This job was canceled.");
    const provider = providers.get(job.provider);
    if (!provider || !provider.info().available) throw new DirectorError(409, "provider_unavailable", `${job.provider} is unavailable.`);
    const cost = this.ctx.estimateTake(provider, { mode: job.mode, model: job.model, duration: job.duration, exr: job.exr, audio: job.audio, sequence: job.frame.sequence });
    // The judge looks at the retried take too: its estimate is checked and held with the generation's, as at creation.
    const judgeUsd = await this.ctx.judgeEstimateUsd(job.frame.sequence.projectName);
    const checked = cost.usd + judgeUsd;
    const attempt = heldCost(cost, judgeUsd);
    const guard = await this.ctx.budget.guard(checked, { limitUsd: this.ctx.budget.limitOf(job), count: 1, perTakeUsd: checked, jobId: job.id });
    let written: { take: Take; seq: number } | undefined;
    try {
      written = await store.changeTake(
        take.id,
        (current) => {
          // Read again in the write: a second retry of the same take that got here first already sent it.
          if ((current.attempt ?? 0) !== (take.attempt ?? 0)) throw new DirectorError(409, "not_retryable", "This take was retried already: it is on its way again.");
          const now = notRetryable(current);
          if (now) throw now;
          // The round (iteration) stays: a retried take is the same take sent again. What it cost
          // so far stays in its cost, as its earlier attempts (a silent provider may well have charged;
          // a failed take holds nothing for the judge any more).
          const earlier = releaseJudgeHold(current).cost;
          return {
            ...current,
            earlierAttempts: earlier,
            state: "queued",
            progress: 0,
            message: "Queued again",
            error: null,
            providerJobId: null,
            request: null,
            attempt: (current.attempt ?? 0) + 1,
            cost: earlier.usd > 0 ? { usd: roundCost(attempt.cost.usd + earlier.usd), estimated: attempt.cost.estimated || earlier.estimated } : attempt.cost,
            judgeHeld: attempt.judgeHeld,
            outputs: {},
            updatedAt: new Date().toISOString(),
          };
        },
        guard,
      );
    } catch (error) {
      if (error instanceof BudgetRefusedError) throw new DirectorError(402, "over_budget", error.message);
      throw error;
    }
    if (!written) throw new DirectorError(404, "take_not_found", `No take ${takeId}.`);
    this.ctx.deps.events.emit(job.id, { type: "take", seq: written.seq, take: written.take });
    await this.ctx.startTake(job, take.id);
    return written.take;
  }

  /** The editor's star and note on a take (PATCH /v1/takes/:id); the history searches the notes. */
  async patchTake(takeId: string, patch: TakePatch): Promise<Take> {
    const take = await this.ctx.store.getTake(takeId);
    if (!take) throw new DirectorError(404, "take_not_found", `No take ${takeId}.`);
    // A new updatedAt like any change: the record written is the ledger's latest state plus the
    // marks, so a snapshot read before it (an older job poll) cannot bring the old marks back.
    await this.ctx.transition(takeId, { ...(patch.starred !== undefined ? { starred: patch.starred } : {}), ...(patch.note !== undefined ? { note: patch.note.trim() } : {}) });
    return (await this.ctx.store.getTake(takeId))!;
  }
}
