import { describe, expect, it } from "vitest";
import {
  arrowFromDrag,
  arrowHeadPoints,
  boxFromDrag,
  clampTime,
  dragToPixelRect,
  fitContain,
  fractionToPixel,
  pixelToFraction,
  pixelsToRect,
  rectToPixels,
  translatePoint,
} from "../../../src/ui/canvas/geometry.js";

describe("fitContain", () => {
  it("letterboxes a 16:9 frame in a tall surface (bars top and bottom)", () => {
    expect(fitContain({ width: 320, height: 400 }, { width: 1920, height: 1080 })).toEqual({ x: 0, y: 110, width: 320, height: 180 });
  });

  it("pillarboxes a 16:9 frame in a wide surface (bars left and right)", () => {
    expect(fitContain({ width: 1000, height: 360 }, { width: 1920, height: 1080 })).toEqual({ x: 180, y: 0, width: 640, height: 360 });
  });

  it("answers an empty rect for an empty surface instead of dividing by zero", () => {
    expect(fitContain({ width: 0, height: 300 }, { width: 1920, height: 1080 })).toEqual({ x: 0, y: 0, width: 0, height: 0 });
  });
});

describe("pixel ↔ fraction", () => {
  const display = { x: 180, y: 0, width: 640, height: 360 };

  it("maps the displayed frame's corners and centre to 0, 1 and 0.5", () => {
    expect(pixelToFraction({ x: 180, y: 0 }, display)).toEqual({ x: 0, y: 0 });
    expect(pixelToFraction({ x: 820, y: 360 }, display)).toEqual({ x: 1, y: 1 });
    expect(pixelToFraction({ x: 500, y: 180 }, display)).toEqual({ x: 0.5, y: 0.5 });
  });

  it("does not clamp points drawn on the letterbox bars (the compiler reports them)", () => {
    expect(pixelToFraction({ x: 20, y: 180 }, display).x).toBeCloseTo(-0.25);
  });

  it("round-trips fraction → pixel → fraction", () => {
    const p = { x: 0.37, y: 0.81 };
    const back = pixelToFraction(fractionToPixel(p, display), display);
    expect(back.x).toBeCloseTo(p.x, 12);
    expect(back.y).toBeCloseTo(p.y, 12);
  });

  it("round-trips a rect", () => {
    const r = { x: 0.25, y: 0.1, w: 0.5, h: 0.5 };
    expect(pixelsToRect(rectToPixels(r, display), display)).toEqual(r);
  });
});

describe("arrowFromDrag", () => {
  const display = { x: 0, y: 0, width: 400, height: 200 };

  it("turns a left-to-right drag into a camera move from the start to the end point", () => {
    expect(arrowFromDrag({ x: 100, y: 100 }, { x: 300, y: 100 }, display)).toEqual({ from: { x: 0.25, y: 0.5 }, to: { x: 0.75, y: 0.5 } });
  });

  it("ignores a click or a tiny drag", () => {
    expect(arrowFromDrag({ x: 100, y: 100 }, { x: 105, y: 103 }, display)).toBeNull();
  });
});

describe("boxFromDrag", () => {
  const display = { x: 0, y: 100, width: 400, height: 200 };

  it("normalises a drag up and to the left to a positive width and height", () => {
    expect(boxFromDrag({ x: 300, y: 250 }, { x: 100, y: 150 }, display)).toEqual({ x: 0.25, y: 0.25, w: 0.5, h: 0.5 });
  });

  it("gives the same box whichever corner the drag started from", () => {
    const a = boxFromDrag({ x: 100, y: 150 }, { x: 300, y: 250 }, display);
    const b = boxFromDrag({ x: 300, y: 150 }, { x: 100, y: 250 }, display);
    expect(a).toEqual(b);
  });

  it("refuses boxes below the minimum size in either dimension", () => {
    expect(boxFromDrag({ x: 100, y: 150 }, { x: 300, y: 155 }, display)).toBeNull();
    expect(boxFromDrag({ x: 100, y: 150 }, { x: 105, y: 250 }, display)).toBeNull();
  });

  it("keeps the frame's aspect when asked (Shift held)", () => {
    const r = boxFromDrag({ x: 0, y: 100 }, { x: 100, y: 130 }, display, { lockAspect: true })!;
    // frame aspect 2:1 on screen → equal fractions of width and height
    expect(r.w).toBeCloseTo(r.h, 12);
    expect(r.w).toBeCloseTo(0.25, 12);
  });

  it("grows an aspect-locked box towards the pointer in every quadrant", () => {
    const r = dragToPixelRect({ x: 200, y: 200 }, { x: 150, y: 190 }, 2);
    expect(r).toEqual({ x: 150, y: 175, width: 50, height: 25 });
  });
});

describe("arrowHeadPoints", () => {
  it("puts the tip at the end point and both barbs behind it", () => {
    const [tip, left, right] = arrowHeadPoints({ x: 0, y: 0 }, { x: 100, y: 0 }, 10);
    expect(tip).toEqual({ x: 100, y: 0 });
    expect(left.x).toBeLessThan(100);
    expect(right.x).toBeLessThan(100);
    expect(left.y).toBeCloseTo(-right.y, 12);
  });
});

describe("translatePoint and clampTime", () => {
  it("moves a point by a pixel delta in fractions of the displayed frame", () => {
    expect(translatePoint({ x: 0.5, y: 0.5 }, 40, -20, { x: 10, y: 10, width: 400, height: 200 })).toEqual({ x: 0.6, y: 0.4 });
  });

  it("keeps times inside the take and rounds them to hundredths", () => {
    expect(clampTime(-1, 5)).toBe(0);
    expect(clampTime(7, 5)).toBe(5);
    expect(clampTime(1.23456, 5)).toBe(1.23);
    expect(clampTime(Number.NaN, 5)).toBe(0);
  });
});
