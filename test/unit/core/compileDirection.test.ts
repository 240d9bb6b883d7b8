import { describe, expect, it } from "vitest";
import { ZodError } from "zod";
import type { AnnotationInput, Ease } from "../../../src/core/schemas/annotation.js";
import { Direction, type CameraKeyframe, type CameraState } from "../../../src/core/schemas/direction.js";
import { cameraAt, compileDirection, EASES, windowLeavesFrame } from "../../../src/core/direction/index.js";

// ---------------------------------------------------------------------------------------------
// Builders for what the editor draws.

const arrow = (
  id: string,
  from: [number, number],
  to: [number, number],
  start: number,
  end: number,
  ease?: Ease,
): AnnotationInput => ({ id, kind: "cameraMove", from: { x: from[0], y: from[1] }, to: { x: to[0], y: to[1] }, start, end, ...(ease ? { ease } : {}) });

const box = (id: string, rect: [number, number, number, number], time: number, ease?: Ease): AnnotationInput => ({
  id,
  kind: "framingBox",
  rect: { x: rect[0], y: rect[1], w: rect[2], h: rect[3] },
  time,
  ...(ease ? { ease } : {}),
});

const path = (id: string, points: Array<[number, number, number?]>, label?: string): AnnotationInput => ({
  id,
  kind: "subjectPath",
  ...(label !== undefined ? { label } : {}),
  points: points.map(([x, y, t]) => (t === undefined ? { x, y } : { x, y, t })),
});

const note = (id: string, text: string): AnnotationInput => ({ id, kind: "note", at: { x: 0.4, y: 0.6 }, text });

const compile = (annotations: AnnotationInput[], duration = 6, prompt = "a quiet street at dusk"): Direction =>
  compileDirection({ prompt, annotations, duration });

const codes = (d: Direction): string[] => d.conflicts.map((c) => c.code);

/**
 * The camera the spec describes, written out independently of the compiler: framing keyframes
 * (start state, then each box filling the frame at its time with its ease) plus each arrow's
 * eased displacement.
 */
function expectedCamera(annotations: AnnotationInput[], t: number): CameraState {
  const keys: CameraKeyframe[] = [{ t: 0, x: 0.5, y: 0.5, zoom: 1, roll: 0, ease: "linear" }];
  const boxes = annotations.filter((a) => a.kind === "framingBox").sort((a, b) => a.time - b.time);
  for (const b of boxes) {
    keys.push({
      t: b.time,
      x: b.rect.x + b.rect.w / 2,
      y: b.rect.y + b.rect.h / 2,
      zoom: Math.min(1 / b.rect.w, 1 / b.rect.h),
      roll: 0,
      ease: b.ease ?? "ease-in-out",
    });
  }
  const state = cameraAt(keys, t);
  for (const a of annotations) {
    if (a.kind !== "cameraMove") continue;
    const p = t < a.start ? 0 : t >= a.end ? 1 : EASES[a.ease ?? "ease-in-out"]((t - a.start) / (a.end - a.start));
    state.x += (a.to.x - a.from.x) * p;
    state.y += (a.to.y - a.from.y) * p;
  }
  return state;
}

function maxError(d: Direction, annotations: AnnotationInput[], from: number, to: number): number {
  let worst = 0;
  for (let i = 0; i <= 1000; i++) {
    const t = from + ((to - from) * i) / 1000;
    const got = cameraAt(d.camera.keyframes, t);
    const want = expectedCamera(annotations, t);
    worst = Math.max(worst, Math.abs(got.x - want.x), Math.abs(got.y - want.y), Math.abs(Math.log(got.zoom / want.zoom)));
  }
  return worst;
}

const START = { x: 0.5, y: 0.5, zoom: 1, roll: 0 };

// ---------------------------------------------------------------------------------------------

