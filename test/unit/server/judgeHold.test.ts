import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CreateJobRequest, type Job } from "../../../src/core/schemas/index.js";
import { Critique } from "../../../src/server/critic/critiqueSchema.js";
import { createJudge } from "../../../src/server/critic/judge/createJudge.js";
import { estimateJudgeUsd } from "../../../src/server/critic/judge/runJudge.js";
import { Director } from "../../../src/server/director/director.js";
import { JobEvents } from "../../../src/server/director/jobEvents.js";
import type { KyselyStore } from "../../../src/server/ledger/kyselyStore.js";
import { LumaProvider } from "../../../src/server/providers/luma/lumaProvider.js";
import { PrevizProvider } from "../../../src/server/providers/previz/previzProvider.js";
import { ProviderRegistry } from "../../../src/server/providers/provider.js";
import { makeStillPng, waitFor } from "../../helpers/backend.js";
import { GEMINI_TEST_BASE, GEMINI_TEST_KEY, geminiAnswer, geminiHandlers } from "../../helpers/geminiStandIn.js";
import { DIALECTS, makeJob, testStore, type TestStore } from "../../helpers/stores.js";
import { FAST, LUMA_BASE, LUMA_KEY } from "../../contract/providerHarness.js";

/**
 * The judge's estimate is held in a take's cost from its creation, so while the take is in flight
 * every other job's budget check counts it; once the judge has looked its counted cost replaces the
 * hold exactly, and a take the judge never looks at (canceled) carries no judge cost at all.
 * On both databases, a Director over a real store; Luma and Gemini are msw at HTTP.
 */

const ANSWER = { subject: { verdict: "yes", confidence: 0.9, note: "there" }, action: { verdict: "yes", confidence: 0.9, note: "done" }, artefacts: [] };
const server = setupServer(
  http.post(`${LUMA_BASE}/generations`, () => HttpResponse.json({ id: `gen-${Math.random().toString(36).slice(2)}`, state: "queued" })),
  // Luma's takes stay queued: in flight for as long as the test reads their spend.
  http.get(`${LUMA_BASE}/generations/:id`, ({ params }) => HttpResponse.json({ id: params.id, state: "queued" })),
  http.delete(`${LUMA_BASE}/generations/:id`, () => new HttpResponse(null, { status: 204 })),
  ...geminiHandlers([{ json: geminiAnswer(ANSWER) }]),
);
beforeAll(() => server.listen({ onUnhandledRequest: "bypass" }));
afterAll(() => server.close());

