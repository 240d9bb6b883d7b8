import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Job } from "../../src/core/schemas/index.js";
import { inlineImage } from "../../src/server/providers/luma/inlineImage.js";
import { sequenceContext, waitFor } from "../helpers/backend.js";
import { api, createJobOnFrame, getJob, makeVideo, RUNWAY_BASE, RUNWAY_CDN, RUNWAY_KEY, settled, startProviderBackend, stopBackend, type TestBackend } from "./providerHarness.js";

/**
 * Runway API contract (@runwayml/sdk 4.20.1 types; research/backends.md §3): POST
 * /v1/image_to_video → {id, estimatedCost}; GET /v1/tasks/{id} with PENDING / THROTTLED / RUNNING /
 * SUCCEEDED / FAILED / CANCELLED, output URLs and cost.credits; DELETE /v1/tasks/{id} cancels;
 * POST /v1/uploads + presigned form upload → runwayUri; POST /v1/video_to_hdr (model ruby).
 */

const server = setupServer();
let backend: TestBackend;

beforeAll(async () => {
  server.listen({ onUnhandledRequest: "bypass" });
  backend = await startProviderBackend();
});
afterEach(() => server.resetHandlers());
afterAll(async () => {
  server.close();
  await stopBackend(backend);
});

interface Seen {
  created: Array<{ path: string; body: any; headers: Headers }>;
  deleted: string[];
}

/** A Runway whose task goes through the given statuses, then succeeds with `output`. */
function fakeRunway(taskId: string, statuses: Array<Record<string, unknown>>, final: Record<string, unknown>): Seen {
  const seen: Seen = { created: [], deleted: [] };
  let polls = 0;
  const create = async ({ request }: { request: Request }) => {
    seen.created.push({ path: new URL(request.url).pathname, body: await request.json(), headers: request.headers });
    return HttpResponse.json({ id: taskId, estimatedCost: { credits: 25 } });
  };
  server.use(
    http.post(`${RUNWAY_BASE}/v1/image_to_video`, create),
    http.post(`${RUNWAY_BASE}/v1/video_to_hdr`, create),
    http.get(`${RUNWAY_BASE}/v1/tasks/${taskId}`, () => {
      const s = statuses[polls++];
      return HttpResponse.json({ id: taskId, createdAt: new Date().toISOString(), ...(s ?? final) });
    }),
    http.delete(`${RUNWAY_BASE}/v1/tasks/${taskId}`, () => {
      seen.deleted.push(taskId);
      return new HttpResponse(null, { status: 204 });
    }),
  );
  return seen;
}

function createJob(body: Record<string, unknown>, seq = sequenceContext()): Promise<Job> {
  return createJobOnFrame(backend, { provider: "runway", duration: 4, prompt: "Slow push toward the lighthouse", ...body }, seq);
}

