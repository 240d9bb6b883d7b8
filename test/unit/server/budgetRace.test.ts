import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SpendTotals, type Job } from "../../../src/core/schemas/index.js";
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
