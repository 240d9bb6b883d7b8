import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import {
  Artifact,
  FrameContext,
  Job,
  Take,
  TERMINAL_TAKE_STATES,
  type Artifact as ArtifactT,
  type FrameContext as FrameContextT,
  type Job as JobT,
  type Take as TakeT,
} from "../../core/schemas/index.js";

/**
 * The ledger is the source of truth: every frame, job, take and artifact, in one SQLite file
 * under the data dir. It survives restarts; the UI is only a view of it. Records are stored as
 * validated JSON beside the few columns we query on, so a record read back is exactly the record
 * written (and re-validated on the way out).
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS frames (
  id TEXT PRIMARY KEY,
  created_at TEXT NOT NULL,
  image_path TEXT NOT NULL,
  json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY,
  created_at TEXT NOT NULL,
  provider TEXT NOT NULL,
  json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_created ON jobs(created_at DESC);
CREATE TABLE IF NOT EXISTS takes (
  id TEXT PRIMARY KEY,
  job_id TEXT NOT NULL REFERENCES jobs(id),
  idx INTEGER NOT NULL,
  state TEXT NOT NULL,
  seq INTEGER NOT NULL,
  updated_at TEXT NOT NULL,
  json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS takes_job ON takes(job_id, idx);
CREATE INDEX IF NOT EXISTS takes_state ON takes(state);
CREATE TABLE IF NOT EXISTS artifacts (
  id TEXT PRIMARY KEY,
  take_id TEXT NOT NULL REFERENCES takes(id),
  kind TEXT NOT NULL,
  path TEXT NOT NULL,
  json TEXT NOT NULL
);
`;

type JobRecord = Omit<JobT, "takes">;

export class Ledger {
  private constructor(private readonly db: Database.Database) {}

  static open(dataDir: string): Ledger {
    fs.mkdirSync(dataDir, { recursive: true });
    const db = new Database(path.join(dataDir, "ledger.sqlite"));
    // WAL keeps readers (SSE, lists) from blocking the writer; synchronous=NORMAL is durable
    // across process crashes, which is the failure we care about (a paid take must survive).
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma("foreign_keys = ON");
    db.exec(SCHEMA);
    return new Ledger(db);
  }

  close(): void {
    this.db.close();
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
    const { takes, ...record } = valid;
    const tx = this.db.transaction(() => {
      this.db
        .prepare("INSERT INTO jobs (id, created_at, provider, json) VALUES (?, ?, ?, ?)")
        .run(record.id, record.createdAt, record.provider, JSON.stringify(record));
      const insertTake = this.db.prepare(
        "INSERT INTO takes (id, job_id, idx, state, seq, updated_at, json) VALUES (?, ?, ?, ?, ?, ?, ?)",
      );
      takes.forEach((take, i) => insertTake.run(take.id, take.jobId, take.index, take.state, i + 1, take.updatedAt, JSON.stringify(take)));
    });
    tx();
  }

  updateJob(id: string, change: Partial<Pick<JobRecord, "canceled">>): void {
    const row = this.db.prepare("SELECT json FROM jobs WHERE id = ?").get(id) as { json: string } | undefined;
    if (!row) throw new Error(`No job ${id} in the ledger.`);
    const next = { ...JSON.parse(row.json), ...change };
    this.db.prepare("UPDATE jobs SET json = ? WHERE id = ?").run(JSON.stringify(next), id);
  }

  getJob(id: string): JobT | undefined {
    const row = this.db.prepare("SELECT json FROM jobs WHERE id = ?").get(id) as { json: string } | undefined;
    if (!row) return undefined;
    return Job.parse({ ...JSON.parse(row.json), takes: this.takesOf(id) });
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
    let seq = 0;
    this.db.transaction(() => {
      const max = this.db.prepare("SELECT COALESCE(MAX(seq), 0) AS m FROM takes WHERE job_id = ?").get(valid.jobId) as { m: number };
      seq = max.m + 1;
      const result = this.db
        .prepare("UPDATE takes SET state = ?, seq = ?, updated_at = ?, json = ? WHERE id = ?")
        .run(valid.state, seq, valid.updatedAt, JSON.stringify(valid), valid.id);
      if (result.changes !== 1) throw new Error(`No take ${valid.id} in the ledger.`);
    })();
    return seq;
  }

  /** Takes of a job whose last change is newer than `afterSeq`, oldest change first. */
  takesChangedSince(jobId: string, afterSeq: number): { seq: number; take: TakeT }[] {
    const rows = this.db
      .prepare("SELECT seq, json FROM takes WHERE job_id = ? AND seq > ? ORDER BY seq")
      .all(jobId, afterSeq) as { seq: number; json: string }[];
    return rows.map((r) => ({ seq: r.seq, take: Take.parse(JSON.parse(r.json)) }));
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
  spendRows(): { day: string; project: string; jobId: string; usd: number }[] {
    return this.db
      .prepare(
        `SELECT substr(json_extract(t.json, '$.createdAt'), 1, 10) AS day,
                COALESCE(json_extract(j.json, '$.frame.sequence.projectName'), '') AS project,
                t.job_id AS jobId,
                COALESCE(SUM(json_extract(t.json, '$.cost.usd')), 0) AS usd
           FROM takes t JOIN jobs j ON j.id = t.job_id
          GROUP BY day, project, t.job_id`,
      )
      .all() as { day: string; project: string; jobId: string; usd: number }[];
  }

  /** Total cost of takes created on one UTC day ("2026-11-24"). */
  spentOn(day: string): number {
    const row = this.db
      .prepare("SELECT COALESCE(SUM(json_extract(json, '$.cost.usd')), 0) AS usd FROM takes WHERE substr(json_extract(json, '$.createdAt'), 1, 10) = ?")
      .get(day) as { usd: number };
    return row.usd;
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
}
