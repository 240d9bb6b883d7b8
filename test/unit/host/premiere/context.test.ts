import { afterEach, describe, expect, it } from "vitest";
import { BridgeError } from "../../../../src/core/bridge/index.js";
import { COLOR_SPACE_PROPERTY } from "../../../../src/host/premiere/sequenceContext.js";
import { clip, DISPLAY_2997_NON_DROP, secondsTicks } from "./fake/fakePremiere.js";
import { createPanelController } from "../../../../src/ui/controller/createPanelController.js";
import { createPanelStore } from "../../../../src/ui/state/createPanelStore.js";
import { setupHost } from "./setup.js";

let env: Awaited<ReturnType<typeof setupHost>> | undefined;
afterEach(() => env?.cleanup());

describe("host.context", () => {
  it("describes an SDR sequence: size, rate, playhead in ticks/seconds/timecode, tracks with clips", async () => {
    env = await setupHost({
      fake: {
        sequence: {
          name: "Cut 3",
          playhead: secondsTicks(2.5),
          tracks: [{ name: "Video 1", clips: [clip("A", 0, 4), clip("B", 4, 9)] }, { name: "Video 2", clips: [clip("Title", 1, 3)] }],
        },
      },
    });
    const ctx = await env.client.call("host.context");
    expect(ctx).toMatchObject({
      host: "premierepro",
      projectName: "Fake project",
      sequenceName: "Cut 3",
      frameSize: { width: 1920, height: 1080 },
      pixelAspect: 1,
      frameRate: { num: 24, den: 1 },
      dropFrame: false,
      colorSpace: "rec709",
      maxBitDepth: false,
      compositeInLinear: false,
      playhead: { ticks: secondsTicks(2.5).toString(), seconds: 2.5, frame: 60, timecode: "00:00:02:12" },
      durationSeconds: 9,
    });
    expect(ctx.videoTracks).toEqual([
      { index: 0, name: "Video 1", clips: [{ name: "A", start: 0, end: 4 }, { name: "B", start: 4, end: 9 }] },
      { index: 1, name: "Video 2", clips: [{ name: "Title", start: 1, end: 3 }] },
    ]);
  });

  it("describes an HDR sequence (PQ, max bit depth, linear compositing) at 23.976 from the timebase on Premiere 25.6", async () => {
    env = await setupHost({
      fake: {
        withGetVideoFrameRate: false,
        sequence: {
          width: 3840,
          height: 2160,
          ticksPerFrame: 10_594_584_000n,
          pixelAspect: "1.0",
          maxBitDepth: true,
          compositeInLinear: true,
          properties: { [COLOR_SPACE_PROPERTY]: "rec2100-pq" },
          tracks: [{ name: "Video 1", clips: [clip("HDR", 0, 10)] }],
        },
      },
    });
    const ctx = await env.client.call("host.context");
    expect(ctx).toMatchObject({
      frameSize: { width: 3840, height: 2160 },
      frameRate: { num: 24000, den: 1001 },
      colorSpace: "rec2100-pq",
      maxBitDepth: true,
      compositeInLinear: true,
    });
    expect(ctx.colorSpaceAssumed).toBeUndefined();
  });

  it("an HDR-looking sequence with no color space set for Retake is Rec.709 *assumed*, and the panel can say which it is", async () => {
    // Max bit depth and linear compositing are all Premiere's UXP API shows; SDR sequences use them too.
    env = await setupHost({ fake: { sequence: { width: 3840, height: 2160, maxBitDepth: true, compositeInLinear: true } } });
    const store = createPanelStore();
    const controller = createPanelController({ bridge: env.client, store });
    try {
      await controller.refreshContext();
      expect(store.getState().hostContext).toMatchObject({ colorSpace: "rec709", colorSpaceAssumed: true });
      await controller.setSequenceColorSpace("rec2100-pq");
      expect(store.getState().hostContext?.colorSpace).toBe("rec2100-pq");
      expect(store.getState().hostContext?.colorSpaceAssumed).toBeUndefined();
      // Kept on the sequence: the next read says the same without guessing.
      const again = await env.client.call("host.context");
      expect(again.colorSpace).toBe("rec2100-pq");
      expect(again.colorSpaceAssumed).toBeUndefined();
      expect(store.getState().notices).toEqual([]);
    } finally {
      controller.dispose();
    }
  });

  it("a damaged color space value on the sequence is a guess too, not an error", async () => {
    env = await setupHost({ fake: { sequence: { properties: { [COLOR_SPACE_PROPERTY]: "rec2020-ish" } } } });
    expect(await env.client.call("host.context")).toMatchObject({ colorSpace: "rec709", colorSpaceAssumed: true });
  });

  it("reads 29.97 as drop-frame and an anamorphic pixel aspect", async () => {
    env = await setupHost({ fake: { sequence: { ticksPerFrame: 8_475_667_200n, pixelAspect: "4:3", playhead: secondsTicks(60.06) } } });
    const ctx = await env.client.call("host.context");
    expect(ctx.frameRate).toEqual({ num: 30000, den: 1001 });
    expect(ctx.dropFrame).toBe(true);
    expect(ctx.pixelAspect).toBeCloseTo(4 / 3);
    expect(ctx.playhead.timecode).toBe("00:01:00;02");
  });

  it("says so when no project is open, or no sequence is active", async () => {
    env = await setupHost({ fake: { projectOpen: false } });
    await expect(env.client.call("host.context")).rejects.toMatchObject({ code: "no_project", message: expect.stringMatching(/No project is open/) });
    env.cleanup();
    env = await setupHost({ fake: { sequenceOpen: false } });
    const error = await env.client.call("host.context").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BridgeError);
    expect(error).toMatchObject({ code: "no_sequence", message: expect.stringMatching(/Open a sequence/) });
  });

  it("timecode starts at the sequence's zero point, and a 29.97 sequence set to non-drop reads non-drop", async () => {
    env = await setupHost({ fake: { sequence: { zeroPoint: secondsTicks(3600), playhead: secondsTicks(2.5) } } });
    const ctx = await env.client.call("host.context");
    expect(ctx.playhead).toMatchObject({ seconds: 2.5, frame: 60, timecode: "01:00:02:12" });
    env.cleanup();
    env = await setupHost({ fake: { sequence: { ticksPerFrame: 8_475_667_200n, displayFormat: DISPLAY_2997_NON_DROP, playhead: secondsTicks(60.06) } } });
    const ndf = await env.client.call("host.context");
    expect(ndf.dropFrame).toBe(false);
    expect(ndf.playhead.timecode).toBe("00:01:00:00");
  });
});

