import { z } from "zod";
import {
  Annotation,
  type AnnotationInput,
  type CameraMoveAnnotation,
  type Ease,
  type FramingBoxAnnotation,
  type HoldAnnotation,
  type NoteAnnotation,
  type SubjectPathAnnotation,
} from "../schemas/annotation.js";
import type { CameraKeyframe, CameraState, Conflict, Direction } from "../schemas/direction.js";
import { cameraPathEvaluator, DEFAULT_FRAME_ASPECT, edgesCrossed } from "./cameraPath.js";
import { applyEase } from "./ease.js";

/**
 * The direction compiler: what the editor drew (annotations) → one provider-neutral Direction.
 *
 * Camera model. The camera is a view window over the captured still (CONVENTIONS.md). Its path is
 *   C(t) = F(t) + Σ arrows A_i(t)
 * where F is the framing path (start state, then one keyframe per framing box, each reached with
 * the box's ease) and A_i(t) = (dx, dy) · ease_i((t − start_i) / (end_i − start_i)) is an arrow's
 * own displacement, zero before it starts and complete after it ends. Arrows move the centre
 * only; zoom and roll come from framing.
 *
 * Keyframes. C is turned into keyframes that reproduce it exactly wherever one keyframe can:
 * every start/end of a move is a boundary, and between two boundaries where a single move is under
 * way the arriving keyframe carries that move's ease (or, when the span is only part of the move,
 * the ease that part is exactly: the first half of ease-in-out is ease-in, any leading part of
 * ease-in is ease-in, …). Where moves overlap in time (an arrow with another arrow, or an arrow
 * with a framing move) no single ease describes the sum, so that span is densified: linear
 * keyframes on the global 1/24 s grid, each computed from the exact composed C(t). Densifying
 * stops at the take's end; past it (a conflict anyway) only boundaries are kept.
 */

export interface DirectionInput {
  prompt: string;
  annotations: readonly AnnotationInput[];
  duration: number;
}

export interface CompileContext {
  /** The captured frame's size in pixels; only its aspect is used (rolled-window geometry). */
  frameSize?: { width: number; height: number };
}

/** Overlapping moves are sampled with a keyframe every 1/24 s. */
export const DENSE_KEYFRAMES_PER_SECOND = 24;
const DENSE_RATE = DENSE_KEYFRAMES_PER_SECOND;
/** Times closer than this are the same instant (they come from the editor's drawing, not from frames). */
const TIME_EPSILON = 1e-9;
/** Two overlapping arrows whose directions differ by more than this pull against each other. */
export const OPPOSING_ANGLE_DEGREES = 120;

const START_STATE: CameraState = { x: 0.5, y: 0.5, zoom: 1, roll: 0 };
const Annotations = z.array(Annotation);

// ---------------------------------------------------------------------------------------------
// small helpers

/** Removes -0 so a Direction survives JSON and compares deep-equal after a round trip. */
const clean = (n: number): number => (n === 0 ? 0 : n);
const seconds = (t: number): string => `${t.toFixed(1)} s`;
const percent = (fraction: number): string => {
  const p = Math.round(fraction * 100);
  return p === 0 && fraction > 0 ? "<1%" : `${p}%`;
};
const quote = (s: string): string => JSON.stringify(s);

function listWords(words: readonly string[]): string {
  if (words.length <= 1) return words.join("");
  return `${words.slice(0, -1).join(", ")} and ${words[words.length - 1]}`;
}

/** How a conflict message names an annotation: its kind, and its label when it has one, else its id. */
function nameOf(a: Annotation): string {
  switch (a.kind) {
    case "cameraMove":
      return `camera move ${quote(a.id)}`;
    case "framingBox":
      return `framing box ${quote(a.id)}`;
    case "subjectPath":
      return `subject path ${quote(a.label || a.id)}`;
    case "hold":
      return `hold ${quote(a.label || a.id)}`;
    case "note":
      return `note ${quote(a.id)}`;
  }
}

