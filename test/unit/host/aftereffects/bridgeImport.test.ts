import path from "node:path";
import { describe, expect, it } from "vitest";
import { makeStillPng } from "../../../helpers/backend.js";
import { finishedBridgeJob } from "../premiere/backendJobs.js";
import type { FakeAeOptions } from "./fake/fakeAfterEffects.js";
import { aeTestBed } from "./setup.js";

/**
 * Bridge import in After Effects, end to end through the fake: both anchors rendered, a real
 * previz bridge take on a real backend, then host.importTake with mode "bridge", read back from
 * the fake's Timeline. A and B are layers, so "its track" is a layer of its own directly above
 * the higher of the two.
 */
const TOKEN = "ae-bridge-import-token";
const bed = aeTestBed(TOKEN);
const comp = { width: 320, height: 180, frameRate: 24, duration: 12 };

async function bridgeTake(fake: FakeAeOptions, bridgeSeconds?: number) {
  const env = await bed.host({ fake: { stillPng: makeStillPng(320, 180), ...fake } });
  const frame = await env.client.call("host.captureFrame", { mode: "bridge", ...(bridgeSeconds ? { bridgeSeconds } : {}) });
  const span = frame.bridge!;
  const job = await finishedBridgeJob(bed.backend.url, TOKEN, frame.frameId, span.end - span.start);
  return { env, params: { jobId: job.id, takeId: job.takes[0]!.id, mode: "bridge" as const } };
}

describe("host.importTake in Bridge mode (After Effects)", () => {
  it("a gap bridge fills the gap exactly: one layer from A's out point to B's in point, directly above the higher of them, in one undo step", async () => {
    const layers = [{ name: "Title", inPoint: 0, outPoint: 12 }, { name: "B", inPoint: 6.5, outPoint: 10 }, { name: "A", inPoint: 0, outPoint: 4 }];
    const { env, params } = await bridgeTake({ comp: { ...comp, time: 5 }, layers });
    const before = env.fake.timeline();
    const result = await env.client.call("host.importTake", params);
    expect(result.placement).toMatchObject({ start: 4, end: 6.5, layer: { index: 2 } });
    const source = path.basename(result.mediaPath);
    expect(env.fake.timeline()).toEqual([before[0], { name: expect.any(String), start: 4, in: 4, out: 6.5, source }, before[1], before[2]]);
    expect(env.fake.undoSteps).toHaveLength(1);
  }, 90_000);

  it("a cut bridge spans the cut ± d/2 on a layer above A and B, which stay untouched", async () => {
    const layers = [{ name: "Title", inPoint: 0, outPoint: 12 }, { name: "B", inPoint: 5, outPoint: 10, selected: true }, { name: "A", inPoint: 0, outPoint: 5, selected: true }];
    const { env, params } = await bridgeTake({ comp: { ...comp, time: 5 }, layers }, 3);
    const before = env.fake.timeline();
    const result = await env.client.call("host.importTake", params);
    expect(result.placement).toMatchObject({ start: 3.5, end: 6.5, layer: { index: 2 } });
    const source = path.basename(result.mediaPath);
    expect(env.fake.timeline()).toEqual([before[0], { name: expect.any(String), start: 3.5, in: 3.5, out: 6.5, source }, before[1], before[2]]);
  }, 90_000);
});
