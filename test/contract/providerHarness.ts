import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Job, type Job as JobT, type SequenceContext } from "../../src/core/schemas/index.js";
import { startBackend, type RunningBackend } from "../../src/server/backend.js";
import { loadConfig, type ProviderTuning, type ServerConfig } from "../../src/server/config.js";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { makeStillPng, waitFor } from "../helpers/backend.js";
import { fakeLumaModel, type FakeLumaModel, type FakeModelHabits } from "../helpers/fakeVideoModel.js";

export const TOKEN = "contract-test-token-0123456789";
export const LUMA_BASE = "https://luma.contract.test/v1";
export const LUMA_CDN = "https://cdn.luma.contract.test";
export const RUNWAY_BASE = "https://runway.contract.test";
export const RUNWAY_CDN = "https://cdn.runway.contract.test";
export const LUMA_KEY = "luma-secret-key-for-tests";
export const RUNWAY_KEY = "runway-secret-key-for-tests";

/** Short timings: polls every 20 ms, a request times out after 400 ms, silence fails a take after 1.2 s. */
export const FAST: ProviderTuning = { pollIntervalMs: 20, timeoutMs: 400, maxRetries: 2, maxRetryWaitMs: 1500, silenceTimeoutMs: 1200 };

export type TestBackend = RunningBackend & { dataDir: string };

/** A real backend (token on) whose hosted providers point at msw-served fake APIs. */
export async function startProviderBackend(overrides: Partial<ServerConfig> = {}, keys = { luma: true, runway: true }): Promise<TestBackend> {
  const dataDir = overrides.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "retake-"));
  const config = loadConfig(
    {},
    {
      port: 0,
      dataDir,
      harness: false,
      token: TOKEN,
      providers: {
        luma: { ...(keys.luma ? { apiKey: LUMA_KEY } : {}), baseUrl: LUMA_BASE, ...FAST },
        runway: { ...(keys.runway ? { apiKey: RUNWAY_KEY } : {}), baseUrl: RUNWAY_BASE, ...FAST, maxRetries: 0 },
        comfyui: {},
      },
      ...overrides,
    },
  );
  const backend = await startBackend(config);
  return Object.assign(backend, { dataDir });
}

export async function stopBackend(backend: TestBackend | undefined): Promise<void> {
  if (!backend) return;
  await backend.close();
  fs.rmSync(backend.dataDir, { recursive: true, force: true });
}

/** A call to our own API, as the panel makes it (Bearer token). */
export function api(backend: RunningBackend, pathName: string, init: { method?: string; body?: unknown } = {}): Promise<Response> {
  return fetch(`${backend.url}${pathName}`, {
    method: init.method ?? (init.body === undefined ? "GET" : "POST"),
    headers: { authorization: `Bearer ${TOKEN}`, ...(init.body === undefined ? {} : { "content-type": "application/json" }) },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
}

export async function uploadFrame(backend: RunningBackend, sequence: SequenceContext, image?: Buffer): Promise<string> {
  const form = new FormData();
  form.append("context", JSON.stringify({ sequence, mode: "insert" }));
  const png = image ?? makeStillPng(sequence.frameSize.width, sequence.frameSize.height);
  form.append("image", new Blob([new Uint8Array(png)], { type: "image/png" }), "frame.png");
  const res = await fetch(`${backend.url}/v1/frames`, { method: "POST", body: form, headers: { authorization: `Bearer ${TOKEN}` } });
  if (res.status !== 201) throw new Error(`frame upload failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { frameId: string }).frameId;
}

/** Uploads a frame of `sequence` and creates a job on it with `body`; the job must be accepted (201). */
export async function createJobOnFrame(backend: RunningBackend, body: Record<string, unknown>, sequence: SequenceContext, image?: Buffer): Promise<JobT> {
  const frameId = await uploadFrame(backend, sequence, image);
  const res = await api(backend, "/v1/jobs", { body: { frameId, ...body } });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as JobT;
}

export async function getJob(backend: RunningBackend, id: string): Promise<JobT> {
  return Job.parse(await (await api(backend, `/v1/jobs/${id}`)).json());
}

export function settled(backend: RunningBackend, id: string, timeoutMs = 180_000): Promise<JobT> {
  return waitFor(async () => {
    const job = await getJob(backend, id);
    return job.takes.every((t) => ["succeeded", "failed", "canceled"].includes(t.state)) ? job : undefined;
  }, timeoutMs, 25);
}

const videoCache = new Map<string, Buffer>();

/** A small real video made with ffmpeg: what a provider's download link serves in these tests. */
export function makeVideo(kind: "sdr" | "pq" = "sdr"): Buffer {
  const cached = videoCache.get(kind);
  if (cached) return cached;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-video-"));
  const out = path.join(dir, "clip.mp4");
  const color =
    kind === "pq"
      ? ["-pix_fmt", "yuv420p10le", "-color_primaries", "bt2020", "-color_trc", "smpte2084", "-colorspace", "bt2020nc", "-c:v", "libx265", "-x265-params", "log-level=error"]
      : ["-pix_fmt", "yuv420p", "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", "-c:v", "libx264"];
  execFileSync("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=192x108:rate=24:duration=1", ...color, "-tag:v", kind === "pq" ? "hvc1" : "avc1", "-movflags", "+faststart+write_colr", out]);
  const bytes = fs.readFileSync(out);
  fs.rmSync(dir, { recursive: true, force: true });
  videoCache.set(kind, bytes);
  return bytes;
}

/** A stand-in EXR delivery (zip bytes); its contents are not inspected by the provider. */
export function makeExrZip(): Buffer {
  return Buffer.from("PK\u0003\u0004 retake contract-test exr delivery");
}

export function sequence1080(colorSpace: SequenceContext["colorSpace"]): Partial<SequenceContext> {
  return { frameSize: { width: 1920, height: 1080 }, colorSpace };
}

/**
 * A test file's msw server and provider backend, started once, with the fake Luma model a test
 * starts (`startModel`); handlers and the model are cleared after each test.
 */
export function modelTestBed() {
  const server = setupServer();
  let model: FakeLumaModel | undefined;
  const bed = {
    server,
    backend: undefined as unknown as TestBackend,
    startModel(habits: FakeModelHabits = {}): FakeLumaModel {
      model = fakeLumaModel(server, LUMA_BASE, LUMA_CDN, habits);
      return model;
    },
  };
  beforeAll(async () => {
    server.listen({ onUnhandledRequest: "bypass" });
    bed.backend = await startProviderBackend();
  });
  afterEach(() => {
    server.resetHandlers();
    model?.dispose();
    model = undefined;
  });
  afterAll(async () => {
    server.close();
    await stopBackend(bed.backend);
  });
  return bed;
}