const capitalise = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** Direction words for a displacement (y grows downwards): pan left/right, tilt up/down, or diagonal. */
function directionWords(dx: number, dy: number): { verb: string; way: string } {
  const angle = (Math.atan2(-dy, dx) * 180) / Math.PI; // up is positive
  const a = Math.abs(angle);
  if (a <= 22.5) return { verb: "pans", way: "right" };
  if (a >= 157.5) return { verb: "pans", way: "left" };
  if (a >= 67.5 && a <= 112.5) return { verb: "tilts", way: angle > 0 ? "up" : "down" };
  const vertical = angle > 0 ? "up" : "down";
  const horizontal = a < 90 ? "right" : "left";
  return { verb: "moves", way: `${vertical}-${horizontal}` };
}

// ---------------------------------------------------------------------------------------------
// camera model

interface Arrow {
  annotation: CameraMoveAnnotation;
  /** Times in order even when the editor's are not (that is reported as a conflict). */
  start: number;
  end: number;
  dx: number;
  dy: number;
}

/** A span of time over which the camera actually changes. */
interface Motion {
  start: number;
  end: number;
  ease: Ease;
  arrow?: Arrow;
}

interface FramingKey {
  t: number;
  state: CameraState;
  ease: Ease;
  box?: FramingBoxAnnotation;
}

const sameState = (a: CameraState, b: CameraState): boolean =>
  a.x === b.x && a.y === b.y && a.zoom === b.zoom && a.roll === b.roll;

/** The window that makes the box fill the frame in its tighter dimension, all of the box visible. */
function boxState(box: FramingBoxAnnotation): CameraState {
  const { x, y, w, h } = box.rect;
  return { x: x + w / 2, y: y + h / 2, zoom: Math.min(1 / w, 1 / h), roll: 0 };
}

function arrowProgress(arrow: Arrow, t: number): number {
  if (t < arrow.start) return 0;
  if (t >= arrow.end) return 1;
  return applyEase(arrow.annotation.ease, (t - arrow.start) / (arrow.end - arrow.start));
}

/**
 * The ease that reproduces motion m over the part [a, b] of its span exactly, or null when no
 * named ease does (that part is then densified).
 */
function easeForPart(m: Motion, a: number, b: number): Ease | null {
  const atStart = a === m.start;
  const atEnd = b === m.end;
  if (atStart && atEnd) return m.ease;
  switch (m.ease) {
    case "linear":
      return "linear";
    case "ease-in": // u² scaled from 0 is still u²
      return atStart ? "ease-in" : null;
    case "ease-out": // 1-(1-u)² scaled towards 1 is still 1-(1-u)²
      return atEnd ? "ease-out" : null;
    case "ease-in-out": {
      // 2u² on the first half, 1-2(1-u)² on the second: each half, and any part of one touching
      // the move's start or end, is exactly ease-in or ease-out.
      const len = m.end - m.start;
      if (atStart && (b - m.start) / len <= 0.5 + 1e-12) return "ease-in";
      if (atEnd && (a - m.start) / len >= 0.5 - 1e-12) return "ease-out";
      return null;
    }
  }
}

function buildFramingKeys(boxes: readonly FramingBoxAnnotation[]): FramingKey[] {
  const keys: FramingKey[] = [{ t: 0, state: START_STATE, ease: "linear" }];
  for (const box of boxes) {
    const key: FramingKey = { t: box.time, state: boxState(box), ease: box.ease, box };
    const last = keys[keys.length - 1]!;
    // Two boxes at one instant cannot both fill the frame: the later-drawn one wins. A box at 0
    // replaces the start state (the take opens on it).
    if (Math.abs(last.t - box.time) <= TIME_EPSILON) keys[keys.length - 1] = { ...key, t: last.t, ease: last.box ? key.ease : "linear" };
    else keys.push(key);
  }
  return keys;
}

