/**
 * Team mode's StepRunner: the director's steps on a pg-boss 12 queue in the ledger's Postgres, so
 * any `retake worker` machine may take them (why pg-boss: docs/team.md, "Queue engine: why pg-boss").
 *
 * What the queue guarantees, and how:
 * - One job per step: the queue's `exclusive` policy with `singletonKey = stepKey(step)` lets one
 *   job per key be queued, waiting to retry or running; a second `start` of the same step is a no-op.
 * - Finals before drafts: job priority (pg-boss fetches highest priority first).
 * - Fair share per editor, across ALL workers: each job is in its editor's group, and at most
 *   `editorConcurrency` steps of one editor run at once in the whole farm, however many workers
 *   there are, so one editor's 100 drafts leave every other slot to other editors. A hard bound,
 *   also when nobody else has work (a running step cannot be taken back without losing it, so a
 *   borrowed slot would make the next editor wait minutes). pg-boss's `groupConcurrency` skips an
 *   editor at the limit; the `retake_fair_share` trigger makes it exact (see installFairShare).
 *   A SIGKILLed worker's step stays counted until the heartbeat monitor fails it (below).
 * - Retries with exponential backoff for a thrown step; a step that throws `DoNotRetry` goes straight
 *   to the dead letters. A step that used up its retries is there too: `deadLetters()`, `redrive(id)`.
 * - Hand-back: a step that `close()` interrupts goes back on the queue at once, with its retries
 *   left as they were (a worker stopping is not the step failing).
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
/** Postgres setting on the queue's connections that tells the fair-share trigger this process's limit. */
const EDITOR_LIMIT_SETTING = "retake.editor_concurrency";
/** How long `close()` lets running steps finish before it interrupts and hands back the rest. */
const STOP_GRACE_MS = 5000;
/** How long an interrupted step gets to hand itself back before pg-boss fails it (counting a retry). */
const HAND_BACK_MS = 5000;

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
  /**
   * Running steps per editor across all workers. Default 2. Each worker enforces the value it was
   * opened with, so give every worker the same one.
   */
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
  /** Aborted by `close()` once the grace is over: handlers still running hand their steps back. */
  private readonly stopping = new AbortController();
  private readonly running = new Set<Promise<unknown>>();

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
    if (!Number.isInteger(resolved.editorConcurrency) || resolved.editorConcurrency < 1) {
      throw new Error(`editorConcurrency must be a whole number of steps, 1 or more; got ${resolved.editorConcurrency}.`);
    }
    const boss = new PgBoss({
      connectionString: options.connectionString,
      // Every claim this process makes runs on these connections, so the fair-share trigger reads
      // this process's limit from the session (see installFairShare).
      options: `-c ${EDITOR_LIMIT_SETTING}=${resolved.editorConcurrency}`,
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
    try {
      await installFairShare(boss, resolved.schema, resolved.editorConcurrency);
    } catch (error) {
      await boss.stop({ graceful: false }).catch(() => {});
      throw error;
    }
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
    const live = await this.liveJobs(step);
    if (live.length > 0) await this.boss.cancel(STEP_QUEUE, live.map((job) => job.id));
  }

  /** Whether the step is queued, waiting to retry or running (so a dead letter of it is not what decides its fate). */
  async isLive(step: Step): Promise<boolean> {
    return (await this.liveJobs(step)).length > 0;
  }

  private async liveJobs(step: Step): Promise<JobWithMetadata<StepData>[]> {
    return (await this.boss.findJobs<StepData>(STEP_QUEUE, { key: stepKey(step) })).filter((job) =>
      job.state === "created" || job.state === "retry" || job.state === "active",
    );
  }

  /** Runs steps from the queue on this machine, `concurrency` at a time, until `close()`. */
  async work(handler: StepHandler, { concurrency }: { concurrency: number }): Promise<void> {
    await this.boss.work<StepData, undefined, { localConcurrency: number; batchSize: 1; perJobResults: true; groupConcurrency: number; pollingIntervalSeconds: number; notifyPollingIntervalSeconds: number; heartbeatRefreshSeconds: number }>(
      STEP_QUEUE,
      {
        localConcurrency: concurrency,
        // One job per claim: the fair-share trigger then never waits on two editors' locks at once.
        batchSize: 1,
        perJobResults: true,
        // Counted in the database over every worker's running steps, so an editor at the limit is
        // skipped and the next editor's step is fetched instead. Alone it races (two fetches in the
        // same instant both see the editor under the limit: measured, with a limit of 2 one editor
        // held up to all 6 slots of two workers); the trigger turns the loser's claim away. Works
        // with concurrency 1 too.
        groupConcurrency: this.options.editorConcurrency,
        pollingIntervalSeconds: this.options.pollingIntervalSeconds,
        // A worker slot that finished a step fetches again only after this, NOTIFY or not.
        notifyPollingIntervalSeconds: this.options.pollingIntervalSeconds,
        // The heartbeat is also how a cancel from another process reaches the handler: each refresh
        // that finds the job no longer active aborts its signal.
        heartbeatRefreshSeconds: 1,
      },
      (jobs: BossJob<StepData>[]): Promise<JobResult[]> => {
        const run = this.runJob(jobs[0]!, handler);
        this.running.add(run);
        void run.finally(() => this.running.delete(run)).catch(() => {});
        return run;
      },
    );
  }

  private async runJob(job: BossJob<StepData>, handler: StepHandler): Promise<JobResult[]> {
    const stop = this.stopping.signal;
    let failure: unknown = null;
    if (!stop.aborted) {
      try {
        await handler(job.data.step, { signal: AbortSignal.any([job.signal, stop]) });
      } catch (error) {
        failure = error;
      }
    }
    // Interrupted by our own stop (whatever the handler made of the abort): not done, not failed.
    if (stop.aborted) {
      await this.handBack(job);
      // The claim is gone now, so pg-boss's settle of this attempt changes nothing.
      return [{ id: job.id, status: "completed" }];
    }
    if (failure === null) return [{ id: job.id, status: "completed" }];
    if (failure instanceof DoNotRetry) return [{ id: job.id, status: "deadletter", output: { message: failure.message } }];
    throw failure; // retried with backoff, then dead-lettered
  }

  /**
   * Puts a step this worker holds back on the queue, runnable at once, without spending a retry:
   * pg-boss's fail() would count one and wait out the backoff, and its restore() would leave the
   * next attempt with this attempt's number, so our own settle of this attempt could land on it.
   * Moved to `retry` (the next claim numbers a new attempt) with one more retry allowed, so the
   * retries left are as they were. Only while the claim is still ours (a cancelled step stays
   * cancelled); a no-op otherwise.
   */
  private async handBack(job: BossJob<StepData>): Promise<void> {
    const schema = this.options.schema;
    await this.boss.getDb().executeSql(
      `UPDATE ${schema}.job
          SET state = 'retry', start_after = ${schema}.job_now(), retry_limit = retry_limit + 1, heartbeat_on = NULL
        WHERE name = $1 AND id = $2 AND state = 'active' AND retry_count = $3`,
      [STEP_QUEUE, job.id, job.retryCount],
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

  /**
   * Stops taking steps; a running step that ends within 5 s finishes, the others' signals abort and
   * they are handed back (see handBack) for another worker to pick up from the ledger.
   */
  async close(): Promise<void> {
    const stopped = this.boss.stop({ graceful: true, timeout: STOP_GRACE_MS + HAND_BACK_MS });
    let graceOver: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.running]),
      new Promise((resolve) => (graceOver = setTimeout(resolve, STOP_GRACE_MS))),
    ]);
    clearTimeout(graceOver);
    this.stopping.abort(new Error("the worker is stopping; the step is handed back"));
    await stopped;
  }
}

