import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ConformError, conformMaster } from "../../../src/server/conform/index.js";
import {
  bundledToolPath,
  checkFfmpeg,
  FfmpegError,
  FfmpegFeatureMissingError,
  FfmpegMissingError,
  ffprobeJson,
  isAbortError,
  locateTool,
  locateToolWithOrigin,
  requireFfmpegFeatures,
  runFfmpeg,
  STDERR_TAIL_BYTES,
} from "../../../src/server/media/ffmpeg.js";

let dir: string;
const savedEnv = { ffmpeg: process.env.RETAKE_FFMPEG, ffprobe: process.env.RETAKE_FFPROBE };

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  for (const [tool, value] of Object.entries(savedEnv)) {
    const key = tool === "ffmpeg" ? "RETAKE_FFMPEG" : "RETAKE_FFPROBE";
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

const INSTALL_LINES = ["sudo apt-get install ffmpeg", "brew install ffmpeg", "winget install Gyan.FFmpeg"];

describe("finding ffmpeg", () => {
  it("finds both binaries on the PATH and reports versions and the features Retake relies on", async () => {
    expect(path.basename(locateTool("ffmpeg"))).toBe("ffmpeg");
    const check = await checkFfmpeg();
    expect(check.ffmpeg.version).toMatch(/^\d+\.\d+/);
    expect(check.ffprobe.version).toMatch(/^\d+\.\d+/);
    expect(check.features).toEqual({ libx265_10bit: true, prores_ks: true, zscale: true, libx264: true, perspective: true, exr: true, mov_colr: true });
    expect(check.missing).toEqual([]);
    expect(check.ffmpeg.origin).toBe("system");
  });

  it("an override that points nowhere is FfmpegMissingError with the install commands, not a stack trace", async () => {
    process.env.RETAKE_FFMPEG = path.join(dir, "no-such-ffmpeg");
    const err = await runFfmpeg(["-version"]).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(FfmpegMissingError);
    const e = err as FfmpegMissingError;
    for (const line of INSTALL_LINES) expect(e.message).toContain(line);
    expect(e.message).toContain("RETAKE_FFMPEG");
    expect(e.stack).not.toMatch(/\n\s+at /);
    await expect(checkFfmpeg()).rejects.toBeInstanceOf(FfmpegMissingError);
  });

  it("a PATH without ffprobe is FfmpegMissingError naming ffprobe", () => {
    let err: unknown;
    try {
      locateTool("ffprobe", { PATH: dir }, { bundled: false });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FfmpegMissingError);
    expect((err as FfmpegMissingError).tool).toBe("ffprobe");
    expect((err as Error).message).toMatch(/ffprobe, which was not found/);
    for (const line of INSTALL_LINES) expect((err as Error).message).toContain(line);
  });

  it("an override that is a real binary is used", () => {
    const real = locateTool("ffmpeg");
    process.env.RETAKE_FFMPEG = real;
    expect(locateTool("ffmpeg")).toBe(real);
  });
});

describe("the ffmpeg that npm installed with Retake", () => {
  // A fresh machine: nothing on the PATH, no override. npm installed the platform's binaries.
  const bundledFfmpeg = bundledToolPath("ffmpeg");
  const bundledFfprobe = bundledToolPath("ffprobe");

  it("is found when the PATH has none, and says where it came from", () => {
    expect(bundledFfmpeg).toMatch(/@ffmpeg-installer/);
    expect(locateToolWithOrigin("ffmpeg", { PATH: dir })).toEqual({ path: bundledFfmpeg, origin: "bundled" });
    expect(locateToolWithOrigin("ffprobe", { PATH: dir })).toEqual({ path: bundledFfprobe, origin: "bundled" });
  });

  it("the system's comes first", () => {
    expect(locateToolWithOrigin("ffmpeg").origin).toBe("system");
  });

  it("lacks the EXR encoder and colr by default, each said as the feature it stops; the rest is there", async () => {
    process.env.RETAKE_FFMPEG = bundledFfmpeg!;
    const check = await checkFfmpeg();
    expect(check.ffmpeg.origin).toBe("override");
    expect(check.features).toEqual({ libx264: true, libx265_10bit: true, prores_ks: true, zscale: true, perspective: true, exr: false, mov_colr: false });
    expect(check.missing).toEqual([
      expect.stringMatching(/^EXR delivery needs the OpenEXR encoder \(ffmpeg 4\.4 or newer\), which RETAKE_FFMPEG's ffmpeg .* lacks\.$/),
      expect.stringMatching(/^Color-tagged masters \(conform, Import\) needs a mov\/mp4 muxer that writes the colr box \(ffmpeg 4\.3 or newer\)/),
    ]);
    const err = await requireFfmpegFeatures(["prores_ks", "exr"]).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(FfmpegFeatureMissingError);
    expect((err as Error).message).toMatch(/^EXR delivery needs .* Install a full ffmpeg \(.*apt-get install ffmpeg\) or point RETAKE_FFMPEG at one/);
    await expect(requireFfmpegFeatures(["prores_ks", "libx265_10bit", "zscale", "perspective", "libx264"])).resolves.toBeUndefined();
  });
});

describe("a delivery the ffmpeg in use cannot make", () => {
  it("a delivery the bundled ffmpeg cannot tag right stops before rendering and says what it needs", async () => {
    const src = path.join(dir, "h264-709.mp4");
    spawnSync("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=24", "-t", "0.25", "-c:v", "libx264", "-pix_fmt", "yuv420p",
      "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", src]);
    process.env.RETAKE_FFMPEG = bundledToolPath("ffmpeg")!;
    const target = { colorSpace: "rec709" as const, width: 320, height: 180, frameRate: { num: 24, den: 1 }, duration: 0.25, pixelAspect: 1 };
    const conform = (format: "exr-aces" | "prores422hq", out: string) =>
      conformMaster({ inputPath: src, outputPath: path.join(dir, out), target, format }).then(() => undefined, (e: unknown) => e);
    const exr = await conform("exr-aces", "exr-out");
    expect(exr).toBeInstanceOf(ConformError);
    expect((exr as ConformError).code).toBe("tool_missing");
    expect((exr as Error).message).toMatch(/^EXR delivery needs the OpenEXR encoder \(ffmpeg 4\.4 or newer\).* Install a full ffmpeg/);
    expect(fs.readdirSync(path.join(dir, "exr-out")).filter((n) => n.endsWith(".exr"))).toEqual([]);
    const prores = await conform("prores422hq", "master.mov");
    expect((prores as Error).message).toMatch(/^Color-tagged masters \(conform, Import\) needs a mov\/mp4 muxer that writes the colr box/);
    expect(fs.existsSync(path.join(dir, "master.mov"))).toBe(false);
  });
});

describe("running ffmpeg", () => {
  it("a failing command rejects with FfmpegError carrying ffmpeg's last error line", async () => {
    const missing = path.join(dir, "missing-input.mov");
    const err = await runFfmpeg(["-i", missing, "-f", "null", "-"]).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(FfmpegError);
    const e = err as FfmpegError;
    expect(e.message).toBe(`${missing}: No such file or directory`);
    expect(e.exitCode).not.toBe(0);
    expect(e.stderrTail).toContain("No such file or directory");
    expect(e.stderrTail.length).toBeLessThanOrEqual(STDERR_TAIL_BYTES);
  });

  it("reports progress as a rising fraction that ends at 1", async () => {
    const seen: number[] = [];
    const out = path.join(dir, "progress.mp4");
    await runFfmpeg(["-y", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=24:duration=2", "-c:v", "libx264", "-preset", "ultrafast", out], {
      durationSeconds: 2,
      onProgress: (f) => seen.push(f),
    });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.at(-1)).toBe(1);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThanOrEqual(seen[i - 1]!);
    const probe = await ffprobeJson(out, ["-show_streams", "-select_streams", "v:0"]);
    expect(probe.streams?.[0]).toMatchObject({ codec_name: "h264", width: 320, height: 180 });
  });

  it("an abort kills ffmpeg and rejects with an AbortError once the process is gone", async () => {
    // A unique frame size marks this process so the test can look for it afterwards.
    const marker = "testsrc2=size=322x182:rate=24";
    const controller = new AbortController();
    const started = Date.now();
    const pending = runFfmpeg(["-re", "-f", "lavfi", "-i", marker, "-f", "null", "-"], {
      signal: controller.signal,
      durationSeconds: 60,
      onProgress: () => controller.abort(),
    });
    setTimeout(() => controller.abort(), 3000);
    const err = await pending.then(() => undefined, (e: unknown) => e);
    expect(isAbortError(err)).toBe(true);
    expect(Date.now() - started).toBeLessThan(10_000);
    const ps = spawnSync("pgrep", ["-f", marker], { encoding: "utf8" });
    expect(ps.stdout.trim()).toBe("");
  });

  it("an already-aborted signal rejects without starting ffmpeg", async () => {
    const controller = new AbortController();
    controller.abort();
    const err = await runFfmpeg(["-version"], { signal: controller.signal }).then(() => undefined, (e: unknown) => e);
    expect(isAbortError(err)).toBe(true);
  });

  it("ffprobe failures are FfmpegError with ffprobe's message", async () => {
    const notMedia = path.join(dir, "not-media.mov");
    fs.writeFileSync(notMedia, "this is not a movie");
    const err = await ffprobeJson(notMedia).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(FfmpegError);
    expect((err as FfmpegError).tool).toBe("ffprobe");
    expect((err as Error).message).toContain("Invalid data found when processing input");
  });
});
