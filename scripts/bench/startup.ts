/**
 * Start-up of the `retake` command (issue 13): `retake probe FILE --json` as a whole process
 * against ffprobe on the same file, side by side (runs interleaved, so the machine's load falls
 * on both alike), and `retake critic`'s start-up. Target: the probe within 1.5× ffprobe's time.
 * The tsx figure is the command as it ran before it was compiled, for comparison.
 */
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildCli, cliIsStale } from "../buildCli.mjs";
import { locateTool } from "../../src/server/media/ffmpeg.js";
import type { Report } from "../bench.js";

const RUNS = 11;
const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../bin/retake.mjs");

/** Wall time of one whole process, in milliseconds. */
function timeOnce(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const started = performance.now();
  const result = spawnSync(cmd, args, { stdio: "ignore", env });
  if (result.error) throw result.error;
  return performance.now() - started;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function run(report: Report): Promise<void> {
  if (cliIsStale()) await buildCli();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-bench-"));
  try {
    // A 1 s 1080p ProRes 422 HQ master with a colr box: what a TD probes.
    const file = path.join(dir, "master.mov");
    execFileSync(locateTool("ffmpeg"), [
      "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=24", "-t", "1",
      "-c:v", "prores_ks", "-profile:v", "hq", "-pix_fmt", "yuv422p10le",
      "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", "-movflags", "+write_colr", file,
    ]);
    const ffprobe = locateTool("ffprobe");
    const samples = { ffprobe: [] as number[], frame: [] as number[], probe: [] as number[], decode: [] as number[], own: [] as number[], critic: [] as number[], node: [] as number[] };
    for (let i = 0; i < RUNS; i++) {
      samples.ffprobe.push(timeOnce(ffprobe, ["-v", "error", "-show_format", "-show_streams", "-of", "json", file]));
      // The first-frame decode that `retake probe --decode` has ffprobe do (by default only for codecs
      // whose bitstream color the reader cannot read itself: not this ProRes file; see probeCommand.ts).
      samples.frame.push(timeOnce(ffprobe, ["-v", "error", "-hide_banner", "-of", "json", "-select_streams", "v:0", "-read_intervals", "%+#1",
        "-show_entries", "frame=color_range,color_space,color_primaries,color_transfer", "-show_frames", file]));
      samples.own.push(timeOnce(process.execPath, [bin, "probe", file, "--json", "--no-ffprobe"]));
      samples.probe.push(timeOnce(process.execPath, [bin, "probe", file, "--json"]));
      samples.decode.push(timeOnce(process.execPath, [bin, "probe", file, "--json", "--decode"]));
      samples.critic.push(timeOnce(process.execPath, [bin, "critic"])); // usage: start-up and the critic's code loaded
      samples.node.push(timeOnce(process.execPath, ["-e", "0"]));
    }
    const tsx = [0, 1, 2].map(() => timeOnce(process.execPath, [bin, "probe", file, "--json"], { ...process.env, RETAKE_TSX: "1" }));
    const ms = (x: number) => `${x.toFixed(0)} ms`;
    const f = median(samples.ffprobe);
    const p = median(samples.probe);
    report(`ffprobe -show_format -show_streams, same file (median of ${RUNS})`, ms(f), `(${ffprobe})`);
    report("ffprobe's first-frame decode (retake probe --decode runs it too)", ms(median(samples.frame)), "");
    report(`retake probe FILE --json, whole process (median of ${RUNS})`, ms(p), "");
    report("  retake probe ÷ ffprobe", `${(p / f).toFixed(2)}×`, "≤ 1.5×");
    report("retake probe FILE --json --decode (ffprobe's decode compared too)", ms(median(samples.decode)), `${(median(samples.decode) / f).toFixed(2)}× ffprobe`);
    report("  node itself starting (node -e 0)", ms(median(samples.node)), "");
    report("retake probe --no-ffprobe (node + the tag reader alone)", ms(median(samples.own)), "");
    report(`retake critic start-up (prints its usage; median of ${RUNS})`, ms(median(samples.critic)), "node + zod + the critic's code (~0.1 s; a 5 s take's analysis is ~1 s)");
    report("retake probe through tsx (RETAKE_TSX=1, as before; median of 3)", ms(median(tsx)), "for comparison");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