function buildCamera(arrows: readonly Arrow[], framingKeys: readonly FramingKey[], duration: number): CameraKeyframe[] {
  const framing = cameraPathEvaluator(framingKeys.map((k) => ({ ...k.state, t: k.t, ease: k.ease })));

  const motions: Motion[] = [];
  const instants = new Map<number, { dx: number; dy: number }>();
  for (let i = 1; i < framingKeys.length; i++) {
    const from = framingKeys[i - 1]!;
    const to = framingKeys[i]!;
    if (!sameState(from.state, to.state)) motions.push({ start: from.t, end: to.t, ease: to.ease });
  }
  for (const arrow of arrows) {
    if (arrow.dx === 0 && arrow.dy === 0) continue;
    if (arrow.end > arrow.start) motions.push({ start: arrow.start, end: arrow.end, ease: arrow.annotation.ease, arrow });
    else {
      // A zero-length arrow is a cut: the window jumps at that instant.
      const jump = instants.get(arrow.start) ?? { dx: 0, dy: 0 };
      instants.set(arrow.start, { dx: jump.dx + arrow.dx, dy: jump.dy + arrow.dy });
    }
  }

  const boundarySet = new Set<number>([0]);
  for (const m of motions) boundarySet.add(m.start).add(m.end);
  for (const t of instants.keys()) boundarySet.add(t);
  const boundaries = [...boundarySet].sort((a, b) => a - b);

  const byStart = [...motions].sort((a, b) => a.start - b.start);
  let nextToStart = 0;
  let active: Motion[] = [];
  // Displacement of arrows that have finished (and cuts that have happened).
  let doneX = 0;
  let doneY = 0;

  const stateAt = (t: number): CameraState => {
    const f = framing(t);
    let x = f.x + doneX;
    let y = f.y + doneY;
    for (const m of active) {
      if (!m.arrow) continue;
      const p = arrowProgress(m.arrow, t);
      x += m.arrow.dx * p;
      y += m.arrow.dy * p;
    }
    return { x: clean(x), y: clean(y), zoom: clean(f.zoom), roll: clean(f.roll) };
  };
  const keyframes: CameraKeyframe[] = [];
  const push = (t: number, ease: Ease): void => {
    keyframes.push({ ...stateAt(t), t: clean(t), ease });
  };
  const applyCut = (t: number): boolean => {
    const cut = instants.get(t);
    if (!cut) return false;
    doneX += cut.dx;
    doneY += cut.dy;
    return true;
  };

  applyCut(0);
  push(0, "linear");
  for (let j = 0; j + 1 < boundaries.length; j++) {
    const a = boundaries[j]!;
    const b = boundaries[j + 1]!;
    while (nextToStart < byStart.length && byStart[nextToStart]!.start <= a) active.push(byStart[nextToStart++]!);

    const exactEase: Ease | null =
      active.length === 0 ? "linear" : active.length === 1 ? easeForPart(active[0]!, a, b) : null;
    if (exactEase === null) {
      // Overlapping moves: sample the exact sum on the 1/24 s grid (see the header comment).
      const denseEnd = Math.min(b, duration);
      for (let k = Math.floor(a * DENSE_RATE) + 1; k / DENSE_RATE < denseEnd - 1e-6; k++) {
        if (k / DENSE_RATE > a + 1e-6) push(k / DENSE_RATE, "linear");
      }
    }
    push(b, exactEase ?? "linear");

    // Moves that end at b are complete from here on.
    const still: Motion[] = [];
    for (const m of active) {
      if (m.end > b) still.push(m);
      else if (m.arrow) {
        doneX += m.arrow.dx;
        doneY += m.arrow.dy;
      }
    }
    active = still;
    // A cut at b: the keyframe above is the moment before it, this one the moment after.
    if (applyCut(b)) push(b, "linear");
  }
  return keyframes;
}

// ---------------------------------------------------------------------------------------------
// conflicts

