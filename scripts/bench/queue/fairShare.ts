/**
 * Fair share and hand-back on team mode's own queue (StepQueue, pg-boss 12), run as its own process
 * (`tsx fairShare.ts`) under a Node ≥ 22.12. Prints one JSON line of figures at the end.
 *
 * Fair share: two StepQueue workers with 3 slots each, editorConcurrency 2; editor ann queues 20
 * steps of 300 ms, bob 2 once ann's are running. Per round: the most steps ann ran at once, and how
 * long bob's first step waited. Rounds run with the claim trigger (what team mode does) and with it
 * dropped (pg-boss's groupConcurrency alone), to show what the trigger is for.
 * Hand-back: a worker stopped mid-step; time from its stop taking effect until another worker runs
 * the step, and the step's retries left before and after.
 */
import pg from "pg";
import type { Step } from "../../../src/server/director/steps.js";
import { StepQueue } from "../../../src/server/team/stepQueue.js";

const ROUNDS = 5;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const take = (id: string): Step => ({ kind: "take", jobId: "bench", takeId: id });
const until = async (done: () => boolean, ms: number, what: string) => {
  for (const end = Date.now() + ms; !done(); await sleep(50)) if (Date.now() > end) throw new Error(`waited ${ms} ms for ${what}`);
};

const admin = process.env.RETAKE_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const name = `bench_fairshare_${process.pid}`;
const adminSql = async (text: string) => {
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  try { await c.query(text); } finally { await c.end(); }
};
await adminSql(`CREATE DATABASE ${name}`);
const url = new URL(admin);
url.pathname = `/${name}`;
const sql = async <T>(text: string, values: unknown[] = []): Promise<T[]> => {
  const c = new pg.Client({ connectionString: url.toString() });
  await c.connect();
  try { return (await c.query(text, values)).rows as T[]; } finally { await c.end(); }
};
const open = (options: { retryLimit?: number } = {}) => StepQueue.open({ connectionString: url.toString(), editorConcurrency: 2, retryDelaySeconds: 3, ...options });

async function round(trigger: boolean): Promise<{ annMost: number; bobWaitMs: number }> {
  const workers = [await open(), await open()];
  if (!trigger) await sql("DROP TRIGGER IF EXISTS retake_fair_share ON retake_queue.job");
  let running = 0;
  let annMost = 0;
  let started = 0;
  let bobQueuedAt = 0;
  let bobStartedAt = 0;
  for (let i = 0; i < 20; i++) await workers[0]!.start(take(`ann${i}`), { priority: "draft", editor: "ann" });
  for (const w of workers) {
    await w.work(async (step) => {
      started++;
      const ann = step.kind === "take" && step.takeId.startsWith("ann");
      if (!ann) bobStartedAt ||= Date.now();
      if (ann) annMost = Math.max(annMost, ++running);
      await sleep(300);
      if (ann) running--;
    }, { concurrency: 3 });
  }
  await until(() => started >= 2, 20_000, "ann's steps to start");
  bobQueuedAt = Date.now();
  for (let i = 0; i < 2; i++) await workers[1]!.start(take(`bob${i}`), { priority: "draft", editor: "bob" });
  await until(() => started === 22, 60_000, "all 22 steps");
  for (const w of workers) await w.close();
  await sql("DELETE FROM retake_queue.job");
  return { annMost, bobWaitMs: bobStartedAt - bobQueuedAt };
}

async function handBack(): Promise<{ handBackMs: number; retriesLeftBefore: number; retriesLeftAfter: number }> {
  const retriesLeft = async () => (await sql<{ n: number }>(`SELECT retry_limit - retry_count AS n FROM retake_queue.job WHERE singleton_key = 'take:conform'`))[0]!.n;
  const a = await open();
  const b = await open();
  let runs = 0;
  let stoppedAt = 0;
  let againAt = 0;
  await a.start(take("conform"), { priority: "final", editor: "ann" });
  await a.work(async (_, { signal }) => {
    runs++;
    await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
    stoppedAt = Date.now();
  }, { concurrency: 1 });
  await until(() => runs === 1, 20_000, "the step to start");
  const retriesLeftBefore = await retriesLeft();
  await b.work(async () => void (againAt = Date.now()), { concurrency: 1 });
  await a.close();
  await until(() => againAt > 0, 60_000, "the handed-back step to run again");
  const retriesLeftAfter = await retriesLeft();
  await b.close();
  await sql("DELETE FROM retake_queue.job");
  return { handBackMs: againAt - stoppedAt, retriesLeftBefore, retriesLeftAfter };
}

const figures: Record<string, number> = {};
try {
  for (const trigger of [true, false]) {
    const rounds = [];
    for (let i = 0; i < ROUNDS; i++) rounds.push(await round(trigger));
    const key = trigger ? "" : "NoTrigger";
    figures[`annMost${key}`] = Math.max(...rounds.map((r) => r.annMost));
    figures[`annOverLimitRounds${key}`] = rounds.filter((r) => r.annMost > 2).length;
    figures[`bobWaitMax${key}`] = Math.max(...rounds.map((r) => r.bobWaitMs));
    console.error(`[fair share] trigger ${trigger}: ${JSON.stringify(rounds)}`);
  }
  figures.rounds = ROUNDS;
  Object.assign(figures, await handBack());
} finally {
  await adminSql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
}
console.log(JSON.stringify(figures));
process.exit(0);
