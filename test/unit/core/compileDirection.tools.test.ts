import { describe, expect, it } from "vitest";
import { Annotation, type AnnotationInput } from "../../../src/core/schemas/annotation.js";
import { Direction } from "../../../src/core/schemas/direction.js";
import { cameraAt, compileDirection } from "../../../src/core/direction/index.js";

/**
 * Table-driven: one drawing (or a combination) → what the Direction must say. Each row is what an
 * editor draws with one tool of the studio, and what they would check in the panel.
 */
const D = 6;
const compile = (annotations: AnnotationInput[], duration = D) => compileDirection({ prompt: "p", annotations, duration });

interface Row {
  name: string;
  annotations: AnnotationInput[];
  /** camera window centre/zoom at given times */
  camera?: Array<{ t: number; x?: number; y?: number; zoom?: number }>;
  summary?: string[];
  conflicts?: string[];
  subjects?: number;
  holds?: number;
  notes?: number;
}

/** Opens pushed in 2× on the centre, so moves of up to a quarter frame stay inside the still. */
const opening: AnnotationInput = { id: "open", kind: "framingBox", rect: { x: 0.25, y: 0.25, w: 0.5, h: 0.5 }, time: 0 };

const rows: Row[] = [
  {
    name: "camera move at 1×: any pan needs picture beyond the still",
    annotations: [{ id: "a", kind: "cameraMove", from: { x: 0.4, y: 0.5 }, to: { x: 0.6, y: 0.5 }, start: 1, end: 3 }],
    conflicts: ["leaves-frame"],
  },
  // camera move: the camera's own move; right arrow = window x increases (content goes left)
  {
    name: "camera move right",
    annotations: [opening, { id: "a", kind: "cameraMove", from: { x: 0.4, y: 0.5 }, to: { x: 0.6, y: 0.5 }, start: 1, end: 3, ease: "linear" }],
    camera: [{ t: 0, x: 0.5 }, { t: 1, x: 0.5 }, { t: 2, x: 0.6 }, { t: 3, x: 0.7 }, { t: 6, x: 0.7 }],
    summary: ["camera pans right 20% of the frame from 1.0 s to 3.0 s (linear)"],
    conflicts: [],
  },
  {
    name: "camera move up (tilt up: window y decreases)",
    annotations: [opening, { id: "a", kind: "cameraMove", from: { x: 0.5, y: 0.6 }, to: { x: 0.5, y: 0.5 }, start: 0, end: 2, ease: "linear" }],
    camera: [{ t: 1, y: 0.45 }, { t: 2, y: 0.4 }],
    summary: ["camera tilts up 10% of the frame"],
    conflicts: [],
  },
  {
    name: "framing box: push-in",
    annotations: [{ id: "b", kind: "framingBox", rect: { x: 0.25, y: 0.25, w: 0.5, h: 0.5 }, time: 4 }],
    camera: [{ t: 0, zoom: 1 }, { t: 4, zoom: 2, x: 0.5, y: 0.5 }, { t: 6, zoom: 2 }],
    summary: ["push-in to the boxed region (2.0×) by 4.0 s"],
    conflicts: [],
  },
  {
    name: "framing boxes at several times: keyframed move",
    annotations: [
      { id: "b1", kind: "framingBox", rect: { x: 0, y: 0, w: 0.5, h: 0.5 }, time: 2, ease: "linear" },
      { id: "b2", kind: "framingBox", rect: { x: 0.5, y: 0.5, w: 0.5, h: 0.5 }, time: 4, ease: "linear", endFraming: true },
    ],
    camera: [{ t: 2, x: 0.25, y: 0.25, zoom: 2 }, { t: 3, x: 0.5, y: 0.5, zoom: 2 }, { t: 4, x: 0.75, y: 0.75, zoom: 2 }],
    summary: ["reframe to the boxed region (2.0×) by 4.0 s"],
    conflicts: [],
  },
  {
    name: "subject path: times spread along it",
    annotations: [{ id: "s", kind: "subjectPath", label: "car", points: [{ x: 0.1, y: 0.5 }, { x: 0.5, y: 0.5 }, { x: 0.9, y: 0.5 }] }],
    summary: ['subject "car" follows its path from 0.0 s to 6.0 s'],
    conflicts: [],
    subjects: 1,
  },
  {
    name: "hold: a region",
    annotations: [{ id: "h", kind: "hold", label: "horizon", rect: { x: 0, y: 0.45, w: 1, h: 0.1 } }],
    summary: ['keep "horizon" still'],
    conflicts: [],
    holds: 1,
  },
  {
    name: "hold: a point",
    annotations: [{ id: "h", kind: "hold", label: "face", rect: { x: 0.48, y: 0.28, w: 0.04, h: 0.04 }, shape: "point" }],
    summary: ['pin "face" in place'],
    conflicts: [],
    holds: 1,
  },
  {
    name: "note",
    annotations: [{ id: "n", kind: "note", at: { x: 0.7, y: 0.2 }, text: "make this lamp flicker" }],
    summary: ['note: "make this lamp flicker"'],
    conflicts: [],
    notes: 1,
  },
  {
    name: "combination: push-in plus a pan, a hold and a note",
    annotations: [
      { id: "b", kind: "framingBox", rect: { x: 0.25, y: 0.25, w: 0.5, h: 0.5 }, time: 5 },
      { id: "a", kind: "cameraMove", from: { x: 0.5, y: 0.5 }, to: { x: 0.55, y: 0.5 }, start: 1, end: 3 },
      { id: "h", kind: "hold", label: "horizon", rect: { x: 0, y: 0.45, w: 1, h: 0.1 } },
      { id: "n", kind: "note", at: { x: 0.7, y: 0.2 }, text: "dusk" },
    ],
    camera: [{ t: 5, zoom: 2, x: 0.55 }],
    summary: ["camera pans right 5% of the frame from 1.0 s to 3.0 s", "push-in to the boxed region (2.0×) by 5.0 s", 'keep "horizon" still', 'note: "dusk"'],
    conflicts: [],
    holds: 1,
    notes: 1,
  },
  // conflicts
  {
    name: "conflict: opposing moves overlapping in time",
    annotations: [
      opening,
      { id: "r", kind: "cameraMove", from: { x: 0.4, y: 0.5 }, to: { x: 0.5, y: 0.5 }, start: 0, end: 3 },
      { id: "l", kind: "cameraMove", from: { x: 0.5, y: 0.5 }, to: { x: 0.4, y: 0.5 }, start: 1, end: 4 },
    ],
    conflicts: ["opposing-moves"],
  },
  {
    name: "no conflict: opposing moves one after the other",
    annotations: [
      opening,
      { id: "r", kind: "cameraMove", from: { x: 0.4, y: 0.5 }, to: { x: 0.5, y: 0.5 }, start: 0, end: 2 },
      { id: "l", kind: "cameraMove", from: { x: 0.5, y: 0.5 }, to: { x: 0.4, y: 0.5 }, start: 2, end: 4 },
    ],
    conflicts: [],
  },
  {
    name: "conflict: box outside the frame",
    annotations: [{ id: "b", kind: "framingBox", rect: { x: 0.8, y: 0.25, w: 0.4, h: 0.4 }, time: 3 }],
    conflicts: ["box-outside-frame", "leaves-frame"],
  },
  {
    name: "conflict: a path with times out of order",
    annotations: [{ id: "s", kind: "subjectPath", points: [{ x: 0.1, y: 0.5, t: 3 }, { x: 0.5, y: 0.5, t: 1 }] }],
    conflicts: ["path-times-out-of-order"],
    subjects: 1,
  },
  {
    name: "conflict: a move that leaves the frame",
    annotations: [{ id: "a", kind: "cameraMove", from: { x: 0.3, y: 0.5 }, to: { x: 0.6, y: 0.5 }, start: 0, end: 3 }],
    conflicts: ["leaves-frame"],
  },
];