function boxOutsideFrame(box: FramingBoxAnnotation): Conflict | null {
  const { x, y, w, h } = box.rect;
  const eps = 1e-9;
  const edges: string[] = [];
  if (x < -eps) edges.push("left");
  if (x + w > 1 + eps) edges.push("right");
  if (y < -eps) edges.push("top");
  if (y + h > 1 + eps) edges.push("bottom");
  if (edges.length === 0) return null;
  return {
    code: "box-outside-frame",
    message:
      `${capitalise(nameOf(box))} reaches past the ${listWords(edges)} ${edges.length > 1 ? "edges" : "edge"} of the frame, ` +
      `so filling the frame with it needs picture the still does not have: previz edge-extends it, a generative model invents it.`,
    annotationIds: [box.id],
    acceptableForGenerative: true,
  };
}

function beyondDuration(a: Annotation, duration: number, arrow?: Arrow): Conflict | null {
  const over = (t: number): boolean => t > duration + TIME_EPSILON;
  const take = `the take is ${seconds(duration)} long`;
  let message: string | null = null;
  if (a.kind === "cameraMove" && arrow) {
    if (over(arrow.start)) message = `${capitalise(nameOf(a))} starts at ${seconds(arrow.start)}, but ${take}: none of it will be in the take.`;
    else if (over(arrow.end)) message = `${capitalise(nameOf(a))} runs until ${seconds(arrow.end)}, but ${take}: the take ends before the move does.`;
  } else if (a.kind === "framingBox" && over(a.time)) {
    message = `${capitalise(nameOf(a))} is set for ${seconds(a.time)}, but ${take}: the take ends before the camera gets there.`;
  } else if (a.kind === "subjectPath") {
    const late = a.points.map((p, i) => ({ t: p.t, n: i + 1 })).filter((p) => p.t !== undefined && over(p.t));
    if (late.length > 0) {
      const which = listWords(late.map((p) => `point ${p.n} (${seconds(p.t!)})`));
      message = `${capitalise(nameOf(a))} has ${which} after the take ends, but ${take}: the subject will not get there.`;
    }
  }
  return message ? { code: "beyond-duration", message, annotationIds: [a.id], acceptableForGenerative: false } : null;
}

function opposingMoves(arrows: readonly Arrow[]): Conflict[] {
  const moving = arrows
    .filter((a) => a.end > a.start && (a.dx !== 0 || a.dy !== 0))
    .sort((a, b) => a.start - b.start);
  const conflicts: Conflict[] = [];
  const limit = Math.cos((OPPOSING_ANGLE_DEGREES * Math.PI) / 180);
  for (let i = 0; i < moving.length; i++) {
    const p = moving[i]!;
    for (let j = i + 1; j < moving.length && moving[j]!.start < p.end - TIME_EPSILON; j++) {
      const q = moving[j]!;
      const from = Math.max(p.start, q.start);
      const to = Math.min(p.end, q.end);
      if (to - from <= TIME_EPSILON) continue;
      const cos = (p.dx * q.dx + p.dy * q.dy) / (Math.hypot(p.dx, p.dy) * Math.hypot(q.dx, q.dy));
      if (cos >= limit) continue;
      const degrees = Math.round((Math.acos(Math.max(-1, Math.min(1, cos))) * 180) / Math.PI);
      const pw = directionWords(p.dx, p.dy);
      const qw = directionWords(q.dx, q.dy);
      conflicts.push({
        code: "opposing-moves",
        message:
          `${capitalise(nameOf(p.annotation))} (${pw.verb} ${pw.way}) and ${nameOf(q.annotation)} (${qw.verb} ${qw.way}) ` +
          `overlap from ${seconds(from)} to ${seconds(to)} and pull ${degrees}° apart, so they cancel each other out ` +
          `instead of reading as one move: move one of them in time or delete it.`,
        annotationIds: [p.annotation.id, q.annotation.id],
        acceptableForGenerative: false,
      });
    }
  }
  return conflicts;
}

