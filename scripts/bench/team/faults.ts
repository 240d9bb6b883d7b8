/**
 * The faults the team bench injects while the editors work, each timed for its recovery:
 * SIGKILL a worker mid-conform, SIGKILL one mid-poll (victims: ./victims.ts), each replaced by a
 * fresh worker at once (as a supervisor would), and one `pg_ctl restart -m fast` of the database.
 */
import type { JobRecord } from "./editors.js";
import type { StandInCounts } from "./invariants.js";
import { conformingTakes, pidOwningLocalPort } from "./victims.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface KillRecord {
  kind: "mid-conform" | "mid-poll";
  worker: string;
  pid: number;
  takeId?: string;
  tag?: string;
  /** What the take's card said when the worker died. */
  phase?: string;
  killedAt: number;
  /** Not found within the window: killed nothing. */
  skipped?: string;
}

export interface RestartRecord {
  startedAt: number;
  /** pg_ctl restart returned (the server accepts connections). */
  doneAt?: number;
  error?: string;
  /** /readyz: first non-200 seen and first 200 after it. */
  readyDownAt?: number;
  readyBackAt?: number;
}

export interface FaultHooks {
  livePids(): Array<{ name: string; pid: number }>;
  kill(pid: number): void;
  startReplacement(): void;
  jobs(): JobRecord[];
  counts(): Promise<StandInCounts>;
}

function lastSeen(jobs: JobRecord[], takeId: string): { job: JobRecord; message: string; state: string } | undefined {
  for (const job of jobs) {
    if (!job.takeIds.includes(takeId)) continue;
    const seen = [...job.seen].reverse().find((s) => s.takeId === takeId);
    return { job, message: seen?.message ?? "", state: seen?.state ?? "" };
  }
  return undefined;
}

export async function killMidConform(hooks: FaultHooks, windowMs: number): Promise<KillRecord> {
  const deadline = Date.now() + windowMs;
  while (Date.now() < deadline) {
    const live = hooks.livePids();
    const conforming = conformingTakes(live.map((w) => w.pid));
    for (const [takeId, pid] of conforming) {
      const seen = lastSeen(hooks.jobs(), takeId);
      // The ffmpeg under the worker writes the take's artifacts, and the take says it is delivering.
      if (!seen || !/deliver/i.test(seen.message)) continue;
      hooks.kill(pid);
      const record: KillRecord = { kind: "mid-conform", worker: live.find((w) => w.pid === pid)!.name, pid, takeId, tag: seen.job.tag, phase: seen.message, killedAt: Date.now() };
      hooks.startReplacement();
      return record;
    }
    await sleep(50);
  }
  return { kind: "mid-conform", worker: "", pid: 0, killedAt: Date.now(), skipped: `no worker was conforming a take within ${windowMs / 1000} s` };
}

export async function killMidPoll(hooks: FaultHooks, windowMs: number): Promise<KillRecord> {
  const deadline = Date.now() + windowMs;
  while (Date.now() < deadline) {
    const counts = await hooks.counts();
    const live = hooks.livePids();
    const now = Date.now();
    for (const g of counts.generations) {
      if (g.done || g.lastPollPort === null || g.lastPollAt === null || now - g.lastPollAt > 4000) continue;
      const pid = pidOwningLocalPort(g.lastPollPort, live.map((w) => w.pid));
      if (!pid) continue;
      const job = hooks.jobs().find((j) => j.tag === g.key);
      const takeId = job?.takeIds[0];
      const seen = takeId ? lastSeen(hooks.jobs(), takeId) : undefined;
      hooks.kill(pid);
      const record: KillRecord = { kind: "mid-poll", worker: live.find((w) => w.pid === pid)!.name, pid, takeId, tag: g.key, phase: seen?.message ?? "polling", killedAt: Date.now() };
      hooks.startReplacement();
      return record;
    }
    await sleep(200);
  }
  return { kind: "mid-poll", worker: "", pid: 0, killedAt: Date.now(), skipped: `no worker was polling the stand-in within ${windowMs / 1000} s` };
}

export async function restartDatabase(restart: () => Promise<void>, readyUrl: string): Promise<RestartRecord> {
  const record: RestartRecord = { startedAt: Date.now() };
  let watching = true;
  const watch = (async () => {
    while (watching || (record.readyDownAt && !record.readyBackAt)) {
      let ok = false;
      try {
        ok = (await fetch(readyUrl, { signal: AbortSignal.timeout(1000) })).status === 200;
      } catch {
        ok = false;
      }
      if (!ok && !record.readyDownAt) record.readyDownAt = Date.now();
      if (ok && record.readyDownAt && !record.readyBackAt) record.readyBackAt = Date.now();
      if (Date.now() - record.startedAt > 60_000) break;
      await sleep(100);
    }
  })();
  try {
    await restart();
    record.doneAt = Date.now();
  } catch (error) {
    record.error = (error as Error).message;
  }
  // Watch readiness a little past the restart: a service notices a dead pool on its next query.
  await sleep(5000);
  watching = false;
  await watch;
  return record;
}
