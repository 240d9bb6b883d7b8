import { sql, type Kysely } from "kysely";
import { addIdentitySubjects, addPairingClients, createTeamTables } from "./teamSchema.js";
import { jsonText, refreshJobAggregates, reindexJobSearch, type LedgerDb, type StoreDialect } from "./storeSql.js";

/**
 * The ledger's schema as one numbered list of steps for both databases. SQLite records how far a
 * file has come in `PRAGMA user_version` (as every Retake before team mode did, so a v1, v2 or v3
 * ledger file is brought forward in place and nothing in it is lost: it holds paid takes);
 * PostgreSQL records it in the `retake_schema` table. Each step runs in one transaction, after
 * reading the version again under a lock (SQLite: BEGIN IMMEDIATE; PostgreSQL: an advisory lock),
 * so two processes opening the same old database together run every step exactly once between them.
 */

type Step = (db: LedgerDb, dialect: StoreDialect) => Promise<void>;

async function run(db: LedgerDb, statements: string[]): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

/** v1: frames, jobs, takes, artifacts. IF NOT EXISTS: a v1 file from before numbering has the tables but user_version 0. */
const v1: Step = (db, dialect) =>
  run(db, [
    `CREATE TABLE IF NOT EXISTS frames (id TEXT PRIMARY KEY, created_at TEXT NOT NULL, image_path TEXT NOT NULL, json TEXT NOT NULL)`,
    // SQLite lists jobs made in the same millisecond in insertion order by its implicit rowid;
    // PostgreSQL has none, so its jobs table carries one under the same name.
    `CREATE TABLE IF NOT EXISTS jobs (id TEXT PRIMARY KEY, created_at TEXT NOT NULL, provider TEXT NOT NULL, json TEXT NOT NULL${dialect === "postgres" ? ", rowid BIGSERIAL" : ""})`,
    `CREATE INDEX IF NOT EXISTS jobs_created ON jobs(created_at DESC)`,
    `CREATE TABLE IF NOT EXISTS takes (id TEXT PRIMARY KEY, job_id TEXT NOT NULL REFERENCES jobs(id), idx INTEGER NOT NULL, state TEXT NOT NULL, seq INTEGER NOT NULL, updated_at TEXT NOT NULL, json TEXT NOT NULL)`,
    `CREATE INDEX IF NOT EXISTS takes_job ON takes(job_id, idx)`,
    `CREATE INDEX IF NOT EXISTS takes_state ON takes(state)`,
    `CREATE TABLE IF NOT EXISTS artifacts (id TEXT PRIMARY KEY, take_id TEXT NOT NULL REFERENCES takes(id), kind TEXT NOT NULL, path TEXT NOT NULL, json TEXT NOT NULL)`,
  ]);

/**
 * v2, the reasoning loop and the history:
 * - one event sequence per job (`jobs.last_seq`) shared by take changes, log lines and job
 *   changes (`jobs.job_seq` = when the job record itself last changed);
 * - the reasoning log (`job_log`);
 * - columns the history filters on (score, star and cost per take; best score and starred takes
 *   per job, kept by the store on every take write);
 * - a full-text index over each job's prompt, drawn notes and take notes (`job_search`, one row
 *   per job keyed by the job's id);
 * - v1 counted a retry in `iteration`; v2 counts it in `attempt` and keeps `iteration` for the
 *   refinement round (v1 had no auto jobs, so every v1 take is in round 0).
 */
