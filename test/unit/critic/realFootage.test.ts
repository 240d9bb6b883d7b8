import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Critique, critiqueClip } from "../../../src/server/critic/index.js";
import { renderCase, scoreCase, TARGETS, TRUTH_CASES, type TruthCase } from "./truthSet.js";

// Real footage (test/fixtures/footage, CC BY 4.0 © Intel Corporation) with known moves laid over
// it: the subjects inside move on their own. Dev cases (seen while tuning, not the held-out rows
// the targets are judged on, which only the bench runs; docs/critic.md "Split").
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const byName = (name: string): TruthCase => {
  const c = TRUTH_CASES.find((x) => x.name === name);
  if (!c) throw new Error(`no truth case "${name}"`);
  return c;
};

async function run(name: string, width = 384) {
  const c = byName(name);
  const r = await renderCase(c, dir, width);
  const critique = await critiqueClip(r.clip, { direction: r.direction });
  return { c, r, critique, row: scoreCase(c, r, critique, critique.elapsed) };
}

describe("critic on real footage: the camera is the background, not the subject", () => {
  it("reads a static tripod shot as static while hands take and put back bottles", async () => {
    const { critique, row } = await run("bottles C static (a hand takes a bottle)");
    expect(row.split).toBe("dev");
    expect(row.worstPosition).toBeLessThan(TARGETS.staticPosition);
    expect(row.worstZoom).toBeLessThan(TARGETS.staticZoom);
    expect(critique.camera.measurable).toBe(true);
    const a = critique.adherence!;
    expect(a.staticDrift!).toBeLessThan(2);
    expect(a.staticMeasured).toBe(true);
    expect(critique.penalties.filter((p) => p.aspect === "static camera")).toEqual([]);
    expect(critique.critique).toBe("Does what was asked, cleanly.");
  });

  it("measures a push-in laid over the same footage within 10 % of its amount", async () => {
    const { critique, row } = await run("bottles C push-in 1.4");
    expect(row.kind).toBe("push");
    expect(Math.abs(row.amountError!)).toBeLessThan(TARGETS.amount);
    const box = critique.adherence!.framing;
    expect(box.map((b) => b.annotationId)).toEqual(["camera"]);
    expect(box[0]!.measurable).toBe(true);
    expect(Math.abs(box[0]!.zoomError)).toBeLessThan(5);
    expect(box[0]!.phrase).toMatch(/as asked$/);
  });

  it("measures a subject walking across a static shot within 15 % and 10°", async () => {
    const { critique, row } = await run("composite: torso walks right over bottles, static");
    expect(row.worstPosition).toBeLessThan(TARGETS.staticPosition);
    const a = critique.adherence!;
    // One result per drawn subject path, checked against the drawing.
    expect(a.subjects.map((s) => s.annotationId)).toEqual(["subject"]);
    const s = a.subjects[0]!;
    expect(s.measurable).toBe(true);
    expect(Math.abs(s.amountError!)).toBeLessThan(TARGETS.subjectAmount);
    expect(s.directionError!).toBeLessThan(TARGETS.subjectDirection);
    expect(Math.abs(s.timingError!)).toBeLessThan(0.3);
    expect(s.actual!.dx).toBeGreaterThan(0.35); // asked 0.25 → 0.70 of the frame, rightwards
    expect(s.phrase).toBe('"subject" follows its path');
    expect(critique.critique).toContain('"subject" follows its path');
    expect(a.notMeasured).toEqual([]);
  });

  it("measures a subject sliding left while the camera pans right: the camera's move is taken out of the subject's", async () => {
    // At the bench's size (480 px): at 384 the room's few corners are too soft to hold, and the
    // critic says it could not measure the camera instead.
    const { critique } = await run("composite: monitor slides left over the room, pan right", 480);
    const a = critique.adherence!;
    expect(a.cameraMoves.map((m) => m.annotationId)).toEqual(["camera"]);
    expect(a.cameraMoves[0]!.measurable).toBe(true);
    expect(a.cameraMoves[0]!.directionError).toBeLessThan(TARGETS.direction);
    expect(Math.abs(a.cameraMoves[0]!.amountError)).toBeLessThan(TARGETS.amount);
    expect(a.subjects.map((s) => s.annotationId)).toEqual(["subject"]);
    const s = a.subjects[0]!;
    expect(s.measurable).toBe(true);
    expect(s.actual!.dx).toBeLessThan(-0.25); // asked 0.70 → 0.35: leftwards, though the picture pans right
    expect(Math.abs(s.amountError!)).toBeLessThan(TARGETS.subjectAmount);
    expect(s.directionError!).toBeLessThan(TARGETS.subjectDirection);
  });

  it("says when the subject went the wrong way, and scores it down", async () => {
    // The same clip judged against a drawing that asked the subject to go left.
    const c = byName("composite: torso walks right over bottles, static");
    const r = await renderCase(c, dir, 384);
    // Same start, same length, leftwards: the subject did the opposite of what was asked.
    const asked = structuredClone(r.direction);
    const [p0, p1] = asked.subjects[0]!.points as [{ x: number; y: number; t: number }, { x: number; y: number; t: number }];
    asked.subjects[0]!.points = [p0, { ...p1, x: p0.x - (p1.x - p0.x), y: p0.y - (p1.y - p0.y) }];
    const critique = await critiqueClip(r.clip, { direction: asked });
    const s = critique.adherence!.subjects[0]!;
    expect(s.measurable).toBe(true);
    expect(s.directionError!).toBeGreaterThan(150);
    expect(s.phrase).toMatch(/^"subject" went (right|up-right|down-right), \d+° off its path/);
    expect(critique.penalties.some((p) => p.aspect === "subject subject")).toBe(true);
    expect(critique.score).toBeLessThan(85);
  });
});

