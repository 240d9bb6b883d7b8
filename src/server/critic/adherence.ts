/**
 * Adherence: the measured camera path against the direction, annotation by annotation.
 *
 * Both paths are compared in the take's first-frame fractions: the direction's windows (still
 * fractions) are re-expressed relative to its own window at t = 0, which is the take's first frame.
 *
 * A camera move's own part of the measured path is isolated by subtracting what every *other*
 * annotation asked for (the compiler composes moves additively, so this undoes exactly the other
 * moves when they were done as asked). Over a window around the move (its span plus a slack of
 * max(1.5 s, its length) each side, so late or early moves are still caught) that gives:
 * - direction error: angle between asked and measured displacement, in picture space (pixels);
 * - amount error: measured length / asked length − 1;
 * - timing: when the measured move is 10 %, 50 % and 90 % done against when the directed one is
 *   (each along its own direction), so a move that is short but on time is not called late.
 * Framing boxes: the measured window at the box's time against the box's window (centre, zoom and
 * corners), and for a box that moves the camera, the timing of that move (zoom progress when the
 * zoom changes, else centre progress).
 */
import { cameraPathEvaluator } from "../../core/direction/cameraPath.js";
import type { CameraState, Direction } from "../../core/schemas/direction.js";
import type { CameraSample } from "./cameraTracker.js";
import type { Adherence, CameraMoveAdherence, FramingAdherence, HoldAdherence } from "./critiqueSchema.js";
import { applyEase } from "../../core/direction/ease.js";
import { round } from "./stability.js";

interface Vec {
  x: number;
  y: number;
}

/** Direction windows → first-frame fractions. */
export function firstFrameMapper(direction: Direction): (s: CameraState) => { x: number; y: number; zoom: number } {
  const s0 = cameraPathEvaluator(direction.camera.keyframes)(0);
  return (s) => ({ x: 0.5 + (s.x - s0.x) * s0.zoom, y: 0.5 + (s.y - s0.y) * s0.zoom, zoom: s.zoom / s0.zoom });
}

/** Linear interpolation of the measured path at time t (clamped to the clip). */
export function pathAt(path: readonly CameraSample[], t: number): { x: number; y: number; zoom: number } {
  if (path.length === 0) return { x: 0.5, y: 0.5, zoom: 1 };
  if (t <= path[0]!.t) return path[0]!;
  const last = path[path.length - 1]!;
  if (t >= last.t) return last;
  let lo = 0;
  let hi = path.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (path[mid]!.t <= t) lo = mid;
    else hi = mid;
  }
  const a = path[lo]!;
  const b = path[hi]!;
  const u = (t - a.t) / (b.t - a.t);
  return { x: a.x + (b.x - a.x) * u, y: a.y + (b.y - a.y) * u, zoom: Math.exp(Math.log(a.zoom) + (Math.log(b.zoom) - Math.log(a.zoom)) * u) };
}

/** First time a 1-D progress series crosses `level` (linear between samples), or null. */
function crossing(times: number[], values: number[], level: number): number | null {
  if (values.length === 0) return null;
  if (values[0]! >= level) return times[0]!;
  for (let i = 1; i < values.length; i++) {
    const a = values[i - 1]!;
    const b = values[i]!;
    if (b >= level && a < level) return times[i - 1]! + ((level - a) / (b - a)) * (times[i]! - times[i - 1]!);
  }
  return null;
}

/** Progress 0..1 along `dir` of a displacement series from its first value. */
function progressAlong(series: Vec[], dir: Vec, length: number): number[] {
  const o = series[0]!;
  return series.map((v) => ((v.x - o.x) * dir.x + (v.y - o.y) * dir.y) / length);
}

