import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Artifact, Job, JobEvent, SequenceColorSpace, Take } from "../../../src/core/schemas/index.js";
import { JobEvents } from "../../../src/server/director/jobEvents.js";
import { HttpError, sendError } from "../../../src/server/http/errors.js";
import { ArtifactLinks } from "../../../src/server/http/artifactLinks.js";
import { registerArtifactRoutes } from "../../../src/server/http/routes/artifactRoutes.js";
import { registerConformRoutes } from "../../../src/server/http/routes/conformRoutes.js";
import { openStore } from "../../../src/server/ledger/openStore.js";
import type { Store } from "../../../src/server/ledger/store.js";
import { copyWithEntryBoxes, dolbyVisionConfigBox } from "../../../src/server/conform/sampleEntryBoxes.js";
import { sequenceContext } from "../../helpers/backend.js";

// The route against a real ledger (SQLite) and real ffmpeg: a take whose master is SDR lands
// in a PQ sequence; conforming replaces the master and says so on the job's event stream.
const run = promisify(execFile);
let dir = "";
let ledger: Store;
let app: FastifyInstance;
const events = new JobEvents();

async function insertTake(id: string, colorSpace: SequenceColorSpace, masterPath: string, state: Take["state"] = "succeeded"): Promise<Take> {
  const now = new Date().toISOString();
  const sequence = sequenceContext({}, colorSpace);
  const take: Take = {
    id, jobId: `job_${id}`, index: 0, iteration: 0, providerJobId: "p1", request: {}, state, progress: 1, message: "Ready", error: null,
    outputs: {}, critique: null, cost: { usd: 0, estimated: false }, colorSpace, createdAt: now, updatedAt: now,
  };
  const job: Job = {
    id: take.jobId, createdAt: now, provider: "previz", model: "previz", mode: "final", count: 1, duration: 1, budgetUsd: null, canceled: false,
    frame: { frameId: `frame_${id}`, capturedAt: now, image: { width: 320, height: 180, mediaType: "image/png", bytes: 1 }, mode: "insert", sequence },
    direction: {
      prompt: "", duration: 1, annotations: [], camera: { keyframes: [{ x: 0.5, y: 0.5, zoom: 1, roll: 0, t: 0, ease: "linear" }] },
      framing: [], subjects: [], holds: [], notes: [], summary: "", conflicts: [],
    },
    takes: [take],
  };
  await ledger.insertJob(job);
  const artifact: Artifact = {
    id: `art_${id}`, takeId: id, kind: "master", fileName: path.basename(masterPath), mediaType: "video/mp4", bytes: fs.statSync(masterPath).size, createdAt: now,
  };
  await ledger.insertArtifact(artifact, masterPath);
  const withMaster = { ...take, outputs: { master: artifact } };
  await ledger.updateTake(withMaster);
  return withMaster;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-"));
  ledger = await openStore({ dataDir: dir });
  app = Fastify();
  app.setErrorHandler((error, _req, reply) => {
    if (error instanceof HttpError) return sendError(reply, error.status, error.code, error.message);
    return sendError(reply, 500, "internal", String(error));
  });
  const store = ledger;
  registerConformRoutes(app, { store, dataDir: dir, events });
  registerArtifactRoutes(app, { store, links: new ArtifactLinks(Buffer.alloc(32, 1)) });
  await app.ready();
  await Promise.all([
    run("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30:duration=1", "-c:v", "libx264", "-preset", "ultrafast",
      "-pix_fmt", "yuv420p", "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", "-color_range", "tv", path.join(dir, "sdr.mp4")]),
    run("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=24:duration=0.5", "-c:v", "libx264", "-preset", "ultrafast",
      "-pix_fmt", "yuv420p", path.join(dir, "untagged.mp4")]),
    run("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=24:duration=0.5", "-c:v", "libx265", "-preset", "ultrafast",
      "-x265-params", "log-level=error", "-pix_fmt", "yuv420p10le", "-tag:v", "hvc1", path.join(dir, "hevc.mp4")]),
  ]);
  // Dolby Vision profile 5 as packagers write it (dvh1 with a dvcC record), made by Retake's box writer.
  await copyWithEntryBoxes(path.join(dir, "hevc.mp4"), path.join(dir, "dv5.mp4"), [dolbyVisionConfigBox({
    versionMajor: 1, versionMinor: 0, profile: 5, level: 6, rpuPresent: true, elPresent: false, blPresent: true, blCompatibilityId: 0,
  })], { entryType: "dvh1" });
}, 60_000);

