import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { compileDirection } from "../../src/core/direction/index.js";
import { ProviderInfo, type BridgeSpan, type FrameContext, type Job, type SequenceContext } from "../../src/core/schemas/index.js";
import { FalProvider } from "../../src/server/providers/fal/falProvider.js";
import type { SubmitInput } from "../../src/server/providers/provider.js";
import { makeStillPng, sequenceContext, waitFor } from "../helpers/backend.js";
import { api, createJobOnFrame, FAST, getJob, LUMA_BASE, RUNWAY_BASE, settled, startProviderBackend, stopBackend, TOKEN, uploadFrame, type TestBackend } from "./providerHarness.js";

/**
 * fal queue API contract (research/providers-2.md §1.4, §3, §5; @fal-ai/client 1.10.1 source):
 * - storage: POST {rest}/storage/upload/initiate?storage_type=fal-cdn-v3 → {upload_url, file_url},
 *   then PUT the bytes to upload_url;
 * - POST {queue}/{endpoint} (Authorization: Key …) → {request_id, status_url, response_url, cancel_url};
 * - GET {queue}/{owner}/{alias}/requests/{id}/status → IN_QUEUE (+queue_position) | IN_PROGRESS | COMPLETED;
 * - GET {queue}/{owner}/{alias}/requests/{id} → the result ({video: File}) or the run's error
 *   (422 {detail: [{loc, msg, type}]}, 500 {detail});
 * - PUT …/requests/{id}/cancel → {status: CANCELLATION_REQUESTED | ALREADY_COMPLETED …};
 * - GET {api}/v1/models/pricing?endpoint_id=a,b → {prices: [{endpoint_id, unit_price, unit, currency}]}.
 * fal bills only successful outputs.
 */

const FAL_QUEUE = "https://queue.fal.contract.test";
const FAL_REST = "https://rest.fal.contract.test";
const FAL_API = "https://api.fal.contract.test";
const FAL_CDN = "https://v3.fal.media.contract.test";
const FAL_KEY = "fal-key-id:fal-secret-for-contract-tests";

const VEO_DRAFT = "fal-ai/veo3.1/fast/image-to-video";
const KLING = "fal-ai/kling-video/v2.6/pro/image-to-video";
const SEEDANCE = "fal-ai/bytedance/seedance/v1.5/pro/image-to-video";
const HAILUO = "fal-ai/minimax/hailuo-02/standard/image-to-video";
const LTX = "fal-ai/ltx-2.3/image-to-video";
const WAN = "fal-ai/wan-flf2v";
const SEEDVR = "fal-ai/seedvr/upscale/video";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "retake-fal-contract-"));
/** What the pricing API answers; tests change it. */
let pricingAnswer: { status: number; body: unknown } = {
  status: 200,
  body: { prices: [{ endpoint_id: VEO_DRAFT, unit_price: 0.12, unit: "second", currency: "USD" }, { endpoint_id: KLING, unit_price: 0.14, unit: "second", currency: "USD" }], next_cursor: null, has_more: false },
};
const pricingSeen: Array<{ url: string; auth: string | null }> = [];
const server = setupServer(
  http.get(`${FAL_API}/v1/models/pricing`, ({ request }) => {
    pricingSeen.push({ url: request.url, auth: request.headers.get("authorization") });
    return HttpResponse.json(pricingAnswer.body as Record<string, unknown>, { status: pricingAnswer.status });
  }),
);
let backend: TestBackend;

const falConfig = { apiKey: FAL_KEY, queueUrl: FAL_QUEUE, restUrl: FAL_REST, apiUrl: FAL_API, ...FAST };

