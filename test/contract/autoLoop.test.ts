import { describe, expect, it } from "vitest";
import type { Job, JobEvent } from "../../src/core/schemas/index.js";
import { Critique } from "../../src/server/critic/critiqueSchema.js";
import { openStore } from "../../src/server/ledger/openStore.js";
import { sequenceContext, waitFor } from "../helpers/backend.js";
import { texturedStillPng } from "../helpers/fakeVideoModel.js";
import { readSse } from "../helpers/sse.js";
import { api, getJob, modelTestBed, startProviderBackend, stopBackend, TOKEN, uploadFrame, type TestBackend } from "./providerHarness.js";

/**
 * The reasoning loop end to end: a real backend drafts on "Luma" (msw at Luma's documented API,
 * a fake model that really renders what the prompt asks, with habits), the real critic scores
 * every take against the direction, and the director refines within the budget until the best
 * take reaches the target. Every decision must be visible in the job's log.
 */

const bed = modelTestBed();

/** Pan right by 35% of the frame from 1 s to 4 s of a 5 s take. */
const PAN = { id: "pan", kind: "cameraMove", from: { x: 0.3, y: 0.5 }, to: { x: 0.65, y: 0.5 }, start: 1, end: 4 } as const;

async function createAutoJob(target: TestBackend, body: Record<string, unknown>): Promise<Response> {
  const frameId = await uploadFrame(target, sequenceContext(), texturedStillPng());
  return api(target, "/v1/jobs", { body: { frameId, provider: "luma", mode: "draft", duration: 5, prompt: "Dunes at dusk", annotations: [PAN], ...body } });
}

function loopDone(target: TestBackend, id: string, timeoutMs = 240_000): Promise<Job> {
  return waitFor(async () => {
    const job = await getJob(target, id);
    return job.loop?.state === "done" && job.takes.every((t) => ["succeeded", "failed", "canceled"].includes(t.state)) ? job : undefined;
  }, timeoutMs, 50);
}

const score = (take: Job["takes"][number]) => Critique.parse(take.critique).score;

