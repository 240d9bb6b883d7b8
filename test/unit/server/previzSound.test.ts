import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrevizProvider } from "../../../src/server/providers/previz/previzProvider.js";
import { renderPreviz } from "../../../src/server/providers/previz/renderPreviz.js";

// Previz's test sound: on only when asked, PCM 48 kHz in the master and AAC in the proxy, exactly
// the picture's length, with its clicks on whole seconds from the first frame.
let dir = "";
let still = "";
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-previz-sound-"));
  still = path.join(dir, "still.png");
  execFileSync("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "color=c=gray:s=160x90:d=1", "-frames:v", "1", still]);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const probe = (file: string) =>
  (JSON.parse(execFileSync("ffprobe", ["-v", "error", "-count_frames", "-show_streams", "-of", "json", file]).toString()) as { streams: Array<Record<string, string | number>> }).streams;
const samples = (file: string) => {
  const raw = execFileSync("ffmpeg", ["-v", "error", "-i", file, "-map", "0:a:0", "-ac", "1", "-f", "f32le", "-"], { maxBuffer: 1 << 26 });
  return new Float32Array(raw.buffer, raw.byteOffset, raw.length / 4);
};
const stillPath = (n: number) => Array.from({ length: n }, () => ({ x: 0.5, y: 0.5, zoom: 1, roll: 0 }));

describe("previz test sound", () => {
  it("declares a switchable sound, off by default, and says it is a test sound", () => {
    const info = new PrevizProvider().info();
    const model = info.capabilities.modelInfo?.find((m) => m.id === "previz-camera");
    expect(model?.audio).toMatchObject({ switchable: true, defaultOn: false });
    expect(model?.audio?.note).toMatch(/test sound/);
  });

  it("renders the sound into master and proxy: exact length, every frame kept, clicks on whole seconds", async () => {
    const result = await renderPreviz({ stillPath: still, outDir: path.join(dir, "on"), samples: stillPath(60), fps: { num: 24, den: 1 }, width: 160, height: 90, colorSpace: "rec709", quality: "draft", sound: true });
    const master = probe(result.master.path);
    const video = master.find((s) => s.codec_type === "video")!;
    const audio = master.find((s) => s.codec_type === "audio")!;
    expect(Number(video.nb_read_frames)).toBe(60);
    expect(audio).toMatchObject({ codec_name: "pcm_s24le", sample_rate: "48000", channels: 2 });
    const s = samples(result.master.path);
    expect(s.length).toBe(2.5 * 48000);
    const clicks: number[] = [];
    for (let i = 0; i < s.length; i++) if (Math.abs(s[i]!) > 0.2 && (clicks.length === 0 || i - clicks.at(-1)! > 4800)) clicks.push(i);
    expect(clicks.map((i) => Math.round((i / 48000) * 100) / 100)).toEqual([0, 1, 2]);
    const proxy = probe(result.proxy.path);
    expect(proxy.find((p) => p.codec_type === "audio")).toMatchObject({ codec_name: "aac", sample_rate: "48000" });
    expect(Number(proxy.find((p) => p.codec_type === "video")!.nb_read_frames)).toBe(60);
  });

  it("renders no sound track at all when sound is off", async () => {
    const result = await renderPreviz({ stillPath: still, outDir: path.join(dir, "off"), samples: stillPath(24), fps: { num: 24, den: 1 }, width: 160, height: 90, colorSpace: "rec709", quality: "draft" });
    expect(probe(result.master.path).map((s) => s.codec_type)).toEqual(["video"]);
    expect(probe(result.proxy.path).map((s) => s.codec_type)).toEqual(["video"]);
  });
});
