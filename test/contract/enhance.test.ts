import { http, HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import type { Job } from "../../src/core/schemas/index.js";
import { sequenceContext, waitFor } from "../helpers/backend.js";
import { softStillPng } from "../helpers/fakeVideoModel.js";
import { api, createJobOnFrame, getJob, makeVideo, modelTestBed, RUNWAY_BASE, RUNWAY_CDN, settled } from "./providerHarness.js";

/**
 * Enhance: a chosen (or the best) draft rendered as a final master with the same direction —
 * the same seed where the provider takes seeds, on another provider without the corrections
 * that answered the draft model's habits. Runway and Luma are played by msw at their documented
 * APIs; previz is the real local renderer.
 */

const bed = modelTestBed();

/** A Runway that succeeds every task with a small real video; records every create body. */
function fakeRunway(): Array<{ path: string; body: any }> {
  const created: Array<{ path: string; body: any }> = [];
  const video = makeVideo("sdr");
  bed.server.use(
    http.post(`${RUNWAY_BASE}/v1/image_to_video`, async ({ request }) => {
      created.push({ path: "/v1/image_to_video", body: await request.json() });
      return HttpResponse.json({ id: `task-${created.length}`, estimatedCost: { credits: 25 } });
    }),
    http.get(`${RUNWAY_BASE}/v1/tasks/:id`, ({ params }) =>
      HttpResponse.json({ id: params.id, createdAt: new Date().toISOString(), status: "SUCCEEDED", output: [`${RUNWAY_CDN}/${params.id}.mp4`], cost: { credits: 25 } }),
    ),
    http.get(`${RUNWAY_CDN}/:file`, () => new HttpResponse(new Uint8Array(video), { headers: { "content-type": "video/mp4" } })),
  );
  return created;
}

const PAN = { id: "pan", kind: "cameraMove", from: { x: 0.3, y: 0.5 }, to: { x: 0.65, y: 0.5 }, start: 1, end: 4 } as const;

async function createJob(body: Record<string, unknown>): Promise<Job> {
  return createJobOnFrame(bed.backend, { duration: 5, prompt: "Dunes at dusk", annotations: [PAN], ...body }, sequenceContext(), softStillPng());
}

async function enhance(jobId: string, body: Record<string, unknown> = {}): Promise<Response> {
  return api(bed.backend, `/v1/jobs/${jobId}/enhance`, { body });
}

const loopDone = (id: string) =>
  waitFor(async () => {
    const job = await getJob(bed.backend, id);
    return job.loop?.state === "done" && job.takes.every((t) => ["succeeded", "failed", "canceled"].includes(t.state)) ? job : undefined;
  }, 240_000, 50);

describe("Enhance", () => {
  it("renders the best Runway draft as a gen4.5 final with the draft's own seed and wording", async () => {
    const created = fakeRunway();
    const draft = await loopDone((await createJob({ provider: "runway", mode: "draft", count: 2, auto: { target: 1, rounds: 0 } })).id);
    // Each draft went out with the seed its variant records.
    expect(created.map((c) => c.body.seed)).toEqual(draft.takes.map((t) => t.variant!.seed));
    expect(new Set(created.map((c) => c.body.seed)).size).toBe(2);
    const best = draft.takes.find((t) => t.id === draft.loop!.best!.takeId)!;

    const res = await enhance(draft.id);
    expect(res.status, await res.clone().text()).toBe(201);
    const final = (await res.json()) as Job;
    expect(final).toMatchObject({ mode: "final", count: 1, provider: "runway", model: "gen4.5", enhanceOf: { jobId: draft.id, takeId: best.id } });
    expect(final.direction).toEqual(draft.direction);
    expect(final.takes[0]!.variant).toMatchObject({ seed: best.variant!.seed, wording: best.variant!.wording, refines: best.id });
    const done = await settled(bed.backend, final.id);
    expect(done.takes[0]!.state, JSON.stringify(done.takes[0]!.error)).toBe("succeeded");
    expect(created[2]!.body).toMatchObject({ model: "gen4.5", seed: best.variant!.seed });
    expect(created[2]!.body.promptText).toBe(created[draft.takes.indexOf(best)]!.body.promptText);

    expect(done.log![0]!.text).toMatch(new RegExp(`^Rendering take ${best.index + 1} \\(score \\d+\\) of job ${draft.id} as a final on Runway Gen-4`));
    expect(done.log![0]!.text).toContain(`its seed (${best.variant!.seed}; gen4.5 may still render it differently from gen4_turbo)`);
    const source = await getJob(bed.backend, draft.id);
    expect(source.log!.at(-1)!.text).toBe(`Take ${best.index + 1} sent to Runway Gen-4 for its final master (job ${final.id}).`);
  });

  it("finishes a refined Luma draft on Runway: the wording carries over, the Luma-specific corrections do not", async () => {
    bed.startModel({ undershoot: 0.5, lateBy: 1 });
    const draft = await loopDone((await createJob({ provider: "luma", mode: "draft", count: 1, auto: { target: 90, rounds: 1 } })).id);
    const refined = draft.takes.find((t) => t.iteration === 1)!;
    expect(refined.variant!.emphasis.length).toBeGreaterThan(0);
    const created = fakeRunway();

    const res = await enhance(draft.id, { takeId: refined.id, provider: "runway" });
    expect(res.status, await res.clone().text()).toBe(201);
    const final = await settled(bed.backend, ((await res.json()) as Job).id);
    expect(final.takes[0]!.variant).toMatchObject({ emphasis: [], wording: refined.variant!.wording, refines: refined.id });
    // The pan as the editor drew it (35%, 1–4 s), not the draft's doubled, earlier ask.
    expect(created[0]!.body.promptText).toMatch(/pan right \(35% of frame\) from 1\.0 s to 4\.0 s/);
    expect(final.log![0]!.text).toContain("The draft's corrections are not sent: they answered Luma Ray 3.2's habits, not Runway Gen-4's.");
  });

  it("finishes a plain previz draft as a previz final: full size ProRes at the sequence's color", async () => {
    const draft = await settled(bed.backend, (await createJob({ provider: "previz", mode: "draft", duration: 2 })).id);
    const res = await enhance(draft.id, { takeId: draft.takes[0]!.id });
    expect(res.status, await res.clone().text()).toBe(201);
    const final = await settled(bed.backend, ((await res.json()) as Job).id);
    const master = final.takes[0]!.outputs.master!;
    expect(final.takes[0]!.state).toBe("succeeded");
    expect([master.width, master.height]).toEqual([320, 180]);
    expect(master.colorTags).toMatchObject({ sampleEntry: "apch", colorSpace: "rec709", agree: true });
    expect(final.takes[0]!.variant).toBeUndefined();

    // A final on the same provider is final already.
    const again = await enhance(final.id);
    expect(again.status).toBe(409);
    expect((await again.json()).error.code).toBe("already_final");
  });

  it("says what is wrong: an unknown job or take, an unfinished take, no scored take, an unknown provider, over budget", async () => {
    expect((await enhance("job-nope")).status).toBe(404);
    const model = bed.startModel({});
    model.hold(true);
    const running = await createJob({ provider: "luma", mode: "draft", count: 1 });
    const notReady = await enhance(running.id, { takeId: running.takes[0]!.id });
    expect(notReady.status).toBe(409);
    expect((await notReady.json()).error).toMatchObject({ code: "take_not_ready", field: "takeId", message: "Take 1 is not finished, so it cannot be enhanced yet." });
    const noBest = await enhance(running.id);
    expect(noBest.status).toBe(409);
    expect((await noBest.json()).error.message).toContain("pick a take to enhance");
    expect((await enhance(running.id, { takeId: "take-nope" })).status).toBe(404);
    await api(bed.backend, `/v1/jobs/${running.id}/cancel`, { method: "POST" });

    const draft = await settled(bed.backend, (await createJob({ provider: "previz", mode: "draft", duration: 2 })).id);
    const unknown = await enhance(draft.id, { provider: "sora" });
    expect(unknown.status).toBe(400);
    expect((await unknown.json()).error).toMatchObject({ code: "unknown_provider", field: "provider" });
    const poor = await enhance(draft.id, { provider: "luma", budgetUsd: 0.05 });
    expect(poor.status).toBe(402);
    expect((await poor.json()).error.message).toMatch(/over its budget of \$0\.05/);
    const bad = await enhance(draft.id, { takeId: 7 });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.field).toBe("takeId");
  });
});
