import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Job } from "../../../../src/core/schemas/index.js";
import { startTestBackend } from "../../../helpers/backend.js";
import { finishedJob } from "./backendJobs.js";
import { clip, secondsTicks } from "./fake/fakePremiere.js";
import { setupHost } from "./setup.js";

// A take's sound on Premiere's timeline, against the fake typed with the official declarations:
// the take with sound lands as a video clip and its audio clip, linked (one edit, shared link),
// on an audio track where nothing of the editor's is overwritten; a take without sound lands as
// picture only; the read-back reports where the sound is, or says it is not there.
const TOKEN = "import-sound-token";
let backend: Awaited<ReturnType<typeof startTestBackend>>;
let withSound: Job;
let silent: Job;
let env: Awaited<ReturnType<typeof setupHost>> | undefined;

beforeAll(async () => {
  backend = await startTestBackend({ token: TOKEN });
  withSound = await finishedJob(backend.url, TOKEN, { audio: true });
  silent = await finishedJob(backend.url, TOKEN, { audio: false });
}, 120_000);
afterAll(async () => {
  await backend.close();
});
afterEach(() => env?.cleanup());

type HostOptions = NonNullable<Parameters<typeof setupHost>[0]>;
const host = (fake: HostOptions["fake"] = {}) => setupHost({ backendUrl: backend.url, backendToken: TOKEN, fake });
const params = (job: Job) => ({ jobId: job.id, takeId: job.takes[0]!.id, mode: "insert" as const });

describe("host.importTake with sound (Premiere)", () => {
  it("the backend's take really has sound (previz test sound) and the silent one none", () => {
    expect(withSound.takes[0]!.outputs.master!.audio).toEqual({ codec: "pcm_s24le", sampleRate: 48000, channels: 2 });
    expect(silent.takes[0]!.outputs.master!.audio).toBeUndefined();
  });

  it("lands picture on V1 and sound on A1, linked, over the same span; the read-back reports both", async () => {
    env = await host({ sequence: { playhead: secondsTicks(3) } });
    const result = await env.client.call("host.importTake", params(withSound));
    expect(result.placement).toMatchObject({ trackIndex: 0, start: 3, end: 5 });
    expect(result.sound).toEqual({ trackIndex: 0, start: 3, end: 5 });
    const video = env.fake.state.tracks[0]!.clips.find((c) => c.name === path.basename(result.mediaPath))!;
    const audio = env.fake.state.audioTracks[0]!.clips.find((c) => c.name === path.basename(result.mediaPath))!;
    expect(audio).toBeDefined();
    expect(audio.linkId).toBeDefined();
    expect(audio.linkId).toBe(video.linkId);
    expect([audio.start, audio.end]).toEqual([video.start, video.end]);
    expect(result.guidance).toBeUndefined();
  });

  it("never overwrites the editor's sound: A1 busy over the span, so the take's sound goes to the free A2", async () => {
    const audioTracks = [{ name: "Audio 1", clips: [clip("Dialogue", 0, 10)] }, { name: "Audio 2", clips: [clip("Music", 8, 12)] }];
    env = await host({ sequence: { playhead: secondsTicks(3), audioTracks } });
    const result = await env.client.call("host.importTake", params(withSound));
    expect(result.sound).toEqual({ trackIndex: 1, start: 3, end: 5 });
    expect(env.fake.state.audioTracks[0]!.clips.map((c) => [c.name, c.start, c.end])).toEqual([["Dialogue", secondsTicks(0), secondsTicks(10)]]);
    expect(env.fake.state.audioTracks[1]!.clips.map((c) => c.name)).toEqual([path.basename(result.mediaPath), "Music"]);
  });

  it("onto a new video track (every track taken): inserted with a new audio track too, linked", async () => {
    const tracks = [{ name: "Video 1", clips: [clip("A", 0, 10)] }];
    const audioTracks = [{ name: "Audio 1", clips: [clip("A", 0, 10)] }];
    env = await host({ sequence: { playhead: secondsTicks(2), tracks, audioTracks } });
    const result = await env.client.call("host.importTake", params(withSound));
    expect(result.placement).toMatchObject({ trackIndex: 1, newTrack: true });
    expect(result.sound).toEqual({ trackIndex: 1, start: 2, end: 4 });
    expect(env.fake.state.audioTracks).toHaveLength(2);
    expect(env.fake.state.audioTracks[1]!.clips[0]!.linkId).toBe(env.fake.state.tracks[1]!.clips[0]!.linkId);
    expect(env.fake.state.audioTracks[0]!.clips.map((c) => c.name)).toEqual(["A"]);
  });

  it("every audio track busy on an overwrite: the picture lands, the sound is reported missing (never silently)", async () => {
    const audioTracks = [{ name: "Audio 1", clips: [clip("Dialogue", 0, 10)] }];
    env = await host({ sequence: { playhead: secondsTicks(3), audioTracks } });
    const result = await env.client.call("host.importTake", params(withSound));
    expect(result.placement).toMatchObject({ trackIndex: 0, start: 3, end: 5 });
    expect(result.sound).toBeUndefined();
    expect(result.guidance).toMatch(/its sound did not land on A2.*drag its audio onto a free audio track/);
    expect(env.fake.state.audioTracks[0]!.clips.map((c) => c.name)).toEqual(["Dialogue"]);
  });

  it("a build that ignores the audio index: the read-back catches it and says so", async () => {
    env = await host({ sequence: { playhead: secondsTicks(3) }, audioIgnored: true });
    const result = await env.client.call("host.importTake", params(withSound));
    expect(result.sound).toBeUndefined();
    expect(result.guidance).toMatch(/sound did not land on A1/);
  });

  it("a take without sound lands as picture only: no audio clip anywhere, no sound reported", async () => {
    env = await host({ sequence: { playhead: secondsTicks(3) } });
    const result = await env.client.call("host.importTake", params(silent));
    expect(result.sound).toBeUndefined();
    expect(result.guidance).toBeUndefined();
    expect(env.fake.state.audioTracks.flatMap((t) => t.clips)).toEqual([]);
    expect(env.fake.state.tracks[0]!.clips).toHaveLength(1);
    expect(env.fake.state.tracks[0]!.clips[0]!.linkId).toBeUndefined();
  });
});
