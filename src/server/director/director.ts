import fs from "node:fs";
import path from "node:path";
import { compileDirection } from "../../core/direction/index.js";
import {
  TERMINAL_TAKE_STATES,
  type Artifact,
  type CostEstimate,
  type CreateJobRequest,
  type EstimateRequest,
  type Job,
  type Money,
  type SequenceContext,
  type SpendTotals,
  type Take,
  type TakeState,
  type UpconvertRequest,
} from "../../core/schemas/index.js";
import { DEFAULT_BUDGET, type BudgetSettings } from "../config.js";
import { critiqueClip } from "../critic/analyseClip.js";
import { deliverOutputs } from "./deliverOutputs.js";
import { readColorTagsFromFile } from "../files/fileRangedRead.js";
import { newId } from "../ids.js";
import type { Ledger } from "../ledger/ledger.js";
import type { Provider, ProviderRegistry } from "../providers/provider.js";
import type { JobEvents } from "./jobEvents.js";
import { checkAgainstLimits, limitsFor, ProviderRequestError, refundsFailures, type HostedStatus, type HostedSubmitInput } from "./providerExtras.js";
import { ServiceError } from "../serviceError.js";

/** A failure the HTTP layer turns into a status code and an editor-readable message. */
export class DirectorError extends ServiceError {}

export interface DirectorDeps {
  ledger: Ledger;
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
}

/**
 * Runs jobs: turns a request into a recorded job with takes, drives each take through its
 * provider (submit → poll → fetch outputs → artifacts), and records every change in the ledger
 * before telling anyone, so what the UI sees is always what the ledger holds.
 */
export class Director {
  private readonly running = new Map<string, AbortController>();

  constructor(private readonly deps: DirectorDeps) {}

  createJob(request: CreateJobRequest): Job {
    const { ledger, providers } = this.deps;
    const frame = ledger.getFrame(request.frameId);
    if (!frame) {
      throw new DirectorError(404, "frame_not_found", `No captured frame ${request.frameId}: capture the frame again, then draft.`, "frameId");
    }
    const provider = providers.get(request.provider);
    if (!provider) throw new DirectorError(400, "unknown_provider", `There is no provider "${request.provider}".`, "provider");
    const info = provider.info();
    if (!info.available) {
      throw new DirectorError(409, "provider_unavailable", `${info.label} is unavailable: ${info.reason ?? "unknown reason"}.`, "provider");
    }
    if (!info.capabilities.modes.includes(request.mode)) {
      throw new DirectorError(400, "mode_unsupported", `${info.label} cannot make ${request.mode} takes.`, "mode");
    }
    if (request.count > info.capabilities.maxCount) {
      throw new DirectorError(400, "count_too_large", `${info.label} makes at most ${info.capabilities.maxCount} takes per job.`, "count");
    }

    const limitProblem = checkAgainstLimits(info, request);
    if (limitProblem) throw new DirectorError(400, "unsupported_combination", limitProblem.message, limitProblem.field);

    const direction = compileDirection({ prompt: request.prompt, annotations: request.annotations, duration: request.duration }, {
      frameSize: frame.frame.sequence.frameSize,
    });
    const model = request.model ?? info.capabilities.limits?.[request.mode]?.defaultModel ?? info.capabilities.models[0] ?? provider.id;
    const cost = this.estimateTake(provider, { mode: request.mode, model, duration: request.duration, exr: request.exr, sequence: frame.frame.sequence });
    const refusal = this.budgetRefusal(cost.usd * request.count, request.budgetUsd, request.count, cost.usd);
    if (refusal) throw new DirectorError(402, "over_budget", refusal, "budgetUsd");
    const now = new Date().toISOString();
    const jobId = newId("job");
    const takes: Take[] = Array.from({ length: request.count }, (_, index) => ({
      id: newId("take"),
      jobId,
      index,
      iteration: 0,
      providerJobId: null,
      request: null,
      state: "queued",
      progress: 0,
      message: "Queued",
      error: null,
      outputs: {},
      critique: null,
      cost,
      // A provider that cannot make HDR in this mode delivers Rec.709 whatever the sequence is;
      // conform (or an upconversion) brings it to the sequence's space.
      colorSpace: limitsFor(info, request.mode)?.hdr === false ? "rec709" : frame.frame.sequence.colorSpace,
      createdAt: now,
      updatedAt: now,
    }));
    const job: Job = {
      id: jobId,
      createdAt: now,
      frame: frame.frame,
      direction,
      provider: provider.id,
      model,
      mode: request.mode,
      count: request.count,
      duration: request.duration,
      budgetUsd: request.budgetUsd ?? null,
      ...(request.exr ? { exr: true } : {}),
      canceled: false,
      takes,
    };
    ledger.insertJob(job);
    for (const take of takes) this.startTake(job, take, provider);
    return job;
  }