describe("compileDirection: camera", () => {
  it("with nothing drawn, the camera holds the whole frame", () => {
    const d = compile([]);
    expect(d.camera.keyframes).toEqual([{ t: 0, ...START, ease: "linear" }]);
    expect(d.summary).toBe("static camera");
    expect(d.conflicts).toEqual([]);
    expect(d.prompt).toBe("a quiet street at dusk");
    expect(d.duration).toBe(6);
  });

  const single: Array<[string, AnnotationInput, CameraKeyframe[]]> = [
    [
      "a right arrow moves the window right (x increases) over [start, end] with its ease",
      arrow("r", [0.4, 0.5], [0.6, 0.5], 1, 3, "ease-in"),
      [
        { t: 0, ...START, ease: "linear" },
        { t: 1, ...START, ease: "linear" },
        { t: 3, ...START, x: 0.7, ease: "ease-in" },
      ],
    ],
    [
      "an up arrow moves the window up (y decreases)",
      arrow("u", [0.5, 0.7], [0.5, 0.45], 0, 2, "linear"),
      [
        { t: 0, ...START, ease: "linear" },
        { t: 2, ...START, y: 0.25, ease: "linear" },
      ],
    ],
    [
      "an arrow's ease defaults to ease-in-out",
      arrow("d", [0.5, 0.5], [0.5, 0.6], 2, 5),
      [
        { t: 0, ...START, ease: "linear" },
        { t: 2, ...START, ease: "linear" },
        { t: 5, ...START, y: 0.6, ease: "ease-in-out" },
      ],
    ],
    [
      "a box at t=3 of w=.5 gives zoom 2 at t=3, centred on the box, with the box's ease",
      box("b", [0.1, 0.2, 0.5, 0.5], 3, "ease-out"),
      [
        { t: 0, ...START, ease: "linear" },
        { t: 3, x: 0.35, y: 0.45, zoom: 2, roll: 0, ease: "ease-out" },
      ],
    ],
    [
      "a box keeps all of itself in view: zoom follows its tighter dimension",
      box("b", [0.25, 0.375, 0.5, 0.25], 2),
      [
        { t: 0, ...START, ease: "linear" },
        { t: 2, x: 0.5, y: 0.5, zoom: 2, roll: 0, ease: "ease-in-out" },
      ],
    ],
  ];

  it.each(single)("%s", (_, annotation, keyframes) => {
    const d = compile([annotation]);
    expect(d.camera.keyframes).toHaveLength(keyframes.length);
    d.camera.keyframes.forEach((k, i) => {
      const want = keyframes[i]!;
      expect(k.t).toBe(want.t);
      expect(k.ease).toBe(want.ease);
      expect(k.x).toBeCloseTo(want.x, 12);
      expect(k.y).toBeCloseTo(want.y, 12);
      expect(k.zoom).toBeCloseTo(want.zoom, 12);
      expect(k.roll).toBe(want.roll);
    });
    expect(maxError(d, [annotation], 0, 6)).toBeLessThan(1e-12);
  });

  it("a right arrow's window x rises monotonically from start to end", () => {
    const d = compile([arrow("r", [0.4, 0.5], [0.6, 0.5], 1, 3)]);
    let previous = -Infinity;
    for (let t = 1; t <= 3; t += 0.05) {
      const { x } = cameraAt(d.camera.keyframes, t);
      expect(x).toBeGreaterThanOrEqual(previous);
      previous = x;
    }
    expect(cameraAt(d.camera.keyframes, 2).x).toBeCloseTo(0.6, 12); // halfway through ease-in-out
  });

  it("a push-in to a box grows at a constant ratio (log-space zoom) with a linear ease", () => {
    const d = compile([box("b", [0.375, 0.375, 0.25, 0.25], 4, "linear")]);
    expect(cameraAt(d.camera.keyframes, 2).zoom).toBeCloseTo(2, 12);
    expect(cameraAt(d.camera.keyframes, 4).zoom).toBeCloseTo(4, 12);
  });

  const composed: Array<[string, AnnotationInput[], number]> = [
    ["a box then an arrow, one after the other", [box("b", [0.25, 0.25, 0.5, 0.5], 2), arrow("a", [0.5, 0.5], [0.6, 0.5], 3, 5)], 4],
    [
      "two arrows back to back",
      [arrow("a", [0.5, 0.5], [0.6, 0.5], 0, 2, "ease-in"), arrow("b", [0.5, 0.5], [0.5, 0.4], 2, 4, "ease-out")],
      3,
    ],
    ["two boxes", [box("b1", [0.25, 0.25, 0.5, 0.5], 2), box("b2", [0.4, 0.3, 0.25, 0.25], 5, "linear")], 3],
  ];
  it.each(composed)("without overlaps, one keyframe per boundary reproduces the path exactly: %s", (_, annotations, count) => {
    const d = compile(annotations);
    expect(d.camera.keyframes).toHaveLength(count);
    expect(maxError(d, annotations, 0, 6)).toBeLessThan(1e-12);
  });

  it("box + arrow overlapping: the arrow's displacement adds to the framing move, densified only where they overlap", () => {
    const annotations = [box("b", [0.25, 0.25, 0.5, 0.5], 4), arrow("a", [0.4, 0.5], [0.5, 0.5], 1, 3)];
    const d = compile(annotations);
    const ks = d.camera.keyframes;
    // [0,1] and [3,4] are parts of the box's ease-in-out move touching its ends: exactly ease-in and ease-out.
    expect(ks[1]).toMatchObject({ t: 1, ease: "ease-in" });
    expect(ks[ks.length - 1]).toMatchObject({ t: 4, ease: "ease-out", zoom: 2 });
    expect(ks[ks.length - 1]!.x).toBeCloseTo(0.6, 12);
    // (1, 3) is sampled on the 1/24 s grid with linear keyframes.
    const dense = ks.filter((k) => k.t > 1 && k.t <= 3);
    expect(dense).toHaveLength(48);
    for (const k of dense) {
      expect(k.ease).toBe("linear");
      expect(Math.abs(k.t * 24 - Math.round(k.t * 24))).toBeLessThan(1e-9);
      const want = expectedCamera(annotations, k.t);
      expect(k.x).toBeCloseTo(want.x, 12);
      expect(k.zoom).toBeCloseTo(want.zoom, 12);
    }
    expect(maxError(d, annotations, 0, 1)).toBeLessThan(1e-12);
    expect(maxError(d, annotations, 3, 6)).toBeLessThan(1e-12);
    expect(maxError(d, annotations, 1, 3)).toBeLessThan(1e-3);
  });

  it("two arrows overlapping in the same direction sum, densified over the overlap only", () => {
    const annotations = [arrow("a", [0.5, 0.5], [0.6, 0.5], 0, 2, "linear"), arrow("b", [0.5, 0.5], [0.55, 0.45], 1, 3, "linear")];
    const d = compile(annotations);
    const ts = d.camera.keyframes.map((k) => k.t);
    expect(ts.filter((t) => t > 1 && t < 2)).toHaveLength(23);
    expect(ts.filter((t) => (t > 0 && t < 1) || (t > 2 && t < 3))).toEqual([]);
    expect(maxError(d, annotations, 0, 6)).toBeLessThan(1e-12); // linear + linear is still linear between samples
    expect(codes(d)).toEqual(["leaves-frame"]); // a pan of the whole frame, not a clash between the two
  });

  it("part of an ease-in-out move that is not a half of it is densified too, never approximated by one keyframe", () => {
    const annotations = [arrow("a", [0.5, 0.5], [0.7, 0.5], 0, 4), arrow("b", [0.5, 0.5], [0.5, 0.6], 0.5, 1)];
    const d = compile(annotations);
    // [1, 4] is the part 0.25..1 of a's ease-in-out: no named ease is exactly that.
    expect(d.camera.keyframes.filter((k) => k.t > 1 && k.t < 4).length).toBeGreaterThan(60);
    expect(maxError(d, annotations, 0, 6)).toBeLessThan(1e-3);
  });

  it("a box at 0 s is where the take opens; two boxes at one time: the later-drawn wins", () => {
    const d = compile([box("open", [0, 0, 0.5, 0.5], 0), box("b1", [0, 0, 1, 1], 2), box("b2", [0.5, 0.5, 0.5, 0.5], 2)]);
    expect(d.camera.keyframes[0]).toEqual({ t: 0, x: 0.25, y: 0.25, zoom: 2, roll: 0, ease: "linear" });
    expect(d.camera.keyframes[1]).toMatchObject({ t: 2, x: 0.75, y: 0.75, zoom: 2 });
    expect(d.framing.map((f) => f.annotationId)).toEqual(["open", "b2"]);
  });

  it("a zero-length arrow is a cut: two keyframes at one instant", () => {
    const d = compile([arrow("cut", [0.4, 0.5], [0.6, 0.5], 2, 2)]);
    expect(d.camera.keyframes.map((k) => [k.t, k.x])).toEqual([
      [0, 0.5],
      [2, 0.5],
      [2, 0.7],
    ]);
    expect(cameraAt(d.camera.keyframes, 1.999).x).toBe(0.5);
    expect(cameraAt(d.camera.keyframes, 2).x).toBeCloseTo(0.7, 12);
  });

  it("does not densify past the take's end", () => {
    const d = compile([arrow("a", [0.5, 0.5], [0.6, 0.5], 0, 1000), arrow("b", [0.5, 0.5], [0.6, 0.5], 0, 900)], 4);
    expect(d.camera.keyframes.length).toBeLessThan(4 * 24 + 5);
    expect(codes(d)).toContain("beyond-duration");
  });
});

