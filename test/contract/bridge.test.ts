import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ProviderInfo, type BridgeSpan, type Job, type SequenceContext } from "../../src/core/schemas/index.js";
import { makeStillPng, sequenceContext } from "../helpers/backend.js";
import { api, LUMA_BASE, LUMA_CDN, RUNWAY_BASE, RUNWAY_CDN, settled, startProviderBackend, stopBackend, TOKEN, type TestBackend } from "./providerHarness.js";

/**
 * Bridge requests at the HTTP boundary, from the documented shapes (research/providers-2.md §1):
 * - Luma Agents API, ray-3.2: `video.start_frame` and `video.end_frame` as inline base64 ImageRefs
 *   ({data, media_type}), image-anchored generations 5 s, no loop with an end frame;
 * - Runway image_to_video, veo3.1 / veo3.1_fast: `promptImage: [{uri, position: "first"},
 *   {uri, position: "last"}]` (data URIs ≤ 5 MB), duration 4/6/8, ratio from Veo's four, `audio`.
 * Then the backend's fit: the delivered master has exactly the span's frames.
 */
const server = setupServer();
let backend: TestBackend;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "retake-bridge-contract-"));

beforeAll(async () => {
  server.listen({ onUnhandledRequest: "bypass" });
  backend = await startProviderBackend();
});
afterEach(() => server.resetHandlers());
afterAll(async () => {
  server.close();
  await stopBackend(backend);
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A plain-colored PNG, so A's and B's frames are told apart in the request. */
function colorPng(color: string, width = 320, height = 180): Buffer {
  const out = path.join(tmp, `${color}.png`);
  execFileSync("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", `color=c=${color}:s=${width}x${height}`, "-frames:v", "1", out]);
  return fs.readFileSync(out);
}

/** What the provider "generated": an SDR H.264 clip of `seconds` at 24 fps. */
function clip(seconds: number): Buffer {
  const out = path.join(tmp, `clip-${seconds}.mp4`);
  if (!fs.existsSync(out)) {
    execFileSync("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", `testsrc2=size=192x108:rate=24:duration=${seconds}`, "-pix_fmt", "yuv420p",
      "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", "-c:v", "libx264", "-movflags", "+faststart+write_colr", out]);
  }
  return fs.readFileSync(out);
}

const SEQ: SequenceContext = sequenceContext({
  videoTracks: [{ index: 0, name: "V1", clips: [{ name: "A", start: 0, end: 2 }, { name: "B", start: 5, end: 8 }] }],
});
const GAP: BridgeSpan = { kind: "gap", trackIndex: 0, a: { name: "A", start: 0, end: 2 }, b: { name: "B", start: 5, end: 8 }, start: 2, end: 5, frames: 72, startAnchor: 2 - 1 / 24, endAnchor: 5 };

