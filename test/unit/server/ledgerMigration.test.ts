import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect, sql } from "kysely";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import type { LedgerTables } from "../../../src/server/ledger/dbTables.js";
import { openStore, type StoreLocation } from "../../../src/server/ledger/openStore.js";
import { migratePostgres, migrateSqlite, STORE_VERSION } from "../../../src/server/ledger/storeMigrations.js";
import { sequenceContext } from "../../helpers/backend.js";
import { freshDatabase, type TestDatabase } from "../../helpers/postgres.js";
import { DIALECTS, type StoreDialect } from "../../helpers/stores.js";

/**
 * A ledger written by an older Retake holds paid takes: opening it with this Retake must bring it
 * forward in place and lose nothing. On SQLite the oldest is a v1 file from before numbering (no
 * user_version); on PostgreSQL, a database left at an older step of the same list.
 */

const V1_SCHEMA = `
CREATE TABLE frames (id TEXT PRIMARY KEY, created_at TEXT NOT NULL, image_path TEXT NOT NULL, json TEXT NOT NULL);
CREATE TABLE jobs (id TEXT PRIMARY KEY, created_at TEXT NOT NULL, provider TEXT NOT NULL, json TEXT NOT NULL);
CREATE INDEX jobs_created ON jobs(created_at DESC);
CREATE TABLE takes (id TEXT PRIMARY KEY, job_id TEXT NOT NULL REFERENCES jobs(id), idx INTEGER NOT NULL, state TEXT NOT NULL, seq INTEGER NOT NULL, updated_at TEXT NOT NULL, json TEXT NOT NULL);
CREATE INDEX takes_job ON takes(job_id, idx);
CREATE INDEX takes_state ON takes(state);
CREATE TABLE artifacts (id TEXT PRIMARY KEY, take_id TEXT NOT NULL REFERENCES takes(id), kind TEXT NOT NULL, path TEXT NOT NULL, json TEXT NOT NULL);
`;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-ledger-"));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function tempDatabase(): Promise<TestDatabase> {
  const database = await freshDatabase("migration");
  cleanups.push(() => database.drop());
  return database;
}

const now = "2026-10-30T09:00:00.000Z";
const frame = { frameId: "frame-1", capturedAt: now, image: { width: 320, height: 180, mediaType: "image/png" as const, bytes: 10 }, mode: "insert" as const, sequence: sequenceContext() };
const direction = {
  prompt: "Harbour at dawn",
  duration: 2,
  annotations: [{ id: "n1", kind: "note", at: { x: 0.5, y: 0.5 }, text: "gulls overhead" }],
  camera: { keyframes: [{ t: 0, x: 0.5, y: 0.5, zoom: 1, roll: 0, ease: "linear" }] },
  framing: [],
  subjects: [],
  holds: [],
  notes: [{ annotationId: "n1", at: { x: 0.5, y: 0.5 }, text: "gulls overhead" }],
  summary: "",
  conflicts: [],
};
// A job and its paid take exactly as the v1 Retake wrote them (no variant, attempt, log, budgetLimitUsd).
const v1Job = { id: "job-old", createdAt: now, frame, direction, provider: "luma", model: "ray-3.2", mode: "draft", count: 1, duration: 2, budgetUsd: null, canceled: false };
const v1Take = {
  id: "take-old",
  jobId: "job-old",
  index: 0,
  iteration: 1,
  providerJobId: "gen-paid-123",
  request: { model: "ray-3.2" },
  state: "succeeded",
  progress: 1,
  message: "Ready",
  error: null,
  outputs: {},
  critique: { score: 83 },
  cost: { usd: 0.15, estimated: true },
  colorSpace: "rec709",
  createdAt: now,
  updatedAt: now,
};

/** A kysely on the raw database, for writing what an older Retake wrote. */
function rawDb(where: StoreLocation): { db: Kysely<LedgerTables>; raw?: Database.Database } {
  if ("dataDir" in where) {
    const raw = new Database(path.join(where.dataDir, "ledger.sqlite"));
    return { db: new Kysely<LedgerTables>({ dialect: new SqliteDialect({ database: raw }) }), raw };
  }
  return { db: new Kysely<LedgerTables>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: where.databaseUrl, max: 2 }) }) }) };
}