describe("compileDirection: framing, subjects, holds, notes", () => {
  it("framing lists the boxes in time order with their end-framing flag", () => {
    const d = compile([
      box("late", [0.2, 0.2, 0.5, 0.5], 4),
      { ...(box("early", [0.1, 0.1, 0.8, 0.8], 1) as object), endFraming: true } as AnnotationInput,
    ]);
    expect(d.framing).toEqual([
      { t: 1, rect: { x: 0.1, y: 0.1, w: 0.8, h: 0.8 }, annotationId: "early", endFraming: true },
      { t: 4, rect: { x: 0.2, y: 0.2, w: 0.5, h: 0.5 }, annotationId: "late", endFraming: false },
    ]);
  });

  it.each([
    ["no times: spread evenly over the duration", [[0.1, 0.5], [0.5, 0.5], [0.9, 0.5]], 4, [0, 2, 4]],
    ["given times kept", [[0.1, 0.5, 1], [0.9, 0.5, 3]], 4, [1, 3]],
    ["missing times spread between the given ones", [[0.1, 0.5], [0.2, 0.5, 1], [0.3, 0.5], [0.4, 0.5]], 4, [0, 1, 2.5, 4]],
    ["a missing time between two given ones", [[0.1, 0.5, 1], [0.2, 0.5], [0.3, 0.5, 2]], 4, [1, 1.5, 2]],
  ] as Array<[string, Array<[number, number, number?]>, number, number[]]>)("subject path, %s", (_, points, duration, times) => {
    const d = compile([path("p", points, "dog")], duration);
    expect(d.subjects).toEqual([{ annotationId: "p", label: "dog", points: points.map(([x, y], i) => ({ x, y, t: times[i] })) }]);
    expect(d.conflicts).toEqual([]);
  });

  it("holds and notes pass through", () => {
    const d = compile([
      { id: "h", kind: "hold", label: "sign", rect: { x: 0.1, y: 0.1, w: 0.2, h: 0.1 } },
      { id: "h2", kind: "hold", rect: { x: 0.5, y: 0.1, w: 0.2, h: 0.1 } },
      note("n", "make this lamp flicker"),
    ]);
    expect(d.holds).toEqual([
      { annotationId: "h", label: "sign", rect: { x: 0.1, y: 0.1, w: 0.2, h: 0.1 } },
      { annotationId: "h2", label: "", rect: { x: 0.5, y: 0.1, w: 0.2, h: 0.1 } },
    ]);
    expect(d.notes).toEqual([{ annotationId: "n", at: { x: 0.4, y: 0.6 }, text: "make this lamp flicker" }]);
    expect(d.camera.keyframes).toHaveLength(1);
  });

  it("parses and normalises annotations with the schema (defaults filled in)", () => {
    const d = compile([arrow("a", [0.5, 0.5], [0.6, 0.5], 0, 1), box("b", [0.25, 0.25, 0.5, 0.5], 2), path("p", [[0, 0], [1, 1]])]);
    expect(d.annotations[0]).toMatchObject({ ease: "ease-in-out" });
    expect(d.annotations[1]).toMatchObject({ ease: "ease-in-out", endFraming: false });
    expect(d.annotations[2]).toMatchObject({ label: "" });
  });

  it("rejects malformed annotations and a non-positive duration", () => {
    expect(() => compile([{ id: "b", kind: "framingBox", rect: { x: 0, y: 0, w: 0, h: 1 }, time: 1 } as AnnotationInput])).toThrow(ZodError);
    expect(() => compile([{ kind: "note", at: { x: 0, y: 0 }, text: "no id" } as unknown as AnnotationInput])).toThrow(ZodError);
    expect(() => compile([], 0)).toThrow(/positive number of seconds/);
  });
});

