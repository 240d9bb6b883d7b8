import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FrameContext, ImportTakeResult, Job, type Job as JobT } from "../../../src/core/schemas/index.js";
import { HarnessState } from "../../../src/host/browser/harnessState.js";
import type { RunningBackend } from "../../../src/server/backend.js";
import { startTestBackend, waitFor } from "../../helpers/backend.js";

/**
 * Bridge through the backend and the simulated project, without the page: capture both anchors
 * at a gap, draft on previz, import. (test/e2e/bridge.e2e.test.ts drives the same through the panel.)
 */
let backend: RunningBackend & { dataDir: string };
let url: string;
beforeAll(async () => {
  backend = await startTestBackend({ harness: true });
  url = backend.url;
}, 120_000);
afterAll(async () => {
  await backend?.close();
  fs.rmSync(backend.dataDir, { recursive: true, force: true });
});

const send = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${url}${path}`, { method, headers: body === undefined ? {} : { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as unknown };
};

async function finished(id: string): Promise<JobT> {
  return waitFor(async () => {
    const job = Job.parse((await send("GET", `/v1/jobs/${id}`)).json);
    return job.takes.every((t) => ["succeeded", "failed", "canceled"].includes(t.state)) ? job : undefined;
  }, 150_000);
}

function frameCount(file: string): number {
  return Number(execFileSync("ffprobe", ["-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", file]).toString().trim());
}

describe("Bridge in the simulated project", () => {
  it("fills the 2.5 s gap with a previz bridge generated at 3 s and retimed 20 % faster, frame-exact", async () => {
    const state = HarnessState.parse((await send("PUT", "/harness/sequence", { playheadSeconds: 17 })).json);
    const v1 = state.sequence.videoTracks[0]!;
    const [, ridge, meadow] = v1.clips;
    const captured = await send("POST", "/harness/capture", { mode: "bridge" });
    expect(captured.status).toBe(200);
    const frame = FrameContext.parse(captured.json);
    expect(frame.mode).toBe("bridge");
    expect(frame.bridge).toMatchObject({ kind: "gap", trackIndex: 0, start: ridge!.end, end: meadow!.start, frames: 60 });
    expect(frame.bridge!.endFrameId).toBeTruthy();

    const created = await send("POST", "/v1/jobs", { frameId: frame.frameId, provider: "previz", duration: 2.5 });
    expect(created.status).toBe(201);
    const job = await finished((created.json as JobT).id);
    expect(job.duration).toBeCloseTo(2.5, 9);
    const take = job.takes[0]!;
    expect(take.state).toBe("succeeded");
    expect(take.request).toMatchObject({ duration: 3, bridge: { endFrame: frame.bridge!.endFrameId } });
    expect(take.retime).toMatchObject({ generatedFrames: 72, placedFrames: 60 });
    expect(take.retime!.speed).toBeCloseTo(1.2, 6);
    expect(take.notes?.join(" ")).toMatch(/20 % faster/);

    const imported = await send("POST", "/harness/import", { jobId: job.id, takeId: take.id, mode: "bridge" });
    expect(imported.json).not.toHaveProperty("error");
    expect(imported.status).toBe(200);
    const result = ImportTakeResult.parse(imported.json);
    expect(result.placement).toMatchObject({ trackIndex: 0, start: ridge!.end, end: meadow!.start, newTrack: false });
    expect(frameCount(result.mediaPath)).toBe(60);
    expect(result.colorTags.colorSpace).toBe("rec709");
  }, 200_000);

  it("refuses a bridge capture where there is nothing to bridge, saying where to park", async () => {
    await send("PUT", "/harness/sequence", { playheadSeconds: 4 });
    const captured = await send("POST", "/harness/capture", { mode: "bridge" });
    expect(captured.status).toBe(409);
    expect(JSON.stringify(captured.json)).toMatch(/gap between two clips|cut between two touching clips/);
  });

  it("refuses a bridge job on a provider that cannot take an end frame", async () => {
    await send("PUT", "/harness/sequence", { playheadSeconds: 12.2 });
    const frame = FrameContext.parse((await send("POST", "/harness/capture", { mode: "bridge", bridgeSeconds: 2 })).json);
    expect(frame.bridge).toMatchObject({ kind: "cut", start: 11, end: 13, frames: 48 });
    const created = await send("POST", "/v1/jobs", { frameId: frame.frameId, provider: "luma", duration: 2 });
    expect(created.status).toBeGreaterThanOrEqual(400);
  }, 60_000);
});