const v2: Step = async (db, dialect) => {
  // PostgreSQL's REAL is 4 bytes, too coarse for money summed over a studio's month.
  const real = dialect === "postgres" ? "DOUBLE PRECISION" : "REAL";
  await run(db, [
    `ALTER TABLE jobs ADD COLUMN last_seq INTEGER NOT NULL DEFAULT 0`,
    `ALTER TABLE jobs ADD COLUMN job_seq INTEGER NOT NULL DEFAULT 0`,
    `ALTER TABLE takes ADD COLUMN score ${real}`,
    `ALTER TABLE takes ADD COLUMN starred INTEGER NOT NULL DEFAULT 0`,
    `ALTER TABLE takes ADD COLUMN cost_usd ${real} NOT NULL DEFAULT 0`,
    `ALTER TABLE jobs ADD COLUMN best_score ${real}`,
    `ALTER TABLE jobs ADD COLUMN starred INTEGER NOT NULL DEFAULT 0`,
    `CREATE TABLE job_log (job_id TEXT NOT NULL REFERENCES jobs(id), seq INTEGER NOT NULL, json TEXT NOT NULL, PRIMARY KEY (job_id, seq))`,
    `CREATE INDEX jobs_provider ON jobs(provider, created_at DESC)`,
    `CREATE INDEX jobs_best ON jobs(best_score)`,
    `CREATE INDEX jobs_starred ON jobs(starred) WHERE starred > 0`,
  ]);
  if (dialect === "sqlite") {
    await run(db, [
      `CREATE VIRTUAL TABLE job_search USING fts5(job_id UNINDEXED, body, tokenize = 'unicode61 remove_diacritics 2')`,
      `UPDATE takes SET json = json_set(json, '$.attempt', json_extract(json, '$.iteration'), '$.iteration', 0) WHERE COALESCE(json_extract(json, '$.iteration'), 0) > 0`,
      `UPDATE takes SET score = json_extract(json, '$.critique.score'), starred = COALESCE(json_extract(json, '$.starred'), 0), cost_usd = COALESCE(json_extract(json, '$.cost.usd'), 0)`,
    ]);
  } else {
    // `simple`: no stemming or stop words, so every word is findable by its prefix as in FTS5.
    await run(db, [
      `CREATE TABLE job_search (job_id TEXT PRIMARY KEY REFERENCES jobs(id), body TEXT NOT NULL, tsv TSVECTOR NOT NULL)`,
      `CREATE INDEX job_search_tsv ON job_search USING GIN (tsv)`,
      `UPDATE takes SET json = (json::jsonb || jsonb_build_object('attempt', json::jsonb -> 'iteration', 'iteration', 0))::text WHERE COALESCE((json::jsonb ->> 'iteration')::numeric, 0) > 0`,
      `UPDATE takes SET score = (json::jsonb #>> '{critique,score}')::double precision, starred = CASE WHEN (json::jsonb ->> 'starred') = 'true' THEN 1 ELSE 0 END, cost_usd = COALESCE((json::jsonb #>> '{cost,usd}')::double precision, 0)`,
    ]);
  }
  await sql`UPDATE jobs SET last_seq = COALESCE((SELECT MAX(seq) FROM takes WHERE takes.job_id = jobs.id), 0)`.execute(db);
  const jobs = await db.selectFrom("jobs").select("id").execute();
  for (const { id } of jobs) {
    await reindexJobSearch(db, dialect, id);
    await refreshJobAggregates(db, id);
  }
};

/** v3, per-project settings (issue 20): one row per project name, its settings as JSON. */
const v3: Step = (db) => run(db, [`CREATE TABLE project_settings (project TEXT PRIMARY KEY, updated_at TEXT NOT NULL, json TEXT NOT NULL)`]);

/** v4, team mode (issue 19): who made each job (for per-editor spend), and the team tables. */
const v4: Step = async (db, dialect) => {
  await run(db, [`ALTER TABLE jobs ADD COLUMN user_id TEXT`]);
  await sql`UPDATE jobs SET user_id = ${jsonText(dialect, "json", ["createdBy", "userId"])}`.execute(db);
  await run(db, [`CREATE INDEX jobs_user ON jobs(user_id, created_at)`]);
  await createTeamTables(db as Kysely<any>, dialect);
};

/** v5, sign-in by the identity provider's account (issuer + sub) rather than by email (teamSchema.ts says why). */
const v5: Step = (db) => addIdentitySubjects(db as Kysely<any>);

/**
 * v6, the history's take fields as columns: a take's refinement round, whether its cost is an
 * estimate, and its poster. A history page summarised them from each take's JSON, and PostgreSQL
 * (json or jsonb alike) parses the whole record to read any field of it: a page of 50 jobs read
 * ~1 MB of takes, most of it critiques' camera paths. The store writes these beside score,
 * starred and cost_usd on every take write.
 */