function timingOf(times: number[], measured: Vec[], expected: Vec[], aspect: number): { t10: number | null; t50: number | null; t90: number | null; e10: number | null; e50: number | null; e90: number | null } {
  const toPx = (v: Vec): Vec => ({ x: v.x * aspect, y: v.y });
  const m = measured.map(toPx);
  const e = expected.map(toPx);
  const md = { x: m[m.length - 1]!.x - m[0]!.x, y: m[m.length - 1]!.y - m[0]!.y };
  const ed = { x: e[e.length - 1]!.x - e[0]!.x, y: e[e.length - 1]!.y - e[0]!.y };
  const ml = Math.hypot(md.x, md.y);
  const el = Math.hypot(ed.x, ed.y);
  const none = { t10: null, t50: null, t90: null, e10: null, e50: null, e90: null };
  if (ml < 1e-4 || el < 1e-6) return none;
  const mp = progressAlong(m, { x: md.x / ml, y: md.y / ml }, ml);
  const ep = progressAlong(e, { x: ed.x / el, y: ed.y / el }, el);
  return {
    t10: crossing(times, mp, 0.1),
    t50: crossing(times, mp, 0.5),
    t90: crossing(times, mp, 0.9),
    e10: crossing(times, ep, 0.1),
    e50: crossing(times, ep, 0.5),
    e90: crossing(times, ep, 0.9),
  };
}

const diff = (a: number | null, b: number | null): number | null => (a === null || b === null ? null : round(a - b, 3));

function directionWord(dx: number, dy: number): string {
  const angle = (Math.atan2(-dy, dx) * 180) / Math.PI;
  const a = Math.abs(angle);
  if (a <= 22.5) return "pan right";
  if (a >= 157.5) return "pan left";
  if (a >= 67.5 && a <= 112.5) return angle > 0 ? "tilt up" : "tilt down";
  return `move ${angle > 0 ? "up" : "down"}-${a < 90 ? "right" : "left"}`;
}

const seconds = (s: number): string => `${Math.abs(s).toFixed(1)} s`;

export function describeMove(asked: string, measuredWord: string, dirErr: number, amountErr: number, timingErr: number | null, moved: boolean): string {
  if (!moved) return `${asked} asked, but the camera did not move`;
  const faults: string[] = [];
  if (Math.abs(amountErr) > 10) faults.push(`${Math.round(Math.abs(amountErr))}% ${amountErr < 0 ? "short" : "too far"}`);
  if (timingErr !== null && Math.abs(timingErr) > 0.2) faults.push(`${seconds(timingErr)} ${timingErr > 0 ? "late" : "early"}`);
  const head = dirErr <= 15 ? `${asked} as asked` : `${asked} asked, but it went ${measuredWord.replace(/^(pan|tilt|move) /, "")} (${Math.round(dirErr)}° off)`;
  if (faults.length === 0) return head;
  return `${head}${dirErr <= 15 ? " but" : ";"} ${faults.join(" and ")}`;
}

export interface AdherenceInput {
  direction: Direction;
  path: CameraSample[];
  /** Frame width / height. */
  aspect: number;
  holds: HoldAdherence[];
}

