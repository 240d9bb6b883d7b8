import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import {
  Artifact,
  FrameContext,
  Job,
  JobLogEntry,
  ProjectSettings,
  type ProjectSettings as ProjectSettingsT,
  Take,
  TERMINAL_TAKE_STATES,
  type Artifact as ArtifactT,
  type FrameContext as FrameContextT,
  type HistoryPage,
  type HistoryQuery,
  type Job as JobT,
  type JobLogEntry as JobLogEntryT,
  type Take as TakeT,
} from "../../core/schemas/index.js";
import { takeScore as scoreOf } from "../../core/takeRanking.js";
import { queryHistory } from "./history.js";
import { checkLedgerVersion, migrate, refreshJobAggregates, reindexJobSearch } from "./migrations.js";

/**
 * The ledger is the source of truth: every frame, job, take, log line and artifact, in one SQLite
 * file under the data dir. It survives restarts; the UI is only a view of it. Records are stored
 * as validated JSON beside the few columns we query on, so a record read back is exactly the
 * record written (and re-validated on the way out). The schema is versioned (migrations.ts).
 */
type JobRecord = Omit<JobT, "takes" | "log">;

/** What may change on a job record after it is made (takes and log lines have their own calls). */
export type JobChange = Partial<Pick<JobRecord, "canceled" | "loop" | "upscaleNext">>;

/** A job's changes in event order, for an SSE replay after `afterSeq`. */
export type JobReplayItem =
  | { type: "take"; seq: number; take: TakeT }
  | { type: "log"; seq: number; entry: JobLogEntryT }
  | { type: "job"; seq: number; job: JobT };

export class Ledger {
  private constructor(private readonly db: Database.Database) {}

  static open(dataDir: string): Ledger {
    fs.mkdirSync(dataDir, { recursive: true });
    const db = new Database(path.join(dataDir, "ledger.sqlite"));
    try {
      checkLedgerVersion(db);
    } catch (error) {
      db.close();
      throw error;
    }
    // WAL keeps readers (SSE, lists) from blocking the writer; synchronous=NORMAL is durable
    // across process crashes, which is the failure we care about (a paid take must survive).
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma("foreign_keys = ON");
    migrate(db);
    return new Ledger(db);
  }

  close(): void {
    this.db.close();
  }

  /** Runs `fn` in one transaction (nested ledger writes become savepoints): all of it lands, or none. */
  atomically<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  insertFrame(frame: FrameContextT, imagePath: string): void {
    const valid = FrameContext.parse(frame);
    this.db
      .prepare("INSERT INTO frames (id, created_at, image_path, json) VALUES (?, ?, ?, ?)")
      .run(valid.frameId, valid.capturedAt, imagePath, JSON.stringify(valid));
  }

  getFrame(id: string): { frame: FrameContextT; imagePath: string } | undefined {
    const row = this.db.prepare("SELECT image_path, json FROM frames WHERE id = ?").get(id) as
      | { image_path: string; json: string }
      | undefined;
    return row ? { frame: FrameContext.parse(JSON.parse(row.json)), imagePath: row.image_path } : undefined;
  }

  /** Inserts a job and its initial takes in one transaction: no half-created jobs. */
  insertJob(job: JobT): void {
    const valid = Job.parse(job);
    const { takes, log: _log, ...record } = valid;
    this.db.transaction(() => {
      this.db
        .prepare("INSERT INTO jobs (id, created_at, provider, json, last_seq, job_seq) VALUES (?, ?, ?, ?, 0, 0)")
        .run(record.id, record.createdAt, record.provider, JSON.stringify(record));
      for (const take of takes) this.insertTakeRow(take);
      refreshJobAggregates(this.db, record.id);
      reindexJobSearch(this.db, record.id);
    })();
  }

