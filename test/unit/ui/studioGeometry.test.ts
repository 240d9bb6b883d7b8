import { describe, expect, it } from "vitest";
import type { Annotation } from "../../../src/core/schemas/index.js";
import { compileDirection } from "../../../src/core/direction/index.js";
import { pointHoldRect, polylineLength, spreadTimesAlong, thinPolyline, translateAnnotation } from "../../../src/ui/canvas/geometry.js";
import { MIN_SPAN, retime, timedBars } from "../../../src/ui/timeline/timeStripGeometry.js";

describe("subject path geometry", () => {
  it("thins a freehand stroke to samples at least the spacing apart, keeping both ends", () => {
    const stroke = Array.from({ length: 101 }, (_, i) => ({ x: i, y: 0 }));
    const kept = thinPolyline(stroke, 10);
    expect(kept[0]).toEqual({ x: 0, y: 0 });
    expect(kept.at(-1)).toEqual({ x: 100, y: 0 });
    for (let i = 1; i < kept.length; i++) expect(kept[i]!.x - kept[i - 1]!.x).toBeGreaterThanOrEqual(5);
    expect(kept.length).toBe(11);
  });

  it("spreads times along a path by distance: constant speed from start to end", () => {
    const points = spreadTimesAlong([{ x: 0, y: 0 }, { x: 0.1, y: 0 }, { x: 0.4, y: 0 }], 0, 4);
    expect(points.map((p) => p.t)).toEqual([0, 1, 4]);
    expect(polylineLength(points)).toBeCloseTo(0.4, 9);
    // The compiler keeps those times (no conflict, in order).
    const d = compileDirection({ prompt: "", duration: 4, annotations: [{ id: "s", kind: "subjectPath", points }] });
    expect(d.subjects[0]!.points.map((p) => p.t)).toEqual([0, 1, 4]);
    expect(d.conflicts).toEqual([]);
  });

  it("a point hold is a small square on screen centred on the click", () => {
    const r = pointHoldRect({ x: 0.5, y: 0.5 }, { x: 0, y: 0, width: 1600, height: 900 });
    expect(r.x + r.w / 2).toBeCloseTo(0.5, 9);
    expect(r.y + r.h / 2).toBeCloseTo(0.5, 9);
    expect(r.w * 1600).toBeCloseTo(r.h * 900, 9);
  });

  it("moves every kind of drawing by a delta, keeping times and text", () => {
    const all: Annotation[] = [
      { id: "a", kind: "cameraMove", from: { x: 0.1, y: 0.1 }, to: { x: 0.2, y: 0.1 }, start: 1, end: 2, ease: "linear" },
      { id: "b", kind: "framingBox", rect: { x: 0.1, y: 0.1, w: 0.5, h: 0.5 }, time: 3, ease: "linear", endFraming: true },
      { id: "s", kind: "subjectPath", label: "car", points: [{ x: 0.1, y: 0.1, t: 0 }, { x: 0.2, y: 0.2, t: 2 }] },
      { id: "h", kind: "hold", label: "", rect: { x: 0.1, y: 0.1, w: 0.1, h: 0.1 }, shape: "point" },
      { id: "n", kind: "note", at: { x: 0.1, y: 0.1 }, text: "flicker" },
    ];
    const moved = all.map((a) => translateAnnotation(a, 0.1, -0.05));
    expect(moved[0]).toMatchObject({ from: { x: 0.2, y: 0.05 }, to: { x: 0.30000000000000004, y: 0.05 }, start: 1, end: 2 });
    expect(moved[1]).toMatchObject({ rect: { x: 0.2, y: 0.05, w: 0.5, h: 0.5 }, time: 3, endFraming: true });
    expect(moved[2]).toMatchObject({ label: "car", points: [{ x: 0.2, y: 0.05, t: 0 }, { x: 0.30000000000000004, y: 0.15000000000000002, t: 2 }] });
    expect(moved[3]).toMatchObject({ shape: "point", rect: { x: 0.2, y: 0.05 } });
    expect(moved[4]).toMatchObject({ at: { x: 0.2, y: 0.05 }, text: "flicker" });
  });
});

describe("time strip", () => {
  const arrow: Annotation = { id: "a", kind: "cameraMove", from: { x: 0, y: 0 }, to: { x: 1, y: 0 }, start: 1, end: 3, ease: "linear" };
  const box: Annotation = { id: "b", kind: "framingBox", rect: { x: 0, y: 0, w: 0.5, h: 0.5 }, time: 4, ease: "linear", endFraming: false };
  const path: Annotation = { id: "s", kind: "subjectPath", label: "", points: [{ x: 0, y: 0, t: 1 }, { x: 0.5, y: 0, t: 2 }, { x: 1, y: 0, t: 5 }] };
  const note: Annotation = { id: "n", kind: "note", at: { x: 0, y: 0 }, text: "x" };

  it("shows every timed drawing as a bar; boxes are instants; untimed drawings have none", () => {
    expect(timedBars([arrow, box, path, note], 5).map((b) => [b.id, b.start, b.end, b.instant])).toEqual([
      ["a", 1, 3, false],
      ["b", 4, 4, true],
      ["s", 1, 5, false],
    ]);
  });

  const table: Array<[string, Annotation, "move" | "start" | "end", number, Partial<Annotation> | Record<string, unknown>]> = [
    ["move an arrow later", arrow, "move", 1.5, { start: 2.5, end: 4.5 }],
    ["move an arrow past the end: stops at the take's end", arrow, "move", 10, { start: 3, end: 5 }],
    ["move an arrow before 0: stops at 0", arrow, "move", -5, { start: 0, end: 2 }],
    ["resize an arrow's start", arrow, "start", -1, { start: 0, end: 3 }],
    ["a start dragged past the end keeps a minimum span", arrow, "start", 5, { start: 3 - MIN_SPAN, end: 3 }],
    ["resize an arrow's end", arrow, "end", 1.25, { start: 1, end: 4.25 }],
    ["move a framing box", box, "move", -2.5, { time: 1.5 }],
  ];
  for (const [name, a, handle, dt, want] of table) {
    it(name, () => {
      expect(retime(a, handle, dt, 5)).toMatchObject(want);
    });
  }

  it("retiming a subject path scales its points' times into the new span", () => {
    const r = retime(path, "end", -2, 5) as Extract<Annotation, { kind: "subjectPath" }>;
    expect(r.points.map((p) => p.t)).toEqual([1, 1.5, 3]);
    const m = retime(path, "move", -1, 5) as Extract<Annotation, { kind: "subjectPath" }>;
    expect(m.points.map((p) => p.t)).toEqual([0, 1, 4]);
  });
});
