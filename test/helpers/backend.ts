import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadConfig, type ServerConfig } from "../../src/server/config.js";
import { startBackend, type RunningBackend } from "../../src/server/backend.js";
import type { SequenceContext, SequenceColorSpace } from "../../src/core/schemas/index.js";

/** A real backend on an ephemeral loopback port with its own data dir. */
export async function startTestBackend(overrides: Partial<ServerConfig> = {}): Promise<RunningBackend & { dataDir: string }> {
  const dataDir = overrides.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "retake-test-"));
  // token: null — these tests drive the API itself; security has its own tests (security.test.ts).
  const config = loadConfig({}, { port: 0, dataDir, harness: false, token: null, ...overrides });
  const backend = await startBackend(config);
  return Object.assign(backend, { dataDir });
}

/** A small textured PNG made with ffmpeg (so frames look like frames, not flat colour). */
export function makeStillPng(width = 320, height = 180): Buffer {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-still-"));
  const out = path.join(dir, "still.png");
  execFileSync("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", `testsrc2=size=${width}x${height}:rate=1`, "-frames:v", "1", out]);
  const bytes = fs.readFileSync(out);
  fs.rmSync(dir, { recursive: true, force: true });
  return bytes;
}

export function sequenceContext(overrides: Partial<SequenceContext> = {}, colorSpace: SequenceColorSpace = "rec709"): SequenceContext {
  return {
    host: "browser",
    projectName: "Test project",
    sequenceName: "Test sequence",
    frameSize: { width: 320, height: 180 },
    pixelAspect: 1,
    frameRate: { num: 24, den: 1 },
    dropFrame: false,
    colorSpace,
    playhead: { ticks: "0", seconds: 0, frame: 0, timecode: "00:00:00:00" },
    durationSeconds: 10,
    videoTracks: [{ index: 0, name: "V1", clips: [{ name: "A", start: 0, end: 10 }] }],
    ...overrides,
  };
}

/** Uploads a frame through the real multipart API and returns its id. */
export async function uploadFrame(url: string, sequence: SequenceContext, image = makeStillPng(sequence.frameSize.width, sequence.frameSize.height)) {
  const form = new FormData();
  form.append("context", JSON.stringify({ sequence, mode: "insert" }));
  form.append("image", new Blob([new Uint8Array(image)], { type: "image/png" }), "frame.png");
  const res = await fetch(`${url}/v1/frames`, { method: "POST", body: form });
  if (res.status !== 201) throw new Error(`frame upload failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as { frameId: string };
}

export async function waitFor<T>(fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("waitFor: timed out");
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
