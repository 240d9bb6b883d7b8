/**
 * Team mode's StepRunner: the director's steps on a pg-boss 12 queue in the ledger's Postgres, so
 * any `retake worker` machine may take them (why pg-boss: docs/team.md, "Queue engine: why pg-boss").
 *
 * What the queue guarantees, and how:
 * - One job per step: the queue's `exclusive` policy with `singletonKey = stepKey(step)` lets one
 *   job per key be queued, waiting to retry or running; a second `start` of the same step is a no-op.
 * - Finals before drafts: job priority (pg-boss fetches highest priority first).
 * - Fair share per editor: each job is in its editor's group, and a worker runs at most
 *   `editorConcurrency` (and at most concurrency − 1) steps of one editor at a time (pg-boss
 *   localGroupConcurrency), so one editor's 100 drafts leave a slot on every worker to other
 *   editors. Needs worker concurrency ≥ 2; with 1, steps run oldest first by priority.
 * - Retries with exponential backoff for a thrown step; a step that throws `DoNotRetry` goes straight
 *   to the dead letters. A step that used up its retries is there too: `deadLetters()`, `redrive(id)`.
 * - Liveness: a running step's heartbeat is refreshed every second (also how a cancel reaches it);
 *   a job whose heartbeat is `heartbeatSeconds` old is failed by the monitor (every
 *   `monitorIntervalSeconds`) and retried, so a SIGKILLed worker's step runs elsewhere within
 *   heartbeatSeconds + monitorIntervalSeconds + 2 × retryDelaySeconds + 1 s (22 s by default);
 *   a live step is never taken twice however long it runs, up to the `expireInSeconds` cap.
 * - Cancel from anywhere: `cancel(step)` marks the job cancelled; the worker's next heartbeat sees
 *   its claim gone and aborts the handler's `signal` (≤ 1 s later).
 *
 * Delivery is at least once (a worker that loses its claim, e.g. a frozen event loop, may still be
 * running when another starts the step), which is why steps read their progress from the ledger.
 */
import type { PgBoss as PgBossType, Job as BossJob, JobResult, JobWithMetadata } from "pg-boss";
import { stepKey, type Step, type StepHandler, type StepOptions, type StepRunner } from "../director/steps.js";
import { assertTeamNode } from "./nodeVersion.js";

export const STEP_QUEUE = "retake-steps";
export const DEAD_LETTER_QUEUE = "retake-steps-dead";
const PRIORITY = { final: 10, draft: 0 } as const;

/** Throw this from a step handler when retrying cannot help (a rejected prompt, a missing file). */
export class DoNotRetry extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "DoNotRetry";
  }
}

export interface StepQueueOptions {
  /** The ledger's Postgres. */
  connectionString: string;
  /** Postgres schema for the queue's tables, apart from the ledger's. */
  schema?: string;
  /** Running steps per editor on one worker machine (at most its concurrency − 1, so another editor always gets a slot). Default 2. */
  editorConcurrency?: number;
  /** Retries after the first attempt. Default 3. */
  retryLimit?: number;
  /** First retry delay; doubles each retry (with jitter), capped at 5 minutes. Default 3. */
  retryDelaySeconds?: number;
  /** A running step whose worker is silent this long is taken by another. Minimum 10 (pg-boss). Default 10. */
  heartbeatSeconds?: number;
  /** How often silent workers are looked for. Default 5. */
  monitorIntervalSeconds?: number;
  /** The longest one attempt may run (a 4K conform is minutes). Default 4 hours. */
  expireInSeconds?: number;
  /** How often an idle worker slot looks for work besides NOTIFY wake-ups. Default 1. */
  pollingIntervalSeconds?: number;
}

interface StepData {
  step: Step;
  editor: string | null;
  priority: StepOptions["priority"];
}

