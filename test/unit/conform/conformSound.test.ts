import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gateImport } from "../../../src/core/colorTags/index.js";
import { conformMaster } from "../../../src/server/conform/index.js";
import { retimeMaster } from "../../../src/server/conform/retime.js";
import { deliverOutputs } from "../../../src/server/director/deliverOutputs.js";
import { readColorTagsFromFile } from "../../../src/server/files/fileRangedRead.js";
import type { SequenceContext } from "../../../src/core/schemas/index.js";

// A take's sound through conform, retime and delivery, judged the way an editor would hear it:
// each fixture has one white flash frame and one click on the same instant; after delivery the
// click must still sit on the flash (within a frame), and the track must be exactly the
// picture's length. Everything is decoded with ffmpeg, not read from Retake's own records.
const run = promisify(execFile);
const ffmpeg = (...args: string[]) => run("ffmpeg", ["-v", "error", "-y", ...args], { maxBuffer: 1 << 28, encoding: "buffer" });
const BT709 = ["-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", "-color_range", "tv"];
const PRORES_HQ = ["-c:v", "prores_ks", "-profile:v", "hq", "-vendor", "apl0", "-pix_fmt", "yuv422p10le"];

let dir = "";
const at = (name: string) => path.join(dir, name);

/** Dark frames with frame `flash` white; a 10 ms 1 kHz click at the flash's start time. */
async function flashClick(out: string, opts: { rate: number; seconds: number; flash: number; audio?: "aac44" | "none"; codec?: "h264" | "prores" }) {
  const { rate, seconds, flash } = opts;
  const t = flash / rate;
  const video = ["-f", "lavfi", "-i", `color=c=0x303030:s=160x90:r=${rate}:d=${seconds},drawbox=x=0:y=0:w=160:h=90:color=white:t=fill:enable='eq(n\\,${flash})'`];
  const audio = opts.audio === "none" ? [] : ["-f", "lavfi", "-i", `aevalsrc=exprs=0.9*between(t\\,${t}\\,${t + 0.01})*sin(2*PI*1000*(t-${t}))+0.001*sin(2*PI*50*t):s=44100:d=${seconds}:c=stereo`];
  // ProRes frames tagged in their own header (setparams before the 10-bit format), as a provider's ProRes is.
  const vcodec = opts.codec === "prores" ? ["-vf", "setparams=color_primaries=bt709:color_trc=bt709:colorspace=bt709:range=tv,format=yuv422p10le", ...PRORES_HQ] : ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"];
  await ffmpeg(...video, ...audio, ...vcodec, ...BT709, ...(opts.audio === "none" ? [] : ["-c:a", "aac", "-b:a", "128k"]), out);
}

/** Per-frame mean luma (8-bit) of the first video stream. */
async function lumas(file: string): Promise<number[]> {
  const { stdout } = await ffmpeg("-i", file, "-map", "0:v:0", "-vf", "scale=16:9,format=gray", "-f", "rawvideo", "-");
  const out: number[] = [];
  for (let i = 0; i + 144 <= stdout.length; i += 144) out.push(stdout.subarray(i, i + 144).reduce((a, b) => a + b, 0) / 144);
  return out;
}

/** The first sound track decoded as mono float at 48 kHz. */
async function samples(file: string): Promise<Float32Array> {
  const { stdout } = await ffmpeg("-i", file, "-map", "0:a:0", "-ac", "1", "-ar", "48000", "-f", "f32le", "-");
  return new Float32Array(stdout.buffer, stdout.byteOffset, stdout.length / 4);
}

async function streams(file: string): Promise<Array<Record<string, string | number>>> {
  const { stdout } = await run("ffprobe", ["-v", "error", "-show_streams", "-of", "json", file]);
  return (JSON.parse(stdout) as { streams: Array<Record<string, string | number>> }).streams;
}

/** Seconds between the click's onset and the flash frame's start, and both, in the file as decoded. */
async function syncOf(file: string, rate: number): Promise<{ offset: number; flashFrame: number; clickAt: number; frames: number; soundSeconds: number }> {
  const luma = await lumas(file);
  const flashFrame = luma.indexOf(Math.max(...luma));
  const s = await samples(file);
  const onset = s.findIndex((v) => Math.abs(v) > 0.2);
  expect(onset).toBeGreaterThanOrEqual(0);
  const clickAt = onset / 48000;
  return { offset: clickAt - flashFrame / rate, flashFrame, clickAt, frames: luma.length, soundSeconds: s.length / 48000 };
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-sound-"));
  await Promise.all([
    flashClick(at("h264_aac_24.mp4"), { rate: 24, seconds: 3, flash: 30 }),
    flashClick(at("h264_aac_25.mp4"), { rate: 25, seconds: 2, flash: 20 }),
    flashClick(at("h264_silent.mp4"), { rate: 24, seconds: 2, flash: 10, audio: "none" }),
    flashClick(at("prores_aac_24.mov"), { rate: 24, seconds: 2, flash: 12, codec: "prores" }),
  ]);
}, 120_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const target = (duration: number) => ({ colorSpace: "rec709" as const, width: 160, height: 90, frameRate: { num: 24, den: 1 }, duration, pixelAspect: 1 });
const FRAME = 1 / 24;