/**
 * Makes the per-editor limit exact across workers. pg-boss's fetch counts an editor's running steps
 * in its statement's snapshot, so two claims in the same instant (two workers, or two slots of one)
 * both count the editor under the limit. This trigger runs on each claim (a job becoming `active`):
 * it waits for the editor's lock, which the previous claim of that editor holds until it commits,
 * then counts again in a fresh snapshot (a VOLATILE function's statements take one each under READ
 * COMMITTED) and turns the claim away, leaving the job queued, if the editor is at the limit. The
 * fetch then returns nothing and the slot polls again. The limit is the claiming process's
 * (`${EDITOR_LIMIT_SETTING}` on its connections); a claim from a connection without it is let
 * through. A running step leaves the count when it settles, is cancelled, or its heartbeat stops
 * (SIGKILL: the monitor fails it), so a dead worker's slot comes back with its step.
 */
async function installFairShare(boss: PgBossType, schema: string, editorConcurrency: number): Promise<void> {
  const db = boss.getDb();
  const fn = `${schema}.retake_fair_share`;
  // One statement, so it is one transaction: the lock keeps workers starting together from
  // replacing the trigger under each other.
  await db.executeSql(`DO $install$ BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('${schema}.retake_fair_share install'));
    CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql VOLATILE AS $fn$
    DECLARE
      editor_limit int := nullif(current_setting('${EDITOR_LIMIT_SETTING}', true), '')::int;
      running int;
    BEGIN
      IF editor_limit IS NULL THEN RETURN NEW; END IF;
      PERFORM pg_advisory_xact_lock(hashtext('${schema}.retake_fair_share'), hashtext(NEW.group_id));
      SELECT count(*) INTO running FROM ${schema}.job
        WHERE name = NEW.name AND state = 'active' AND group_id = NEW.group_id;
      IF running >= editor_limit THEN RETURN NULL; END IF;
      RETURN NEW;
    END $fn$;
    CREATE OR REPLACE TRIGGER retake_fair_share BEFORE UPDATE OF state ON ${schema}.job FOR EACH ROW
      WHEN (NEW.state = 'active' AND OLD.state <> 'active' AND NEW.group_id IS NOT NULL AND NEW.name = '${STEP_QUEUE}')
      EXECUTE FUNCTION ${fn}();
  END $install$`);
  // A database URL with its own `options=` parameter replaces ours: without the setting the trigger
  // would let this worker's claims through, and the limit would be best effort again.
  const { rows } = await db.executeSql(`SELECT current_setting('${EDITOR_LIMIT_SETTING}', true) AS value`);
  if (rows[0]?.value !== String(editorConcurrency)) {
    throw new Error(
      `The team queue could not set ${EDITOR_LIMIT_SETTING} on its database connections (the database URL's own "options" parameter replaces it). ` +
        `Add "-c ${EDITOR_LIMIT_SETTING}=${editorConcurrency}" to that parameter, or remove it.`,
    );
  }
}