const v6: Step = async (db, dialect) => {
  await run(db, [
    `ALTER TABLE takes ADD COLUMN iteration INTEGER NOT NULL DEFAULT 0`,
    `ALTER TABLE takes ADD COLUMN cost_estimated INTEGER NOT NULL DEFAULT 0`,
    `ALTER TABLE takes ADD COLUMN poster TEXT`,
  ]);
  if (dialect === "sqlite") {
    // json_extract gives an object as its JSON text, true as 1.
    await run(db, [
      `UPDATE takes SET iteration = COALESCE(json_extract(json, '$.iteration'), 0), cost_estimated = COALESCE(json_extract(json, '$.cost.estimated'), 0), poster = json_extract(json, '$.outputs.poster')`,
    ]);
  } else {
    await run(db, [
      `UPDATE takes SET iteration = COALESCE((json::jsonb ->> 'iteration')::integer, 0), cost_estimated = CASE WHEN (json::jsonb #>> '{cost,estimated}') = 'true' THEN 1 ELSE 0 END, poster = (json::jsonb #> '{outputs,poster}')::text`,
    ]);
  }
};

/** v7, the client address of each browser sign-in, for the sign-in rate limit that holds across API processes (teamSchema.ts). */
const v7: Step = (db) => addPairingClients(db as Kysely<any>);

const STEPS: Step[] = [v1, v2, v3, v4, v5, v6, v7];

export const STORE_VERSION = STEPS.length;

/** Refuses a ledger from a newer Retake before anything (even the journal mode) is written to it. */
export function newerSchemaError(version: number, dialect: StoreDialect): Error {
  return new Error(
    dialect === "sqlite"
      ? `The ledger was written by a newer Retake (schema ${version}; this one knows ${STORE_VERSION}). Update Retake, or point RETAKE_DATA_DIR at another folder.`
      : `The team database was written by a newer Retake (schema ${version}; this one knows ${STORE_VERSION}). Update Retake, or point RETAKE_DATABASE_URL at another database.`,
  );
}

async function sqliteVersion(db: LedgerDb): Promise<number> {
  const { rows } = await sql<{ user_version: number }>`PRAGMA user_version`.execute(db);
  return rows[0]!.user_version;
}

/** Brings an SQLite ledger to STORE_VERSION (tests: to `target`, to make an older ledger), a step per transaction. */
export async function migrateSqlite(db: LedgerDb, target = STORE_VERSION): Promise<void> {
  const version = await sqliteVersion(db);
  if (version > STORE_VERSION) throw newerSchemaError(version, "sqlite");
  for (let step = version; step < target; step++) {
    await db.connection().execute(async (conn) => {
      // IMMEDIATE takes the write lock at once, so a second process waits here and then sees the step done.
      await sql`BEGIN IMMEDIATE`.execute(conn);
      try {
        if ((await sqliteVersion(conn)) === step) {
          await STEPS[step]!(conn, "sqlite");
          await sql.raw(`PRAGMA user_version = ${step + 1}`).execute(conn);
        }
        await sql`COMMIT`.execute(conn);
      } catch (error) {
        await sql`ROLLBACK`.execute(conn).catch(() => undefined);
        throw error;
      }
    });
  }
}

/** Any constant shared by every Retake process; pg_advisory locks are per database. */
const MIGRATION_LOCK = 7_190_419;

/** Brings a PostgreSQL database to STORE_VERSION (tests: to `target`), a step per transaction under an advisory lock. */
export async function migratePostgres(db: LedgerDb, target = STORE_VERSION): Promise<void> {
  for (;;) {
    const done = await db.transaction().execute(async (trx) => {
      // Held until the transaction ends: a second process migrating at once waits, then re-reads the version.
      await sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`.execute(trx);
      await sql`CREATE TABLE IF NOT EXISTS retake_schema (version INTEGER NOT NULL)`.execute(trx);
      const { rows } = await sql<{ version: number }>`SELECT version FROM retake_schema`.execute(trx);
      if (rows.length === 0) await sql`INSERT INTO retake_schema (version) VALUES (0)`.execute(trx);
      const version = rows[0]?.version ?? 0;
      if (version > STORE_VERSION) throw newerSchemaError(version, "postgres");
      if (version >= target) return true;
      await STEPS[version]!(trx, "postgres");
      await sql`UPDATE retake_schema SET version = ${version + 1}`.execute(trx);
      return false;
    });
    if (done) return;
  }
}

/** The schema version a PostgreSQL database is at (0 when Retake never wrote to it). */
export async function postgresVersion(db: LedgerDb): Promise<number> {
  const { rows } = await sql<{ version: number }>`SELECT version FROM retake_schema`.execute(db).catch(() => ({ rows: [] as { version: number }[] }));
  return rows[0]?.version ?? 0;
}
