import { randomInt } from "node:crypto";
import type { Job, JobLogEntry, Money, ProviderInfo, SequenceContext, Take, TakeState } from "../../core/schemas/index.js";
import type { BudgetSettings } from "../config.js";
import type { Judge } from "../critic/judge/judge.js";
import type { critiqueClip } from "../critic/analyseClip.js";
import { estimateJudgeUsd } from "../critic/judge/runJudge.js";
import type { JobChange, Store } from "../ledger/store.js";
import type { Provider, ProviderRegistry } from "../providers/provider.js";
import { ServiceError } from "../serviceError.js";
import type { LogLine } from "./autoLoop.js";
import { Budget } from "./budget.js";
import type { JobEvents } from "./jobEvents.js";
import { applyTakeChange } from "./judgeHold.js";
import type { Step, StepOptions, StepRunner } from "./steps.js";

/** A change to a take (`cost`: the current attempt's). */
export type TakeChange = Partial<Take> & { state?: TakeState };

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
  /** Who runs the director's steps; the embedded in-process runner when absent. */
  steps?: StepRunner;
  /**
   * Measures a delivered take (the critic). In this process by default; a team worker runs it in a
   * child process (critic/critiqueInChild.ts) so seconds of frame analysis never stall its event
   * loop, whose queue heartbeat must keep beating.
   */
  critique?: typeof critiqueClip;
}

/**
 * What every part of the director shares: the store, the providers, the budget, and the writes
 * that record a change and then tell listeners (take, log line, job). Holds no state about work in
 * progress, so any process with the same store can run any step.
 */
export class DirectorContext {
  readonly store: Store;
  readonly providers: ProviderRegistry;
  readonly budget: Budget;
  readonly randomSeed: () => number;

  constructor(
    readonly deps: DirectorDeps,
    /** Starts steps (takes, loop rounds, planned upscales); set once the runner exists. */
    public startStep: (step: Step, options: StepOptions) => Promise<void> = async () => undefined,
  ) {
    this.store = deps.store;
    this.providers = deps.providers;
    this.budget = new Budget(deps.store, deps.budget);
    this.randomSeed = deps.randomSeed ?? (() => randomInt(0, 2 ** 31 - 1));
  }

  /**
   * Applies a change to a take, records it, then tells listeners. A `cost` in the change is the
   * current attempt's generation; the take's cost adds what its earlier attempts cost and the
   * judge's hold, which a take that ends without the judge releases (judgeHold.ts). Applied to the take as
   * the store has it, in one transaction: a poll's progress and an editor's star landing together
   * never overwrite each other.
   */
  async transition(takeId: string, change: TakeChange): Promise<void> {
    await this.transitionWhen(takeId, () => change);
  }

  /**
   * A transition decided on the take as the ledger has it, under its lock: `decide` returns the
   * change, or undefined to leave the take alone (nothing written, nobody told). What two
   * processes decide about one take (a cancel, the runner marking it generated) is decided once.
   * Returns the take as written, or undefined when it was left alone.
   */
  async transitionWhen(takeId: string, decide: (current: Take) => TakeChange | undefined): Promise<Take | undefined> {
    const written = await this.store.changeTake(takeId, (current) => {
      const change = decide(current);
      return change ? applyTakeChange(current, change, new Date().toISOString()) : undefined;
    });
    if (written) this.deps.events.emit(written.take.jobId, { type: "take", seq: written.seq, take: written.take });
    return written?.take;
  }

  async log(jobId: string, line: LogLine): Promise<JobLogEntry> {
    const entry = await this.store.appendLog(jobId, { ...line, at: new Date().toISOString() });
    this.deps.events.emit(jobId, { type: "log", seq: entry.seq, entry });
    return entry;
  }

  async updateJob(jobId: string, change: JobChange): Promise<void> {
    await this.emitJob(jobId, await this.store.updateJob(jobId, change));
  }

  async emitJob(jobId: string, seq: number): Promise<void> {
    const job = await this.store.getJob(jobId);
    if (job) this.deps.events.emit(jobId, { type: "job", seq, job });
  }

  /** Whether the judge looks at this project's takes: a key on the backend and the editor's yes for the project. */
  async judgeOn(projectName: string | undefined): Promise<boolean> {
    return Boolean(this.deps.judge) && (await this.store.projectSettings(projectName ?? "")).judge;
  }

  /** Upper-bound judge cost per take for a project (0 when the judge will not look). */
  async judgeEstimateUsd(projectName: string | undefined): Promise<number> {
    if (!this.deps.judge || !(await this.judgeOn(projectName))) return 0;
    // Frames are scaled to fit 768×768 whatever the sequence size, so the size here only sets the aspect.
    return estimateJudgeUsd(this.deps.judge, { width: 1920, height: 1080, withStartFrame: true }).usd;
  }

  estimateTake(
    provider: Provider,
    input: { mode: Job["mode"]; model: string; duration: number; exr?: boolean; audio?: boolean; sequence?: SequenceContext },
  ): Money {
    return provider.estimateCost(input as Parameters<Provider["estimateCost"]>[0]);
  }

  /** A provider by id; an unknown one is the request's mistake (400, naming the field). */
  knownProvider(id: string): Provider {
    const provider = this.providers.get(id);
    if (!provider) throw new DirectorError(400, "unknown_provider", `There is no provider "${id}".`, "provider");
    return provider;
  }

  /** A provider that can take work now; one without its key says why and how to fix it (409). */
  availableProvider(id: string): { provider: Provider; info: ProviderInfo } {
    const provider = this.knownProvider(id);
    const info = provider.info();
    if (!info.available) throw new DirectorError(409, "provider_unavailable", `${info.label} is unavailable: ${info.reason ?? "unknown reason"}.`, "provider");
    return { provider, info };
  }

  /** Starts a step of a job: its take, its next round, its planned upscale. */
  start(job: Job, step: Step): Promise<void> {
    return this.startStep(step, stepOptions(job));
  }

  startTake(job: Job, takeId: string): Promise<void> {
    return this.start(job, { kind: "take", jobId: job.id, takeId });
  }
}

/** Finals (enhance, upscale, upconvert) go before drafts in a queue; the job's editor, for fairness. */
export function stepOptions(job: Job): StepOptions {
  return { priority: job.mode === "final" ? "final" : "draft", editor: job.createdBy?.userId ?? null };
}