function leavesFrame(
  keyframes: readonly CameraKeyframe[],
  framingKeys: readonly FramingKey[],
  arrows: readonly Arrow[],
  duration: number,
  frameAspect: number,
): Conflict[] {
  const path = cameraPathEvaluator(keyframes);
  // Every output frame at 24 fps, plus every keyframe inside the take (the extremes of a move).
  const times = new Set<number>();
  const n = Math.round(duration * DENSE_RATE);
  for (let i = 0; i < n; i++) times.add(i / DENSE_RATE);
  for (const k of keyframes) if (k.t <= duration) times.add(k.t);
  const sorted = [...times].sort((a, b) => a - b);

  const ranges: Array<{ from: number; to: number; edges: Set<string> }> = [];
  let open: { from: number; to: number; edges: Set<string> } | null = null;
  for (const t of sorted) {
    const edges = edgesCrossed(path(t), frameAspect);
    if (edges.length === 0) {
      open = null;
      continue;
    }
    if (!open) {
      open = { from: t, to: t, edges: new Set() };
      ranges.push(open);
    }
    open.to = t;
    for (const e of edges) open.edges.add(e);
  }

  return ranges.map((range) => {
    // Who put the window there: arrows already under way, and the framing boxes on either side.
    const ids: string[] = [];
    const names: string[] = [];
    const add = (a: Annotation): void => {
      if (ids.includes(a.id)) return;
      ids.push(a.id);
      names.push(nameOf(a));
    };
    let first = 0;
    while (first + 1 < framingKeys.length && framingKeys[first + 1]!.t <= range.from) first++;
    for (let i = first; i < framingKeys.length && (i === first || framingKeys[i - 1]!.t <= range.to); i++) {
      const box = framingKeys[i]!.box;
      if (box) add(box);
    }
    for (const arrow of arrows) {
      if (arrow.start <= range.to && (arrow.dx !== 0 || arrow.dy !== 0)) add(arrow.annotation);
    }
    const edges = [...range.edges];
    const when = range.from === range.to ? `at ${seconds(range.from)}` : `from ${seconds(range.from)} to ${seconds(range.to)}`;
    const because = names.length > 0 ? ` (${listWords(names)})` : "";
    return {
      code: "leaves-frame" as const,
      message:
        `The camera goes past the ${listWords(edges)} ${edges.length > 1 ? "edges" : "edge"} of the frame ${when}${because}. ` +
        `A still cannot show what lies beyond its edges without inventing pixels: previz edge-extends it, and a generative model invents it.`,
      annotationIds: ids,
      acceptableForGenerative: true,
    };
  });
}

/**
 * A conflict a generative provider can live with is marked accepted once the editor accepted
 * invented picture on every drawing it names. It is still listed: accepting is a decision the
 * editor can see and undo, never a conflict quietly dropped.
 */
function markAccepted(conflicts: Conflict[], annotations: readonly Annotation[]): void {
  const accepted = new Set(
    annotations.filter((a) => (a.kind === "cameraMove" || a.kind === "framingBox") && a.acceptInvented === true).map((a) => a.id),
  );
  if (accepted.size === 0) return;
  for (const c of conflicts) {
    if (c.acceptableForGenerative && c.annotationIds.length > 0 && c.annotationIds.every((id) => accepted.has(id))) c.accepted = true;
  }
}

// ---------------------------------------------------------------------------------------------
// subjects

function resolvePathTimes(path: SubjectPathAnnotation, duration: number): number[] {
  // Missing times are spread evenly between the nearest given times; a path's first point
  // defaults to 0 s and its last to the take's end (or its latest given time, if later).
  const times: Array<number | undefined> = path.points.map((p) => p.t);
  const last = times.length - 1;
  if (times[0] === undefined) times[0] = 0;
  if (times[last] === undefined) {
    times[last] = times.reduce<number>((m, t) => (t !== undefined && t > m ? t : m), duration);
  }
  let anchor = 0;
  for (let i = 1; i <= last; i++) {
    const t = times[i];
    if (t === undefined) continue;
    const from = times[anchor]!;
    for (let k = anchor + 1; k < i; k++) times[k] = from + ((t - from) * (k - anchor)) / (i - anchor);
    anchor = i;
  }
  return times.map((t) => clean(t!));
}

