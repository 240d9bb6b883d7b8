import type { Annotation } from "../../core/schemas/index.js";

/**
 * Pure maths for the time strip under the frame (no React): which drawings have time, where
 * their bars sit on the take's duration, and what a drag on a bar does to their times.
 */

/** What a drag on a bar changes: the whole bar, or one end of a span. */
export type RetimeHandle = "move" | "start" | "end";

export interface TimedBar {
  id: string;
  kind: Annotation["kind"];
  start: number;
  end: number;
  /** A framing box is an instant (a diamond on the strip), the others are spans. */
  instant: boolean;
  /** Which handles this bar offers. */
  handles: RetimeHandle[];
}

const round = (t: number): number => Math.round(t * 100) / 100;

/** Every timed drawing as a bar (camera moves, framing boxes, subject paths). */
export function timedBars(annotations: readonly Annotation[], duration: number): TimedBar[] {
  const bars: TimedBar[] = [];
  for (const a of annotations) {
    if (a.kind === "cameraMove") {
      bars.push({ id: a.id, kind: a.kind, start: Math.min(a.start, a.end), end: Math.max(a.start, a.end), instant: false, handles: ["move", "start", "end"] });
    } else if (a.kind === "framingBox") {
      bars.push({ id: a.id, kind: a.kind, start: a.time, end: a.time, instant: true, handles: ["move"] });
    } else if (a.kind === "subjectPath") {
      const first = a.points[0]!.t ?? 0;
      const last = a.points[a.points.length - 1]!.t ?? duration;
      bars.push({ id: a.id, kind: a.kind, start: Math.min(first, last), end: Math.max(first, last), instant: false, handles: ["move", "start", "end"] });
    }
  }
  return bars;
}

export const timeToFraction = (t: number, duration: number): number => (duration > 0 ? Math.min(Math.max(t / duration, 0), 1) : 0);
export const fractionToTime = (f: number, duration: number): number => round(Math.min(Math.max(f, 0), 1) * duration);

/** Shortest span a resize leaves (seconds), so a span never collapses into an instant by accident. */
export const MIN_SPAN = 0.1;

/**
 * The drawing after a drag of `dt` seconds on one of its bar's handles, kept inside the take:
 * moving keeps the length, resizing keeps start ≤ end with at least MIN_SPAN between them.
 * Subject path points keep their relative timing (scaled into the new span).
 */
export function retime(a: Annotation, handle: RetimeHandle, dt: number, duration: number): Annotation {
  const bar = timedBars([a], duration)[0];
  if (!bar) return a;
  let start = bar.start;
  let end = bar.end;
  if (handle === "move") {
    const shift = Math.min(Math.max(dt, -start), duration - end);
    start += shift;
    end += shift;
  } else if (handle === "start") start = Math.min(Math.max(start + dt, 0), end - MIN_SPAN);
  else end = Math.max(Math.min(end + dt, duration), start + MIN_SPAN);
  start = round(Math.max(0, start));
  end = round(Math.min(duration, end));
  switch (a.kind) {
    case "cameraMove":
      return { ...a, start, end };
    case "framingBox":
      return { ...a, time: start };
    case "subjectPath": {
      const n = a.points.length;
      const oldLength = bar.end - bar.start;
      return {
        ...a,
        points: a.points.map((p, i) => {
          const t0 = p.t ?? bar.start + (oldLength * i) / (n - 1);
          const u = oldLength > 0 ? (t0 - bar.start) / oldLength : i / (n - 1);
          return { ...p, t: round(start + (end - start) * u) };
        }),
      };
    }
    default:
      return a;
  }
}
