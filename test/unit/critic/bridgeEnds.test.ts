import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { critiqueClip } from "../../../src/server/critic/analyseClip.js";
import { ffmpeg } from "./helpers.js";

/**
 * Bridge ends: the critic scores a take's last frame against B's frame as it scores the first
 * against A's, and says when the take reached B early and held.
 */
let dir: string;
let a: string;
let b: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-ends-"));
  a = path.join(dir, "a.png");
  b = path.join(dir, "b.png");
  ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=1,noise=alls=20:allf=u", "-frames:v", "1", a]);
  ffmpeg(["-f", "lavfi", "-i", "mandelbrot=size=320x180:rate=1,noise=alls=20:allf=u", "-frames:v", "1", b]);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A's still dissolving into B's over `fade` seconds, then B held, `total` seconds at 24 fps. */
function dissolve(name: string, fade: number, total: number): string {
  const out = path.join(dir, `${name}.mp4`);
  ffmpeg([
    "-loop", "1", "-t", String(total), "-i", a, "-loop", "1", "-t", String(total), "-i", b,
    "-filter_complex", `[0:v]fps=24,format=yuv420p[x];[1:v]fps=24,format=yuv420p[y];[x][y]xfade=transition=fade:duration=${fade}:offset=0,trim=duration=${total}`,
    "-c:v", "libx264", "-crf", "12", "-pix_fmt", "yuv420p", "-frames:v", String(Math.round(total * 24)), out,
  ]);
  return out;
}

describe("critic: bridge ends", () => {
  it("a take that dissolves into B on its last frame ends on B's frame, with no penalty for the end", async () => {
    const critique = await critiqueClip(dissolve("exact", 2, 2), { framePath: a, endFramePath: b });
    expect(critique.continuity.firstFrame!.similarity).toBeGreaterThan(0.9);
    expect(critique.continuity.lastFrame!.similarity).toBeGreaterThan(0.9);
    expect(critique.continuity.lastFrame!.arrivesEarly).toBeLessThan(0.25);
    expect(critique.penalties.some((p) => p.aspect === "end continuity")).toBe(false);
  }, 60_000);

  it("a take that reaches B 0.75 s early and holds is told so, and scores lower", async () => {
    const exact = await critiqueClip(dissolve("exact2", 2, 2), { framePath: a, endFramePath: b });
    const early = await critiqueClip(dissolve("early", 1.25, 2), { framePath: a, endFramePath: b });
    expect(early.continuity.lastFrame!.arrivesEarly).toBeGreaterThan(0.6);
    expect(early.continuity.lastFrame!.arrivesEarly).toBeLessThan(0.9);
    expect(early.critique).toMatch(/ends 0\.[6-9] s early on B's framing/i);
    expect(early.score).toBeLessThan(exact.score);
  }, 60_000);

  it("a take that never leaves A ends far from B's frame: penalised and named", async () => {
    const stuck = path.join(dir, "stuck-a.mp4");
    ffmpeg(["-loop", "1", "-t", "2", "-i", a, "-vf", "fps=24,format=yuv420p", "-c:v", "libx264", "-crf", "12", "-frames:v", "48", stuck]);
    const judged = await critiqueClip(stuck, { framePath: a, endFramePath: b });
    expect(judged.continuity.lastFrame!.similarity).toBeLessThan(0.5);
    expect(judged.penalties.find((p) => p.aspect === "end continuity")?.points).toBeGreaterThan(20);
    expect(judged.critique).toMatch(/ends far from B's frame/i);
  }, 60_000);
});