export function measureAdherence({ direction, path, aspect, holds }: AdherenceInput): Adherence {
  const toFirst = firstFrameMapper(direction);
  const expectedAt = cameraPathEvaluator(direction.camera.keyframes);
  const s0 = expectedAt(0);
  const times = path.map((p) => p.t);
  const clipEnd = times[times.length - 1] ?? 0;
  const expected = times.map((t) => toFirst(expectedAt(t)));

  const arrows = direction.annotations
    .filter((a) => a.kind === "cameraMove")
    .map((a) => ({
      a,
      start: Math.min(a.start, a.end),
      end: Math.max(a.start, a.end),
      d: { x: (a.to.x - a.from.x) * s0.zoom, y: (a.to.y - a.from.y) * s0.zoom },
    }))
    .filter((m) => m.d.x !== 0 || m.d.y !== 0);
  const contribution = (m: (typeof arrows)[number], t: number): Vec => {
    const p = m.end > m.start ? applyEase(m.a.ease, (t - m.start) / (m.end - m.start)) : t >= m.start ? 1 : 0;
    return { x: m.d.x * p, y: m.d.y * p };
  };

  const cameraMoves: CameraMoveAdherence[] = arrows.map((m) => {
    const slack = Math.max(1.5, m.end - m.start);
    const ws = Math.max(0, m.start - slack);
    const we = Math.min(clipEnd, m.end + slack);
    const idx = times.map((t, i) => (t >= ws - 1e-9 && t <= we + 1e-9 ? i : -1)).filter((i) => i >= 0);
    const win = idx.map((i) => times[i]!);
    const own = idx.map((i) => contribution(m, times[i]!));
    const residual = idx.map((i) => {
      const c = own[idx.indexOf(i)]!;
      const e = expected[i]!;
      const p = path[i]!;
      return { x: p.x - (e.x - c.x), y: p.y - (e.y - c.y) };
    });
    const first = residual[0] ?? { x: 0, y: 0 };
    const last = residual[residual.length - 1] ?? { x: 0, y: 0 };
    const md = { x: last.x - first.x, y: last.y - first.y };
    const mpx = { x: md.x * aspect, y: md.y };
    const dpx = { x: m.d.x * aspect, y: m.d.y };
    const ml = Math.hypot(mpx.x, mpx.y);
    const dl = Math.hypot(dpx.x, dpx.y);
    const moved = ml > Math.max(0.1 * dl, 0.005 * aspect);
    const cos = (mpx.x * dpx.x + mpx.y * dpx.y) / (ml * dl || 1);
    const dirErr = moved ? (Math.acos(Math.max(-1, Math.min(1, cos))) * 180) / Math.PI : 180;
    const amountErr = (ml / dl - 1) * 100;
    const timing = moved && residual.length > 1 ? timingOf(win, residual, own, aspect) : { t10: null, t50: null, t90: null, e10: null, e50: null, e90: null };
    const timingError = diff(timing.t50, timing.e50);
    const startError = diff(timing.t10, timing.e10);
    const endError = diff(timing.t90, timing.e90);
    const asked = directionWord(m.d.x, m.d.y);
    return {
      annotationId: m.a.id,
      kind: "cameraMove" as const,
      expected: { dx: round(m.d.x, 5), dy: round(m.d.y, 5), start: m.start, end: m.end },
      measured: {
        dx: round(md.x, 5),
        dy: round(md.y, 5),
        start: startError === null ? null : round(m.start + startError, 3),
        end: endError === null ? null : round(m.end + endError, 3),
      },
      directionError: round(dirErr, 2),
      amountError: round(amountErr, 2),
      timingError,
      startError,
      endError,
      phrase: describeMove(asked, directionWord(md.x, md.y), dirErr, amountErr, timingError, moved),
    };
  });

  // The framing part of the path: everything the direction asked for minus the arrows.
  const arrowsAt = (t: number): Vec => arrows.reduce((s, m) => {
    const c = contribution(m, t);
    return { x: s.x + c.x, y: s.y + c.y };
  }, { x: 0, y: 0 });

  const framing: FramingAdherence[] = direction.framing.map((box, k) => {
    // The compiled window at the box's time: the box's window plus any arrow under way then
    // (the compiler composes them additively; the editor drew both).
    const ask = toFirst(expectedAt(box.t));
    const at = Math.min(box.t, clipEnd);
    const got = pathAt(path, at);
    const centreError = (Math.hypot((got.x - ask.x) * aspect, got.y - ask.y) / aspect) * 100;
    const zoomError = (got.zoom / ask.zoom - 1) * 100;
    const corners = (w: { x: number; y: number; zoom: number }) =>
      [-1, 1].flatMap((sx) => [-1, 1].map((sy) => ({ x: (w.x + sx / (2 * w.zoom)) * aspect, y: w.y + sy / (2 * w.zoom) })));
    const ca = corners(ask);
    const cg = corners(got);
    const boxError = (ca.reduce((s, c, i) => s + Math.hypot(c.x - cg[i]!.x, c.y - cg[i]!.y), 0) / 4 / aspect) * 100;

    // Timing of the move into this box (from the previous box, or the take's start).
    const prevT = k > 0 ? direction.framing[k - 1]!.t : 0;
    let timingError: number | null = null;
    if (box.t > prevT) {
      const slack = Math.max(1.5, box.t - prevT);
      const ws = Math.max(0, prevT - slack);
      const we = Math.min(clipEnd, box.t + slack);
      const idx = times.map((t, i) => (t >= ws - 1e-9 && t <= we + 1e-9 ? i : -1)).filter((i) => i >= 0);
      const win = idx.map((i) => times[i]!);
      const ez = idx.map((i) => Math.log(expected[i]!.zoom));
      const mz = idx.map((i) => Math.log(path[i]!.zoom));
      const zoomChange = ez.length > 1 ? ez[ez.length - 1]! - ez[0]! : 0;
      if (Math.abs(zoomChange) > Math.log(1.05)) {
        const norm = (xs: number[], span: number) => xs.map((v) => (v - xs[0]!) / span);
        const mspan = mz[mz.length - 1]! - mz[0]!;
        if (Math.abs(mspan) > Math.abs(zoomChange) * 0.1) {
          const sign = Math.sign(zoomChange);
          timingError = diff(crossing(win, norm(mz, mspan).map((v) => v * Math.sign(mspan) * sign), 0.5), crossing(win, norm(ez, zoomChange), 0.5));
        }
      } else if (win.length > 1) {
        const res = idx.map((i) => {
          const a = arrowsAt(times[i]!);
          return { x: path[i]!.x - a.x, y: path[i]!.y - a.y };
        });
        const exp = idx.map((i) => {
          const a = arrowsAt(times[i]!);
          return { x: expected[i]!.x - a.x, y: expected[i]!.y - a.y };
        });
        const t = timingOf(win, res, exp, aspect);
        timingError = diff(t.t50, t.e50);
      }
    }
    const faults: string[] = [];
    if (Math.abs(zoomError) > 5) faults.push(`${zoomError < 0 ? "not pushed in" : "pushed in"} ${Math.round(Math.abs(zoomError))}% ${zoomError < 0 ? "enough" : "too far"}`);
    if (centreError > 3) faults.push(`centred ${centreError.toFixed(0)}% of the frame off the box`);
    if (timingError !== null && Math.abs(timingError) > 0.2) faults.push(`${seconds(timingError)} ${timingError > 0 ? "late" : "early"}`);
    const what = ask.zoom > 1.02 ? "framing on the box" : "framing box";
    return {
      annotationId: box.annotationId,
      kind: "framingBox" as const,
      t: box.t,
      expected: { x: round(ask.x, 4), y: round(ask.y, 4), zoom: round(ask.zoom, 4) },
      measured: { x: round(got.x, 4), y: round(got.y, 4), zoom: round(got.zoom, 4) },
      centreError: round(centreError, 2),
      zoomError: round(zoomError, 2),
      boxError: round(boxError, 2),
      timingError,
      phrase: faults.length === 0 ? `${what} at ${box.t.toFixed(1)} s as asked` : `${what} at ${box.t.toFixed(1)} s ${faults.join(", ")}`,
    };
  });

  const moving = direction.camera.keyframes.some((k) => {
    const f = direction.camera.keyframes[0]!;
    return k.x !== f.x || k.y !== f.y || k.zoom !== f.zoom || k.roll !== f.roll;
  });
  const staticDrift = moving
    ? null
    : round(Math.max(0, ...path.map((p) => (Math.hypot((p.x - 0.5) * aspect, p.y - 0.5) / aspect) * 100 + Math.abs(Math.log(p.zoom)) * 100)), 2);

  const pathError =
    path.length === 0
      ? 0
      : Math.sqrt(path.reduce((s, p, i) => s + ((p.x - expected[i]!.x) * aspect) ** 2 + (p.y - expected[i]!.y) ** 2, 0) / path.length) / aspect * 100;

  return {
    cameraMoves,
    framing,
    holds,
    staticDrift,
    pathError: round(pathError, 2),
    notMeasured: direction.annotations.filter((a) => a.kind === "subjectPath" || a.kind === "note").map((a) => a.id),
  };
}