describe("compileDirection: each tool and combinations (table)", () => {
  for (const row of rows) {
    it(row.name, () => {
      const d = compile(row.annotations);
      expect(Direction.parse(d)).toEqual(d);
      for (const c of row.camera ?? []) {
        const s = cameraAt(d.camera.keyframes, c.t);
        if (c.x !== undefined) expect(s.x, `x at ${c.t}`).toBeCloseTo(c.x, 6);
        if (c.y !== undefined) expect(s.y, `y at ${c.t}`).toBeCloseTo(c.y, 6);
        if (c.zoom !== undefined) expect(s.zoom, `zoom at ${c.t}`).toBeCloseTo(c.zoom, 6);
      }
      for (const words of row.summary ?? []) expect(d.summary).toContain(words);
      if (row.conflicts) expect(d.conflicts.map((c) => c.code)).toEqual(row.conflicts);
      expect(d.subjects).toHaveLength(row.subjects ?? 0);
      expect(d.holds).toHaveLength(row.holds ?? 0);
      expect(d.notes).toHaveLength(row.notes ?? 0);
      // Every conflict names at least one drawing, in words.
      for (const c of d.conflicts) {
        expect(c.annotationIds.length).toBeGreaterThan(0);
        expect(c.message.length).toBeGreaterThan(20);
      }
    });
  }
});