function pathOrder(path: SubjectPathAnnotation, times: readonly number[]): Conflict | null {
  const problems: string[] = [];
  for (let i = 1; i < times.length; i++) {
    if (times[i]! <= times[i - 1]!) {
      problems.push(`point ${i + 1} (${seconds(times[i]!)}) comes ${times[i] === times[i - 1] ? "at the same time as" : "before"} point ${i} (${seconds(times[i - 1]!)})`);
    }
  }
  if (problems.length === 0) return null;
  return {
    code: "path-times-out-of-order",
    message: `In ${nameOf(path)}, ${listWords(problems)}: a subject cannot go back in time or be in two places at once. Fix the points' times.`,
    annotationIds: [path.id],
    acceptableForGenerative: false,
  };
}

function reversedArrow(arrow: Arrow): Conflict {
  const a = arrow.annotation;
  return {
    code: "path-times-out-of-order",
    message:
      `${capitalise(nameOf(a))} ends (${seconds(a.end)}) before it starts (${seconds(a.start)}); ` +
      `it is compiled as a move from ${seconds(arrow.start)} to ${seconds(arrow.end)}. Swap its times if that is not what you meant.`,
    annotationIds: [a.id],
    acceptableForGenerative: false,
  };
}

// ---------------------------------------------------------------------------------------------
// summary

function arrowPhrase(arrow: Arrow): string {
  const length = Math.hypot(arrow.dx, arrow.dy);
  if (length === 0) return `camera holds from ${seconds(arrow.start)} to ${seconds(arrow.end)}`;
  const { verb, way } = directionWords(arrow.dx, arrow.dy);
  const amount = `${percent(length)} of the frame`;
  if (arrow.end === arrow.start) return `camera jumps ${way} ${amount} at ${seconds(arrow.start)}`;
  return `camera ${verb} ${way} ${amount} from ${seconds(arrow.start)} to ${seconds(arrow.end)} (${arrow.annotation.ease})`;
}

function boxPhrase(key: FramingKey, previous: FramingKey | undefined): string {
  const zoom = `(${key.state.zoom.toFixed(1)}×)`;
  if (!previous) return `opens on the boxed region ${zoom}`;
  const ratio = key.state.zoom / previous.state.zoom;
  if (ratio > 1 + 1e-9) return `push-in to the boxed region ${zoom} by ${seconds(key.t)}`;
  if (ratio < 1 - 1e-9) return `pull-out to the boxed region ${zoom} by ${seconds(key.t)}`;
  if (sameState(key.state, previous.state)) return `holds on the boxed region ${zoom} at ${seconds(key.t)}`;
  return `reframe to the boxed region ${zoom} by ${seconds(key.t)}`;
}

function summarise(
  arrows: readonly Arrow[],
  framingKeys: readonly FramingKey[],
  subjects: Direction["subjects"],
  holds: readonly HoldAnnotation[],
  notes: readonly NoteAnnotation[],
): string {
  const camera: Array<{ t: number; order: number; text: string }> = [];
  arrows.forEach((arrow, i) => camera.push({ t: arrow.start, order: i, text: arrowPhrase(arrow) }));
  framingKeys.forEach((key, i) => {
    if (key.box) camera.push({ t: key.t, order: arrows.length + i, text: boxPhrase(key, i === 0 ? undefined : framingKeys[i - 1]) });
  });
  camera.sort((a, b) => a.t - b.t || a.order - b.order);

  const parts = camera.length > 0 ? camera.map((c) => c.text) : ["static camera"];
  for (const s of subjects) {
    const first = s.points[0]!.t;
    const last = s.points[s.points.length - 1]!.t;
    parts.push(`subject ${quote(s.label || s.annotationId)} follows its path from ${seconds(first)} to ${seconds(last)}`);
  }
  for (const h of holds) parts.push(h.shape === "point" ? `pin ${quote(h.label || h.id)} in place` : `keep ${quote(h.label || h.id)} still`);
  for (const n of notes) parts.push(`note: ${quote(n.text)}`);
  return parts.join("; ");
}