describe("conform keeps a take's sound", () => {
  it("re-encodes H.264 + AAC 44.1 kHz into ProRes with 24-bit PCM at 48 kHz, in sync, cut with the picture", async () => {
    const out = at("trimmed.mov");
    const result = await conformMaster({ inputPath: at("h264_aac_24.mp4"), outputPath: out, target: target(2.5) });
    expect(result.route).toBe("reencode");
    expect(result.audio).toEqual({ codec: "pcm_s24le", sampleRate: 48000, channels: 2 });
    const a = (await streams(out)).find((s) => s.codec_type === "audio")!;
    expect(a).toMatchObject({ codec_name: "pcm_s24le", sample_rate: "48000", channels: 2 });
    const sync = await syncOf(out, 24);
    expect(sync.frames).toBe(60);
    expect(sync.flashFrame).toBe(30);
    expect(Math.abs(sync.offset)).toBeLessThan(FRAME);
    // The 3 s source was cut to 2.5 s: the sound ends with the picture, to the sample.
    expect(sync.soundSeconds).toBe(2.5);
    expect(result.notes.join(" ")).toMatch(/sound track \(aac 44\.1 kHz, stereo\) is kept as 24-bit PCM at 48 kHz/);
  });

  it("holds the last frame and pads the sound with silence when the source is short; a rate change keeps the click on the flash", async () => {
    const out = at("held.mov");
    await conformMaster({ inputPath: at("h264_aac_25.mp4"), outputPath: out, target: target(3) });
    const sync = await syncOf(out, 24);
    expect(sync.frames).toBe(72);
    expect(Math.abs(sync.offset)).toBeLessThan(FRAME);
    expect(sync.soundSeconds).toBe(3);
    const s = await samples(out);
    // Past the source's 2 s: silence, not a repeat or noise.
    expect(Math.max(...Array.from(s.subarray(2.05 * 48000)).map(Math.abs))).toBeLessThan(1e-4);
  });

  it("a ProRes master in the right color with AAC sound: only tags and sound are rewritten, pictures copied", async () => {
    const out = at("retag.mov");
    const result = await conformMaster({ inputPath: at("prores_aac_24.mov"), outputPath: out, target: target(2) });
    expect(result.route).toBe("retag");
    expect(result.audio).toEqual({ codec: "pcm_s24le", sampleRate: 48000, channels: 2 });
    const sync = await syncOf(out, 24);
    expect(sync.flashFrame).toBe(12);
    expect(Math.abs(sync.offset)).toBeLessThan(FRAME);
    expect(sync.soundSeconds).toBe(2);
    expect(gateImport(await readColorTagsFromFile(out), "rec709")).toMatchObject({ ok: true });
  });

  it("a file with no sound stays picture only: no silent track is invented", async () => {
    const out = at("silent.mov");
    const result = await conformMaster({ inputPath: at("h264_silent.mp4"), outputPath: out, target: target(2) });
    expect(result.audio).toBeUndefined();
    expect((await streams(out)).map((s) => s.codec_type)).toEqual(["video"]);
    expect(result.notes.join(" ")).not.toMatch(/sound/);
  });
});

describe("a bridge's retime and its sound", () => {
  it("stretches the sound with the picture (atempo): the click stays on the flash and the track is the fitted length", async () => {
    const master = at("bridge-src.mov");
    // 72 frames, flash at 48, into 60 frames: output position 48·59/71 ≈ 39.9.
    await conformMaster({ inputPath: at("h264_aac_24.mp4"), outputPath: master, target: target(3) });
    const fitted = await retimeMaster({ inputPath: master, outputPath: at("bridge-fit.mov"), frames: 60, frameRate: { num: 24, den: 1 }, colorSpace: "rec709" });
    expect(fitted.audio).toEqual({ codec: "pcm_s24le", sampleRate: 48000, channels: 2 });
    expect(fitted.notes.join(" ")).toMatch(/follows the speed change \(120 % speed, pitch kept\)/);
    const sync = await syncOf(fitted.path, 24);
    expect(sync.frames).toBe(60);
    expect(sync.flashFrame).toBe(Math.round((30 * 59) / 71));
    // The click maps to 30·(1/24)·(59/71) s; atempo's overlap-add window moves a transient by a
    // few ms (6 ms measured), a quarter frame at most is allowed; the blended flash is within a frame.
    expect(Math.abs(sync.clickAt - (30 / 24) * (59 / 71))).toBeLessThan(0.25 * FRAME);
    expect(Math.abs(sync.offset)).toBeLessThan(FRAME);
    expect(sync.soundSeconds).toBe(2.5);
  });

  it("drops the sound, with a note, when the speed change is beyond half or double", async () => {
    const master = at("bridge-src.mov");
    const fitted = await retimeMaster({ inputPath: master, outputPath: at("bridge-slow.mov"), frames: 160, frameRate: { num: 24, den: 1 }, colorSpace: "rec709" });
    expect(fitted.audio).toBeUndefined();
    expect((await streams(fitted.path)).map((s) => s.codec_type)).toEqual(["video"]);
    expect(fitted.notes.join(" ")).toMatch(/sound was dropped from the fitted master: at 45 % speed/);
  });
});

