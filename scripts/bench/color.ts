/**
 * Color pipeline speed (issue 7): probing a 2 GB movie whose moov is at the end, conforming a
 * 5 s 1080p24 take to a ProRes 422 HQ PQ master, the fast tag fix against one plain read
 * of the same file, and labelling EXR frames AP0 with Retake's own header writer (issue 14).
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { readColorTags } from "../../src/core/colorTags/index.js";
import { conformMaster } from "../../src/server/conform/index.js";
import { AP0_CHROMATICITIES, writeExrAttributes } from "../../src/server/conform/exrHeader.js";
import { openRangedRead } from "../../src/server/files/fileRangedRead.js";
import type { Report } from "../bench.js";

const ffmpeg = (...args: string[]) => execFileSync("ffmpeg", ["-v", "error", "-y", ...args]);
const HLG = ["-color_primaries", "bt2020", "-color_trc", "arib-std-b67", "-colorspace", "bt2020nc", "-color_range", "tv"];
const SET_HLG = "setparams=color_primaries=bt2020:color_trc=arib-std-b67:colorspace=bt2020nc:range=tv";

/** A ProRes PQ clip, then a 2 GB sparse hole (a 64-bit `free` box) before its moov. */
function make2GbMovie(tmp: string): string {
  const small = path.join(tmp, "small.mov");
  ffmpeg("-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=24:duration=1",
    "-vf", "setparams=color_primaries=bt2020:color_trc=smpte2084:colorspace=bt2020nc:range=tv,format=yuv422p10le",
    "-c:v", "prores_ks", "-profile:v", "hq", "-vendor", "apl0", "-qscale:v", "4",
    "-color_primaries", "bt2020", "-color_trc", "smpte2084", "-colorspace", "bt2020nc", "-color_range", "tv", small);
  const src = fs.readFileSync(small);
  let moovAt = -1;
  for (let p = 0; p + 8 <= src.length; p += src.readUInt32BE(p)) if (src.toString("latin1", p + 4, p + 8) === "moov") moovAt = p;
  const PAD = 2 * 1024 ** 3;
  const head = Buffer.alloc(16);
  head.writeUInt32BE(1, 0);
  head.write("free", 4, "latin1");
  head.writeBigUInt64BE(BigInt(PAD), 8);
  const out = path.join(tmp, "2gb_moov_at_end.mov");
  const fd = fs.openSync(out, "w");
  fs.writeSync(fd, src, 0, moovAt, 0);
  fs.writeSync(fd, head, 0, 16, moovAt);
  fs.writeSync(fd, src, moovAt, src.length - moovAt, moovAt + PAD);
  fs.closeSync(fd);
  return out;
}

/**
 * CPU seconds used so far by this process and its waited-for children (ffmpeg), from
 * /proc/self/stat: on a shared machine wall time mostly measures the neighbours, CPU time
 * what the work costs.
 */
function cpuSeconds(): number {
  try {
    const fields = fs.readFileSync("/proc/self/stat", "utf8").split(") ")[1]!.split(" ");
    const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0); // utime stime cutime cstime
    return ticks / 100;
  } catch {
    return NaN;
  }
}
const load = () => os.loadavg()[0]!.toFixed(1);

async function plainRead(file: string): Promise<number> {
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    fs.createReadStream(file, { highWaterMark: 1 << 20 }).on("data", () => undefined).on("end", resolve).on("error", reject);
  });
  return performance.now() - started;
}

