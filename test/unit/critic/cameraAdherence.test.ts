import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cameraPathEvaluator } from "../../../src/core/direction/index.js";
import type { AnnotationInput } from "../../../src/core/schemas/annotation.js";
import { critiqueClip } from "../../../src/server/critic/index.js";
import { direction, renderTake, texturedStill } from "./helpers.js";

// Accuracy the issue asks for: direction within 5°, amount within 10 %, zoom within 5 %,
// timing within 0.2 s — on previz takes rendered here from a textured still with known moves.
let dir: string;
let still: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-"));
  still = texturedStill(dir);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const arrow = (id: string, from: [number, number], to: [number, number], start: number, end: number, ease: "linear" | "ease-in" | "ease-out" | "ease-in-out"): AnnotationInput => ({
  id,
  kind: "cameraMove",
  from: { x: from[0], y: from[1] },
  to: { x: to[0], y: to[1] },
  start,
  end,
  ease,
});
const box = (id: string, rect: [number, number, number, number], time: number, ease: "linear" | "ease-in-out" = "ease-in-out"): AnnotationInput => ({
  id,
  kind: "framingBox",
  rect: { x: rect[0], y: rect[1], w: rect[2], h: rect[3] },
  time,
  ease,
});

const moves: Array<{ name: string; annotations: AnnotationInput[]; duration: number }> = [
  { name: "pan right, linear", annotations: [arrow("pan", [0.4, 0.5], [0.6, 0.5], 0.2, 2.2, "linear")], duration: 2.5 },
  { name: "pan left, ease-in-out", annotations: [arrow("pan", [0.6, 0.5], [0.42, 0.5], 0.5, 2.0, "ease-in-out")], duration: 2.5 },
  { name: "tilt down, ease-out", annotations: [arrow("tilt", [0.5, 0.42], [0.5, 0.6], 0.0, 1.8, "ease-out")], duration: 2.5 },
  { name: "tilt up, ease-in", annotations: [arrow("tilt", [0.5, 0.6], [0.5, 0.42], 0.4, 2.4, "ease-in")], duration: 2.5 },
  { name: "diagonal up-left, ease-in-out", annotations: [arrow("diag", [0.58, 0.58], [0.42, 0.44], 0.3, 2.3, "ease-in-out")], duration: 2.5 },
  { name: "slow diagonal down-right, linear", annotations: [arrow("diag", [0.5, 0.5], [0.56, 0.54], 0.5, 2.5, "linear")], duration: 3 },
  { name: "push-in 2×, ease-in-out", annotations: [box("push", [0.3, 0.3, 0.5, 0.5], 2.0)], duration: 2.5 },
  { name: "push-in 1.5×, linear", annotations: [box("push", [0.2, 0.2, 2 / 3, 2 / 3], 2.5, "linear")], duration: 2.5 },
  { name: "pull-out from 2×", annotations: [box("open", [0.25, 0.25, 0.5, 0.5], 0), box("wide", [0.1, 0.1, 0.8, 0.8], 2.0)], duration: 2.5 },
  {
    name: "pan right with a push-in (combined)",
    annotations: [arrow("pan", [0.45, 0.5], [0.6, 0.5], 0.2, 2.2, "ease-in-out"), box("push", [0.2, 0.2, 0.6, 0.6], 2.2)],
    duration: 2.5,
  },
];

