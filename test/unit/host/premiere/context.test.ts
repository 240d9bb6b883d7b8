import { afterEach, describe, expect, it } from "vitest";
import { BridgeError } from "../../../../src/core/bridge/index.js";
import { COLOR_SPACE_PROPERTY } from "../../../../src/host/premiere/sequenceContext.js";
import { clip, secondsTicks } from "./fake/fakePremiere.js";
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
});