export async function run(report: Report): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "retake-bench-color-"));
  try {
    const big = make2GbMovie(tmp);
    const times: number[] = [];
    let bytes = 0;
    let verdict = "";
    for (let i = 0; i < 5; i++) {
      const file = await openRangedRead(big);
      const started = performance.now();
      const tags = await readColorTags(file.read, file.size, { fileName: "2gb.mov" });
      times.push(performance.now() - started);
      bytes = file.bytesRead();
      verdict = `${tags.colorSpace}${tags.agree ? ", agree" : ""}`;
      await file.close();
    }
    times.sort((a, b) => a - b);
    report(`probe 2 GB .mov, moov at the end (median of 5; ${verdict})`, `${times[2]!.toFixed(1)} ms`, "< 50 ms");
    report("probe 2 GB .mov: bytes read", `${(bytes / 1024).toFixed(1)} KB`, "< 1 MB");

    // A 5 s 1080p24 SDR take, as a provider would deliver it (H.264), conformed to PQ ProRes.
    const take = path.join(tmp, "take_1080p24.mp4");
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=24:duration=5", "-c:v", "libx264", "-preset", "veryfast", "-crf", "18",
      "-pix_fmt", "yuv420p", "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", "-color_range", "tv", take);
    const target = { colorSpace: "rec2100-pq" as const, width: 1920, height: 1080, frameRate: { num: 24, den: 1 }, duration: 5, pixelAspect: 1 };
    let started = performance.now();
    let cpu = cpuSeconds();
    const pq = await conformMaster({ inputPath: take, outputPath: path.join(tmp, "master_pq.mov"), target });
    report(`conform 5 s 1080p24 SDR H.264 → ProRes 422 HQ PQ (${pq.tags.agree ? "agrees" : "DISAGREES"}, MaxCLL ${pq.contentLight?.maxCLL})`,
      `${((performance.now() - started) / 1000).toFixed(2)} s`, `≤ 10 s (load average ${load()} on ${os.cpus().length} cores)`);
    report("  … CPU time of that conform (ffmpeg + meter)", `${(cpuSeconds() - cpu).toFixed(2)} s`, "fits 10 s wall on 2 idle cores if ≤ 20");

    // Fast path: 5 s 1080p24 ProRes HLG whose frames are tagged but whose colr box is hidden.
    const hlg = path.join(tmp, "hlg.mov");
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=24:duration=5", "-vf", `${SET_HLG},format=yuv422p10le`,
      "-c:v", "prores_ks", "-profile:v", "hq", "-vendor", "apl0", "-qscale:v", "2", ...HLG, hlg);
    // Two mistaggings: colr present but saying Rec.709 (fixed in place on a copy), and colr
    // missing (one streaming copy with the box added).
    const wrong = path.join(tmp, "hlg_colr_709.mov");
    ffmpeg("-i", hlg, "-c", "copy", "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", wrong);
    const buf = fs.readFileSync(hlg);
    buf.write("free", buf.lastIndexOf("colrnclc", undefined, "latin1"), "latin1");
    fs.writeFileSync(hlg, buf);
    const mb = (fs.statSync(hlg).size / 2 ** 20).toFixed(0);
    await plainRead(hlg); // warm the page cache for both
    const readMs = await plainRead(hlg);
    const copyStarted = performance.now();
    await fs.promises.copyFile(hlg, path.join(tmp, "copy.mov"));
    const copyMs = performance.now() - copyStarted;
    started = performance.now();
    cpu = cpuSeconds();
    const patched = await conformMaster({ inputPath: wrong, outputPath: path.join(tmp, "hlg_patched.mov"), target: { ...target, colorSpace: "rec2100-hlg" } });
    const patchMs = performance.now() - started;
    const patchCpu = cpuSeconds() - cpu;
    report(`fast tag fix, colr wrong (${patched.route}: copy + patch, ${mb} MB, ${patched.tags.agree ? "agrees" : "DISAGREES"})`, `${patchMs.toFixed(0)} ms`, "≈ one read");
    report("  … CPU time (copy + patch + reads)", `${(patchCpu * 1000).toFixed(0)} ms`, "");
    started = performance.now();
    cpu = cpuSeconds();
    const fixed = await conformMaster({ inputPath: hlg, outputPath: path.join(tmp, "hlg_fixed.mov"), target: { ...target, colorSpace: "rec2100-hlg" } });
    const fixMs = performance.now() - started;
    const fixCpu = cpuSeconds() - cpu;
    report(`fast tag fix, colr missing (${fixed.route}: copy adding colr, ${mb} MB, ${fixed.tags.agree ? "agrees" : "DISAGREES"})`, `${fixMs.toFixed(0)} ms`, "≈ one read");
    report("  … CPU time (copy with colr added + reads)", `${(fixCpu * 1000).toFixed(0)} ms`, "");
    report(`one plain read of the same ${mb} MB file`, `${readMs.toFixed(0)} ms`, "reference");
    report(`one plain copy of the same ${mb} MB file`, `${copyMs.toFixed(0)} ms`, "reference (what a download costs)");
    report("fast tag fix (colr wrong) / plain read", `${(patchMs / readMs).toFixed(2)}×`, `≈ 1× (load average ${load()})`);
    report("fast tag fix (colr missing) / plain read", `${(fixMs / readMs).toFixed(2)}×`, `≈ 1×`);

    // EXR delivery: every frame gets AP0 chromaticities (ffmpeg writes none) in-process, no tool per frame.
    const exrDir = path.join(tmp, "exr");
    fs.mkdirSync(exrDir);
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=24:duration=1", "-vf", "format=gbrpf32le", "-c:v", "exr", "-format", "half",
      "-compression", "zip16", path.join(exrDir, "f_%04d.exr"));
    const frames = fs.readdirSync(exrDir).map((n) => path.join(exrDir, n));
    const labelMs: number[] = [];
    for (const f of frames) {
      const t0 = performance.now();
      await writeExrAttributes(f, `${f}.ap0`, [{ name: "chromaticities", type: "chromaticities", value: AP0_CHROMATICITIES }]);
      labelMs.push(performance.now() - t0);
    }
    labelMs.sort((a, b) => a - b);
    report(`AP0 chromaticities written into a 1080p half EXR frame (median of ${frames.length})`, `${labelMs[Math.floor(labelMs.length / 2)]!.toFixed(1)} ms`, "< 20 ms (a copy of the frame)");
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