describe("auto mode: draft, score, refine", () => {
  it("corrects a model that pans half as far and a second late: round 2 asks twice the pan a second early, and reaches the target", async () => {
    const model = bed.startModel({ undershoot: 0.5, lateBy: 1 });
    const res = await createAutoJob(bed.backend, { count: 2, auto: { target: 85, rounds: 2 } });
    expect(res.status, await res.clone().text()).toBe(201);
    const created = (await res.json()) as Job;
    expect(created.auto).toEqual({ target: 85, rounds: 2 });
    expect(created.loop).toMatchObject({ state: "running", round: 0 });
    expect(created.budgetLimitUsd).toBe(10);
    // Round 1 varies the wording (Luma takes no seed; the seeds are recorded all the same).
    expect(created.takes.map((t) => t.variant?.wording)).toEqual(["plain", "cameraFirst"]);

    const job = await loopDone(bed.backend, created.id);
    const round1 = job.takes.filter((t) => t.iteration === 0);
    const round2 = job.takes.filter((t) => t.iteration === 1);
    expect(round1).toHaveLength(2);
    expect(round2).toHaveLength(2);
    expect(job.takes.filter((t) => t.iteration > 1)).toHaveLength(0);
    for (const take of round1) expect(score(take)).toBeLessThan(85);

    // What round 2 was asked: the pan about twice as long, about a second earlier, and why.
    const parent = job.takes.find((t) => t.id === round2[0]!.variant!.refines)!;
    expect(parent.iteration).toBe(0);
    const emphasis = round2[0]!.variant!.emphasis.find((e) => e.annotationId === "pan")!;
    expect(emphasis.amount).toBeGreaterThan(1.7);
    expect(emphasis.amount).toBeLessThan(2.3);
    expect(emphasis.lead).toBeGreaterThan(0.75);
    expect(emphasis.lead).toBeLessThan(1.25);
    expect(round2[0]!.variant!.changes.join(" ")).toMatch(/pan right asked \d+% stronger than drawn \(take \d moved \d+% short\)/);
    const sent = model.requests.slice(2).map((r) => r.prompt);
    expect(sent[0]).toMatch(/pan right \((6\d|7\d)% of frame\) from 0\.\d s to 3\.\d s/);

    // The refined takes land where the editor drew, and the loop stops on the target.
    const best = Math.max(...round2.map(score));
    expect(best).toBeGreaterThanOrEqual(85);
    expect(job.loop).toMatchObject({ state: "done", round: 1, stop: "target" });
    expect(round2.map((t) => t.id)).toContain(job.loop!.best!.takeId);

    // The reasoning, in order, in plain words.
    const log = job.log!.map((l) => `${l.kind}: ${l.text}`);
    expect(log[0]).toMatch(/^round: Round 1: drafting 2 takes on Luma Ray 3\.2/);
    expect(log[1]).toMatch(/^score: Round 1 scored: take \d \d+ \(Pan right as asked but \d+% short/);
    expect(log[2]).toMatch(/^refine: Round 2 refines take \d \(\d+, target 85\): the pan right asked \d+% stronger than drawn/);
    expect(log[3]).toMatch(/^score: Round 2 scored/);
    expect(log[4]).toMatch(/^stop: Done: take \d scores \d+, at or over the target of 85\./);
    expect(job.log!.map((l) => l.seq)).toEqual([...job.log!.map((l) => l.seq)].sort((a, b) => a - b));
  });

  it("never spends past the job budget: a round shrinks to what is left, then the loop stops and says why", async () => {
    bed.startModel({ ignoresCamera: true });
    // Luma drafts are $0.15: round 1 spends $0.30 of $0.45, round 2 can afford one take.
    const res = await createAutoJob(bed.backend, { count: 2, budgetUsd: 0.45, auto: { target: 95, rounds: 3 } });
    expect(res.status, await res.clone().text()).toBe(201);
    const job = await loopDone(bed.backend, ((await res.json()) as Job).id);
    expect(job.takes.map((t) => t.iteration)).toEqual([0, 0, 1]);
    const spent = job.takes.reduce((sum, t) => sum + t.cost.usd, 0);
    expect(spent).toBeCloseTo(0.45, 6);
    expect(job.loop).toMatchObject({ state: "done", stop: "budget" });
    const texts = job.log!.map((l) => l.text).join("\n");
    expect(texts).toContain("The budget allows 1 of 2 takes in round 2 ($0.15 each, $0.15 left).");
    expect(texts).toMatch(/Stopped: another take costs \$0\.15 and the job's budget leaves \$0\.00; the best is take \d at \d+\./);
    // A model that ignores the camera: the corrections grow but are capped (3× at most).
    const third = job.takes[2]!.variant!.emphasis.find((e) => e.annotationId === "pan")!;
    expect(third.amount).toBeLessThanOrEqual(3);
  });

  it("refuses auto mode for finals, with the way to get one", async () => {
    const res = await createAutoJob(bed.backend, { mode: "final", auto: {} });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatchObject({ code: "auto_needs_drafts", field: "auto" });
  });

  it("defaults to 4 takes a round, target 80 and 2 refinement rounds", async () => {
    bed.startModel({});
    // The estimate reads the same defaults: 4 drafts a round at $0.15, up to 3 rounds.
    const estimate = await (await api(bed.backend, "/v1/estimate", { body: { provider: "luma", mode: "draft", duration: 5, auto: {} } })).json();
    expect(estimate).toMatchObject({ total: { usd: 0.6 }, maxTotal: { usd: 1.8 } });
    const res = await createAutoJob(bed.backend, { auto: {} });
    const job = (await res.json()) as Job;
    expect(job.count).toBe(4);
    expect(job.takes).toHaveLength(4);
    expect(job.auto).toEqual({ target: 80, rounds: 2 });
    // A model that does what it is asked reaches 80 in round 1: nothing to refine.
    const done = await loopDone(bed.backend, job.id);
    expect(done.loop).toMatchObject({ stop: "target", round: 0 });
    expect(done.takes).toHaveLength(4);
  });

  it("cancel mid-round stops the loop: no further round, the log says so, the event stream ends", async () => {
    const model = bed.startModel({ undershoot: 0.4 });
    model.hold(true);
    const res = await createAutoJob(bed.backend, { count: 2, auto: { target: 99, rounds: 2 } });
    const created = (await res.json()) as Job;
    await waitFor(async () => ((await getJob(bed.backend, created.id)).takes.every((t) => t.providerJobId) ? true : undefined));
    const canceled = (await (await api(bed.backend, `/v1/jobs/${created.id}/cancel`, { method: "POST" })).json()) as Job;
    expect(canceled.loop).toMatchObject({ state: "done", stop: "canceled" });
    model.hold(false);
    const events = await readEvents(bed.backend, created.id);
    expect(events.at(-1)).toBe("done");
    const job = await getJob(bed.backend, created.id);
    expect(job.takes).toHaveLength(2);
    expect(job.takes.every((t) => t.state === "canceled")).toBe(true);
    expect(job.log!.at(-1)!.text).toBe("Stopped: canceled by the editor during round 1.");
  });
});

describe("auto mode: events and restarts", () => {
  it("the event stream stays open between rounds and carries the log; `done` comes once the loop is done", async () => {
    bed.startModel({ undershoot: 0.5, lateBy: 1 });
    const res = await createAutoJob(bed.backend, { count: 1, auto: { target: 85, rounds: 1 } });
    const created = (await res.json()) as Job;
    const received: JobEvent[] = [];
    // Listening on for a second after `done`: it is the last thing said, and said once.
    const types = await readEvents(bed.backend, created.id, received, undefined, 1000);
    expect(types.at(-1)).toBe("done");
    expect(types.filter((t) => t === "done")).toHaveLength(1);
    const job = await getJob(bed.backend, created.id);
    // Every log line and every take of both rounds reached the stream before `done`.
    const logSeqs = received.filter((e) => e.type === "log").map((e) => (e as Extract<JobEvent, { type: "log" }>).entry.seq);
    expect(logSeqs).toEqual(job.log!.map((l) => l.seq));
    const takeIds = new Set(received.filter((e) => e.type === "take").map((e) => (e as Extract<JobEvent, { type: "take" }>).take.id));
    expect(takeIds).toEqual(new Set(job.takes.map((t) => t.id)));
    expect(job.takes.map((t) => t.iteration)).toEqual([0, 1]);
    const jobEvents = received.filter((e) => e.type === "job") as Extract<JobEvent, { type: "job" }>[];
    expect(jobEvents.at(-1)!.job.loop?.state).toBe("done");

    // A client that reconnects after the first log line gets the rest, in order, and `done`.
    const replay: JobEvent[] = [];
    await readEvents(bed.backend, created.id, replay, job.log![0]!.seq);
    const seqs = replay.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(replay.filter((e) => e.type === "log")).toHaveLength(job.log!.length - 1);
    expect(seqs.every((s) => s > job.log![0]!.seq)).toBe(true);
  });

  it("a backend stopped mid-round resumes polling the paid generations on restart and carries on refining", async () => {
    const model = bed.startModel({ undershoot: 0.5, lateBy: 1 });
    model.hold(true);
    const first = await startProviderBackend();
    const res = await createAutoJob(first, { count: 1, auto: { target: 85, rounds: 1 } });
    const created = (await res.json()) as Job;
    await waitFor(async () => ((await getJob(first, created.id)).takes[0]!.providerJobId ? true : undefined));
    const generationId = (await getJob(first, created.id)).takes[0]!.providerJobId;
    await first.close();

    model.hold(false);
    const second = await startProviderBackend({ dataDir: first.dataDir });
    try {
      const job = await loopDone(second, created.id);
      // The first take was never sent twice: the same generation was polled to completion.
      expect(job.takes[0]!.providerJobId).toBe(generationId);
      expect(model.requests).toHaveLength(2);
      expect(job.takes.map((t) => [t.iteration, t.state])).toEqual([
        [0, "succeeded"],
        [1, "succeeded"],
      ]);
      expect(job.log!.map((l) => l.kind)).toEqual(["round", "resume", "score", "refine", "score", "stop"]);
      expect(job.log![1]!.text).toContain("resumed after a backend restart: polling Luma Ray 3.2 for the generation already paid for");
    } finally {
      await stopBackend(second);
    }
  });
});

describe("auto mode: a round that settled just before the backend stopped", () => {
  it("is picked up on the next start: the director decides and drafts the next round", async () => {
    bed.startModel({ undershoot: 0.5, lateBy: 1 });
    const first = await startProviderBackend();
    const created = (await (await createAutoJob(first, { count: 1, auto: { target: 50, rounds: 1 } })).json()) as Job;
    const done = await loopDone(first, created.id);
    expect(done.takes).toHaveLength(1);
    await first.close();
    // As if the backend had stopped after the take settled, before the loop decided: the loop
    // still running in round 1, with a target the take does not reach.
    const ledger = await openStore({ dataDir: first.dataDir });
    await ledger.updateJob(created.id, { loop: { state: "running", round: 0, best: null }, auto: { target: 90, rounds: 1 } } as never);
    await ledger.close();

    const second = await startProviderBackend({ dataDir: first.dataDir });
    try {
      const job = await loopDone(second, created.id);
      expect(job.takes.map((t) => t.iteration)).toEqual([0, 1]);
      expect(job.loop).toMatchObject({ state: "done", round: 1 });
      expect(job.log!.filter((l) => l.kind === "refine")).toHaveLength(1);
    } finally {
      await stopBackend(second);
    }
  });
});

describe("auto mode: nothing paid is lost", () => {
  it("a backend stopped while a submit is in flight records the generation and polls it after the restart, never submitting again", async () => {
    const model = bed.startModel({ submitDelayMs: 250 });
    const first = await startProviderBackend();
    const res = await createAutoJob(first, { count: 1, auto: { target: 10, rounds: 0 } });
    const created = (await res.json()) as Job;
    await waitFor(() => (model.requests.length === 1 ? true : undefined), 10_000, 5);
    await first.close();
    const ledger = await openStore({ dataDir: first.dataDir });
    const recorded = (await ledger.getJob(created.id))!.takes[0]!;
    await ledger.close();
    expect(recorded.providerJobId).toBe("gen-fake-1");

    const second = await startProviderBackend({ dataDir: first.dataDir });
    try {
      const job = await loopDone(second, created.id);
      expect(job.takes[0]).toMatchObject({ state: "succeeded", providerJobId: "gen-fake-1" });
      expect(model.requests).toHaveLength(1);
    } finally {
      await stopBackend(second);
    }
  });

  it("a cancel spares a take the provider has already made: it is delivered, scored and kept", async () => {
    bed.startModel({});
    const res = await createAutoJob(bed.backend, { count: 1, auto: { target: 99, rounds: 2 } });
    const created = (await res.json()) as Job;
    // Cancel the moment the generation is done and the master is being delivered or scored.
    await waitFor(async () => (/Delivering|Scoring/.test((await getJob(bed.backend, created.id)).takes[0]!.message) ? true : undefined), 60_000, 2);
    const canceled = (await (await api(bed.backend, `/v1/jobs/${created.id}/cancel`, { method: "POST" })).json()) as Job;
    expect(canceled.canceled).toBe(true);
    const job = await loopDone(bed.backend, created.id);
    expect(job.takes).toHaveLength(1);
    expect(job.takes[0]).toMatchObject({ state: "succeeded" });
    expect(job.takes[0]!.outputs.master?.colorTags?.agree).toBe(true);
    expect(job.loop).toMatchObject({ state: "done", stop: "canceled", best: { takeId: job.takes[0]!.id } });
    expect(job.log!.find((l) => l.kind === "stop")!.text).toBe("Stopped: canceled by the editor during round 1. Take 1 was already generated: delivered and kept, not thrown away.");
  });

  it("after a failed round, a retried take that scores becomes the loop's best (what Enhance best renders)", async () => {
    const model = bed.startModel({ failWith: "generation_failed" });
    const res = await createAutoJob(bed.backend, { count: 1, auto: { target: 80, rounds: 1 } });
    const created = (await res.json()) as Job;
    const failed = await loopDone(bed.backend, created.id);
    expect(failed.loop).toMatchObject({ stop: "failed", best: null });
    model.setHabits({});
    expect((await api(bed.backend, `/v1/takes/${failed.takes[0]!.id}/retry`, { method: "POST" })).status).toBe(200);
    const job = await waitFor(async () => {
      const j = await getJob(bed.backend, created.id);
      return j.loop?.best ? j : undefined;
    }, 60_000, 50);
    expect(job.takes[0]).toMatchObject({ state: "succeeded", attempt: 1, iteration: 0 });
    expect(job.loop).toMatchObject({ state: "done", stop: "failed", best: { takeId: job.takes[0]!.id } });
  });

  it("a loop whose provider lost its key on restart stops, saying so, instead of waiting forever", async () => {
    bed.startModel({ undershoot: 0.5, lateBy: 1 });
    const first = await startProviderBackend();
    const created = (await (await createAutoJob(first, { count: 1, auto: { target: 50, rounds: 1 } })).json()) as Job;
    await loopDone(first, created.id);
    await first.close();
    const ledger = await openStore({ dataDir: first.dataDir });
    await ledger.updateJob(created.id, { loop: { state: "running", round: 0, best: null }, auto: { target: 90, rounds: 1 } } as never);
    await ledger.close();
    const keyless = await startProviderBackend({ dataDir: first.dataDir }, { luma: false, runway: false });
    try {
      const job = await loopDone(keyless, created.id);
      expect(job.takes).toHaveLength(1);
      expect(job.loop).toMatchObject({ state: "done", stop: "failed" });
      expect(job.log!.at(-1)!.text).toMatch(/^Stopped: Luma Ray 3\.2 is no longer available \(no API key: set LUMA_API_KEY/);
    } finally {
      await stopBackend(keyless);
    }
  });
});

/** Reads a job's event stream until `done`; returns the event names in order, the events into `into`. */
async function readEvents(target: TestBackend, jobId: string, into: JobEvent[] = [], lastEventId?: number, lingerMs?: number): Promise<string[]> {
  const events = await readSse(target.url, `/v1/jobs/${jobId}/events`, {
    headers: { Authorization: `Bearer ${TOKEN}`, ...(lastEventId !== undefined ? { "Last-Event-ID": String(lastEventId) } : {}) },
    ...(lingerMs ? { lingerMs } : {}),
  });
  for (const e of events) if (e.event !== "done") into.push(JSON.parse(e.data) as JobEvent);
  return events.map((e) => e.event);
}
