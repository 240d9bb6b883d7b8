import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CostEstimate, SpendTotals, type Job } from "../../../src/core/schemas/index.js";
import { loadConfig } from "../../../src/server/config.js";
import { sequenceContext } from "../../helpers/backend.js";
import { api, LUMA_BASE, LUMA_CDN, makeVideo, settled, startProviderBackend, stopBackend, uploadFrame, type TestBackend } from "../../contract/providerHarness.js";

/** Budgets are the backend's, not only the panel's: a job over them is refused with the figures. */

const server = setupServer();
let backend: TestBackend;
let submits = 0;

beforeAll(async () => {
  server.listen({ onUnhandledRequest: "bypass" });
  backend = await startProviderBackend({ budget: { perJobUsd: 3, dailyCapUsd: 0.5, confirmAboveUsd: 0.25 } });
});
afterEach(() => server.resetHandlers());
afterAll(async () => {
  server.close();
  await stopBackend(backend);
});

function healthyLuma() {
  server.use(
    http.post(`${LUMA_BASE}/generations`, () => {
      submits++;
      return HttpResponse.json({ id: `gen-${submits}`, state: "queued" });
    }),
    http.get(`${LUMA_BASE}/generations/:id`, ({ params }) =>
      HttpResponse.json({ id: params.id, state: "completed", output: [{ type: "video", url: `${LUMA_CDN}/b.mp4` }] }),
    ),
    http.get(`${LUMA_CDN}/b.mp4`, () => new HttpResponse(new Uint8Array(makeVideo("sdr")))),
  );
}

async function post(body: Record<string, unknown>, frameSize = { width: 320, height: 180 }) {
  const frameId = await uploadFrame(backend, sequenceContext({ projectName: "Budget project", frameSize }, "rec2100-pq"));
  return api(backend, "/v1/jobs", { body: { frameId, provider: "luma", duration: 5, ...body } });
}

describe("estimate", () => {
  it("gives per-take and total cost, the budget figures, the price source, and whether to ask first", async () => {
    const draft = CostEstimate.parse(await (await api(backend, "/v1/estimate", { body: { provider: "luma", mode: "draft", duration: 5, count: 1 } })).json());
    expect(draft.perTake).toEqual({ usd: 0.15, estimated: true });
    expect(draft.total.usd).toBe(0.15);
    expect(draft.needsConfirmation).toBe(false);
    expect(draft.refusal).toBeUndefined();
    expect(draft.budget).toMatchObject({ jobUsd: 3, dailyCapUsd: 0.5, confirmAboveUsd: 0.25 });
    expect(draft.pricing?.confirmed).toBe(false);
    expect(draft.pricing?.takenOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);

    const two = CostEstimate.parse(await (await api(backend, "/v1/estimate", { body: { provider: "luma", mode: "draft", duration: 5, count: 2 } })).json());
    expect(two.total.usd).toBe(0.3);
    expect(two.needsConfirmation).toBe(true);

    const final = CostEstimate.parse(await (await api(backend, "/v1/estimate", { body: { provider: "luma", mode: "final", duration: 5, exr: true } })).json());
    expect(final.total.usd).toBe(3.6);
    expect(final.refusal).toMatch(/\$3\.60.*\$3\.00/);
  });

  it("is free for previz and never refused", async () => {
    const est = CostEstimate.parse(await (await api(backend, "/v1/estimate", { body: { provider: "previz", duration: 4, count: 4 } })).json());
    expect(est.total.usd).toBe(0);
    expect(est.needsConfirmation).toBe(false);
    expect(est.refusal).toBeUndefined();
  });
});

describe("enforcement at job creation", () => {
  it("refuses a job over its own budget with the figures, without contacting the provider", async () => {
    healthyLuma();
    const before = submits;
    const res = await post({ mode: "draft", count: 2, budgetUsd: 0.2 });
    expect(res.status).toBe(402);
    const { error } = await res.json();
    expect(error.code).toBe("over_budget");
    expect(error.message).toContain("$0.30");
    expect(error.message).toContain("$0.20");
    expect(submits).toBe(before);
  });

  it("refuses a job over the default per-job budget (the backend's setting, RETAKE_JOB_BUDGET_USD; read from the environment below)", async () => {
    const res = await post({ mode: "final", exr: true }, { width: 1920, height: 1080 });
    expect(res.status).toBe(402);
    expect((await res.json()).error.message).toMatch(/\$3\.60.*budget of \$3\.00/);
  });

  it("counts the day's spend against the daily cap and says how much is left", async () => {
    healthyLuma();
    const ok = await post({ mode: "draft", count: 2 });
    expect(ok.status).toBe(201);
    const job = await settled(backend, ((await ok.json()) as Job).id);
    expect(job.takes.map((t) => t.state)).toEqual(["succeeded", "succeeded"]);

    const over = await post({ mode: "draft", count: 2 });
    expect(over.status).toBe(402);
    const { error } = await over.json();
    expect(error.message).toContain("$0.30 is already spent today");
    expect(error.message).toContain("daily cap is $0.50");

    const spend = SpendTotals.parse(await (await api(backend, "/v1/spend")).json());
    expect(spend.today.usd).toBe(0.3);
    expect(spend.projects).toContainEqual({ project: "Budget project", usd: 0.3 });
    expect(spend.jobs).toContainEqual({ jobId: job.id, usd: 0.3 });
  });
});

describe("settings", () => {
  it("reads budgets from the environment, with sane defaults, and refuses nonsense", () => {
    expect(loadConfig({}).budget).toEqual({ perJobUsd: 10, dailyCapUsd: 50, confirmAboveUsd: 2 });
    expect(loadConfig({ RETAKE_DAILY_CAP_USD: "5", RETAKE_JOB_BUDGET_USD: "1.5" }).budget).toMatchObject({ perJobUsd: 1.5, dailyCapUsd: 5 });
    expect(() => loadConfig({ RETAKE_DAILY_CAP_USD: "lots" })).toThrow(/RETAKE_DAILY_CAP_USD/);
  });
});
