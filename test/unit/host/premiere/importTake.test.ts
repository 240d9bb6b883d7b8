import fs from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Job } from "../../../../src/core/schemas/index.js";
import { COLOR_SPACE_PROPERTY } from "../../../../src/host/premiere/sequenceContext.js";
import { RETAKE_XMP_NS } from "../../../../src/host/uxp/provenance.js";
import { startTestBackend } from "../../../helpers/backend.js";
import { finishedJob, startCuttingProxy, startSlowProxy } from "./backendJobs.js";
import { clip, secondsTicks, TYPE_BIN } from "./fake/fakePremiere.js";
import { listFiles, setupHost } from "./setup.js";

const TOKEN = "import-test-token";
let backend: Awaited<ReturnType<typeof startTestBackend>>;
let job: Job;
let env: Awaited<ReturnType<typeof setupHost>> | undefined;

beforeAll(async () => {
  backend = await startTestBackend({ token: TOKEN });
  job = await finishedJob(backend.url, TOKEN, { prompt: "slow push toward the ridge" });
}, 90_000);
afterAll(async () => {
  await backend.close();
});
afterEach(() => env?.cleanup());

const take = () => job.takes[0]!;
const importParams = (mode: "insert" | "extend" = "insert") => ({ jobId: job.id, takeId: take().id, mode });
type HostOptions = NonNullable<Parameters<typeof setupHost>[0]>;
const host = (fake: HostOptions["fake"] = {}, extra: Partial<HostOptions> = {}) => setupHost({ backendUrl: backend.url, backendToken: TOKEN, fake, ...extra });

