/**
 * The critic: accuracy on real footage with known moves laid over it (issue 12: one table, per
 * case, of the measured end position and zoom against the truth, the errors, the confidence and
 * the time), analysis time of a 5 s 1080p24 take (issue 6), and what the draft → critique → final
 * loop costs against rendering every candidate as a final.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { critiqueClip } from "../../src/server/critic/index.js";
import { LUMA_RAY_3_2_PRICES, lumaPriceUsd, RUNWAY_PRICES, runwayPriceUsd } from "../../src/server/providers/pricing.js";
import type { Report } from "../bench.js";
import { renderCase, scoreCase, sourceMotion, TARGETS, TRUTH_CASES, type CaseResult } from "../../test/unit/critic/truthSet.js";

function ffmpeg(args: string[]): void {
  execFileSync("ffmpeg", ["-nostdin", "-hide_banner", "-loglevel", "error", "-y", ...args]);
}

/** A 5 s 1080p24 H.264 take (what hosted providers deliver): a textured still, panned diagonally by crop. */
function makeClip(dir: string): { clip: string; warm: string } {
  const still = path.join(dir, "still.png");
  ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=2560x1440:rate=1,noise=alls=20:allf=u", "-frames:v", "1", still]);
  const clip = path.join(dir, "take-1080p24.mp4");
  ffmpeg([
    "-loop", "1", "-framerate", "24", "-i", still,
    "-vf", "crop=w=1920:h=1080:x='160+400*t/5':y='90+160*t/5',format=yuv420p",
    "-t", "5", "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", clip,
  ]);
  const warm = path.join(dir, "warm.mp4");
  ffmpeg(["-i", clip, "-t", "1", "-vf", "scale=640:360", "-c:v", "libx264", "-preset", "ultrafast", warm]);
  return { clip, warm };
}

