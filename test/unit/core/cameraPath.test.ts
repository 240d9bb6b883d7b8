import { describe, expect, it } from "vitest";
import type { CameraKeyframe, CameraState } from "../../../src/core/schemas/direction.js";
import {
  cameraAt,
  cameraPathEvaluator,
  frameCount,
  sampleCameraPath,
  viewWindowRect,
  windowCorners,
  windowLeavesFrame,
} from "../../../src/core/direction/cameraPath.js";
import { easeInOut } from "../../../src/core/direction/ease.js";

const key = (t: number, s: Partial<CameraState> = {}, ease: CameraKeyframe["ease"] = "linear"): CameraKeyframe => ({
  t,
  x: 0.5,
  y: 0.5,
  zoom: 1,
  roll: 0,
  ease,
  ...s,
});

describe("cameraAt", () => {
  const path = [key(1, { x: 0.2 }), key(3, { x: 0.6, y: 0.3, roll: 10 }, "ease-in-out"), key(5, { x: 0.6, zoom: 4 })];

  it("holds the first keyframe before it and the last after it", () => {
    expect(cameraAt(path, 0)).toEqual({ x: 0.2, y: 0.5, zoom: 1, roll: 0 });
    expect(cameraAt(path, -10)).toEqual({ x: 0.2, y: 0.5, zoom: 1, roll: 0 });
    expect(cameraAt(path, 1)).toEqual({ x: 0.2, y: 0.5, zoom: 1, roll: 0 });
    expect(cameraAt(path, 5)).toEqual({ x: 0.6, y: 0.5, zoom: 4, roll: 0 });
    expect(cameraAt(path, 99)).toEqual({ x: 0.6, y: 0.5, zoom: 4, roll: 0 });
  });

  it("lands exactly on every keyframe", () => {
    expect(cameraAt(path, 3)).toEqual({ x: 0.6, y: 0.3, zoom: 1, roll: 10 });
  });

  it("moves every channel with the arriving keyframe's ease", () => {
    const at = cameraAt(path, 1.5); // u = 0.25 into an ease-in-out segment
    const e = easeInOut(0.25);
    expect(e).toBe(0.125);
    expect(at.x).toBeCloseTo(0.2 + 0.4 * e, 12);
    expect(at.y).toBeCloseTo(0.5 - 0.2 * e, 12);
    expect(at.roll).toBeCloseTo(10 * e, 12);
    expect(at.zoom).toBe(1);
  });

  it("interpolates zoom in log space: 1× → 4× passes 2× halfway, at a constant ratio per step", () => {
    expect(cameraAt(path, 4).zoom).toBeCloseTo(2, 12);
    const ratios = [3, 3.5, 4, 4.5].map((t) => cameraAt(path, t + 0.5).zoom / cameraAt(path, t).zoom);
    for (const r of ratios) expect(r).toBeCloseTo(Math.SQRT2, 12);
  });

  it("with one keyframe, is that keyframe at every time", () => {
    expect(cameraAt([key(2, { x: 0.1 })], 0)).toEqual({ x: 0.1, y: 0.5, zoom: 1, roll: 0 });
    expect(cameraAt([key(2, { x: 0.1 })], 9)).toEqual({ x: 0.1, y: 0.5, zoom: 1, roll: 0 });
  });

  it("treats two keyframes at one time as a cut, and accepts keyframes out of order", () => {
    const cut = [key(0), key(2, { x: 0.5 }), key(2, { x: 0.9 }), key(4, { x: 0.9 })];
    expect(cameraAt(cut, 1.999).x).toBe(0.5);
    expect(cameraAt(cut, 2).x).toBe(0.9);
    const shuffled = [path[2]!, path[0]!, path[1]!];
    for (const t of [0, 1.2, 2.7, 3.3, 4.9, 6]) expect(cameraAt(shuffled, t)).toEqual(cameraAt(path, t));
  });

  it("refuses an empty path", () => {
    expect(() => cameraAt([], 0)).toThrow(/at least one keyframe/);
  });

  it("an evaluator gives the same answers as cameraAt", () => {
    const at = cameraPathEvaluator(path);
    for (let t = -1; t < 7; t += 0.1) expect(at(t)).toEqual(cameraAt(path, t));
  });
});