describe("host.importTake placement", () => {
  it("on an empty timeline: streams the master beside the project, imports it into a new Retake bin, places it on V1 at the playhead", async () => {
    env = await host({ sequence: { playhead: secondsTicks(3), tracks: [{ name: "Video 1", clips: [] }] } });
    const result = await env.client.call("host.importTake", importParams());
    expect(result.placement).toEqual({ trackIndex: 0, start: 3, end: 5, newTrack: false });
    expect(result.binName).toBe("Retake");
    expect(result.colorTags).toMatchObject({ colorSpace: "rec709", agree: true });
    expect(path.dirname(result.mediaPath)).toBe(env.mediaDir);
    expect(fs.statSync(result.mediaPath).size).toBe(take().outputs.master!.bytes);
    expect(listFiles(env.mediaDir).filter((f) => f.endsWith(".partial"))).toEqual([]);
    const bin = env.fake.root.children!.find((c) => c.name === "Retake")!;
    expect(bin.type).toBe(TYPE_BIN);
    expect(bin.children!.map((c) => c.mediaPath)).toEqual([result.mediaPath]);
    const placed = env.fake.state.tracks[0]!.clips;
    expect(placed.map((c) => [c.start, c.end])).toEqual([[secondsTicks(3), secondsTicks(5)]]);
    expect(placed[0]!.start.toString()).toBe(secondsTicks(3).toString()); // the playhead's own ticks
  });

  it("on a crowded timeline: the first free track above the occupied ones; clips elsewhere untouched", async () => {
    const tracks = [
      { name: "Video 1", clips: [clip("A", 0, 10)] },
      { name: "Video 2", clips: [clip("Title", 2, 4)] },
      { name: "Video 3", clips: [clip("Late", 8, 9)] },
      { name: "Video 4", clips: [] },
    ];
    env = await host({ sequence: { playhead: secondsTicks(3), tracks } });
    const before = env.fake.snapshotTracks();
    const result = await env.client.call("host.importTake", importParams());
    expect(result.placement).toEqual({ trackIndex: 2, start: 3, end: 5, newTrack: false });
    const after = env.fake.snapshotTracks();
    expect(after.length).toBe(4);
    for (const i of [0, 1, 3]) expect(after[i]).toEqual(before[i]);
    expect(after[2]!.clips.map((c) => c.name)).toEqual([path.basename(result.mediaPath), "Late"]);
    expect(after[2]!.clips[1]).toEqual(before[2]!.clips[0]);
  });

  it("adds a track only when every track is taken at that time (by insert, the edit documented to add one), and reads it back", async () => {
    const tracks = [{ name: "Video 1", clips: [clip("A", 0, 10)] }, { name: "Video 2", clips: [clip("B", 1, 6)] }];
    env = await host({ sequence: { playhead: secondsTicks(2), tracks } });
    const before = env.fake.snapshotTracks();
    const result = await env.client.call("host.importTake", importParams());
    expect(result.placement).toEqual({ trackIndex: 2, start: 2, end: 4, newTrack: true });
    const after = env.fake.snapshotTracks();
    expect(after.slice(0, 2)).toEqual(before);
    expect(after[2]!.clips).toHaveLength(1);
    expect(env.fake.log.some((l) => l.includes("createInsertProjectItemAction"))).toBe(true);
  });

  it("Extend: right after the shot under the playhead on its own track when that room is free", async () => {
    const tracks = [{ name: "Video 1", clips: [clip("A", 0, 4), clip("C", 9, 12)] }, { name: "Video 2", clips: [] }];
    env = await host({ sequence: { playhead: secondsTicks(1), tracks } });
    const result = await env.client.call("host.importTake", importParams("extend"));
    expect(result.placement).toEqual({ trackIndex: 0, start: 4, end: 6, newTrack: false });
    expect(env.fake.snapshotTracks()[0]!.clips.map((c) => c.name)).toEqual(["A", path.basename(result.mediaPath), "C"]);
  });

  it("places the take and its marker in one undo step, the provenance XMP in a second: undo takes both back", async () => {
    env = await host({ sequence: { playhead: secondsTicks(1), tracks: [{ name: "Video 1", clips: [clip("A", 0, 8)] }] } });
    const result = await env.client.call("host.importTake", importParams());
    const item = env.fake.root.children!.find((c) => c.name === "Retake")!.children![0]!;
    expect(item.xmp).toContain(RETAKE_XMP_NS);
    for (const value of ["slow push toward the ridge", job.provider, job.model, job.id, take().id, `<retake:costUsd>${take().cost.usd}</retake:costUsd>`]) {
      expect(item.xmp).toContain(value);
    }
    expect(env.fake.state.markers).toEqual([
      expect.objectContaining({ name: "Retake · take 1 · slow push toward the ridge", start: secondsTicks(1).toString(), comments: expect.stringContaining(`job ${job.id}`) }),
    ]);
    // The bin was made once (its own step), then the placement, then its provenance.
    expect(env.fake.undoLabels).toEqual(["Retake: create bin", "Retake: place take 1", "Retake: place take 1 (provenance)"]);
    expect(env.fake.state.tracks[1]!.clips).toHaveLength(1);
    env.fake.undo();
    expect(item.xmp).toBeUndefined();
    expect(env.fake.state.tracks[1]!.clips).toHaveLength(1);
    env.fake.undo();
    expect(env.fake.snapshotTracks()).toEqual([{ name: "Video 1", clips: [{ name: "A", start: "0", end: secondsTicks(8).toString() }] }]);
    expect(env.fake.state.markers).toEqual([]);
    expect(item.xmp).toBeUndefined();
    expect(result.placement.trackIndex).toBe(1);

    // A second import reuses the bin.
    await env.client.call("host.importTake", importParams());
    expect(env.fake.root.children!.filter((c) => c.name === "Retake")).toHaveLength(1);
    expect(env.fake.undoLabels.filter((l) => l === "Retake: place take 1")).toHaveLength(2);
  });
});