describe("compileDirection: conflicts", () => {
  it("opposing-moves: two overlapping arrows pulling more than 120° apart", () => {
    const d = compile([arrow("right", [0.4, 0.5], [0.5, 0.5], 1, 3), arrow("left", [0.5, 0.5], [0.4, 0.5], 2, 4)]);
    const c = d.conflicts.find((x) => x.code === "opposing-moves")!;
    expect(c.annotationIds).toEqual(["right", "left"]);
    expect(c.acceptableForGenerative).toBe(false);
    expect(c.message).toBe(
      'Camera move "right" (pans right) and camera move "left" (pans left) overlap from 2.0 s to 3.0 s and pull 180° apart, ' +
        "so they cancel each other out instead of reading as one move: move one of them in time or delete it.",
    );
  });

  const angle = (deg: number): [number, number] => [0.5 + 0.1 * Math.cos((deg * Math.PI) / 180), 0.5 - 0.1 * Math.sin((deg * Math.PI) / 180)];
  it.each([
    [90, 1, 3, 2, 4, false],
    [119, 1, 3, 2, 4, false],
    [121, 1, 3, 2, 4, true],
    [180, 1, 3, 3, 5, false], // touching in time is not overlapping
    [180, 1, 3, 5, 6, false],
  ])("arrows %d° apart over [%d, %d] and [%d, %d]: opposing = %s", (deg, s1, e1, s2, e2, opposing) => {
    const d = compile([arrow("a", [0.5, 0.5], angle(0), s1, e1), arrow("b", [0.5, 0.5], angle(deg), s2, e2)]);
    expect(codes(d).includes("opposing-moves")).toBe(opposing);
  });

  it("box-outside-frame: a box not fully inside the frame, naming the box and the edge", () => {
    const d = compile([box("wide", [0.7, 0.3, 0.4, 0.4], 2)]);
    const c = d.conflicts.find((x) => x.code === "box-outside-frame")!;
    expect(c.annotationIds).toEqual(["wide"]);
    expect(c.message).toMatch(/^Framing box "wide" reaches past the right edge of the frame/);
    expect(c.acceptableForGenerative).toBe(true);
    expect(codes(compile([box("ok", [0, 0, 1, 1], 2)]))).toEqual([]);
    expect(compile([box("big", [-0.1, -0.1, 1.2, 1.2], 2)]).conflicts[0]!.message).toMatch(/left, right, top and bottom edges/);
  });

  it("path-times-out-of-order: a subject path whose times go backwards", () => {
    const d = compile([path("p", [[0.1, 0.5, 1], [0.5, 0.5, 3], [0.9, 0.5, 2]], "dog")]);
    expect(d.conflicts).toEqual([
      {
        code: "path-times-out-of-order",
        message:
          'In subject path "dog", point 3 (2.0 s) comes before point 2 (3.0 s): a subject cannot go back in time or be in two places at once. Fix the points\' times.',
        annotationIds: ["p"],
        acceptableForGenerative: false,
      },
    ]);
    expect(d.subjects[0]!.points.map((p) => p.t)).toEqual([1, 3, 2]); // reported, not reordered
  });

  it("path-times-out-of-order: a camera move that ends before it starts", () => {
    const d = compile([arrow("back", [0.5, 0.5], [0.6, 0.5], 4, 2)]);
    expect(d.conflicts[0]).toMatchObject({ code: "path-times-out-of-order", annotationIds: ["back"] });
    expect(d.conflicts[0]!.message).toMatch(/^Camera move "back" ends \(2\.0 s\) before it starts \(4\.0 s\)/);
  });

  it("leaves-frame: the window goes past an edge; acceptable for generative, and says why", () => {
    const d = compile([arrow("pan", [0.3, 0.5], [0.6, 0.5], 1, 4)]);
    const c = d.conflicts.find((x) => x.code === "leaves-frame")!;
    expect(c.acceptableForGenerative).toBe(true);
    expect(c.annotationIds).toEqual(["pan"]);
    expect(c.message).toMatch(/past the right edge of the frame from 1\.0 s to 6\.0 s \(camera move "pan"\)/);
    expect(c.message).toMatch(/cannot show .* without inventing pixels/);
    expect(c.message).toMatch(/previz edge-extends it/);
    // Every sampled state it covers really is outside the frame.
    expect(windowLeavesFrame(cameraAt(d.camera.keyframes, 1.05))).toBe(true);
  });

  it("leaves-frame names the framing box the arrow pushes out", () => {
    const d = compile([box("b", [0.25, 0.25, 0.5, 0.5], 2), arrow("a", [0.5, 0.5], [0.8, 0.5], 3, 5)]);
    const c = d.conflicts.find((x) => x.code === "leaves-frame")!;
    expect(c.message).toMatch(/past the right edge of the frame from 4\.\d s to 6\.0 s \(framing box "b" and camera move "a"\)/);
    expect(c.annotationIds.sort()).toEqual(["a", "b"]);
  });

  it("no leaves-frame for a pan that stays inside a pushed-in window's room", () => {
    const d = compile([box("b", [0.25, 0.25, 0.5, 0.5], 1), arrow("a", [0.5, 0.5], [0.7, 0.5], 2, 4)]);
    expect(codes(d)).toEqual([]);
  });

  it.each([
    [arrow("a", [0.5, 0.5], [0.5, 0.6], 3, 7), /^Camera move "a" runs until 7\.0 s, but the take is 5\.0 s long/],
    [arrow("a", [0.5, 0.5], [0.5, 0.6], 6, 7), /^Camera move "a" starts at 6\.0 s, but the take is 5\.0 s long: none of it/],
    [box("b", [0.25, 0.25, 0.5, 0.5], 8), /^Framing box "b" is set for 8\.0 s, but the take is 5\.0 s long/],
    [path("p", [[0.1, 0.1], [0.2, 0.2, 6]]), /^Subject path "p" has point 2 \(6\.0 s\) after the take ends/],
  ])("beyond-duration: %o", (annotation, message) => {
    const d = compile([annotation], 5);
    const c = d.conflicts.find((x) => x.code === "beyond-duration")!;
    expect(c.annotationIds).toEqual([annotation.id]);
    expect(c.message).toMatch(message);
  });

  it("never resolves a conflict silently: every kind of drawn problem is reported with its annotation", () => {
    const d = compile(
      [
        arrow("r", [0.4, 0.5], [0.45, 0.5], 1, 3),
        arrow("l", [0.45, 0.5], [0.4, 0.5], 2, 4),
        box("out", [0.8, 0.8, 0.3, 0.3], 9),
        path("p", [[0, 0, 2], [1, 1, 1]]),
      ],
      5,
    );
    expect([...new Set(codes(d))].sort()).toEqual([
      "beyond-duration",
      "box-outside-frame",
      "leaves-frame",
      "opposing-moves",
      "path-times-out-of-order",
    ]);
    const named = (code: string): string[] => d.conflicts.filter((c) => c.code === code).flatMap((c) => c.annotationIds);
    expect(named("opposing-moves")).toEqual(["r", "l"]);
    expect(named("box-outside-frame")).toEqual(["out"]);
    expect(named("beyond-duration")).toEqual(["out"]);
    expect(named("path-times-out-of-order")).toEqual(["p"]);
  });
});

