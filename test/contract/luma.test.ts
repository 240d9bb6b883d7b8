import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { delay, http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { compileDirection, renderForProvider } from "../../src/core/direction/index.js";
import { ProviderInfo, type Job } from "../../src/core/schemas/index.js";
import { LumaProvider } from "../../src/server/providers/luma/lumaProvider.js";
import { makeStillPng, sequenceContext, waitFor } from "../helpers/backend.js";
import {
  api,
  getJob,
  LUMA_BASE,
  LUMA_CDN,
  LUMA_KEY,
  makeExrZip,
  makeVideo,
  sequence1080,
  settled,
  startProviderBackend,
  stopBackend,
  uploadFrame,
  type TestBackend,
} from "./providerHarness.js";

/**
 * Luma Agents API contract (research/backends.md §1.2): POST /generations, GET /generations/{id}
 * with state queued|processing|completed|failed, output[{type,url}] presigned for an hour,
 * failure_code, documented HTTP errors and 429 + Retry-After. msw plays Luma at the HTTP boundary.
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

interface FakeLuma {
  created: Array<{ body: any; auth: string | null }>;
  polls: number;
}

/** A Luma that queues, processes, then completes with the given outputs. */
function fakeLuma(outputs: Array<{ type: string; url: string }>, options: { processingPolls?: number } = {}): FakeLuma {
  const fake: FakeLuma = { created: [], polls: 0 };
  const id = `gen-${Math.random().toString(36).slice(2)}`;
  server.use(
    http.post(`${LUMA_BASE}/generations`, async ({ request }) => {
      fake.created.push({ body: await request.json(), auth: request.headers.get("authorization") });
      return HttpResponse.json({ id, state: "queued", created_at: new Date().toISOString(), model: "ray-3.2", type: "video" }, { status: 201 });
    }),
    http.get(`${LUMA_BASE}/generations/:id`, ({ params }) => {
      expect(params.id).toBe(id);
      fake.polls++;
      if (fake.polls === 1) return HttpResponse.json({ id, state: "queued" });
      if (fake.polls <= 1 + (options.processingPolls ?? 2)) return HttpResponse.json({ id, state: "processing" });
      return HttpResponse.json({ id, state: "completed", output: outputs, failure_code: null });
    }),
  );
  return fake;
}

function serveFile(url: string, bytes: Buffer, type = "video/mp4") {
  server.use(http.get(url, () => new HttpResponse(new Uint8Array(bytes), { headers: { "content-type": type } })));
}

async function createJob(body: Record<string, unknown>, seq = sequenceContext()): Promise<Response> {
  const frameId = await uploadFrame(backend, seq);
  return api(backend, "/v1/jobs", { body: { frameId, provider: "luma", duration: 5, prompt: "The rider crests the dune", ...body } });
}

async function runJob(body: Record<string, unknown>, seq = sequenceContext()): Promise<Job> {
  const res = await createJob(body, seq);
  expect(res.status, await res.clone().text()).toBe(201);
  return settled(backend, ((await res.json()) as Job).id);
}

function artifactBytes(id: string): Promise<Buffer> {
  return api(backend, `/v1/artifacts/${id}`).then(async (r) => Buffer.from(await r.arrayBuffer()));
}

describe("Luma: listing", () => {
  it("is listed available with its limits and price source when LUMA_API_KEY is set", async () => {
    const { providers } = (await (await api(backend, "/v1/providers")).json()) as { providers: ProviderInfo[] };
    const luma = ProviderInfo.parse(providers.find((p) => p.id === "luma"));
    expect(luma.available).toBe(true);
    expect(luma.capabilities.limits?.draft).toMatchObject({ resolutions: ["540p"], hdr: false, exr: false });
    expect(luma.capabilities.limits?.final).toMatchObject({ resolutions: ["720p", "1080p"], hdr: true, exr: true });
    expect(luma.capabilities.limits?.final?.durations.max).toBe(5);
    expect(luma.pricing).toMatchObject({ confirmed: false });
  });

  it("is listed unavailable, with the reason and the fix, when the key is absent; a job is refused", async () => {
    const keyless = await startProviderBackend({}, { luma: false, runway: false });
    try {
      const { providers } = (await (await api(keyless, "/v1/providers")).json()) as { providers: ProviderInfo[] };
      for (const [id, variable] of [["luma", "LUMA_API_KEY"], ["runway", "RUNWAY_API_KEY"]] as const) {
        const p = providers.find((x) => x.id === id)!;
        expect(p.available).toBe(false);
        expect(p.reason).toContain(`set ${variable}`);
      }
      const frameId = await uploadFrame(keyless, sequenceContext());
      const res = await api(keyless, "/v1/jobs", { body: { frameId, provider: "luma", duration: 5 } });
      expect(res.status).toBe(409);
      expect((await res.json()).error.message).toContain("LUMA_API_KEY");
    } finally {
      await stopBackend(keyless);
    }
  });
});

describe("Luma: drafts and finals", () => {
  it("draft: 540p SDR, 5 s, frame inline as base64, Bearer key; the output is downloaded as the master", async () => {
    const video = makeVideo("sdr");
    serveFile(`${LUMA_CDN}/draft.mp4`, video);
    const fake = fakeLuma([{ type: "video", url: `${LUMA_CDN}/draft.mp4?X-Amz-Signature=abc` }]);
    const job = await runJob({ mode: "draft", duration: 3 });

    expect(fake.created).toHaveLength(1);
    const { body, auth } = fake.created[0]!;
    expect(auth).toBe(`Bearer ${LUMA_KEY}`);
    expect(body).toMatchObject({ model: "ray-3.2", type: "video", aspect_ratio: "16:9", video: { resolution: "540p", duration: "5s" } });
    expect(body.video.hdr).toBeUndefined();
    expect(body.video.exr_export).toBeUndefined();
    expect(body.video.start_frame.media_type).toBe("image/png");
    expect(Buffer.from(body.video.start_frame.data, "base64").subarray(1, 4).toString()).toBe("PNG");
    expect(body.prompt).toContain("The rider crests the dune");

    const take = job.takes[0]!;
    expect(take.state).toBe("succeeded");
    expect(take.providerJobId).toMatch(/^gen-/);
    // The provider's file is kept as it came; the master is delivered in the sequence's terms.
    expect((await artifactBytes(take.outputs.source!.id)).equals(video)).toBe(true);
    expect(take.outputs.master!.colorTags).toMatchObject({ sampleEntry: "apch", colorSpace: "rec709", agree: true });
    expect(take.outputs.proxy?.mediaType).toBe("video/mp4");
    expect(take.outputs.poster?.mediaType).toBe("image/jpeg");
    expect(take.cost).toEqual({ usd: 0.15, estimated: true });
    // The ledger keeps the request as sent, minus the inline image and the key.
    const recorded = JSON.stringify(take.request);
    expect(recorded).not.toContain(body.video.start_frame.data.slice(0, 40));
    expect(recorded).not.toContain(LUMA_KEY);
    expect(recorded).toContain("bytes inline");
  });

  it("final on a PQ sequence with EXR: 1080p, hdr and exr_export; every output downloaded at once", async () => {
    const hdr = makeVideo("pq");
    const exr = makeExrZip();
    let inFlight = 0;
    let maxInFlight = 0;
    const slow = (bytes: Buffer, type: string) => async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await delay(60);
      inFlight--;
      return new HttpResponse(new Uint8Array(bytes), { headers: { "content-type": type } });
    };
    server.use(http.get(`${LUMA_CDN}/final.mp4`, slow(hdr, "video/mp4")), http.get(`${LUMA_CDN}/final-exr.zip`, slow(exr, "application/zip")));
    const fake = fakeLuma([
      { type: "video", url: `${LUMA_CDN}/final.mp4` },
      { type: "exr", url: `${LUMA_CDN}/final-exr.zip` },
    ]);
    const job = await runJob({ mode: "final", duration: 5, exr: true }, sequenceContext(sequence1080("rec2100-pq")));
    expect(fake.created[0]!.body.video).toMatchObject({ resolution: "1080p", duration: "5s", hdr: true, exr_export: true });
    const take = job.takes[0]!;
    expect(take.state).toBe("succeeded");
    expect((await artifactBytes(take.outputs.source!.id)).equals(hdr)).toBe(true);
    // The provider's PQ file, conformed to a ProRes PQ master whose carriers all agree.
    expect(take.outputs.source!.colorTags?.colr?.transfer).toBe(16);
    expect(take.outputs.master!.colorTags).toMatchObject({ sampleEntry: "apch", colorSpace: "rec2100-pq", agree: true });
    expect((await artifactBytes(take.outputs.exr!.id)).equals(exr)).toBe(true);
    // Luma's word that its EXR is ACES2065-1 is recorded on the artifact (its frames may carry no chromaticities).
    expect(take.outputs.exr!.colorAssumption).toEqual({ colorSpace: "aces2065-1", source: "provider", provider: "luma", statement: expect.stringMatching(/^Luma declares/) });
    expect(take.outputs.master!.colorAssumption).toBeUndefined();
    expect(maxInFlight).toBe(2);
    expect(take.cost.usd).toBe(3.6);
  });

  it("final on an SDR sequence: 1080p without hdr (HDR would only be tone-mapped away)", async () => {
    serveFile(`${LUMA_CDN}/sdr-final.mp4`, makeVideo("sdr"));
    const fake = fakeLuma([{ type: "video", url: `${LUMA_CDN}/sdr-final.mp4` }]);
    const job = await runJob({ mode: "final" }, sequenceContext(sequence1080("rec709")));
    expect(job.takes[0]!.state).toBe("succeeded");
    expect(fake.created[0]!.body.video.resolution).toBe("1080p");
    expect(fake.created[0]!.body.video.hdr).toBeUndefined();
  });

  it("framing boxes become keyframes at their frame index (24 fps)", async () => {
    serveFile(`${LUMA_CDN}/kf.mp4`, makeVideo("sdr"));
    const fake = fakeLuma([{ type: "video", url: `${LUMA_CDN}/kf.mp4` }]);
    const job = await runJob({
      mode: "draft",
      annotations: [{ id: "box1", kind: "framingBox", rect: { x: 0.25, y: 0.25, w: 0.5, h: 0.5 }, time: 2.5 }],
    });
    expect(job.takes[0]!.state, JSON.stringify(job.takes[0]!.error)).toBe("succeeded");
    const video = fake.created[0]!.body.video;
    expect(job.direction.framing.length).toBeGreaterThan(0);
    expect(video.keyframe_indexes).toEqual([60]);
    expect(video.keyframes).toHaveLength(1);
    expect(video.keyframes[0].media_type).toBe("image/jpeg");
    expect(Buffer.from(video.keyframes[0].data, "base64")[0]).toBe(0xff);
  });

  it("a refined take with the camera path as keyframes: the directed window once a second and at the end, the box keeping its own frame", async () => {
    // A pan over the whole take overlapping a push-in: the compiled path has a keyframe per frame.
    const direction = compileDirection(
      {
        prompt: "Dunes",
        duration: 5,
        annotations: [
          { id: "pan", kind: "cameraMove", from: { x: 0.3, y: 0.5 }, to: { x: 0.6, y: 0.5 }, start: 0, end: 5 },
          { id: "box", kind: "framingBox", rect: { x: 0.3, y: 0.3, w: 0.4, h: 0.4 }, time: 5 },
        ],
      },
      { frameSize: { width: 320, height: 180 } },
    );
    expect(renderForProvider(direction, "keyframes").keyframes.length).toBeGreaterThan(100);
    const created: any[] = [];
    server.use(
      http.post(`${LUMA_BASE}/generations`, async ({ request }) => {
        created.push(await request.json());
        return HttpResponse.json({ id: "gen-path", state: "queued" }, { status: 201 });
      }),
    );
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-luma-path-"));
    try {
      const framePath = path.join(dir, "frame.png");
      fs.writeFileSync(framePath, makeStillPng(320, 180));
      const luma = new LumaProvider({ apiKey: LUMA_KEY, baseUrl: LUMA_BASE, timeoutMs: 2000 });
      const variant = { wording: "explicit" as const, emphasis: [], pathKeyframes: true, guards: [], changes: [] };
      const frame = { frameId: "f", capturedAt: "", image: { width: 320, height: 180, mediaType: "image/png" as const, bytes: 1 }, mode: "insert" as const, sequence: sequenceContext() };
      await luma.submit({ jobId: "j", takeId: "t", takeIndex: 0, mode: "draft", model: "ray-3.2", duration: 5, direction, variant, frame, framePath, workDir: dir });
      const video = created[0].video;
      // Once a second (24, 48, 72, 96) and the box on the last frame (119), which also ends the path.
      expect(video.keyframe_indexes).toEqual([24, 48, 72, 96, 119]);
      expect(video.keyframes).toHaveLength(5);
      expect(created[0].prompt).toContain("so the scene slides left across the frame");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses a combination Luma cannot make, before spending", async () => {
    const res = await createJob({ mode: "final", duration: 8 });
    expect(res.status).toBe(400);
    const { error } = await res.json();
    expect(error.code).toBe("unsupported_combination");
    expect(error.message).toMatch(/5 s/);
  });
});

describe("Luma: errors", () => {
  const documented: Array<[number, string, RegExp]> = [
    [400, "invalid_request", /rejected the request/],
    [401, "unauthorized", /LUMA_API_KEY/],
    [402, "insufficient_credits", /balance is too low/],
    [403, "forbidden", /no access/],
    [413, "input_too_large", /too large/],
    [422, "unprocessable", /cannot make this combination.*resolution must be 720p/],
    [503, "provider_unavailable", /temporarily unavailable/],
  ];
  for (const [status, code, message] of documented) {
    it(`HTTP ${status} on submit fails the take as "${code}" with an editor-readable message, costing nothing`, async () => {
      server.use(http.post(`${LUMA_BASE}/generations`, () => HttpResponse.json({ detail: "resolution must be 720p or 1080p with hdr" }, { status })));
      const job = await runJob({ mode: "draft" });
      const take = job.takes[0]!;
      expect(take.state).toBe("failed");
      expect(take.error?.code).toBe(code);
      expect(take.error?.message).toMatch(message);
      expect(take.error?.message).not.toContain(LUMA_KEY);
      expect(take.cost).toEqual({ usd: 0, estimated: false });
    });
  }

  it("429 with Retry-After: waits as told, then submits", async () => {
    let attempts = 0;
    const times: number[] = [];
    server.use(
      http.post(`${LUMA_BASE}/generations`, () => {
        times.push(Date.now());
        attempts++;
        if (attempts === 1) return HttpResponse.json({ detail: "concurrency limit" }, { status: 429, headers: { "Retry-After": "1" } });
        return HttpResponse.json({ id: "gen-after-429", state: "queued" });
      }),
      http.get(`${LUMA_BASE}/generations/gen-after-429`, () => HttpResponse.json({ id: "gen-after-429", state: "completed", output: [{ type: "video", url: `${LUMA_CDN}/429.mp4` }] })),
    );
    serveFile(`${LUMA_CDN}/429.mp4`, makeVideo("sdr"));
    const job = await runJob({ mode: "draft" });
    expect(job.takes[0]!.state).toBe("succeeded");
    expect(attempts).toBe(2);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(950);
  });

  it("concurrency limit: three takes against a limit of two wait their turn (429), none fails", async () => {
    const polls = new Map<string, number>();
    let active = 0;
    let maxActive = 0;
    let n = 0;
    server.use(
      http.post(`${LUMA_BASE}/generations`, () => {
        if (active >= 2) return HttpResponse.json({ detail: "too many concurrent generations" }, { status: 429, headers: { "Retry-After": "0" } });
        active++;
        maxActive = Math.max(maxActive, active);
        const id = `gen-slot-${++n}`;
        polls.set(id, 0);
        return HttpResponse.json({ id, state: "queued" });
      }),
      http.get(`${LUMA_BASE}/generations/:id`, ({ params }) => {
        const id = String(params.id);
        const count = (polls.get(id) ?? 0) + 1;
        polls.set(id, count);
        if (count < 4) return HttpResponse.json({ id, state: "processing" });
        if (count === 4) active--;
        return HttpResponse.json({ id, state: "completed", output: [{ type: "video", url: `${LUMA_CDN}/slot.mp4` }] });
      }),
    );
    serveFile(`${LUMA_CDN}/slot.mp4`, makeVideo("sdr"));
    const job = await runJob({ mode: "draft", count: 3 });
    expect(job.takes.map((t) => t.state)).toEqual(["succeeded", "succeeded", "succeeded"]);
    expect(maxActive).toBe(2);
    expect(n).toBe(3);
  });

  it("429 that does not clear: the take fails as rate_limited, retry offered", async () => {
    server.use(http.post(`${LUMA_BASE}/generations`, () => HttpResponse.json({}, { status: 429, headers: { "Retry-After": "0" } })));
    const take = (await runJob({ mode: "draft" })).takes[0]!;
    expect(take.error).toMatchObject({ code: "rate_limited", retryable: true });
  });

  it("a generation that fails keeps Luma's failure_code and is refunded", async () => {
    server.use(
      http.post(`${LUMA_BASE}/generations`, () => HttpResponse.json({ id: "gen-mod", state: "queued" })),
      http.get(`${LUMA_BASE}/generations/gen-mod`, () =>
        HttpResponse.json({ id: "gen-mod", state: "failed", failure_code: "content_moderated", failure_reason: "frame flagged" }),
      ),
    );
    const take = (await runJob({ mode: "draft" })).takes[0]!;
    expect(take.state).toBe("failed");
    expect(take.error).toMatchObject({ code: "content_moderated", raw: "frame flagged" });
    expect(take.error?.message).toMatch(/moderation/);
    expect(take.error?.retryable).toBeUndefined(); // the same frame would be refused again
    expect(take.cost).toEqual({ usd: 0, estimated: false });
  });

  it("an answer that does not match the documented shape fails the take clearly", async () => {
    server.use(
      http.post(`${LUMA_BASE}/generations`, () => HttpResponse.json({ id: "gen-odd", state: "queued" })),
      http.get(`${LUMA_BASE}/generations/gen-odd`, () => HttpResponse.json({ id: "gen-odd", state: "dreaming" })),
    );
    const take = (await runJob({ mode: "draft" })).takes[0]!;
    expect(take.state).toBe("failed");
    expect(take.error?.code).toBe("bad_provider_response");
    expect(take.error?.message).toMatch(/unexpected shape.*state/);
  });

  it("a provider that goes silent: requests time out, the take fails as provider_silent, and a retry succeeds", async () => {
    server.use(
      http.post(`${LUMA_BASE}/generations`, () => HttpResponse.json({ id: "gen-silent", state: "queued" })),
      http.get(`${LUMA_BASE}/generations/gen-silent`, async () => {
        await delay("infinite");
        return HttpResponse.json({});
      }),
    );
    const failed = (await runJob({ mode: "draft" })).takes[0]!;
    expect(failed.state).toBe("failed");
    expect(failed.error).toMatchObject({ code: "provider_silent", retryable: true });
    expect(failed.error?.message).toMatch(/stopped answering/);

    server.resetHandlers();
    serveFile(`${LUMA_CDN}/retry.mp4`, makeVideo("sdr"));
    fakeLuma([{ type: "video", url: `${LUMA_CDN}/retry.mp4` }], { processingPolls: 0 });
    const retried = await api(backend, `/v1/takes/${failed.id}/retry`, { method: "POST" });
    expect(retried.status).toBe(200);
    const job = await settled(backend, failed.jobId);
    expect(job.takes[0]).toMatchObject({ state: "succeeded", iteration: 0, attempt: 1 });
    // The silent generation was sent and may have been charged: it stays in the take's cost.
    expect(failed.cost).toEqual({ usd: 0.15, estimated: true });
    expect(job.takes[0]).toMatchObject({ earlierAttempts: { usd: 0.15, estimated: true }, cost: { usd: 0.3, estimated: true } });
    const spend = await (await api(backend, "/v1/spend")).json();
    expect(spend.jobs.find((j: { jobId: string }) => j.jobId === failed.jobId).usd).toBe(0.3);
    expect((await api(backend, `/v1/takes/${failed.id}/retry`, { method: "POST" })).status).toBe(409);
  });

  it("expired output URLs: fresh links are fetched and downloaded", async () => {
    let gets = 0;
    server.use(
      http.post(`${LUMA_BASE}/generations`, () => HttpResponse.json({ id: "gen-exp", state: "queued" })),
      http.get(`${LUMA_BASE}/generations/gen-exp`, () => {
        gets++;
        const url = gets <= 2 ? `${LUMA_CDN}/old.mp4` : `${LUMA_CDN}/fresh.mp4`;
        return HttpResponse.json({ id: "gen-exp", state: "completed", output: [{ type: "video", url }] });
      }),
      http.get(`${LUMA_CDN}/old.mp4`, () => new HttpResponse("<Error><Code>AccessDenied</Code>Request has expired</Error>", { status: 403 })),
    );
    serveFile(`${LUMA_CDN}/fresh.mp4`, makeVideo("sdr"));
    const take = (await runJob({ mode: "draft" })).takes[0]!;
    expect(take.state).toBe("succeeded");
  });

  it("expired output URLs with no fresh ones: the take fails saying so, retry offered", async () => {
    server.use(
      http.post(`${LUMA_BASE}/generations`, () => HttpResponse.json({ id: "gen-gone", state: "queued" })),
      http.get(`${LUMA_BASE}/generations/gen-gone`, () => HttpResponse.json({ id: "gen-gone", state: "completed", output: [{ type: "video", url: `${LUMA_CDN}/gone.mp4` }] })),
      http.get(`${LUMA_CDN}/gone.mp4`, () => new HttpResponse(null, { status: 403 })),
    );
    const take = (await runJob({ mode: "draft" })).takes[0]!;
    expect(take.state).toBe("failed");
    expect(take.error).toMatchObject({ code: "output_expired", retryable: true });
  });

  it("cancel mid-run: the take is canceled and polling stops", async () => {
    let polls = 0;
    server.use(
      http.post(`${LUMA_BASE}/generations`, () => HttpResponse.json({ id: "gen-cancel", state: "queued" })),
      http.get(`${LUMA_BASE}/generations/gen-cancel`, () => {
        polls++;
        return HttpResponse.json({ id: "gen-cancel", state: "processing" });
      }),
    );
    const res = await createJob({ mode: "draft" });
    const job = (await res.json()) as Job;
    await waitFor(async () => ((await getJob(backend, job.id)).takes[0]!.state === "running" ? true : undefined), 10_000, 20);
    const canceled = await api(backend, `/v1/jobs/${job.id}/cancel`, { method: "POST" });
    expect(canceled.status).toBe(200);
    const after = await getJob(backend, job.id);
    expect(after.takes[0]!.state).toBe("canceled");
    const pollsAtCancel = polls;
    await delay(300);
    expect(polls - pollsAtCancel).toBeLessThanOrEqual(1);
  });
});

describe("Luma: backend restart", () => {
  it("resumes polling a paid generation after a restart, never submitting it twice", async () => {
    let creates = 0;
    let completed = false;
    server.use(
      http.post(`${LUMA_BASE}/generations`, () => {
        creates++;
        return HttpResponse.json({ id: "gen-restart", state: "queued" });
      }),
      http.get(`${LUMA_BASE}/generations/gen-restart`, () =>
        completed
          ? HttpResponse.json({ id: "gen-restart", state: "completed", output: [{ type: "video", url: `${LUMA_CDN}/restart.mp4` }] })
          : HttpResponse.json({ id: "gen-restart", state: "processing" }),
      ),
    );
    serveFile(`${LUMA_CDN}/restart.mp4`, makeVideo("sdr"));
    const first = await startProviderBackend();
    const dataDir = first.dataDir;
    const frameId = await uploadFrame(first, sequenceContext());
    const job = (await (await api(first, "/v1/jobs", { body: { frameId, provider: "luma", duration: 5 } })).json()) as Job;
    await waitFor(async () => ((await getJob(first, job.id)).takes[0]!.state === "running" ? true : undefined), 10_000, 20);
    await first.close();

    completed = true;
    const second = await startProviderBackend({ dataDir });
    try {
      const done = await settled(second, job.id);
      expect(done.takes[0]!.state).toBe("succeeded");
      expect(creates).toBe(1);
    } finally {
      await stopBackend(second);
    }
  });
});

describe("Luma: secrets", () => {
  it("never writes the key into the ledger or the data dir", async () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = `${dir}/${entry.name}`;
        if (entry.isDirectory()) walk(p);
        else files.push(p);
      }
    };
    walk(backend.dataDir);
    for (const file of files) expect(fs.readFileSync(file).includes(LUMA_KEY), file).toBe(false);
  });
});
