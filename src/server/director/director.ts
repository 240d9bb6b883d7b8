import { randomInt } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { applyVariant, compileDirection } from "../../core/direction/index.js";
import {
  AUTO_DEFAULT_COUNT,
  TERMINAL_TAKE_STATES,
  type Artifact,
  type CostEstimate,
  type CreateJobRequest,
  type EnhanceRequest,
  type EstimateRequest,
  type Job,
  type JobLogEntry,
  type JudgeInfo,
  type JobMode,
  type Money,
  type ProviderInfo,
  type SequenceColorSpace,
  type SequenceContext,
  type SpendTotals,
  type Take,
  type TakePatch,
  type TakeState,
  type TakeVariant,
  type UpconvertRequest,
  type UpscaleRequest,
  TARGET_SIZE_PIXELS,
} from "../../core/schemas/index.js";
import { bestTake, takeScore } from "../../core/takeRanking.js";
import type { BudgetSettings } from "../config.js";
import { critiqueClip } from "../critic/analyseClip.js";
import { Critique } from "../critic/critiqueSchema.js";
import type { Judge } from "../critic/judge/judge.js";
import { estimateJudgeUsd, runJudge } from "../critic/judge/runJudge.js";
import { JUDGE_FRAME_COUNT } from "../critic/judge/judgeFrames.js";
import { foldJudge } from "../critic/score.js";
import { decideAfterRound, takeNumber, type LogLine, type RoundDecision } from "./autoLoop.js";
import { Budget, round2, usd } from "./budget.js";
import { firstRoundVariants, type PlanCapabilities } from "./refinePlan.js";
import { deliverOutputs } from "./deliverOutputs.js";
import { checkSoundChoice } from "./soundChoice.js";
import { directionForGeneratedLength } from "../../core/bridgeFit.js";
import { bridgeModel, bridgePlanFor, endFramePath, retimeNote } from "./bridgeJob.js";
import { checkedUpscale, checkSizeForSequence, deliverySize, enhanceAtSize, pickUpscaler, planSize, SIZE_WORDS, upscaleCost, upscaleInput, upscaleSoundFrom, upscaleSourcePath, type SizePlan } from "./upscaleJob.js";
import { readColorTagsFromFile } from "../files/fileRangedRead.js";
import { newId } from "../ids.js";
import { BudgetRefusedError, type JobChange, type SpendGuard, type Store } from "../ledger/store.js";
import type { Provider, ProviderRegistry } from "../providers/provider.js";
import type { JobEvents } from "./jobEvents.js";
import { cancelMessage, checkAgainstLimits, limitsFor, ProviderRequestError, refundsFailures, type HostedStatus, type HostedSubmitInput } from "./providerExtras.js";
import { ServiceError } from "../serviceError.js";

/** A failure the HTTP layer turns into a status code and an editor-readable message. */
export class DirectorError extends ServiceError {}

export interface DirectorDeps {
  store: Store;
  providers: ProviderRegistry;
  events: JobEvents;
  dataDir: string;
  log?: (message: string) => void;
  /** Spending limits enforced at job creation; defaults when absent. */
  budget?: BudgetSettings;
  /**
   * How long a provider may go without a single answer to a status poll before the take fails as
   * "provider_silent" (retry offered). Default 10 minutes.
   */
  silenceTimeoutMs?: number;
  /** Longest wait between polls once a take's state stops changing (backoff ceiling). Default 4 × the provider's interval. */
  maxPollIntervalMs?: number;
  /** Seeds for take variants (tests pass a deterministic one). */
  randomSeed?: () => number;
  /** The vision-model judge (issue 20); absent without a key, and then scoring is as before. */
  judge?: Judge;
}

/**
 * Runs jobs: turns a request into a recorded job with takes, drives each take through its
 * provider (submit → poll → fetch outputs → artifacts), and records every change in the ledger
 * before telling anyone, so what the UI sees is always what the ledger holds.
 */
export class Director {
  private readonly running = new Map<string, AbortController>();
  /** Takes whose generation is done at the provider and is being delivered: a cancel spares them. */
  private readonly delivering = new Set<string>();
  /** Every take's run, until it has written its last change (for settle()). */
  private readonly inFlight = new Set<Promise<void>>();
  /** Per auto job, the loop decision in progress (inOrder). */
  private readonly chains = new Map<string, Promise<void>>();
  private readonly budget: Budget;
  private readonly randomSeed: () => number;

  constructor(private readonly deps: DirectorDeps) {
    this.budget = new Budget(deps.store, deps.budget);
    this.randomSeed = deps.randomSeed ?? (() => randomInt(0, 2 ** 31 - 1));
  }