  cancelJob(jobId: string): Job {
    const job = this.deps.ledger.getJob(jobId);
    if (!job) throw new DirectorError(404, "job_not_found", `No job ${jobId}.`);
    this.deps.ledger.updateJob(jobId, { canceled: true });
    const provider = this.deps.providers.get(job.provider);
    for (const take of job.takes) {
      if (TERMINAL_TAKE_STATES.has(take.state)) continue;
      this.running.get(take.id)?.abort();
      if (take.providerJobId && provider) provider.cancel(take.providerJobId).catch(() => undefined);
      this.transition(take.id, {
        state: "canceled",
        message: "Canceled",
        progress: take.progress,
        // Nothing was sent, nothing is spent; a submitted take may still be charged by the provider.
        ...(take.providerJobId ? {} : { cost: { usd: 0, estimated: false } }),
      });
    }
    return this.deps.ledger.getJob(jobId)!;
  }

  /** What a job would cost and whether the backend would accept it (POST /v1/estimate). */
  estimate(request: EstimateRequest): CostEstimate {
    const provider = this.deps.providers.get(request.provider);
    if (!provider) throw new DirectorError(400, "unknown_provider", `There is no provider "${request.provider}".`, "provider");
    const info = provider.info();
    const model = request.model ?? info.capabilities.limits?.[request.mode]?.defaultModel ?? info.capabilities.models[0] ?? provider.id;
    const perTake = this.estimateTake(provider, { mode: request.mode, model, duration: request.duration, exr: request.exr });
    const totalUsd = round2(perTake.usd * request.count);
    const budget = this.budget();
    const limitProblem = checkAgainstLimits(info, request);
    const refusal = limitProblem?.message ?? this.budgetRefusal(totalUsd, request.budgetUsd, request.count, perTake.usd);
    return {
      provider: provider.id,
      model,
      perTake,
      total: { usd: totalUsd, estimated: perTake.estimated },
      budget: {
        jobUsd: request.budgetUsd ?? budget.perJobUsd,
        dailyCapUsd: budget.dailyCapUsd,
        spentTodayUsd: round2(this.deps.ledger.spentOn(today())),
        confirmAboveUsd: budget.confirmAboveUsd,
      },
      needsConfirmation: totalUsd > budget.confirmAboveUsd,
      ...(refusal ? { refusal } : {}),
      ...(info.pricing ? { pricing: info.pricing } : {}),
    };
  }

  /** Spend per day, project and job, from the ledger (GET /v1/spend). */
  spend(): SpendTotals {
    const rows = this.deps.ledger.spendRows();
    const sum = <K extends string>(key: (r: (typeof rows)[number]) => K) => {
      const totals = new Map<K, number>();
      for (const r of rows) totals.set(key(r), (totals.get(key(r)) ?? 0) + r.usd);
      return [...totals.entries()].map(([k, usd]) => [k, round2(usd)] as const);
    };
    const day = today();
    return {
      today: { day, usd: round2(this.deps.ledger.spentOn(day)) },
      days: sum((r) => r.day).map(([d, usd]) => ({ day: d, usd })).sort((a, b) => b.day.localeCompare(a.day)),
      projects: sum((r) => r.project).map(([project, usd]) => ({ project, usd })),
      jobs: sum((r) => r.jobId).map(([jobId, usd]) => ({ jobId, usd })),
    };
  }

  /**
   * Sends a failed take again (a provider that went silent, a 429 that outlasted our patience, an
   * expired download): a fresh submit with the same job, counted against the budget again.
   */
  retryTake(takeId: string): Take {
    const { ledger, providers } = this.deps;
    const take = ledger.getTake(takeId);
    if (!take) throw new DirectorError(404, "take_not_found", `No take ${takeId}.`);
    const job = ledger.getJob(take.jobId)!;
    if (take.state !== "failed" || !take.error?.retryable) {
      throw new DirectorError(409, "not_retryable", take.state === "failed" ? "This take's failure would repeat: change the request and draft again." : "Only a failed take can be retried.");
    }
    if (job.canceled) throw new DirectorError(409, "job_canceled", "This job was canceled.");
    const provider = providers.get(job.provider);
    if (!provider || !provider.info().available) throw new DirectorError(409, "provider_unavailable", `${job.provider} is unavailable.`);
    const cost = this.estimateTake(provider, { mode: job.mode, model: job.model, duration: job.duration, exr: job.exr, sequence: job.frame.sequence });
    const refusal = this.budgetRefusal(cost.usd, job.budgetUsd ?? undefined, 1, cost.usd, job.id);
    if (refusal) throw new DirectorError(402, "over_budget", refusal);
    this.transition(take.id, {
      state: "queued",
      progress: 0,
      message: "Queued again",
      error: null,
      providerJobId: null,
      request: null,
      iteration: take.iteration + 1,
      cost,
      outputs: {},
    });
    const next = ledger.getTake(take.id)!;
    this.startTake(job, next, provider);
    return next;
  }

