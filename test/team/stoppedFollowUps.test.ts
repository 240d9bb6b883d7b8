/**
 * "Every job ends", for the steps that follow a settled take, on the real pg-boss queue: an auto
 * job whose next-round step (`loop`) the queue gave up on must not show "running" for ever. The
 * failed-steps watch (what every `retake serve` runs) ends its loop in the editor's words, and an
 * admin's redrive sets it running again and the loop goes on from the ledger. The worker here is a
 * real director on its own queue connection whose loop steps fail every time (as a worker missing
 * what the critic needs would), then heal.
 * pg-boss 12 needs Node ≥ 22.12: run with PATH=/work/node24/package/bin:$PATH.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TERMINAL_TAKE_STATES, type Job } from "../../src/core/schemas/index.js";
import { Director } from "../../src/server/director/director.js";
import { JobEvents } from "../../src/server/director/jobEvents.js";
import type { StepHandler } from "../../src/server/director/steps.js";
import { FrameStore } from "../../src/server/files/frameStore.js";
import type { KyselyStore } from "../../src/server/ledger/kyselyStore.js";
import { PrevizProvider } from "../../src/server/providers/previz/previzProvider.js";
import { ProviderRegistry } from "../../src/server/providers/provider.js";
import { failTakesOfDeadSteps, redriveFailedStep } from "../../src/server/team/failedSteps.js";
import type { StepQueue } from "../../src/server/team/stepQueue.js";
import { nodeAtLeast, TEAM_NODE_MINIMUM } from "../../src/server/team/nodeVersion.js";
import { makeStillPng, sequenceContext, waitFor } from "../helpers/backend.js";
import { testStore, type TestStore } from "../helpers/stores.js";

const teamNode = nodeAtLeast(process.version);
const reason = teamNode ? "" : ` (skipped: Node ${process.version} is older than ${TEAM_NODE_MINIMUM}, which the team queue needs)`;

describe.skipIf(!teamNode)(`a given-up auto round ends for the editor and comes back on a redrive${reason}`, () => {
  let ledger: TestStore;
  let dataDir: string;
  const closers: Array<() => Promise<void>> = [];
  let apiDirector: Director;
  let apiQueue: StepQueue;
  const apiEvents = new JobEvents();
  let frameId: string;
  /** The worker's loop steps fail while this is set. */
  let loopBroken = true;
  let loopRuns = 0;
  /** The worker's planned-upscale steps fail while this is set. */
  let upscaleBroken = true;

  const director = (store: KyselyStore, steps: StepQueue, events = new JobEvents()) =>
    new Director({ store, steps, events, dataDir, providers: new ProviderRegistry([new PrevizProvider()]) });

  beforeAll(async () => {
    ledger = await testStore("postgres");
    const url = (ledger.location as { databaseUrl: string }).databaseUrl;
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-team-loopends-"));
    const { StepQueue, DoNotRetry } = await import("../../src/server/team/stepQueue.js");
    apiQueue = await StepQueue.open({ connectionString: url });
    const workerQueue = await StepQueue.open({ connectionString: url });
    closers.push(() => apiQueue.close(), () => workerQueue.close());
    const workerStore = await ledger.reopen();
    closers.push(() => workerStore.close());
    const worker = director(workerStore, workerQueue);
    const handler: StepHandler = async (step, context) => {
      if (step.kind === "loop") {
        loopRuns++;
        if (loopBroken) throw new DoNotRetry("the critic's model is missing on this worker");
      }
      if (step.kind === "upscaleNext" && upscaleBroken) throw new DoNotRetry("the upscaler's disk is full on this worker");
      await worker.handler(step, context);
    };
    await workerQueue.work(handler, { concurrency: 2 });
    apiDirector = director(ledger.store, apiQueue, apiEvents);
    frameId = (await new FrameStore(ledger.store, dataDir).save(makeStillPng(), sequenceContext({ projectName: "Harbour spot" }), "insert")).frameId;
  }, 60_000);

  afterAll(async () => {
    for (const close of closers) await close().catch(() => undefined);
    await ledger?.dispose();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it("stops the loop on the studio service, says so in the reasoning log, and a redrive lets it decide again", async () => {
    const heard: string[] = [];
    const created = await apiDirector.createJob({ frameId, provider: "previz", mode: "draft", count: 1, duration: 2, prompt: "tilt up to the lighthouse", annotations: [], auto: { target: 100, rounds: 1 } });
    apiEvents.subscribe(created.id, (event) => heard.push(event.type === "log" ? event.entry.text : event.type === "job" ? `job ${event.job.loop?.state}` : "take"));

    // Round 1's take lands; its loop step is given up. The watch (what `retake serve` runs) ends the loop.
    const done = new Set<string>();
    const stopped = (await waitFor(async () => {
      await failTakesOfDeadSteps(apiQueue, ledger.store, apiEvents, done);
      const job = (await ledger.store.getJob(created.id))!;
      return job.loop?.state === "done" ? job : undefined;
    }, 120_000, 250)) as Job;
    expect(loopRuns).toBe(1);
    expect(stopped.takes.map((t) => t.state)).toEqual(["succeeded"]);
    // In the words the panel shows for a loop that could not go on, marked as the service's stop.
    expect(stopped.loop).toMatchObject({ state: "done", round: 0, stop: "failed", stoppedOnService: true });
    const line = stopped.log!.at(-1)!;
    expect(line).toMatchObject({ kind: "stop", round: 0 });
    expect(line.text).toBe(
      "Stopped on the studio service after round 1: deciding the next round failed after 1 attempt (the critic's model is missing on this worker). The takes so far are kept; an admin can retry it (Failed steps on the admin page).",
    );
    // Panels heard it: the job no longer "running".
    expect(heard).toContain(line.text);
    expect(heard).toContain("job done");
    // The watch ends it once: a second pass changes nothing.
    expect(await failTakesOfDeadSteps(apiQueue, ledger.store, apiEvents, new Set())).toBe(0);

    // The admin sees it and redrives it: the loop runs again at once, and decides from the ledger.
    const [letter] = await apiQueue.deadLetters();
    expect(letter).toMatchObject({ step: { kind: "loop", jobId: created.id }, attempts: 1, error: "the critic's model is missing on this worker" });
    loopBroken = false;
    const redriven = await redriveFailedStep(letter!.id, apiQueue, ledger.store, apiEvents);
    expect(redriven).toMatchObject({ kind: "loop", jobId: created.id, project: "Harbour spot" });
    const running = (await ledger.store.getJob(created.id))!;
    // Running again (unless the worker already took the step and moved on).
    expect(running.loop?.stoppedOnService).toBeUndefined();
    expect(running.log!.some((l) => l.kind === "resume" && l.text === "Resumed on the studio service: deciding what follows round 1 again.")).toBe(true);

    const finished = (await waitFor(async () => {
      const job = (await ledger.store.getJob(created.id))!;
      return job.loop?.state === "done" && job.takes.every((t) => TERMINAL_TAKE_STATES.has(t.state)) ? job : undefined;
    }, 180_000, 250)) as Job;
    // The loop decided from round 1's take as it would have (previz's take meets the target): its
    // own verdict, after the service's stop and the resume, with nothing drafted twice.
    expect(finished.loop).toMatchObject({ state: "done", stop: "target" });
    expect(finished.log!.map((l) => l.kind)).toEqual(["round", "stop", "resume", "score", "stop"]);
    expect(finished.takes).toHaveLength(1);
    expect(finished.loop?.stoppedOnService).toBeUndefined();
    expect(await apiQueue.deadLetters()).toEqual([]);
  }, 300_000);

  it("records an enhance's planned upscale as not started, saying why, and a redrive starts it", async () => {
    const draft = await apiDirector.createJob({ frameId, provider: "previz", mode: "draft", count: 1, duration: 2, prompt: "pan left along the quay", annotations: [] });
    const take = (await waitFor(async () => {
      const t = (await ledger.store.getTake(draft.takes[0]!.id))!;
      return t.state === "succeeded" ? t : undefined;
    }, 120_000, 250));
    // 1080p from a 320×180 sequence: previz renders the final, then an upscale lifts it.
    const enhanced = await apiDirector.enhance(draft.id, { takeId: take.id, size: "1080p" });
    expect(enhanced.upscaleNext).toMatchObject({ size: "1080p" });

    const done = new Set<string>();
    const stopped = (await waitFor(async () => {
      await failTakesOfDeadSteps(apiQueue, ledger.store, apiEvents, done);
      const job = (await ledger.store.getJob(enhanced.id))!;
      return job.upscaleNext?.refused ? job : undefined;
    }, 120_000, 250)) as Job;
    expect(stopped.takes[0]!.state).toBe("succeeded");
    // The panel says "The final is kept; its upscale was not started: " and this.
    expect(stopped.upscaleNext).toMatchObject({
      refused: "Stopped on the studio service after 1 attempt: the upscaler's disk is full on this worker. An admin can retry it (Failed steps on the admin page).",
      stoppedOnService: true,
    });
    expect(stopped.upscaleNext!.jobId).toBeUndefined();
    expect(stopped.log!.at(-1)!.text).toBe(
      "The final is kept at its own size, but its upscale was not started: Stopped on the studio service after 1 attempt: the upscaler's disk is full on this worker. An admin can retry it (Failed steps on the admin page).",
    );

    const letter = (await apiQueue.deadLetters()).find((l) => l.step.kind === "upscaleNext")!;
    upscaleBroken = false;
    expect(await redriveFailedStep(letter.id, apiQueue, ledger.store, apiEvents)).toMatchObject({ kind: "upscaleNext", jobId: enhanced.id });
    expect((await ledger.store.getJob(enhanced.id))!.upscaleNext?.refused).toBeUndefined();
    const started = (await waitFor(async () => {
      const job = (await ledger.store.getJob(enhanced.id))!;
      return job.upscaleNext?.jobId ? job : undefined;
    }, 120_000, 250)) as Job;
    expect(started.upscaleNext).toMatchObject({ size: "1080p" });
    expect(started.upscaleNext!.stoppedOnService).toBeUndefined();
    const upscale = (await ledger.store.getJob(started.upscaleNext!.jobId!))!;
    expect(upscale.upscaleOf).toEqual({ takeId: stopped.takes[0]!.id, size: "1080p" });
  }, 300_000);
});
