/**
 * A second backend process for the store tests: opens the store at argv[2] (a data dir) and
 * makes argv[3] guarded $1 jobs in project argv[4] at once, each allowed while the project's day
 * stays within $argv[5], starting at the epoch millisecond argv[6] (so two such processes,
 * however long each took to start, write at the same moment); prints how many landed.
 * Run with `node --import tsx`.
 */
import { openStore } from "../../src/server/ledger/openStore.js";
import { BudgetRefusedError } from "../../src/server/ledger/store.js";
import { makeJob } from "./stores.js";

const [dataDir, count, project, cap, startAt] = process.argv.slice(2) as [string, string, string, string, string];
const store = await openStore({ dataDir });
await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAt) - Date.now())));
const results = await Promise.allSettled(
  Array.from({ length: Number(count) }, () =>
    store.insertJob(makeJob({ id: `job_${process.pid}_${Math.random().toString(36).slice(2)}`, createdAt: "2026-12-03T12:00:00.000Z", project, takes: [{ cost: { usd: 1, estimated: true } }] }), (spent) =>
      spent.projectDayUsd + 1 > Number(cap) ? "over the cap" : undefined,
    ),
  ),
);
await store.close();
for (const r of results) if (r.status === "rejected" && !(r.reason instanceof BudgetRefusedError)) throw r.reason;
console.log(results.filter((r) => r.status === "fulfilled").length);