// ---------------------------------------------------------------------------------------------

/**
 * Compiles what the editor drew into a Direction. Annotations are validated and normalised by the
 * Annotation schema first (a ZodError for malformed input). Problems in the drawing are never
 * resolved silently: each is a Conflict with a sentence the editor understands.
 */
export function compileDirection(input: DirectionInput, context: CompileContext = {}): Direction {
  const { prompt, duration } = input;
  if (!Number.isFinite(duration) || duration <= 0) {
    throw new RangeError(`A take's duration must be a positive number of seconds; got ${duration}.`);
  }
  const annotations = Annotations.parse(input.annotations);
  const frameAspect =
    context.frameSize && context.frameSize.width > 0 && context.frameSize.height > 0
      ? context.frameSize.width / context.frameSize.height
      : DEFAULT_FRAME_ASPECT;

  const conflicts: Conflict[] = [];
  const arrows: Arrow[] = [];
  const boxes: FramingBoxAnnotation[] = [];
  const subjects: Direction["subjects"] = [];
  const holds: HoldAnnotation[] = [];
  const notes: NoteAnnotation[] = [];

  for (const a of annotations) {
    switch (a.kind) {
      case "cameraMove": {
        const arrow: Arrow = {
          annotation: a,
          start: Math.min(a.start, a.end),
          end: Math.max(a.start, a.end),
          dx: clean(a.to.x - a.from.x),
          dy: clean(a.to.y - a.from.y),
        };
        arrows.push(arrow);
        if (a.end < a.start) conflicts.push(reversedArrow(arrow));
        const late = beyondDuration(a, duration, arrow);
        if (late) conflicts.push(late);
        break;
      }
      case "framingBox": {
        boxes.push(a);
        const outside = boxOutsideFrame(a);
        if (outside) conflicts.push(outside);
        const late = beyondDuration(a, duration);
        if (late) conflicts.push(late);
        break;
      }
      case "subjectPath": {
        const times = resolvePathTimes(a, duration);
        subjects.push({
          annotationId: a.id,
          label: a.label,
          points: a.points.map((p, i) => ({ x: p.x, y: p.y, t: times[i]! })),
        });
        const order = pathOrder(a, times);
        if (order) conflicts.push(order);
        const late = beyondDuration(a, duration);
        if (late) conflicts.push(late);
        break;
      }
      case "hold":
        holds.push(a);
        break;
      case "note":
        notes.push(a);
        break;
    }
  }

  // Stable sort: boxes at the same time keep drawing order, and the later-drawn one wins.
  boxes.sort((a, b) => a.time - b.time);
  const framingKeys = buildFramingKeys(boxes);
  const keyframes = buildCamera(arrows, framingKeys, duration);

  conflicts.push(...opposingMoves(arrows));
  conflicts.push(...leavesFrame(keyframes, framingKeys, arrows, duration, frameAspect));
  markAccepted(conflicts, annotations);

  return {
    prompt,
    duration,
    annotations,
    camera: { keyframes },
    framing: framingKeys
      .filter((k): k is FramingKey & { box: FramingBoxAnnotation } => k.box !== undefined)
      .map((k) => ({ t: k.t, rect: { ...k.box.rect }, annotationId: k.box.id, endFraming: k.box.endFraming })),
    subjects,
    holds: holds.map((h) => ({ annotationId: h.id, label: h.label, rect: { ...h.rect }, ...(h.shape ? { shape: h.shape } : {}) })),
    notes: notes.map((n) => ({ annotationId: n.id, at: { ...n.at }, text: n.text })),
    summary: summarise(arrows, framingKeys, subjects, holds, notes),
    conflicts,
  };
}