describe("Runway: image to video", () => {
  it("draft: gen4_turbo with the frame as a data URI; THROTTLED reads as queued; actual credits become the cost", async () => {
    const video = makeVideo("sdr");
    server.use(http.get(`${RUNWAY_CDN}/task-draft.mp4`, () => new HttpResponse(new Uint8Array(video), { headers: { "content-type": "video/mp4" } })));
    const seen = fakeRunway(
      "task-draft",
      // THROTTLED for a dozen polls (~0.25 s), so a loaded machine's test still sees the message (test-audit F9).
      [{ status: "PENDING" }, ...Array.from({ length: 12 }, () => ({ status: "THROTTLED" })), { status: "RUNNING", progress: 0.4 }],
      { status: "SUCCEEDED", output: [`${RUNWAY_CDN}/task-draft.mp4`], cost: { credits: 25 } },
    );
    const created = await createJob({ mode: "draft" });
    const messages = new Set<string>();
    const job = await waitFor(async () => {
      const j = await getJob(backend, created.id);
      messages.add(`${j.takes[0]!.state}:${j.takes[0]!.message}`);
      return ["succeeded", "failed"].includes(j.takes[0]!.state) ? j : undefined;
    }, 90_000, 5);

    const { body, headers, path: p } = seen.created[0]!;
    expect(p).toBe("/v1/image_to_video");
    expect(headers.get("authorization")).toBe(`Bearer ${RUNWAY_KEY}`);
    expect(headers.get("x-runway-version")).toBeTruthy();
    expect(body).toMatchObject({ model: "gen4_turbo", ratio: "1280:720", duration: 5, promptText: expect.stringContaining("lighthouse") });
    expect(body.promptImage).toMatch(/^data:image\/png;base64,/);

    const take = job.takes[0]!;
    expect(take.state, JSON.stringify(take.error)).toBe("succeeded");
    expect([...messages].some((m) => m.startsWith("queued:") && /free slot/.test(m))).toBe(true);
    expect([...messages].some((m) => m.startsWith("running:"))).toBe(true);
    expect(take.cost).toEqual({ usd: 0.25, estimated: false });
    const bytes = Buffer.from(await (await api(backend, `/v1/artifacts/${take.outputs.source!.id}`)).arrayBuffer());
    expect(bytes.equals(video)).toBe(true);
    expect(take.outputs.master!.colorTags).toMatchObject({ sampleEntry: "apch", agree: true });
    expect(JSON.stringify(take.request)).not.toContain("base64,");
  });

  it("final: the best Gen-4 model (gen4.5), whole seconds", async () => {
    server.use(http.get(`${RUNWAY_CDN}/task-final.mp4`, () => new HttpResponse(new Uint8Array(makeVideo("sdr")))));
    const seen = fakeRunway("task-final", [], { status: "SUCCEEDED", output: [`${RUNWAY_CDN}/task-final.mp4`], cost: { credits: 48 } });
    const job = await settled(backend, (await createJob({ mode: "final", duration: 3.5 })).id);
    expect(job.takes[0]!.state).toBe("succeeded");
    expect(seen.created[0]!.body).toMatchObject({ model: "gen4.5", duration: 4 });
  });

  it("keeps the prompt under 1000 characters", async () => {
    server.use(http.get(`${RUNWAY_CDN}/task-long.mp4`, () => new HttpResponse(new Uint8Array(makeVideo("sdr")))));
    const seen = fakeRunway("task-long", [], { status: "SUCCEEDED", output: [`${RUNWAY_CDN}/task-long.mp4`] });
    await settled(backend, (await createJob({ mode: "draft", prompt: "wide golden light ".repeat(150) })).id);
    expect(seen.created[0]!.body.promptText.length).toBeLessThanOrEqual(1000);
  });

  it("a failed task keeps Runway's failureCode", async () => {
    fakeRunway("task-fail", [], { status: "FAILED", failure: "Input image flagged", failureCode: "SAFETY.INPUT.IMAGE" });
    const take = (await settled(backend, (await createJob({ mode: "draft" })).id)).takes[0]!;
    expect(take.state).toBe("failed");
    expect(take.error).toMatchObject({ code: "SAFETY.INPUT.IMAGE", raw: "Input image flagged" });
  });

  it("documented errors on submit become specific messages (401, 429)", async () => {
    server.use(http.post(`${RUNWAY_BASE}/v1/image_to_video`, () => HttpResponse.json({ error: "Invalid API key" }, { status: 401 })));
    const unauthorized = (await settled(backend, (await createJob({ mode: "draft" })).id)).takes[0]!;
    expect(unauthorized.error).toMatchObject({ code: "unauthorized" });
    expect(unauthorized.error?.message).toContain("RUNWAY_API_KEY");
    server.use(http.post(`${RUNWAY_BASE}/v1/image_to_video`, () => HttpResponse.json({ error: "Too many" }, { status: 429, headers: { "Retry-After": "0" } })));
    const limited = (await settled(backend, (await createJob({ mode: "draft" })).id)).takes[0]!;
    expect(limited.error).toMatchObject({ code: "rate_limited", retryable: true });
  });

  it("cancel mid-run sends DELETE /v1/tasks/{id}", async () => {
    const seen = fakeRunway("task-cancel", Array.from({ length: 10_000 }, () => ({ status: "RUNNING", progress: 0.2 })), { status: "SUCCEEDED" });
    const job = await createJob({ mode: "draft" });
    await waitFor(async () => ((await getJob(backend, job.id)).takes[0]!.state === "running" ? true : undefined), 10_000, 20);
    expect((await api(backend, `/v1/jobs/${job.id}/cancel`, { method: "POST" })).status).toBe(200);
    await waitFor(() => (seen.deleted.length > 0 ? true : undefined), 5000, 20);
    expect(seen.deleted).toEqual(["task-cancel"]);
    expect((await getJob(backend, job.id)).takes[0]!.state).toBe("canceled");
  });

  it("a cancel Runway refuses is said in the job's log: the take may still be charged", async () => {
    fakeRunway("task-stuck", Array.from({ length: 10_000 }, () => ({ status: "RUNNING", progress: 0.2 })), { status: "SUCCEEDED" });
    server.use(http.delete(`${RUNWAY_BASE}/v1/tasks/task-stuck`, () => HttpResponse.json({ error: "Task cannot be cancelled" }, { status: 400 })));
    const job = await createJob({ mode: "draft" });
    await waitFor(async () => ((await getJob(backend, job.id)).takes[0]!.state === "running" ? true : undefined), 10_000, 20);
    expect((await api(backend, `/v1/jobs/${job.id}/cancel`, { method: "POST" })).status).toBe(200);
    const logged = await waitFor(async () => (await getJob(backend, job.id)).log?.find((l) => /did not confirm the cancel/.test(l.text)), 5000, 20);
    expect(logged.text).toMatch(/^Take 1: Runway .* did not confirm the cancel \(.+\); it may still finish the take and charge for it\.$/);
    expect((await getJob(backend, job.id)).takes[0]!.state).toBe("canceled");
  });
});

