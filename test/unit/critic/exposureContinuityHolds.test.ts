import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CameraState } from "../../../src/core/schemas/direction.js";
import { Critique, critiqueClip } from "../../../src/server/critic/index.js";
import { hlgToNits, pqToNits, sdrToNits } from "../../../src/server/critic/exposure.js";
import { direction, ffmpeg, renderTake, texturedStill } from "./helpers.js";

let dir: string;
let still: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-"));
  still = texturedStill(dir, 960, 540);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const hold = (n: number, s: Partial<CameraState> = {}): CameraState[] => Array.from({ length: n }, () => ({ x: 0.5, y: 0.5, zoom: 1, roll: 0, ...s }));

function solid(color: string): string {
  const out = path.join(dir, `${color}.png`);
  ffmpeg(["-f", "lavfi", "-i", `color=c=${color}:s=320x180,format=rgb24`, "-frames:v", "1", out]);
  return out;
}

describe("critic: exposure in the clip's own transfer", () => {
  it("turns code values into light with the right curve", () => {
    expect(pqToNits(0.5807)).toBeGreaterThan(200);
    expect(pqToNits(0.5807)).toBeLessThan(206);
    expect(pqToNits(1)).toBeCloseTo(10000, 0);
    expect(hlgToNits(0.75)).toBeGreaterThan(195); // BT.2408: HLG 75 % ≈ 203 cd/m² on a 1000 cd/m² display
    expect(hlgToNits(0.75)).toBeLessThan(210);
    expect(sdrToNits(1)).toBe(100);
  });

  it("calls SDR white clipped, but not the same picture mastered in PQ or HLG (graphics white, 203 cd/m²)", async () => {
    const white = solid("white");
    const sdr = await critiqueClip(await renderTake(dir, white, hold(12)));
    const pq = await critiqueClip(await renderTake(dir, white, hold(12), { colorSpace: "rec2100-pq" }));
    const hlg = await critiqueClip(await renderTake(dir, white, hold(12), { colorSpace: "rec2100-hlg" }));
    expect(sdr.exposure.interpretedAs).toBe("sdr-bt1886");
    expect(sdr.exposure.clippedHighlights).toBeGreaterThan(0.95);
    expect(sdr.critique).toMatch(/clipped in the highlights/);
    expect(pq.exposure.interpretedAs).toBe("pq");
    expect(pq.exposure.clippedHighlights).toBe(0);
    expect(hlg.exposure.interpretedAs).toBe("hlg");
    expect(hlg.exposure.clippedHighlights).toBe(0);
    expect(pq.exposure.crushedShadows + hlg.exposure.crushedShadows).toBe(0);
  });

  it("calls black crushed in every transfer", async () => {
    const black = solid("black");
    for (const colorSpace of ["rec709", "rec2100-pq", "rec2100-hlg"] as const) {
      const c = await critiqueClip(await renderTake(dir, black, hold(6), { colorSpace }));
      expect(c.exposure.crushedShadows, colorSpace).toBeGreaterThan(0.95);
    }
  });
});

describe("critic: continuity with the captured frame", () => {
  it("scores a take that starts on the captured frame as continuous, and says where one starts that does not", async () => {
    const on = await critiqueClip(await renderTake(dir, still, hold(12)), { framePath: still });
    expect(on.continuity.firstFrame!.similarity).toBeGreaterThan(0.9);
    expect(on.continuity.firstFrame!.offset.x).toBeCloseTo(0.5, 2);

    const shifted = await critiqueClip(await renderTake(dir, still, hold(12, { x: 0.56, zoom: 1.25 })), { framePath: still });
    const f = shifted.continuity.firstFrame!;
    expect(f.similarity).toBeLessThan(0.6);
    expect(f.offset.x).toBeCloseTo(0.56, 2);
    expect(f.offset.zoom).toBeCloseTo(1.25, 1);
    expect(shifted.critique).toMatch(/captured frame/);

    const other = path.join(dir, "other.png");
    ffmpeg(["-f", "lavfi", "-i", "mandelbrot=size=960x540:rate=1", "-frames:v", "1", other]);
    const elsewhere = await critiqueClip(await renderTake(dir, still, hold(12)), { framePath: other });
    expect(elsewhere.continuity.firstFrame!.similarity).toBeLessThan(0.5);
  });
});