  /**
   * Lifts a finished SDR take to an HDR master with Runway's video_to_hdr (ruby): a new one-take
   * job on the same frame and direction, so the SDR original stays as it was.
   */
  upconvertTake(takeId: string, request: UpconvertRequest): Job {
    const { ledger, providers } = this.deps;
    const source = ledger.getTake(takeId);
    if (!source) throw new DirectorError(404, "take_not_found", `No take ${takeId}.`);
    const sourceJob = ledger.getJob(source.jobId)!;
    const master = source.outputs.master && ledger.getArtifact(source.outputs.master.id);
    if (source.state !== "succeeded" || !master) throw new DirectorError(409, "take_not_ready", "Only a finished take can be lifted to HDR.");
    // Judge what the provider delivered (the `source` kept beside a conformed master): an SDR
    // take conformed into a PQ container is still SDR picture, and lifting it is the point.
    const delivered = (source.outputs.source && ledger.getArtifact(source.outputs.source.id)) || master;
    const transfer = delivered.artifact.colorTags?.colr?.transfer;
    if (transfer === 16 || transfer === 18) throw new DirectorError(409, "already_hdr", "This take is already HDR.");
    const provider = providers.get(request.provider);
    const info = provider?.info();
    if (!provider || !info?.capabilities.upconvert) throw new DirectorError(400, "upconvert_unsupported", `${request.provider} cannot upconvert to HDR.`, "provider");
    if (!info.available) throw new DirectorError(409, "provider_unavailable", `${info.label} is unavailable: ${info.reason ?? "unknown reason"}.`, "provider");
    const sequenceSpace = sourceJob.frame.sequence.colorSpace;
    const format = request.format ?? (sequenceSpace === "rec2100-hlg" ? "hlg" : "hdr_prores");
    const colorSpace = format === "hlg" ? "rec2100-hlg" : "rec2100-pq";
    const model = "ruby";
    const cost = this.estimateTake(provider, { mode: "final", model, duration: sourceJob.duration });
    const refusal = this.budgetRefusal(cost.usd, undefined, 1, cost.usd);
    if (refusal) throw new DirectorError(402, "over_budget", refusal);
    const now = new Date().toISOString();
    const jobId = newId("job");
    const take: Take = {
      id: newId("take"),
      jobId,
      index: 0,
      iteration: 0,
      providerJobId: null,
      request: null,
      state: "queued",
      progress: 0,
      message: "Queued for HDR upconversion",
      error: null,
      outputs: {},
      critique: null,
      cost,
      colorSpace,
      createdAt: now,
      updatedAt: now,
    };
    const job: Job = {
      id: jobId,
      createdAt: now,
      frame: sourceJob.frame,
      direction: sourceJob.direction,
      provider: provider.id,
      model,
      mode: "final",
      count: 1,
      duration: sourceJob.duration,
      budgetUsd: null,
      upconvertOf: { takeId, format },
      canceled: false,
      takes: [take],
    };
    ledger.insertJob(job);
    this.startTake(job, take, provider);
    return job;
  }