export interface DeadLetter {
  /** Pass to `redrive`. */
  id: string;
  step: Step;
  editor: string | null;
  priority: StepOptions["priority"];
  /** When it was dead-lettered. */
  at: string;
  /** When the step was first queued (before its attempts), when the queue kept it. */
  queuedAt: string | null;
  /** Attempts made before it was given up (the first run plus its retries). */
  attempts: number;
  /** The last attempt's error message, when the queue kept it. */
  error: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A dead letter as an admin reads it, from the dead letter job (pg-boss copies the failed job's output, retries and age onto it). */
function toDeadLetter(job: JobWithMetadata<StepData>): DeadLetter {
  return {
    id: job.id,
    step: job.data.step,
    editor: job.data.editor,
    priority: job.data.priority,
    at: job.createdOn.toISOString(),
    queuedAt: job.sourceCreatedOn ? new Date(job.sourceCreatedOn).toISOString() : null,
    attempts: (job.sourceRetryCount ?? 0) + 1,
    error: heartbeatSaid(errorMessage(job.sourceOutput)),
  };
}

/** pg-boss's words for a step whose worker went silent, in an admin's (and, on the take, an editor's). */
function heartbeatSaid(message: string | null): string | null {
  return message === "job heartbeat timeout" ? "its worker stopped answering (killed, or frozen) while running it" : message;
}

/**
 * The message in a failed job's output: `{message}` from a DoNotRetry, a serialized Error from a
 * thrown step, or the queue's own words (an expired heartbeat) under `value`.
 */
function errorMessage(output: unknown): string | null {
  if (output === null || output === undefined) return null;
  if (typeof output === "string") return output;
  if (typeof output !== "object") return String(output);
  const record = output as Record<string, unknown>;
  if (typeof record.message === "string") return record.message;
  if ("value" in record) return errorMessage(record.value);
  if ("error" in record) return errorMessage(record.error);
  return JSON.stringify(output);
}

export class StepQueue implements StepRunner {
  private constructor(
    private readonly boss: PgBossType,
    private readonly options: Required<Omit<StepQueueOptions, "connectionString">>,
  ) {}

  /** Connects, creating the queue's tables on first use. Throws TeamNodeError on Node < 22.12. */
  static async open(options: StepQueueOptions): Promise<StepQueue> {
    assertTeamNode();
    const resolved = {
      schema: "retake_queue",
      editorConcurrency: 2,
      retryLimit: 3,
      retryDelaySeconds: 3,
      heartbeatSeconds: 10,
      monitorIntervalSeconds: 5,
      expireInSeconds: 4 * 3600,
      pollingIntervalSeconds: 1,
      ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
    };
    // Loaded only here: pg-boss 12 does not load on the Node 20 that embedded mode runs on.
    const { PgBoss } = await import("pg-boss");
    const boss = new PgBoss({
      connectionString: options.connectionString,
      schema: resolved.schema,
      useListenNotify: true,
      supervise: true,
      monitorIntervalSeconds: resolved.monitorIntervalSeconds,
      superviseIntervalSeconds: resolved.monitorIntervalSeconds,
      schedule: false,
    });
    // pg-boss reports connection trouble as events; without a listener Node would crash the process.
    boss.on("error", (error) => console.error(`[team queue] ${error.message}`));
    await boss.start();
    await boss.createQueue(DEAD_LETTER_QUEUE, { retentionSeconds: 90 * 24 * 3600 });
    const settings = {
      notify: true,
      deadLetter: DEAD_LETTER_QUEUE,
      retryLimit: resolved.retryLimit,
      retryDelay: resolved.retryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: resolved.expireInSeconds,
    };
    await boss.createQueue(STEP_QUEUE, { ...settings, policy: "exclusive", retryDelayMax: 300, heartbeatSeconds: resolved.heartbeatSeconds });
    // createQueue leaves an existing queue as it was: this applies changed settings to it. New jobs
    // take them; queued jobs keep the ones they were sent with.
    await boss.updateQueue(STEP_QUEUE, settings);
    const { connectionString: _omit, ...rest } = resolved as StepQueueOptions & typeof resolved;
    return new StepQueue(boss, rest);
  }

  async start(step: Step, options: StepOptions): Promise<void> {
    const data: StepData = { step, editor: options.editor, priority: options.priority };
    // null when a job with this key is already queued, waiting to retry or running: one job per step.
    await this.boss.send(STEP_QUEUE, data, {
      singletonKey: stepKey(step),
      priority: PRIORITY[options.priority],
      ...(options.editor ? { group: { id: options.editor } } : {}),
    });
  }

  async cancel(step: Step): Promise<void> {
    const live = (await this.boss.findJobs<StepData>(STEP_QUEUE, { key: stepKey(step) })).filter((job) =>
      job.state === "created" || job.state === "retry" || job.state === "active",
    );
    if (live.length > 0) await this.boss.cancel(STEP_QUEUE, live.map((job) => job.id));
  }

  /** Runs steps from the queue on this machine, `concurrency` at a time, until `close()`. */
  async work(handler: StepHandler, { concurrency }: { concurrency: number }): Promise<void> {
    await this.boss.work<StepData, undefined, { localConcurrency: number; batchSize: 1; perJobResults: true; localGroupConcurrency: number; pollingIntervalSeconds: number; notifyPollingIntervalSeconds: number; heartbeatRefreshSeconds: number }>(
      STEP_QUEUE,
      {
        localConcurrency: concurrency,
        batchSize: 1,
        perJobResults: true,
        // Counted in this process, not in the database: pg-boss's global groupConcurrency counts
        // committed claims, and this process's slots fetch in step (same poll timer, same NOTIFY),
        // so two fetches at one instant both saw the editor under the limit and one editor got
        // every slot (measured: another editor's draft ran 10th instead of 2nd). Per machine, one
        // editor holds at most editorConcurrency slots, so with concurrency above it a slot is
        // always left for other editors.
        localGroupConcurrency: Math.min(this.options.editorConcurrency, Math.max(1, concurrency - 1)),
        pollingIntervalSeconds: this.options.pollingIntervalSeconds,
        // A worker slot that finished a step fetches again only after this, NOTIFY or not.
        notifyPollingIntervalSeconds: this.options.pollingIntervalSeconds,
        // The heartbeat is also how a cancel from another process reaches the handler: each refresh
        // that finds the job no longer active aborts its signal.
        heartbeatRefreshSeconds: 1,
      },
      async (jobs: BossJob<StepData>[]): Promise<JobResult[]> => {
        const job = jobs[0]!;
        try {
          await handler(job.data.step, { signal: job.signal });
          return [{ id: job.id, status: "completed" }];
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          if (error instanceof DoNotRetry) return [{ id: job.id, status: "deadletter", output: { message } }];
          throw error; // retried with backoff, then dead-lettered
        }
      },
    );
  }

  /**
   * Steps that failed for good, oldest first, for an admin to look at and redrive. One query: the
   * dead letter job carries the failed job's error, retry count and age (pg-boss's source_* columns).
   */
  async deadLetters(): Promise<DeadLetter[]> {
    // Pages of 1000 (findJobs' default cap), so the newest letters are never cut off behind old ones.
    const page = 1000;
    const letters: DeadLetter[] = [];
    for (let after: string | undefined; ; ) {
      const jobs = await this.boss.findJobs<StepData>(DEAD_LETTER_QUEUE, { queued: true, limit: page, ...(after ? { after } : {}) });
      letters.push(...jobs.map(toDeadLetter));
      if (jobs.length < page) return letters;
      after = jobs[jobs.length - 1]!.id;
    }
  }

  /** One dead letter still waiting for an admin, or null (no such id, or already redriven). */
  async deadLetter(id: string): Promise<DeadLetter | null> {
    if (!UUID.test(id)) return null;
    const [job] = await this.boss.findJobs<StepData>(DEAD_LETTER_QUEUE, { id });
    return job && job.state === "created" ? toDeadLetter(job) : null;
  }

  /**
   * Puts a dead-lettered step back on the queue; false when there is no such dead letter (or it
   * was redriven already). pg-boss moves it in one statement, with its priority, editor group and
   * step key; if the same step is already queued or running again (one job per step), the letter
   * stays, failed, and this says false.
   */
  async redrive(id: string): Promise<boolean> {
    if (!UUID.test(id)) return false;
    return (await this.boss.redrive(DEAD_LETTER_QUEUE, { ids: [id], limit: 1 })) > 0;
  }

  /** Stops taking steps; running handlers' signals abort. */
  async close(): Promise<void> {
    await this.boss.stop({ graceful: true, timeout: 5000 });
  }
}