describe("host.context is light on Premiere", () => {
  const longCut = () => Array.from({ length: 20 }, (_, t) => ({ name: `Video ${t + 1}`, clips: Array.from({ length: 30 }, (_, c) => clip(`S${t}-${c}`, c * 2, c * 2 + 2)) }));

  it("on a 20-track, 600-clip cut a repeated poll costs a handful of calls, not three per clip; any change of identity reads in full", async () => {
    env = await setupHost({ fake: { sequence: { tracks: longCut(), playhead: secondsTicks(1) } } });
    env.fake.calls.reset();
    const first = await env.client.call("host.context");
    const full = env.fake.calls.total();
    expect(full).toBeGreaterThan(1800);
    expect(first.videoTracks).toHaveLength(20);

    env.fake.calls.reset();
    env.fake.state.playhead = secondsTicks(7);
    const again = await env.client.call("host.context");
    expect(env.fake.calls.total()).toBeLessThanOrEqual(6);
    expect(again.playhead.seconds).toBe(7);
    expect(again.videoTracks).toEqual(first.videoTracks);

    env.fake.state.tracks.push({ name: "Video 21", clips: [clip("Title", 3, 5)] });
    env.fake.calls.reset();
    const changed = await env.client.call("host.context");
    expect(changed.videoTracks).toHaveLength(21);
    expect(env.fake.calls.total()).toBeGreaterThan(1800);
  });

  it("an edit the cheap identity cannot see (a clip moved, same end, same tracks) shows within the maximum age", async () => {
    env = await setupHost({ contextMaxAgeMs: 150, fake: { sequence: { tracks: [{ name: "Video 1", clips: [clip("A", 0, 4), clip("B", 6, 9)] }] } } });
    await env.client.call("host.context");
    const track = env.fake.state.tracks[0]!;
    track.clips[0] = { ...track.clips[0]!, start: secondsTicks(1) };
    await new Promise((r) => setTimeout(r, 200));
    expect((await env.client.call("host.context")).videoTracks[0]!.clips[0]).toMatchObject({ start: 1 });
  });
});