  private budget(): BudgetSettings {
    return this.deps.budget ?? DEFAULT_BUDGET;
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
        this.transition(takeId, { state: "queued", message: `Waiting for a free slot at ${provider.info().label}` });
        await sleep(Math.max(provider.pollIntervalMs, error.options.retryAfterMs ?? provider.pollIntervalMs * 4), signal);
        if (signal.aborted) return undefined;
      }
    }
  }

  /** For an upconversion job: the SDR master to lift and the HDR delivery asked for. */
  private upconvertSource(job: Job): { sourceVideoPath?: string; hdrFormat?: string } {
    if (!job.upconvertOf) return {};
    const source = this.deps.ledger.getTake(job.upconvertOf.takeId);
    // Lift the provider's own SDR file when it was kept (smaller, and the picture as generated),
    // else the master.
    const kept = source?.outputs.source ?? source?.outputs.master;
    const file = kept && this.deps.ledger.getArtifact(kept.id);
    if (!file) throw new ProviderRequestError("source_missing", "The take to upconvert has no master file any more.");
    return { sourceVideoPath: file.path, hdrFormat: job.upconvertOf.format };
  }

  private estimateTake(
    provider: Provider,
    input: { mode: Job["mode"]; model: string; duration: number; exr?: boolean; sequence?: SequenceContext },
  ): Money {
    return provider.estimateCost(input as Parameters<Provider["estimateCost"]>[0]);
  }

  /**
   * The backend's own spending check, with the figures in the sentence. A request may ask for a
   * smaller job budget than the default, never a larger daily cap.
   */
  private budgetRefusal(totalUsd: number, requestedBudgetUsd: number | undefined, count: number, perTakeUsd: number, alreadyJobId?: string): string | undefined {
    if (totalUsd <= 0) return undefined;
    const budget = this.budget();
    const jobBudget = requestedBudgetUsd ?? budget.perJobUsd;
    const spentInJob = alreadyJobId ? this.deps.ledger.takesOf(alreadyJobId).reduce((a, t) => a + t.cost.usd, 0) : 0;
    if (spentInJob + totalUsd > jobBudget + 1e-9) {
      return `This job would cost ${usd(spentInJob + totalUsd)} (${count} × ${usd(perTakeUsd)}${spentInJob ? ` + ${usd(spentInJob)} already spent` : ""}), over its budget of ${usd(jobBudget)}. Make fewer takes, or raise the job budget.`;
    }
    const spentToday = this.deps.ledger.spentOn(today());
    if (spentToday + totalUsd > budget.dailyCapUsd + 1e-9) {
      return `This job would cost ${usd(totalUsd)}; ${usd(spentToday)} is already spent today, and the daily cap is ${usd(budget.dailyCapUsd)} (RETAKE_DAILY_CAP_USD).`;
    }
    return undefined;
  }

  /**
   * After a restart: free local takes run again; paid takes resume polling the job they already
   * submitted, so a paid generation is never lost.
   */
  resumeUnfinished(): number {
    const { ledger, providers } = this.deps;
    let resumed = 0;
    for (const take of ledger.unfinishedTakes()) {
      const job = ledger.getJob(take.jobId);
      const provider = job && providers.get(job.provider);
      if (!job || !provider) {
        this.transition(take.id, { state: "failed", message: "Failed", error: { code: "provider_missing", message: "Its provider is no longer configured." } });
        continue;
      }
      if (job.canceled) {
        this.transition(take.id, { state: "canceled", message: "Canceled" });
        continue;
      }
      const resumeFrom = provider.rerunAfterRestart ? null : take.providerJobId;
      if (provider.rerunAfterRestart) this.transition(take.id, { state: "queued", progress: 0, message: "Queued again after a backend restart", providerJobId: null });
      this.startTake(job, ledger.getTake(take.id)!, provider, resumeFrom ?? undefined);
      resumed++;
    }
    return resumed;
  }

  /** Stops local work (used on shutdown); the ledger keeps the takes for resumption. */
  stopAll(): void {
    for (const controller of this.running.values()) controller.abort();
    this.running.clear();
  }

  private startTake(job: Job, take: Take, provider: Provider, existingProviderJobId?: string): void {
    const controller = new AbortController();
    this.running.set(take.id, controller);
    this.runTake(job, take, provider, controller.signal, existingProviderJobId)
      .catch((error: unknown) => {
        if (controller.signal.aborted) return;
        const message = error instanceof Error ? error.message : String(error);
        this.deps.log?.(`take ${take.id} failed: ${message}`);
        const current = this.deps.ledger.getTake(take.id);
        const named = error instanceof ProviderRequestError;
        this.transition(take.id, {
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
      })
      .finally(() => this.running.delete(take.id));
  }

  private async runTake(job: Job, take: Take, provider: Provider, signal: AbortSignal, existingProviderJobId?: string): Promise<void> {
    const workDir = path.join(this.deps.dataDir, "work", take.id);
    fs.mkdirSync(workDir, { recursive: true });
    let providerJobId = existingProviderJobId;
    if (!providerJobId) {
      const frame = this.deps.ledger.getFrame(job.frame.frameId);
      if (!frame) throw new Error("The captured frame has gone from the ledger.");
      const input: HostedSubmitInput = {
        jobId: job.id,
        takeId: take.id,
        takeIndex: take.index,
        mode: job.mode,
        model: job.model,
        duration: job.duration,
        direction: job.direction,
        frame: job.frame,
        framePath: frame.imagePath,
        workDir,
        exr: job.exr ?? false,
        ...this.upconvertSource(job),
      };
      const submitted = await this.submitWhenAdmitted(take.id, provider, input, signal);
      if (!submitted) return;
      providerJobId = submitted.providerJobId;
      if (signal.aborted) {
        await provider.cancel(providerJobId).catch(() => undefined);
        return;
      }
      this.transition(take.id, { providerJobId, request: submitted.request, state: "queued", message: "Submitted" });
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
          const current = this.deps.ledger.getTake(take.id);
          if (!current || TERMINAL_TAKE_STATES.has(current.state)) return;
          this.transition(take.id, {
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
      const current = this.deps.ledger.getTake(take.id);
      if (!current || TERMINAL_TAKE_STATES.has(current.state)) return;
      const actualCost = (status as HostedStatus).actualCost;
      if (status.state === "succeeded") {
        if (actualCost) this.transition(take.id, { cost: actualCost });
        break;
      }
      if (status.state === "failed" || status.state === "canceled") {
        this.transition(take.id, {
          state: status.state,
          progress: current.progress,
          message: status.state === "failed" ? "Failed" : "Canceled",
          error: status.failure ?? (status.state === "failed" ? { code: "failed", message: status.message } : null),
          ...(actualCost ? { cost: actualCost } : status.state === "failed" && refundsFailures(provider) ? { cost: { usd: 0, estimated: false } } : {}),
        });
        return;
      }
      if (current.state !== status.state || Math.abs(current.progress - status.progress) >= 0.01 || current.message !== status.message) {
        this.transition(take.id, { state: status.state, progress: status.progress, message: status.message });
        delay = base;
      } else {
        delay = Math.min(ceiling, Math.round(delay * 1.5));
      }
      await sleep(delay, signal);
    }

    const artifactsDir = path.join(this.deps.dataDir, "artifacts", take.id);
    fs.mkdirSync(artifactsDir, { recursive: true });
    const fetched = await provider.fetchOutputs(providerJobId, artifactsDir);
    this.transition(take.id, { message: "Delivering the master", progress: 0.98 });
    const { outputs, notes } = await deliverOutputs({ outputs: fetched, sequence: job.frame.sequence, duration: job.duration, dir: artifactsDir, signal });
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
        createdAt: new Date().toISOString(),
      };
      this.deps.ledger.insertArtifact(artifact, output.path);
      recorded[output.kind] = artifact;
    }
    if (!recorded.master) {
      this.transition(take.id, { state: "failed", message: "Failed", error: { code: "no_master", message: `${provider.info().label} finished without a master file.` } });
      return;
    }
    const critique = await this.critique(job, take.id, recorded.master, signal);
    if (signal.aborted) return;
    this.transition(take.id, { state: "succeeded", progress: 1, message: "Ready", outputs: recorded, critique, ...(notes.length ? { notes } : {}) });
    fs.rmSync(path.join(this.deps.dataDir, "work", take.id), { recursive: true, force: true });
  }

  /**
   * Measures the master against the direction before the take is offered, so the editor picks
   * from scored takes. A critic failure never costs the take: it is ready, just unscored.
   */
  private async critique(job: Job, takeId: string, master: Artifact, signal: AbortSignal): Promise<Take["critique"]> {
    const file = this.deps.ledger.getArtifact(master.id);
    if (!file) return null;
    this.transition(takeId, { message: "Scoring against the direction", progress: 0.99 });
    try {
      const framePath = this.deps.ledger.getFrame(job.frame.frameId)?.imagePath;
      return await critiqueClip(file.path, { direction: job.direction, ...(framePath ? { framePath } : {}), signal });
    } catch (error) {
      if (!signal.aborted) this.deps.log?.(`critique of take ${takeId} failed: ${error instanceof Error ? error.message : String(error)}`);
      return null;
    }
  }

  /** Applies a change to a take, records it, then tells listeners. */
  private transition(takeId: string, change: Partial<Take> & { state?: TakeState }): void {
    const current = this.deps.ledger.getTake(takeId);
    if (!current) return;
    const next: Take = { ...current, ...change, updatedAt: new Date().toISOString() };
    const seq = this.deps.ledger.updateTake(next);
    this.deps.events.emit(next.jobId, { type: "take", seq, take: next });
  }
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

function usd(value: number): string {
  return `$${value.toFixed(2)}`;
}

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

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
