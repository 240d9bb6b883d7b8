import { describe, expect, it } from "vitest";
import type { Job } from "../../../../src/core/schemas/index.js";
import { finishedJob } from "../premiere/backendJobs.js";
import type { FakeAeOptions } from "./fake/fakeAfterEffects.js";
import { aeTestBed } from "./setup.js";

// A take's sound in After Effects is the layer's own audio: a take with sound lands as a layer
// with an audio component and its audio switch on (turned on by the adapter, not assumed); a take
// without sound lands as a layer without audio; the answer reports what the layer says.
const TOKEN = "ae-sound-token";
let withSound: Job;
let silent: Job;
const bed = aeTestBed(TOKEN, async (backend) => {
  withSound = await finishedJob(backend.url, TOKEN, { audio: true });
  silent = await finishedJob(backend.url, TOKEN, { audio: false });
});
const comp = { width: 320, height: 180, frameRate: 24, duration: 10, time: 2 };
const host = (fake: FakeAeOptions = {}) => bed.host({ fake: { comp, layers: [{ name: "BG", inPoint: 0, outPoint: 10 }], ...fake } });
const params = (job: Job) => ({ jobId: job.id, takeId: job.takes[0]!.id, mode: "insert" as const });
const layerName = (job: Job) => `Retake ${job.id.slice(-6)} take 1`;

describe("host.importTake with sound (After Effects)", () => {
  it("a take with sound: the layer has audio, switch on, reported over the layer's span", async () => {
    const env = await host({ audioSwitchOff: true });
    const result = await env.client.call("host.importTake", params(withSound));
    expect(env.fake.sound()).toContainEqual({ name: layerName(withSound), hasAudio: true, audioEnabled: true });
    expect(result.sound).toEqual({ trackIndex: result.placement.trackIndex, start: 2, end: 4 });
    expect(result.guidance).toBeUndefined();
  });

  it("a take without sound: a layer with no audio, nothing reported, the audio switch never touched", async () => {
    const env = await host();
    const result = await env.client.call("host.importTake", params(silent));
    expect(env.fake.sound()).toContainEqual({ name: layerName(silent), hasAudio: false, audioEnabled: false });
    expect(result.sound).toBeUndefined();
    expect(result.guidance).toBeUndefined();
  });
});
