/**
 * The store (issue 19, team mode): the per-operation cost of the Kysely store on SQLite and on
 * PostgreSQL (the synchronous Ledger it replaced measured 0.11 ms per progress write and 4.8 ms per
 * history page on this machine; docs/team.md), for the two calls that run most — a
 * take's progress write (several a second per running take) and a history page — over a ledger
 * of 2,000 jobs (8,000 takes with realistic critiques, as in the history bench).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { HistoryPage, HistoryQuery, Job, Take } from "../../src/core/schemas/index.js";
import { openStore } from "../../src/server/ledger/openStore.js";
import type { Report } from "../bench.js";
import { job } from "./history.js";

const JOBS = 2_000;
const PROGRESS_WRITES = 400;
const PAGE_RUNS = 30;

interface Subject {
  label: string;
  insertJob(job: Job): Promise<void> | void;
  updateTake(take: Take): Promise<number> | number;
  history(query: HistoryQuery): Promise<HistoryPage> | HistoryPage;
  close(): Promise<void> | void;
  /** After the fill: what the server would have done by itself in the meantime. */
  afterFill?: () => Promise<void>;
}

function percentiles(walls: number[]): string {
  walls.sort((a, b) => a - b);
  const at = (q: number) => walls[Math.min(walls.length - 1, Math.floor(walls.length * q))]!;
  return `${at(0.5).toFixed(2)} / ${at(0.95).toFixed(2)} ms`;
}

async function measure(subject: Subject, report: Report): Promise<void> {
  const t0 = performance.now();
  const jobs: Job[] = [];
  for (let i = 0; i < JOBS; i++) {
    const made = job(i);
    // The newest job's takes are still running: they take the progress writes.
    if (i === JOBS - 1) made.takes = made.takes.map((t) => ({ ...t, state: "running", progress: 0, critique: null }));
    jobs.push(made);
    await subject.insertJob(made);
  }
  report(`store: ${subject.label}: fill ${JOBS} jobs (one insertJob each)`, `${((performance.now() - t0) / 1000).toFixed(1)} s`, "(setup)");
  await subject.afterFill?.();

  const running = jobs[JOBS - 1]!.takes;
  const writes: number[] = [];
  for (let i = 0; i < PROGRESS_WRITES; i++) {
    const take = running[i % running.length]!;
    const t = performance.now();
    await subject.updateTake({ ...take, progress: (i + 1) / PROGRESS_WRITES, updatedAt: new Date().toISOString() });
    writes.push(performance.now() - t);
  }
  report(`store: ${subject.label}: updateTake (progress write)`, percentiles(writes), "p50 / p95");

  const deep = (await subject.history({ limit: 500 })).nextBefore!;
  for (const [name, query] of [
    ["history page, newest 50", {}],
    ["history page, search one word", { q: "lightho" }],
    ["history page, 10 pages deep", { before: deep }],
  ] as Array<[string, Partial<HistoryQuery>]>) {
    const walls: number[] = [];
    for (let i = 0; i < PAGE_RUNS; i++) {
      const t = performance.now();
      await subject.history({ limit: 50, ...query });
      walls.push(performance.now() - t);
    }
    report(`store: ${subject.label}: ${name}`, percentiles(walls), "p50 / p95; ≤ 50 ms p95");
  }
}

async function adminQuery(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

export async function run(report: Report): Promise<void> {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-bench-store-"));
    dirs.push(dir);
    return dir;
  };
  try {
    const sqlite = await openStore({ dataDir: tempDir() });
    await measure({ label: "KyselyStore, SQLite", insertJob: (j) => sqlite.insertJob(j), updateTake: (t) => sqlite.updateTake(t), history: (q) => sqlite.history(q), close: () => sqlite.close() }, report);
    await sqlite.close();

    // PostgreSQL: the one the tests use (RETAKE_TEST_PG_URL), or the machine's own.
    const admin = process.env.RETAKE_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
    const name = `retake_bench_${process.pid}`;
    try {
      await adminQuery(admin, `CREATE DATABASE ${name}`);
    } catch (error) {
      report("store: PostgreSQL", "skipped", `no server at ${new URL(admin).host}: ${(error as Error).message}`);
      return;
    }
    try {
      const url = new URL(admin);
      url.pathname = `/${name}`;
      const store = await openStore({ databaseUrl: url.toString() });
      await measure(
        {
          label: "KyselyStore, PostgreSQL",
          insertJob: (j) => store.insertJob(j),
          updateTake: (t) => store.updateTake(t),
          history: (q) => store.history(q),
          close: () => store.close(),
          // A fill this fast outruns autovacuum: without statistics the planner scans every take
          // for a page. A live server has analysed the tables long before they hold 2,000 jobs.
          afterFill: () => adminQuery(url.toString(), "VACUUM ANALYZE"),
        },
        report,
      );
      await store.close();
    } finally {
      await adminQuery(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  } finally {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  }
}