describe("delivery", () => {
  const sequence: SequenceContext = {
    name: "S", frameSize: { width: 160, height: 90 }, pixelAspect: 1, frameRate: { num: 24, den: 1 }, colorSpace: "rec709", fieldOrder: "progressive",
  } as unknown as SequenceContext;

  it("a provider's file with sound: master PCM 48 kHz, proxy AAC, both recorded; the provider's file kept as source", async () => {
    const out = fs.mkdtempSync(path.join(dir, "deliver-"));
    const delivery = await deliverOutputs({
      outputs: [{ kind: "master", path: at("h264_aac_24.mp4"), mediaType: "video/mp4", hasAudio: true }],
      sequence, duration: 2, dir: out,
    });
    const byKind = Object.fromEntries(delivery.outputs.map((o) => [o.kind, o]));
    expect(byKind.master!.audio).toEqual({ codec: "pcm_s24le", sampleRate: 48000, channels: 2 });
    expect(byKind.proxy!.audio).toEqual({ codec: "aac", sampleRate: 48000, channels: 2 });
    expect(byKind.source!.audio).toMatchObject({ codec: "aac", sampleRate: 44100 });
    const proxySync = await syncOf(byKind.proxy!.path, 24);
    expect(Math.abs(proxySync.offset)).toBeLessThan(FRAME);
  });

  it("a bridge take with sound: conformed whole, fitted to the span with its sound stretched, the note on the card", async () => {
    const out = fs.mkdtempSync(path.join(dir, "deliver-"));
    // 72 generated frames (flash 30) fitted into a 60-frame span.
    const delivery = await deliverOutputs({
      outputs: [{ kind: "master", path: at("h264_aac_24.mp4"), mediaType: "video/mp4", hasAudio: true }],
      sequence, duration: 2.5, dir: out, fitFrames: 60,
    });
    const master = delivery.outputs.find((o) => o.kind === "master")!;
    expect(delivery.retime).toMatchObject({ generatedFrames: 72, placedFrames: 60 });
    expect(master.audio).toEqual({ codec: "pcm_s24le", sampleRate: 48000, channels: 2 });
    expect(delivery.notes.join(" ")).toMatch(/sound follows the speed change \(120 % speed, pitch kept\)/);
    const sync = await syncOf(master.path, 24);
    expect(sync.frames).toBe(60);
    expect(Math.abs(sync.offset)).toBeLessThan(FRAME);
    expect(sync.soundSeconds).toBe(2.5);
    expect(delivery.outputs.find((o) => o.kind === "proxy")!.audio).toMatchObject({ codec: "aac" });
  });

  it("an upscale (picture only) of a take with sound: the take's sound is laid under the new master, in sync, its length", async () => {
    const out = fs.mkdtempSync(path.join(dir, "deliver-"));
    const picture = at("upscaled.mov");
    await ffmpeg("-i", at("prores_aac_24.mov"), "-map", "0:v:0", "-c", "copy", picture);
    const delivery = await deliverOutputs({
      outputs: [{ kind: "master", path: picture, mediaType: "video/quicktime" }],
      sequence, duration: 2, dir: out, soundFrom: at("prores_aac_24.mov"),
    });
    const master = delivery.outputs.find((o) => o.kind === "master")!;
    expect(master.audio).toEqual({ codec: "pcm_s24le", sampleRate: 48000, channels: 2 });
    expect(delivery.notes.join(" ")).toMatch(/picture only; the sound of the take it was made from is laid under it/);
    const sync = await syncOf(master.path, 24);
    expect(sync.flashFrame).toBe(12);
    expect(Math.abs(sync.offset)).toBeLessThan(FRAME);
    expect(sync.soundSeconds).toBe(2);
    expect(gateImport(await readColorTagsFromFile(master.path), "rec709")).toMatchObject({ ok: true });
  });

  it("a provider's file without sound: every output is picture only", async () => {
    const out = fs.mkdtempSync(path.join(dir, "deliver-"));
    const delivery = await deliverOutputs({ outputs: [{ kind: "master", path: at("h264_silent.mp4"), mediaType: "video/mp4" }], sequence, duration: 2, dir: out });
    for (const o of delivery.outputs) expect(o.audio).toBeUndefined();
    const proxy = delivery.outputs.find((o) => o.kind === "proxy")!;
    expect((await streams(proxy.path)).map((s) => s.codec_type)).toEqual(["video"]);
  });
});
