import { setupServer } from "msw/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CostEstimate, Job, JudgeInfo } from "../../src/core/schemas/index.js";
import { Critique } from "../../src/server/critic/critiqueSchema.js";
import { promptText } from "../../src/server/providers/luma/lumaProvider.js";
import { sequenceContext, startTestBackend, uploadFrame, waitFor } from "../helpers/backend.js";
import { GEMINI_TEST_BASE, GEMINI_TEST_KEY, geminiAnswer, geminiHandlers, type GeminiCall } from "../helpers/geminiStandIn.js";

/**
 * The judge through the real backend: previz renders a real take, the real critic measures it,
 * and the judge (Gemini at its documented HTTP contract, played by msw) looks only where the
 * editor turned it on for the project. Its findings sit beside the measurements, its counted cost
 * joins the take's, and without a key nothing changes.
 */

const server = setupServer();
const calls: GeminiCall[] = [];
const ANSWER = {
  subject: { verdict: "yes", confidence: 0.9, note: "the test pattern is there" },
  action: { verdict: "partly", confidence: 0.6, note: "the camera moves but nothing else happens" },
  artefacts: [{ t: 0.5, kind: "pop", confidence: 0.9, x: 0.1, y: 0.1, w: 0.2, h: 0.2, note: "a square appears" }],
};
let backend: Awaited<ReturnType<typeof startTestBackend>>;
let plain: Awaited<ReturnType<typeof startTestBackend>>;

beforeAll(async () => {
  server.listen({ onUnhandledRequest: "bypass" });
  server.use(...geminiHandlers([{ json: geminiAnswer(ANSWER) }], calls));
  backend = await startTestBackend({ judge: { gemini: { apiKey: GEMINI_TEST_KEY, baseUrl: GEMINI_TEST_BASE } } });
  plain = await startTestBackend();
});
afterAll(async () => {
  await backend?.close();
  await plain?.close();
  server.close();
});

