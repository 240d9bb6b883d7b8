/**
 * The director's work, cut into steps that someone runs: in embedded mode the backend's own
 * process, in team mode any worker that takes them from the queue. A step names what to work on,
 * never how far it got: the runner reads that from the ledger, so running a step twice (a queue
 * delivers at least once; a worker may die half-way) picks up where the record says and never
 * submits or pays twice.
 */
export type Step =
  /** Drive one take from its recorded state: submit (unless it has a provider job), poll, deliver, conform, critique. */
  | { kind: "take"; jobId: string; takeId: string }
  /** Decide an auto job's next round from its finished takes (refine, or stop). */
  | { kind: "loop"; jobId: string }
  /** Start the upscale an enhance planned, once its take is final. */
  | { kind: "upscaleNext"; jobId: string };

export interface StepOptions {
  /** Finals (enhance, upscale, upconvert) go before drafts. */
  priority: "final" | "draft";
  /** Who asked (team mode's user id): the queue shares workers fairly between editors. null in embedded mode. */
  editor: string | null;
}

/** What a step's handler gets from whoever runs it. */
export interface StepContext {
  /** Aborted when the step is cancelled (from any process in team mode) or the runner stops. */
  signal: AbortSignal;
}

export type StepHandler = (step: Step, context: StepContext) => Promise<void>;

/** Who runs steps. Embedded: in this process, at once. Team: a queue that workers take from. */
export interface StepRunner {
  /** Starts (or enqueues) a step; a step already started or queued under the same key is not started twice. */
  start(step: Step, options: StepOptions): Promise<void>;
  /** Stops a running or queued take step, wherever it runs. */
  cancel(step: Step): Promise<void>;
}

/** One key per step: the same step enqueued twice is one job. */
export function stepKey(step: Step): string {
  return step.kind === "take" ? `take:${step.takeId}` : `${step.kind}:${step.jobId}`;
}