describe("critic: camera path and adherence on previz takes with known moves", () => {
  for (const move of moves) {
    it(move.name, async () => {
      const d = direction(move.annotations, move.duration);
      const clip = await renderTake(dir, still, d);
      const c = await critiqueClip(clip, { direction: d });
      const a = c.adherence!;

      // The measured path follows the directed one, frame by frame, in first-frame fractions.
      const at = cameraPathEvaluator(d.camera.keyframes);
      const s0 = at(0);
      let worstZoom = 0;
      let worstCentre = 0;
      for (const p of c.camera.path) {
        const e = at(p.t);
        worstZoom = Math.max(worstZoom, Math.abs(p.zoom / (e.zoom / s0.zoom) - 1));
        worstCentre = Math.max(worstCentre, Math.hypot(p.x - (0.5 + (e.x - s0.x) * s0.zoom), p.y - (0.5 + (e.y - s0.y) * s0.zoom)));
      }
      expect(worstZoom).toBeLessThan(0.05);
      expect(worstCentre).toBeLessThan(0.01);

      // Every drawn arrow and box has its own result, in drawing order, measured with confidence
      // (a critic that dropped one, e.g. a box when an arrow is also drawn, fails here).
      const arrows = move.annotations.filter((x) => x.kind === "cameraMove").map((x) => x.id);
      const boxes = move.annotations.filter((x) => x.kind === "framingBox").map((x) => x.id);
      expect(a.cameraMoves.map((m) => m.annotationId)).toEqual(arrows);
      expect(a.framing.map((b) => b.annotationId)).toEqual(boxes);
      expect(a.subjects).toEqual([]);
      expect(a.notMeasured).toEqual([]);
      for (const m of [...a.cameraMoves, ...a.framing]) {
        expect(m.measurable, m.phrase).toBe(true);
        expect(m.confidence!, m.phrase).toBeGreaterThanOrEqual(0.5);
      }
      expect(c.camera.measurable).toBe(true);

      for (const m of a.cameraMoves) {
        expect(m.directionError, m.phrase).toBeLessThan(5);
        expect(Math.abs(m.amountError), m.phrase).toBeLessThan(10);
        expect(Math.abs(m.timingError!), m.phrase).toBeLessThan(0.2);
        expect(m.phrase).toMatch(/as asked$/);
      }
      for (const b of a.framing) {
        expect(Math.abs(b.zoomError), b.phrase).toBeLessThan(5);
        expect(b.centreError, b.phrase).toBeLessThan(2);
        if (b.timingError !== null) expect(Math.abs(b.timingError), b.phrase).toBeLessThan(0.2);
      }
      expect(c.stability.cuts).toEqual([]);
      expect(c.score).toBeGreaterThanOrEqual(80);
    });
  }

  it("reports the camera's velocity and zoom rate with the right signs", async () => {
    // Pan right and down while pushing in: x and y increase, zoom increases.
    const d = direction([arrow("pan", [0.45, 0.45], [0.6, 0.55], 0, 2, "linear"), box("push", [0.25, 0.25, 0.5 / 0.75, 0.5 / 0.75], 2, "linear")], 2);
    const c = await critiqueClip(await renderTake(dir, still, d), { direction: d });
    expect(c.camera.velocity.x).toBeGreaterThan(0.05);
    expect(c.camera.velocity.y).toBeGreaterThan(0.03);
    expect(c.camera.zoomRate).toBeGreaterThan(0.1);
    expect(c.camera.path[0]).toEqual({ t: 0, x: 0.5, y: 0.5, zoom: 1, confidence: 1 });
  });

  it("says a move that is short and late is short and late, by how much", async () => {
    const asked = direction([arrow("pan", [0.4, 0.5], [0.6, 0.5], 0.2, 1.4, "ease-in-out")], 3);
    // What the take did: 65 % of the pan, starting 1.1 s late.
    const done = direction([arrow("pan", [0.4, 0.5], [0.53, 0.5], 1.3, 2.5, "ease-in-out")], 3);
    const c = await critiqueClip(await renderTake(dir, still, done), { direction: asked });
    const m = c.adherence!.cameraMoves[0]!;
    expect(m.directionError).toBeLessThan(5);
    expect(m.amountError).toBeGreaterThan(-45);
    expect(m.amountError).toBeLessThan(-25);
    expect(m.timingError!).toBeGreaterThan(0.9);
    expect(m.timingError!).toBeLessThan(1.3);
    expect(m.phrase).toBe("pan right as asked but 35% short and 1.1 s late");
    expect(c.critique).toContain("Pan right as asked but 35% short and 1.1 s late");
    expect(c.score).toBeLessThan(80);
  });

  it("says when the camera went the wrong way", async () => {
    const asked = direction([arrow("pan", [0.4, 0.5], [0.6, 0.5], 0, 2, "linear")], 2);
    const done = direction([arrow("tilt", [0.5, 0.42], [0.5, 0.6], 0, 2, "linear")], 2);
    const c = await critiqueClip(await renderTake(dir, still, done), { direction: asked });
    const m = c.adherence!.cameraMoves[0]!;
    expect(m.directionError).toBeGreaterThan(80);
    expect(m.phrase).toMatch(/^pan right asked, but it went down \(\d+° off\)/);
    expect(c.score).toBeLessThan(75);
  });

  it("says when a push-in falls short of the framing box", async () => {
    const asked = direction([box("push", [0.3, 0.3, 0.4, 0.4], 2)], 2.5); // 2.5×
    const done = direction([box("push", [0.25, 0.25, 0.5, 0.5], 2)], 2.5); // 2×
    const c = await critiqueClip(await renderTake(dir, still, done), { direction: asked });
    const b = c.adherence!.framing[0]!;
    expect(b.zoomError).toBeGreaterThan(-25);
    expect(b.zoomError).toBeLessThan(-15);
    expect(b.phrase).toContain("not pushed in 20% enough");
  });
});