afterAll(async () => {
  await app?.close();
  await ledger?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe("POST /v1/takes/:id/conform", () => {
  it("conforms the master to the job's sequence, replaces it, and tells the event stream", async () => {
    const take = await insertTake("t1", "rec2100-pq", path.join(dir, "sdr.mp4"));
    const seen: JobEvent[] = [];
    const off = events.subscribe(take.jobId, (e) => seen.push(e));
    const res = await app.inject({ method: "POST", url: `/v1/takes/${take.id}/conform`, payload: {} });
    off();
    expect(res.statusCode).toBe(200);
    const body = res.json() as { take: Take; artifact: Artifact; notes: string[]; route: string; gate: { ok: boolean } };
    expect(body.gate.ok).toBe(true);
    expect(body.route).toBe("reencode");
    expect(body.notes.join(" ")).toMatch(/Frame rate converted from 30 to 24 fps/);
    expect(body.artifact).toMatchObject({ kind: "master", mediaType: "video/quicktime", width: 320, height: 180, colorTags: { colorSpace: "rec2100-pq", agree: true } });
    const stored = (await ledger.getTake(take.id))!;
    expect(stored.outputs.master?.id).toBe(body.artifact.id);
    // The new master on disk, judged by ffprobe rather than by Retake's own reader.
    const file = (await ledger.getArtifact(body.artifact.id))!.path;
    const { stdout } = await run("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries",
      "stream=codec_tag_string,color_primaries,color_transfer,color_space,color_range:stream_side_data=max_content", "-of", "json", file]);
    const stream = (JSON.parse(stdout) as { streams: Array<Record<string, unknown>> }).streams[0]!;
    expect(stream).toMatchObject({ codec_tag_string: "apch", color_primaries: "bt2020", color_transfer: "smpte2084", color_space: "bt2020nc", color_range: "tv" });
    expect(stream.side_data_list).toEqual(expect.arrayContaining([expect.objectContaining({ max_content: body.artifact.colorTags?.clli?.maxCLL })]));
    expect(seen.at(-1)).toMatchObject({ type: "take", take: { id: take.id, outputs: { master: { id: body.artifact.id } } } });
    // The old master is still served under its own id, the file itself and not only its ledger row.
    const old = await app.inject({ method: "GET", url: `/v1/artifacts/art_${take.id}` });
    expect(old.statusCode).toBe(200);
    expect(old.rawPayload.equals(fs.readFileSync(path.join(dir, "sdr.mp4")))).toBe(true);
  });

  it("refuses what cannot be conformed, and leaves the take alone", async () => {
    const take = await insertTake("t2", "rec709", path.join(dir, "untagged.mp4"));
    const res = await app.inject({ method: "POST", url: `/v1/takes/${take.id}/conform`, payload: { format: "prores422hq" } });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ error: { code: "not_conformable", message: expect.stringMatching(/no colr box/) } });
    expect((await ledger.getTake(take.id))?.outputs.master?.id).toBe(`art_${take.id}`);
  });

  it("refuses a Dolby Vision profile 5 master with the way to convert it", async () => {
    const take = await insertTake("t4", "rec2100-pq", path.join(dir, "dv5.mp4"));
    const res = await app.inject({ method: "POST", url: `/v1/takes/${take.id}/conform`, payload: {} });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ error: { code: "not_conformable", message: expect.stringMatching(/Dolby Vision profile 5 .*wrong colors.*HDR10 or HLG delivery/) } });
  });

  it("answers 404 for an unknown take, 409 for one not finished, 400 for an unknown format", async () => {
    expect((await app.inject({ method: "POST", url: "/v1/takes/nope/conform", payload: {} })).statusCode).toBe(404);
    const running = await insertTake("t3", "rec709", path.join(dir, "sdr.mp4"), "running");
    expect((await app.inject({ method: "POST", url: `/v1/takes/${running.id}/conform`, payload: {} })).statusCode).toBe(409);
    const bad = await app.inject({ method: "POST", url: `/v1/takes/t1/conform`, payload: { format: "avi" } });
    expect(bad.statusCode).toBe(400);
  });
});