beforeAll(async () => {
  server.listen({ onUnhandledRequest: "bypass" });
  backend = await startProviderBackend({
    providers: { luma: { baseUrl: LUMA_BASE }, runway: { baseUrl: RUNWAY_BASE }, comfyui: {}, fal: falConfig },
  });
});
afterEach(() => server.resetHandlers());
afterAll(async () => {
  server.close();
  await stopBackend(backend);
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A clip as fal returns it: H.264, 24 fps, with an AAC sound track when `sound`. */
function clip(seconds: number, sound: boolean): Buffer {
  const out = path.join(tmp, `clip-${seconds}-${sound}.mp4`);
  if (!fs.existsSync(out)) {
    execFileSync("ffmpeg", [
      "-v", "error", "-y", "-f", "lavfi", "-i", `testsrc2=size=192x108:rate=24:duration=${seconds}`,
      ...(sound ? ["-f", "lavfi", "-i", `sine=frequency=440:sample_rate=48000:duration=${seconds}`, "-c:a", "aac", "-shortest"] : []),
      "-pix_fmt", "yuv420p", "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", "-c:v", "libx264", "-movflags", "+faststart+write_colr", out,
    ]);
  }
  return fs.readFileSync(out);
}

interface FakeFal {
  submits: Array<{ endpoint: string; body: any; headers: Headers; url: string }>;
  uploads: Array<{ contentType: string; bytes: Buffer }>;
  cancels: string[];
  statusPolls: number;
}

/**
 * A fal queue for one endpoint: the request goes through `statuses` (a list, or one per poll from a
 * function; undefined = done), then COMPLETED, and the
 * result call answers `result` (a {video} body, or an error status).
 */
function fakeFal(endpoint: string, requestId: string, statuses: Array<Record<string, unknown>> | ((poll: number) => Record<string, unknown> | undefined), result: { status?: number; body: unknown }, submitError?: { status: number; body: unknown }): FakeFal {
  const seen: FakeFal = { submits: [], uploads: [], cancels: [], statusPolls: 0 };
  const app = endpoint.split("/").slice(0, 2).join("/");
  let uploadCount = 0;
  server.use(
    http.post(`${FAL_REST}/storage/upload/initiate`, async ({ request }) => {
      const body = (await request.json()) as { content_type: string; file_name: string };
      const n = ++uploadCount;
      return HttpResponse.json({ upload_url: `${FAL_CDN}/upload/${requestId}-${n}`, file_url: `${FAL_CDN}/files/${requestId}-${n}-${body.file_name}` });
    }),
    http.put(`${FAL_CDN}/upload/:id`, async ({ request }) => {
      seen.uploads.push({ contentType: request.headers.get("content-type") ?? "", bytes: Buffer.from(await request.arrayBuffer()) });
      return new HttpResponse(null, { status: 200 });
    }),
    http.post(`${FAL_QUEUE}/${endpoint}`, async ({ request }) => {
      seen.submits.push({ endpoint, body: await request.json(), headers: request.headers, url: request.url });
      if (submitError) return HttpResponse.json(submitError.body as Record<string, unknown>, { status: submitError.status });
      const base = `${FAL_QUEUE}/${app}/requests/${requestId}`;
      return HttpResponse.json({ request_id: requestId, gateway_request_id: requestId, status_url: `${base}/status`, response_url: base, cancel_url: `${base}/cancel`, queue_position: 0 });
    }),
    http.get(`${FAL_QUEUE}/${app}/requests/${requestId}/status`, () => {
      const poll = seen.statusPolls++;
      const s = (typeof statuses === "function" ? statuses(poll) : statuses[poll]) ?? { status: "COMPLETED", logs: [], metrics: { inference_time: 12.3 } };
      return HttpResponse.json({ request_id: requestId, response_url: "", status_url: "", cancel_url: "", ...s });
    }),
    http.get(`${FAL_QUEUE}/${app}/requests/${requestId}`, () => HttpResponse.json(result.body as Record<string, unknown>, { status: result.status ?? 200 })),
    http.put(`${FAL_QUEUE}/${app}/requests/${requestId}/cancel`, () => {
      seen.cancels.push(requestId);
      return HttpResponse.json({ status: "CANCELLATION_REQUESTED" }, { status: 202 });
    }),
  );
  return seen;
}

function serveVideo(name: string, bytes: Buffer, status = 200): string {
  const url = `${FAL_CDN}/files/out/${name}`;
  server.use(http.get(url, () => (status === 200 ? new HttpResponse(new Uint8Array(bytes), { headers: { "content-type": "video/mp4" } }) : new HttpResponse("Not Found", { status }))));
  return url;
}

function createJob(body: Record<string, unknown>, seq = sequenceContext()): Promise<Job> {
  return createJobOnFrame(backend, { provider: "fal", duration: 4, prompt: "Slow push toward the lighthouse", ...body }, seq);
}

async function falInfo(): Promise<ProviderInfo> {
  const { providers } = (await (await api(backend, "/v1/providers")).json()) as { providers: unknown[] };
  return providers.map((p) => ProviderInfo.parse(p)).find((p) => p.id === "fal")!;
}

describe("fal: the catalogue as capabilities", () => {
  it("offers every catalogue model with its label, bridge models with both frames, SeedVR2 for upscales", async () => {
    const info = await falInfo();
    expect(info.available).toBe(true);
    const labels = Object.fromEntries(info.capabilities.modelInfo!.map((m) => [m.id, m.label]));
    expect(labels).toMatchObject({ [VEO_DRAFT]: "Veo 3.1 Fast", [KLING]: "Kling 2.6 Pro", [SEEDANCE]: "Seedance 1.5 Pro", [HAILUO]: "Hailuo-02 Standard", [LTX]: "LTX-2.3", [WAN]: expect.stringContaining("Wan"), [SEEDVR]: "SeedVR2 upscale" });
    expect(info.capabilities.limits?.draft?.defaultModel).toBe(VEO_DRAFT);
    expect(info.capabilities.limits?.final?.defaultModel).toBe("fal-ai/veo3.1/image-to-video");
    expect(info.capabilities.bridge?.models[0]).toBe("fal-ai/veo3.1/fast/first-last-frame-to-video");
    expect(info.capabilities.bridge?.models).toEqual(expect.arrayContaining([KLING, SEEDANCE, HAILUO, LTX, WAN]));
    expect(info.capabilities.bridge?.models).not.toContain(VEO_DRAFT);
    expect(info.capabilities.upscale).toMatchObject({ models: [SEEDVR], sizes: expect.arrayContaining(["2160p"]) });
    expect(info.capabilities.models).not.toContain(SEEDVR);
    const veo = info.capabilities.modelInfo!.find((m) => m.id === VEO_DRAFT)!;
    expect(veo.audio).toMatchObject({ switchable: true, defaultOn: true });
    expect(info.capabilities.modelInfo!.find((m) => m.id === HAILUO)!.audio).toBeUndefined();
  });

  it("without FAL_KEY fal is listed as unavailable with the fix, and previz still works", async () => {
    const provider = new FalProvider({});
    expect(provider.info()).toMatchObject({ available: false, reason: expect.stringContaining("FAL_KEY") });
  });
});

describe("fal: honest prices", () => {
  it("reads the account's prices from the pricing API (Key auth, every catalogue id) and shows them as fal's own", async () => {
    await waitFor(async () => ((await falInfo()).pricing?.confirmed ? true : undefined), 5000, 20);
    const seen = pricingSeen[0]!;
    expect(seen.auth).toBe(`Key ${FAL_KEY}`);
    const ids = new URL(seen.url).searchParams.get("endpoint_id")!.split(",");
    expect(ids).toEqual(expect.arrayContaining([VEO_DRAFT, KLING, SEEDANCE, HAILUO, LTX, WAN, SEEDVR]));
    const info = await falInfo();
    expect(info.pricing).toMatchObject({ confirmed: true, takenOn: new Date().toISOString().slice(0, 10), source: expect.stringContaining("pricing API") });
    expect(info.pricing!.note).toContain("failed take costs nothing");

    // The account's $0.12/s (not the table's $0.15) × 4 s: fal's own figure, not an estimate.
    const res = await api(backend, "/v1/estimate", { body: { provider: "fal", mode: "draft", duration: 4 } });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(((await res.json()) as { perTake: unknown }).perTake).toEqual({ usd: 0.48, estimated: false });
    // A model the API did not price falls back to the dated table, marked estimated.
    const hailuo = await api(backend, "/v1/estimate", { body: { provider: "fal", mode: "draft", duration: 6, model: HAILUO } });
    expect(((await hailuo.json()) as { perTake: unknown }).perTake).toEqual({ usd: 0.27, estimated: true });
  });

  it("falls back to the dated catalogue table, marked estimated, when the pricing API fails", async () => {
    pricingAnswer = { status: 500, body: { detail: "internal" } };
    try {
      const provider = new FalProvider({ apiKey: FAL_KEY, queueUrl: FAL_QUEUE, restUrl: FAL_REST, apiUrl: FAL_API });
      await provider.pricing.refresh();
      expect(provider.info().pricing).toMatchObject({ confirmed: false, takenOn: "2026-12-03", note: expect.stringContaining("HTTP 500") });
      expect(provider.estimateCost({ mode: "draft", model: VEO_DRAFT, duration: 4 })).toEqual({ usd: 0.6, estimated: true });
      // The sound switch changes the price where the model has it: Veo Fast $0.10/s without sound.
      expect(provider.estimateCost({ mode: "draft", model: VEO_DRAFT, duration: 4, audio: false })).toEqual({ usd: 0.4, estimated: true });
      // SeedVR2: $0.001 per output megapixel; 4 s of UHD at 24 fps ≈ 796 MP.
      expect(provider.estimateCost({ mode: "final", model: SEEDVR, duration: 4, upscale: { sourceVideoPath: "x", size: "2160p", width: 3840, height: 2160 } })).toEqual({ usd: 0.8, estimated: true });
    } finally {
      pricingAnswer = { status: 200, body: { prices: [] } };
    }
  });
});

describe("fal: queue happy paths through the director", () => {
  it("Veo 3.1 Fast draft: frame uploaded to fal storage, queue position on the card, sound kept, key never recorded", async () => {
    const requestId = "req-veo-1";
    const video = clip(4, true);
    const url = serveVideo("veo.mp4", video);
    const seen = fakeFal(VEO_DRAFT, requestId, [...Array.from({ length: 6 }, () => ({ status: "IN_QUEUE", queue_position: 2 })), { status: "IN_QUEUE", queue_position: 0 }, { status: "IN_PROGRESS", logs: [] }], {
      body: { video: { url, content_type: "video/mp4", file_name: "veo.mp4", file_size: video.length } },
    });
    const created = await createJob({ mode: "draft" });
    const messages = new Set<string>();
    const job = await waitFor(async () => {
      const j = await getJob(backend, created.id);
      messages.add(`${j.takes[0]!.state}:${j.takes[0]!.message}`);
      return ["succeeded", "failed"].includes(j.takes[0]!.state) ? j : undefined;
    }, 30_000, 5);
    const take = job.takes[0]!;
    expect(take.state, JSON.stringify(take.error)).toBe("succeeded");
    expect([...messages]).toEqual(expect.arrayContaining(["queued:In fal's queue, position 3", "running:Generating at fal"]));

    const submit = seen.submits[0]!;
    expect(submit.headers.get("authorization")).toBe(`Key ${FAL_KEY}`);
    expect(submit.body).toMatchObject({ prompt: expect.stringContaining("lighthouse"), duration: "4s", resolution: "720p", aspect_ratio: "16:9" });
    expect(submit.body.image_url).toMatch(new RegExp(`^${FAL_CDN}/files/`));
    expect(seen.uploads[0]!.bytes.subarray(0, 4).toString("hex")).toBe("89504e47");

    const source = Buffer.from(await (await api(backend, `/v1/artifacts/${(take.outputs.source ?? take.outputs.master)!.id}`)).arrayBuffer());
    expect(source.length).toBeGreaterThan(0);
    expect(JSON.stringify(take)).toContain("with its sound");
    expect(take.request).toMatchObject({ endpoint: VEO_DRAFT, requestId });
    // The key is in no record: not the take, not the ledger file.
    expect(JSON.stringify(job)).not.toContain("fal-secret");
    const ledgerFiles = fs.readdirSync(backend.dataDir).filter((f) => f.startsWith("ledger.sqlite"));
    expect(ledgerFiles).toContain("ledger.sqlite");
    const ledgerBytes = ledgerFiles.map((f) => fs.readFileSync(path.join(backend.dataDir, f)));
    // The request id the take records is in the ledger: the search would find the key too.
    expect(ledgerBytes.some((b) => b.includes(Buffer.from(requestId)))).toBe(true);
    for (const bytes of ledgerBytes) expect(bytes.includes(Buffer.from("fal-secret"))).toBe(false);
  });

  it("Kling 2.6 final: start_image_url, duration \"5\" for a 4.5 s ask", async () => {
    const url = serveVideo("kling.mp4", clip(5, false));
    const seen = fakeFal(KLING, "req-kling-1", [], { body: { video: { url } } });
    const job = await settled(backend, (await createJob({ mode: "final", model: KLING, duration: 4.5 })).id);
    expect(job.takes[0]!.state, JSON.stringify(job.takes[0]!.error)).toBe("succeeded");
    expect(seen.submits[0]!.body).toMatchObject({ start_image_url: expect.stringContaining(FAL_CDN), duration: "5" });
    expect(seen.submits[0]!.body.end_image_url).toBeUndefined();
    // The account's Kling price from the pricing API × 5 rendered seconds.
    expect(job.takes[0]!.cost.usd).toBeCloseTo(0.7, 5);
  });

  it("Seedance 1.5 bridge: A's picture as image_url, B's as end_image_url, both uploaded", async () => {
    const seq: SequenceContext = sequenceContext({ videoTracks: [{ index: 0, name: "V1", clips: [{ name: "A", start: 0, end: 2 }, { name: "B", start: 5, end: 8 }] }] });
    const span: BridgeSpan = { kind: "gap", trackIndex: 0, a: { name: "A", start: 0, end: 2 }, b: { name: "B", start: 5, end: 8 }, start: 2, end: 5, frames: 72, startAnchor: 2 - 1 / 24, endAnchor: 5 };
    const post = async (image: Buffer, context: unknown) => {
      const form = new FormData();
      form.append("context", JSON.stringify(context));
      form.append("image", new Blob([new Uint8Array(image)], { type: "image/png" }), "frame.png");
      const res = await fetch(`${backend.url}/v1/frames`, { method: "POST", body: form, headers: { authorization: `Bearer ${TOKEN}` } });
      return ((await res.json()) as { frameId: string }).frameId;
    };
    const endFrameId = await post(makeStillPng(320, 180), { sequence: seq, mode: "bridge" });
    const frameId = await post(makeStillPng(320, 180), { sequence: seq, mode: "bridge", bridge: { ...span, endFrameId } });
    const url = serveVideo("seedance.mp4", clip(4, true));
    const seen = fakeFal(SEEDANCE, "req-seed-1", [{ status: "IN_PROGRESS" }], { body: { video: { url } } });
    const res = await api(backend, "/v1/jobs", { body: { frameId, provider: "fal", model: SEEDANCE, mode: "draft", duration: 3, prompt: "The boat drifts into the harbour" } });
    expect(res.status, await res.clone().text()).toBe(201);
    const job = await settled(backend, ((await res.json()) as Job).id);
    expect(job.takes[0]!.state, JSON.stringify(job.takes[0]!.error)).toBe("succeeded");
    const body = seen.submits[0]!.body;
    expect(body.image_url).toContain(FAL_CDN);
    expect(body.end_image_url).toContain(FAL_CDN);
    expect(body.image_url).not.toBe(body.end_image_url);
    expect(seen.uploads).toHaveLength(2);
    expect(body).toMatchObject({ duration: "4", resolution: "480p" });
  });
});

describe("fal: request bodies per model family (documented field names)", () => {
  const provider = () => new FalProvider({ apiKey: FAL_KEY, queueUrl: FAL_QUEUE, restUrl: FAL_REST, apiUrl: FAL_API });
  function input(model: string, extra: Partial<SubmitInput> = {}): SubmitInput {
    const seq = sequenceContext();
    const framePath = path.join(tmp, "frame.png");
    fs.writeFileSync(framePath, makeStillPng(320, 180));
    const frame: FrameContext = { frameId: "frm_1", capturedAt: new Date().toISOString(), image: { width: 320, height: 180, mediaType: "image/png", bytes: 1 }, mode: "insert", sequence: seq };
    return {
      jobId: "job_1", takeId: "tk_1", takeIndex: 0, mode: "draft", model, duration: 5,
      direction: compileDirection({ prompt: "A gull lifts off the pier", annotations: [], duration: 5 }, { frameSize: seq.frameSize }),
      frame, framePath, workDir: path.join(tmp, "work"), ...extra,
    };
  }

  it("Veo with the sound switched off sends generate_audio: false", async () => {
    const seen = fakeFal(VEO_DRAFT, "req-veo-off", [], { body: {} });
    await provider().submit(input(VEO_DRAFT, { audio: false, duration: 6 }));
    expect(seen.submits[0]!.body).toMatchObject({ generate_audio: false, duration: "6s" });
  });

  it("Hailuo-02: image_url + duration \"6\" + 512P, no sound field", async () => {
    const seen = fakeFal(HAILUO, "req-hailuo", [], { body: {} });
    await provider().submit(input(HAILUO));
    expect(seen.submits[0]!.body).toMatchObject({ image_url: expect.stringContaining(FAL_CDN), duration: "6", resolution: "512P" });
    expect(seen.submits[0]!.body).not.toHaveProperty("generate_audio");
  });

  it("LTX-2.3 takes the frame inline as a data URI (no storage upload), 2160p for a UHD final; the ledger record holds no base64", async () => {
    const url = serveVideo("ltx.mp4", clip(1, true));
    const seen = fakeFal(LTX, "req-ltx", [{ status: "IN_PROGRESS" }], { body: { video: { url, content_type: "video/mp4", file_name: "ltx.mp4", width: 3840, height: 2160, fps: 25, duration: 8, num_frames: 201 } } });
    const uhd = input(LTX, { mode: "final", duration: 8 });
    uhd.frame = { ...uhd.frame, sequence: { ...uhd.frame.sequence, frameSize: { width: 3840, height: 2160 } } };
    const p = provider();
    const submitted = await p.submit(uhd);
    expect(await p.status(submitted.providerJobId)).toMatchObject({ state: "running" });
    expect(await p.status(submitted.providerJobId)).toMatchObject({ state: "succeeded" });
    const [master] = await p.fetchOutputs(submitted.providerJobId, path.join(tmp, "ltx-out"));
    expect(master).toMatchObject({ kind: "master", width: 3840, height: 2160, hasAudio: true });
    expect(seen.submits[0]!.body.image_url).toMatch(/^data:image\/png;base64,/);
    expect(seen.submits[0]!.body).toMatchObject({ duration: "8", resolution: "2160p" });
    expect(seen.uploads).toHaveLength(0);
    expect(JSON.stringify(submitted.request)).not.toContain("base64,");
  });

  it("Wan FLF2V: start_image_url + end_image_url, 81 frames at 16 fps", async () => {
    const url = serveVideo("wan.mp4", clip(1, false));
    const seen = fakeFal(WAN, "req-wan", [{ status: "IN_QUEUE", queue_position: 4 }], { body: { video: { url } } });
    const endFramePath = path.join(tmp, "end.png");
    fs.writeFileSync(endFramePath, makeStillPng(320, 180));
    const span: BridgeSpan = { kind: "gap", trackIndex: 0, a: { name: "A", start: 0, end: 2 }, b: { name: "B", start: 5, end: 8 }, start: 2, end: 5, frames: 72, startAnchor: 2, endAnchor: 5 };
    const p = provider();
    const submitted = await p.submit(input(WAN, { duration: 3, bridge: { span, endFramePath } }));
    expect(seen.submits[0]!.body).toMatchObject({ start_image_url: expect.stringContaining(FAL_CDN), end_image_url: expect.stringContaining(FAL_CDN), num_frames: 81, frames_per_second: 16 });
    expect(await p.status(submitted.providerJobId)).toMatchObject({ state: "queued", message: "In fal's queue, position 5" });
    expect(await p.status(submitted.providerJobId)).toMatchObject({ state: "succeeded" });
    const [master] = await p.fetchOutputs(submitted.providerJobId, path.join(tmp, "wan-out"));
    expect(master!.hasAudio).toBeUndefined();
    expect(fs.statSync(master!.path).size).toBe(clip(1, false).length);
  });

  it("an Enhance of a bridge goes to Veo 3.1 first+last frame; a model outside the catalogue is refused with the choices", async () => {
    const flf = "fal-ai/veo3.1/first-last-frame-to-video";
    const seen = fakeFal(flf, "req-flf", [], { body: {} });
    const endFramePath = path.join(tmp, "end2.png");
    fs.writeFileSync(endFramePath, makeStillPng(320, 180));
    const span: BridgeSpan = { kind: "gap", trackIndex: 0, a: { name: "A", start: 0, end: 2 }, b: { name: "B", start: 5, end: 8 }, start: 2, end: 5, frames: 72, startAnchor: 2, endAnchor: 5 };
    const submitted = await provider().submit(input("fal-ai/veo3.1/image-to-video", { mode: "final", duration: 4, bridge: { span, endFramePath } }));
    expect(submitted.providerJobId.startsWith(`${flf}#`)).toBe(true);
    expect(seen.submits[0]!.body).toMatchObject({ first_frame_url: expect.stringContaining(FAL_CDN), last_frame_url: expect.stringContaining(FAL_CDN), duration: "4s", resolution: "720p" });
    await expect(provider().submit(input("fal-ai/not-in-the-catalogue"))).rejects.toThrow(/not one Retake offers for draft takes; use fal-ai\/veo3\.1\/fast\/image-to-video/);
  });

  it("SeedVR2 upscale: the take's master uploaded, target 2160p, ProRes out; the .mov is downloaded", async () => {
    const source = path.join(tmp, "take.mp4");
    fs.writeFileSync(source, clip(1, false));
    const url = serveVideo("upscaled.mov", clip(1, false));
    const seen = fakeFal(SEEDVR, "req-up", [], { body: { video: { url, content_type: "video/quicktime", file_name: "upscaled.mov" } } });
    const p = provider();
    const submitted = await p.submit(input(SEEDVR, { mode: "final", upscale: { sourceVideoPath: source, size: "2160p", width: 3840, height: 2160 } }));
    expect(seen.uploads[0]!.bytes.equals(fs.readFileSync(source))).toBe(true);
    expect(seen.submits[0]!.body).toMatchObject({ video_url: expect.stringContaining(FAL_CDN), upscale_mode: "target", target_resolution: "2160p", output_format: "PRORES4444 (.mov)" });
    expect(await p.status(submitted.providerJobId)).toMatchObject({ state: "succeeded" });
    const outputs = await p.fetchOutputs(submitted.providerJobId, path.join(tmp, "up-out"));
    expect(outputs[0]).toMatchObject({ kind: "master", mediaType: "video/quicktime" });
    expect(path.extname(outputs[0]!.path)).toBe(".mov");
  });
});

describe("fal: failures cost nothing, cancels are requests, expired links are clear", () => {
  it("a 4xx validation error on submit names the field; the take costs nothing", async () => {
    fakeFal(VEO_DRAFT, "req-422", [], { body: {} }, {
      status: 422,
      body: { detail: [{ loc: ["body", "duration"], msg: "unexpected value; permitted: '4s', '6s', '8s'", type: "literal_error" }] },
    });
    const take = (await settled(backend, (await createJob({ mode: "draft" })).id)).takes[0]!;
    expect(take.state).toBe("failed");
    expect(take.error).toMatchObject({ code: "invalid_request" });
    expect(take.error!.message).toContain("duration");
    expect(take.error!.message).toContain("permitted");
    expect(take.cost).toEqual({ usd: 0, estimated: false });
  });

  it("a refused key (401 on submit) says to check FAL_KEY, never shows it, and costs nothing", async () => {
    fakeFal(VEO_DRAFT, "req-401", [], { body: {} }, { status: 401, body: { detail: "Invalid key" } });
    const take = (await settled(backend, (await createJob({ mode: "draft" })).id)).takes[0]!;
    expect(take.state).toBe("failed");
    expect(take.error).toMatchObject({ code: "unauthorized" });
    expect(take.error!.message).toContain("FAL_KEY");
    expect(JSON.stringify(take)).not.toContain("fal-secret");
    expect(take.cost).toEqual({ usd: 0, estimated: false });
  });

  it("a failed generation (COMPLETED, result 500) keeps fal's reason and costs 0 in the ledger", async () => {
    fakeFal(KLING, "req-fail", [{ status: "IN_PROGRESS" }], { status: 500, body: { detail: "Generation failed: content policy violation" } });
    const job = await settled(backend, (await createJob({ mode: "draft", model: KLING })).id);
    const take = job.takes[0]!;
    expect(take.state).toBe("failed");
    expect(take.error).toMatchObject({ code: "generation_failed", raw: expect.stringContaining("content policy") });
    expect(take.cost).toEqual({ usd: 0, estimated: false });
  });

  it("a validation error from the run itself (COMPLETED, result 422) fails the take naming the field, at no cost", async () => {
    fakeFal(SEEDANCE, "req-422-run", [], { status: 422, body: { detail: [{ loc: ["body", "image_url"], msg: "Image is too small (min 300 px)", type: "value_error" }] } });
    const take = (await settled(backend, (await createJob({ mode: "draft", model: SEEDANCE })).id)).takes[0]!;
    expect(take.state).toBe("failed");
    expect(take.error).toMatchObject({ code: "invalid_input" });
    expect(take.error!.message).toContain("image_url: Image is too small");
    expect(take.cost).toEqual({ usd: 0, estimated: false });
  });

  it("a request error after fal's own retries (504 request_timeout) ends the take at no cost instead of polling on", async () => {
    fakeFal(HAILUO, "req-timeout", [], { status: 504, body: { detail: "Request timed out after 600 s", error_type: "request_timeout" } });
    const take = (await settled(backend, (await createJob({ mode: "draft", model: HAILUO, duration: 6 })).id)).takes[0]!;
    expect(take.state).toBe("failed");
    expect(take.error).toMatchObject({ code: "request_timeout", raw: expect.stringContaining("timed out") });
    expect(take.cost).toEqual({ usd: 0, estimated: false });
  }, 30_000);

  it("cancel while in progress sends PUT …/cancel and the card says it is only a request", async () => {
    const seen = fakeFal(VEO_DRAFT, "req-cancel", Array.from({ length: 100_000 }, () => ({ status: "IN_PROGRESS" })), { body: {} });
    const job = await createJob({ mode: "draft" });
    await waitFor(async () => ((await getJob(backend, job.id)).takes[0]!.state === "running" ? true : undefined), 10_000, 20);
    expect((await api(backend, `/v1/jobs/${job.id}/cancel`, { method: "POST" })).status).toBe(200);
    await waitFor(() => (seen.cancels.length > 0 ? true : undefined), 5000, 20);
    const take = (await getJob(backend, job.id)).takes[0]!;
    expect(take.state).toBe("canceled");
    expect(take.message).toMatch(/may finish anyway and be charged/);
  });

  it("a result URL that has expired (404 on download) fails clearly and retryably; the paid take keeps its price", async () => {
    const url = serveVideo("gone.mp4", Buffer.alloc(0), 404);
    fakeFal(VEO_DRAFT, "req-expired", [], { body: { video: { url } } });
    const take = (await settled(backend, (await createJob({ mode: "draft" })).id)).takes[0]!;
    expect(take.state).toBe("failed");
    expect(take.error).toMatchObject({ code: "output_expired", retryable: true });
    expect(take.error!.message).toMatch(/expired/);
    expect(take.cost.usd).toBeGreaterThan(0);
  });
});

describe("fal: webhooks (signed deliveries; polling stays the fallback)", () => {
  const JWKS = "https://rest.alpha.fal.contract.test/.well-known/jwks.json";
  const WEBHOOK = "https://retake.example.test/fal/webhook";
  const falKeys = crypto.generateKeyPairSync("ed25519");
  const forger = crypto.generateKeyPairSync("ed25519");
  let hooked: TestBackend;

  beforeAll(async () => {
    hooked = await startProviderBackend({
      providers: { luma: { baseUrl: LUMA_BASE }, runway: { baseUrl: RUNWAY_BASE }, comfyui: {}, fal: { ...falConfig, webhookUrl: WEBHOOK, jwksUrl: JWKS } },
    });
  });
  afterAll(async () => stopBackend(hooked));

  function signed(body: unknown, options: { key?: crypto.KeyObject; timestamp?: number; requestId?: string } = {}) {
    const raw = Buffer.from(JSON.stringify(body));
    const requestId = options.requestId ?? (body as { request_id: string }).request_id;
    const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
    const message = `${requestId}\nuser-1\n${timestamp}\n${crypto.createHash("sha256").update(raw).digest("hex")}`;
    const signature = crypto.sign(null, Buffer.from(message), options.key ?? falKeys.privateKey).toString("hex");
    return {
      method: "POST",
      body: raw,
      headers: { "content-type": "application/json", "x-fal-webhook-request-id": requestId, "x-fal-webhook-user-id": "user-1", "x-fal-webhook-timestamp": timestamp, "x-fal-webhook-signature": signature },
    };
  }

  it("a verified delivery finishes the take (fal only ever says IN_PROGRESS here); a repeat changes nothing; forged, stale or unsigned ones are refused", async () => {
    server.use(http.get(JWKS, () => HttpResponse.json({ keys: [{ ...falKeys.publicKey.export({ format: "jwk" }), kid: "k1" }] })));
    const url = serveVideo("hooked.mp4", clip(4, false));
    const seen = fakeFal(VEO_DRAFT, "req-hook", Array.from({ length: 100_000 }, () => ({ status: "IN_PROGRESS" })), { status: 500, body: { detail: "the result call is not needed" } });
    const frameId = await uploadFrame(hooked, sequenceContext());
    const created = (await (await api(hooked, "/v1/jobs", { body: { frameId, provider: "fal", duration: 4, prompt: "Gulls over the pier" } })).json()) as Job;
    await waitFor(async () => ((await getJob(hooked, created.id)).takes[0]!.state === "running" ? true : undefined), 10_000, 20);
    expect(new URL(seen.submits[0]!.url).searchParams.get("fal_webhook")).toBe(WEBHOOK);

    const delivery = { request_id: "req-hook", gateway_request_id: "req-hook", status: "OK", payload: { video: { url, content_type: "video/mp4" } } };
    const hook = `${hooked.url}/fal/webhook`;
    // Refused: no signature, a stale timestamp, a key that is not fal's. Nothing changes.
    expect((await fetch(hook, { method: "POST", body: JSON.stringify(delivery), headers: { "content-type": "application/json" } })).status).toBe(401);
    expect((await fetch(hook, signed(delivery, { timestamp: Math.floor(Date.now() / 1000) - 3600 }))).status).toBe(401);
    expect((await fetch(hook, signed(delivery, { key: forger.privateKey }))).status).toBe(401);
    expect((await getJob(hooked, created.id)).takes[0]!.state).toBe("running");

    const first = await fetch(hook, signed(delivery));
    expect(first.status, await first.clone().text()).toBe(200);
    expect(await first.json()).toEqual({ ok: true, duplicate: false });
    // Delivery conforms and scores the clip (about 12 s alone): the wait guards against a hang, not a speed.
    const job = await settled(hooked, created.id, 90_000);
    expect(job.takes[0]!.state, JSON.stringify(job.takes[0]!.error)).toBe("succeeded");
    const again = await fetch(hook, signed(delivery));
    expect(await again.json()).toEqual({ ok: true, duplicate: true });
    expect((await getJob(hooked, created.id)).takes[0]!.state).toBe("succeeded");
  });

  it("an ERROR delivery fails the take with fal's words, at no cost; without FAL_WEBHOOK_URL there is no webhook route at all", async () => {
    server.use(http.get(JWKS, () => HttpResponse.json({ keys: [falKeys.publicKey.export({ format: "jwk" })] })));
    fakeFal(KLING, "req-hook-err", Array.from({ length: 100_000 }, () => ({ status: "IN_PROGRESS" })), { status: 500, body: {} });
    const frameId = await uploadFrame(hooked, sequenceContext());
    const created = (await (await api(hooked, "/v1/jobs", { body: { frameId, provider: "fal", model: KLING, duration: 4, prompt: "Gulls" } })).json()) as Job;
    await waitFor(async () => ((await getJob(hooked, created.id)).takes[0]!.state === "running" ? true : undefined), 10_000, 20);
    const delivery = { request_id: "req-hook-err", status: "ERROR", error: "Invalid status code: 422", payload: { detail: [{ loc: ["body", "start_image_url"], msg: "Image could not be downloaded", type: "value_error" }] } };
    expect((await fetch(`${hooked.url}/fal/webhook`, signed(delivery))).status).toBe(200);
    const take = (await settled(hooked, created.id, 90_000)).takes[0]!;
    expect(take.state).toBe("failed");
    expect(take.error!.message).toContain("start_image_url: Image could not be downloaded");
    expect(take.cost).toEqual({ usd: 0, estimated: false });

    expect((await fetch(`${backend.url}/fal/webhook`, signed(delivery))).status).toBe(404);
  });
});

describe("fal: backend restart and secrets", () => {
  it("resumes polling a paid request after a restart (endpoint#request_id in the ledger), never submitting it twice", async () => {
    const url = serveVideo("restart.mp4", clip(4, false));
    let completed = false;
    const seen = fakeFal(SEEDANCE, "req-restart", () => (completed ? undefined : { status: "IN_PROGRESS" }), { body: { video: { url } } });
    const providers = { luma: { baseUrl: LUMA_BASE }, runway: { baseUrl: RUNWAY_BASE }, comfyui: {}, fal: falConfig };
    const first = await startProviderBackend({ providers });
    const frameId = await uploadFrame(first, sequenceContext());
    const job = (await (await api(first, "/v1/jobs", { body: { frameId, provider: "fal", model: SEEDANCE, duration: 4 } })).json()) as Job;
    await waitFor(async () => ((await getJob(first, job.id)).takes[0]!.state === "running" ? true : undefined), 10_000, 20);
    await first.close();

    completed = true;
    const second = await startProviderBackend({ providers, dataDir: first.dataDir });
    try {
      const done = await settled(second, job.id, 30_000);
      expect(done.takes[0]!.state, JSON.stringify(done.takes[0]!.error)).toBe("succeeded");
      expect(seen.submits).toHaveLength(1);
      // Nothing in the data dir holds the key (ledger, artifacts, work files).
      const files: string[] = [];
      const walk = (dir: string) => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
          const p = path.join(dir, entry.name);
          if (entry.isDirectory()) walk(p);
          else files.push(p);
        }
      };
      walk(second.dataDir);
      expect(files.length).toBeGreaterThan(3);
      for (const file of files) expect(fs.readFileSync(file).includes(Buffer.from("fal-secret")), file).toBe(false);
    } finally {
      await stopBackend(second);
    }
  }, 60_000);
});