/** An empty place for a ledger, and the database's schema version as that database records it. */
async function place(dialect: StoreDialect): Promise<{ where: StoreLocation; version: () => Promise<number>; setVersion: (v: number) => Promise<void> }> {
  if (dialect === "sqlite") {
    const dataDir = tempDir();
    const file = path.join(dataDir, "ledger.sqlite");
    return {
      where: { dataDir },
      version: async () => {
        const raw = new Database(file);
        const v = raw.pragma("user_version", { simple: true }) as number;
        raw.close();
        return v;
      },
      setVersion: async (v) => {
        const raw = new Database(file);
        raw.pragma(`user_version = ${v}`);
        raw.close();
      },
    };
  }
  const database = await tempDatabase();
  const query = async (text: string) => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      return (await client.query(text)).rows as Array<Record<string, unknown>>;
    } finally {
      await client.end();
    }
  };
  return {
    where: { databaseUrl: database.url },
    version: async () => {
      const rows = await query("SELECT version FROM retake_schema");
      expect(rows).toHaveLength(1);
      return rows[0]!.version as number;
    },
    setVersion: async (v) => void (await query(`UPDATE retake_schema SET version = ${v}`)),
  };
}

/** The v1 ledger with its paid take: SQLite's pre-numbering file, or a PostgreSQL database at step 1. */
async function writeV1(dialect: StoreDialect, where: StoreLocation): Promise<void> {
  const { db, raw } = rawDb(where);
  try {
    if (raw) raw.exec(V1_SCHEMA);
    else await migratePostgres(db, 1);
    await sql`INSERT INTO jobs (id, created_at, provider, json) VALUES (${v1Job.id}, ${now}, 'luma', ${JSON.stringify(v1Job)})`.execute(db);
    await sql`INSERT INTO takes (id, job_id, idx, state, seq, updated_at, json) VALUES (${v1Take.id}, ${v1Take.jobId}, 0, 'succeeded', 7, ${now}, ${JSON.stringify(v1Take)})`.execute(db);
  } finally {
    await db.destroy();
  }
  if (dialect === "sqlite") expect(fs.existsSync(path.join((where as { dataDir: string }).dataDir, "ledger.sqlite"))).toBe(true);
}

