import { afterEach, describe, expect, it } from "vitest";
import { setupAeHost } from "./setup.js";

let env: Awaited<ReturnType<typeof setupAeHost>> | undefined;
afterEach(() => env?.cleanup());

const layers = [
  { name: "Title", inPoint: 1, outPoint: 3 },
  { name: "Plate", inPoint: 0, outPoint: 6, selected: true },
];

describe("host.context in After Effects", () => {
  it("describes the active comp: size, pixel aspect, rate, duration, current time (seconds, frame, timecode), layers as tracks, the selected layer, color settings", async () => {
    env = await setupAeHost({ fake: { comp: { name: "Shot 010", width: 3840, height: 2160, frameRate: 24, duration: 8, time: 2.5 }, layers } });
    const ctx = await env.client.call("host.context");
    expect(ctx).toMatchObject({
      host: "aftereffects",
      projectName: "Promo",
      sequenceName: "Shot 010",
      frameSize: { width: 3840, height: 2160 },
      pixelAspect: 1,
      frameRate: { num: 24, den: 1 },
      dropFrame: false,
      colorSpace: "rec709",
      playhead: { seconds: 2.5, frame: 60, timecode: "00:00:02:12" },
      durationSeconds: 8,
      selectedLayer: { index: 2, name: "Plate", inPoint: 0, outPoint: 6 },
      projectColor: { engine: "adobe", workingSpace: "HDTV (Rec. 709)", bitsPerChannel: 16, linearize: false, colorSpaceFrom: "working-space" },
    });
    // The bottom layer is track 0: "above" means the same in both hosts.
    expect(ctx.videoTracks).toEqual([
      { index: 0, name: "Plate", clips: [{ name: "Plate", start: 0, end: 6 }] },
      { index: 1, name: "Title", clips: [{ name: "Title", start: 1, end: 3 }] },
    ]);
  });

  it("reads 29.97 drop-frame, an anamorphic pixel aspect, and adds the comp's start timecode", async () => {
    env = await setupAeHost({ fake: { comp: { frameRate: 29.97002997, dropFrame: true, pixelAspect: 1.2121, time: 60.06, displayStartTime: 3600 }, layers } });
    const ctx = await env.client.call("host.context");
    expect(ctx.frameRate).toEqual({ num: 30000, den: 1001 });
    expect(ctx.dropFrame).toBe(true);
    expect(ctx.pixelAspect).toBeCloseTo(1.2121);
    expect(ctx.playhead.frame).toBe(1800);
    expect(ctx.playhead.timecode).toBe("01:01:00;02");
    expect(ctx.selectedLayer?.name).toBe("Plate");
  });

  it("follows the project's color settings: an HDR working space, 32 bpc linear, OCIO with Retake's kept choice", async () => {
    env = await setupAeHost({ fake: { layers, color: { workingSpace: "Rec. 2100 PQ", bitsPerChannel: 32, linearizeWorkingSpace: true } } });
    expect(await env.client.call("host.context")).toMatchObject({ colorSpace: "rec2100-pq", maxBitDepth: true, compositeInLinear: true, projectColor: { bitsPerChannel: 32, linearize: true } });
    env.cleanup();
    env = await setupAeHost({ fake: { layers, color: { workingSpace: "Rec. 2100 HLG" } } });
    expect((await env.client.call("host.context")).colorSpace).toBe("rec2100-hlg");
    env.cleanup();
    env = await setupAeHost({ fake: { layers, color: { colorManagementSystem: 1, workingSpace: "ACEScg", ocioConfigurationFile: "/configs/studio-config-v2.ocio" } } });
    const ocio = await env.client.call("host.context");
    expect(ocio).toMatchObject({
      colorSpace: "rec709",
      // Rec.709 here is a guess (OCIO says nothing Retake can map): the panel is told so.
      colorSpaceAssumed: true,
      projectColor: { engine: "ocio", workingSpace: "ACEScg", ocioConfig: "/configs/studio-config-v2.ocio", colorSpaceFrom: "default" },
    });
    // The editor says which: kept in the project, no longer a guess.
    const chosen = await env.client.call("host.setSequenceColorSpace", { colorSpace: "rec2100-hlg" });
    expect(chosen.colorSpaceAssumed).toBeUndefined();
    expect((await env.client.call("host.context")).colorSpace).toBe("rec2100-hlg");
  });

  it("a working space that decides is not a guess", async () => {
    env = await setupAeHost({ fake: { layers, color: { workingSpace: "HDTV (Rec. 709)" } } });
    expect((await env.client.call("host.context")).colorSpaceAssumed).toBeUndefined();
  });

  it("says clearly when there is no project, no active item, or the active item is not a comp", async () => {
    env = await setupAeHost({ fake: { projectOpen: false } });
    await expect(env.client.call("host.context")).rejects.toMatchObject({ code: "no_project", message: expect.stringMatching(/no project open/) });
    env.cleanup();
    env = await setupAeHost({ fake: { active: "none" } });
    await expect(env.client.call("host.context")).rejects.toMatchObject({ code: "no_sequence", message: expect.stringMatching(/No composition is active/) });
    env.cleanup();
    env = await setupAeHost({ fake: { active: "footage", layers } });
    await expect(env.client.call("host.context")).rejects.toMatchObject({ code: "no_sequence", message: 'The active item "Plate.mov" (Footage) is not a composition. Open the composition you are working on in the Timeline, then try again.' });
    env.cleanup();
    env = await setupAeHost({ fake: { active: "folder" } });
    await expect(env.client.call("host.context")).rejects.toMatchObject({ code: "no_sequence", message: expect.stringMatching(/"Plates" \(Folder\) is not a composition/) });
  });

  it("tells a comp from footage and folders by what they have when the module exports no item classes", async () => {
    env = await setupAeHost({ fake: { moduleShape: "flat", exportsItemClasses: false, layers } });
    expect(env.fake.ae.CompItem).toBeUndefined();
    expect(await env.client.call("host.context")).toMatchObject({ sequenceName: "Shot 010", selectedLayer: { index: 2, name: "Plate" } });
    env.cleanup();
    env = await setupAeHost({ fake: { exportsItemClasses: false, active: "footage", layers } });
    await expect(env.client.call("host.context")).rejects.toMatchObject({ code: "no_sequence", message: expect.stringMatching(/"Plate.mov" \(Footage\) is not a composition/) });
    env.cleanup();
    env = await setupAeHost({ fake: { exportsItemClasses: false, active: "folder" } });
    await expect(env.client.call("host.context")).rejects.toMatchObject({ code: "no_sequence", message: expect.stringMatching(/"Plates" \(Folder\) is not a composition/) });
  });

  it("works whether the module is the app itself or carries it as .app", async () => {
    env = await setupAeHost({ fake: { moduleShape: "flat", layers } });
    expect((await env.client.call("host.context")).sequenceName).toBe("Shot 010");
  });
});