describe("compileDirection: summary", () => {
  it.each([
    [[], "static camera"],
    [[arrow("a", [0.3, 0.5], [0.6, 0.5], 1, 4)], "camera pans right 30% of the frame from 1.0 s to 4.0 s (ease-in-out)"],
    [[arrow("a", [0.6, 0.5], [0.5, 0.5], 0, 2.25, "linear")], "camera pans left 10% of the frame from 0.0 s to 2.3 s (linear)"],
    [[arrow("a", [0.5, 0.6], [0.5, 0.4], 0, 2, "ease-in")], "camera tilts up 20% of the frame from 0.0 s to 2.0 s (ease-in)"],
    [[arrow("a", [0.5, 0.4], [0.5, 0.55], 0, 2, "ease-out")], "camera tilts down 15% of the frame from 0.0 s to 2.0 s (ease-out)"],
    [[arrow("a", [0.5, 0.5], [0.6, 0.4], 1, 3)], "camera moves up-right 14% of the frame from 1.0 s to 3.0 s (ease-in-out)"],
    [[arrow("a", [0.5, 0.5], [0.4, 0.6], 1, 3)], "camera moves down-left 14% of the frame from 1.0 s to 3.0 s (ease-in-out)"],
    [[arrow("a", [0.5, 0.5], [0.6, 0.5], 2, 2)], "camera jumps right 10% of the frame at 2.0 s"],
    [[box("b", [0.25, 0.25, 0.5, 0.5], 5)], "push-in to the boxed region (2.0×) by 5.0 s"],
    [[box("b", [0.25, 0.25, 0.5, 0.5], 0)], "opens on the boxed region (2.0×)"],
    [
      [box("b1", [0.25, 0.25, 0.5, 0.5], 2), box("b2", [0.1, 0.1, 0.8, 0.8], 4)],
      "push-in to the boxed region (2.0×) by 2.0 s; pull-out to the boxed region (1.3×) by 4.0 s",
    ],
    [
      [
        note("n", "make this lamp flicker"),
        box("b", [0.25, 0.25, 0.5, 0.5], 5),
        arrow("a", [0.3, 0.5], [0.6, 0.5], 1, 4),
      ],
      'camera pans right 30% of the frame from 1.0 s to 4.0 s (ease-in-out); push-in to the boxed region (2.0×) by 5.0 s; note: "make this lamp flicker"',
    ],
    [[note("n", "rain starts")], 'static camera; note: "rain starts"'],
    [
      [path("p", [[0.1, 0.5], [0.9, 0.5]], "cyclist"), { id: "h", kind: "hold", label: "shop sign", rect: { x: 0, y: 0, w: 0.2, h: 0.2 } }],
      'static camera; subject "cyclist" follows its path from 0.0 s to 6.0 s; keep "shop sign" still',
    ],
  ] as Array<[AnnotationInput[], string]>)("%o → %s", (annotations, summary) => {
    expect(compile(annotations).summary).toBe(summary);
  });
});