describe("compileDirection: accepting invented picture for generative providers", () => {
  const pan: AnnotationInput = { id: "a", kind: "cameraMove", from: { x: 0.3, y: 0.5 }, to: { x: 0.6, y: 0.5 }, start: 0, end: 3 };

  it("a leaves-frame conflict is marked accepted (still listed) once its move accepts invented picture", () => {
    const before = compile([pan]).conflicts.find((c) => c.code === "leaves-frame")!;
    expect(before.accepted).toBeUndefined();
    const after = compile([{ ...pan, acceptInvented: true }]).conflicts.find((c) => c.code === "leaves-frame")!;
    expect(after.accepted).toBe(true);
    expect(after.message).toBe(before.message);
  });

  it("a box outside the frame can be accepted too", () => {
    const d = compile([{ id: "b", kind: "framingBox", rect: { x: 0.8, y: 0.25, w: 0.4, h: 0.4 }, time: 3, acceptInvented: true }]);
    expect(d.conflicts.map((c) => [c.code, c.accepted])).toEqual([
      ["box-outside-frame", true],
      ["leaves-frame", true],
    ]);
  });

  it("never accepts a conflict a generative provider cannot fix, nor one named on a drawing that did not accept", () => {
    const d = compile([
      { id: "r", kind: "cameraMove", from: { x: 0.4, y: 0.5 }, to: { x: 0.5, y: 0.5 }, start: 0, end: 3, acceptInvented: true },
      { id: "l", kind: "cameraMove", from: { x: 0.5, y: 0.5 }, to: { x: 0.4, y: 0.5 }, start: 1, end: 4 },
    ]);
    expect(d.conflicts.find((c) => c.code === "opposing-moves")!.accepted).toBeUndefined();
  });
});

describe("compileDirection: round trips (save → restore → compile)", () => {
  const drawings: AnnotationInput[] = [
    { id: "a", kind: "cameraMove", from: { x: 0.3, y: 0.5 }, to: { x: 0.6, y: 0.45 }, start: 0.5, end: 3.25, ease: "ease-out", acceptInvented: true },
    { id: "b", kind: "framingBox", rect: { x: 0.2, y: 0.2, w: 0.5, h: 0.5 }, time: 4, endFraming: true },
    { id: "s", kind: "subjectPath", label: "dog", points: [{ x: 0.1, y: 0.8 }, { x: 0.4, y: 0.7, t: 2 }, { x: 0.9, y: 0.75 }] },
    { id: "h", kind: "hold", label: "", rect: { x: 0.49, y: 0.49, w: 0.02, h: 0.02 }, shape: "point" },
    { id: "n", kind: "note", at: { x: 0.2, y: 0.1 }, text: "lamp flickers" },
  ];

  it("annotations saved as JSON (as in the job record) and restored compile to the same Direction", () => {
    const first = compile(drawings, 5);
    const saved = JSON.stringify({ annotations: first.annotations, prompt: first.prompt, duration: first.duration });
    const restored = JSON.parse(saved) as { annotations: unknown[]; prompt: string; duration: number };
    const again = compileDirection({ prompt: restored.prompt, annotations: restored.annotations.map((a) => Annotation.parse(a)), duration: restored.duration });
    expect(again).toEqual(first);
  });

  it("the Direction itself survives JSON and the schema unchanged", () => {
    const d = compile(drawings, 5);
    expect(Direction.parse(JSON.parse(JSON.stringify(d)))).toEqual(d);
  });

  it("compiling the compiled annotations again is a fixed point", () => {
    const d = compile(drawings, 5);
    expect(compileDirection({ prompt: d.prompt, annotations: d.annotations, duration: d.duration })).toEqual(d);
  });
});