describe("critic on real footage: honest confidence", () => {
  it("says the camera could not be measured when a large subject moves over a plain sky, and neither rewards nor punishes it", async () => {
    const { critique, row } = await run("composite: large subject over sky, static");
    expect(row.verdict).toBe("unmeasured");
    expect(critique.camera.measurable).toBe(false);
    expect(critique.camera.confidence!).toBeLessThan(0.5);
    expect(critique.camera.unmeasured).toMatch(/subject fills the frame/);
    const a = critique.adherence!;
    expect(a.staticMeasured).toBe(false);
    expect(critique.penalties.filter((p) => /static camera|jitter|subject/.test(p.aspect))).toEqual([]);
    expect(critique.critique).toMatch(/camera move could not be measured: the subject fills the frame/);
    // The subject under it cannot be placed either: said, not scored.
    expect(a.subjects).toHaveLength(1);
    expect(a.subjects[0]!.measurable).toBe(false);
    expect(a.subjects[0]!.phrase).toMatch(/could not be measured/);
  });

  it("does the same for a directed pan over that sky: the move is named, not judged", async () => {
    const { critique } = await run("composite: large subject over sky, pan");
    const m = critique.adherence!.cameraMoves;
    expect(m.map((x) => x.annotationId)).toEqual(["camera"]);
    expect(m[0]!.measurable).toBe(false);
    expect(m[0]!.phrase).toMatch(/^pan right asked, but the camera move could not be measured: /);
    expect(critique.penalties.filter((p) => p.aspect.startsWith("camera move"))).toEqual([]);
  });
});

describe("retake critic --json on real footage", () => {
  it("prints the camera's confidence and the subject path's result", async () => {
    const c = byName("composite: torso walks right over bottles, static");
    const r = await renderCase(c, dir, 384);
    const file = path.join(dir, "direction.json");
    fs.writeFileSync(file, JSON.stringify(r.direction));
    const bin = path.resolve(import.meta.dirname, "../../../bin/retake.mjs");
    const out = execFileSync(process.execPath, [bin, "critic", r.clip, "--direction", file, "--json"], { encoding: "utf8" });
    const critique = Critique.parse(JSON.parse(out));
    expect(critique.camera.measurable).toBe(true);
    expect(critique.camera.method).toBe("features");
    expect(critique.adherence!.subjects[0]!.measurable).toBe(true);
    const text = execFileSync(process.execPath, [bin, "critic", r.clip, "--direction", file], { encoding: "utf8" });
    expect(text).toMatch(/camera: measured \(confidence (0\.\d\d|1\.00)\)/);
    expect(text).toMatch(/subject "subject": follows its path/);
  });
});
