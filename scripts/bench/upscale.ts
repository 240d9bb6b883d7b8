/**
 * Finals in 4K (issue 17): previz's 4K path (a plain Lanczos resize) and conform at 4K, for a
 * 5 s 1080p24 take, with the peak memory of the ffmpeg processes doing the work (they stream frame
 * by frame: the peak must not grow with the take's length), and the critic's upscale check.
 *
 * Peak RSS is each ffmpeg child's own high-water mark (VmHWM in /proc), sampled while it runs:
 * Node's resourceUsage only counts this process.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { compileDirection, sampleCameraPath } from "../../src/core/direction/index.js";
import { conformMaster } from "../../src/server/conform/conformMaster.js";
import { checkUpscale } from "../../src/server/critic/upscaleCheck.js";
import { renderPreviz } from "../../src/server/providers/previz/renderPreviz.js";
import { resizeUpscale } from "../../src/server/providers/previz/resizeUpscale.js";
import type { Report } from "../bench.js";

const FPS = { num: 24, den: 1 };

/** Runs `work` while sampling the peak RSS of this process's child processes (MB; 0 off Linux). */
async function withChildPeak<T>(work: () => Promise<T>): Promise<{ result: T; seconds: number; peakMb: number; nodePeakMb: number }> {
  let peakKb = 0;
  const sample = () => {
    if (process.platform !== "linux") return;
    for (const pid of fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
      try {
        const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
        if (Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]) !== process.pid) continue;
        peakKb = Math.max(peakKb, Number(/^VmHWM:\s+(\d+)/m.exec(status)?.[1] ?? 0));
      } catch {
        // The process ended between the listing and the read.
      }
    }
  };
  const timer = setInterval(sample, 100);
  const before = process.memoryUsage().rss;
  const started = performance.now();
  try {
    const result = await work();
    sample();
    return { result, seconds: (performance.now() - started) / 1000, peakMb: peakKb / 1024, nodePeakMb: Math.max(0, process.resourceUsage().maxRSS / 1024 - before / 1024 / 1024) };
  } finally {
    clearInterval(timer);
  }
}

export async function run(report: Report): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "retake-bench-upscale-"));
  try {
    // The source take: a previz final, 5 s 1080p24 Rec.709 ProRes 422 HQ (what an enhance delivers).
    const still = path.join(tmp, "still.png");
    execFileSync("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=1", "-frames:v", "1", still]);
    const direction = compileDirection(
      { prompt: "bench", duration: 5, annotations: [{ id: "pan", kind: "cameraMove", from: { x: 0.4, y: 0.5 }, to: { x: 0.6, y: 0.45 }, start: 0, end: 5, ease: "ease-in-out" }] },
      { frameSize: { width: 1920, height: 1080 } },
    );
    const take = await renderPreviz({
      stillPath: still, outDir: path.join(tmp, "take"), samples: sampleCameraPath(direction.camera.keyframes, FPS, 5),
      fps: FPS, width: 1920, height: 1080, colorSpace: "rec709", quality: "final",
    });

    const uhd = await withChildPeak(() => resizeUpscale({ sourcePath: take.master.path, outDir: path.join(tmp, "uhd"), width: 3840, height: 2160 }));
    report("previz 4K: 5 s 1080p24 take → UHD ProRes 422 HQ (Lanczos)", `${uhd.seconds.toFixed(2)} s`, "as low as possible (ffmpeg-bound)");
    report("  peak RSS of ffmpeg (streams frames)", `${uhd.peakMb.toFixed(0)} MB`, "≤ 1 GB (ffmpeg streams frames)");

    const dci = await withChildPeak(() => resizeUpscale({ sourcePath: take.master.path, outDir: path.join(tmp, "dci"), width: 4096, height: 2160 }));
    report("previz 4K: 5 s 1080p24 take → DCI 4K ProRes 422 HQ", `${dci.seconds.toFixed(2)} s`, "as low as possible");

    // Conform at 4K, re-encoding: the UHD upscale into a Rec.2100 PQ sequence (SDR mapped to PQ,
    // mdcv/clli measured from the pixels through the light meter).
    const conformed = await withChildPeak(() =>
      conformMaster({
        inputPath: uhd.result.path,
        outputPath: path.join(tmp, "conformed-pq.mov"),
        target: { colorSpace: "rec2100-pq", width: 3840, height: 2160, frameRate: FPS, duration: 5, pixelAspect: 1 },
        format: "prores422hq",
      }),
    );
    report("conform 5 s UHD → ProRes 422 HQ Rec.2100 PQ (re-encode)", `${conformed.seconds.toFixed(2)} s`, "as low as possible (ffmpeg-bound)");
    report("  peak RSS of ffmpeg", `${conformed.peakMb.toFixed(0)} MB`, "≤ 1 GB (ffmpeg streams frames)");
    report("  backend (Node) RSS growth meanwhile", `${conformed.nodePeakMb.toFixed(0)} MB`, "≈ 0: frames never pass through Node");

    const check = await withChildPeak(() => checkUpscale(take.master.path, uhd.result.path));
    report("upscale check: 5 s UHD against its 1080p source", `${check.seconds.toFixed(2)} s`, "as low as possible");
    report("  verdict (a true resize must pass)", check.result.passed ? "passed" : "FAILED", `SSIM ${check.result.ssim.mean}, worst regions ${check.result.worstRegions}`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
