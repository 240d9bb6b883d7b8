import { describe, expect, it } from "vitest";
import type { AnnotationInput } from "../../../src/core/schemas/annotation.js";
import { cameraAt, compileDirection, renderForProvider, viewWindowRect, placeWords } from "../../../src/core/direction/index.js";

const arrow = (id: string, from: [number, number], to: [number, number], start: number, end: number, ease?: "linear" | "ease-in" | "ease-out" | "ease-in-out"): AnnotationInput => ({
  id,
  kind: "cameraMove",
  from: { x: from[0], y: from[1] },
  to: { x: to[0], y: to[1] },
  start,
  end,
  ...(ease ? { ease } : {}),
});
const box = (id: string, rect: [number, number, number, number], time: number, endFraming = false): AnnotationInput => ({
  id,
  kind: "framingBox",
  rect: { x: rect[0], y: rect[1], w: rect[2], h: rect[3] },
  time,
  endFraming,
});
const compile = (annotations: AnnotationInput[], duration = 6, prompt = "a quiet street at dusk") => compileDirection({ prompt, annotations, duration });

describe("renderForProvider: prompt directives (text-only providers)", () => {
  const cases: Array<{ name: string; annotations: AnnotationInput[]; duration?: number; contains: string[] }> = [
    { name: "nothing drawn", annotations: [], contains: ["Camera: locked off, no camera movement."] },
    {
      name: "a slow pan right",
      annotations: [arrow("a", [0.3, 0.5], [0.6, 0.5], 1, 4)],
      contains: ["Camera: slow pan right (30% of frame) from 1.0 s to 4.0 s, ease in-out."],
    },
    { name: "a fast pan left", annotations: [arrow("a", [0.8, 0.5], [0.2, 0.5], 0, 1, "linear")], contains: ["fast pan left (60% of frame) from 0.0 s to 1.0 s, constant speed"] },
    { name: "a tilt up (arrow up = camera up)", annotations: [arrow("a", [0.5, 0.7], [0.5, 0.4], 0, 3, "ease-out")], contains: ["tilt up (30% of frame) from 0.0 s to 3.0 s, ease out"] },
    { name: "a diagonal move", annotations: [arrow("a", [0.3, 0.7], [0.5, 0.5], 0, 3, "ease-in")], contains: ["move up and right"] },
    { name: "a push-in to a box", annotations: [box("b", [0.25, 0.25, 0.5, 0.5], 5)], contains: ["slow push in to the boxed region at the centre 2.0× by 5.0 s"] },
    {
      name: "push-in then pull-out, end framing",
      annotations: [box("b", [0.25, 0.25, 0.5, 0.5], 2), box("c", [0.1, 0.1, 0.8, 0.8], 5, true)],
      contains: ["push in to the boxed region at the centre 2.0× by 2.0 s; pull out to the boxed region at the centre 1.3× by 5.0 s and end on that framing"],
    },
    { name: "a box at 0 opens on it", annotations: [box("b", [0, 0, 0.5, 0.5], 0)], contains: ["open framed on the boxed region at the top left (2.0×)"] },
    {
      name: "hold, subject and note",
      annotations: [
        { id: "h", kind: "hold", label: "horizon", rect: { x: 0, y: 0.4, w: 1, h: 0.05 } },
        { id: "s", kind: "subjectPath", label: "car", points: [{ x: 0.2, y: 0.6 }, { x: 0.5, y: 0.6 }, { x: 1.2, y: 0.6 }] },
        { id: "n", kind: "note", at: { x: 0.8, y: 0.2 }, text: "make this lamp flicker" },
      ],
      contains: [
        "Camera: keep the horizon at the centre steady in frame.",
        "The car moves from the left of frame to beyond the right edge by way of the centre, from 0.0 s to 6.0 s.",
        "At the top right: make this lamp flicker.",
      ],
    },
    {
      name: "camera words in time order whatever the drawing order",
      annotations: [arrow("late", [0.5, 0.5], [0.6, 0.5], 3, 5), arrow("early", [0.5, 0.5], [0.5, 0.6], 0, 2)],
      contains: ["Camera: slow tilt down (10% of frame) from 0.0 s to 2.0 s, ease in-out; slow pan right (10% of frame) from 3.0 s to 5.0 s, ease in-out."],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = renderForProvider(compile(c.annotations, c.duration), "prompt");
      expect(r.style).toBe("prompt");
      for (const want of c.contains) expect(r.text).toContain(want);
      expect(r.text.startsWith("a quiet street at dusk")).toBe(true);
      expect(r.directives.length).toBeGreaterThan(0);
    });
  }

  it("words for places are a 3×3 grid, or off an edge", () => {
    expect(placeWords({ x: 0.5, y: 0.5 })).toBe("the centre");
    expect(placeWords({ x: 0.1, y: 0.1 })).toBe("the top left");
    expect(placeWords({ x: 0.5, y: 0.9 })).toBe("the bottom centre");
    expect(placeWords({ x: 0.9, y: 0.5 })).toBe("the right of frame");
    expect(placeWords({ x: -0.1, y: 1.2 })).toBe("beyond the left and bottom edges");
  });
});

