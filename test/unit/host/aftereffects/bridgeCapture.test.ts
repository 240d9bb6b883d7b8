import { describe, expect, it } from "vitest";
import { makeStillPng } from "../../../helpers/backend.js";
import { aeTestBed } from "./setup.js";

/** Bridge capture in After Effects (fake): A and B are two layers; both anchors are rendered. */
const TOKEN = "ae-bridge-token";
const bed = aeTestBed(TOKEN);
const still = makeStillPng(320, 180);
const comp = { width: 320, height: 180, frameRate: 24, duration: 12, time: 5 };

describe("host.captureFrame in Bridge mode (After Effects)", () => {
  it("between two layers with a gap: renders B's first frame, then A's last, and uploads the span", async () => {
    const env = await bed.host({ fake: { comp, layers: [{ name: "B", inPoint: 6.5, outPoint: 10 }, { name: "A", inPoint: 0, outPoint: 4 }], stillPng: still } });
    const frame = await env.client.call("host.captureFrame", { mode: "bridge" });
    expect(frame.bridge).toMatchObject({ kind: "gap", a: { name: "A" }, b: { name: "B" }, start: 4, end: 6.5, frames: 60 });
    expect(env.fake.renders.map((r) => r.seconds)).toEqual([6.5, expect.closeTo(4 - 1 / 24, 9)]);
    expect(env.fake.undoSteps).toEqual([]);
  });

  it("two selected layers that touch make a cut bridge of the asked length", async () => {
    const env = await bed.host({ fake: { comp: { ...comp, time: 0.5 }, layers: [{ name: "B", inPoint: 5, outPoint: 10, selected: true }, { name: "A", inPoint: 0, outPoint: 5, selected: true }], stillPng: still } });
    const frame = await env.client.call("host.captureFrame", { mode: "bridge", bridgeSeconds: 2 });
    expect(frame.bridge).toMatchObject({ kind: "cut", start: 4, end: 6, frames: 48 });
  });

  it("with one layer only, says what Bridge needs", async () => {
    const env = await bed.host({ fake: { comp, layers: [{ name: "Plate", inPoint: 0, outPoint: 10 }], stillPng: still } });
    await expect(env.client.call("host.captureFrame", { mode: "bridge" })).rejects.toMatchObject({ code: "no_placement", message: expect.stringMatching(/Bridge needs two layers/) });
    expect(env.fake.renders).toEqual([]);
  });
});