describe("sampleCameraPath", () => {
  const path = [key(0, { x: 0.25 }), key(2, { x: 0.75 })];

  it.each([
    [{ num: 24, den: 1 }, 2, 48],
    [{ num: 24000, den: 1001 }, 2, 48], // 47.952 rounds to 48
    [{ num: 30000, den: 1001 }, 5, 150], // 149.85
    [{ num: 25, den: 1 }, 4, 100],
    [{ num: 60000, den: 1001 }, 10, 599], // 599.4
  ])("at %o for %d s gives %i states, one per output frame", (fps, duration, count) => {
    expect(frameCount(fps, duration)).toBe(count);
    expect(sampleCameraPath(path, fps, duration)).toHaveLength(count);
  });

  it("samples frame i at t = i × den / num", () => {
    const fps = { num: 24000, den: 1001 };
    const states = sampleCameraPath(path, fps, 2);
    states.forEach((s, i) => {
      const t = (i * 1001) / 24000;
      expect(s).toEqual(cameraAt(path, t));
      expect(s.x).toBeCloseTo(Math.min(0.75, 0.25 + 0.25 * t), 12);
    });
  });

  it("gives nothing for a zero duration", () => {
    expect(sampleCameraPath(path, { num: 24, den: 1 }, 0)).toEqual([]);
  });
});

describe("viewWindowRect", () => {
  it.each([
    [{ x: 0.5, y: 0.5, zoom: 1, roll: 0 }, { x: 0, y: 0, w: 1, h: 1 }],
    [{ x: 0.5, y: 0.5, zoom: 2, roll: 0 }, { x: 0.25, y: 0.25, w: 0.5, h: 0.5 }],
    [{ x: 0.75, y: 0.25, zoom: 4, roll: 30 }, { x: 0.625, y: 0.125, w: 0.25, h: 0.25 }],
  ])("%o → %o (roll ignored)", (state, rect) => {
    const r = viewWindowRect(state);
    expect(r.x).toBeCloseTo(rect.x, 12);
    expect(r.y).toBeCloseTo(rect.y, 12);
    expect(r.w).toBeCloseTo(rect.w, 12);
    expect(r.h).toBeCloseTo(rect.h, 12);
    expect(viewWindowRect(state, 2.39)).toEqual(r); // the window has the frame's shape at any aspect
  });
});

describe("windowLeavesFrame", () => {
  it.each([
    [{ x: 0.5, y: 0.5, zoom: 1, roll: 0 }, false, "the whole frame"],
    [{ x: 0.5 + 1e-9, y: 0.5, zoom: 1, roll: 0 }, false, "a rounding error off the whole frame"],
    [{ x: 0.75, y: 0.75, zoom: 2, roll: 0 }, false, "a window touching the bottom-right corner"],
    [{ x: 0.6, y: 0.5, zoom: 1, roll: 0 }, true, "the whole frame panned right"],
    [{ x: 0.8, y: 0.5, zoom: 2, roll: 0 }, true, "a push-in past the right edge"],
    [{ x: 0.5, y: 0.2, zoom: 2, roll: 0 }, true, "a push-in past the top edge"],
    [{ x: 0.5, y: 0.5, zoom: 0.8, roll: 0 }, true, "a pull-out wider than the frame"],
    [{ x: 0.5, y: 0.5, zoom: 1, roll: 1 }, true, "the whole frame rolled by a degree"],
    [{ x: 0.5, y: 0.5, zoom: 2, roll: 45 }, false, "a 2× window rolled 45° on a 16:9 frame"],
    [{ x: 0.5, y: 0.5, zoom: 1.5, roll: 45 }, true, "a 1.5× window rolled 45° on a 16:9 frame"],
  ])("%o → %s (%s)", (state, leaves) => {
    expect(windowLeavesFrame(state)).toBe(leaves);
  });

  it("uses the frame's aspect once the window is rolled", () => {
    const state = { x: 0.5, y: 0.5, zoom: 2, roll: 45 };
    expect(windowLeavesFrame(state, 16 / 9)).toBe(false);
    expect(windowLeavesFrame(state, 2.39)).toBe(true); // scope: the rolled corners reach top and bottom
    expect(windowLeavesFrame(state, 1)).toBe(false);
  });

  it("rolls the corners clockwise on screen", () => {
    const [topLeft, topRight] = windowCorners({ x: 0.5, y: 0.5, zoom: 2, roll: 90 }, 1);
    // After a quarter turn clockwise the top-left corner is at the top-right.
    expect(topLeft!.x).toBeCloseTo(0.75, 12);
    expect(topLeft!.y).toBeCloseTo(0.25, 12);
    expect(topRight!.x).toBeCloseTo(0.75, 12);
    expect(topRight!.y).toBeCloseTo(0.75, 12);
  });
});
