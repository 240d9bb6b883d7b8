import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { makeStillPng, startTestBackend } from "../../../helpers/backend.js";
import { finishedBridgeJob } from "./backendJobs.js";
import { clip, secondsTicks, type FakeOptions } from "./fake/fakePremiere.js";
import { setupHost } from "./setup.js";

/**
 * Bridge import in Premiere, end to end through the fake: capture both anchors, a real previz
 * bridge take on a real backend, then host.importTake with mode "bridge", read back from the
 * fake's timeline.
 */
const TOKEN = "bridge-import-token";
let backend: Awaited<ReturnType<typeof startTestBackend>>;
let env: Awaited<ReturnType<typeof setupHost>> | undefined;

beforeAll(async () => {
  backend = await startTestBackend({ token: TOKEN });
}, 90_000);
afterAll(async () => {
  await backend.close();
});
afterEach(() => env?.cleanup());

async function bridgeTake(sequence: NonNullable<FakeOptions["sequence"]>, bridgeSeconds?: number) {
  env = await setupHost({ backendUrl: backend.url, backendToken: TOKEN, fake: { stillPng: makeStillPng(320, 180), sequence: { width: 320, height: 180, ...sequence } } });
  const frame = await env.client.call("host.captureFrame", { mode: "bridge", ...(bridgeSeconds ? { bridgeSeconds } : {}) });
  const span = frame.bridge!;
  const job = await finishedBridgeJob(backend.url, TOKEN, frame.frameId, span.end - span.start);
  return { env, span, job, params: { jobId: job.id, takeId: job.takes[0]!.id, mode: "bridge" as const } };
}

describe("host.importTake in Bridge mode (Premiere)", () => {
  it("a gap bridge fills the gap exactly, on A and B's track, touching both", async () => {
    const tracks = [{ name: "Video 1", clips: [clip("A", 0, 4), clip("B", 6.5, 10)] }, { name: "Video 2", clips: [] }];
    const { env, params } = await bridgeTake({ playhead: secondsTicks(5), tracks });
    const result = await env.client.call("host.importTake", params);
    expect(result.placement).toEqual({ trackIndex: 0, start: 4, end: 6.5, newTrack: false });
    const v1 = env.fake.state.tracks[0]!.clips;
    expect(v1.map((c) => [c.name, c.start, c.end])).toEqual([
      ["A", secondsTicks(0), secondsTicks(4)],
      [path.basename(result.mediaPath), secondsTicks(4), secondsTicks(6.5)],
      ["B", secondsTicks(6.5), secondsTicks(10)],
    ]);
    expect(env.fake.state.tracks[1]!.clips).toEqual([]);
  }, 90_000);

  it("a cut bridge goes on the first free track above, spanning the cut ± d/2; A and B are untouched", async () => {
    const tracks = [
      { name: "Video 1", clips: [clip("A", 0, 5), clip("B", 5, 10)] },
      { name: "Video 2", clips: [clip("Title", 4.5, 5.5)] },
      { name: "Video 3", clips: [] },
    ];
    const { env, params } = await bridgeTake({ playhead: secondsTicks(5), tracks }, 3);
    const before = env.fake.snapshotTracks();
    const result = await env.client.call("host.importTake", params);
    expect(result.placement).toEqual({ trackIndex: 2, start: 3.5, end: 6.5, newTrack: false });
    const after = env.fake.snapshotTracks();
    expect(after.slice(0, 2)).toEqual(before.slice(0, 2));
    expect(env.fake.state.tracks[2]!.clips.map((c) => [c.name, c.start, c.end])).toEqual([[path.basename(result.mediaPath), secondsTicks(3.5), secondsTicks(6.5)]]);
  }, 90_000);
});
