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
import type { Adherence, CameraMoveAdherence, FramingAdherence, HoldAdherence, SubjectPathAdherence } from "./critiqueSchema.js";
import type { SubjectTrack } from "./subjects.js";
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
  /** Followed subject paths (subjects.ts), one per direction subject. */
  subjects?: SubjectTrack[];
  /** Why the camera could not be measured where it could not, in words ("the subject fills the frame"). */
  cameraReason?: string;
}

/** Confidence at or over which a camera measurement is scored and acted on. */
export const CONFIDENT = 0.5;

/** Mean confidence of the path samples in [start, end] (1 for old paths without one). */
export function confidenceOver(path: readonly CameraSample[], start: number, end: number): number {
  const inside = path.filter((p, i) => i > 0 && p.t >= start - 1e-9 && p.t <= end + 1e-9);
  if (inside.length === 0) return path.length > 1 ? path[path.length - 1]!.confidence ?? 1 : 1;
  // The lower quartile: a move is only as well measured as its worst stretch, but one frame is not a stretch.
  const sorted = inside.map((p) => p.confidence ?? 1).sort((a, b) => a - b);
  return sorted[Math.floor(0.25 * (sorted.length - 1))]!;
}

export function measureAdherence({ direction, path, aspect, holds, subjects = [], cameraReason = "the background could not be seen well enough" }: AdherenceInput): Adherence {
  const unmeasured = (asked: string) => `${asked} asked, but the camera move could not be measured: ${cameraReason}`;
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
    const confidence = confidenceOver(path, ws, we);
    const measured = confidence >= CONFIDENT;
    return {
      annotationId: m.a.id,
      kind: "cameraMove" as const,
      confidence: round(confidence, 3),
      measurable: measured,
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
      phrase: measured ? describeMove(asked, directionWord(md.x, md.y), dirErr, amountErr, timingError, moved) : unmeasured(asked),
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
    const confidence = confidenceOver(path, Math.max(0, prevT - 0.5), Math.min(clipEnd, box.t + 0.5));
    const measured = confidence >= CONFIDENT;
    return {
      annotationId: box.annotationId,
      kind: "framingBox" as const,
      confidence: round(confidence, 3),
      measurable: measured,
      t: box.t,
      expected: { x: round(ask.x, 4), y: round(ask.y, 4), zoom: round(ask.zoom, 4) },
      measured: { x: round(got.x, 4), y: round(got.y, 4), zoom: round(got.zoom, 4) },
      centreError: round(centreError, 2),
      zoomError: round(zoomError, 2),
      boxError: round(boxError, 2),
      timingError,
      phrase: !measured
        ? unmeasured(`${what} at ${box.t.toFixed(1)} s`)
        : faults.length === 0
          ? `${what} at ${box.t.toFixed(1)} s as asked`
          : `${what} at ${box.t.toFixed(1)} s ${faults.join(", ")}`,
    };
  });

  const moving = direction.camera.keyframes.some((k) => {
    const f = direction.camera.keyframes[0]!;
    return k.x !== f.x || k.y !== f.y || k.zoom !== f.zoom || k.roll !== f.roll;
  });
  const staticDrift = moving
    ? null
    : round(Math.max(0, ...path.map((p) => (Math.hypot((p.x - 0.5) * aspect, p.y - 0.5) / aspect) * 100 + Math.abs(Math.log(p.zoom)) * 100)), 2);

  const staticMeasured = moving ? undefined : confidenceOver(path, 0, clipEnd) >= CONFIDENT;

  const pathError =
    path.length === 0
      ? 0
      : Math.sqrt(path.reduce((s, p, i) => s + ((p.x - expected[i]!.x) * aspect) ** 2 + (p.y - expected[i]!.y) ** 2, 0) / path.length) / aspect * 100;

  return {
    cameraMoves,
    framing,
    holds,
    subjects: direction.subjects.map((s) => subjectAdherence(s, subjects.find((x) => x.annotationId === s.annotationId), toFirst, path, aspect, clipEnd, cameraReason)),
    staticDrift,
    ...(staticMeasured === undefined ? {} : { staticMeasured }),
    pathError: round(pathError, 2),
    notMeasured: direction.annotations.filter((a) => a.kind === "note").map((a) => a.id),
  };
}

/**
 * A subject path against what was followed: direction, amount and timing like a camera move, in
 * picture space, over the path's span plus a slack of max(1.5 s, its length) for a late subject.
 */
