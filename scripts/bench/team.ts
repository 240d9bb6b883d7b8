/**
 * Issue 19's proof under load and faults: `npm run bench -- team` (`-- team --quick` for a
 * one-minute version). On this machine, with real processes only:
 *
 * - a throwaway PostgreSQL cluster the bench owns (test/setup/pgCluster.ts), so it may restart it;
 * - a Luma stand-in in its own process (team/lumaStandIn.ts) counting submits per take;
 * - `retake serve` and three `retake worker`s on Node ≥ 22.12 (RETAKE_NODE22);
 * - 20 editors with their own tokens (`retake token create`), half drafting on previz, half on
 *   the stand-in, each following its jobs over SSE (team/editors.ts); four stand-in editors have
 *   a day budget of three drafts, so the guard refuses them mid-run;
 * - faults (team/faults.ts): SIGKILL a worker mid-conform and another mid-poll, each replaced at
 *   once; `pg_ctl restart -m fast` once.
 *
 * Then the invariants (team/invariants.ts) from the ledger and the stand-in's counts: a broken one
 * prints FAILED and makes the bench exit non-zero. Figures: takes per minute, p95 submit →
 * delivered, queue pickup p50/p95 (pg-boss's own created → started times of each take step),
 * recovery after each kill, recovery after the database restart. Every process's log is kept in
 * the run directory printed at the start.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import type { Report } from "../bench.js";
import { findNode22 } from "../../src/server/team/nodeVersion.js";
import { freePort, startThrowawayCluster, type ThrowawayCluster } from "../../test/setup/pgCluster.js";
import { runEditors, type EditorSpec, type EditorStats, type JobRecord } from "./team/editors.js";
import { killMidConform, killMidPoll, restartDatabase, type FaultHooks, type KillRecord, type RestartRecord } from "./team/faults.js";
import { checkInvariants, readLedger, type StandInCounts } from "./team/invariants.js";
import { createToken, ensureCliBuilt, retakeBin, startChild, stopChild, waitForHttp, type Child } from "./team/processes.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]! : NaN);
const secs = (ms: number | undefined) => (ms === undefined || Number.isNaN(ms) ? "—" : `${(ms / 1000).toFixed(1)} s`);

const EDITORS = 20;
const WORKERS = 3;
/**
 * A stand-in draft costs USD 0.15 (Ray 3.2, 540p SDR, one 5 s block): two fit. These editors ask
 * three at once first (racing their own budget), then keep asking, and every ask past two must be refused.
 */
const TIGHT_BUDGET_USD = 0.3;
const TIGHT_BURST = 3;
const ROOMY_BUDGET_USD = 50;
const TIGHT_BUDGET_EDITORS = 4;

interface Plan {
  loadMs: number;
  drainMs: number;
  pollAt: number;
  conformAt: number;
  restartAt: number;
  generationMs: number;
}

// Mid-poll first: every stand-in editor's first draft is polling a few seconds in.
const FULL: Plan = { loadMs: 120_000, drainMs: 150_000, pollAt: 4_000, conformAt: 20_000, restartAt: 70_000, generationMs: 8000 };
const QUICK: Plan = { loadMs: 35_000, drainMs: 100_000, pollAt: 3_000, conformAt: 10_000, restartAt: 25_000, generationMs: 8000 };

/** A small real MP4 (5 s, 960×540, H.264) for the stand-in to serve, made once per machine. */
function standInMp4(): string {
  const file = path.join(os.tmpdir(), "retake-bench-standin-960x540-5s.mp4");
  if (!fs.existsSync(file)) {
    execFileSync("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=960x540:rate=24", "-t", "5", "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", `${file}.tmp.mp4`]);
    fs.renameSync(`${file}.tmp.mp4`, file);
  }
  return file;
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Queue pickup per take step, from pg-boss's own table (first attempts only): due (created, or a later start_after) → started. */
async function queuePickups(databaseUrl: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows: schemas } = await client.query<{ table_schema: string }>(
      "SELECT DISTINCT table_schema FROM information_schema.columns WHERE table_name = 'job' AND column_name = 'singleton_key'",
    );
    const out: number[] = [];
    for (const { table_schema } of schemas) {
      const { rows } = await client.query<{ ms: number }>(
        `SELECT EXTRACT(EPOCH FROM (started_on - GREATEST(created_on, start_after))) * 1000 AS ms FROM "${table_schema}".job
          WHERE singleton_key LIKE 'take:%' AND started_on IS NOT NULL AND retry_count = 0`,
      );
      out.push(...rows.map((r) => Number(r.ms)));
    }
    return out;
  } finally {
    await client.end();
  }
}

