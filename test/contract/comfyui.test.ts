import { afterAll, afterEach, describe, expect, it } from "vitest";
import { ProviderInfo, type Job } from "../../src/core/schemas/index.js";
import { sequenceContext, waitFor } from "../helpers/backend.js";
import { ComfyStandIn, type StandInOptions } from "../helpers/comfyStandIn.js";
import { startComfyBackend } from "./comfyBackend.js";
import { api, createJobOnFrame, getJob, settled, stopBackend, type TestBackend } from "./providerHarness.js";

/**
 * ComfyUI contract (research/backends.md §4): POST /prompt with client_id, progress over /ws,
 * outputs from /history and /view, cancel by /interrupt + queue delete, several servers. The
 * stand-in is a real HTTP + WebSocket server on a random loopback port (test/helpers/comfyStandIn.ts)
 * that validates graphs against an /object_info written from ComfyUI's node definitions.
 */

const standIns: ComfyStandIn[] = [];
let backend: TestBackend | undefined;

afterEach(async () => {
  await stopBackend(backend);
  backend = undefined;
  await Promise.all(standIns.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await Promise.all(standIns.splice(0).map((s) => s.close()));
});

async function standIn(options: StandInOptions = {}): Promise<ComfyStandIn> {
  const s = await ComfyStandIn.start({ stepDelayMs: 5, ...options });
  standIns.push(s);
  return s;
}

async function start(urls: string[], tuning: { silenceTimeoutMs?: number; workflowsDir?: string } = {}): Promise<TestBackend> {
  backend = await startComfyBackend(urls, { silenceTimeoutMs: 5000, ...tuning });
  return backend;
}

async function comfyInfo(b: TestBackend): Promise<ProviderInfo> {
  const body = (await (await api(b, "/v1/providers")).json()) as { providers: ProviderInfo[] };
  return ProviderInfo.parse(body.providers.find((p) => p.id === "comfyui"));
}

/** Waits until the provider has asked the server(s) what they have. */
function ready(b: TestBackend): Promise<ProviderInfo> {
  return waitFor(async () => {
    const info = await comfyInfo(b);
    return info.available || !info.reason?.startsWith("checking") ? info : undefined;
  }, 10_000, 25);
}

async function createJob(b: TestBackend, body: Record<string, unknown>): Promise<Job> {
  return createJobOnFrame(b, { provider: "comfyui", duration: 2, prompt: "A rider crosses the dunes", ...body }, sequenceContext({ frameSize: { width: 320, height: 180 } }));
}

const panRight = { id: "cam", kind: "cameraMove", from: { x: 0.3, y: 0.5 }, to: { x: 0.7, y: 0.5 }, start: 0, end: 2 };
const riderPath = { id: "rider", kind: "subjectPath", label: "rider", points: [{ x: 0.2, y: 0.6, t: 0 }, { x: 0.8, y: 0.4, t: 2 }] };
const tower = { id: "tower", kind: "hold", label: "tower", rect: { x: 0.45, y: 0.1, w: 0.1, h: 0.2 }, shape: "point" };

describe("ComfyUI provider", () => {
  it("without COMFYUI_URL it is listed as unavailable, saying what to set", async () => {
    const b = await start([]);
    const info = await comfyInfo(b);
    expect(info.available).toBe(false);
    expect(info.reason).toMatch(/COMFYUI_URL/);
  });

  it("offers the workflows whose nodes and models the server has, and names what is missing", async () => {
    const s = await standIn({ withoutNodes: ["WanTrackToVideo"], withoutModels: ["wan2.1_fun_camera_v1.1_1.3B_bf16.safetensors"] });
    const info = await ready(await start([s.url]));
    expect(info.available).toBe(true);
    expect(info.capabilities.models).toEqual(["auto", "ltx-flf", "ltx-i2v", "wan-flf", "wan-i2v"]);
    const note = info.capabilities.limits?.draft?.note ?? "";
    expect(note).toMatch(/wan-tracks \(.*WanTrackToVideo/);
    expect(note).toMatch(/wan-camera \(.*wan2\.1_fun_camera_v1\.1_1\.3B_bf16\.safetensors/);
    expect(info.capabilities.durations.max).toBe(10);
  });

  it("drafts on the GPU: the camera arrow becomes Wan's camera pose, progress reaches the take card, the 8-bit H.264 is conformed as SDR at the sequence rate", async () => {
    const s = await standIn({ stepDelayMs: 25 });
    const b = await start([s.url]);
    await ready(b);
    const job = await createJob(b, { annotations: [panRight] });
    const seen: Array<{ state: string; progress: number; message: string }> = [];
    const done = await waitFor(async () => {
      const j = await getJob(b, job.id);
      const t = j.takes[0]!;
      seen.push({ state: t.state, progress: t.progress, message: t.message });
      return ["succeeded", "failed", "canceled"].includes(t.state) ? j : undefined;
    }, 60_000, 20);
    const take = done.takes[0]!;
    expect(take.state, JSON.stringify(take.error)).toBe("succeeded");
    // Progress from the socket: sampler steps, rising, shown with the server.
    const steps = seen.filter((x) => /step \d+\/20/.test(x.message));
    expect(steps.length).toBeGreaterThan(2);
    expect(steps.at(-1)!.progress).toBeGreaterThan(steps[0]!.progress);
    expect(steps[0]!.message).toContain(s.url);

    const posted = s.posted[0]!.graph;
    const embedding = Object.values(posted).find((n) => n.class_type === "WanCameraEmbedding")!;
    expect(embedding.inputs.camera_pose).toBe("Pan Right");
    expect(embedding.inputs.speed).toBeCloseTo(1.6, 5); // 0.4 of the frame at 0.25 per speed unit
    const i2v = Object.values(posted).find((n) => n.class_type === "WanCameraImageToVideo")!;
    expect(i2v.inputs).toMatchObject({ width: 848, height: 480, length: 33 }); // 2 s at 16 fps: 4·8 + 1
    expect(Object.values(posted).find((n) => n.class_type === "CreateVideo")!.inputs.fps).toBe(16);
    // The frame went up with /upload/image and the LoadImage names it.
    const load = Object.values(posted).find((n) => n.class_type === "LoadImage")!;
    expect(s.uploads.has(String(load.inputs.image))).toBe(true);

    const request = take.request as Record<string, any>;
    expect(request).toMatchObject({ workflow: "wan-camera", server: s.url, fps: 16, length: 33, camera: { pose: "Pan Right", speed: 1.6 } });
    expect(request.graph).toEqual(posted);
    expect(take.outputs.master?.codec).toBe("prores_hq");
    expect(take.outputs.master?.colorTags).toMatchObject({ colorSpace: "rec709" });
    expect(take.outputs.source).toBeDefined();
    expect(take.notes?.join(" ")).toMatch(/8-bit H\.264 without color tags.*Rec\.709 SDR/);
    expect(take.notes?.join(" ")).toMatch(/Native frame rate 16 fps/);
    expect(take.notes?.join(" ")).toMatch(/Frame rate converted from 16 to 24/);
    expect(take.cost.usd).toBe(0);
    // Scored like every take: the critic measured the master against the drawn move.
    expect(take.critique).not.toBeNull();
  }, 90_000);

  it("subject paths become WanTrackToVideo tracks in the model's pixels and samples; a hold becomes a static track", async () => {
    const s = await standIn();
    const b = await start([s.url]);
    await ready(b);
    const job = await createJob(b, { annotations: [riderPath, tower] });
    const done = await settled(b, job.id, 60_000);
    expect(done.takes[0]!.state, JSON.stringify(done.takes[0]!.error)).toBe("succeeded");
    const node = Object.values(s.posted[0]!.graph).find((n) => n.class_type === "WanTrackToVideo")!;
    const tracks = JSON.parse(String(node.inputs.tracks)) as Array<Array<{ x: number; y: number }>>;
    expect(tracks).toHaveLength(2);
    // 81 frames at 16 fps ↔ 121 track samples at 24 fps (nodes_wan.py process_tracks): 33 frames ↔ 49.
    expect(tracks[0]).toHaveLength(49);
    const [w, h] = [node.inputs.width as number, node.inputs.height as number];
    expect(tracks[0]![0]!.x).toBeCloseTo(0.2 * w, 1);
    expect(tracks[0]![0]!.y).toBeCloseTo(0.6 * h, 1);
    expect(tracks[0]![24]!.x).toBeCloseTo(0.5 * w, 0);
    expect(tracks[0]![48]!.x).toBeCloseTo(0.8 * w, 0);
    expect(new Set(tracks[1]!.map((p) => `${p.x},${p.y}`))).toEqual(new Set([`${0.5 * w},${0.2 * h}`]));
    expect(done.takes[0]!.request).toMatchObject({ workflow: "wan-tracks", tracks: { count: 2, subjects: 1, holds: 1, samples: 49 } });
  }, 90_000);

  it("an end framing box becomes the end picture of Wan's first–last frame workflow: its region of the start frame, at the render size", async () => {
    const s = await standIn();
    const b = await start([s.url]);
    await ready(b);
    const box = { id: "box", kind: "framingBox", rect: { x: 0.5, y: 0.25, w: 0.5, h: 0.5 }, time: 2, endFraming: true };
    const job = await createJob(b, { annotations: [box] });
    const take = (await settled(b, job.id, 60_000)).takes[0]!;
    expect(take.state, JSON.stringify(take.error)).toBe("succeeded");
    const graph = s.posted[0]!.graph;
    const flf = Object.values(graph).find((n) => n.class_type === "WanFirstLastFrameToVideo")!;
    const endLoad = graph[(flf.inputs.end_image as [string, number])[0]]!;
    const end = s.uploads.get(String(endLoad.inputs.image))!;
    expect(end.readUInt32BE(16)).toBe(flf.inputs.width); // PNG IHDR: the render size
    expect(end.readUInt32BE(20)).toBe(flf.inputs.height);
    expect(take.request).toMatchObject({ workflow: "wan-flf", endImage: { framing: "box", rect: box.rect } });

    // Asked for by name without an end framing: refused with what to draw.
    const plain = await createJob(b, { model: "wan-flf" });
    const refused = (await settled(b, plain.id, 30_000)).takes[0]!;
    expect(refused.state).toBe("failed");
    expect(refused.error?.message).toMatch(/needs an end picture\. Draw a framing box at the end of the take/);
  }, 90_000);

  it("a graph the server refuses (400 with node_errors) fails the take with ComfyUI's own words, kept raw", async () => {
    const s = await standIn();
    const b = await start([s.url]);
    await ready(b);
    s.removeModel("wan2.1_i2v_480p_14B_fp8_scaled.safetensors"); // deleted after Retake looked
    const job = await createJob(b, { model: "wan-i2v" });
    const take = (await settled(b, job.id, 30_000)).takes[0]!;
    expect(take.state).toBe("failed");
    expect(take.error?.code).toBe("prompt_outputs_failed_validation");
    expect(take.error?.message).toMatch(/node 1 \(UNETLoader\) input "unet_name": Value not in list/);
    expect(take.error?.raw).toContain("node_errors");
    expect(take.cost.usd).toBe(0);
  }, 60_000);

  it("an execution error mid-run fails the take with the exception, and out-of-memory offers a retry", async () => {
    const s = await standIn({ failAtClass: "VAEDecode" });
    const b = await start([s.url]);
    await ready(b);
    const job = await createJob(b, { model: "wan-i2v" });
    const take = (await settled(b, job.id, 30_000)).takes[0]!;
    expect(take.state).toBe("failed");
    expect(take.error).toMatchObject({ code: "torch.OutOfMemoryError", retryable: true });
    expect(take.error?.message).toMatch(/VAEDecode.*CUDA out of memory.*draft size or a shorter take/);
  }, 60_000);

  it("cancel interrupts the prompt that is running (only ours) and the take is canceled", async () => {
    const s = await standIn({ stepDelayMs: 100 });
    const b = await start([s.url]);
    await ready(b);
    const job = await createJob(b, { model: "wan-i2v" });
    await waitFor(async () => ((await getJob(b, job.id)).takes[0]!.message.includes("step") ? true : undefined), 20_000, 20);
    expect((await api(b, `/v1/jobs/${job.id}/cancel`, { method: "POST", body: {} })).status).toBeLessThan(300);
    const take = (await settled(b, job.id, 20_000)).takes[0]!;
    expect(take.state).toBe("canceled");
    // The take is canceled in the ledger at once; the provider's interrupt follows (a GET /queue
    // first, to see whether it runs or waits), so wait for it to reach the server.
    await waitFor(async () => (s.interrupts.length > 0 ? true : undefined), 10_000, 20);
    expect(s.interrupts).toEqual([s.posted[0]!.id]);
  }, 60_000);

  it("a queued take is deleted from the queue on cancel, not interrupted", async () => {
    const s = await standIn();
    s.pause();
    const b = await start([s.url]);
    await ready(b);
    const job = await createJob(b, { model: "wan-i2v" });
    const queued = await waitFor(async () => {
      const t = (await getJob(b, job.id)).takes[0]!;
      return /Queued on .* \(next\)/.test(t.message) ? t : undefined;
    }, 20_000, 20);
    expect(queued.state).toBe("queued");
    await api(b, `/v1/jobs/${job.id}/cancel`, { method: "POST", body: {} });
    expect((await settled(b, job.id, 20_000)).takes[0]!.state).toBe("canceled");
    await waitFor(async () => (s.deleted.length > 0 ? true : undefined), 10_000, 20);
    expect(s.deleted).toEqual([s.posted[0]!.id]);
    expect(s.interrupts).toEqual([]);
  }, 60_000);

  it("a socket lost mid-run: the take still completes, read from /history", async () => {
    const s = await standIn({ stepDelayMs: 30 });
    const b = await start([s.url]);
    await ready(b);
    const job = await createJob(b, { model: "wan-i2v" });
    await waitFor(async () => ((await getJob(b, job.id)).takes[0]!.message.includes("step") ? true : undefined), 20_000, 20);
    s.dropSockets(true); // and refuse reconnects: only HTTP is left
    const take = (await settled(b, job.id, 60_000)).takes[0]!;
    expect(take.state, JSON.stringify(take.error)).toBe("succeeded");
    expect(take.outputs.master).toBeDefined();
    expect(s.socketCount()).toBe(0);
  }, 90_000);

  it("a socket that drops and reconnects mid-run: progress resumes and the take completes", async () => {
    const s = await standIn({ stepDelayMs: 40 });
    const b = await start([s.url]);
    await ready(b);
    const job = await createJob(b, { model: "wan-i2v" });
    await waitFor(async () => ((await getJob(b, job.id)).takes[0]!.message.includes("step") ? true : undefined), 20_000, 20);
    s.dropSockets(); // reconnects are allowed
    await waitFor(() => (s.socketCount() > 0 ? true : undefined), 10_000, 20);
    const take = (await settled(b, job.id, 60_000)).takes[0]!;
    expect(take.state, JSON.stringify(take.error)).toBe("succeeded");
  }, 90_000);

  it("a take running when the backend stops is polled on the next start, never sent twice", async () => {
    const s = await standIn({ stepDelayMs: 40 });
    const first = await start([s.url]);
    await ready(first);
    const job = await createJob(first, { model: "wan-i2v" });
    await waitFor(() => (s.posted.length === 1 ? true : undefined), 20_000, 10);
    await first.close(); // keeps the data dir
    backend = undefined;
    const second = await startComfyBackend(s.url, { dataDir: first.dataDir });
    backend = second;
    const take = (await settled(second, job.id, 60_000)).takes[0]!;
    expect(take.state, JSON.stringify(take.error)).toBe("succeeded");
    expect(s.posted).toHaveLength(1);
  }, 90_000);

  it("two servers: a take goes to the shorter queue among those that have the workflow's models", async () => {
    const busy = await standIn();
    const idle = await standIn();
    const lacking = await standIn({ withoutModels: ["wan2.1_i2v_480p_14B_fp8_scaled.safetensors"] });
    busy.pause();
    busy.addForeignPrompt();
    busy.addForeignPrompt();
    const b = await start([lacking.url, busy.url, idle.url]);
    await ready(b);
    const job = await createJob(b, { model: "wan-i2v" });
    const take = (await settled(b, job.id, 60_000)).takes[0]!;
    expect(take.state, JSON.stringify(take.error)).toBe("succeeded");
    expect((take.request as { server: string }).server).toBe(idle.url);
    expect(idle.posted).toHaveLength(1);
    expect(busy.posted).toHaveLength(0);
    expect(lacking.posted).toHaveLength(0);
  }, 90_000);

  it("the takes of one job spread over idle servers", async () => {
    const a = await standIn();
    const c = await standIn();
    const b = await start([a.url, c.url]);
    await ready(b);
    const job = await createJob(b, { model: "wan-i2v", count: 2 });
    const done = await settled(b, job.id, 60_000);
    expect(done.takes.map((t) => t.state)).toEqual(["succeeded", "succeeded"]);
    expect([a.posted.length, c.posted.length]).toEqual([1, 1]);
  }, 90_000);

  it("a server dropping mid-take fails only that take, with retry offered; the retry runs on the other server", async () => {
    const a = await standIn({ stepDelayMs: 40 });
    const c = await standIn({ stepDelayMs: 40 });
    const b = await start([a.url, c.url], { silenceTimeoutMs: 400 });
    await ready(b);
    const first = await createJob(b, { model: "wan-i2v" });
    await waitFor(() => (a.posted.length === 1 ? true : undefined), 20_000, 10);
    const second = await createJob(b, { model: "wan-i2v" });
    await waitFor(() => (c.posted.length === 1 ? true : undefined), 20_000, 10);
    await c.kill();
    const lost = (await settled(b, second.id, 30_000)).takes[0]!;
    expect(lost.state).toBe("failed");
    expect(lost.error).toMatchObject({ code: "comfyui_server_lost", retryable: true });
    expect(lost.error?.message).toContain(c.url);
    const kept = (await settled(b, first.id, 60_000)).takes[0]!;
    expect(kept.state, JSON.stringify(kept.error)).toBe("succeeded");

    expect((await api(b, `/v1/takes/${lost.id}/retry`, { method: "POST", body: {} })).status).toBeLessThan(300);
    const retried = (await settled(b, second.id, 60_000)).takes[0]!;
    expect(retried.state, JSON.stringify(retried.error)).toBe("succeeded");
    expect((retried.request as { server: string }).server).toBe(a.url);
  }, 120_000);
});
