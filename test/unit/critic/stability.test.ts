import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CameraState } from "../../../src/core/schemas/direction.js";
import { critiqueClip } from "../../../src/server/critic/index.js";
import { direction, ffmpeg, renderTake, texturedStill } from "./helpers.js";

// Clips: a smooth previz pan over a textured still (a real camera move, so a clean clip changes
// every frame), with defects added by ffmpeg filters at known times.
let dir: string;
let base: string;
let still: string;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-"));
  still = texturedStill(dir, 960, 540);
  const frames = 72;
  base = await renderTake(dir, still, Array.from({ length: frames }, (_, k) => ({ x: 0.45 + (0.1 * k) / frames, y: 0.5, zoom: 1.1, roll: 0 })));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let n = 0;
function clip(filter: string): string {
  const out = path.join(dir, `clip-${n++}.mp4`);
  ffmpeg(["-i", base, "-vf", `${filter ? `${filter},` : ""}format=yuv420p`, "-c:v", "libx264", "-preset", "ultrafast", "-crf", "14", out]);
  return out;
}

describe("critic: stability", () => {
  it("finds nothing wrong with a clean clip", async () => {
    const c = await critiqueClip(clip(""));
    expect(c.stability.cuts).toEqual([]);
    expect(c.stability.black).toEqual([]);
    expect(c.stability.frozen).toEqual([]);
    expect(c.stability.flicker.spans).toEqual([]);
    expect(c.stability.flicker.index).toBeLessThan(0.5);
    expect(c.stability.jitter.y).toBeLessThan(0.1);
    expect(c.score).toBeGreaterThanOrEqual(90);
  });

  it("finds flicker and when it starts", async () => {
    // From 1.5 s, every other frame 6 % brighter.
    const flicker = await critiqueClip(clip("geq=lum='lum(X,Y)*(1+if(gte(T,1.5),0.06*mod(N,2),0))':cb='cb(X,Y)':cr='cr(X,Y)'"));
    const spans = flicker.stability.flicker.spans;
    expect(spans.length).toBeGreaterThanOrEqual(1);
    expect(spans[0]!.start).toBeGreaterThan(1.4);
    expect(spans[0]!.start).toBeLessThan(1.7);
    expect(spans.at(-1)!.end).toBeGreaterThan(2.8);
    expect(flicker.stability.flicker.index).toBeGreaterThan(1);
    expect(flicker.critique).toMatch(/flicker after 1\.\d s/i);
  });

  it("finds a hard cut and its time, without calling the new shot a camera move", async () => {
    const other = path.join(dir, "other.png");
    ffmpeg(["-f", "lavfi", "-i", "mandelbrot=size=960x540:rate=1", "-frames:v", "1", other]);
    const second = await renderTake(dir, other, Array.from({ length: 30 }, () => ({ x: 0.5, y: 0.5, zoom: 1.1, roll: 0 })));
    const cut = path.join(dir, "cut.mp4");
    ffmpeg(["-i", base, "-i", second, "-filter_complex", "[0:v]trim=end_frame=30,setpts=N/24/TB[a];[1:v]setpts=N/24/TB[b];[a][b]concat=n=2:v=1,format=yuv420p[v]", "-map", "[v]", "-c:v", "libx264", "-preset", "ultrafast", "-crf", "14", cut]);
    const c = await critiqueClip(cut);
    expect(c.stability.cuts).toHaveLength(1);
    expect(c.stability.cuts[0]!.t).toBeCloseTo(1.25, 2);
    expect(c.stability.cuts[0]!.frame).toBe(30);
    expect(c.critique).toMatch(/hard cut at 1\.3 s/i);
    // Before the cut the pan is measured; across it the path holds (no jump from the new shot).
    const [before, after] = [c.camera.path[29]!, c.camera.path[30]!];
    expect(before.x).toBeGreaterThan(0.51);
    expect(Math.abs(after.x - before.x)).toBeLessThan(0.002);
  });

  it("finds black and frozen stretches", async () => {
    // Black from 1.0 s to 1.5 s; frame 48 (2.0 s) held for 18 more frames (to 2.79 s).
    const black = await critiqueClip(clip("drawbox=t=fill:c=black:enable='between(t,1,1.49)'"));
    expect(black.stability.black).toHaveLength(1);
    expect(black.stability.black[0]!.start).toBeCloseTo(1, 1);
    expect(black.stability.black[0]!.end).toBeCloseTo(1.5, 1);
    expect(black.critique).toContain("black from 1.0 s to 1.5 s");

    const frozen = await critiqueClip(clip("loop=loop=18:size=1:start=48,trim=duration=3"));
    expect(frozen.stability.frozen).toHaveLength(1);
    expect(frozen.stability.frozen[0]!.start).toBeCloseTo(2, 1);
    expect(frozen.stability.frozen[0]!.end).toBeCloseTo(2.79, 1);
    expect(frozen.stability.cuts).toEqual([]);
  });

  it("calls a freeze mid-move a stall, and the still ends of an eased move what was asked", async () => {
    // Pan right 30% from 1 s to 4 s of a 5 s take, eased in and out: still before and after.
    const asked = direction([{ id: "pan", kind: "cameraMove", from: { x: 0.3, y: 0.5 }, to: { x: 0.6, y: 0.5 }, start: 1, end: 4 }], 5);
    const asDrawn = await critiqueClip(await renderTake(dir, still, asked), { direction: asked });
    expect(asDrawn.stability.frozen.length).toBeGreaterThan(0);
    expect(asDrawn.stability.frozen.every((z) => z.directedMotion === false)).toBe(true);
    expect(asDrawn.penalties.filter((p) => p.aspect === "frozen")).toEqual([]);

    // The same take with 2.0–2.75 s held on one frame: a stall inside the directed move.
    const stalled = path.join(dir, "stalled.mp4");
    ffmpeg(["-i", await renderTake(dir, still, asked), "-vf", "loop=loop=18:size=1:start=48,trim=duration=5,format=yuv420p", "-c:v", "libx264", "-preset", "ultrafast", "-crf", "14", stalled]);
    const stall = await critiqueClip(stalled, { direction: asked });
    const mid = stall.stability.frozen.find((z) => Math.abs(z.start - 2) < 0.1);
    expect(mid?.directedMotion).toBe(true);
    expect(stall.penalties.some((p) => p.aspect === "frozen")).toBe(true);
  });

  it("tells a shaky camera from a smooth one", async () => {
    const frames = 48;
    let seed = 7;
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) - 0.5;
    const smooth: CameraState[] = Array.from({ length: frames }, (_, k) => ({ x: 0.45 + (0.1 * k) / frames, y: 0.5, zoom: 1.1, roll: 0 }));
    const shaky = smooth.map((s) => ({ ...s, x: s.x + 0.008 * rand(), y: s.y + 0.008 * rand() }));
    const calm = await critiqueClip(await renderTake(dir, still, smooth));
    const shake = await critiqueClip(await renderTake(dir, still, shaky));
    expect(Math.max(calm.stability.jitter.x, calm.stability.jitter.y)).toBeLessThan(0.05);
    expect(Math.max(shake.stability.jitter.x, shake.stability.jitter.y)).toBeGreaterThan(0.15);
    expect(shake.critique).toContain("shaky camera");
  });
});