function subjectAdherence(
  s: Direction["subjects"][number],
  track: SubjectTrack | undefined,
  toFirst: (c: CameraState) => { x: number; y: number; zoom: number },
  path: readonly CameraSample[],
  aspect: number,
  clipEnd: number,
  cameraReason: string,
): SubjectPathAdherence {
  const pts = s.points.map((p) => ({ ...toFirst({ x: p.x, y: p.y, zoom: 1, roll: 0 }), t: p.t }));
  const first = pts[0]!;
  const last = pts[pts.length - 1]!;
  const expected = { dx: round(last.x - first.x, 5), dy: round(last.y - first.y, 5), start: first.t, end: last.t };
  const name = s.label ? `"${s.label}"` : "the subject";
  const slack = Math.max(1.5, last.t - first.t);
  const windowEnd = Math.min(clipEnd, last.t + slack);
  const cameraConfidence = confidenceOver(path, first.t, windowEnd);
  const samples = (track?.samples ?? []).filter((p) => p.t <= windowEnd + 1e-9);
  const course = samples.filter((_, i) => i % 3 === 0 || i === samples.length - 1).map((p) => ({ t: round(p.t, 3), x: round(p.x, 4), y: round(p.y, 4) }));
  const base = { annotationId: s.annotationId, kind: "subjectPath" as const, label: s.label, expected, course };
  if (!track || samples.length < 2) {
    const why = track?.lost ?? "it was not found";
    return { ...base, actual: null, directionError: null, amountError: null, timingError: null, confidence: 0, measurable: false, phrase: `${name}'s path could not be measured: ${why}` };
  }
  // Share of the asked span the subject was followed for.
  const followedTo = samples[samples.length - 1]!.t;
  const kept = Math.max(0, Math.min(1, (followedTo - first.t) / Math.max(1e-6, last.t - first.t)));
  const confidence = cameraConfidence * kept;
  const m0 = samples[0]!;
  const m1 = samples[samples.length - 1]!;
  const md = { x: m1.x - m0.x, y: m1.y - m0.y };
  const mpx = { x: md.x * aspect, y: md.y };
  const dpx = { x: expected.dx * aspect, y: expected.dy };
  const ml = Math.hypot(mpx.x, mpx.y);
  const dl = Math.hypot(dpx.x, dpx.y);
  const moved = ml > Math.max(0.1 * dl, 0.01 * aspect);
  const cos = (mpx.x * dpx.x + mpx.y * dpx.y) / (ml * dl || 1);
  const directionError = dl < 1e-6 ? 0 : moved ? (Math.acos(Math.max(-1, Math.min(1, cos))) * 180) / Math.PI : 180;
  const amountError = dl < 1e-6 ? 0 : (ml / dl - 1) * 100;
  // Timing: the asked course (linear between points) and the followed one, on the same times.
  const times = samples.map((p) => p.t);
  const askedAt = (t: number) => {
    if (t <= first.t) return first;
    for (let i = 1; i < pts.length; i++) {
      if (t <= pts[i]!.t) {
        const u = (t - pts[i - 1]!.t) / Math.max(1e-9, pts[i]!.t - pts[i - 1]!.t);
        return { x: pts[i - 1]!.x + (pts[i]!.x - pts[i - 1]!.x) * u, y: pts[i - 1]!.y + (pts[i]!.y - pts[i - 1]!.y) * u };
      }
    }
    return last;
  };
  const timing = moved && dl > 1e-6 ? timingOf(times, samples, times.map(askedAt), aspect) : null;
  const timingError = timing ? diff(timing.t50, timing.e50) : null;
  const measured = confidence >= CONFIDENT;
  let phrase: string;
  if (!measured) {
    phrase = cameraConfidence < CONFIDENT ? `${name}'s path could not be measured: the camera under it was not (${cameraReason})` : `${name}'s path could not be measured: ${track.lost ?? "it was followed for too little of it"}`;
  } else if (dl < 1e-6) {
    phrase = moved ? `${name} should stay put but moved ${Math.round((ml / aspect) * 100)}% of the frame` : `${name} stays put as asked`;
  } else if (!moved) {
    phrase = `${name} should move ${directionWord(expected.dx, expected.dy).replace(/^(pan|tilt|move) /, "")} but stayed put`;
  } else {
    const faults: string[] = [];
    if (Math.abs(amountError) > 15) faults.push(`${Math.round(Math.abs(amountError))}% ${amountError < 0 ? "short" : "too far"}`);
    if (timingError !== null && Math.abs(timingError) > 0.3) faults.push(`${seconds(timingError)} ${timingError > 0 ? "late" : "early"}`);
    const way = directionWord(md.x, md.y).replace(/^(pan|tilt|move) /, "");
    const head = directionError <= 10 ? `${name} follows its path` : `${name} went ${way}, ${Math.round(directionError)}° off its path`;
    phrase = faults.length ? `${head}${directionError <= 10 ? " but" : ";"} ${faults.join(" and ")}` : head;
  }
  return {
    ...base,
    actual: {
      dx: round(md.x, 5),
      dy: round(md.y, 5),
      start: timing?.t10 === undefined || timing?.t10 === null ? null : round(timing.t10, 3),
      end: timing?.t90 === undefined || timing?.t90 === null ? null : round(timing.t90, 3),
    },
    directionError: round(directionError, 2),
    amountError: round(amountError, 2),
    timingError,
    confidence: round(confidence, 3),
    measurable: measured,
    phrase,
  };
}
