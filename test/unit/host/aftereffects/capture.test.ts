import { describe, expect, it } from "vitest";
import { FrameContext } from "../../../../src/core/schemas/index.js";
import { makeStillPng } from "../../../helpers/backend.js";
import { listFiles } from "../premiere/setup.js";
import type { FakeAeOptions } from "./fake/fakeAfterEffects.js";
import { aeTestBed } from "./setup.js";

const TOKEN = "ae-capture-token";
const auth = { authorization: `Bearer ${TOKEN}` };
const still = makeStillPng(320, 180);
const bed = aeTestBed(TOKEN);
let env: Awaited<ReturnType<typeof bed.host>>;

const comp = { width: 320, height: 180, frameRate: 24, duration: 10, time: 1.5 };
const layers = [{ name: "Plate", inPoint: 0, outPoint: 4, selected: true }];
const host = (fake: FakeAeOptions = {}, renderTimeoutMs?: number) =>
  bed.host({ fake: { comp, layers, stillPng: still, ...fake }, ...(renderTimeoutMs ? { renderTimeoutMs } : {}) });

describe("host.captureFrame in After Effects", () => {
  it("Insert: renders the frame at the comp's current time, uploads exactly those pixels, leaves the project and the temp folder untouched", async () => {
    env = await host();
    const frame = await env.client.call("host.captureFrame", { mode: "insert" });
    expect(frame).toMatchObject({ mode: "insert", image: { width: 320, height: 180, mediaType: "image/png", bytes: still.length } });
    expect(frame.sequence).toMatchObject({ host: "aftereffects", sequenceName: "Shot 010", playhead: { seconds: 1.5, timecode: "00:00:01:12" } });
    const stored = Buffer.from(await (await fetch(`${bed.backend.url}/v1/frames/${frame.frameId}/image`, { headers: auth })).arrayBuffer());
    expect(stored.equals(still)).toBe(true);
    expect(FrameContext.parse(await (await fetch(`${bed.backend.url}/v1/frames/${frame.frameId}`, { headers: auth })).json()).sequence.selectedLayer).toMatchObject({ name: "Plate" });
    expect(env.fake.renders).toEqual([{ seconds: 1.5, path: expect.stringMatching(/retake-frame-[a-z0-9-]+\.png$/), maxAbortInterval: 30 }]);
    expect(env.fake.renders[0]!.path.startsWith(env.fs.tempFolder.nativePath)).toBe(true);
    expect(listFiles(env.fs.tempFolder.nativePath)).toEqual([]);
    expect(env.fake.undoSteps).toEqual([]);
  });

  it("Extend: renders the selected layer's last frame (not the current time); none or several selected is refused before rendering", async () => {
    env = await host();
    const frame = await env.client.call("host.captureFrame", { mode: "extend" });
    expect(frame.mode).toBe("extend");
    expect(env.fake.renders[0]!.seconds).toBeCloseTo(4 - 1 / 24, 9);
    env.fake.select([]);
    await expect(env.client.call("host.captureFrame", { mode: "extend" })).rejects.toMatchObject({ code: "no_placement", message: expect.stringMatching(/^Extend continues the selected layer/) });
    env = await host({ layers: [{ name: "A", inPoint: 0, outPoint: 4, selected: true }, { name: "B", inPoint: 0, outPoint: 4, selected: true }] });
    await expect(env.client.call("host.captureFrame", { mode: "extend" })).rejects.toMatchObject({ code: "no_placement", message: expect.stringMatching(/^2 layers are selected/) });
    expect(env.fake.renders).toEqual([]);
    // A layer running to or past the comp's end leaves no room to extend into: refused before
    // rendering (and before any draft is paid for), as Import would refuse it.
    env = await host({ layers: [{ name: "Long", inPoint: 0, outPoint: 14, selected: true }] });
    await expect(env.client.call("host.captureFrame", { mode: "extend" })).rejects.toMatchObject({
      code: "no_placement",
      message: expect.stringContaining('"Long" ends at the end of the composition'),
    });
    expect(env.fake.renders).toEqual([]);
  });

  it("waits for a file that lands after the DeferredCall settles, and for a DeferredCall that only offers wait()", async () => {
    env = await host({ render: "writesLate" });
    expect((await env.client.call("host.captureFrame", { mode: "insert" })).image.bytes).toBe(still.length);
    env = await host({ render: "waitOnly" });
    expect((await env.client.call("host.captureFrame", { mode: "insert" })).image.bytes).toBe(still.length);
    // Seconds late, as heavy comps were seen to write (the host looks up to 5 s after "done").
    env = await host({ render: "writesLate", renderLagMs: 2_500 });
    expect((await env.client.call("host.captureFrame", { mode: "insert" })).image.bytes).toBe(still.length);
  });

  it("a frame rendered at the comp's resolution factor (Half) is refused with where to set Full", async () => {
    env = await host({ comp: { ...comp, width: 640, height: 360 }, resolutionFactor: [2, 2] });
    await expect(env.client.call("host.captureFrame", { mode: "insert" })).rejects.toMatchObject({
      code: "capture_failed",
      message: expect.stringMatching(/rendered a 320×180 frame of the 640×360 composition.*set it to Full/),
    });
    expect(listFiles(env.fs.tempFolder.nativePath)).toEqual([]);
  });

  it("a render that never finishes times out with a message naming the frame; the temp folder stays clean", async () => {
    env = await host({ render: "never" }, 400);
    const started = Date.now();
    await expect(env.client.call("host.captureFrame", { mode: "insert" })).rejects.toMatchObject({
      code: "timeout",
      message: "After Effects did not finish rendering the frame at 00:00:01:12 within 400 ms. Check for a dialog waiting in After Effects, then capture again.",
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(listFiles(env.fs.tempFolder.nativePath)).toEqual([]);
  });

  it("a render reported done with no file, or half a file, or failing outright, is refused with the reason", async () => {
    for (const render of ["noFile", "truncated"] as const) {
      env = await host({ render }, 1_000);
      await expect(env.client.call("host.captureFrame", { mode: "insert" })).rejects.toMatchObject({
        code: "capture_failed",
        message: expect.stringMatching(/said the frame at 00:00:01:12 was rendered but wrote no complete image/),
      });
      expect(listFiles(env.fs.tempFolder.nativePath)).toEqual([]);
    }
    env = await host({ render: "rejects" });
    await expect(env.client.call("host.captureFrame", { mode: "insert" })).rejects.toMatchObject({ code: "capture_failed", message: expect.stringMatching(/not enough memory/) });
  });

  it("says what is wrong with an empty comp, a current time past the end or over no layer, or a non-comp active item", async () => {
    env = await host({ layers: [] });
    await expect(env.client.call("host.captureFrame", { mode: "insert" })).rejects.toMatchObject({ code: "no_clips", message: expect.stringMatching(/has no layers/) });
    env = await host({ comp: { ...comp, time: 10 } });
    await expect(env.client.call("host.captureFrame", { mode: "insert" })).rejects.toMatchObject({ code: "playhead_beyond_end", message: expect.stringMatching(/past the end of the composition/) });
    env = await host({ comp: { ...comp, time: 5 } });
    await expect(env.client.call("host.captureFrame", { mode: "insert" })).rejects.toMatchObject({ code: "capture_failed", message: expect.stringMatching(/No layer is visible at the current time \(00:00:05:00\)/) });
    env = await host({ active: "footage" });
    await expect(env.client.call("host.captureFrame", { mode: "insert" })).rejects.toMatchObject({ code: "no_sequence" });
    expect(env.fake.renders).toEqual([]);
  });
});
