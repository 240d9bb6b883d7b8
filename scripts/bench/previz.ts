/** Previz render speed (issue 2) and the direction compiler (issue 4). */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { compileDirection, sampleCameraPath } from "../../src/core/direction/index.js";
import { Job, type SequenceColorSpace } from "../../src/core/schemas/index.js";
import { startBackend } from "../../src/server/backend.js";
import { loadConfig } from "../../src/server/config.js";
import { renderPreviz } from "../../src/server/providers/previz/renderPreviz.js";
import type { Report } from "../bench.js";

const FPS = { num: 24, den: 1 };
let tmp = "";

function makeStill(width: number, height: number): string {
  const out = path.join(tmp, `still-${width}x${height}.png`);
  execFileSync("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", `testsrc2=size=${width}x${height}:rate=1`, "-frames:v", "1", out]);
  return out;
}

const direction = compileDirection(
  {
    prompt: "bench",
    duration: 5,
    annotations: [
      { id: "pan", kind: "cameraMove", from: { x: 0.4, y: 0.5 }, to: { x: 0.6, y: 0.45 }, start: 0, end: 5, ease: "ease-in-out" },
      { id: "box", kind: "framingBox", rect: { x: 0.3, y: 0.3, w: 0.5, h: 0.5 }, time: 5, ease: "ease-in-out", endFraming: true },
    ],
  },
  { frameSize: { width: 1920, height: 1080 } },
);
const samples = sampleCameraPath(direction.camera.keyframes, FPS, 5);

async function timeRender(quality: "draft" | "final", colorSpace: SequenceColorSpace): Promise<number> {
  const outDir = fs.mkdtempSync(path.join(tmp, `${quality}-`));
  const started = performance.now();
  await renderPreviz({ stillPath: makeStill(1920, 1080), outDir, samples, fps: FPS, width: 1920, height: 1080, colorSpace, quality });
  return (performance.now() - started) / 1000;
}

/**
 * Seconds from a job's POST until `ready` says so, through the real API of a fresh backend: the
 * editor's wait, delivery and the critic's scoring included.
 */
async function timeJob(body: Record<string, unknown>, ready: (job: Job, backend: { url: string }) => Promise<boolean>): Promise<number> {
  const dataDir = fs.mkdtempSync(path.join(tmp, "backend-"));
  const backend = await startBackend(loadConfig({}, { port: 0, dataDir, harness: false, token: null }));
  try {
    const form = new FormData();
    const sequence = {
      host: "browser", projectName: "Bench", sequenceName: "Bench", frameSize: { width: 1920, height: 1080 }, pixelAspect: 1,
      frameRate: FPS, dropFrame: false, colorSpace: "rec709", durationSeconds: 10, videoTracks: [],
      playhead: { ticks: "0", seconds: 0, frame: 0, timecode: "00:00:00:00" },
    };
    form.append("context", JSON.stringify({ sequence, mode: "insert" }));
    form.append("image", new Blob([new Uint8Array(fs.readFileSync(makeStill(1920, 1080)))], { type: "image/png" }), "frame.png");
    const frame = await (await fetch(`${backend.url}/v1/frames`, { method: "POST", body: form })).json();
    const started = performance.now();
    const res = await fetch(`${backend.url}/v1/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ frameId: frame.frameId, duration: 5, mode: "draft", annotations: direction.annotations, ...body }),
    });
    const job = Job.parse(await res.json());
    for (;;) {
      const current = Job.parse(await (await fetch(`${backend.url}/v1/jobs/${job.id}`)).json());
      if (await ready(current, backend)) return (performance.now() - started) / 1000;
      const failed = current.takes.find((t) => t.state === "failed");
      if (failed) throw new Error(failed.error?.message);
      await new Promise((r) => setTimeout(r, 25));
    }
  } finally {
    await backend.close();
  }
}

/** The first take's proxy can be played (its first bytes are served). */
async function firstPreview(job: Job, backend: { url: string }): Promise<boolean> {
  const proxy = job.takes[0]?.outputs.proxy;
  if (!proxy) return false;
  const head = await fetch(`${backend.url}/v1/artifacts/${proxy.id}`, { headers: { range: "bytes=0-1023" } });
  return head.status === 206;
}

function compile300(): number {
  const annotations = [];
  for (let i = 0; i < 300; i++) {
    const t = (i % 50) / 5;
    if (i % 3 === 0) annotations.push({ id: `a${i}`, kind: "cameraMove" as const, from: { x: 0.5, y: 0.5 }, to: { x: 0.5 + 0.001 * (i % 7), y: 0.5 - 0.001 * (i % 5) }, start: t, end: t + 0.7 });
    else if (i % 3 === 1) annotations.push({ id: `b${i}`, kind: "framingBox" as const, rect: { x: 0.2 + 0.001 * i, y: 0.2, w: 0.5, h: 0.5 }, time: t + 0.05 });
    else annotations.push({ id: `p${i}`, kind: "subjectPath" as const, points: [{ x: 0.1, y: 0.1 }, { x: 0.5, y: 0.5 }, { x: 0.9, y: 0.9 }] });
  }
  for (let i = 0; i < 30; i++) compileDirection({ prompt: "", annotations, duration: 10 });
  const runs: number[] = [];
  for (let i = 0; i < 50; i++) {
    const started = performance.now();
    compileDirection({ prompt: "", annotations, duration: 10 });
    runs.push(performance.now() - started);
  }
  runs.sort((a, b) => a - b);
  return runs[Math.floor(runs.length / 2)]!;
}

export async function run(report: Report): Promise<void> {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "retake-bench-"));
  report("compileDirection, 300 annotations (median)", `${compile300().toFixed(2)} ms`, "< 5 ms");
  report("previz draft 5 s 1080p24 Rec.709 (render)", `${(await timeRender("draft", "rec709")).toFixed(2)} s`, "≤ 3 s");
  report("previz draft 5 s 1080p24 Rec.2100 PQ (render)", `${(await timeRender("draft", "rec2100-pq")).toFixed(2)} s`, "≤ 3 s");
  report("previz final 5 s 1080p24 Rec.709 (ProRes 422 HQ)", `${(await timeRender("final", "rec709")).toFixed(2)} s`, "≤ 20 s");
  report("previz final 5 s 1080p24 Rec.2100 PQ (ProRes 422 HQ)", `${(await timeRender("final", "rec2100-pq")).toFixed(2)} s`, "≤ 20 s");
  report("Draft pressed → first playable preview (HTTP API)", `${(await timeJob({ count: 1 }, firstPreview)).toFixed(2)} s`, "as low as possible");
  const ranked = await timeJob({ auto: {} }, async (job) => job.loop?.state === "done");
  report("Auto-refine pressed → 4 takes scored and ranked (previz, 5 s 1080p)", `${ranked.toFixed(2)} s`, "as low as possible (previz reaches the target in round 1)");

  fs.rmSync(tmp, { recursive: true, force: true });
}
