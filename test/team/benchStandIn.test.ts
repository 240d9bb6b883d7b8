import { spawn, type ChildProcess } from "node:child_process";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Job } from "../../src/core/schemas/index.js";
import { conformingTakes, pidOwningLocalPort } from "../../scripts/bench/team/victims.js";
import type { StandInCounts } from "../../scripts/bench/team/invariants.js";
import { startThrowawayCluster } from "../setup/pgCluster.js";
import { sequenceContext, startTestBackend, uploadFrame, waitFor } from "../helpers/backend.js";

/**
 * The team bench's parts that must be right for its verdict to mean anything: the Luma stand-in
 * speaks the API as our real provider uses it (a real backend drafts through it and gets a
 * conformed master) and catches a take submitted twice; the poll's client port leads to the
 * polling process (how the bench picks a worker mid-poll); the bench's own PostgreSQL restarts
 * with its data and drops the connections it had.
 */

const root = path.resolve(import.meta.dirname, "../..");
let standIn: ChildProcess;
let standInUrl: string;

beforeAll(async () => {
  const mp4 = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "retake-standin-")), "clip.mp4");
  execFileSync("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=24", "-t", "5", "-c:v", "libx264", "-pix_fmt", "yuv420p", mp4]);
  standIn = spawn(process.execPath, ["--import", "tsx", path.join(root, "scripts/bench/team/lumaStandIn.ts"), mp4, "600"], { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
  const line = await new Promise<string>((resolve) => readline.createInterface({ input: standIn.stdout! }).once("line", resolve));
  standInUrl = `http://127.0.0.1:${(JSON.parse(line) as { ready: number }).ready}`;
});
afterAll(() => {
  standIn?.kill();
});

const counts = async () => (await (await fetch(`${standInUrl}/_counts`)).json()) as StandInCounts;

describe("Luma stand-in", () => {
  it("serves a real backend's draft end to end, counts one submit for the take, and its conform is seen under the backend's process", async () => {
    const backend = await startTestBackend({ providers: { luma: { apiKey: "stand-in-key", baseUrl: standInUrl, pollIntervalMs: 100 }, runway: {}, comfyui: {} } } as never);
    try {
      const seq = sequenceContext({ frameSize: { width: 1280, height: 720 } });
      const { frameId } = await uploadFrame(backend.url, seq);
      const res = await fetch(`${backend.url}/v1/jobs`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ frameId, provider: "luma", duration: 2, prompt: "[bench t1 j001] push in" }) });
      expect(res.status).toBe(201);
      const { id } = (await res.json()) as { id: string };
      // How the bench finds a worker mid-conform: an ffmpeg under it writing the take's artifacts.
      const seenConforming = new Set<string>();
      const watch = setInterval(() => {
        for (const [take, pid] of conformingTakes([process.pid])) if (pid === process.pid) seenConforming.add(take);
      }, 20);
      const job = await waitFor(async () => {
        const j = (await (await fetch(`${backend.url}/v1/jobs/${id}`)).json()) as Job;
        return j.takes.every((t) => ["succeeded", "failed", "canceled"].includes(t.state)) ? j : undefined;
      }, 60_000).finally(() => clearInterval(watch));
      expect(job.takes[0]!.error).toBeNull();
      expect([...seenConforming]).toEqual([job.takes[0]!.id]);
      expect(job.takes[0]!.state).toBe("succeeded");
      expect(job.takes[0]!.outputs.master?.mediaType).toMatch(/^video\//);
      expect(job.takes[0]!.outputs.master?.bytes).toBeGreaterThan(1000);
      const c = await counts();
      expect(c.perKey["[bench t1 j001]"]).toBe(1);
      expect(c.doubles).toEqual([]);
      const generation = c.generations.find((g) => g.key === "[bench t1 j001]");
      expect(generation?.id).toBe(job.takes[0]!.providerJobId);
      expect(generation?.downloads).toBeGreaterThanOrEqual(1);
    } finally {
      await backend.close();
    }
  });

  it("lists a take submitted twice as a double", async () => {
    const body = { model: "ray-3.2", type: "video", prompt: "[bench t2 j001] hold", aspect_ratio: "16:9", video: { resolution: "540p", duration: "5s", start_frame: { data: "aGk=", media_type: "image/png" } } };
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${standInUrl}/generations`, { method: "POST", headers: { Authorization: "Bearer k", "Content-Type": "application/json" }, body: JSON.stringify(body) });
      expect(res.status).toBe(201);
    }
    expect((await counts()).doubles).toContainEqual({ key: "[bench t2 j001]", n: 2 });
  });

  it("names the process that polled a generation by its client port", async () => {
    const body = { model: "ray-3.2", type: "video", prompt: "[bench t3 j001] hold", aspect_ratio: "16:9", video: { resolution: "540p", duration: "5s", start_frame: { data: "aGk=", media_type: "image/png" } } };
    const created = (await (await fetch(`${standInUrl}/generations`, { method: "POST", headers: { Authorization: "Bearer k", "Content-Type": "application/json" }, body: JSON.stringify(body) })).json()) as { id: string };
    await fetch(`${standInUrl}/generations/${created.id}`, { headers: { Authorization: "Bearer k" } });
    const port = (await counts()).generations.find((g) => g.key === "[bench t3 j001]")!.lastPollPort!;
    // The keep-alive socket is still open: this process holds it, the stand-in does not count.
    expect(pidOwningLocalPort(port, [standIn.pid!, process.pid])).toBe(process.pid);
  });
});

describe("the bench's own PostgreSQL", () => {
  it("restarts with its data, dropping the connections it had", async () => {
    const cluster = await startThrowawayCluster({ label: "retake-test-restart" });
    try {
      const before = new pg.Client({ connectionString: cluster.url });
      before.on("error", () => undefined);
      await before.connect();
      await before.query("CREATE TABLE t (x int); INSERT INTO t VALUES (7)");
      await cluster.restart();
      await expect(before.query("SELECT 1")).rejects.toThrow();
      const after = new pg.Client({ connectionString: cluster.url });
      await after.connect();
      expect((await after.query("SELECT x FROM t")).rows).toEqual([{ x: 7 }]);
      await after.end();
    } finally {
      cluster.stop();
    }
  });
});
