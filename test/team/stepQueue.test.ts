/**
 * Team mode's step queue on a real Postgres, with real worker processes for "another machine".
 * pg-boss 12 needs Node ≥ 22.12: on older Node these are skipped (run them with
 * `PATH=/work/node24/package/bin:$PATH npx vitest run test/team`); the Node check itself runs anywhere.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import readline from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Step } from "../../src/server/director/steps.js";
import { assertTeamNode, nodeAtLeast } from "../../src/server/team/nodeVersion.js";
import { freshDatabase, type TestDatabase } from "../helpers/postgres.js";

const canRun = nodeAtLeast(process.version);
const workerScript = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures", "stepWorker.ts");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const take = (n: number | string): Step => ({ kind: "take", jobId: "job1", takeId: `t${n}` });

describe("team mode's Node check", () => {
  it("says what is needed and what to do on a Node that is too old", () => {
    expect(() => assertTeamNode("v20.20.2")).toThrow(/^Team mode needs Node 22\.12 or newer; this is 20\.20\.2\. .*Install Node 22/);
    expect(() => assertTeamNode("v22.11.9")).toThrow(/this is 22\.11\.9/);
    expect(() => assertTeamNode("v22.12.0")).not.toThrow();
    expect(() => assertTeamNode("v24.1.0")).not.toThrow();
  });
});

describe.skipIf(!canRun)(`step queue on pg-boss (needs Node ≥ 22.12; this is ${process.version})`, () => {
  let db: TestDatabase;
  type Q = import("../../src/server/team/stepQueue.js").StepQueue;
  let mod: typeof import("../../src/server/team/stepQueue.js");
  const open: Q[] = [];
  const children: ChildProcess[] = [];
  const queue = async (options: Partial<import("../../src/server/team/stepQueue.js").StepQueueOptions> = {}) => {
    const q = await mod.StepQueue.open({ connectionString: db.url, retryDelaySeconds: 1, ...options });
    open.push(q);
    return q;
  };

  beforeAll(async () => {
    mod = await import("../../src/server/team/stepQueue.js");
    db = await freshDatabase("stepqueue");
  });
  afterEach(async () => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
    for (const q of open.splice(0)) await q.close().catch(() => {});
    // Each test starts from an empty queue.
    const pg = (await import("pg")).default;
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    await c.query("DELETE FROM retake_queue.job").catch(() => {});
    await c.end();
  });
  afterAll(async () => {
    await db?.drop();
  });

  interface Ev { e: string; step?: Step; at: number; pid: number }
  function startWorker(runMs: number): Promise<{ proc: ChildProcess; events: Ev[]; next: (test: (ev: Ev) => boolean, ms: number) => Promise<Ev> }> {
    const proc = spawn(process.execPath, ["--import", "tsx", workerScript, db.url, String(runMs)], { stdio: ["ignore", "pipe", "inherit"] });
    children.push(proc);
    const events: Ev[] = [];
    const waiters = new Set<(ev: Ev) => boolean>();
    readline.createInterface({ input: proc.stdout! }).on("line", (line) => {
      const ev = JSON.parse(line) as Ev;
      events.push(ev);
      for (const w of [...waiters]) if (w(ev)) waiters.delete(w);
    });
    const next = (test: (ev: Ev) => boolean, ms: number) =>
      new Promise<Ev>((resolve, reject) => {
        const found = events.find(test);
        if (found) return resolve(found);
        const timer = setTimeout(() => reject(new Error(`no matching worker event within ${ms} ms; saw ${JSON.stringify(events)}`)), ms);
        waiters.add((ev) => (test(ev) ? (clearTimeout(timer), resolve(ev), true) : false));
      });
    return next((ev) => ev.e === "ready", 60_000).then(() => ({ proc, events, next }));
  }

  it("runs a step enqueued twice once", async () => {
    const q = await queue();
    await q.start(take(1), { priority: "draft", editor: "ann" });
    await q.start(take(1), { priority: "final", editor: "ann" });
    const ran: string[] = [];
    await q.work(async (step) => void ran.push(JSON.stringify(step)), { concurrency: 2 });
    await sleep(4000);
    expect(ran).toEqual([JSON.stringify(take(1))]);
  });

  it("runs finals before drafts", async () => {
    const q = await queue();
    for (let i = 0; i < 3; i++) await q.start(take(`d${i}`), { priority: "draft", editor: "ann" });
    await q.start(take("final"), { priority: "final", editor: "ann" });
    const ran: string[] = [];
    await q.work(async (step) => void ran.push(step.kind === "take" ? step.takeId : step.kind), { concurrency: 1 });
    for (let i = 0; i < 40 && ran.length < 4; i++) await sleep(250);
    expect(ran[0]).toBe("tfinal");
    expect(ran).toHaveLength(4);
  });

  it("shares workers between editors: one editor's 30 drafts do not starve another's 1", async () => {
    const q = await queue({ editorConcurrency: 1 });
    for (let i = 0; i < 30; i++) await q.start(take(`ann${i}`), { priority: "draft", editor: "ann" });
    await q.start(take("bob0"), { priority: "draft", editor: "bob" });
    const order: string[] = [];
    await q.work(async (step) => {
      order.push(step.kind === "take" ? step.takeId : step.kind);
      await sleep(500);
    }, { concurrency: 2 });
    for (let i = 0; i < 60 && !order.includes("tbob0"); i++) await sleep(250);
    // Without fair share bob's draft, enqueued last, would be the 31st to run (15 s here).
    expect(order.indexOf("tbob0")).toBeGreaterThanOrEqual(0);
    expect(order.indexOf("tbob0")).toBeLessThan(4);
  });

  it("retries a thrown step with backoff, and dead-letters a step that says not to retry; an admin redrives it", async () => {
    const q = await queue({ retryLimit: 2 });
    const attempts = new Map<string, number[]>();
    let refuse = true;
    await q.work(async (step) => {
      const id = step.kind === "take" ? step.takeId : step.kind;
      attempts.set(id, [...(attempts.get(id) ?? []), Date.now()]);
      if (id === "tflaky" && attempts.get(id)!.length < 3) throw new Error("provider 503");
      if (id === "trefused" && refuse) throw new mod.DoNotRetry("prompt refused by the provider");
    }, { concurrency: 2 });
    await q.start(take("flaky"), { priority: "draft", editor: "ann" });
    await q.start(take("refused"), { priority: "draft", editor: "bob" });
    for (let i = 0; i < 80 && (attempts.get("tflaky")?.length ?? 0) < 3; i++) await sleep(250);
    const flaky = attempts.get("tflaky")!;
    expect(flaky).toHaveLength(3);
    expect(flaky[2]! - flaky[1]!).toBeGreaterThanOrEqual(1000); // backoff, not a hot loop
    expect(attempts.get("trefused")).toHaveLength(1);

    const dead = await q.deadLetters();
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ step: take("refused"), editor: "bob", priority: "draft", error: "prompt refused by the provider" });

    refuse = false;
    expect(await q.redrive(dead[0]!.id)).toBe(true);
    for (let i = 0; i < 40 && attempts.get("trefused")!.length < 2; i++) await sleep(250);
    expect(attempts.get("trefused")).toHaveLength(2);
    expect(await q.deadLetters()).toEqual([]);
    expect(await q.redrive(dead[0]!.id)).toBe(false);
  });

  it("dead-letters a step that failed all its retries", async () => {
    const q = await queue({ retryLimit: 1 });
    let runs = 0;
    await q.work(async () => {
      runs++;
      throw new Error("conform crashed");
    }, { concurrency: 1 });
    await q.start({ kind: "loop", jobId: "j9" }, { priority: "final", editor: null });
    let dead: Awaited<ReturnType<Q["deadLetters"]>> = [];
    for (let i = 0; i < 60 && dead.length === 0; i++) {
      await sleep(250);
      dead = await q.deadLetters();
    }
    expect(runs).toBe(2);
    expect(dead).toMatchObject([{ step: { kind: "loop", jobId: "j9" }, editor: null, priority: "final" }]);
  });

  it("cancel from this process aborts the handler running in another", async () => {
    const w = await startWorker(60_000);
    const q = await queue();
    await q.start(take("long"), { priority: "draft", editor: "ann" });
    await w.next((ev) => ev.e === "start", 20_000);
    const cancelledAt = Date.now();
    await q.cancel(take("long"));
    const aborted = await w.next((ev) => ev.e === "abort", 10_000);
    expect(aborted.at - cancelledAt).toBeLessThan(3000);
    // Cancelled, not failed: it is not retried and not dead-lettered.
    await sleep(3000);
    expect(w.events.filter((ev) => ev.e === "start")).toHaveLength(1);
    expect(await q.deadLetters()).toEqual([]);
  });

  it("a long step is not taken twice while its worker lives; after SIGKILL another worker takes it within 25 s", async () => {
    const a = await startWorker(120_000);
    const b = await startWorker(120_000);
    const q = await queue();
    await q.start(take("conform4k"), { priority: "final", editor: "ann" });
    const first = await Promise.race([a.next((ev) => ev.e === "start", 20_000), b.next((ev) => ev.e === "start", 20_000)]);
    const [runner, other] = first.pid === a.proc.pid ? [a, b] : [b, a];
    // Longer than the heartbeat (10 s) and the monitor (5 s) together: alive, so not taken again.
    await sleep(17_000);
    expect(other.events.filter((ev) => ev.e === "start")).toEqual([]);
    const killedAt = Date.now();
    runner.proc.kill("SIGKILL");
    const again = await other.next((ev) => ev.e === "start", 40_000);
    expect(again.step).toEqual(take("conform4k"));
    expect(again.at - killedAt).toBeLessThan(25_000);
    console.log(`SIGKILL → other worker starts the step: ${again.at - killedAt} ms`);
  });
});
