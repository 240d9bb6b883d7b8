import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { TERMINAL_TAKE_STATES, type Job, type JobEvent } from "../../../src/core/schemas/index.js";
import { Director } from "../../../src/server/director/director.js";
import { InProcessSteps } from "../../../src/server/director/inProcessSteps.js";
import { JobEvents } from "../../../src/server/director/jobEvents.js";
import { SPARED_MESSAGE } from "../../../src/server/director/jobLifecycle.js";
import { FrameStore } from "../../../src/server/files/frameStore.js";
import type { KyselyStore } from "../../../src/server/ledger/kyselyStore.js";
import { LumaProvider } from "../../../src/server/providers/luma/lumaProvider.js";
import { ProviderRegistry } from "../../../src/server/providers/provider.js";
import { makeStillPng, sequenceContext, waitFor } from "../../helpers/backend.js";
import { DIALECTS, testStore, type TestStore } from "../../helpers/stores.js";
import { FAST, LUMA_BASE, LUMA_KEY } from "../../contract/providerHarness.js";
import { heldLuma } from "../../helpers/heldLuma.js";

/**
 * Never lose a paid take, whichever process hears the cancel. Team mode runs a take on a worker
 * while the editor's cancel arrives at an API process: two Directors on one ledger, here. The
 * worker's director runs the take's step; the API's director only records and cancels, and its
 * cancel reaches the running step through the runner they share (as the queue's cancel reaches a
 * worker). Luma is played by msw: its generation completes, and the download is held open so the
 * cancel lands while the take is being delivered.
 */

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: "bypass" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

/** A Luma draft of 5 s: $0.15 (its price list). */
const DRAFT_USD = 0.15;

/** One Retake process's director over the shared ledger: its own providers and event fan-out. */
function processDirector(store: KyselyStore, dataDir: string, steps: InProcessSteps | undefined): { director: Director; events: JobEvents } {
  const events = new JobEvents();
  const providers = new ProviderRegistry([new LumaProvider({ apiKey: LUMA_KEY, baseUrl: LUMA_BASE, ...FAST })]);
  const director = new Director({ store, providers, events, dataDir, ...(steps ? { steps } : {}) });
  return { director, events };
}

function settled(store: KyselyStore, jobId: string): Promise<Job> {
  return waitFor(async () => {
    const job = (await store.getJob(jobId))!;
    return job.takes.every((t) => TERMINAL_TAKE_STATES.has(t.state)) ? job : undefined;
  }, 120_000, 20);
}

describe.each(DIALECTS)("a cancel sent through another process (%s ledger)", (dialect) => {
  let ledger: TestStore;
  let dataDir: string;
  /** The queue both processes share: steps run on the worker's director, a cancel from either reaches them. */
  let queue: InProcessSteps;
  let worker: ReturnType<typeof processDirector>;
  let apiProcess: ReturnType<typeof processDirector>;
  let frameId: string;

  beforeAll(async () => {
    ledger = await testStore(dialect);
    dataDir = "dataDir" in ledger.location ? ledger.location.dataDir : fs.mkdtempSync(path.join(os.tmpdir(), "retake-cancel-"));
    queue = new InProcessSteps((step, context) => worker.director.handler(step, context));
    worker = processDirector(ledger.store, dataDir, queue);
    apiProcess = processDirector(ledger.store, dataDir, queue);
    const frame = await new FrameStore(ledger.store, dataDir).save(makeStillPng(), sequenceContext(), "insert");
    frameId = frame.frameId;
  });
  afterAll(async () => {
    queue.stopAll();
    await queue.settle(5_000);
    await ledger.dispose();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("spares a take the provider has finished: the cancel says it will land, and it lands delivered with its cost counted", async () => {
    const luma = heldLuma(server, "gen-paid", 1);
    const job = await apiProcess.director.createJob({ frameId, provider: "luma", mode: "draft", duration: 5, prompt: "The rider crests the dune", annotations: [] });
    const seen: JobEvent[] = [];
    const unsubscribe = apiProcess.events.subscribe(job.id, (event) => seen.push(event));
    await luma.downloading;

    const answer = await apiProcess.director.cancelJob(job.id);
    expect(answer.canceled).toBe(true);
    expect(answer.takes[0]).toMatchObject({ state: "running", message: SPARED_MESSAGE, generated: { providerJobId: "gen-paid" } });
    // The panel connected to the API process hears why too.
    expect(seen.some((e) => e.type === "take" && e.take.message === SPARED_MESSAGE)).toBe(true);
    unsubscribe();

    luma.release();
    const done = await settled(ledger.store, job.id);
    expect(done.canceled).toBe(true);
    expect(done.takes[0]).toMatchObject({ state: "succeeded", message: "Ready", cost: { usd: DRAFT_USD } });
    expect(done.takes[0]!.outputs.master).toBeDefined();
    expect(await ledger.store.spentInJob(job.id)).toBeCloseTo(DRAFT_USD, 6);
  });

  it("still cancels a take whose generation is not done: it is canceled at once and its step stops polling", async () => {
    const luma = heldLuma(server, "gen-early", Infinity);
    const job = await apiProcess.director.createJob({ frameId, provider: "luma", mode: "draft", duration: 5, prompt: "The rider crests the dune", annotations: [] });
    await waitFor(async () => ((await ledger.store.getTake(job.takes[0]!.id))!.state === "running" ? true : undefined), 20_000, 10);

    const answer = await apiProcess.director.cancelJob(job.id);
    expect(answer.takes[0]).toMatchObject({ state: "canceled" });
    expect(answer.takes[0]!.generated).toBeUndefined();
    const pollsAtCancel = luma.polls;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(luma.polls - pollsAtCancel).toBeLessThanOrEqual(1);
    expect((await ledger.store.getTake(job.takes[0]!.id))!.state).toBe("canceled");
  });

  it("a spared take whose worker stopped mid-download is delivered by the next one, though its job is canceled", async () => {
    const luma = heldLuma(server, "gen-handed", 0);
    const job = await apiProcess.director.createJob({ frameId, provider: "luma", mode: "draft", duration: 5, prompt: "The rider crests the dune", annotations: [] });
    await luma.downloading;
    expect((await apiProcess.director.cancelJob(job.id)).takes[0]!.message).toBe(SPARED_MESSAGE);

    // The worker stops while downloading: its step is interrupted, the take is left as the ledger has it.
    queue.stopAll();
    luma.release();
    await queue.settle(10_000);
    const left = (await ledger.store.getTake(job.takes[0]!.id))!;
    expect(TERMINAL_TAKE_STATES.has(left.state)).toBe(false);
    expect(left.generated).toMatchObject({ providerJobId: "gen-handed" });

    // Another process picks the unfinished work up from the ledger.
    const nextQueue = new InProcessSteps((step, context) => next.director.handler(step, context));
    const next = processDirector(ledger.store, dataDir, nextQueue);
    try {
      expect(await next.director.resumeUnfinished()).toBe(1);
      const done = await settled(ledger.store, job.id);
      expect(done.canceled).toBe(true);
      expect(done.takes[0]).toMatchObject({ state: "succeeded", cost: { usd: DRAFT_USD } });
    } finally {
      nextQueue.stopAll();
      await nextQueue.settle(5_000);
    }
  });
});
