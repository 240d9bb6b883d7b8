import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  checkFfmpeg,
  FfmpegError,
  ffmpegFeatures,
  FfmpegMissingError,
  ffprobeJson,
  isAbortError,
  locateTool,
  locateToolWithOrigin,
  missingFeatureSentence,
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
    expect(check.features).toEqual({ libx265_10bit: true, prores_ks: true, zscale: true, libx264: true, perspective: true, gradients: true, exr: true, mov_colr: true });
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
      locateTool("ffprobe", { PATH: dir });
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

describe("what an ffmpeg can do, from its own listings", () => {
  // Excerpts of what a 2018 static build (ffmpeg 4.1, the newest ffmpeg any npm package ships in
  // its tarball) prints: ProRes, x264/x265 and zscale, but no EXR encoder, no gradients filter, and
  // a mov muxer that writes colr only when asked.
  const old = {
    encoders: [
    " V..... dpx                  DPX (Digital Picture Exchange) image",
    " V..... libx264              libx264 H.264 / AVC / MPEG-4 AVC / MPEG-4 part 10 (codec h264)",
    " V..... libx265              libx265 H.265 / HEVC (codec hevc)",
    " VF.... png                  PNG (Portable Network Graphics) image",
    " VF.... prores_aw            Apple ProRes (codec prores)",
    " VFS... prores_ks            Apple ProRes (iCodec Pro) (codec prores)",
  ].join("\n"),
    filters: [
    " ... pad               V->V       Pad the input video.",
    " TS. perspective       V->V       Correct the perspective of video.",
    " ..C scale             V->V       Scale the input video size and/or convert the image format.",
    " ..C zscale            V->V       Apply resizing, colorspace and bit depth conversion.",
  ].join("\n"),
    x265: "    Supported pixel formats: yuv420p yuv422p yuv444p gbrp yuv420p10le yuv422p10le yuv444p10le gbrp10le yuv420p12le yuv422p12le yuv444p12le gbrp12le gray gray10le gray12le",
    movMuxer: "     write_colr                   E........ Write colr atom (Experimental, may be renamed or changed, do not use from scripts)",
  };

  it("names what a 4.1 build lacks, each as the feature it stops", () => {
    const features = ffmpegFeatures(old);
    expect(features).toEqual({ libx264: true, libx265_10bit: true, prores_ks: true, zscale: true, perspective: true, gradients: false, exr: false, mov_colr: false });
    const ffmpeg = { path: "/opt/ffmpeg-4.1/ffmpeg", version: "4.1", origin: "override" as const };
    expect(missingFeatureSentence("exr", ffmpeg)).toBe("EXR delivery needs the OpenEXR encoder (ffmpeg 4.4 or newer), which RETAKE_FFMPEG's ffmpeg 4.1 (/opt/ffmpeg-4.1/ffmpeg) lacks.");
    expect(missingFeatureSentence("mov_colr", { ...ffmpeg, origin: "system" })).toMatch(/^Color-tagged masters \(conform, Import\) needs a mov\/mp4 muxer that writes the colr box \(ffmpeg 4\.3 or newer\), which the system's ffmpeg 4\.1/);
  });

  it("an 8-bit-only libx265 is not HEVC HDR10", () => {
    expect(ffmpegFeatures({ ...old, x265: "    Supported pixel formats: yuv420p yuv422p yuv444p gbrp gray" }).libx265_10bit).toBe(false);
  });

  it("the machine's ffmpeg has all of it, so a request for any feature passes", async () => {
    await expect(requireFfmpegFeatures(["prores_ks", "libx265_10bit", "zscale", "perspective", "libx264", "gradients", "exr", "mov_colr"])).resolves.toBeUndefined();
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