/** B's frame first, then A's naming it, as the hosts upload them. */
async function uploadBridge(a: Buffer, b: Buffer): Promise<string> {
  const post = async (image: Buffer, context: unknown) => {
    const form = new FormData();
    form.append("context", JSON.stringify(context));
    form.append("image", new Blob([new Uint8Array(image)], { type: "image/png" }), "frame.png");
    const res = await fetch(`${backend.url}/v1/frames`, { method: "POST", body: form, headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status, await res.clone().text()).toBe(201);
    return ((await res.json()) as { frameId: string }).frameId;
  };
  const endFrameId = await post(b, { sequence: SEQ, mode: "bridge" });
  return post(a, { sequence: SEQ, mode: "bridge", bridge: { ...GAP, endFrameId } });
}

function frameCount(bytes: Buffer): number {
  const file = path.join(tmp, `master-${Math.random().toString(36).slice(2)}.mov`);
  fs.writeFileSync(file, bytes);
  return Number(execFileSync("ffprobe", ["-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", file]).toString().trim());
}

async function masterFrames(job: Job): Promise<number> {
  const master = job.takes[0]!.outputs.master!;
  return frameCount(Buffer.from(await (await api(backend, `/v1/artifacts/${master.id}`)).arrayBuffer()));
}

describe("Bridge: capabilities", () => {
  it("Luma, Runway and previz say they bridge, with their lengths and models; gen4.5 is not offered for it", async () => {
    const { providers } = (await (await api(backend, "/v1/providers")).json()) as { providers: unknown[] };
    const byId = new Map(providers.map((p) => ProviderInfo.parse(p)).map((p) => [p.id, p]));
    expect(byId.get("luma")!.capabilities.bridge).toMatchObject({ startFrame: true, endFrame: true, lengths: [5], models: ["ray-3.2"] });
    expect(byId.get("runway")!.capabilities.bridge).toMatchObject({ lengths: [4, 6, 8], models: ["veo3.1_fast", "veo3.1"] });
    expect(byId.get("runway")!.capabilities.bridge!.models).not.toContain("gen4.5");
    expect(byId.get("previz")!.capabilities.bridge).toBeDefined();
  });
});

describe("Bridge: Luma ray-3.2", () => {
  it("sends both anchors inline (start_frame A, end_frame B), 5 s, no keyframes or loop; the 5 s clip is fitted to the 72-frame gap", async () => {
    const a = colorPng("red");
    const b = colorPng("blue");
    const frameId = await uploadBridge(a, b);
    const created: any[] = [];
    let polls = 0;
    server.use(
      http.post(`${LUMA_BASE}/generations`, async ({ request }) => {
        created.push(await request.json());
        return HttpResponse.json({ id: "gen-bridge", state: "queued" }, { status: 201 });
      }),
      http.get(`${LUMA_BASE}/generations/gen-bridge`, () =>
        HttpResponse.json(++polls < 2 ? { id: "gen-bridge", state: "processing" } : { id: "gen-bridge", state: "completed", output: [{ type: "video", url: `${LUMA_CDN}/bridge.mp4` }] }),
      ),
      http.get(`${LUMA_CDN}/bridge.mp4`, () => new HttpResponse(new Uint8Array(clip(5)), { headers: { "content-type": "video/mp4" } })),
    );
    const res = await api(backend, "/v1/jobs", { body: { frameId, provider: "luma", duration: 3, prompt: "Cross from the red room to the blue one" } });
    expect(res.status, await res.clone().text()).toBe(201);
    const job = await settled(backend, ((await res.json()) as Job).id);
    expect(job.takes[0]!.state, JSON.stringify(job.takes[0]!.error)).toBe("succeeded");

    expect(created).toHaveLength(1);
    const video = created[0].video;
    expect(created[0].model).toBe("ray-3.2");
    expect(video.duration).toBe("5s");
    expect(Buffer.from(video.start_frame.data, "base64").equals(a)).toBe(true);
    expect(Buffer.from(video.end_frame.data, "base64").equals(b)).toBe(true);
    expect(video.start_frame.media_type).toBe("image/png");
    expect(video.end_frame.media_type).toBe("image/png");
    expect(video).not.toHaveProperty("keyframes");
    expect(video).not.toHaveProperty("loop");
    // The ledger keeps the request without the inline pictures.
    expect(JSON.stringify(job.takes[0]!.request)).not.toContain(video.end_frame.data.slice(0, 40));
    expect((job.takes[0]!.request as any).video.end_frame.data).toMatch(/bytes inline/);

    expect(job.duration).toBeCloseTo(3, 9);
    expect(job.takes[0]!.retime).toMatchObject({ generatedFrames: 120, placedFrames: 72 });
    expect(job.takes[0]!.retime!.speed).toBeCloseTo(120 / 72, 6);
    expect(await masterFrames(job)).toBe(72);
    expect(job.takes[0]!.outputs.source).toBeDefined();
  }, 120_000);
});

describe("Bridge: Runway veo3.1", () => {
  it("sends promptImage first (A) and last (B) as data URIs on veo3.1_fast, 4 s at a Veo ratio, audio off; fitted to the gap", async () => {
    const a = colorPng("green");
    const b = colorPng("yellow");
    const frameId = await uploadBridge(a, b);
    const created: any[] = [];
    let polls = 0;
    server.use(
      http.post(`${RUNWAY_BASE}/v1/image_to_video`, async ({ request }) => {
        created.push(await request.json());
        return HttpResponse.json({ id: "task-bridge", estimatedCost: { credits: 40 } });
      }),
      http.get(`${RUNWAY_BASE}/v1/tasks/task-bridge`, () =>
        HttpResponse.json(++polls < 2 ? { id: "task-bridge", status: "RUNNING", progress: 0.5 } : { id: "task-bridge", status: "SUCCEEDED", output: [`${RUNWAY_CDN}/bridge.mp4`], cost: { credits: 40 } }),
      ),
      http.get(`${RUNWAY_CDN}/bridge.mp4`, () => new HttpResponse(new Uint8Array(clip(4)), { headers: { "content-type": "video/mp4" } })),
    );
    const res = await api(backend, "/v1/jobs", { body: { frameId, provider: "runway", duration: 3, prompt: "Pan from the field to the lamp" } });
    expect(res.status, await res.clone().text()).toBe(201);
    const job = await settled(backend, ((await res.json()) as Job).id);
    expect(job.takes[0]!.state, JSON.stringify(job.takes[0]!.error)).toBe("succeeded");
    expect(job.model).toBe("veo3.1_fast");

    const body = created[0];
    expect(body.model).toBe("veo3.1_fast");
    expect(body.duration).toBe(4);
    expect(body.ratio).toBe("1280:720");
    expect(body.audio).toBe(false);
    expect(body.promptImage).toHaveLength(2);
    expect(body.promptImage[0]).toMatchObject({ position: "first" });
    expect(body.promptImage[1]).toMatchObject({ position: "last" });
    expect(body.promptImage[0].uri).toBe(`data:image/png;base64,${a.toString("base64")}`);
    expect(body.promptImage[1].uri).toBe(`data:image/png;base64,${b.toString("base64")}`);

    expect(job.takes[0]!.retime).toMatchObject({ generatedFrames: 96, placedFrames: 72 });
    expect(await masterFrames(job)).toBe(72);
  }, 120_000);

  it("refuses a bridge on gen4.5 (first frame only), naming the models that can", async () => {
    const frameId = await uploadBridge(colorPng("white"), colorPng("black"));
    const res = await api(backend, "/v1/jobs", { body: { frameId, provider: "runway", model: "gen4.5", duration: 3 } });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("bridge_unsupported");
    expect(body.error.message).toContain("veo3.1");
  });

  it("refuses A's frame naming a B frame the backend does not have", async () => {
    const form = new FormData();
    form.append("context", JSON.stringify({ sequence: SEQ, mode: "bridge", bridge: { ...GAP, endFrameId: "frame_missing" } }));
    form.append("image", new Blob([new Uint8Array(makeStillPng())], { type: "image/png" }), "frame.png");
    const res = await fetch(`${backend.url}/v1/frames`, { method: "POST", body: form, headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/upload B's frame first/);
  });
});