describe.each(DIALECTS)("ledger migrations on %s", (dialect) => {
  it("brings a v1 ledger forward in place: its paid take intact, searchable, and its event sequence carried on", async () => {
    const { where, version } = await place(dialect);
    await writeV1(dialect, where);
    const store = await openStore(where);
    try {
      const job = (await store.getJob("job-old"))!;
      expect(job.takes[0]).toMatchObject({ id: "take-old", providerJobId: "gen-paid-123", state: "succeeded", cost: { usd: 0.15 } });
      // v1 counted its one retry in `iteration`: now an attempt, in round 0 (v1 had no refinement rounds).
      expect(job.takes[0]).toMatchObject({ iteration: 0, attempt: 1 });
      expect((await store.history({ limit: 10 })).jobs[0]!.rounds).toBe(1);
      expect(job.log).toBeUndefined();
      expect(await store.spentInJob("job-old")).toBe(0.15);
      const page = await store.history({ q: "gulls", limit: 10, minScore: 80 });
      expect(page.jobs.map((j) => [j.id, j.bestScore])).toEqual([["job-old", 83]]);
      // The next change continues the job's sequence (7 was its last), so an SSE replay holds.
      const seq = await store.updateTake({ ...job.takes[0]!, note: "hero shot" });
      expect(seq).toBe(8);
      expect((await store.appendLog("job-old", { at: now, round: 0, kind: "resume", text: "x" })).seq).toBe(9);
      expect((await store.history({ q: "hero", limit: 10 })).total).toBe(1);
      // v4: the job was made without sign-in, so its spend belongs to no editor.
      expect(await store.spendRows()).toEqual([{ day: "2026-10-30", project: frame.sequence.projectName, jobId: "job-old", userId: null, usd: 0.15 }]);
    } finally {
      await store.close();
    }
    expect(await version()).toBe(STORE_VERSION);
    // Opening again runs nothing twice.
    const again = await openStore(where);
    expect((await again.getJob("job-old"))!.takes[0]!.note).toBe("hero shot");
    await again.close();
    expect(await version()).toBe(STORE_VERSION);
  });

  it("brings a v3 ledger to v4: each job's editor from its record, and the team tables ready", async () => {
    const { where, version } = await place(dialect);
    const { db } = rawDb(where);
    try {
      if (dialect === "sqlite") await migrateSqlite(db, 3);
      else await migratePostgres(db, 3);
      const signedIn = { ...v1Job, id: "job-ana", createdBy: { userId: "user_ana", name: "ana" } };
      for (const job of [v1Job, signedIn]) {
        await sql`INSERT INTO jobs (id, created_at, provider, json, last_seq, job_seq) VALUES (${job.id}, ${now}, 'luma', ${JSON.stringify(job)}, 1, 0)`.execute(db);
        const take = { ...v1Take, id: `take-${job.id}`, jobId: job.id, iteration: 0 };
        await sql`INSERT INTO takes (id, job_id, idx, state, seq, updated_at, json, score, starred, cost_usd) VALUES (${take.id}, ${job.id}, 0, 'succeeded', 1, ${now}, ${JSON.stringify(take)}, 83, 0, 0.15)`.execute(db);
      }
    } finally {
      await db.destroy();
    }
    expect(await version()).toBe(3);
    const store = await openStore(where);
    try {
      expect(await version()).toBe(STORE_VERSION);
      const rows = await store.spendRows();
      expect(rows.map((r) => [r.jobId, r.userId, r.usd]).sort()).toEqual([
        ["job-ana", "user_ana", 0.15],
        ["job-old", null, 0.15],
      ]);
      const user = await store.createUser({ name: "ana" });
      expect(await store.findUserByName("ana")).toEqual(user);
    } finally {
      await store.close();
    }
  });

  it("brings a v4 team database to v5: its users and tokens kept, an admin-made user linkable to an IdP account once", async () => {
    const { where, version } = await place(dialect);
    const { db } = rawDb(where);
    try {
      if (dialect === "sqlite") await migrateSqlite(db, 4);
      else await migratePostgres(db, 4);
      await sql`INSERT INTO users (id, name, email, admin, created_at) VALUES ('user_ana', 'ana@studio.test', NULL, 1, ${now})`.execute(db);
      await sql`INSERT INTO api_tokens (id, user_id, hash, label, created_at) VALUES ('tok_1', 'user_ana', 'abc', 'panel', ${now})`.execute(db);
    } finally {
      await db.destroy();
    }
    expect(await version()).toBe(4);
    const store = await openStore(where);
    try {
      expect(await version()).toBe(STORE_VERSION);
      expect((await store.tokenByHash("abc"))?.user).toMatchObject({ id: "user_ana", name: "ana@studio.test", admin: true });
      const idp = { issuer: "https://idp.studio.test", subject: "sub-ana" };
      expect(await store.findUserByEmail("ana@studio.test")).toMatchObject({ user: { id: "user_ana" }, linked: false });
      expect(await store.linkUserSubject("user_ana", idp)).toBe(true);
      expect(await store.linkUserSubject("user_ana", { ...idp, subject: "sub-other" })).toBe(false);
      expect((await store.findUserBySubject(idp))?.user.id).toBe("user_ana");
      expect(await store.findUserByEmail("ana@studio.test")).toMatchObject({ linked: true });
      // One IdP account is one user: a second user with the same issuer + sub is refused.
      await expect(store.createUser({ name: "copy", idp })).rejects.toThrow();
    } finally {
      await store.close();
    }
  });

  it("brings a v5 ledger to v6: the history still shows each old job's rounds, estimated cost and poster", async () => {
    const { where, version } = await place(dialect);
    const { db } = rawDb(where);
    const poster = { id: "art-poster", takeId: "take-r1", kind: "poster", fileName: "poster.jpg", mediaType: "image/jpeg", bytes: 2048, createdAt: now };
    try {
      if (dialect === "sqlite") await migrateSqlite(db, 5);
      else await migratePostgres(db, 5);
      await sql`INSERT INTO jobs (id, created_at, provider, json, last_seq, job_seq) VALUES (${v1Job.id}, ${now}, 'luma', ${JSON.stringify(v1Job)}, 2, 0)`.execute(db);
      // A refined job as v5 wrote it: round 0's take without a poster, round 1's with one, both estimates.
      const takes = [
        { ...v1Take, id: "take-r0", index: 0, iteration: 0 },
        { ...v1Take, id: "take-r1", index: 1, iteration: 1, outputs: { poster } },
      ];
      for (const take of takes) {
        await sql`INSERT INTO takes (id, job_id, idx, state, seq, updated_at, json, score, starred, cost_usd) VALUES (${take.id}, ${v1Job.id}, ${take.index}, 'succeeded', ${take.index + 1}, ${now}, ${JSON.stringify(take)}, 83, 0, 0.15)`.execute(db);
      }
    } finally {
      await db.destroy();
    }
    expect(await version()).toBe(5);
    const store = await openStore(where);
    try {
      expect(await version()).toBe(STORE_VERSION);
      const [job] = (await store.history({ limit: 10 })).jobs;
      expect(job).toMatchObject({ id: v1Job.id, takes: 2, rounds: 2, cost: { usd: 0.3, estimated: true }, poster: { id: "art-poster", fileName: "poster.jpg" } });
      // A take written after the step keeps its columns in step with its record.
      const [first, second] = (await store.getJob(v1Job.id))!.takes;
      await store.updateTake({ ...first!, iteration: 2, cost: { usd: 0.15, estimated: false } });
      await store.updateTake({ ...second!, cost: { usd: 0.15, estimated: false }, outputs: {} });
      expect((await store.history({ limit: 10 })).jobs[0]).toMatchObject({ rounds: 3, cost: { usd: 0.3, estimated: false }, poster: null });
    } finally {
      await store.close();
    }
  });

  it("brings a v6 team database to v7: a sign-in in progress kept, and new ones counted by the address that started them", async () => {
    const { where, version } = await place(dialect);
    const { db } = rawDb(where);
    const later = new Date(Date.parse(now) + 60_000).toISOString();
    try {
      if (dialect === "sqlite") await migrateSqlite(db, 6);
      else await migratePostgres(db, 6);
      await sql`INSERT INTO pairings (code, created_at, expires_at, flow) VALUES ('pair-old', ${now}, ${later}, '{}')`.execute(db);
    } finally {
      await db.destroy();
    }
    expect(await version()).toBe(6);
    const store = await openStore(where);
    try {
      expect(await version()).toBe(STORE_VERSION);
      expect(await store.getPairing("pair-old")).toMatchObject({ code: "pair-old", client: null });
      await store.insertPairing({ code: "pair-new", createdAt: now, expiresAt: later, flow: "{}", token: null, claimedAt: null, client: "192.0.2.1" });
      expect(await store.recentPairingTimes("192.0.2.1", new Date(Date.parse(now) - 1).toISOString(), 10)).toEqual([now]);
      expect(await store.recentPairingTimes("192.0.2.2", new Date(Date.parse(now) - 1).toISOString(), 10)).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it("refuses a ledger from a newer Retake, saying what to do, and leaves it untouched", async () => {
    const { where, setVersion } = await place(dialect);
    await writeV1(dialect, where);
    if (dialect === "postgres") {
      await (await openStore(where)).close();
      await setVersion(99);
      await expect(openStore(where)).rejects.toThrow(
        /team database was written by a newer Retake \(schema 99; this one knows \d\)\. Update Retake, or point RETAKE_DATABASE_URL at another database\./,
      );
      return;
    }
    await setVersion(99);
    const file = path.join((where as { dataDir: string }).dataDir, "ledger.sqlite");
    const before = fs.readFileSync(file);
    await expect(openStore(where)).rejects.toThrow(/written by a newer Retake \(schema 99; this one knows \d\)\. Update Retake, or point RETAKE_DATA_DIR at another folder\./);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
  });
});

describe("ledger migrations on postgres, several processes", () => {
  it("runs each step once when several API processes open an old database at once", async () => {
    const { where, version } = await place("postgres");
    await writeV1("postgres", where);
    const stores = await Promise.all(Array.from({ length: 4 }, () => openStore(where)));
    try {
      expect(await version()).toBe(STORE_VERSION);
      // Had v2 run twice, its ALTERs would have failed; had its data step run twice, the take's
      // attempt would be 0 and its iteration lost.
      for (const store of stores) expect((await store.getJob("job-old"))!.takes[0]).toMatchObject({ iteration: 0, attempt: 1 });
      expect(await stores[0]!.spentInJob("job-old")).toBe(0.15);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });
});

describe("opening the team database", () => {
  it("says where it could not connect and what to check, without the password", async () => {
    const error = await openStore({ databaseUrl: "postgres://retake:s3cret-pass@127.0.0.1:1/studio" }).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/^Cannot open the team database at 127\.0\.0\.1:1\/studio \(ECONNREFUSED: .*\)\. Check RETAKE_DATABASE_URL and that PostgreSQL is running\.$/);
    expect((error as Error).message).not.toContain("s3cret-pass");
  });
});