describe("host.importTake refusals leave the timeline untouched", () => {
  it("importFiles failing: says why, nothing placed, the file removed", async () => {
    env = await host({ importFails: true, sequence: { playhead: secondsTicks(1), tracks: [{ name: "Video 1", clips: [clip("A", 0, 8)] }] } });
    const before = env.fake.snapshotTracks();
    await expect(env.client.call("host.importTake", importParams())).rejects.toMatchObject({ code: "import_failed", message: expect.stringMatching(/Premiere could not import/) });
    expect(env.fake.snapshotTracks()).toEqual(before);
    expect(listFiles(env.mediaDir)).toEqual([]);
  });

  it("the edit refused by Premiere: the transaction changes nothing and the message says so", async () => {
    env = await host({ overwriteFails: true, sequence: { playhead: secondsTicks(1), tracks: [{ name: "Video 1", clips: [clip("A", 0, 8)] }] } });
    const before = env.fake.snapshotTracks();
    await expect(env.client.call("host.importTake", importParams())).rejects.toMatchObject({ code: "import_failed", message: expect.stringMatching(/timeline was not changed/) });
    expect(env.fake.snapshotTracks()).toEqual(before);
    expect(env.fake.state.markers).toEqual([]);
  });

  it("a color mismatch (Rec.709 take, PQ sequence) blocks the import with a clear message", async () => {
    env = await host({ sequence: { playhead: secondsTicks(1), properties: { [COLOR_SPACE_PROPERTY]: "rec2100-pq" }, tracks: [{ name: "Video 1", clips: [clip("A", 0, 8)] }] } });
    const before = env.fake.snapshotTracks();
    await expect(env.client.call("host.importTake", importParams())).rejects.toMatchObject({
      code: "color_mismatch",
      message: expect.stringMatching(/^Not imported: The file is Rec\. ?709.*sequence is .*PQ/),
    });
    expect(env.fake.snapshotTracks()).toEqual(before);
    expect(env.fake.log.filter((l) => l.startsWith("importFiles"))).toEqual([]);
    expect(listFiles(env.mediaDir)).toEqual([]);
  });

  it("a download cut halfway removes the partial file, imports nothing, and the take imports fine afterwards", async () => {
    const proxy = await startCuttingProxy(backend.url);
    try {
      proxy.state.cut = true;
      env = await setupHost({ backendUrl: proxy.url, backendToken: TOKEN, fake: { sequence: { playhead: secondsTicks(1), tracks: [{ name: "Video 1", clips: [clip("A", 0, 8)] }] } } });
      const before = env.fake.snapshotTracks();
      await expect(env.client.call("host.importTake", importParams())).rejects.toMatchObject({ code: "download_failed", message: expect.stringMatching(/import the take again/) });
      expect(listFiles(env.mediaDir)).toEqual([]);
      expect(env.fake.snapshotTracks()).toEqual(before);
      expect(env.fake.log.filter((l) => l.startsWith("importFiles"))).toEqual([]);
      proxy.state.cut = false;
      const result = await env.client.call("host.importTake", importParams());
      expect(fs.statSync(result.mediaPath).size).toBe(take().outputs.master!.bytes);
    } finally {
      await proxy.close();
    }
  });

  it("a read-only project folder, a picked folder gone missing, a take not ready, extend with no shot", async () => {
    env = await host({ sequence: { playhead: secondsTicks(1), tracks: [{ name: "Video 1", clips: [clip("A", 0, 8)] }] } }, { readOnly: true });
    await expect(env.client.call("host.importTake", importParams())).rejects.toMatchObject({ code: "media_folder", message: expect.stringMatching(/read-only/) });
    env.cleanup();
    env = await host({ sequence: { tracks: [{ name: "Video 1", clips: [clip("A", 0, 8)] }] } }, { pickedFolder: "missing" });
    await expect(env.client.call("host.importTake", importParams())).rejects.toMatchObject({ code: "media_folder", message: expect.stringMatching(/Pick it again in Settings/) });
    env.cleanup();
    env = await host({ sequence: { playhead: secondsTicks(9), tracks: [{ name: "Video 1", clips: [clip("A", 0, 8)] }] } });
    await expect(env.client.call("host.importTake", importParams("extend"))).rejects.toMatchObject({ code: "no_placement", message: expect.stringMatching(/No shot under the playhead/) });
    await expect(env.client.call("host.importTake", { jobId: job.id, takeId: "take_nope", mode: "insert" })).rejects.toMatchObject({ code: "take_not_ready" });
    expect(env.fake.log).toEqual([]);
  });
});

