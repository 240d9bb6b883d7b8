import type {
  CostEstimate,
  CreateJobRequest,
  EnhanceRequest,
  EstimateRequest,
  Job,
  JudgeInfo,
  SpendTotals,
  Take,
  TakePatch,
  UpconvertRequest,
  UpscaleRequest,
} from "../../core/schemas/index.js";
import { DirectorContext, type DirectorDeps } from "./directorContext.js";
import { enhance } from "./enhance.js";
import { InProcessSteps } from "./inProcessSteps.js";
import { JobLifecycle } from "./jobLifecycle.js";
import { advanceLoop } from "./refineLoop.js";
import { resumeUnfinished } from "./resume.js";
import type { Step, StepHandler, StepRunner } from "./steps.js";
import { TakeRunner } from "./takeRunner.js";
import { upconvertTake } from "./upconvert.js";
import { startPlannedUpscale, upscaleTake } from "./upscale.js";

export { DirectorError, type DirectorDeps } from "./directorContext.js";

/** Who made a job (team mode's signed-in editor), recorded on it as `createdBy`. */
export type CreatedBy = NonNullable<Job["createdBy"]>;

/**
 * Runs jobs: what the routes call. It turns requests into recorded jobs (jobLifecycle.ts, enhance,
 * upconvert, upscale) and has their work run as steps (steps.ts) by a StepRunner — in this process
 * (inProcessSteps.ts) unless one is given. The steps: a take (takeRunner.ts: submit, poll,
 * deliver, score one take from its record), an auto job's next round (refineLoop.ts), and an
 * enhance's planned upscale (upscale.ts). Everything is recorded in the store before anyone is
 * told, so what the UI sees is always what the ledger holds.
 */
export class Director {
  private readonly ctx: DirectorContext;
  private readonly takes: TakeRunner;
  private readonly lifecycle: JobLifecycle;
  private readonly steps: StepRunner;
  /** The embedded runner, when this director runs its own steps (stopAll, settle). */
  private readonly local: InProcessSteps | undefined;

  constructor(deps: DirectorDeps) {
    this.ctx = new DirectorContext(deps);
    this.takes = new TakeRunner(this.ctx);
    this.local = deps.steps ? undefined : new InProcessSteps(this.handler, deps.log);
    this.steps = deps.steps ?? this.local!;
    this.ctx.startStep = (step, options) => this.steps.start(step, options);
    this.lifecycle = new JobLifecycle(this.ctx, { cancel: (step) => this.steps.cancel(step) });
  }

  /** What a worker runs for a step it took (team mode), and what the embedded runner runs. */
  readonly handler: StepHandler = (step: Step, context) => {
    switch (step.kind) {
      case "take":
        return this.takes.run(step, context);
      case "loop":
        return advanceLoop(this.ctx, step.jobId);
      case "upscaleNext":
        return startPlannedUpscale(this.ctx, step.jobId);
    }
  };

  /** `createdBy`: the signed-in editor (team mode); absent in embedded mode. */
  createJob(request: CreateJobRequest, createdBy?: CreatedBy): Promise<Job> {
    return this.lifecycle.createJob(request, createdBy);
  }

  cancelJob(jobId: string): Promise<Job> {
    return this.lifecycle.cancelJob(jobId);
  }

  /** What a job would cost and whether the backend would accept it (POST /v1/estimate). */
  estimate(request: EstimateRequest, createdBy?: CreatedBy): Promise<CostEstimate> {
    return this.lifecycle.estimate(request, createdBy);
  }

  /** The judge as the settings show it (GET /v1/judge). */
  judgeInfo(): JudgeInfo {
    return this.lifecycle.judgeInfo();
  }

  /** Spend per day, project and job, from the ledger (GET /v1/spend). */
  spend(): Promise<SpendTotals> {
    return this.lifecycle.spend();
  }

  retryTake(takeId: string): Promise<Take> {
    return this.lifecycle.retryTake(takeId);
  }

  patchTake(takeId: string, patch: TakePatch): Promise<Take> {
    return this.lifecycle.patchTake(takeId, patch);
  }

  /** Renders a draft as a final master (POST /v1/jobs/:id/enhance): a new one-take job. */
  enhance(jobId: string, request: EnhanceRequest, createdBy?: CreatedBy): Promise<Job> {
    return enhance(this.ctx, jobId, request, createdBy);
  }

  /** Lifts a finished SDR take to HDR (POST /v1/takes/:id/upconvert): a new one-take job. */
  upconvertTake(takeId: string, request: UpconvertRequest, createdBy?: CreatedBy): Promise<Job> {
    return upconvertTake(this.ctx, takeId, request, createdBy);
  }

  /** Lifts a finished take to a larger size (POST /v1/takes/:id/upscale): a new one-take job. */
  upscaleTake(takeId: string, request: UpscaleRequest, createdBy?: CreatedBy): Promise<Job> {
    return upscaleTake(this.ctx, takeId, request, undefined, createdBy);
  }

  /** After a restart: starts again every take, loop and planned upscale the ledger says is unfinished. */
  resumeUnfinished(): Promise<number> {
    return resumeUnfinished(this.ctx);
  }

  /** Stops local work (used on shutdown); the ledger keeps the takes for resumption. */
  stopAll(): void {
    this.local?.stopAll();
  }

  /** Waits (at most `ms`) for stopped steps to write what is in flight (InProcessSteps.settle). */
  async settle(ms: number): Promise<void> {
    await this.local?.settle(ms);
  }
}
