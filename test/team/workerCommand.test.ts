/**
 * `retake worker` (startTeamWorker, in this process) on the real pg-boss queue and PostgreSQL:
 * - a previz take a cancel spared while it was delivered, whose worker then stopped, ends
 *   canceled saying its render was lost (its render lived in that worker), never failed polling
 *   an id no process knows;
 * - RETAKE_EDITOR_CONCURRENCY reaches the queue: said in the `ready` line, and enforced on the
 *   steps the worker claims.
 * pg-boss 12 needs Node ≥ 22.12: run with PATH=/work/node24/package/bin:$PATH.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TERMINAL_TAKE_STATES, type Take } from "../../src/core/schemas/index.js";
import type { TeamWorker } from "../../src/server/commands/workerCommand.js";
import { Director } from "../../src/server/director/director.js";
import { JobEvents } from "../../src/server/director/jobEvents.js";
import { SPARED_MESSAGE } from "../../src/server/director/jobLifecycle.js";
import { FrameStore } from "../../src/server/files/frameStore.js";
import { PrevizProvider } from "../../src/server/providers/previz/previzProvider.js";
import { ProviderRegistry } from "../../src/server/providers/provider.js";
import type { StepQueue } from "../../src/server/team/stepQueue.js";
import { nodeAtLeast, TEAM_NODE_MINIMUM } from "../../src/server/team/nodeVersion.js";
import { makeStillPng, sequenceContext, waitFor } from "../helpers/backend.js";
import { testStore, type TestStore } from "../helpers/stores.js";

const teamNode = nodeAtLeast(process.version);
const reason = teamNode ? "" : ` (skipped: Node ${process.version} is older than ${TEAM_NODE_MINIMUM}, which the team queue needs)`;
const retakeBin = path.resolve(import.meta.dirname, "../../bin/retake.mjs");

describe.skipIf(!teamNode)(`retake worker on the team queue${reason}`, () => {
  let ledger: TestStore;
  let url: string;
  let dataDir: string;
  let apiQueue: StepQueue;
  let api: Director;
  let frameId: string;
  const closers: Array<() => Promise<void>> = [];

  const startWorker = async (extra: NodeJS.ProcessEnv) => {
    const { startTeamWorker } = await import("../../src/server/commands/workerCommand.js");
    const lines: Array<Record<string, unknown>> = [];
    const worker: TeamWorker = await startTeamWorker({
      env: { RETAKE_DATABASE_URL: url, RETAKE_DATA_DIR: dataDir, RETAKE_WORKER_ID: "w-test", ...extra },
      log: (line) => void lines.push(line),
      retakeBin,
    });
    closers.unshift(() => worker.close());
    return { worker, lines };
  };
  const takeOf = async (id: string) => (await ledger.store.getTake(id))!;

  beforeAll(async () => {
    ledger = await testStore("postgres");
    url = (ledger.location as { databaseUrl: string }).databaseUrl;
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-team-worker-"));
    const { StepQueue } = await import("../../src/server/team/stepQueue.js");
    apiQueue = await StepQueue.open({ connectionString: url });
    closers.push(() => apiQueue.close());
    // The API side: it creates and cancels; it runs no steps.
    api = new Director({ store: ledger.store, steps: apiQueue, events: new JobEvents(), dataDir, providers: new ProviderRegistry([new PrevizProvider()]) });
    frameId = (await new FrameStore(ledger.store, dataDir).save(makeStillPng(), sequenceContext(), "insert")).frameId;
  }, 60_000);

  afterAll(async () => {
    for (const close of closers) await close().catch(() => undefined);
    await ledger?.dispose();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it("ends a spared previz take whose delivering worker stopped as canceled, saying its render was lost", async () => {
    const job = await api.createJob({ frameId, provider: "previz", mode: "draft", count: 1, duration: 2, prompt: "slow push in", annotations: [] });
    const takeId = job.takes[0]!.id;
    // As the ledger stands when a worker had the render done and was downloading it: generated.
    const at = new Date().toISOString();
    await ledger.store.changeTake(takeId, (t): Take => ({ ...t, state: "running", providerJobId: "previz-in-a-gone-worker", generated: { providerJobId: "previz-in-a-gone-worker", at }, updatedAt: at }));
    const canceled = await api.cancelJob(job.id);
    // The editor was told it would land…
    expect(canceled.takes[0]!.message).toBe(SPARED_MESSAGE);
    // …then its worker stopped; the step goes to the next worker, which never saw that render.
    const { worker, lines } = await startWorker({});
    const ended = await waitFor(async () => {
      const take = await takeOf(takeId);
      return TERMINAL_TAKE_STATES.has(take.state) ? take : undefined;
    }, 60_000, 100);
    expect(ended.state).toBe("canceled");
    expect(ended.error).toBeNull();
    expect(ended.message).toBe("Canceled: the worker delivering it stopped, and its render on Previz (local) was lost with it. It cost nothing; draft again to get it back.");
    expect(ended.cost.usd).toBe(0);
    expect(lines.some((l) => l.msg === "step failed")).toBe(false);
    await worker.close();
  }, 120_000);

  it("RETAKE_EDITOR_CONCURRENCY reaches the queue: the ready line says it, and the worker holds an editor to it", async () => {
    const { StepQueue } = await import("../../src/server/team/stepQueue.js");
    // Another worker is running one of ana's steps (its one slot held, so it takes nothing else).
    const other = await StepQueue.open({ connectionString: url });
    closers.unshift(() => other.close());
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let holding = false;
    await other.work(async () => {
      holding = true;
      await held;
    }, { concurrency: 1 });
    await apiQueue.start({ kind: "loop", jobId: "job_held" }, { priority: "draft", editor: "user_ana" });
    await waitFor(() => (holding ? true : undefined), 30_000, 50);

    // This worker allows one running step per editor, with three slots free.
    const { worker, lines } = await startWorker({ RETAKE_EDITOR_CONCURRENCY: "1", RETAKE_WORKER_CONCURRENCY: "3" });
    expect(lines.find((l) => l.msg === "ready")).toMatchObject({ concurrency: 3, editorConcurrency: 1 });
    // ana's next step is queued first, bo's after it: oldest first, unless ana is at her limit.
    await apiQueue.start({ kind: "loop", jobId: "job_ana" }, { priority: "draft", editor: "user_ana" });
    await apiQueue.start({ kind: "loop", jobId: "job_bo" }, { priority: "draft", editor: "user_bo" });
    const ran = (jobId: string) => lines.some((l) => l.msg === "step done" && l.jobId === jobId);
    await waitFor(() => (ran("job_bo") ? true : undefined), 30_000, 50);
    // bo's step ran on a free slot; ana's, older, waits: her one step runs on the other worker.
    expect(lines.some((l) => l.msg === "step started" && l.jobId === "job_ana")).toBe(false);
    expect(await apiQueue.isLive({ kind: "loop", jobId: "job_ana" })).toBe(true);
    // Her held step ends: her next one runs (on whichever worker claims it first).
    release();
    await waitFor(async () => ((await apiQueue.isLive({ kind: "loop", jobId: "job_ana" })) ? undefined : true), 30_000, 100);
    await worker.close();
  }, 120_000);
});