describe("Runway: HDR upconversion (video_to_hdr, ruby)", () => {
  it("lifts a finished SDR take to a PQ master: ephemeral upload, then ruby; the SDR take stays", async () => {
    // 1. An SDR draft to lift.
    const sdr = makeVideo("sdr");
    server.use(http.get(`${RUNWAY_CDN}/sdr.mp4`, () => new HttpResponse(new Uint8Array(sdr))));
    fakeRunway("task-sdr", [], { status: "SUCCEEDED", output: [`${RUNWAY_CDN}/sdr.mp4`], cost: { credits: 25 } });
    const source = (await settled(backend, (await createJob({ mode: "draft" }, sequenceContext({}, "rec2100-pq"))).id)).takes[0]!;
    expect(source.state).toBe("succeeded");
    expect(source.colorSpace).toBe("rec709"); // Gen-4 is SDR even in a PQ sequence

    // 2. Upconvert it.
    const uploaded: string[] = [];
    const pq = makeVideo("pq");
    server.use(
      http.post(`${RUNWAY_BASE}/v1/uploads`, async ({ request }) => {
        expect(await request.json()).toMatchObject({ type: "ephemeral" });
        return HttpResponse.json({ uploadUrl: "https://uploads.runway.contract.test/form", fields: { key: "abc", policy: "p" }, runwayUri: "runway://uploads/abc" });
      }),
      http.post("https://uploads.runway.contract.test/form", async ({ request }) => {
        const form = await request.formData();
        const file = form.get("file") as File;
        uploaded.push(`${form.get("key")}:${file.size}`);
        return new HttpResponse(null, { status: 204 });
      }),
      http.get(`${RUNWAY_CDN}/hdr.mov`, () => new HttpResponse(new Uint8Array(pq))),
    );
    const seen = fakeRunway("task-hdr", [{ status: "RUNNING", progress: 0.5 }], { status: "SUCCEEDED", output: [`${RUNWAY_CDN}/hdr.mov`], cost: { credits: 80 } });
    const res = await api(backend, `/v1/takes/${source.id}/upconvert`, { body: {} });
    expect(res.status, await res.clone().text()).toBe(201);
    const upJob = (await res.json()) as Job;
    expect(upJob.upconvertOf).toEqual({ takeId: source.id, format: "hdr_prores" });
    const done = await settled(backend, upJob.id);
    const take = done.takes[0]!;
    expect(take.state, JSON.stringify(take.error)).toBe("succeeded");
    expect(uploaded).toEqual([`abc:${sdr.length}`]);
    expect(seen.created[0]).toMatchObject({ path: "/v1/video_to_hdr", body: { model: "ruby", videoUri: "runway://uploads/abc", outputFormat: "hdr_prores" } });
    expect(take.colorSpace).toBe("rec2100-pq");
    expect(take.cost).toEqual({ usd: 0.8, estimated: false });
    expect(take.outputs.master!.colorTags?.colr?.transfer).toBe(16);
    // The SDR original is untouched, and an HDR take cannot be lifted again.
    expect((await getJob(backend, source.jobId)).takes[0]!.outputs.master!.id).toBe(source.outputs.master!.id);
    expect((await api(backend, `/v1/takes/${take.id}/upconvert`, { body: {} })).status).toBe(409);
  });
});

describe("inline frame for a 5 MB data URI", () => {
  it("re-encodes a frame too large for the cap as JPEG that fits", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-"));
    try {
      const big = path.join(dir, "noise.png");
      execFileSync("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "nullsrc=s=1600x1200,geq=random(1)*255:128:128", "-frames:v", "1", big]);
      expect(fs.statSync(big).size).toBeGreaterThan(2_000_000);
      const image = await inlineImage(big, dir, { maxBytes: 2_000_000 });
      expect(image.reencoded).toBe(true);
      expect(image.mediaType).toBe("image/jpeg");
      expect(image.data.length).toBeLessThanOrEqual(2_000_000);
      const small = await inlineImage(big, dir, { maxBytes: 50_000_000 });
      expect(small.reencoded).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
