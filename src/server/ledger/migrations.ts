import type Database from "better-sqlite3";

/**
 * The ledger's schema, as numbered steps. `PRAGMA user_version` says which steps a file has had,
 * so a ledger written by an older Retake is brought forward in place on open (in one transaction
 * per step) and nothing in it is lost: it holds paid takes.
 */

const V1 = `
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

/**
 * v2, the reasoning loop and the history:
 * - one event sequence per job (`jobs.last_seq`) shared by take changes, log lines and job
 *   changes (`jobs.job_seq` = when the job record itself last changed), so an SSE replay after a
 *   reconnect is one ordered stream;
 * - the reasoning log (`job_log`);
 * - columns the history filters on: score, star and cost per take, and per job its best score and
 *   starred takes (kept by the ledger on every take write, so a filter is one indexed comparison);
 * - a full-text index over each job's prompt, drawn notes and take notes (`job_search`, one row
 *   per job, keyed by the job's id: a TEXT-keyed table's rowids may change on VACUUM);
 * - v1 counted a retry in `iteration`; v2 counts it in `attempt` and keeps `iteration` for the
 *   refinement round (v1 had no auto jobs, so every v1 take is in round 0).
 */
const V2 = `
ALTER TABLE jobs ADD COLUMN last_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN job_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE takes ADD COLUMN score REAL;
ALTER TABLE takes ADD COLUMN starred INTEGER NOT NULL DEFAULT 0;
ALTER TABLE takes ADD COLUMN cost_usd REAL NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN best_score REAL;
ALTER TABLE jobs ADD COLUMN starred INTEGER NOT NULL DEFAULT 0;
CREATE TABLE job_log (
  job_id TEXT NOT NULL REFERENCES jobs(id),
  seq INTEGER NOT NULL,
  json TEXT NOT NULL,
  PRIMARY KEY (job_id, seq)
);
CREATE INDEX jobs_provider ON jobs(provider, created_at DESC);
CREATE INDEX jobs_best ON jobs(best_score);
CREATE INDEX jobs_starred ON jobs(starred) WHERE starred > 0;
CREATE VIRTUAL TABLE job_search USING fts5(job_id UNINDEXED, body, tokenize = 'unicode61 remove_diacritics 2');
UPDATE takes SET json = json_set(json, '$.attempt', json_extract(json, '$.iteration'), '$.iteration', 0)
 WHERE COALESCE(json_extract(json, '$.iteration'), 0) > 0;
UPDATE takes SET
  score = json_extract(json, '$.critique.score'),
  starred = COALESCE(json_extract(json, '$.starred'), 0),
  cost_usd = COALESCE(json_extract(json, '$.cost.usd'), 0);
UPDATE jobs SET last_seq = COALESCE((SELECT MAX(seq) FROM takes WHERE takes.job_id = jobs.id), 0);
`;

/**
 * A job's best score and starred takes, from its takes (after every take write). One pass over
 * the job's own takes: filtering on `state` in the WHERE clause would let SQLite pick the
 * state index and walk every succeeded take in the ledger instead.
 */
export function refreshJobAggregates(db: Database.Database, jobId: string): void {
  db.prepare(
    `UPDATE jobs SET (best_score, starred) = (
       SELECT MAX(CASE WHEN state = 'succeeded' THEN score END), COUNT(CASE WHEN starred = 1 THEN 1 END)
         FROM takes WHERE job_id = ?)
     WHERE id = ?`,
  ).run(jobId, jobId);
}

/**
 * v3, per-project settings (issue 20): one row per project name (the host's project, as jobs
 * record it in frame.sequence.projectName), its settings as JSON. The first is whether the
 * vision-model judge may see the project's frames, off until the editor turns it on.
 */
const V3 = `
CREATE TABLE project_settings (
  project TEXT PRIMARY KEY,
  updated_at TEXT NOT NULL,
  json TEXT NOT NULL
);
`;

const STEPS: Array<(db: Database.Database) => void> = [
  (db) => db.exec(V1),
  (db) => {
    db.exec(V2);
    // The search text needs the record's prompt and notes; written by the ledger's own helper.
    const jobs = db.prepare("SELECT id FROM jobs").all() as { id: string }[];
    for (const { id } of jobs) {
      reindexJobSearch(db, id);
      refreshJobAggregates(db, id);
    }
  },
  (db) => db.exec(V3),
];

export const LEDGER_VERSION = STEPS.length;

/** Refuses a ledger from a newer Retake before anything (even the journal mode) is written to it. */
export function checkLedgerVersion(db: Database.Database): number {
  const version = db.pragma("user_version", { simple: true }) as number;
  if (version > LEDGER_VERSION) {
    throw new Error(
      `The ledger was written by a newer Retake (schema ${version}; this one knows ${LEDGER_VERSION}). Update Retake, or point RETAKE_DATA_DIR at another folder.`,
    );
  }
  return version;
}

export function migrate(db: Database.Database): void {
  const version = checkLedgerVersion(db);
  // A v1 file from before numbering has tables but user_version 0: V1 is IF NOT EXISTS throughout.
  // Each step reads the version again inside a write transaction (taken at once), so two
  // backends opening the same old ledger together run every step exactly once between them.
  for (let step = version; step < LEDGER_VERSION; step++) {
    db.transaction(() => {
      if ((db.pragma("user_version", { simple: true }) as number) !== step) return;
      STEPS[step]!(db);
      db.pragma(`user_version = ${step + 1}`);
    }).immediate();
  }
}

/**
 * Rewrites one job's row in the full-text index from its record and takes: the prompt, the notes
 * drawn on the frame, and the editor's notes on its takes.
 */
export function reindexJobSearch(db: Database.Database, jobId: string): void {
  const job = db.prepare("SELECT json FROM jobs WHERE id = ?").get(jobId) as { json: string } | undefined;
  if (!job) return;
  const record = JSON.parse(job.json) as { direction?: { prompt?: string; notes?: Array<{ text?: string }> } };
  const takeNotes = db.prepare("SELECT json_extract(json, '$.note') AS note FROM takes WHERE job_id = ?").all(jobId) as { note: string | null }[];
  const body = [record.direction?.prompt ?? "", ...(record.direction?.notes ?? []).map((n) => n.text ?? ""), ...takeNotes.map((t) => t.note ?? "")]
    .filter((s) => s.trim().length > 0)
    .join("\n");
  db.prepare("DELETE FROM job_search WHERE job_id = ?").run(jobId);
  db.prepare("INSERT INTO job_search (job_id, body) VALUES (?, ?)").run(jobId, body);
}