describe("critic: holds", () => {
  it("measures how far a pinned region moved on its own", async () => {
    // A patch that slides 60 px (of 640) right over 2 s on a still background.
    const bg = path.join(dir, "bg.png");
    const patch = path.join(dir, "patch.png");
    ffmpeg(["-i", still, "-vf", "scale=640:360", bg]);
    ffmpeg(["-f", "lavfi", "-i", "mandelbrot=size=120x90:rate=1", "-frames:v", "1", patch]);
    const clip = path.join(dir, "slide.mp4");
    ffmpeg(["-loop", "1", "-i", bg, "-loop", "1", "-i", patch, "-filter_complex", "[0:v][1:v]overlay=x='100+30*t':y=100,format=yuv420p", "-t", "2", "-r", "24", "-c:v", "libx264", "-preset", "ultrafast", "-crf", "12", clip]);
    const d = direction(
      [
        { id: "sign", kind: "hold", label: "sign", rect: { x: 100 / 640, y: 100 / 360, w: 120 / 640, h: 90 / 360 } },
        { id: "wall", kind: "hold", label: "wall", rect: { x: 400 / 640, y: 200 / 360, w: 150 / 640, h: 120 / 360 } },
      ],
      2,
    );
    const c = await critiqueClip(clip, { direction: d });
    // One result per pinned region, in drawing order (none silently dropped).
    expect(c.adherence!.holds.map((h) => h.annotationId)).toEqual(["sign", "wall"]);
    const [sign, wall] = c.adherence!.holds;
    // The sign's content went right (+x), not down.
    expect(sign!.dx!).toBeGreaterThan(7);
    expect(Math.abs(sign!.dy!)).toBeLessThan(1);
    expect(sign!.measurable).toBe(true);
    expect(sign!.maxDrift).toBeGreaterThan(7); // 58 px of 640 ≈ 9 %
    expect(sign!.maxDrift).toBeLessThan(11);
    expect(sign!.phrase).toMatch(/"sign" should hold still but moved/);
    expect(wall!.maxDrift).toBeLessThan(0.5);
    expect(wall!.phrase).toBe('"wall" holds still');
    expect(c.adherence!.staticDrift).toBeLessThan(1);
  });
});

describe("retake critic", () => {
  it("prints the critique as JSON, measured against a direction file", async () => {
    const d = direction([{ id: "pan", kind: "cameraMove", from: { x: 0.45, y: 0.5 }, to: { x: 0.6, y: 0.5 }, start: 0, end: 1.5, ease: "linear" }], 1.5);
    const clip = await renderTake(dir, still, d);
    const file = path.join(dir, "direction.json");
    fs.writeFileSync(file, JSON.stringify(d));
    const bin = path.resolve(import.meta.dirname, "../../../bin/retake.mjs");
    const out = execFileSync(process.execPath, [bin, "critic", clip, "--direction", file, "--frame", still, "--json"], { encoding: "utf8" });
    const c = Critique.parse(JSON.parse(out));
    expect(c.adherence!.cameraMoves[0]!.phrase).toBe("pan right as asked");
    expect(c.camera.velocity.x).toBeGreaterThan(0.05);
    expect(c.continuity.firstFrame).not.toBeNull();
  });

  it("stops when canceled, with an AbortError", async () => {
    const clip = await renderTake(dir, still, hold(48, { x: 0.52 }));
    const controller = new AbortController();
    const pending = critiqueClip(clip, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
  });
});