describe("compileDirection: a Direction is data", () => {
  const drawings: AnnotationInput[][] = [
    [],
    [arrow("a", [0.3, 0.5], [0.6, 0.5], 1, 4), box("b", [0.25, 0.25, 0.5, 0.5], 5), note("n", "lamp flickers")],
    [box("b", [0.25, 0.25, 0.5, 0.5], 4), arrow("a", [0.4, 0.5], [0.5, 0.5], 1, 3), arrow("c", [0.5, 0.5], [0.45, 0.5], 2, 5)],
    [path("p", [[0.1, 0.2], [0.3, 0.4, 1], [0.5, 0.5]], "dog"), { id: "h", kind: "hold", rect: { x: 0, y: 0, w: 0.1, h: 0.1 } }],
    [arrow("cut", [0.5, 0.5], [0.4, 0.5], 0, 0), box("out", [-0.2, 0.5, 0.5, 0.6], 7)],
  ];

  it.each(drawings.map((d, i) => [i, d] as const))("drawing %i survives JSON, re-validates, and recompiles identically", (_, annotations) => {
    const d = compile(annotations);
    const json = JSON.parse(JSON.stringify(d)) as unknown;
    expect(Direction.parse(json)).toEqual(d);
    const again = compileDirection({ prompt: d.prompt, annotations: d.annotations, duration: d.duration });
    expect(again).toEqual(d);
    expect(compile(annotations)).toEqual(d);
  });

  // Speed (300 annotations in under 5 ms) is measured by `npm run bench`, not asserted here.
});
