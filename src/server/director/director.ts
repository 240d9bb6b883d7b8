import fs from "node:fs";
import path from "node:path";
import { compileDirection } from "../../core/direction/index.js";
import {
  TERMINAL_TAKE_STATES,
  type Artifact,
  type CreateJobRequest,
  type Job,
  type Take,
  type TakeState,
} from "../../core/schemas/index.js";
import { readColorTagsFromFile } from "../files/fileRangedRead.js";
import { newId } from "../ids.js";
import type { Ledger } from "../ledger/ledger.js";
import type { Provider, ProviderRegistry } from "../providers/provider.js";
import type { JobEvents } from "./jobEvents.js";

/** A failure the HTTP layer turns into a status code and an editor-readable message. */
export class DirectorError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export interface DirectorDeps {
  ledger: Ledger;
  providers: ProviderRegistry;
  events: JobEvents;
  dataDir: string;
  log?: (message: string) => void;
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

    const direction = compileDirection({ prompt: request.prompt, annotations: request.annotations, duration: request.duration }, {
      frameSize: frame.frame.sequence.frameSize,
    });
    const model = request.model ?? info.capabilities.models[0] ?? provider.id;
    const cost = provider.estimateCost({ mode: request.mode, model, duration: request.duration });
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
      colorSpace: frame.frame.sequence.colorSpace,
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
      this.transition(take.id, { state: "canceled", message: "Canceled", progress: take.progress });
    }
    return this.deps.ledger.getJob(jobId)!;
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
        this.transition(take.id, { state: "failed", message: "Failed", error: { code: "internal", message } });
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
      const submitted = await provider.submit({
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
      });
      providerJobId = submitted.providerJobId;
      if (signal.aborted) {
        await provider.cancel(providerJobId).catch(() => undefined);
        return;
      }
      this.transition(take.id, { providerJobId, request: submitted.request, state: "queued", message: "Submitted" });
    }

    // Poll until terminal. Only changes are written, so the event stream stays quiet when idle.
    for (;;) {
      if (signal.aborted) return;
      const status = await provider.status(providerJobId);
      if (signal.aborted) return;
      const current = this.deps.ledger.getTake(take.id);
      if (!current || TERMINAL_TAKE_STATES.has(current.state)) return;
      if (status.state === "succeeded") break;
      if (status.state === "failed" || status.state === "canceled") {
        this.transition(take.id, {
          state: status.state,
          progress: current.progress,
          message: status.state === "failed" ? "Failed" : "Canceled",
          error: status.failure ?? (status.state === "failed" ? { code: "failed", message: status.message } : null),
        });
        return;
      }
      if (current.state !== status.state || Math.abs(current.progress - status.progress) >= 0.01 || current.message !== status.message) {
        this.transition(take.id, { state: status.state, progress: status.progress, message: status.message });
      }
      await sleep(provider.pollIntervalMs, signal);
    }

    const artifactsDir = path.join(this.deps.dataDir, "artifacts", take.id);
    fs.mkdirSync(artifactsDir, { recursive: true });
    const outputs = await provider.fetchOutputs(providerJobId, artifactsDir);
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
        colorTags: output.kind === "master" ? await readColorTagsFromFile(output.path) : undefined,
        createdAt: new Date().toISOString(),
      };
      this.deps.ledger.insertArtifact(artifact, output.path);
      recorded[output.kind] = artifact;
    }
    if (!recorded.master) {
      this.transition(take.id, { state: "failed", message: "Failed", error: { code: "no_master", message: `${provider.info().label} finished without a master file.` } });
      return;
    }
    this.transition(take.id, { state: "succeeded", progress: 1, message: "Ready", outputs: recorded });
    fs.rmSync(path.join(this.deps.dataDir, "work", take.id), { recursive: true, force: true });
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
