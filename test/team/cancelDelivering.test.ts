/**
 * Team mode's cancel on the real queue: an API process's director and a worker's director, each
 * with its own pg-boss connection, over one PostgreSQL ledger. The cancel reaches the worker only
 * through the database (as between two machines). A take whose generation the provider finished
 * lands, delivered and paid; one still generating is canceled and its step stops.
 * pg-boss 12 needs Node ≥ 22.12: skipped on older Node (see stepQueue.test.ts).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { TERMINAL_TAKE_STATES, type Job } from "../../src/core/schemas/index.js";
import { Director } from "../../src/server/director/director.js";
import { JobEvents } from "../../src/server/director/jobEvents.js";
import { SPARED_MESSAGE } from "../../src/server/director/jobLifecycle.js";
import { FrameStore } from "../../src/server/files/frameStore.js";
import type { KyselyStore } from "../../src/server/ledger/kyselyStore.js";
import { LumaProvider } from "../../src/server/providers/luma/lumaProvider.js";
import { ProviderRegistry } from "../../src/server/providers/provider.js";
import type { StepQueue } from "../../src/server/team/stepQueue.js";
import { nodeAtLeast } from "../../src/server/team/nodeVersion.js";
import { FAST, LUMA_BASE, LUMA_KEY } from "../contract/providerHarness.js";
import { makeStillPng, sequenceContext, waitFor } from "../helpers/backend.js";
import { heldLuma } from "../helpers/heldLuma.js";
import { testStore, type TestStore } from "../helpers/stores.js";

const canRun = nodeAtLeast(process.version);
const server = setupServer();

describe.skipIf(!canRun)(`a cancel through another process on the team queue (needs Node ≥ 22.12; this is ${process.version})`, () => {
  let ledger: TestStore;
  let dataDir: string;
  /** What to close at the end: the queues, the worker's store connection. */
  const closers: Array<() => Promise<void>> = [];
  let apiDirector: Director;
  let frameId: string;

  const director = (store: KyselyStore, steps: StepQueue) =>
    new Director({ store, steps, events: new JobEvents(), dataDir, providers: new ProviderRegistry([new LumaProvider({ apiKey: LUMA_KEY, baseUrl: LUMA_BASE, ...FAST })]) });

  beforeAll(async () => {
    server.listen({ onUnhandledRequest: "bypass" });
    ledger = await testStore("postgres");
    const url = (ledger.location as { databaseUrl: string }).databaseUrl;
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-team-cancel-"));
    const { StepQueue } = await import("../../src/server/team/stepQueue.js");
    const [apiQueue, workerQueue] = [await StepQueue.open({ connectionString: url }), await StepQueue.open({ connectionString: url })];
    closers.push(() => apiQueue.close(), () => workerQueue.close());
    // The worker: its own store connection and director, taking steps from the queue.
    const workerStore = await ledger.reopen();
    const worker = director(workerStore, workerQueue);
    await workerQueue.work(worker.handler, { concurrency: 2 });
    apiDirector = director(ledger.store, apiQueue);
    frameId = (await new FrameStore(ledger.store, dataDir).save(makeStillPng(), sequenceContext(), "insert")).frameId;
    closers.push(() => workerStore.close());
  });
  afterEach(() => server.resetHandlers());
  afterAll(async () => {
    server.close();
    for (const close of closers) await close().catch(() => undefined);
    await ledger?.dispose();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const settled = (jobId: string) =>
    waitFor(async () => {
      const job = (await ledger.store.getJob(jobId))!;
      return job.takes.every((t) => TERMINAL_TAKE_STATES.has(t.state)) ? job : undefined;
    }, 120_000, 50) as Promise<Job>;

  it("spares the take the worker is downloading: the API's cancel says it will land, and it lands with its cost", async () => {
    const luma = heldLuma(server, "gen-team-paid", 1);
    const job = await apiDirector.createJob({ frameId, provider: "luma", mode: "draft", duration: 5, prompt: "Gulls over the pier", annotations: [] });
    await luma.downloading;
    const answer = await apiDirector.cancelJob(job.id);
    expect(answer.takes[0]).toMatchObject({ message: SPARED_MESSAGE, generated: { providerJobId: "gen-team-paid" } });
    // Longer than the worker's heartbeat (1 s), through which a queue cancel would have aborted it.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    luma.release();
    const done = await settled(job.id);
    expect(done.canceled).toBe(true);
    expect(done.takes[0]).toMatchObject({ state: "succeeded", cost: { usd: 0.15 } });
  });

  it("cancels a take still generating: canceled in the ledger, and the worker's step stops polling", async () => {
    const luma = heldLuma(server, "gen-team-early", Infinity);
    const job = await apiDirector.createJob({ frameId, provider: "luma", mode: "draft", duration: 5, prompt: "Gulls over the pier", annotations: [] });
    await waitFor(async () => ((await ledger.store.getTake(job.takes[0]!.id))!.state === "running" ? true : undefined), 30_000, 20);
    expect((await apiDirector.cancelJob(job.id)).takes[0]!.state).toBe("canceled");
    // The worker hears the cancel on its next heartbeat; its step then stops polling Luma.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const polls = luma.polls;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(luma.polls - polls).toBe(0);
    expect((await ledger.store.getTake(job.takes[0]!.id))!.state).toBe("canceled");
  });
});