describe.each(DIALECTS)("the judge's hold on %s", (dialect) => {
  let t: TestStore;
  let store: KyselyStore;
  let director: Director;
  let dataDir: string;
  let framePath: string;
  let perTakeUsd: number;
  let judgeUsd: number;
  const judge = createJudge({ gemini: { apiKey: GEMINI_TEST_KEY, baseUrl: GEMINI_TEST_BASE } })!;

  beforeAll(async () => {
    t = await testStore(dialect);
    store = t.store;
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-judgehold-"));
    framePath = path.join(dataDir, "frame.png");
    fs.writeFileSync(framePath, makeStillPng());
    director = new Director({
      store,
      providers: new ProviderRegistry([new LumaProvider({ apiKey: LUMA_KEY, baseUrl: LUMA_BASE, ...FAST }), new PrevizProvider()]),
      events: new JobEvents(),
      dataDir,
      budget: { perJobUsd: 10, dailyCapUsd: 100, confirmAboveUsd: 5 },
      judge,
    });
    perTakeUsd = new LumaProvider({ apiKey: LUMA_KEY, baseUrl: LUMA_BASE }).estimateCost({ mode: "draft", model: "ray-3.2", duration: 2 }).usd;
    judgeUsd = estimateJudgeUsd(judge, { width: 1920, height: 1080, withStartFrame: true }).usd;
    expect(judgeUsd).toBeGreaterThan(0);
  });
  afterAll(async () => {
    director?.stopAll();
    await director?.settle(3000);
    await t?.dispose();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function frameIn(project: string): Promise<string> {
    await store.setProjectSettings(project, { judge: true });
    const frame = makeJob({ project }).frame;
    await store.insertFrame(frame, framePath);
    return frame.frameId;
  }
  const usd = (v: number) => `$${v.toFixed(2)}`;

  it("counts an in-flight take's judge estimate in every other job's check, and releases it when the take is canceled", async () => {
    const project = "Held project";
    const first = await director.createJob(CreateJobRequest.parse({ frameId: await frameIn(project), provider: "luma", mode: "draft", duration: 2 }));
    // In flight: the take's cost is its generation's and the judge's estimate, and the ledger sums it.
    expect(first.takes[0]!.cost).toEqual({ usd: expect.closeTo(perTakeUsd + judgeUsd, 9), estimated: true });
    expect(await store.spentInJob(first.id)).toBeCloseTo(perTakeUsd + judgeUsd, 9);

    // The studio's day leaves room for one more generation and half a judge's look: a second job
    // (generation + judge) fits only if the first take's hold were not counted.
    const spentToday = await store.spentOn(new Date().toISOString().slice(0, 10));
    const limitUsd = spentToday + perTakeUsd + judgeUsd / 2;
    await store.setBudget({ scope: "studio", key: "", period: "day", limitUsd, updatedAt: new Date().toISOString() });
    try {
      const refused = await director.createJob(CreateJobRequest.parse({ frameId: await frameIn(project), provider: "luma", mode: "draft", duration: 2 })).catch((e: unknown) => e);
      expect(refused).toMatchObject({ status: 402, code: "over_budget" });
      expect((refused as Error).message).toBe(
        `The studio's daily budget is ${usd(limitUsd)}; ${usd(spentToday)} is spent today; this job would cost ${usd(perTakeUsd + judgeUsd)}. Ask an admin to raise it, or wait for the next day (UTC).`,
      );
    } finally {
      await store.removeBudget("studio", "", "day");
    }

    // Canceled once sent: the judge will never look, so its hold goes; the generation stays (Luma may charge it).
    await waitFor(async () => ((await store.getTake(first.takes[0]!.id))?.providerJobId ? true : undefined));
    await director.cancelJob(first.id);
    const canceled = (await store.getTake(first.takes[0]!.id))!;
    expect(canceled.state).toBe("canceled");
    expect(canceled.cost).toEqual({ usd: perTakeUsd, estimated: true });
    expect(canceled.judgeHeld).toBeUndefined();
    expect(await store.spentInJob(first.id)).toBeCloseTo(perTakeUsd, 9);
  });

  it("holds the judge's estimate in a retried take's cost beside what its first attempt cost", async () => {
    const project = "Retried hold";
    await store.setProjectSettings(project, { judge: true });
    const job = makeJob({
      createdAt: new Date().toISOString(),
      project,
      takes: [{ state: "failed", providerJobId: null, message: "Failed", error: { code: "rate_limited", message: "Luma kept answering 429.", retryable: true }, cost: { usd: 0.1, estimated: false } }],
    });
    await store.insertFrame(job.frame, framePath);
    await store.insertJob(job);
    const retried = await director.retryTake(job.takes[0]!.id);
    expect(retried.cost).toEqual({ usd: expect.closeTo(0.1 + perTakeUsd + judgeUsd, 9), estimated: true });
    expect(retried.judgeHeld).toEqual({ usd: judgeUsd, generationEstimated: true });
    expect(await store.spentInJob(job.id)).toBeCloseTo(0.1 + perTakeUsd + judgeUsd, 9);
    await director.cancelJob(job.id);
    // Canceled: the first attempt's cost and (once sent) the generation stay, the judge's hold goes.
    const after = (await store.getTake(job.takes[0]!.id))!;
    expect(after.judgeHeld).toBeUndefined();
    expect([0.1, 0.1 + perTakeUsd].map((v) => Math.round(v * 1e6))).toContain(Math.round(after.cost.usd * 1e6));
  });

  it("replaces the hold with exactly what the judge counted once it has looked", async () => {
    const job = await director.createJob(CreateJobRequest.parse({ frameId: await frameIn("Judged hold"), provider: "previz", mode: "draft", duration: 2, prompt: "A test pattern" }));
    // previz is free: in flight, the take's cost is the judge's hold alone.
    expect(job.takes[0]!.cost).toEqual({ usd: judgeUsd, estimated: true });
    const done = await waitFor(async () => {
      const j: Job | undefined = await store.getJob(job.id);
      return j?.takes[0]?.state === "succeeded" || j?.takes[0]?.state === "failed" ? j : undefined;
    }, 240_000, 200);
    const take = done.takes[0]!;
    expect(take.state).toBe("succeeded");
    const counted = Critique.parse(take.critique).judge!.cost.usd;
    expect(counted).toBeGreaterThan(0);
    expect(counted).toBeLessThan(judgeUsd);
    expect(take.cost).toEqual({ usd: counted, estimated: true });
    expect(take.judgeHeld).toBeUndefined();
    expect(await store.spentInJob(job.id)).toBeCloseTo(counted, 9);
  });

  it("judges a take whose job budget was sized to its hold: the take's own hold is room for its look, not spend against it", async () => {
    const budgetUsd = judgeUsd * 1.2;
    const job = await director.createJob(CreateJobRequest.parse({ frameId: await frameIn("Tight hold"), provider: "previz", mode: "draft", duration: 2, prompt: "A test pattern", budgetUsd }));
    const done = await waitFor(async () => {
      const j: Job | undefined = await store.getJob(job.id);
      return j?.takes[0]?.state === "succeeded" || j?.takes[0]?.state === "failed" ? j : undefined;
    }, 240_000, 200);
    const judged = Critique.parse(done.takes[0]!.critique).judge!;
    expect(judged.error ?? null).toBeNull();
    expect(judged.state).toBe("judged");
    expect(done.takes[0]!.cost.usd).toBe(judged.cost.usd);
  });
});
