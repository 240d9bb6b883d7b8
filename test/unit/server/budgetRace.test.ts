import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SpendTotals, type Job } from "../../../src/core/schemas/index.js";
import { Budget } from "../../../src/server/director/budget.js";
import { openStore } from "../../../src/server/ledger/openStore.js";
import { BudgetRefusedError } from "../../../src/server/ledger/store.js";
import { sequenceContext } from "../../helpers/backend.js";
import { api, LUMA_BASE, LUMA_CDN, makeVideo, settled, startProviderBackend, stopBackend, uploadFrame, type TestBackend } from "../../contract/providerHarness.js";

/**
 * The daily cap holds when two editors (or two clicks) ask at the same moment: the check runs
 * inside the insert's transaction, so of two jobs that only one fits under, one is made and the
 * other refused with the figures — never both made and the cap overspent.
 */

const server = setupServer();
let backend: TestBackend;
let submits = 0;

beforeAll(async () => {
  server.listen({ onUnhandledRequest: "bypass" });
  server.use(
    http.post(`${LUMA_BASE}/generations`, () => {
      submits++;
      return HttpResponse.json({ id: `gen-${submits}`, state: "queued" });
    }),
    http.get(`${LUMA_BASE}/generations/:id`, ({ params }) =>
      HttpResponse.json({ id: params.id, state: "completed", output: [{ type: "video", url: `${LUMA_CDN}/race.mp4` }] }),
    ),
    http.get(`${LUMA_CDN}/race.mp4`, () => new HttpResponse(new Uint8Array(makeVideo("sdr")))),
  );
  // A Luma draft of 5 s is $0.15: two of them do not fit under a $0.20 cap, one does.
  backend = await startProviderBackend({ budget: { perJobUsd: 3, dailyCapUsd: 0.2, confirmAboveUsd: 1 } });
});
afterAll(async () => {
  server.close();
  await stopBackend(backend);
});

describe("the daily cap under concurrent job requests", () => {
  it("makes one of two simultaneous jobs that only one fits under, and refuses the other with the figures", async () => {
    const frameId = await uploadFrame(backend, sequenceContext({ projectName: "Race project", frameSize: { width: 320, height: 180 } }, "rec709"));
    const body = { frameId, provider: "luma", mode: "draft", duration: 5, count: 1 };
    const answers = await Promise.all([api(backend, "/v1/jobs", { body }), api(backend, "/v1/jobs", { body })]);

    expect(answers.map((r) => r.status).sort()).toEqual([201, 402]);
    const refused = answers.find((r) => r.status === 402)!;
    const { error } = await refused.json();
    expect(error.code).toBe("over_budget");
    expect(error.field).toBe("budgetUsd");
    expect(error.message).toBe(
      "This job would cost $0.15; $0.15 is already spent today, and the daily cap is $0.20 (RETAKE_DAILY_CAP_USD).",
    );

    const made = (await answers.find((r) => r.status === 201)!.json()) as Job;
    const job = await settled(backend, made.id);
    expect(job.takes.map((t) => t.state)).toEqual(["succeeded"]);
    // Only the job that was made reached the provider, and the day's spend is its take alone.
    expect(submits).toBe(1);
    const spend = SpendTotals.parse(await (await api(backend, "/v1/spend")).json());
    expect(spend.today.usd).toBe(0.15);
    expect(spend.jobs).toEqual([{ jobId: made.id, usd: 0.15 }]);
  });
});

/**
 * The same rule at the store: a guarded insert reads the spend inside its own transaction, and a
 * refusal writes nothing. (Over the embedded SQLite store two HTTP requests cannot interleave
 * between check and insert; over PostgreSQL they can, which is why the check lives in the write.)
 */
describe("a guarded insert", () => {
  function job(id: string, usd: number): Job {
    const now = new Date().toISOString();
    const sequence = sequenceContext({ projectName: "Race project" }, "rec709");
    return {
      id, createdAt: now, provider: "luma", model: "ray-flash-2", mode: "draft", count: 1, duration: 5, budgetUsd: null, canceled: false,
      frame: { frameId: `frame_${id}`, capturedAt: now, image: { width: 320, height: 180, mediaType: "image/png", bytes: 1 }, mode: "insert", sequence },
      direction: {
        prompt: "", duration: 5, annotations: [], camera: { keyframes: [{ x: 0.5, y: 0.5, zoom: 1, roll: 0, t: 0, ease: "linear" }] },
        framing: [], subjects: [], holds: [], notes: [], summary: "", conflicts: [],
      },
      takes: [{
        id: `take_${id}`, jobId: id, index: 0, iteration: 0, providerJobId: null, request: null, state: "queued", progress: 0, message: "Queued", error: null,
        outputs: {}, critique: null, cost: { usd, estimated: true }, colorSpace: "rec709", createdAt: now, updatedAt: now,
      }],
    };
  }

  it("lands the first of two jobs that only one fits under and refuses the second with the figures, writing nothing for it", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-race-"));
    const store = await openStore({ dataDir: dir });
    try {
      const budget = new Budget(store, { perJobUsd: 3, dailyCapUsd: 0.2, confirmAboveUsd: 1 });
      const [guardA, guardB] = [await budget.guard(0.15, { count: 1, perTakeUsd: 0.15 }), await budget.guard(0.15, { count: 1, perTakeUsd: 0.15 })];
      const results = await Promise.allSettled([store.insertJob(job("job_a", 0.15), guardA), store.insertJob(job("job_b", 0.15), guardB)]);
      expect(results[0].status).toBe("fulfilled");
      expect(results[1].status).toBe("rejected");
      const reason = (results[1] as PromiseRejectedResult).reason;
      expect(reason).toBeInstanceOf(BudgetRefusedError);
      expect(reason.message).toBe("This job would cost $0.15; $0.15 is already spent today, and the daily cap is $0.20 (RETAKE_DAILY_CAP_USD).");
      expect(await store.getJob("job_b")).toBeUndefined();
      expect(await store.getTake("take_job_b")).toBeUndefined();
      expect(await store.spentOn(new Date().toISOString().slice(0, 10))).toBe(0.15);
    } finally {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
