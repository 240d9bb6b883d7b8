/**
 * What keeping a take's sound costs (issue 17): conforming a 5 s 1080p24 H.264 take with AAC
 * 44.1 kHz sound to a ProRes 422 HQ master with PCM 48 kHz, against the same take without sound;
 * and fitting that master to a bridge (60 → 48 frames) with its sound stretched (atempo), against
 * the picture alone. CPU seconds (this process and its ffmpeg children) are the figure; wall time
 * on a shared machine mostly measures the neighbours.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { conformMaster } from "../../src/server/conform/index.js";
import { retimeMaster } from "../../src/server/conform/retime.js";
import type { Report } from "../bench.js";

const ffmpeg = (...args: string[]) => execFileSync("ffmpeg", ["-v", "error", "-y", ...args]);
const BT709 = ["-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", "-color_range", "tv"];

function cpuSeconds(): number {
  try {
    const fields = fs.readFileSync("/proc/self/stat", "utf8").split(") ")[1]!.split(" ");
    return [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0) / 100;
  } catch {
    return NaN;
  }
}

async function measure(fn: () => Promise<unknown>): Promise<{ cpu: number; wall: number }> {
  const cpu = cpuSeconds();
  const wall = performance.now();
  await fn();
  return { cpu: cpuSeconds() - cpu, wall: (performance.now() - wall) / 1000 };
}

export async function run(report: Report): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "retake-bench-sound-"));
  try {
    const withSound = path.join(tmp, "take-sound.mp4");
    const silent = path.join(tmp, "take-silent.mp4");
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=24:duration=5", "-f", "lavfi", "-i", "aevalsrc=exprs=0.3*sin(2*PI*440*t):s=44100:d=5:c=stereo",
      "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", ...BT709, "-c:a", "aac", withSound);
    ffmpeg("-i", withSound, "-map", "0:v:0", "-c", "copy", silent);
    const target = { colorSpace: "rec709" as const, width: 1920, height: 1080, frameRate: { num: 24, den: 1 }, duration: 5, pixelAspect: 1 };
    const a = await measure(() => conformMaster({ inputPath: silent, outputPath: path.join(tmp, "m-silent.mov"), target }));
    const b = await measure(() => conformMaster({ inputPath: withSound, outputPath: path.join(tmp, "m-sound.mov"), target }));
    report("conform 5 s 1080p24 → ProRes HQ, picture only (CPU s)", a.cpu.toFixed(2), `wall ${a.wall.toFixed(1)} s`);
    report("conform 5 s 1080p24 → ProRes HQ + PCM 48 kHz (CPU s)", b.cpu.toFixed(2), `sound adds ${(b.cpu - a.cpu).toFixed(2)} CPU s`);
    const c = await measure(() => retimeMaster({ inputPath: path.join(tmp, "m-silent.mov"), outputPath: path.join(tmp, "f-silent.mov"), frames: 96, frameRate: target.frameRate, colorSpace: "rec709" }));
    const d = await measure(() => retimeMaster({ inputPath: path.join(tmp, "m-sound.mov"), outputPath: path.join(tmp, "f-sound.mov"), frames: 96, frameRate: target.frameRate, colorSpace: "rec709" }));
    report("bridge fit 120 → 96 frames 1080p, picture only (CPU s)", c.cpu.toFixed(2), `wall ${c.wall.toFixed(1)} s`);
    report("bridge fit 120 → 96 frames 1080p + atempo sound (CPU s)", d.cpu.toFixed(2), `sound adds ${(d.cpu - c.cpu).toFixed(2)} CPU s`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