describe("host.importTake against the host as it really is", () => {
  // A fresh timeline per test: the fake edits the tracks it is given.
  const timeline = () => ({ playhead: secondsTicks(1), tracks: [{ name: "Video 1", clips: [clip("A", 0, 8)] }] });

  it("the item arrives late and its path comes back in another spelling (NFD, /private): the single new clip is taken", async () => {
    env = await host({ sequence: timeline(), importDelayMs: 300, reportPath: (p) => `/private${p}`.normalize("NFD") });
    const result = await env.client.call("host.importTake", importParams());
    expect(result.placement).toMatchObject({ trackIndex: 1, start: 1, end: 3 });
    expect(env.fake.state.tracks[1]!.clips).toHaveLength(1);
  });

  it("Premiere says it imported but no item shows up: the error says so and the file Premiere holds is kept", async () => {
    env = await host({ sequence: timeline(), importDelayMs: 5_000 }, { importSettleMs: 200 });
    const before = env.fake.snapshotTracks();
    await expect(env.client.call("host.importTake", importParams())).rejects.toMatchObject({ code: "import_failed", message: expect.stringMatching(/no new item appeared.*The file is kept/) });
    expect(listFiles(env.mediaDir)).toHaveLength(1);
    expect(env.fake.snapshotTracks()).toEqual(before);
  });

  it("a placement Premiere reports but that is not on the timeline is an error, not \"Imported\"", async () => {
    env = await host({ sequence: { ...timeline(), tracks: [...timeline().tracks, { name: "Video 2", clips: [] }] }, overwriteIgnored: true });
    await expect(env.client.call("host.importTake", importParams())).rejects.toMatchObject({
      code: "import_failed",
      message: expect.stringMatching(/reported the take as placed on V2, but V2 holds no clip of it/),
    });
  });

  it("a refused XMP write leaves the take placed and says the provenance is missing; an existing dc:description is not doubled", async () => {
    env = await host({ sequence: timeline(), xmpFails: true });
    const result = await env.client.call("host.importTake", importParams());
    expect(env.fake.state.tracks[1]!.clips).toHaveLength(1);
    expect(env.fake.state.markers).toHaveLength(1);
    expect(result.guidance).toMatch(/did not keep its provenance metadata/);
    env.cleanup();
    env = await host({ sequence: timeline(), embeddedDescription: "Made by a provider" });
    const again = await env.client.call("host.importTake", importParams());
    expect(again.guidance).toBeUndefined();
    const item = env.fake.root.children!.find((c) => c.name === "Retake")!.children![0]!;
    expect(item.xmp).toContain("Made by a provider");
    expect(item.xmp).toContain(`<retake:takeId>${take().id}</retake:takeId>`);
  });

  it("under the permission the old manifest asked for (\"request\"), the file: writes are refused, as Adobe documents", async () => {
    env = await host({ sequence: timeline() }, { permission: "request" });
    await expect(env.client.call("host.importTake", importParams())).rejects.toMatchObject({ code: "media_folder", message: expect.stringMatching(/fullAccess/) });
    expect(env.fake.log).toEqual([]);
  });
});

describe("cancel means cancel", () => {
  // A fresh timeline per test: the fake edits the tracks it is given.
  const timeline = () => ({ playhead: secondsTicks(1), tracks: [{ name: "Video 1", clips: [clip("A", 0, 8)] }] });

  it("a deadline in the middle of the download stops it: no file left, nothing imported or placed, then or later", async () => {
    const proxy = await startSlowProxy(backend.url, 1_500);
    try {
      env = await setupHost({ backendUrl: proxy.url, backendToken: TOKEN, fake: { sequence: timeline() }, timeouts: { "host.importTake": 400 } });
      const before = env.fake.snapshotTracks();
      await expect(env.client.call("host.importTake", importParams())).rejects.toMatchObject({ code: "timeout", message: expect.stringMatching(/import was stopped/) });
      await new Promise((r) => setTimeout(r, 2_000)); // past the moment the held bytes would have arrived
      expect(listFiles(env.mediaDir)).toEqual([]);
      expect(env.fake.log).toEqual([]);
      expect(env.fake.snapshotTracks()).toEqual(before);
    } finally {
      await proxy.close();
    }
  });

  it("the editor's cancel stops the download: the import answers cancelled, no file, nothing imported or placed", async () => {
    const proxy = await startSlowProxy(backend.url, 1_500);
    try {
      env = await setupHost({ backendUrl: proxy.url, backendToken: TOKEN, fake: { sequence: timeline() } });
      expect(await env.client.call("host.cancelImport", { jobId: job.id, takeId: take().id })).toEqual({ cancelled: false });
      const importing = env.client.call("host.importTake", importParams());
      await new Promise((r) => setTimeout(r, 300));
      expect(await env.client.call("host.cancelImport", { jobId: job.id, takeId: take().id })).toEqual({ cancelled: true });
      await expect(importing).rejects.toMatchObject({ code: "cancelled", message: expect.stringMatching(/Cancelled by the editor/) });
      await new Promise((r) => setTimeout(r, 1_500));
      expect(listFiles(env.mediaDir)).toEqual([]);
      expect(env.fake.log).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  it("a second import of the same take while one is in flight is refused; the first one places one copy", async () => {
    const proxy = await startSlowProxy(backend.url, 400);
    try {
      env = await setupHost({ backendUrl: proxy.url, backendToken: TOKEN, fake: { sequence: timeline() } });
      const first = env.client.call("host.importTake", importParams());
      await new Promise((r) => setTimeout(r, 100));
      await expect(env.client.call("host.importTake", importParams())).rejects.toMatchObject({ code: "import_in_progress" });
      await first;
      expect(env.fake.log.filter((l) => l.startsWith("importFiles"))).toHaveLength(1);
      expect(env.fake.state.tracks.flatMap((t) => t.clips)).toHaveLength(2);
    } finally {
      await proxy.close();
    }
  });
});