describe("renderForProvider: indexed keyframes (keyframe APIs)", () => {
  it("puts every compiled keyframe on its frame, the window being the exact path at that frame", () => {
    const d = compile([arrow("a", [0.4, 0.5], [0.6, 0.5], 1, 4), box("b", [0.3, 0.3, 0.4, 0.4], 5)], 6);
    for (const fps of [{ num: 24, den: 1 }, { num: 25, den: 1 }, { num: 24000, den: 1001 }, { num: 30000, den: 1001 }]) {
      const r = renderForProvider(d, "keyframes", { fps });
      expect(r.frameCount).toBe(Math.round((6 * fps.num) / fps.den));
      expect(r.keyframes[0]!.frame).toBe(0);
      expect(r.keyframes.at(-1)!.frame).toBe(r.frameCount - 1);
      const frames = r.keyframes.map((k) => k.frame);
      expect([...frames].sort((a, b) => a - b)).toEqual(frames);
      expect(new Set(frames).size).toBe(frames.length);
      for (const k of r.keyframes) {
        const t = (k.frame * fps.den) / fps.num;
        expect(k.t).toBeCloseTo(t, 6);
        const want = viewWindowRect(cameraAt(d.camera.keyframes, t));
        expect(k.window.x).toBeCloseTo(want.x, 5);
        expect(k.window.w).toBeCloseTo(want.w, 5);
        expect(k.window.w).toBeCloseTo(1 / k.zoom, 5);
      }
      expect(r.framing).toEqual([{ frame: Math.round((5 * fps.num) / fps.den), rect: { x: 0.3, y: 0.3, w: 0.4, h: 0.4 }, endFraming: false, annotationId: "b" }]);
    }
  });

  it("a static camera is two keyframes showing the whole frame", () => {
    const r = renderForProvider(compile([], 2), "keyframes", { fps: { num: 24, den: 1 } });
    expect(r.keyframes).toEqual([
      { frame: 0, t: 0, window: { x: 0, y: 0, w: 1, h: 1 }, zoom: 1, roll: 0, ease: "linear" },
      { frame: 47, t: 47 / 24, window: { x: 0, y: 0, w: 1, h: 1 }, zoom: 1, roll: 0, ease: expect.any(String) },
    ].map((k) => ({ ...k, t: Math.round(k.t * 1e6) / 1e6 })));
  });

  it("keeps the arriving ease of a single move", () => {
    const r = renderForProvider(compile([arrow("a", [0.4, 0.5], [0.6, 0.5], 1, 4, "ease-out")], 6), "keyframes");
    expect(r.keyframes.find((k) => k.frame === 96)!.ease).toBe("ease-out");
    // A pan right: the window's x grows.
    expect(r.keyframes.find((k) => k.frame === 96)!.window.x).toBeGreaterThan(r.keyframes[0]!.window.x);
  });

  it("drops keyframes past the take's end", () => {
    const r = renderForProvider(compile([arrow("a", [0.4, 0.5], [0.6, 0.5], 1, 9)], 4), "keyframes");
    expect(r.keyframes.length).toBeGreaterThanOrEqual(2);
    expect(r.keyframes.every((k) => k.frame < r.frameCount)).toBe(true);
    // The move drawn to end at 9 s is cut where the take ends: its last view is still moving right.
    expect(r.keyframes.at(-1)!.frame).toBe(r.frameCount - 1);
    expect(r.keyframes.at(-1)!.window.x).toBeGreaterThan(r.keyframes[0]!.window.x);
  });
});

describe("renderForProvider: trajectories (motion-control APIs)", () => {
  it("subject points at frame indices, camera per frame, holds as still points", () => {
    const d = compile(
      [
        { id: "s", kind: "subjectPath", label: "car", points: [{ x: 0.1, y: 0.6, t: 0 }, { x: 0.5, y: 0.6 }, { x: 0.9, y: 0.5, t: 4 }] },
        { id: "h", kind: "hold", label: "", rect: { x: 0.4, y: 0.1, w: 0.2, h: 0.1 }, shape: "point" },
        arrow("a", [0.5, 0.5], [0.6, 0.5], 0, 2, "linear"),
      ],
      4,
    );
    const r = renderForProvider(d, "trajectories", { fps: { num: 25, den: 1 } });
    expect(r.frameCount).toBe(100);
    expect(r.subjects).toEqual([{ annotationId: "s", label: "car", points: [{ frame: 0, x: 0.1, y: 0.6 }, { frame: 50, x: 0.5, y: 0.6 }, { frame: 99, x: 0.9, y: 0.5 }] }]);
    expect(r.holds).toEqual([{ annotationId: "h", label: "", points: [{ frame: 0, x: 0.5, y: 0.15 }, { frame: 99, x: 0.5, y: 0.15 }] }]);
    expect(r.camera).toHaveLength(100);
    expect(r.camera[0]).toEqual({ frame: 0, x: 0.5, y: 0.5, zoom: 1, roll: 0 });
    expect(r.camera[25]!.x).toBeCloseTo(0.55, 6); // halfway through a linear 2 s pan at 1 s
    expect(r.camera[99]!.x).toBeCloseTo(0.6, 6);
  });
});

describe("renderForProvider: the same Direction for every provider", () => {
  it("is deterministic and never mutates the Direction", () => {
    const d = compile([arrow("a", [0.3, 0.5], [0.6, 0.5], 1, 4), box("b", [0.25, 0.25, 0.5, 0.5], 5)]);
    const before = JSON.stringify(d);
    for (const style of ["prompt", "keyframes", "trajectories"] as const) {
      expect(JSON.stringify(renderForProvider(d, style))).toBe(JSON.stringify(renderForProvider(d, style)));
    }
    expect(JSON.stringify(d)).toBe(before);
  });

  it("carries no image: drawings are never burnt into the start frame", () => {
    const d = compile([arrow("a", [0.3, 0.5], [0.6, 0.5], 1, 4)]);
    for (const style of ["prompt", "keyframes", "trajectories"] as const) {
      const json = JSON.stringify(renderForProvider(d, style));
      expect(json).not.toMatch(/image|png|base64|data:/i);
    }
  });

  it("rejects a frame rate that is not positive", () => {
    expect(() => renderForProvider(compile([]), "keyframes", { fps: { num: 0, den: 1 } })).toThrow(RangeError);
  });
});
