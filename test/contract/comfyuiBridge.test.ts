import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { ProviderInfo, type BridgeSpan, type Job, type SequenceContext } from "../../src/core/schemas/index.js";
import { sequenceContext, waitFor } from "../helpers/backend.js";
import { startComfyBackend } from "./comfyBackend.js";
import { ComfyStandIn } from "../helpers/comfyStandIn.js";
import { api, settled, stopBackend, TOKEN, type TestBackend } from "./providerHarness.js";

/**
 * Bridge through ComfyUI's first–last frame workflows (docs/bridge.md, docs/comfyui.md): A's frame
 * goes up as the start image and B's as the end image (both by /upload/image), the graph is posted
 * to the stand-in (a real HTTP + WebSocket server that validates it against /object_info), and the
 * take it writes at the model's own rate is delivered retimed to exactly the span's frames.
 */

const standIns: ComfyStandIn[] = [];
let backend: TestBackend | undefined;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "retake-comfy-bridge-"));

afterEach(async () => {
  await stopBackend(backend);
  backend = undefined;
  await Promise.all(standIns.splice(0).map((s) => s.close()));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function start(): Promise<{ b: TestBackend; s: ComfyStandIn }> {
  const s = await ComfyStandIn.start({ stepDelayMs: 5 });
  standIns.push(s);
  backend = await startComfyBackend(s.url, { silenceTimeoutMs: 5000 });
  await waitFor(async () => ((await comfyInfo(backend!)).available ? true : undefined), 10_000, 25);
  return { b: backend, s };
}

async function comfyInfo(b: TestBackend): Promise<ProviderInfo> {
  const body = (await (await api(b, "/v1/providers")).json()) as { providers: ProviderInfo[] };
  return ProviderInfo.parse(body.providers.find((p) => p.id === "comfyui"));
}

/** A plain-colored PNG, so A's and B's frames are told apart on the server. */
function colorPng(color: string): Buffer {
  const out = path.join(tmp, `${color}.png`);
  execFileSync("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", `color=c=${color}:s=320x180`, "-frames:v", "1", out]);
  return fs.readFileSync(out);
}

// A 62-frame gap at 24 fps (2.583 s): Wan's shortest length at or above is 2.75 s (4·11 + 1 = 45 frames at 16 fps).
const SEQ: SequenceContext = sequenceContext({
  frameSize: { width: 320, height: 180 },
  videoTracks: [{ index: 0, name: "V1", clips: [{ name: "A", start: 0, end: 2 }, { name: "B", start: 2 + 62 / 24, end: 8 }] }],
});
const GAP: BridgeSpan = { kind: "gap", trackIndex: 0, a: { name: "A", start: 0, end: 2 }, b: { name: "B", start: 2 + 62 / 24, end: 8 }, start: 2, end: 2 + 62 / 24, frames: 62, startAnchor: 2 - 1 / 24, endAnchor: 2 + 62 / 24 };

/** B's frame first, then A's naming it, as the hosts upload them. */
async function uploadBridge(b: TestBackend, aImage: Buffer, bImage: Buffer): Promise<{ frameId: string; endFrameId: string }> {
  const post = async (image: Buffer, context: unknown) => {
    const form = new FormData();
    form.append("context", JSON.stringify(context));
    form.append("image", new Blob([new Uint8Array(image)], { type: "image/png" }), "frame.png");
    const res = await fetch(`${b.url}/v1/frames`, { method: "POST", body: form, headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status, await res.clone().text()).toBe(201);
    return ((await res.json()) as { frameId: string }).frameId;
  };
  const endFrameId = await post(bImage, { sequence: SEQ, mode: "bridge" });
  return { frameId: await post(aImage, { sequence: SEQ, mode: "bridge", bridge: { ...GAP, endFrameId } }), endFrameId };
}

function frameCount(bytes: Buffer): number {
  const file = path.join(tmp, `master-${Math.random().toString(36).slice(2)}.mov`);
  fs.writeFileSync(file, bytes);
  return Number(execFileSync("ffprobe", ["-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", file]).toString().trim());
}

type Graph = Record<string, { class_type: string; inputs: Record<string, unknown> }>;
const linked = (graph: Graph, node: { inputs: Record<string, unknown> }, input: string) => graph[(node.inputs[input] as [string, number])[0]]!;

describe("ComfyUI bridge", () => {
  it("offers wan-flf and ltx-flf for Bridge, at Wan's 4n+1 frames at 16 fps (0.25 s steps to 5 s)", async () => {
    const { b } = await start();
    const bridge = (await comfyInfo(b)).capabilities.bridge!;
    expect(bridge).toMatchObject({ startFrame: true, endFrame: true, models: ["wan-flf", "ltx-flf"] });
    expect(bridge.lengths).toEqual(Array.from({ length: 20 }, (_, i) => (i + 1) / 4));
    expect(bridge.note).toMatch(/ltx-flf 8n\+1 frames at 25 fps \(0\.32 s steps/);
  });

  it("uploads A and B, posts Wan's first–last frame graph with both set, and the 45-frame take is fitted to the 62-frame gap", async () => {
    const { b, s } = await start();
    const a = colorPng("red");
    const bImage = colorPng("blue");
    const { frameId, endFrameId } = await uploadBridge(b, a, bImage);
    const res = await api(b, "/v1/jobs", { body: { frameId, provider: "comfyui", duration: 3, prompt: "Cross from the red room to the blue one" } });
    expect(res.status, await res.clone().text()).toBe(201);
    const job = await settled(b, ((await res.json()) as Job).id, 90_000);
    const take = job.takes[0]!;
    expect(take.state, JSON.stringify(take.error)).toBe("succeeded");
    expect(job.model).toBe("wan-flf");

    const graph = s.posted[0]!.graph as Graph;
    const flf = Object.values(graph).find((n) => n.class_type === "WanFirstLastFrameToVideo")!;
    expect(flf.inputs.length).toBe(45);
    expect(Object.values(graph).find((n) => n.class_type === "CreateVideo")!.inputs.fps).toBe(16);
    // Both frames went up as they were captured, and the graph starts on A and ends on B.
    expect(s.uploads.get(String(linked(graph, flf, "start_image").inputs.image))!.equals(a)).toBe(true);
    expect(s.uploads.get(String(linked(graph, flf, "end_image").inputs.image))!.equals(bImage)).toBe(true);
    expect(take.request).toMatchObject({ workflow: "wan-flf", length: 45, endImage: { frameId: endFrameId, from: expect.stringMatching(/B's captured frame/) } });

    expect(take.retime).toMatchObject({ generatedFrames: 45, placedFrames: 62 });
    expect(take.retime!.speed).toBeCloseTo(45 / 62, 6);
    const master = Buffer.from(await (await api(b, `/v1/artifacts/${take.outputs.master!.id}`)).arrayBuffer());
    expect(frameCount(master)).toBe(62);
    expect(take.outputs.source).toBeDefined();
  }, 120_000);

  it("on ltx-flf both frames become LTX's guides, at 8n+1 frames at 25 fps", async () => {
    const { b, s } = await start();
    const a = colorPng("green");
    const bImage = colorPng("yellow");
    const { frameId } = await uploadBridge(b, a, bImage);
    const res = await api(b, "/v1/jobs", { body: { frameId, provider: "comfyui", model: "ltx-flf", duration: 3, prompt: "Pan from the field to the lamp" } });
    expect(res.status, await res.clone().text()).toBe(201);
    const take = (await settled(b, ((await res.json()) as Job).id, 90_000)).takes[0]!;
    expect(take.state, JSON.stringify(take.error)).toBe("succeeded");
    const graph = s.posted[0]!.graph as Graph;
    const loads = Object.values(graph).filter((n) => n.class_type === "LoadImage").map((n) => s.uploads.get(String(n.inputs.image))!);
    expect(loads.some((img) => img.equals(a))).toBe(true);
    expect(loads.some((img) => img.equals(bImage))).toBe(true);
    // 2.75 s asked (the default model's grid) → LTX's 8·9 + 1 = 73 frames (2.88 s), fitted to 62.
    expect(take.request).toMatchObject({ workflow: "ltx-flf", length: 73, fps: 25 });
    expect(take.retime).toMatchObject({ generatedFrames: 73, placedFrames: 62 });
  }, 120_000);
});