/** When a take's step was started again after a failed attempt (pg-boss's retry): the queue's side of recovering from a kill. */
async function stepRestartedAt(databaseUrl: string, takeId: string): Promise<number | undefined> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows: schemas } = await client.query<{ table_schema: string }>(
      "SELECT DISTINCT table_schema FROM information_schema.columns WHERE table_name = 'job' AND column_name = 'singleton_key'",
    );
    for (const { table_schema } of schemas) {
      const { rows } = await client.query<{ at: Date }>(
        `SELECT started_on AS at FROM "${table_schema}".job WHERE singleton_key = $1 AND retry_count > 0 AND started_on IS NOT NULL ORDER BY started_on LIMIT 1`,
        [`take:${takeId}`],
      );
      if (rows[0]) return rows[0].at.getTime();
    }
    return undefined;
  } finally {
    await client.end();
  }
}

export async function run(report: Report): Promise<void> {
  const quick = process.argv.includes("--quick");
  const plan = quick ? QUICK : FULL;
  const node = findNode22();
  if (!node) {
    report("team: skipped", "—", "needs Node ≥ 22.12: set RETAKE_NODE22=/path/to/node or put one on PATH");
    process.exitCode = 1;
    return;
  }
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-bench-team-"));
  console.log(`  run directory (logs, data): ${runDir}; Node ${node.version} for serve/worker; ${quick ? "quick" : "full"} run`);
  const children: Child[] = [];
  /** While on, a serve or worker that exits on its own is restarted (off for the bench's own shutdown). */
  const supervision = { on: true };
  let cluster: ThrowawayCluster | undefined;
  let failed = false;
  try {
    await ensureCliBuilt();
    const mp4 = standInMp4();
    cluster = await startThrowawayCluster({ label: "retake-bench-pg", settings: { max_connections: 300 } });
    await adminQuery(cluster.url, "CREATE DATABASE retake");
    const databaseUrl = cluster.url.replace(/\/postgres$/, "/retake");

    const standIn = startChild("stand-in", process.execPath, ["--import", "tsx", path.join(here, "team", "lumaStandIn.ts"), mp4, String(plan.generationMs)], process.env, runDir);
    children.push(standIn);
    const standInPort = (JSON.parse(await standIn.waitForLine((l) => l.startsWith('{"ready"'), 30_000)) as { ready: number }).ready;
    const standInUrl = `http://127.0.0.1:${standInPort}`;
    const counts = async () => (await (await fetch(`${standInUrl}/_counts`)).json()) as StandInCounts;

    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const dataDir = path.join(runDir, "data");
    fs.mkdirSync(dataDir);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      RETAKE_DATABASE_URL: databaseUrl,
      RETAKE_PORT: String(port),
      RETAKE_DATA_DIR: dataDir,
      LUMA_API_KEY: "bench-stand-in-key",
      LUMA_BASE_URL: standInUrl,
      RETAKE_NODE22: node.path,
    };
    // The API process is supervised like the workers (below): restarted on the same port if it dies on its own.
    const serves: Child[] = [];
    const startServe = (): Child => {
      const s = startChild(serves.length ? `serve-${serves.length + 1}` : "serve", node.path, [retakeBin, "serve"], env, runDir);
      serves.push(s);
      children.push(s);
      void s.exited.then(() => {
        if (supervision.on) {
          console.log(`  ${s.name} exited on its own; starting a replacement`);
          startServe();
        }
      });
      return s;
    };
    const serve = startServe();
    const serveReadyMs = await waitForHttp(`${base}/readyz`, 60_000, serve);
    report("team: serve ready (process start → /readyz 200)", secs(serveReadyMs), "");

    // Tokens: the admin's from `retake token create --admin` (as a studio's first one is made), the
    // 20 editors' from the admin API (one CLI process each would take ~1.5 s apiece here).
    const t0 = Date.now();
    const adminToken = createToken(node.path, env, "bench-admin", true);
    const admin = { Authorization: `Bearer ${adminToken}`, "Content-Type": "application/json" };
    const editors: EditorSpec[] = [];
    for (let i = 0; i < EDITORS; i++) {
      const name = `editor-${String(i + 1).padStart(2, "0")}`;
      const res = await fetch(`${base}/v1/admin/tokens`, { method: "POST", headers: admin, body: JSON.stringify({ user: name, label: "bench" }) });
      if (res.status !== 201) throw new Error(`POST /v1/admin/tokens for ${name} answered ${res.status}: ${await res.text()}`);
      editors.push({ name, token: ((await res.json()) as { token: string }).token, provider: i % 2 === 0 ? "previz" : "luma" });
    }
    const lumaEditors = editors.filter((e) => e.provider === "luma");
    for (const editor of lumaEditors.slice(0, TIGHT_BUDGET_EDITORS)) {
      editor.burst = TIGHT_BURST;
    }
    console.log(`  ${EDITORS + 1} tokens made in ${secs(Date.now() - t0)}`);
    const users = ((await (await fetch(`${base}/v1/admin/users`, { headers: admin })).json()) as { users: Array<{ id: string; name: string }> }).users;
    const budgets = new Map<string, number>();
    for (const editor of editors) {
      const limit = lumaEditors.indexOf(editor) >= 0 && lumaEditors.indexOf(editor) < TIGHT_BUDGET_EDITORS ? TIGHT_BUDGET_USD : ROOMY_BUDGET_USD;
      const user = users.find((u) => u.name === editor.name);
      if (!user) throw new Error(`GET /v1/admin/users does not list ${editor.name}`);
      const res = await fetch(`${base}/v1/admin/budgets`, { method: "PUT", headers: admin, body: JSON.stringify({ scope: "user", key: user.id, period: "day", limitUsd: limit }) });
      if (res.status !== 200) throw new Error(`setting ${editor.name}'s budget answered ${res.status}: ${await res.text()}`);
      budgets.set(editor.name, limit);
    }

    let workerCount = 0;
    const workers: Child[] = [];
    const killedByBench = new Set<number>();
    const startWorker = (): Child => {
      const name = `worker-${++workerCount}`;
      const w = startChild(name, node.path, [retakeBin, "worker"], { ...env, RETAKE_WORKER_ID: name }, runDir);
      workers.push(w);
      children.push(w);
      // A worker that dies on its own is restarted, as a supervisor would (and reported after the run).
      void w.exited.then(() => {
        if (supervision.on && !killedByBench.has(w.pid)) {
          console.log(`  ${w.name} exited on its own; starting a replacement`);
          startWorker();
        }
      });
      return w;
    };
    for (let i = 0; i < WORKERS; i++) startWorker();
    // A worker logs one JSON line {"msg":"ready",…} once it takes steps.
    await Promise.all(workers.map((w) => w.waitForLine((l) => /"msg"\s*:\s*"ready"/.test(l), 60_000)));

    // The run: editors, and the faults on their schedule.
    const jobs: JobRecord[] = [];
    const start = Date.now();
    const stopAt = start + plan.loadMs;
    const hooks: FaultHooks = {
      livePids: () => workers.filter((w) => w.proc.exitCode === null && w.proc.signalCode === null).map((w) => ({ name: w.name, pid: w.pid })),
      kill: (pid) => {
        killedByBench.add(pid);
        workers.find((w) => w.pid === pid)?.proc.kill("SIGKILL");
      },
      startReplacement: () => void startWorker(),
      jobs: () => jobs,
      counts,
    };
    const editorsDone = runEditors({ base, editors, frameSize: { width: 640, height: 360 }, stopAt, followDeadline: stopAt + plan.drainMs, thinkMs: 500, onJob: (j) => jobs.push(j) });
    const faults = (async () => {
      const kills: KillRecord[] = [];
      await sleep(Math.max(0, start + plan.pollAt - Date.now()));
      kills.push(await killMidPoll(hooks, 30_000));
      console.log(`  fault: ${describeKill(kills.at(-1)!, start)}`);
      await sleep(Math.max(0, start + plan.conformAt - Date.now()));
      kills.push(await killMidConform(hooks, 40_000));
      console.log(`  fault: ${describeKill(kills.at(-1)!, start)}`);
      await sleep(Math.max(0, start + plan.restartAt - Date.now()));
      console.log(`  fault: pg_ctl restart -m fast at +${secs(Date.now() - start)}`);
      const restart = await restartDatabase(() => cluster!.restart(), `${base}/readyz`);
      return { kills, restart };
    })();
    const progress = setInterval(() => {
      const delivered = jobs.filter((j) => j.deliveredAt).length;
      console.log(`  +${secs(Date.now() - start)}: ${jobs.length} jobs, ${delivered} delivered, ${jobs.filter((j) => !j.endState).length} in flight`);
    }, 15_000);
    const [stats, { kills, restart }] = await Promise.all([editorsDone, faults]).finally(() => clearInterval(progress));
    const end = Date.now();
    supervision.on = false;

    // Figures.
    const delivered = stats.jobs.filter((j) => j.deliveredAt);
    const lastDelivery = Math.max(...delivered.map((j) => j.deliveredAt!));
    const minutes = (lastDelivery - start) / 60_000;
    report("team: takes delivered per minute (20 editors, 3 workers)", (delivered.length / minutes).toFixed(1), `${delivered.length} takes in ${secs(lastDelivery - start)}`);
    for (const provider of ["previz", "luma"]) {
      const times = delivered.filter((j) => j.provider === provider).map((j) => j.deliveredAt! - j.sentAt);
      report(`team: submit → delivered, ${provider === "luma" ? "stand-in" : "previz"}: p50 / p95`, `${secs(pct(times, 50))} / ${secs(pct(times, 95))}`, `${times.length} takes`);
    }
    const all = delivered.map((j) => j.deliveredAt! - j.sentAt);
    report("team: submit → delivered, all: p95", secs(pct(all, 95)), `max ${secs(Math.max(...all))}`);
    const pickups = await queuePickups(databaseUrl).catch((error: Error) => (console.log(`  (queue pickup not read: ${error.message})`), [] as number[]));
    if (pickups.length) report("team: queue pickup (step created → started) p50 / p95", `${Math.round(pct(pickups, 50))} / ${Math.round(pct(pickups, 95))} ms`, `${pickups.length} take steps, pg-boss's times`);
    // The take is created "Queued"; the first other state or message is a worker's.
    const firstEvent = stats.jobs.map((j) => {
      const first = j.seen.find((s) => !(s.state === "queued" && s.message === "Queued"));
      return first ? first.at - j.createdAt : NaN;
    }).filter((x) => !Number.isNaN(x));
    report("team: job created → first worker change heard (SSE) p50 / p95", `${secs(pct(firstEvent, 50))} / ${secs(pct(firstEvent, 95))}`, "upper bound on pickup");
    for (const k of kills) {
      if (k.skipped) {
        report(`team: SIGKILL ${k.kind}`, "—", k.skipped);
        failed = true;
        continue;
      }
      const job = stats.jobs.find((j) => j.takeIds.includes(k.takeId ?? "") || j.tag === k.tag);
      const after = job?.seen.find((s) => s.at > k.killedAt);
      const ended = job?.seen.find((s) => s.at > k.killedAt && ["succeeded", "failed", "canceled"].includes(s.state));
      const restarted = k.takeId ? await stepRestartedAt(databaseUrl, k.takeId).catch(() => undefined) : undefined;
      report(`team: SIGKILL ${k.kind} → step restarted / take moves / ends`, `${secs(restarted ? restarted - k.killedAt : undefined)} / ${secs(after ? after.at - k.killedAt : undefined)} / ${secs(ended ? ended.at - k.killedAt : undefined)}`, `${k.tag} (${k.phase}) ${ended ? `→ ${ended.state}` : "not heard ending"}`);
    }
    const afterRestart = restart.doneAt ?? restart.startedAt;
    const acceptedAfter = stats.jobs.filter((j) => j.createdAt > afterRestart).map((j) => j.createdAt).sort((a, b) => a - b)[0];
    const deliveredAfter = stats.jobs.filter((j) => j.deliveredAt && j.deliveredAt > afterRestart).map((j) => j.deliveredAt!).sort((a, b) => a - b)[0];
    report("team: pg_ctl restart -m fast took", restart.error ? "failed" : secs((restart.doneAt ?? 0) - restart.startedAt), restart.error ?? "");
    report("team: after DB restart → /readyz 200 again", restart.readyDownAt ? secs((restart.readyBackAt ?? NaN) - restart.startedAt) : "never down", restart.readyDownAt ? `down at +${secs(restart.readyDownAt - restart.startedAt)}` : "readiness never failed");
    report("team: after DB restart → first job accepted / take delivered", `${secs(acceptedAfter ? acceptedAfter - restart.startedAt : undefined)} / ${secs(deliveredAfter ? deliveredAfter - restart.startedAt : undefined)}`, "from the restart's start");
    report("team: jobs refused over budget (402) / POSTs failed", `${stats.refusedOverBudget} / ${stats.failedPosts.length}`, stats.failedPosts.length ? summarizeFailures(stats) : "");
    report("team: SSE streams dropped and resumed", String(stats.jobs.reduce((n, j) => n + j.streamDrops, 0)), "Last-Event-ID");
    console.log(`  run took ${secs(end - start)}`);
    // A process that died on its own (not our SIGKILL) is a finding: the DB restart should not kill anyone.
    const died = [...serves, ...workers].filter((c) => (c.proc.exitCode !== null || c.proc.signalCode !== null) && !killedByBench.has(c.pid));
    report("team: processes that exited on their own during the run", String(died.length), died.map((c) => `${c.name} (${c.proc.exitCode ?? c.proc.signalCode}; ${c.logFile})`).join(", "));
    if (died.length) failed = true;

    // Invariants.
    await sleep(1000);
    const ledger = await readLedger(databaseUrl);
    const standInCounts = await counts();
    const checks = checkInvariants(ledger, stats, standInCounts, budgets);
    console.log("");
    for (const c of checks) {
      console.log(`  ${c.ok ? "ok    " : "FAILED"} ${c.name}: ${c.detail}`);
      if (!c.ok) failed = true;
    }
    writeSummary(runDir, stats, kills, restart, checks);
  } catch (error) {
    failed = true;
    console.log(`  team bench stopped: ${(error as Error).message}`);

  } finally {
    supervision.on = false;
    await Promise.all(children.map((c) => stopChild(c)));
    try {
      cluster?.stop();
    } catch (error) {
      console.log(`  (stopping the bench's PostgreSQL: ${(error as Error).message})`);
    }
  }
  if (failed) {
    console.log(`  team: FAILED (logs in ${runDir})`);
    process.exitCode = 1;
  }
}

function describeKill(k: KillRecord, start: number): string {
  return k.skipped ? `${k.kind}: ${k.skipped}` : `SIGKILL ${k.worker} (pid ${k.pid}) ${k.kind} at +${secs(k.killedAt - start)}: ${k.tag} "${k.phase}"; replacement started`;
}

function summarizeFailures(stats: EditorStats): string {
  const by = new Map<string, number>();
  for (const f of stats.failedPosts) by.set(String(f.status), (by.get(String(f.status)) ?? 0) + 1);
  return [...by].map(([s, n]) => `${n}× ${s}`).join(", ");
}

function writeSummary(runDir: string, stats: EditorStats, kills: KillRecord[], restart: RestartRecord, checks: unknown): void {
  fs.writeFileSync(path.join(runDir, "summary.json"), JSON.stringify({ kills, restart, checks, stats }, null, 1));
}