  async createJob(request: CreateJobRequest): Promise<Job> {
    const { store } = this.deps;
    const frame = await store.getFrame(request.frameId);
    if (!frame) {
      throw new DirectorError(404, "frame_not_found", `No captured frame ${request.frameId}: capture the frame again, then draft.`, "frameId");
    }
    const { provider, info } = this.availableProvider(request.provider);
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
    const cost = this.estimateTake(provider, { mode: request.mode, model, duration: generated, exr: request.exr, audio: request.audio, sequence: frame.frame.sequence });
    // The judge's estimate counts against the budget too; the take records it once it is counted.
    const checked = cost.usd + await this.judgeEstimateUsd(frame.frame.sequence.projectName);
    // Checked inside the insert's transaction: two jobs at once that only one fits under cannot both land.
    const guard = this.budget.guard(checked * count, { budgetUsd: request.budgetUsd, count, perTakeUsd: checked });
    const now = new Date().toISOString();
    const jobId = newId("job");
    const colorSpace = deliveredColorSpace(info, request.mode, frame.frame.sequence.colorSpace);
    const variants = request.auto ? firstRoundVariants({ direction, capabilities: planCapabilities(info), count, randomSeed: this.randomSeed }) : [];
    const takes = Array.from({ length: count }, (_, index) => newTake({ jobId, index, iteration: 0, cost, colorSpace, now, variant: variants[index] }));
    const budgetLimitUsd = request.budgetUsd ?? this.budget.settings.perJobUsd;
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
      takes,
    };
    await insertGuarded(store, job, guard, "budgetUsd");
    if (request.auto) {
      const { target, rounds } = request.auto;
      const seeds = info.capabilities.seed ? `, each with its own seed` : "";
      await this.log(jobId, {
        round: 0,
        kind: "round",
        text: `Round 1: drafting ${count} take${count === 1 ? "" : "s"} on ${info.label} in varied wording${seeds} (${usd(cost.usd)} each). Target score ${target}; up to ${rounds} refinement round${rounds === 1 ? "" : "s"}; budget ${usd(budgetLimitUsd)}.`,
        takeIds: takes.map((t) => t.id),
      });
    }
    for (const take of takes) this.startTake(job, take, provider);
    return (await this.deps.store.getJob(jobId))!;
  }

  async cancelJob(jobId: string): Promise<Job> {
    const job = await this.deps.store.getJob(jobId);
    if (!job) throw new DirectorError(404, "job_not_found", `No job ${jobId}.`);
    const loop = job.loop?.state === "running" ? { loop: { ...job.loop, state: "done" as const, stop: "canceled" as const, best: bestRef(job.takes) } } : {};
    await this.updateJob(jobId, { canceled: true, ...loop });
    const spared = job.takes.filter((t) => !TERMINAL_TAKE_STATES.has(t.state) && this.delivering.has(t.id)).map(takeNumber);
    const keptWords = spared.length === 0 ? "" : ` ${spared.length === 1 ? `Take ${spared[0]} was` : `Takes ${spared.join(", ")} were`} already generated: delivered and kept, not thrown away.`;
    if (job.loop?.state === "running") await this.log(jobId, { round: job.loop.round, kind: "stop", text: `Stopped: canceled by the editor during round ${job.loop.round + 1}.${keptWords}` });
    const provider = this.deps.providers.get(job.provider);
    for (const take of job.takes) {
      if (TERMINAL_TAKE_STATES.has(take.state)) continue;
      // Already generated (and paid): it is delivered and kept rather than thrown away.
      if (this.delivering.has(take.id)) continue;
      this.running.get(take.id)?.abort();
      if (take.providerJobId && provider) this.sendCancel(job, take, provider, take.providerJobId);
      await this.transition(take.id, {
        state: "canceled",
        message: take.providerJobId ? cancelMessage(provider) : "Canceled",
        progress: take.progress,
        // Nothing was sent, nothing is spent; a submitted take may still be charged by the provider.
        ...(take.providerJobId ? {} : { cost: { usd: 0, estimated: false } }),
      });
    }
    return (await this.deps.store.getJob(jobId))!;
  }

  /**
   * Asks the provider to stop a submitted take. The take is canceled in the ledger at once (the
   * editor asked); a cancel the provider refuses or never answers is said in the job's log, since
   * the provider may then finish the take and charge for it.
   */
  private sendCancel(job: Job, take: Take, provider: Provider, providerJobId: string): void {
    provider.cancel(providerJobId).catch(async (error: unknown) => {
      const why = error instanceof Error ? error.message : String(error);
      await this.log(job.id, {
        round: job.loop?.round ?? 0,
        kind: "stop",
        text: `Take ${takeNumber(take)}: ${provider.info().label} did not confirm the cancel (${why}); it may still finish the take and charge for it.`,
        takeIds: [take.id],
      });
    });
  }

  /** What a job would cost and whether the backend would accept it (POST /v1/estimate). */
  async estimate(request: EstimateRequest): Promise<CostEstimate> {
    const provider = this.knownProvider(request.provider);
    const info = provider.info();
    const model = request.model ?? defaultModel(provider, info, request.mode);
    checkSoundChoice(info, model, request.audio);
    const generation = this.estimateTake(provider, { mode: request.mode, model, duration: request.duration, exr: request.exr, audio: request.audio });
    const judgeUsd = await this.judgeEstimateUsd(request.projectName);
    const perTake: Money = judgeUsd > 0 ? { usd: roundCost(generation.usd + judgeUsd), estimated: true } : generation;
    const count = request.count ?? defaultCount(info, request.auto !== undefined);
    const totalUsd = round2(perTake.usd * count);
    const budget = this.budget.settings;
    const jobUsd = request.budgetUsd ?? budget.perJobUsd;
    const limitProblem = checkAgainstLimits(info, request);
    const autoProblem = request.auto && request.mode !== "draft" ? "Auto mode refines drafts; render the chosen draft as a final with Enhance." : undefined;
    let sized: SizePlan | undefined;
    let sizeProblem: string | undefined;
    if (request.size) {
      try {
        const frameSize = request.frameSize ?? TARGET_SIZE_PIXELS[request.size];
        sized = planSize({ providers: this.deps.providers, info, model, size: request.size, frameSize, duration: request.duration, ...(request.upscaleProvider ? { upscaleProvider: request.upscaleProvider } : {}) });
      } catch (error) {
        if (!(error instanceof ServiceError)) throw error;
        sizeProblem = error.message;
      }
    }
    const upscale = sized && !sized.native ? sized.estimate : undefined;
    const upscaleUsd = upscale?.cost.usd ?? 0;
    const refusal =
      limitProblem?.message ??
      autoProblem ??
      sizeProblem ??
      await this.budget.refusal(totalUsd + upscaleUsd, { budgetUsd: request.budgetUsd, count, perTakeUsd: perTake.usd });
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
        spentTodayUsd: round2(await this.budget.spentToday()),
        confirmAboveUsd: budget.confirmAboveUsd,
      },
      needsConfirmation: (maxTotalUsd ?? totalUsd) + upscaleUsd > budget.confirmAboveUsd,
      ...(refusal ? { refusal } : {}),
      ...(info.pricing ? { pricing: info.pricing } : {}),
      ...(judgeUsd > 0 && this.deps.judge ? { judge: { service: this.deps.judge.service, model: this.deps.judge.model, perTakeUsd: roundCost(judgeUsd), pricing: this.deps.judge.pricing } } : {}),
    };
  }

  /** The judge as the settings show it (GET /v1/judge): which service would see the frames, at what cost. */
  judgeInfo(): JudgeInfo {
    const judge = this.deps.judge;
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

  /** Whether the judge looks at this project's takes: a key on the backend and the editor's yes for the project. */
  private async judgeOn(projectName: string | undefined): Promise<boolean> {
    return Boolean(this.deps.judge) && (await this.deps.store.projectSettings(projectName ?? "")).judge;
  }

  /** Upper-bound judge cost per take for a project (0 when the judge will not look). */
  private async judgeEstimateUsd(projectName: string | undefined): Promise<number> {
    if (!this.deps.judge || !await this.judgeOn(projectName)) return 0;
    // Frames are scaled to fit 768×768 whatever the sequence size, so the size here only sets the aspect.
    return estimateJudgeUsd(this.deps.judge, { width: 1920, height: 1080, withStartFrame: true }).usd;
  }

  /** Spend per day, project and job, from the ledger (GET /v1/spend). */
  spend(): Promise<SpendTotals> {
    return this.budget.totals();
  }

  /**
   * Sends a failed take again (a provider that went silent, a 429 that outlasted our patience, an
   * expired download): a fresh submit with the same job, counted against the budget again.
   */
  async retryTake(takeId: string): Promise<Take> {
    const { store, providers } = this.deps;
    const take = await store.getTake(takeId);
    if (!take) throw new DirectorError(404, "take_not_found", `No take ${takeId}.`);
    const job = (await store.getJob(take.jobId))!;
    if (take.state !== "failed" || !take.error?.retryable) {
      throw new DirectorError(409, "not_retryable", take.state === "failed" ? "This take's failure would repeat: change the request and draft again." : "Only a failed take can be retried.");
    }
    if (job.canceled) throw new DirectorError(409, "job_canceled", "This job was canceled.");
    const provider = providers.get(job.provider);
    if (!provider || !provider.info().available) throw new DirectorError(409, "provider_unavailable", `${job.provider} is unavailable.`);
    const cost = this.estimateTake(provider, { mode: job.mode, model: job.model, duration: job.duration, exr: job.exr, audio: job.audio, sequence: job.frame.sequence });
    const refusal = await this.budget.refusal(cost.usd, { limitUsd: this.budget.limitOf(job), count: 1, perTakeUsd: cost.usd, jobId: job.id });
    if (refusal) throw new DirectorError(402, "over_budget", refusal);
    // The round (iteration) stays: a retried take is the same take sent again. What it cost so
    // far stays in its cost, as its earlier attempts (a silent provider may well have charged).
    await this.transition(take.id, {
      earlierAttempts: take.cost,
      state: "queued",
      progress: 0,
      message: "Queued again",
      error: null,
      providerJobId: null,
      request: null,
      attempt: (take.attempt ?? 0) + 1,
      cost,
      outputs: {},
    });
    const next = (await store.getTake(take.id))!;
    this.startTake(job, next, provider);
    return next;
  }

  /**
   * Lifts a finished SDR take to an HDR master with Runway's video_to_hdr (ruby): a new one-take
   * job on the same frame and direction, so the SDR original stays as it was.
   */
  async upconvertTake(takeId: string, request: UpconvertRequest): Promise<Job> {
    const { store, providers } = this.deps;
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
    const { provider } = this.availableProvider(request.provider);
    const sequenceSpace = sourceJob.frame.sequence.colorSpace;
    const format = request.format ?? (sequenceSpace === "rec2100-hlg" ? "hlg" : "hdr_prores");
    const colorSpace = format === "hlg" ? "rec2100-hlg" : "rec2100-pq";
    const model = "ruby";
    const cost = this.estimateTake(provider, { mode: "final", model, duration: sourceJob.duration });
    const guard = this.budget.guard(cost.usd, { count: 1, perTakeUsd: cost.usd });
    return await this.startFollowUpJob(sourceJob, { provider, model, cost, colorSpace, message: "Queued for HDR upconversion", link: { upconvertOf: { takeId, format } }, guard });
  }

  /**
   * Lifts a finished take to a larger picture size on an upscale provider (POST
   * /v1/takes/:id/upscale, and the step after an enhance whose provider cannot render the size):
   * a new one-take job with `upscaleOf`, on the same frame and direction, so the take stays as it
   * was. Conform delivers its master at the size in the sequence's color; the critic checks it
   * against the take (upscaleCheck.ts).
   */
  async upscaleTake(takeId: string, request: UpscaleRequest, beforeStart?: (job: Job) => Promise<void>): Promise<Job> {
    const { store, providers } = this.deps;
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
    const guard = this.budget.guard(cost.usd, { budgetUsd: request.budgetUsd, count: 1, perTakeUsd: cost.usd });
    return await this.startFollowUpJob(sourceJob, {
      guard,
      field: "budgetUsd",
      provider: upscaler.provider,
      model: upscaler.model,
      cost,
      colorSpace: sourceJob.frame.sequence.colorSpace,
      message: `Queued for upscaling to ${SIZE_WORDS[request.size]}`,
      link: { upscaleOf: { takeId, size: request.size }, targetSize: request.size },
      budgetUsd: request.budgetUsd,
      beforeStart: async (job) => {
        await this.log(job.id, {
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
  private async startPlannedUpscale(jobId: string): Promise<void> {
    const job = await this.deps.store.getJob(jobId);
    const next = job?.upscaleNext;
    const take = job?.takes[0];
    if (!job || !next || next.jobId || next.refused || take?.state !== "succeeded" || job.canceled) return;
    const left = round2(Math.max(0, this.budget.limitOf(job) - await this.deps.store.spentInJob(job.id)));
    try {
      const upscale = await this.upscaleTake(take.id, { size: next.size, provider: next.provider, model: next.model, budgetUsd: left }, async (up) =>
        await this.updateJob(jobId, { upscaleNext: { ...next, jobId: up.id } }),
      );
      await this.log(jobId, { round: 0, kind: "enhance", text: `Final ready; upscaling it to ${SIZE_WORDS[next.size]} (job ${upscale.id}).`, takeIds: [take.id] });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await this.updateJob(jobId, { upscaleNext: { ...next, refused: message } });
      await this.log(jobId, { round: 0, kind: "enhance", text: `The final is kept at its own size, but the upscale to ${SIZE_WORDS[next.size]} was not started: ${message}`, takeIds: [take.id] });
    }
  }

  /**
   * A one-take final job on an earlier job's frame and direction (an upconversion, an enhance),
   * so the take it starts from stays as it was. Inserted and started; `beforeStart` writes what
   * must be in the ledger before the take can change (the reasoning log).
   */
  private async startFollowUpJob(
    source: Job,
    input: {
      provider: Provider;
      model: string;
      cost: Money;
      colorSpace: SequenceColorSpace;
      message: string;
      link: Pick<Job, "upconvertOf" | "enhanceOf" | "upscaleOf" | "targetSize" | "upscaleNext">;
      variant?: TakeVariant;
      budgetUsd?: number;
      exr?: boolean;
      beforeStart?: (job: Job) => Promise<void>;
      /** The budget check, made atomically with the insert; a refusal is a 402 naming `field`. */
      guard?: SpendGuard;
      field?: string;
    },
  ): Promise<Job> {
    const now = new Date().toISOString();
    const jobId = newId("job");
    const take = newTake({ jobId, index: 0, iteration: 0, cost: input.cost, colorSpace: input.colorSpace, now, variant: input.variant, message: input.message });
    const job: Job = {
      id: jobId,
      createdAt: now,
      frame: source.frame,
      direction: source.direction,
      provider: input.provider.id,
      model: input.model,
      mode: "final",
      count: 1,
      duration: source.duration,
      budgetUsd: input.budgetUsd ?? null,
      budgetLimitUsd: input.budgetUsd ?? this.budget.settings.perJobUsd,
      ...(input.exr ? { exr: true } : {}),
      ...input.link,
      canceled: false,
      takes: [take],
    };
    await insertGuarded(this.deps.store, job, input.guard, input.field);
    await input.beforeStart?.(job);
    this.startTake(job, take, input.provider);
    return (await this.deps.store.getJob(jobId))!;
  }

  /** A provider by id; an unknown one is the request's mistake (400, naming the field). */
  private knownProvider(id: string): Provider {
    const provider = this.deps.providers.get(id);
    if (!provider) throw new DirectorError(400, "unknown_provider", `There is no provider "${id}".`, "provider");
    return provider;
  }

  /** A provider that can take work now; one without its key says why and how to fix it (409). */
  private availableProvider(id: string): { provider: Provider; info: ProviderInfo } {
    const provider = this.knownProvider(id);
    const info = provider.info();
    if (!info.available) throw new DirectorError(409, "provider_unavailable", `${info.label} is unavailable: ${info.reason ?? "unknown reason"}.`, "provider");
    return { provider, info };
  }

  /**
   * Submits, waiting while the provider says its concurrency or rate limit is reached (429): the
   * request was not accepted, so nothing is charged, and a job of four takes against a limit of
   * two simply waits for slots. Gives up (rate_limited, retry offered) after the silence timeout.
   */
  private async submitWhenAdmitted(takeId: string, provider: Provider, input: HostedSubmitInput, signal: AbortSignal) {
    const giveUpAt = Date.now() + (this.deps.silenceTimeoutMs ?? 10 * 60_000);
    for (;;) {
      try {
        return await provider.submit(input);
      } catch (error) {
        const limited = error instanceof ProviderRequestError && error.code === "rate_limited";
        if (!limited || Date.now() >= giveUpAt || signal.aborted) throw error;
        await this.transition(takeId, { state: "queued", message: `Waiting for a free slot at ${provider.info().label}` });
        await sleep(Math.max(provider.pollIntervalMs, error.options.retryAfterMs ?? provider.pollIntervalMs * 4), signal);
        if (signal.aborted) return undefined;
      }
    }
  }

  /** For an upconversion job: the SDR master to lift and the HDR delivery asked for. */
  private async upconvertSource(job: Job): Promise<{ sourceVideoPath?: string; hdrFormat?: string }> {
    if (!job.upconvertOf) return {};
    const source = await this.deps.store.getTake(job.upconvertOf.takeId);
    // Lift the provider's own SDR file when it was kept (smaller, and the picture as generated),
    // else the master.
    const kept = source?.outputs.source ?? source?.outputs.master;
    const file = kept && await this.deps.store.getArtifact(kept.id);
    if (!file) throw new ProviderRequestError("source_missing", "The take to upconvert has no master file any more.");
    return { sourceVideoPath: file.path, hdrFormat: job.upconvertOf.format };
  }

  private estimateTake(
    provider: Provider,
    input: { mode: Job["mode"]; model: string; duration: number; exr?: boolean; audio?: boolean; sequence?: SequenceContext },
  ): Money {
    return provider.estimateCost(input as Parameters<Provider["estimateCost"]>[0]);
  }

  /**
   * After a restart: free local takes run again; paid takes resume polling the job they already
   * submitted, so a paid generation is never lost.
   */
  async resumeUnfinished(): Promise<number> {
    const { store, providers } = this.deps;
    let resumed = 0;
    for (const take of await store.unfinishedTakes()) {
      const job = await store.getJob(take.jobId);
      const provider = job && providers.get(job.provider);
      if (!job || !provider) {
        await this.transition(take.id, { state: "failed", message: "Failed", error: { code: "provider_missing", message: "Its provider is no longer configured." } });
        continue;
      }
      if (job.canceled) {
        await this.transition(take.id, { state: "canceled", message: "Canceled" });
        continue;
      }
      const resumeFrom = provider.rerunAfterRestart ? null : take.providerJobId;
      if (job.loop) {
        await this.log(job.id, {
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
      if (provider.rerunAfterRestart) await this.transition(take.id, { state: "queued", progress: 0, message: "Queued again after a backend restart", providerJobId: null });
      this.startTake(job, (await store.getTake(take.id))!, provider, resumeFrom ?? undefined);
      resumed++;
    }
    // An auto job whose round had settled when the backend stopped, before the next was drafted.
    for (const jobId of await store.runningLoops()) await this.inOrder(`loop:${jobId}`, () => this.advanceLoop(jobId));
    // An enhance at a size whose final was done when the backend stopped, before its upscale started.
    for (const job of await store.listJobs(200)) if (job.upscaleNext && !job.upscaleNext.jobId && !job.upscaleNext.refused) await this.inOrder(`upscaleNext:${job.id}`, () => this.startPlannedUpscale(job.id));
    return resumed;
  }

  /**
   * Renders a draft as a final master (POST /v1/jobs/:id/enhance): a new one-take final job with
   * the same frame and direction, sent with the draft's wording and corrections, and its seed
   * where the same provider takes seeds. On another provider only the wording carries over: the
   * corrections answered the draft model's own habits.
   */
  async enhance(jobId: string, request: EnhanceRequest): Promise<Job> {
    const { store, providers } = this.deps;
    const sourceJob = await store.getJob(jobId);
    if (!sourceJob) throw new DirectorError(404, "job_not_found", `No job ${jobId}.`);
    const source = request.takeId ? sourceJob.takes.find((t) => t.id === request.takeId) : bestTake(sourceJob.takes);
    if (!source) {
      throw request.takeId
        ? new DirectorError(404, "take_not_found", `Job ${jobId} has no take ${request.takeId}.`, "takeId")
        : new DirectorError(409, "no_scored_take", "No take of this job is finished and scored yet, so there is no best one: pick a take to enhance.", "takeId");
    }
    if (source.state !== "succeeded" || !source.outputs.master) throw new DirectorError(409, "take_not_ready", `Take ${takeNumber(source)} is not finished, so it cannot be enhanced yet.`, "takeId");
    const { provider, info } = this.availableProvider(request.provider ?? sourceJob.provider);
    if (!info.capabilities.modes.includes("final")) throw new DirectorError(400, "mode_unsupported", `${info.label} cannot make final takes.`, "provider");
    if (sourceJob.mode === "final" && provider.id === sourceJob.provider) {
      throw new DirectorError(409, "already_final", `Take ${takeNumber(source)} is already a final master from ${info.label}; enhance it on another provider, or lift it to HDR.`, "takeId");
    }
    const limitProblem = checkAgainstLimits(info, { mode: "final", duration: sourceJob.duration, exr: request.exr });
    if (limitProblem) throw new DirectorError(400, "unsupported_combination", limitProblem.message, limitProblem.field);
    const model = request.model ?? defaultModel(provider, info, "final");
    const cost = this.estimateTake(provider, { mode: "final", model, duration: sourceJob.duration, exr: request.exr, sequence: sourceJob.frame.sequence });
    // A target size: rendered natively, or the final is followed by an upscale the budget covers too.
    const sized = request.size
      ? enhanceAtSize(planSize({ providers, info, model, size: request.size, frameSize: sourceJob.frame.sequence.frameSize, duration: sourceJob.duration, ...(request.upscaleProvider ? { upscaleProvider: request.upscaleProvider } : {}) }), request.size, info, cost)
      : undefined;
    const both = round2(cost.usd + (sized?.upscaleUsd ?? 0));
    const guard = this.budget.guard(both, { budgetUsd: request.budgetUsd, count: 1, perTakeUsd: both }, sized?.costWords ?? "");

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
          ...(keepSeed ? {} : { seed: this.randomSeed() }),
          ...(sameProvider ? {} : { emphasis: [], pathKeyframes: drafted.pathKeyframes && info.capabilities.keyframes === true }),
          refines: source.id,
          changes: [`final of ${what}`, ...(carried.length > 0 ? [`keeps ${carried.join(", ")}`] : [])],
        }
      : undefined;
    const draftLabel = providers.get(sourceJob.provider)?.info().label ?? sourceJob.provider;
    return await this.startFollowUpJob(sourceJob, {
      provider,
      model,
      cost,
      colorSpace: deliveredColorSpace(info, "final", sourceJob.frame.sequence.colorSpace),
      message: "Queued for the final master",
      link: { enhanceOf: { jobId: sourceJob.id, takeId: source.id }, ...sized?.link },
      variant,
      budgetUsd: request.budgetUsd,
      exr: request.exr,
      guard,
      field: "budgetUsd",
      beforeStart: async (job) => {
        await this.log(job.id, {
          round: 0,
          kind: "enhance",
          text: `Rendering ${what} of job ${sourceJob.id} as a final on ${info.label} (${usd(cost.usd)}): the same frame and direction${carried.length > 0 ? `, with ${carried.join(", ")}` : ""}.${sized?.logWords ?? ""}${!sameProvider && drafted && drafted.emphasis.length > 0 ? ` The draft's corrections are not sent: they answered ${draftLabel}'s habits, not ${info.label}'s.` : ""}`,
          takeIds: [source.id],
        });
        await this.log(sourceJob.id, { round: sourceJob.loop?.round ?? 0, kind: "enhance", text: `Take ${takeNumber(source)} sent to ${info.label} for its final master (job ${job.id}).`, takeIds: [source.id] });
      },
    });
  }

  /** The editor's star and note on a take (PATCH /v1/takes/:id); the history searches the notes. */
  async patchTake(takeId: string, patch: TakePatch): Promise<Take> {
    const take = await this.deps.store.getTake(takeId);
    if (!take) throw new DirectorError(404, "take_not_found", `No take ${takeId}.`);
    // A new updatedAt like any change: the record written is the ledger's latest state plus the
    // marks, so a snapshot read before it (an older job poll) cannot bring the old marks back.
    await this.transition(takeId, { ...(patch.starred !== undefined ? { starred: patch.starred } : {}), ...(patch.note !== undefined ? { note: patch.note.trim() } : {}) });
    return (await this.deps.store.getTake(takeId))!;
  }

  /**
   * An auto job's next step once a take of it settles: when its round is complete, rank, then stop
   * or draft the next round (decideAfterRound). Synchronous from reading the ledger to writing the
   * round, so two takes settling together cannot both start a round; the round's takes and the
   * loop's new state are written in one transaction, so a crash leaves one or the other, never half.
   */
  private async advanceLoop(jobId: string): Promise<void> {
    const { store, providers } = this.deps;
    const job = await store.getJob(jobId);
    if (!job?.auto || !job.loop) return;
    // The best take can change after a round was decided (a later take of the round settling, a
    // retried take scoring): keep the loop's pick the one Enhance best would render.
    const best = bestRef(job.takes);
    const bestChanged = best?.takeId !== job.loop.best?.takeId || best?.score !== job.loop.best?.score;
    if (job.loop.state === "done") {
      if (bestChanged) await this.updateJob(jobId, { loop: { ...job.loop, best } });
      return;
    }
    const provider = providers.get(job.provider);
    const info = provider?.info();
    let decision: RoundDecision;
    let takes: Take[] = [];
    const now = new Date().toISOString();
    if (!provider || !info?.available) {
      if (job.takes.some((t) => !TERMINAL_TAKE_STATES.has(t.state))) return;
      const why = info ? `${info.label} is no longer available (${info.reason ?? "unknown reason"})` : `its provider "${job.provider}" is no longer configured`;
      decision = { kind: "stop", loop: { ...job.loop, state: "done", stop: "failed", best }, log: [{ round: job.loop.round, kind: "stop", text: `Stopped: ${why}.` }] };
    } else {
      const perTake = this.estimateTake(provider, { mode: job.mode, model: job.model, duration: job.duration, exr: job.exr, audio: job.audio, sequence: job.frame.sequence });
      const room = await this.budget.roomFor(job);
      decision = decideAfterRound({
        job,
        providerLabel: info.label,
        capabilities: planCapabilities(info),
        perTakeUsd: perTake.usd + await this.judgeEstimateUsd(job.frame.sequence.projectName),
        budgetLeftUsd: room.jobLeftUsd,
        dailyLeftUsd: room.dayLeftUsd,
        randomSeed: this.randomSeed,
      });
      if (decision.kind === "refine") {
        const { round } = decision.loop;
        const colorSpace = deliveredColorSpace(info, job.mode, job.frame.sequence.colorSpace);
        takes = decision.variants.map((variant, i) => newTake({ jobId, index: job.takes.length + i, iteration: round, cost: perTake, colorSpace, now, variant }));
      }
    }
    if (decision.kind === "wait") {
      if (bestChanged) await this.updateJob(jobId, { loop: { ...job.loop, best } });
      return;
    }
    // One transaction: the reasoning, the round's takes and the loop's state land together or not
    // at all, so a restart never repeats a half-written round. Listeners hear once it is written,
    // the reasoning ("round 2 refines take 3…") before the takes it explains.
    const written = await store.recordRound(
      jobId,
      decision.log.map((line) => ({ ...line, at: now })),
      takes,
      { loop: decision.loop },
    );
    for (const entry of written.entries) this.deps.events.emit(jobId, { type: "log", seq: entry.seq, entry });
    for (const { seq, take } of written.takes) this.deps.events.emit(jobId, { type: "take", seq, take });
    if (written.jobSeq !== null) await this.emitJob(jobId, written.jobSeq);
    if (takes.length === 0 || !provider) return;
    const fresh = (await store.getJob(jobId))!;
    for (const take of takes) this.startTake(fresh, take, provider);
  }

  private async log(jobId: string, line: LogLine): Promise<JobLogEntry> {
    const entry = await this.deps.store.appendLog(jobId, { ...line, at: new Date().toISOString() });
    this.deps.events.emit(jobId, { type: "log", seq: entry.seq, entry });
    return entry;
  }

  private async updateJob(jobId: string, change: JobChange): Promise<void> {
    await this.emitJob(jobId, await this.deps.store.updateJob(jobId, change));
  }

  private async emitJob(jobId: string, seq: number): Promise<void> {
    const job = await this.deps.store.getJob(jobId);
    if (job) this.deps.events.emit(jobId, { type: "job", seq, job });
  }

  /** Stops local work (used on shutdown); the ledger keeps the takes for resumption. */
  stopAll(): void {
    for (const controller of this.running.values()) controller.abort();
    this.running.clear();
  }

  /**
   * Waits (at most `ms`) for stopped takes to wind down, so what is in flight lands in the ledger
   * before it closes — above all a submit the provider is still answering: its generation id must
   * be recorded, or a restart would submit (and pay for) the take again.
   */
  async settle(ms: number): Promise<void> {
    if (this.inFlight.size === 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([Promise.allSettled([...this.inFlight]), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
    clearTimeout(timer);
  }

  private startTake(job: Job, take: Take, provider: Provider, existingProviderJobId?: string): void {
    const controller = new AbortController();
    this.running.set(take.id, controller);
    const run = (async () => {
      try {
        await this.runTake(job, take, provider, controller.signal, existingProviderJobId);
      } catch (error) {
        if (!controller.signal.aborted) await this.failTake(take.id, provider, error);
      } finally {
        this.running.delete(take.id);
      }
      if (!controller.signal.aborted) {
        await this.inOrder(`loop:${job.id}`, () => this.advanceLoop(job.id));
        await this.inOrder(`upscaleNext:${job.id}`, () => this.startPlannedUpscale(job.id));
      }
    })()
      .catch((error: unknown) => this.deps.log?.(`after take ${take.id}: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => this.inFlight.delete(run));
    this.inFlight.add(run);
  }

  /** A take's run threw: it fails, saying why; never submitted or refunded, it cost nothing. */
  private async failTake(takeId: string, provider: Provider, error: unknown): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    this.deps.log?.(`take ${takeId} failed: ${message}`);
    const current = await this.deps.store.getTake(takeId);
    const named = error instanceof ProviderRequestError;
    await this.transition(takeId, {
      state: "failed",
      message: "Failed",
      error: {
        code: named ? error.code : "internal",
        message,
        ...(named && error.options.raw ? { raw: error.options.raw } : {}),
        ...(named && error.retryable ? { retryable: true } : {}),
      },
      // Never submitted, or refunded by the provider: it cost nothing.
      ...(!current?.providerJobId || refundsFailures(provider) ? { cost: { usd: 0, estimated: false } } : {}),
    });
  }

  /**
   * Runs `fn` after any earlier one queued under `key` has finished: an auto job's round is
   * decided from a read and written later, so two takes settling together must not both decide.
   */
  private inOrder(key: string, fn: () => Promise<void>): Promise<void> {
    const before = this.chains.get(key) ?? Promise.resolve();
    const next = before.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.chains.set(key, tail);
    void tail.then(() => {
      if (this.chains.get(key) === tail) this.chains.delete(key);
    });
    return next;
  }

  private async runTake(job: Job, take: Take, provider: Provider, signal: AbortSignal, existingProviderJobId?: string): Promise<void> {
    const workDir = path.join(this.deps.dataDir, "work", take.id);
    fs.mkdirSync(workDir, { recursive: true });
    let providerJobId = existingProviderJobId;
    if (!providerJobId) {
      const frame = await this.deps.store.getFrame(job.frame.frameId);
      if (!frame) throw new Error("The captured frame has gone from the ledger.");
      const bridge = bridgePlanFor(job.frame, provider.info());
      const input: HostedSubmitInput = {
        jobId: job.id,
        takeId: take.id,
        takeIndex: take.index,
        mode: job.mode,
        model: job.model,
        duration: bridge ? bridge.fit.generatedSeconds : job.duration,
        ...(bridge ? { bridge: { span: bridge.span, endFramePath: await endFramePath(this.deps.store, bridge.span) } } : {}),
        // What is sent: the editor's direction with this take's corrections (auto mode, enhance).
        direction: bridge
          ? directionForGeneratedLength(applyVariant(job.direction, take.variant, job.frame.sequence.frameSize), bridge.fit.generatedSeconds)
          : applyVariant(job.direction, take.variant, job.frame.sequence.frameSize),
        ...(take.variant ? { variant: take.variant } : {}),
        frame: job.frame,
        framePath: frame.imagePath,
        workDir,
        exr: job.exr ?? false,
        ...(job.audio !== undefined ? { audio: job.audio } : {}),
        ...(await this.upconvertSource(job)),
        ...(await upscaleInput(this.deps.store, job)),
        ...(job.targetSize && !job.upscaleOf ? { targetSize: { size: job.targetSize, ...TARGET_SIZE_PIXELS[job.targetSize] } } : {}),
      };
      const submitted = await this.submitWhenAdmitted(take.id, provider, input, signal);
      if (!submitted) return;
      providerJobId = submitted.providerJobId;
      // Recorded first, whatever happened meanwhile: a generation the provider accepted is paid
      // for, and a restart must poll it, never submit it again.
      if (!signal.aborted) {
        await this.transition(take.id, { providerJobId, request: submitted.request, state: "queued", message: "Submitted" });
      } else if ((await this.deps.store.getJob(job.id))?.canceled) {
        // Canceled while the request was in flight: the take stays canceled, but it was sent, so
        // it keeps its price (a provider without a cancel call charges it all the same).
        await this.transition(take.id, { providerJobId, request: submitted.request, cost: attemptCost(take) });
        await provider.cancel(providerJobId).catch(() => undefined);
        return;
      } else {
        // The backend is stopping: keep the take queued with its generation, to poll on restart.
        await this.transition(take.id, { providerJobId, request: submitted.request, message: "Submitted" });
        return;
      }
    }

    // Poll until terminal. Only changes are written, so the event stream stays quiet when idle.
    // Waits grow while nothing changes (backoff), a 429's Retry-After is honoured, and a provider
    // that stops answering altogether fails the take once silenceTimeoutMs has passed.
    const base = provider.pollIntervalMs;
    const ceiling = this.deps.maxPollIntervalMs ?? base * 4;
    const silenceTimeoutMs = this.deps.silenceTimeoutMs ?? 10 * 60_000;
    let delay = base;
    let lastAnswerAt = Date.now();
    for (;;) {
      if (signal.aborted) return;
      let status: Awaited<ReturnType<Provider["status"]>>;
      try {
        status = await provider.status(providerJobId);
      } catch (error) {
        if (signal.aborted) return;
        const retryable = error instanceof ProviderRequestError && error.retryable;
        if (!retryable) throw error;
        if (Date.now() - lastAnswerAt >= silenceTimeoutMs) {
          const current = await this.deps.store.getTake(take.id);
          if (!current || TERMINAL_TAKE_STATES.has(current.state)) return;
          await this.transition(take.id, {
            state: "failed",
            message: "Failed",
            error: {
              code: "provider_silent",
              message: `${provider.info().label} stopped answering (${Math.round(silenceTimeoutMs / 1000)} s without a reply; last: ${(error as Error).message}). Retry to ask again.`,
              retryable: true,
            },
          });
          return;
        }
        const wait = (error as ProviderRequestError).options.retryAfterMs ?? delay;
        delay = Math.min(ceiling, Math.round(delay * 1.5));
        await sleep(wait, signal);
        continue;
      }
      lastAnswerAt = Date.now();
      if (signal.aborted) return;
      const current = await this.deps.store.getTake(take.id);
      if (!current || TERMINAL_TAKE_STATES.has(current.state)) return;
      const actualCost = (status as HostedStatus).actualCost;
      if (status.state === "succeeded") {
        if (actualCost) await this.transition(take.id, { cost: actualCost });
        break;
      }
      if (status.state === "failed" || status.state === "canceled") {
        await this.transition(take.id, {
          state: status.state,
          progress: current.progress,
          message: status.state === "failed" ? "Failed" : "Canceled",
          error: status.failure ?? (status.state === "failed" ? { code: "failed", message: status.message } : null),
          ...(actualCost ? { cost: actualCost } : status.state === "failed" && refundsFailures(provider) ? { cost: { usd: 0, estimated: false } } : {}),
        });
        return;
      }
      if (current.state !== status.state || Math.abs(current.progress - status.progress) >= 0.01 || current.message !== status.message) {
        await this.transition(take.id, { state: status.state, progress: status.progress, message: status.message });
        delay = base;
      } else {
        delay = Math.min(ceiling, Math.round(delay * 1.5));
      }
      await sleep(delay, signal);
    }

    // The provider has made the take: from here it is paid for, so a cancel lets it finish
    // delivering (only a shutdown stops it, and the restart delivers it again).
    this.delivering.add(take.id);
    try {
      await this.deliverAndScore(job, take, provider, providerJobId, signal);
    } finally {
      this.delivering.delete(take.id);
    }
  }

  private async deliverAndScore(job: Job, take: Take, provider: Provider, providerJobId: string, signal: AbortSignal): Promise<void> {
    const artifactsDir = path.join(this.deps.dataDir, "artifacts", take.id);
    fs.mkdirSync(artifactsDir, { recursive: true });
    const fetched = await provider.fetchOutputs(providerJobId, artifactsDir);
    await this.transition(take.id, { message: "Delivering the master", progress: 0.98 });
    const span = job.frame.mode === "bridge" ? job.frame.bridge : undefined;
    const soundFrom = await upscaleSoundFrom(this.deps.store, job);
    const { outputs, notes, retime } = await deliverOutputs({
      outputs: fetched,
      sequence: { ...job.frame.sequence, frameSize: deliverySize(job, job.frame) },
      ...(job.upscaleOf || job.targetSize ? { exactSize: true } : {}),
      duration: job.duration,
      dir: artifactsDir,
      signal,
      ...(span ? { fitFrames: span.frames } : {}),
      ...(soundFrom ? { soundFrom } : {}),
    });
    if (signal.aborted) return;
    const recorded: Take["outputs"] = {};
    for (const output of outputs) {
      const stat = fs.statSync(output.path);
      const artifact: Artifact = {
        id: newId("art"),
        takeId: take.id,
        kind: output.kind,
        fileName: path.basename(output.path),
        mediaType: output.mediaType,
        bytes: stat.size,
        width: output.width,
        height: output.height,
        codec: output.codec,
        colorTags: output.kind === "master" || output.kind === "source" ? await readColorTagsFromFile(output.path) : undefined,
        ...(output.colorAssumption ? { colorAssumption: output.colorAssumption } : {}),
        ...(output.audio ? { audio: output.audio } : {}),
        createdAt: new Date().toISOString(),
      };
      await this.deps.store.insertArtifact(artifact, output.path);
      recorded[output.kind] = artifact;
    }
    if (!recorded.master) {
      await this.transition(take.id, { state: "failed", message: "Failed", error: { code: "no_master", message: `${provider.info().label} finished without a master file.` } });
      return;
    }
    const scored = await this.critique(job, take.id, recorded.master, signal);
    const measured = job.upscaleOf
      ? await checkedUpscale(this.deps.store, job, scored, recorded.master, {
          signal,
          onStart: () => void this.transition(take.id, { message: "Checking the upscale against its source", progress: 0.995 }),
          ...(this.deps.log ? { log: this.deps.log } : {}),
        })
      : scored;
    if (signal.aborted) return;
    const judged = measured ? await this.judge(job, take.id, recorded, measured, signal) : null;
    if (signal.aborted) return;
    const critique = judged?.critique ?? measured;
    if (judged?.costUsd) {
      // The judge's counted cost joins the take's (its generation's, then the judge's): the spend
      // the budget and the daily cap read.
      const current = (await this.deps.store.getTake(take.id))!;
      const attempt = attemptCost(current);
      await this.transition(take.id, { cost: { usd: roundCost(attempt.usd + judged.costUsd), estimated: attempt.estimated || judged.estimated } });
    }
    if (retime) notes.push(retimeNote(retime.generatedFrames, retime.placedFrames, retime.speed));
    await this.transition(take.id, { state: "succeeded", progress: 1, message: "Ready", outputs: recorded, critique, ...(notes.length ? { notes } : {}), ...(retime ? { retime } : {}) });
    fs.rmSync(path.join(this.deps.dataDir, "work", take.id), { recursive: true, force: true });
  }

  /**
   * Measures the master against the direction before the take is offered, so the editor picks
   * from scored takes. A critic failure never costs the take: it is ready, just unscored.
   */
  private async critique(job: Job, takeId: string, master: Artifact, signal: AbortSignal): Promise<Take["critique"]> {
    const file = await this.deps.store.getArtifact(master.id);
    if (!file) return null;
    await this.transition(takeId, { message: "Scoring against the direction", progress: 0.99 });
    try {
      const framePath = (await this.deps.store.getFrame(job.frame.frameId))?.imagePath;
      const endId = job.frame.mode === "bridge" ? job.frame.bridge?.endFrameId : undefined;
      const endPath = endId ? (await this.deps.store.getFrame(endId))?.imagePath : undefined;
      return await critiqueClip(file.path, { direction: job.direction, ...(framePath ? { framePath } : {}), ...(endPath ? { endFramePath: endPath } : {}), signal });
    } catch (error) {
      if (!signal.aborted) this.deps.log?.(`critique of take ${takeId} failed: ${error instanceof Error ? error.message : String(error)}`);
      return null;
    }
  }

  /**
   * The vision-model judge, where the editor turned it on for the project and the backend has a
   * key: its findings go beside the measurements and into the score. Any failure (refusal, rate
   * limit, timeout, malformed twice, budget) is written in the critique's judge section and the
   * take keeps its measured score.
   */
  private async judge(job: Job, takeId: string, outputs: Take["outputs"], measured: NonNullable<Take["critique"]>, signal: AbortSignal): Promise<{ critique: Take["critique"]; costUsd: number; estimated: boolean } | null> {
    const judge = this.deps.judge;
    if (!judge || !await this.judgeOn(job.frame.sequence.projectName)) return null;
    const parsed = Critique.safeParse(measured);
    if (!parsed.success) return null;
    const source = outputs.proxy ?? outputs.master;
    const clip = source ? (await this.deps.store.getArtifact(source.id))?.path : undefined;
    if (!clip) return null;
    await this.transition(takeId, { message: `Judging with ${judge.label}`, progress: 0.995 });
    const room = await this.budget.roomFor(job);
    const framePath = (await this.deps.store.getFrame(job.frame.frameId))?.imagePath;
    try {
      const outcome = await runJudge({ judge, clip, direction: job.direction, roomUsd: Math.min(room.jobLeftUsd, room.dayLeftUsd), signal, ...(framePath ? { framePath } : {}) });
      if (outcome.error) this.deps.log?.(`judge of take ${takeId}: ${outcome.error.code}: ${outcome.error.message}`);
      return { critique: foldJudge(parsed.data, outcome), costUsd: outcome.cost.usd, estimated: outcome.cost.estimated };
    } catch (error) {
      if (!signal.aborted) this.deps.log?.(`judge of take ${takeId} failed: ${error instanceof Error ? error.message : String(error)}`);
      return null;
    }
  }

  /**
   * Applies a change to a take, records it, then tells listeners. A `cost` in the change is the
   * current attempt's; the take's cost adds what its earlier attempts cost.
   */
  private async transition(takeId: string, change: Partial<Take> & { state?: TakeState }): Promise<void> {
    // Applied to the take as the store has it, in one transaction: a poll's progress and an
    // editor's star landing together never overwrite each other.
    const written = await this.deps.store.changeTake(takeId, (current) => {
      const next: Take = { ...current, ...change, updatedAt: new Date().toISOString() };
      const earlier = next.earlierAttempts;
      if (change.cost && earlier && earlier.usd > 0) {
        next.cost = { usd: Math.round((change.cost.usd + earlier.usd) * 1e6) / 1e6, estimated: change.cost.estimated || earlier.estimated };
      }
      return next;
    });
    if (written) this.deps.events.emit(written.take.jobId, { type: "take", seq: written.seq, take: written.take });
  }
}

/**
 * Inserts a job whose spend `guard` checks in the same transaction; a refusal is the editor's
 * 402 with the figures (nothing was written).
 */
async function insertGuarded(store: Store, job: Job, guard: SpendGuard | undefined, field?: string): Promise<void> {
  try {
    await store.insertJob(job, guard);
  } catch (error) {
    if (error instanceof BudgetRefusedError) throw new DirectorError(402, "over_budget", error.message, field);
    throw error;
  }
}

/** A take record as it starts: queued, nothing sent, nothing delivered. */
function newTake(input: {
  jobId: string;
  index: number;
  iteration: number;
  cost: Money;
  colorSpace: SequenceColorSpace;
  now: string;
  variant?: TakeVariant;
  message?: string;
}): Take {
  return {
    id: newId("take"),
    jobId: input.jobId,
    index: input.index,
    iteration: input.iteration,
    ...(input.variant ? { variant: input.variant } : {}),
    providerJobId: null,
    request: null,
    state: "queued",
    progress: 0,
    message: input.message ?? "Queued",
    error: null,
    outputs: {},
    critique: null,
    cost: input.cost,
    colorSpace: input.colorSpace,
    createdAt: input.now,
    updatedAt: input.now,
  };
}

/**
 * The space a provider delivers in: one that cannot make HDR in this mode delivers Rec.709
 * whatever the sequence is; conform (or an upconversion) brings it to the sequence's space.
 */
function deliveredColorSpace(info: ProviderInfo, mode: JobMode, sequence: SequenceColorSpace): SequenceColorSpace {
  return limitsFor(info, mode)?.hdr === false ? "rec709" : sequence;
}

/** The model a mode uses when the request names none: the mode's own default, else the provider's first. */
function defaultModel(provider: Provider, info: ProviderInfo, mode: JobMode): string {
  return info.capabilities.limits?.[mode]?.defaultModel ?? info.capabilities.models[0] ?? provider.id;
}

/** Takes a job makes when the request names no count: one, or four a round in auto mode. */
function defaultCount(info: ProviderInfo, auto: boolean): number {
  return auto ? Math.min(AUTO_DEFAULT_COUNT, info.capabilities.maxCount) : 1;
}

/** What the take's current attempt is expected to cost (its cost less its earlier attempts'). */
function attemptCost(take: Take): Money {
  return { usd: Math.max(0, take.cost.usd - (take.earlierAttempts?.usd ?? 0)), estimated: take.cost.estimated };
}

function planCapabilities(info: ProviderInfo): PlanCapabilities {
  return { seed: info.capabilities.seed === true, keyframes: info.capabilities.keyframes === true };
}

function bestRef(takes: readonly Take[]): { takeId: string; score: number } | null {
  const best = bestTake(takes);
  return best ? { takeId: best.id, score: takeScore(best)! } : null;
}

const roundCost = (v: number) => Math.round(v * 1e6) / 1e6;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    // Remove the listener when the timer wins, or a long poll piles up listeners on the signal.
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