/** CPU seconds of finished child processes (ffmpeg, ffprobe) from /proc (Linux); NaN elsewhere. */
function childCpuSeconds(): number {
  try {
    const stat = fs.readFileSync("/proc/self/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // After the command: state is field 3, so cutime (16) and cstime (17) are at 13 and 14 here.
    return (Number(fields[13]) + Number(fields[14])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return NaN;
  }
}

const f = (v: number | null, digits = 1) => (v === null ? "—" : v.toFixed(digits));

/** The truth table: every case rendered, critiqued against its own direction, and scored. */
async function accuracy(dir: string, report: Report): Promise<void> {
  console.log("  Real footage (test/fixtures/footage, CC BY 4.0 © Intel Corporation) with known moves laid over it; 480 px wide, 30 fps;");
  console.log("  previz rows: the previz renderer over one real frame (a draft's look), 480×270.");
  // The webcam clips' own camera, measured on the whole uncropped clip: their truth is exact
  // only if this is still (truthSet.ts, sourceMoves).
  for (const [name, duration] of [["aslWalk", 2.9], ["aslBook", 3.6], ["aslAgain", 2.5]] as const) {
    const m = await sourceMotion(name, duration, dir, (clip, analysisWidth) => critiqueClip(clip, { analysisWidth }));
    report(`critic: webcam ${name} own motion, whole clip (pos / zoom)`, `${m.position.toFixed(2)}% / ${m.zoom.toFixed(2)}%`, `conf ${m.confidence.toFixed(2)}; truth exact if ≈ 0`);
  }
  console.log("  end = window centre x,y (first-frame fractions) and zoom at the last frame; pos/zoom = worst error along the path");
  console.log("  (% of frame width, %); amount/dir = the move's length error (%) and direction error (°); subj = subject path amount % / °.");
  console.log(`  ${"case".padEnd(58)} ${"split".padEnd(8)} ${"scene".padEnd(6)} ${"truth end".padEnd(18)} ${"measured end".padEnd(18)} ${"pos%".padStart(5)} ${"zoom%".padStart(5)} ${"amt%".padStart(6)} ${"dir°".padStart(5)} ${"conf".padStart(5)} ${"subj %/°".padStart(12)} ${"time".padStart(6)}  verdict`);
  const results: CaseResult[] = [];
  for (const c of TRUTH_CASES) {
    const r = await renderCase(c, dir);
    const t0 = performance.now();
    const critique = await critiqueClip(r.clip, { direction: r.direction });
    const seconds = (performance.now() - t0) / 1000;
    const row = scoreCase(c, r, critique, seconds);
    results.push(row);
    const end = (e: { x: number; y: number; zoom: number }) => `${e.x.toFixed(3)},${e.y.toFixed(3)} ×${e.zoom.toFixed(3)}`;
    const subj = row.subject ? (row.subject.measurable ? `${f(row.subject.amountError)}/${f(row.subject.directionError)}` : "unmeasured") : "";
    console.log(
      `  ${c.name.slice(0, 58).padEnd(58)} ${c.split.padEnd(8)} ${row.scene.padEnd(6)} ${end(row.truthEnd).padEnd(18)} ${end(row.measuredEnd).padEnd(18)} ${f(row.worstPosition).padStart(5)} ${f(row.worstZoom).padStart(5)} ${f(row.amountError).padStart(6)} ${f(row.directionError).padStart(5)} ${row.confidence.toFixed(2).padStart(5)} ${subj.padStart(12)} ${`${seconds.toFixed(2)}s`.padStart(6)}  ${row.verdict}`,
    );
  }
  // Targets are judged on held-out rows only; dev rows were seen while tuning (truthSet.ts).
  for (const split of ["held-out", "dev", "tune"] as const) {
    for (const scene of ["tripod", "webcam", "previz", "sky"] as const) {
      const rows = results.filter((r) => r.split === split && r.scene === scene);
      if (rows.length === 0) continue;
      const tag = `critic ${split} ${scene}`;
      const worst = (xs: Array<number | null>) => Math.max(0, ...xs.filter((x): x is number => x !== null).map(Math.abs));
      const stat = rows.filter((r) => r.kind === "static" && r.measurable);
      const pans = rows.filter((r) => r.kind === "pan" && r.measurable);
      const push = rows.filter((r) => r.kind === "push" && r.measurable);
      const subj = rows.filter((r) => r.subject?.measurable);
      if (stat.length) report(`${tag}: static, worst pos / zoom (${stat.length})`, `${worst(stat.map((r) => r.worstPosition)).toFixed(2)}% / ${worst(stat.map((r) => r.worstZoom)).toFixed(2)}%`, `≤ ${TARGETS.staticPosition}% / ${TARGETS.staticZoom}%`);
      if (pans.length) report(`${tag}: pans/tilts, worst amount / dir (${pans.length})`, `${worst(pans.map((r) => r.amountError)).toFixed(1)}% / ${worst(pans.map((r) => r.directionError)).toFixed(1)}°`, `≤ ${TARGETS.amount}% / ${TARGETS.direction}°`);
      if (push.length) report(`${tag}: push-ins, worst amount (log zoom) (${push.length})`, `${worst(push.map((r) => r.amountError)).toFixed(1)}%`, `≤ ${TARGETS.amount}%`);
      if (subj.length) report(`${tag}: subject paths, worst amount / dir (${subj.length})`, `${worst(subj.map((r) => r.subject!.amountError)).toFixed(1)}% / ${worst(subj.map((r) => r.subject!.directionError)).toFixed(1)}°`, `≤ ${TARGETS.subjectAmount}% / ${TARGETS.subjectDirection}°`);
      report(`${tag}: wrong w/ confidence / missed / "could not" (${rows.length})`, `${rows.filter((r) => r.verdict === "wrong").length} / ${rows.filter((r) => r.verdict === "missed").length} / ${rows.filter((r) => r.verdict === "unmeasured").length}`, "0 wrong with confidence");
    }
  }
}

export async function run(report: Report): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-bench-critic-"));
  try {
    await accuracy(dir, report);
    const { clip, warm } = makeClip(dir);

    const coldStart = performance.now();
    await critiqueClip(warm);
    report("critic: first clip in a fresh process (1 s 360p, JIT warm-up)", `${((performance.now() - coldStart) / 1000).toFixed(2)} s`, "(not a target)");

    const walls: number[] = [];
    const cpus: number[] = [];
    const childCpus: number[] = [];
    for (let i = 0; i < 3; i++) {
      const child0 = childCpuSeconds();
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const c = await critiqueClip(clip);
      walls.push((performance.now() - t0) / 1000);
      const cpu = process.cpuUsage(cpu0);
      cpus.push((cpu.user + cpu.system) / 1e6);
      childCpus.push(childCpuSeconds() - child0);
      if (c.clip.frames !== 120) throw new Error(`expected 120 frames, decoded ${c.clip.frames}`);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    report("critic: 5 s 1080p24 H.264 take, wall (median of 3)", `${median(walls).toFixed(2)} s`, "≤ 1.5 s");
    report("critic:   CPU in Node (analysis)", `${median(cpus).toFixed(2)} s`, "");
    report("critic:   CPU in ffmpeg/ffprobe (1080p decode + scale, in parallel)", `${median(childCpus).toFixed(2)} s`, "");
    report("critic:   machine load average (1 min) while measuring", os.loadavg()[0]!.toFixed(1), `${os.cpus().length} cores; wall is only meaningful near 0`);

    // Cost of the loop: N cheap drafts, the critic picks, one final — against N finals.
    const seconds = 5;
    const luma = LUMA_RAY_3_2_PRICES.pricing;
    const draft = lumaPriceUsd("540p", "sdr", seconds);
    const finals = { "1080p HDR+EXR": lumaPriceUsd("1080p", "hdrExr", seconds), "1080p SDR": lumaPriceUsd("1080p", "sdr", seconds) };
    const tag = luma.confirmed ? "" : " (unconfirmed prices)";
    for (const [label, final] of Object.entries(finals)) {
      for (const n of [4, 8]) {
        const loop = n * draft + final;
        const all = n * final;
        report(`Luma ${seconds} s: ${n} drafts 540p + 1 final ${label} vs ${n} finals`, `$${loop.toFixed(2)} / $${all.toFixed(2)}`, `${Math.round((loop / all) * 100)}% of the cost${tag}`);
      }
    }
    // Auto mode at its defaults: up to 3 rounds of 4 drafts (round 1 + 2 refinements), then Enhance.
    const worst = 3 * 4 * draft + finals["1080p HDR+EXR"];
    report(`Luma ${seconds} s: auto (4 drafts × 3 rounds at most) + 1 final HDR+EXR vs 4 finals`, `$${worst.toFixed(2)} / $${(4 * finals["1080p HDR+EXR"]).toFixed(2)}`, `${Math.round((worst / (4 * finals["1080p HDR+EXR"])) * 100)}% of the cost at worst${tag}`);
    const rDraft = runwayPriceUsd("gen4_turbo", seconds);
    const rFinal = runwayPriceUsd("gen4.5", seconds);
    for (const n of [4, 8]) {
      const loop = n * rDraft + rFinal;
      const all = n * rFinal;
      report(`Runway ${seconds} s: ${n} gen4_turbo drafts + 1 gen4.5 final vs ${n} finals`, `$${loop.toFixed(2)} / $${all.toFixed(2)}`, `${Math.round((loop / all) * 100)}% of the cost${RUNWAY_PRICES.pricing.confirmed ? "" : " (unconfirmed prices)"}`);
    }
    console.log(`  prices: Luma from ${luma.source}, taken ${luma.takenOn}; Runway from ${RUNWAY_PRICES.pricing.source}, taken ${RUNWAY_PRICES.pricing.takenOn}.`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