const get = async <T>(url: string) => (await (await fetch(url)).json()) as T;
async function draft(url: string, projectName: string, extra: Record<string, unknown> = {}): Promise<Job> {
  const sequence = sequenceContext({ projectName });
  const { frameId } = await uploadFrame(url, sequence);
  const res = await fetch(`${url}/v1/jobs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ frameId, provider: "previz", mode: "draft", duration: 2, prompt: "A test pattern", annotations: [], ...extra }) });
  expect(res.status, await res.clone().text()).toBe(201);
  const job = (await res.json()) as Job;
  return waitFor(async () => {
    const j = await get<Job>(`${url}/v1/jobs/${job.id}`);
    const settled = j.takes.every((t) => ["succeeded", "failed"].includes(t.state)) && (!j.auto || j.loop?.state === "done");
    return settled ? j : undefined;
  }, 240_000, 100);
}

describe("the judge in the backend", () => {
  it("says which service would see the frames, and that there is none without a key", async () => {
    expect(await get<JudgeInfo>(`${backend.url}/v1/judge`)).toMatchObject({ available: true, service: "gemini", label: "Google Gemini API", model: "gemini-2.5-flash", framesPerTake: 7 });
    const none = await get<JudgeInfo>(`${plain.url}/v1/judge`);
    expect(none.available).toBe(false);
    expect(none.reason).toContain("GEMINI_API_KEY");
  });

  it("sends nothing for a project the editor has not turned it on for", async () => {
    const project = encodeURIComponent("Off project");
    expect(await get(`${backend.url}/v1/projects/settings?project=${project}`)).toEqual({ project: "Off project", settings: { judge: false } });
    const job = await draft(backend.url, "Off project");
    expect(job.takes[0]!.state).toBe("succeeded");
    expect(Critique.parse(job.takes[0]!.critique).judge).toBeUndefined();
    expect(calls).toHaveLength(0);
  });

  it("where turned on: estimates the judge before, judges each take, folds the findings into the score and counts the cost after", async () => {
    const project = encodeURIComponent("Judged project");
    const put = await fetch(`${backend.url}/v1/projects/settings?project=${project}`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ judge: true }) });
    expect(await put.json()).toEqual({ project: "Judged project", settings: { judge: true } });
    const bad = await fetch(`${backend.url}/v1/projects/settings?project=${project}`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ judge: "yes" }) });
    expect(bad.status).toBe(400);

    const estimate = (await (await fetch(`${backend.url}/v1/estimate`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ provider: "previz", duration: 2, projectName: "Judged project" }) })).json()) as CostEstimate;
    expect(estimate.judge).toMatchObject({ service: "gemini", model: "gemini-2.5-flash" });
    expect(estimate.judge!.perTakeUsd).toBeGreaterThan(0);
    expect(estimate.perTake).toEqual({ usd: estimate.judge!.perTakeUsd, estimated: true });

    const job = await draft(backend.url, "Judged project");
    const take = job.takes[0]!;
    expect(take.state).toBe("succeeded");
    expect(calls).toHaveLength(1);
    // The captured frame and six of the take's frames.
    expect(calls[0]!.body.contents[0]!.parts.filter((p) => p.inlineData)).toHaveLength(7);
    const critique = Critique.parse(take.critique);
    expect(critique.judge).toMatchObject({ service: "gemini", state: "judged", findings: [{ t: 0.5, kind: "pop", confidence: 0.9 }] });
    // pop 10 × 0.9 + partly-done action 8 × 0.6 = 13.8 points, apart from the measured penalties.
    const judgePoints = critique.penalties.filter((p) => p.aspect.startsWith("judge")).map((p) => p.points);
    expect(judgePoints.sort()).toEqual([4.8, 9]);
    expect(critique.score).toBe(Math.round(Math.max(0, critique.judge!.measuredScore - 13.8)));
    // previz is free: the take's cost is the judge's, counted from the answer's usage.
    expect(take.cost).toEqual({ usd: critique.judge!.cost.usd, estimated: true });
    expect(critique.judge!.cost.usd).toBeCloseTo((2100 * 0.3 + 600 * 2.5) / 1e6, 8);
    // …and it is what the job's budget and the day's cap read.
    expect(await backend.ledger.spentInJob(job.id)).toBeCloseTo(critique.judge!.cost.usd, 8);
    // The spend page shows it too (a fifth of a cent, which rounding to cents would hide).
    const spend = await get<{ jobs: Array<{ jobId: string; usd: number }> }>(`${backend.url}/v1/spend`);
    expect(spend.jobs.find((j) => j.jobId === job.id)!.usd).toBeCloseTo(critique.judge!.cost.usd, 4);
    expect(spend.jobs.find((j) => j.jobId === job.id)!.usd).toBeGreaterThan(0);
  });

  it("auto-refine turns the judge's findings into the next round's request and says so in the reasoning log", async () => {
    const project = encodeURIComponent("Auto project");
    await fetch(`${backend.url}/v1/projects/settings?project=${project}`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ judge: true }) });
    const before = calls.length;
    // previz draws exactly what was asked (measured 100); the judge's pop keeps every take under 95.
    const job = await draft(backend.url, "Auto project", { count: 1, auto: { target: 95, rounds: 1 } });
    expect(job.takes).toHaveLength(2);
    expect(calls.length - before).toBe(2);
    const refine = (job.log ?? []).find((l) => l.kind === "refine")!;
    expect(refine.text).toContain("negative words against popping objects: the judge (gemini-2.5-flash) believes take 1 shows an object pops in or out at 0.5 s");
    const second = job.takes.find((t) => t.iteration === 1)!;
    expect(second.variant!.guards).toContain("noPops");
    // The words a prompt-reading provider would be sent for it (previz reads no prompt).
    expect(promptText(job.direction, second.variant)).toContain("Avoid: objects appearing or vanishing, popping.");
  });

  it("refuses a job whose budget cannot cover the judge's estimate too, with the figures", async () => {
    const project = encodeURIComponent("Tight project");
    await fetch(`${backend.url}/v1/projects/settings?project=${project}`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ judge: true }) });
    const { frameId } = await uploadFrame(backend.url, sequenceContext({ projectName: "Tight project" }));
    const body = { frameId, provider: "previz", mode: "draft", duration: 2, prompt: "x", annotations: [], count: 2, budgetUsd: 0.01 };
    const res = await fetch(`${backend.url}/v1/jobs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    expect(res.status).toBe(402);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/over its budget of \$0\.01/);
    // The same job on a project without the judge is free, so allowed.
    const { frameId: other } = await uploadFrame(backend.url, sequenceContext({ projectName: "Untouched project" }));
    const ok = await fetch(`${backend.url}/v1/jobs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...body, frameId: other }) });
    expect(ok.status).toBe(201);
  });
});
