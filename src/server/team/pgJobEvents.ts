/**
 * Job events across API processes (team mode): a panel's SSE connection may be on any API process,
 * while the step that changed the job ran on a worker or on another API process.
 *
 * The ledger is the message: an emitting process writes the change to the ledger (as it does
 * today), then NOTIFYs only `{ jobId, seq }` on one channel (NOTIFY payloads are capped at 8000
 * bytes, and a take is bigger). Every process LISTENs; for a job with local subscribers it re-reads
 * `store.changesSince(jobId, cursor)` and hands each item to them as the JobEvent it is. So a
 * subscriber gets the same objects as from `JobEvents`, and the SSE route keeps working unchanged
 * (it already drops events whose seq it has sent).
 *
 * The LISTEN connection reconnects after it drops (database restart, pg_terminate_backend, network)
 * with backoff, and then re-reads every watched job, because notifications sent while it was away
 * are lost, not queued.
 */
import pg from "pg";
import type { JobEvent } from "../../core/schemas/index.js";
import { JobEvents } from "../director/jobEvents.js";
import type { Store } from "../ledger/store.js";

export const JOB_EVENTS_CHANNEL = "retake_job_events";
/** How the LISTEN connection shows in pg_stat_activity (an admin can see every API process's). */
export const LISTEN_APPLICATION_NAME = "retake job events";

export interface PgJobEventsOptions {
  connectionString: string;
  /** Reads what changed; only `changesSince` is used. */
  store: Pick<Store, "changesSince">;
  /** Longest wait between reconnect attempts. Default 5000 ms. */
  maxReconnectDelayMs?: number;
  /** Told about connection trouble (never includes the connection string). */
  onError?: (error: Error) => void;
}

type ChangeListener = (jobId: string, seq: number) => void;

export class PgJobEvents extends JobEvents {
  private listener: pg.Client | null = null;
  private readonly notifier: pg.Pool;
  private closed = false;
  private reconnectDelay = 100;
  private reconnectTimer: NodeJS.Timeout | null = null;
  /** Per watched job: the highest seq handed to local subscribers, and the read in progress. */
  private readonly cursors = new Map<string, { seq: number | null; reading: Promise<void> }>();
  private readonly changeListeners = new Set<ChangeListener>();
  private readonly watchers = new Map<string, number>();
  private connected: Promise<void>;

  private constructor(private readonly options: PgJobEventsOptions) {
    super();
    this.notifier = new pg.Pool({ connectionString: options.connectionString, max: 2, application_name: "retake job events (notify)" });
    this.notifier.on("error", (error) => this.report(error));
    // Checked-out clients have no idle-error listener (see openStore.ts): a restart must not crash the process.
    this.notifier.on("connect", (client) => client.on("error", (error) => this.report(error)));
    this.connected = this.connect();
  }

  /** Connects the LISTEN connection; resolves once it listens. */
  static async open(options: PgJobEventsOptions): Promise<PgJobEvents> {
    const events = new PgJobEvents(options);
    await events.connected;
    return events;
  }

  override subscribe(jobId: string, listener: (event: JobEvent) => void): () => void {
    const unsubscribe = super.subscribe(jobId, listener);
    this.watchers.set(jobId, (this.watchers.get(jobId) ?? 0) + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      unsubscribe();
      const left = (this.watchers.get(jobId) ?? 1) - 1;
      if (left > 0) this.watchers.set(jobId, left);
      else {
        this.watchers.delete(jobId);
        this.cursors.delete(jobId);
      }
    };
  }

  /**
   * Local subscribers get the event at once; every process (this one too) hears `{ jobId, seq }`
   * and re-reads the ledger. Call after the change is written to the ledger.
   */
  override emit(jobId: string, event: JobEvent): void {
    super.emit(jobId, event);
    this.notify(jobId, event.seq).catch((error: Error) => this.report(error));
  }

  /** NOTIFYs every process that `jobId` changed up to `seq` (already in the ledger). */
  async notify(jobId: string, seq: number): Promise<void> {
    await this.notifier.query("SELECT pg_notify($1, $2)", [JOB_EVENTS_CHANNEL, JSON.stringify({ jobId, seq })]);
  }

  /** Every change heard from any process, for callers that re-read on their own. Returns unsubscribe. */
  onChange(listener: ChangeListener): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    await this.listener?.end().catch(() => {});
    await this.notifier.end().catch(() => {});
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.options.connectionString, application_name: LISTEN_APPLICATION_NAME });
    // An 'error' without a listener would crash the process; a dropped connection is expected.
    client.on("error", (error) => this.lost(client, error));
    client.on("end", () => this.lost(client, new Error("job events: the LISTEN connection ended")));
    client.on("notification", (message) => {
      if (message.channel !== JOB_EVENTS_CHANNEL || !message.payload) return;
      try {
        const { jobId, seq } = JSON.parse(message.payload) as { jobId: string; seq: number };
        this.changed(jobId, seq);
      } catch {
        // Not ours (someone else NOTIFYing on the channel): ignore.
      }
    });
    await client.connect();
    await client.query(`LISTEN ${JOB_EVENTS_CHANNEL}`);
    this.listener = client;
    this.reconnectDelay = 100;
  }

  private lost(client: pg.Client, error: Error): void {
    if (this.listener !== client && this.listener !== null) return; // an old client's late event
    if (this.closed) return;
    this.listener = null;
    this.report(new Error(`job events: lost the LISTEN connection (${error.message}); reconnecting`));
    client.removeAllListeners("end");
    client.end().catch(() => {});
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    const delay = this.reconnectDelay;
    this.reconnectDelay = Math.min(this.reconnectDelay * 2, this.options.maxReconnectDelayMs ?? 5000);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connected = this.connect().then(
        // Whatever was NOTIFYed while we were away is lost: re-read every watched job.
        () => {
          for (const jobId of this.watchers.keys()) this.changed(jobId, null);
        },
        (error: Error) => {
          this.report(new Error(`job events: reconnect failed (${error.message}); retrying`));
          this.scheduleReconnect();
        },
      );
    }, delay);
  }

  /** `jobId` changed up to `seq` (null: unknown, re-read from the cursor). */
  private changed(jobId: string, seq: number | null): void {
    for (const listener of this.changeListeners) {
      try {
        if (seq !== null) listener(jobId, seq);
      } catch {
        // A broken listener must not stop the others.
      }
    }
    if (!this.watchers.has(jobId)) return;
    let cursor = this.cursors.get(jobId);
    if (!cursor) {
      // First change heard for this job since it was watched: subscribers replayed the ledger
      // themselves when they subscribed, so start just before this change.
      if (seq === null) return;
      this.cursors.set(jobId, (cursor = { seq: seq - 1, reading: Promise.resolve() }));
    }
    const c = cursor;
    // One read at a time per job, each from where the last one ended: nothing is handed out twice
    // or skipped, however NOTIFYs bunch up.
    c.reading = c.reading.then(async () => {
      if (seq !== null && c.seq !== null && seq <= c.seq) return;
      try {
        const items = await this.options.store.changesSince(jobId, c.seq ?? 0);
        for (const item of items) {
          if (c.seq !== null && item.seq <= c.seq) continue;
          c.seq = item.seq;
          super.emit(jobId, item as JobEvent);
        }
      } catch (error) {
        this.report(error as Error);
      }
    });
  }

  private report(error: Error): void {
    this.options.onError?.(error);
  }
}