  /**
   * Adds takes to an existing job (an auto job's next round) together with the job change that
   * records the round, in one transaction: after a crash either both are there or neither.
   * Returns each take with its event sequence number, and the job change's.
   */
  addTakes(jobId: string, takes: TakeT[], change: JobChange = {}): { takes: Array<{ seq: number; take: TakeT }>; jobSeq: number | null } {
    const valid = takes.map((t) => Take.parse(t));
    return this.db.transaction(() => {
      const added = valid.map((take) => ({ seq: this.insertTakeRow(take), take }));
      refreshJobAggregates(this.db, jobId);
      return { takes: added, jobSeq: Object.keys(change).length > 0 ? this.updateJob(jobId, change) : null };
    })();
  }

  private insertTakeRow(take: TakeT): number {
    const seq = this.nextSeq(take.jobId);
    this.db
      .prepare("INSERT INTO takes (id, job_id, idx, state, seq, updated_at, json, score, starred, cost_usd) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
      .run(take.id, take.jobId, take.index, take.state, seq, take.updatedAt, JSON.stringify(take), scoreOf(take), take.starred ? 1 : 0, take.cost.usd);
    return seq;
  }

  /** The job's next event sequence number (take changes, log lines and job changes share it). */
  private nextSeq(jobId: string): number {
    const row = this.db.prepare("UPDATE jobs SET last_seq = last_seq + 1 WHERE id = ? RETURNING last_seq").get(jobId) as { last_seq: number } | undefined;
    if (!row) throw new Error(`No job ${jobId} in the ledger.`);
    return row.last_seq;
  }

  /** Changes the job record (canceled, loop state); returns the change's event sequence number. */
  updateJob(id: string, change: JobChange): number {
    return this.db.transaction(() => {
      const row = this.db.prepare("SELECT json FROM jobs WHERE id = ?").get(id) as { json: string } | undefined;
      if (!row) throw new Error(`No job ${id} in the ledger.`);
      const seq = this.nextSeq(id);
      this.db.prepare("UPDATE jobs SET json = ?, job_seq = ? WHERE id = ?").run(JSON.stringify({ ...JSON.parse(row.json), ...change }), seq, id);
      return seq;
    })();
  }

  /** Appends a line to the job's reasoning log; returns it with its sequence number. */
  appendLog(jobId: string, entry: Omit<JobLogEntryT, "seq">): JobLogEntryT {
    return this.db.transaction(() => {
      const written = JobLogEntry.parse({ ...entry, seq: this.nextSeq(jobId) });
      this.db.prepare("INSERT INTO job_log (job_id, seq, json) VALUES (?, ?, ?)").run(jobId, written.seq, JSON.stringify(written));
      return written;
    })();
  }

  logOf(jobId: string, afterSeq = 0): JobLogEntryT[] {
    const rows = this.db.prepare("SELECT json FROM job_log WHERE job_id = ? AND seq > ? ORDER BY seq").all(jobId, afterSeq) as { json: string }[];
    return rows.map((r) => JobLogEntry.parse(JSON.parse(r.json)));
  }

  getJob(id: string): JobT | undefined {
    const row = this.db.prepare("SELECT json FROM jobs WHERE id = ?").get(id) as { json: string } | undefined;
    if (!row) return undefined;
    const log = this.logOf(id);
    return Job.parse({ ...JSON.parse(row.json), takes: this.takesOf(id), ...(log.length > 0 ? { log } : {}) });
  }

  /** Everything about a job that changed after `afterSeq`, in event order (take, log and job changes). */
  changesSince(jobId: string, afterSeq: number): JobReplayItem[] {
    const items: JobReplayItem[] = [
      ...this.takesChangedSince(jobId, afterSeq).map(({ seq, take }) => ({ type: "take" as const, seq, take })),
      ...this.logOf(jobId, afterSeq).map((entry) => ({ type: "log" as const, seq: entry.seq, entry })),
    ];
    const row = this.db.prepare("SELECT job_seq FROM jobs WHERE id = ?").get(jobId) as { job_seq: number } | undefined;
    if (row && row.job_seq > afterSeq) {
      const job = this.getJob(jobId);
      if (job) items.push({ type: "job", seq: row.job_seq, job });
    }
    return items.sort((a, b) => a.seq - b.seq);
  }

  /** The history view's search (history.ts). */
  history(query: HistoryQuery): HistoryPage {
    return queryHistory(this.db, query);
  }

  listJobs(limit = 50): JobT[] {
    const rows = this.db.prepare("SELECT id FROM jobs ORDER BY created_at DESC, rowid DESC LIMIT ?").all(limit) as { id: string }[];
    return rows.map((r) => this.getJob(r.id)).filter((j): j is JobT => j !== undefined);
  }

  takesOf(jobId: string): TakeT[] {
    const rows = this.db.prepare("SELECT json FROM takes WHERE job_id = ? ORDER BY idx").all(jobId) as { json: string }[];
    return rows.map((r) => Take.parse(JSON.parse(r.json)));
  }

  getTake(id: string): TakeT | undefined {
    const row = this.db.prepare("SELECT json FROM takes WHERE id = ?").get(id) as { json: string } | undefined;
    return row ? Take.parse(JSON.parse(row.json)) : undefined;
  }

  /**
   * Writes a take's new state and gives it the job's next event sequence number, which is the
   * SSE event id: a client that reconnects with Last-Event-ID gets exactly what it missed.
   */
  updateTake(take: TakeT): number {
    const valid = Take.parse(take);
    const score = scoreOf(valid);
    const starred = valid.starred ? 1 : 0;
    return this.db.transaction(() => {
      const before = this.db.prepare("SELECT state, score, starred, json_extract(json, '$.note') AS note FROM takes WHERE id = ?").get(valid.id) as
        | { state: string; score: number | null; starred: number; note: string | null }
        | undefined;
      if (!before) throw new Error(`No take ${valid.id} in the ledger.`);
      const seq = this.nextSeq(valid.jobId);
      this.db
        .prepare("UPDATE takes SET state = ?, seq = ?, updated_at = ?, json = ?, score = ?, starred = ?, cost_usd = ? WHERE id = ?")
        .run(valid.state, seq, valid.updatedAt, JSON.stringify(valid), score, starred, valid.cost.usd, valid.id);
      // Progress updates come several times a second per take: the job's best score and starred
      // count only change when a take's state, score or star does.
      if (before.state !== valid.state || before.score !== score || before.starred !== starred) refreshJobAggregates(this.db, valid.jobId);
      if ((before.note ?? "") !== (valid.note ?? "")) reindexJobSearch(this.db, valid.jobId);
      return seq;
    })();
  }

  /** Takes of a job whose last change is newer than `afterSeq`, oldest change first. */
  takesChangedSince(jobId: string, afterSeq: number): { seq: number; take: TakeT }[] {
    const rows = this.db
      .prepare("SELECT seq, json FROM takes WHERE job_id = ? AND seq > ? ORDER BY seq")
      .all(jobId, afterSeq) as { seq: number; json: string }[];
    return rows.map((r) => ({ seq: r.seq, take: Take.parse(JSON.parse(r.json)) }));
  }

  /** Auto jobs whose loop had not finished when the backend last stopped. */
  runningLoops(): string[] {
    return (this.db.prepare("SELECT id FROM jobs WHERE json_extract(json, '$.loop.state') = 'running' ORDER BY created_at").all() as { id: string }[]).map((r) => r.id);
  }

  /** Takes that were queued or running when the backend last stopped. */
  unfinishedTakes(): TakeT[] {
    const terminal = [...TERMINAL_TAKE_STATES];
    const rows = this.db
      .prepare(`SELECT json FROM takes WHERE state NOT IN (${terminal.map(() => "?").join(",")}) ORDER BY updated_at`)
      .all(...terminal) as { json: string }[];
    return rows.map((r) => Take.parse(JSON.parse(r.json)));
  }

  /**
   * Spend recorded on takes (estimated until the provider says otherwise), grouped by UTC day,
   * project and job. Refunded and never-submitted takes carry 0, so they count nothing.
   */
  spendRows(): { day: string; project: string; jobId: string; userId: string | null; usd: number }[] {
    return this.db
      .prepare(
        `SELECT substr(json_extract(t.json, '$.createdAt'), 1, 10) AS day,
                COALESCE(json_extract(j.json, '$.frame.sequence.projectName'), '') AS project,
                t.job_id AS jobId,
                json_extract(j.json, '$.createdBy.userId') AS userId,
                COALESCE(SUM(t.cost_usd), 0) AS usd
           FROM takes t JOIN jobs j ON j.id = t.job_id
          GROUP BY day, project, t.job_id`,
      )
      .all() as { day: string; project: string; jobId: string; userId: string | null; usd: number }[];
  }

  /** Total cost of takes created on one UTC day ("2026-11-24"). */
  spentOn(day: string): number {
    const row = this.db
      .prepare("SELECT COALESCE(SUM(cost_usd), 0) AS usd FROM takes WHERE substr(json_extract(json, '$.createdAt'), 1, 10) = ?")
      .get(day) as { usd: number };
    return row.usd;
  }

  /**
   * What is already spent, for a spend guard (store.ts SpendSnapshot): the UTC day's takes, the
   * job's, its project's that day and its editor's that day. Read inside `atomically` by the
   * guarded writes of SyncLedgerStore, so the check and the write are one transaction.
   */
  spendSnapshot(input: { day: string; jobId: string; project: string; userId: string | null }): { dayUsd: number; jobUsd: number; projectDayUsd: number; userDayUsd: number } {
    const dayUsd = this.spentOn(input.day);
    const jobUsd = this.spentInJob(input.jobId);
    const projectDayUsd = (
      this.db
        .prepare(
          `SELECT COALESCE(SUM(t.cost_usd), 0) AS usd FROM takes t JOIN jobs j ON j.id = t.job_id
            WHERE substr(json_extract(t.json, '$.createdAt'), 1, 10) = ? AND COALESCE(json_extract(j.json, '$.frame.sequence.projectName'), '') = ?`,
        )
        .get(input.day, input.project) as { usd: number }
    ).usd;
    const userDayUsd =
      input.userId === null
        ? 0
        : (
            this.db
              .prepare(
                `SELECT COALESCE(SUM(t.cost_usd), 0) AS usd FROM takes t JOIN jobs j ON j.id = t.job_id
                  WHERE substr(json_extract(t.json, '$.createdAt'), 1, 10) = ? AND json_extract(j.json, '$.createdBy.userId') = ?`,
              )
              .get(input.day, input.userId) as { usd: number }
          ).usd;
    return { dayUsd, jobUsd, projectDayUsd, userDayUsd };
  }

  /** What a job's takes have cost so far (estimated until the provider says otherwise). */
  spentInJob(jobId: string): number {
    return (this.db.prepare("SELECT COALESCE(SUM(cost_usd), 0) AS usd FROM takes WHERE job_id = ?").get(jobId) as { usd: number }).usd;
  }

  insertArtifact(artifact: ArtifactT, filePath: string): void {
    const valid = Artifact.parse(artifact);
    this.db
      .prepare("INSERT OR REPLACE INTO artifacts (id, take_id, kind, path, json) VALUES (?, ?, ?, ?, ?)")
      .run(valid.id, valid.takeId, valid.kind, filePath, JSON.stringify(valid));
  }

  getArtifact(id: string): { artifact: ArtifactT; path: string } | undefined {
    const row = this.db.prepare("SELECT path, json FROM artifacts WHERE id = ?").get(id) as { path: string; json: string } | undefined;
    return row ? { artifact: Artifact.parse(JSON.parse(row.json)), path: row.path } : undefined;
  }

  /** A project's settings; the defaults (judge off) for a project never set. */
  projectSettings(project: string): ProjectSettingsT {
    const row = this.db.prepare("SELECT json FROM project_settings WHERE project = ?").get(project) as { json: string } | undefined;
    return ProjectSettings.parse(row ? JSON.parse(row.json) : {});
  }

  setProjectSettings(project: string, settings: ProjectSettingsT): ProjectSettingsT {
    const valid = ProjectSettings.parse(settings);
    this.db
      .prepare("INSERT INTO project_settings (project, updated_at, json) VALUES (?, ?, ?) ON CONFLICT(project) DO UPDATE SET updated_at = excluded.updated_at, json = excluded.json")
      .run(project, new Date().toISOString(), JSON.stringify(valid));
    return valid;
  }
}
