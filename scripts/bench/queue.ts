/**
 * Issue 19's queue decision, by measurement: pg-boss 12 (Postgres) against BullMQ 6 (Redis) on this
 * machine, loopback. Per engine: pickup latency at idle (enqueue → handler starts, another process),
 * cancel from another process → the running handler's AbortSignal, throughput of trivial jobs with
 * two worker processes, and recovery after SIGKILL of a worker mid-job (time until the other worker
 * starts that job). Each engine runs in its own process (scripts/bench/queue/measure.ts); pg-boss
 * needs Node ≥ 22.12, so its half runs under `RETAKE_NODE22` or the first such `node` on PATH, or is
 * skipped with the reason. Needs Postgres on 127.0.0.1:5432 (or RETAKE_TEST_PG_URL) and Redis on
 * 127.0.0.1:6379 (database 15, emptied).
 */
import { execFileSync, spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Report } from "../bench.js";
import { findNode22 } from "../../src/server/team/nodeVersion.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");

function measure(node: string, engine: string): Record<string, number> | string {
  const result = spawnSync(node, ["--import", "tsx", path.join(here, "queue", "measure.ts"), engine], { cwd: root, encoding: "utf8", timeout: 600_000 });
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
    const f = measure(node, engine);
    if (typeof f === "string") {
      report(`${label} on Node ${version}`, "—", f);
      continue;
    }
    report(`${label}: pickup at idle p50 / p95 (30 jobs)`, `${ms(f.pickupP50!)} / ${ms(f.pickupP95!)}`, "enqueue → handler starts, other process");
    report(`${label}: cancel → running handler's signal, p50 / max`, `${ms(f.cancelP50!)} / ${ms(f.cancelMax!)}`, "cancel from another process");
    report(`${label}: throughput, 2 workers × concurrency 10`, `${f.throughput!.toFixed(0)} jobs/s`, "2000 trivial jobs");
    report(`${label}: SIGKILL mid-job → other worker starts it`, ms(f.recoveryAfterKill!), "liveness 10 s (heartbeat / lock)");
  }
}
