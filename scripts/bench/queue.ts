/**
 * Issue 19's queue decision, by measurement: pg-boss 12 (Postgres) against BullMQ 6 (Redis) on this
 * machine, loopback. Per engine: pickup latency at idle (enqueue → handler starts, another process),
 * cancel from another process → the running handler's AbortSignal, throughput of trivial jobs with
 * two worker processes, and recovery after SIGKILL of a worker mid-job (time until the other worker
 * starts that job). Each engine runs in its own process (scripts/bench/queue/measure.ts); pg-boss
 * needs Node ≥ 22.12, so its half runs under `RETAKE_NODE22` or the first such `node` on PATH, or is
 * skipped with the reason. Needs Postgres on 127.0.0.1:5432 (or RETAKE_TEST_PG_URL) and Redis on
 * 127.0.0.1:6379 (database 15, emptied).
 *
 * Then team mode's own queue (StepQueue on pg-boss, scripts/bench/queue/fairShare.ts): fair share
 * per editor across two workers, with its claim trigger and without, and a stopping worker's hand-back.
 */
import { execFileSync, spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Report } from "../bench.js";
import { findNode22 } from "../../src/server/team/nodeVersion.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");

function measure(node: string, ...script: string[]): Record<string, number> | string {
  const result = spawnSync(node, ["--import", "tsx", ...script], { cwd: root, encoding: "utf8", timeout: 600_000 });
  const last = result.stdout.trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(last) as Record<string, number>;
  } catch {
    return `failed (${result.status ?? result.signal}): ${(result.stderr || result.stdout).trim().split("\n").slice(-3).join(" | ")}`;
  }
}

export async function run(report: Report): Promise<void> {
  const ms = (x: number) => `${x < 10 ? x.toFixed(1) : x.toFixed(0)} ms`;
  const node22 = findNode22();
  const runs: Array<[string, string | null, string]> = [
    ["pg-boss 12 (Postgres)", node22?.path ?? null, "pgboss"],
    ["BullMQ 6 (Redis)", process.execPath, "bullmq"],
  ];
  for (const [label, node, engine] of runs) {
    if (!node) {
      report(`${label}: skipped`, "—", "needs Node ≥ 22.12: set RETAKE_NODE22=/path/to/node or put one on PATH");
      continue;
    }
    const version = execFileSync(node, ["--version"], { encoding: "utf8" }).trim();
    const f = measure(node, path.join(here, "queue", "measure.ts"), engine);
    if (typeof f === "string") {
      report(`${label} on Node ${version}`, "—", f);
      continue;
    }
    report(`${label}: pickup at idle p50 / p95 (30 jobs)`, `${ms(f.pickupP50!)} / ${ms(f.pickupP95!)}`, "enqueue → handler starts, other process");
    report(`${label}: cancel → running handler's signal, p50 / max`, `${ms(f.cancelP50!)} / ${ms(f.cancelMax!)}`, "cancel from another process");
    report(`${label}: throughput, 2 workers × concurrency 10`, `${f.throughput!.toFixed(0)} jobs/s`, "2000 trivial jobs");
    report(`${label}: SIGKILL mid-job → other worker starts it`, ms(f.recoveryAfterKill!), "liveness 10 s (heartbeat / lock)");
  }

  const label = "team queue (StepQueue)";
  if (!node22) return report(`${label}: skipped`, "—", "needs Node ≥ 22.12: set RETAKE_NODE22=/path/to/node or put one on PATH");
  const f = measure(node22.path, path.join(here, "queue", "fairShare.ts"));
  if (typeof f === "string") return report(label, "—", f);
  const rounds = `${f.rounds} rounds, 2 workers × 3 slots, limit 2`;
  report(`${label}: most steps of one editor at once`, `${f.annMost}`, `≤ 2; over the limit in ${f.annOverLimitRounds} of ${rounds}`);
  report(`${label}: same, pg-boss groupConcurrency alone`, `${f.annMostNoTrigger}`, `without the claim trigger: over in ${f.annOverLimitRoundsNoTrigger} of ${f.rounds}`);
  report(`${label}: other editor's first step waits, max`, ms(f.bobWaitMax!), "queued behind 20 of the first editor's");
  report(`${label}: hand-back → another worker runs the step`, ms(f.handBackMs!), `retries left ${f.retriesLeftBefore} → ${f.retriesLeftAfter}`);
}
