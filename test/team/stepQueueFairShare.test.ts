/**
 * Team mode's fair share across worker machines, and a stopping worker's hand-back, on a real
 * Postgres with real pg-boss. pg-boss 12 needs Node ≥ 22.12: on older Node these are skipped (run
 * them with `PATH=/work/node24/package/bin:$PATH npx vitest run test/team/stepQueueFairShare.test.ts`).
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import readline from "node:readline";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Step } from "../../src/server/director/steps.js";
import { nodeAtLeast } from "../../src/server/team/nodeVersion.js";
import { freshDatabase, type TestDatabase } from "../helpers/postgres.js";

const canRun = nodeAtLeast(process.version);
const workerScript = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures", "stepWorker.ts");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const take = (id: string): Step => ({ kind: "take", jobId: "job1", takeId: id });
const takeId = (step: Step) => (step.kind === "take" ? step.takeId : step.kind);
const until = async (done: () => boolean, ms: number, what: string) => {
  for (const end = Date.now() + ms; !done(); await sleep(100)) if (Date.now() > end) throw new Error(`waited ${ms} ms for ${what}`);
};

// After the Node check, which comes first (it is what a Node 20 machine needs to hear).
describe.skipIf(!canRun)("retake worker's RETAKE_EDITOR_CONCURRENCY", () => {
  it("refuses a value that is not a whole number of steps, saying what to do, before connecting", async () => {
    const { startTeamWorker } = await import("../../src/server/commands/workerCommand.js");
    const env = { RETAKE_DATABASE_URL: "postgres://nobody@127.0.0.1:1/none", RETAKE_EDITOR_CONCURRENCY: "two" };
    await expect(startTeamWorker({ env, retakeBin: "retake" })).rejects.toThrow(
      /^RETAKE_EDITOR_CONCURRENCY must be a whole number of steps, 1 or more \(got "two"\)\. Unset it for the default, 2\.$/,
    );
  });
});

describe.skipIf(!canRun)(`fair share across workers, and hand-back (needs Node ≥ 22.12; this is ${process.version})`, () => {
  let db: TestDatabase;
  type Q = import("../../src/server/team/stepQueue.js").StepQueue;
  type Options = import("../../src/server/team/stepQueue.js").StepQueueOptions;
  let mod: typeof import("../../src/server/team/stepQueue.js");
  const open: Q[] = [];
  const children: ChildProcess[] = [];
  const queue = async (options: Partial<Options> = {}) => {
    const q = await mod.StepQueue.open({ connectionString: db.url, retryDelaySeconds: 1, ...options });
    open.push(q);
    return q;
  };
  const sql = async <T extends object>(text: string, values: unknown[] = []): Promise<T[]> => {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      return (await c.query(text, values)).rows as T[];
    } finally {
      await c.end();
    }
  };

  beforeAll(async () => {
    mod = await import("../../src/server/team/stepQueue.js");
    db = await freshDatabase("fairshare");
  });
  afterEach(async () => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
    for (const q of open.splice(0)) await q.close().catch(() => {});
    await sql("DELETE FROM retake_queue.job").catch(() => {});
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("one editor holds at most editorConcurrency steps across two workers, and another editor's steps start before that backlog drains", async () => {
    const limit = 2;
    const [w1, w2] = [await queue({ editorConcurrency: limit }), await queue({ editorConcurrency: limit })];
    const running = { ann: 0, bob: 0 };
    const most = { ann: 0, bob: 0, annWhileBobWaits: 0 };
    const started: Array<{ id: string; worker: string }> = [];
    let bobQueued = false;
    const handler = (worker: string) => async (step: Step) => {
      const id = takeId(step);
      const editor = id.startsWith("ann") ? "ann" : "bob";
      started.push({ id, worker });
      running[editor]++;
      most[editor] = Math.max(most[editor], running[editor]);
      const bobWaiting = bobQueued && started.filter((s) => s.id.startsWith("bob")).length < 2;
      if (bobWaiting) most.annWhileBobWaits = Math.max(most.annWhileBobWaits, running.ann);
      await sleep(300);
      running[editor]--;
    };
    for (let i = 0; i < 20; i++) await w1.start(take(`ann${i}`), { priority: "draft", editor: "ann" });
    await w1.work(handler("w1"), { concurrency: 3 });
    await w2.work(handler("w2"), { concurrency: 3 });
    await until(() => started.length >= 4, 20_000, "ann's first steps");
    for (let i = 0; i < 2; i++) await w2.start(take(`bob${i}`), { priority: "draft", editor: "bob" });
    bobQueued = true;
    await until(() => started.length === 22, 60_000, "all 22 steps");

    // 6 slots, and ann alone with 20 drafts: without a farm-wide limit she would hold 4 or all 6.
    expect(most.ann).toBeLessThanOrEqual(limit);
    expect(most.annWhileBobWaits).toBeLessThanOrEqual(limit);
    // Both workers ran ann's steps, so the limit held across machines, not within one.
    expect(new Set(started.filter((s) => s.id.startsWith("ann")).map((s) => s.worker))).toEqual(new Set(["w1", "w2"]));
    const order = started.map((s) => s.id);
    expect(order.indexOf("bob0")).toBeLessThan(order.indexOf("ann19"));
    expect(order.indexOf("bob1")).toBeLessThan(order.indexOf("ann19"));
    console.log(`fair share: ann at most ${most.ann} running of 6 slots (limit ${limit}); bob's steps started ${order.indexOf("bob0") + 1}th and ${order.indexOf("bob1") + 1}th of 22`);
  });

  it("a SIGKILLed worker's slot comes back: the editor's next step runs elsewhere once the heartbeat lapses", async () => {
    // The other machine, one slot, limit 1: it takes ann's only step and holds her slot.
    const proc = spawn(process.execPath, ["--import", "tsx", workerScript, db.url, "120000", "1", "1"], { stdio: ["ignore", "pipe", "inherit"] });
    children.push(proc);
    const childEvents: Array<{ e: string; step?: Step; at: number }> = [];
    readline.createInterface({ input: proc.stdout! }).on("line", (line) => childEvents.push(JSON.parse(line)));
    await until(() => childEvents.some((ev) => ev.e === "ready"), 60_000, "the other worker to be ready");

    const q = await queue({ editorConcurrency: 1 });
    await q.start(take("ann0"), { priority: "draft", editor: "ann" });
    await until(() => childEvents.some((ev) => ev.e === "start"), 20_000, "the other worker to take ann0");
    await q.start(take("ann1"), { priority: "draft", editor: "ann" });
    await q.start(take("bob0"), { priority: "draft", editor: "bob" });
    const here: Array<{ id: string; at: number }> = [];
    await q.work(async (step, { signal }) => {
      here.push({ id: takeId(step), at: Date.now() });
      if (takeId(step).startsWith("bob")) return;
      await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
    }, { concurrency: 2 });

    // This worker has two free slots and takes bob's step, but not ann's: her one slot is taken.
    await until(() => here.some((s) => s.id === "bob0"), 20_000, "bob0 to run here");
    await sleep(3000);
    expect(here.filter((s) => s.id.startsWith("ann"))).toEqual([]);

    const killedAt = Date.now();
    proc.kill("SIGKILL");
    await until(() => here.some((s) => s.id.startsWith("ann")), 40_000, "one of ann's steps to run here after the SIGKILL");
    const freed = here.find((s) => s.id.startsWith("ann"))!.at - killedAt;
    // heartbeat 10 s + monitor 5 s + retry delay: the slot is the dead step's, back when the step is.
    expect(freed).toBeLessThan(30_000);
    console.log(`SIGKILL → the editor's slot is free again: ${freed} ms`);
  });

  it("a step handed back by a stopping worker keeps its retries and its one job", async () => {
    const step = take("conform");
    const attempts: string[] = [];
    // Runs until the stop interrupts it, so the stopping worker hands it back.
    const interrupted = (worker: string) => async (_: Step, { signal }: { signal: AbortSignal }) => {
      attempts.push(worker);
      await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
    };
    const live = () => sql<{ n: number }>(`SELECT count(*)::int AS n FROM retake_queue.job WHERE singleton_key = $1 AND state IN ('created', 'retry', 'active')`, ["take:conform"]);

    const a = await queue({ retryLimit: 1 });
    await a.start(step, { priority: "final", editor: "ann" });
    await a.work(interrupted("a"), { concurrency: 1 });
    await until(() => attempts.length === 1, 20_000, "worker a to start the step");
    await a.close();
    const b = await queue({ retryLimit: 1 });
    // Starting it again while it waits to be picked up is still one job.
    await b.start(step, { priority: "final", editor: "ann" });
    expect(await live()).toEqual([{ n: 1 }]);
    await b.work(interrupted("b"), { concurrency: 1 });
    await until(() => attempts.length === 2, 20_000, "worker b to take the handed-back step");
    await b.close();

    // Two hand-backs later the step still has its one retry: a real failure runs it twice, then
    // dead-letters it. Had each hand-back spent a retry, it would be dead already and never run here.
    const c = await queue({ retryLimit: 1 });
    await c.work(async () => {
      attempts.push("c");
      throw new Error("conform crashed");
    }, { concurrency: 1 });
    let dead: Awaited<ReturnType<Q["deadLetters"]>> = [];
    for (let i = 0; i < 80 && dead.length === 0; i++) {
      await sleep(250);
      dead = await c.deadLetters();
    }
    expect(attempts).toEqual(["a", "b", "c", "c"]);
    expect(dead).toMatchObject([{ step, editor: "ann", error: "conform crashed" }]);
  });
});
