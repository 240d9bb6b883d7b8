/**
 * Subject paths: what is under a drawn path's first point is followed through the take, and its
 * course is put in first-frame fractions with the camera's own move taken out (so a subject that
 * stands still while the camera pans reads as standing still).
 *
 * Following: corners inside a box around the point (features.ts), tracked frame to frame; the box
 * moves by the median of their moves, points that disagree with the median by more than two
 * pixels are dropped (a hand passing in front), and the box is refilled with new corners when
 * few are left. The subject is lost when it leaves the frame or no corner holds.
 */
import type { Pyramid } from "./align.js";
import type { CameraState2 } from "./cameraTracker.js";
import { detectCorners, trackPoints, type Point2 } from "./features.js";

export interface SubjectStart {
  annotationId: string;
  label: string;
  /** First point, first-frame fractions, and its time. */
  x: number;
  y: number;
  t: number;
  /** Half size of the box followed, fractions of the frame (default: 7 % of its width, square). */
  half?: { w: number; h: number };
}

export interface SubjectSample {
  t: number;
  /** First-frame fractions, camera removed. */
  x: number;
  y: number;
}

export interface SubjectTrack {
  annotationId: string;
  samples: SubjectSample[];
  /** Why following stopped early, if it did. */
  lost: string | null;
  /** Whether it could start at all (texture under the first point). */
  started: boolean;
}

/** Half size of the box followed, fraction of the frame width. */
const BOX = 0.07;

interface Live {
  start: SubjectStart;
  centre: Point2 | null;
  points: Point2[];
  track: SubjectTrack;
}

export class SubjectMeter {
  private readonly live: Live[];

  constructor(
    starts: SubjectStart[],
    private readonly width: number,
    private readonly height: number,
  ) {
    this.live = starts.map((start) => ({ start, centre: null, points: [], track: { annotationId: start.annotationId, samples: [], lost: null, started: false } }));
  }

  /** World (first-frame centred pixels) → this frame's pixels, and back. */
  private toFrame(state: CameraState2, x: number, y: number): Point2 {
    const pre = (x - 0.5) * this.width - state.c.re;
    const pim = (y - 0.5) * this.height - state.c.im;
    const c = Math.cos(-state.theta) * state.zoom;
    const s = Math.sin(-state.theta) * state.zoom;
    return { x: c * pre - s * pim + this.width / 2 - 0.5, y: s * pre + c * pim + this.height / 2 - 0.5 };
  }

  private toWorld(state: CameraState2, p: Point2): { x: number; y: number } {
    const zr = p.x - this.width / 2 + 0.5;
    const zi = p.y - this.height / 2 + 0.5;
    const c = Math.cos(state.theta) / state.zoom;
    const s = Math.sin(state.theta) / state.zoom;
    return { x: 0.5 + (state.c.re + c * zr - s * zi) / this.width, y: 0.5 + (state.c.im + s * zr + c * zi) / this.height };
  }

  private fill(pyramid: Pyramid, l: Live): void {
    const rx = (l.start.half?.w ?? BOX) * this.width;
    const ry = l.start.half ? l.start.half.h * this.height : BOX * this.width;
    const c = l.centre!;
    const found = detectCorners(pyramid[0]!, { cell: 4, relative: 0.05 }).filter((p) => Math.abs(p.x - c.x) <= rx && Math.abs(p.y - c.y) <= ry);
    // Keep the ones already followed, add new ones not on top of them.
    for (const p of found) if (!l.points.some((q) => Math.hypot(q.x - p.x, q.y - p.y) < 3)) l.points.push(p);
  }

  push(t: number, previous: Pyramid | null, current: Pyramid, state: CameraState2, cut: boolean): void {
    for (const l of this.live) {
      if (l.track.lost) continue;
      if (!l.centre) {
        if (t + 1e-6 < l.start.t) continue;
        l.centre = this.toFrame(state, l.start.x, l.start.y);
        if (!this.inside(l.centre)) {
          l.track.lost = "its first point is outside the take's frame";
          continue;
        }
        this.fill(current, l);
        if (l.points.length < 3) {
          l.track.lost = "there is too little texture under its first point to follow";
          continue;
        }
        l.track.started = true;
        l.track.samples.push({ t, x: l.start.x, y: l.start.y });
        continue;
      }
      if (!previous) continue;
      if (cut) {
        l.track.lost = `the take cuts at ${t.toFixed(1)} s`;
        continue;
      }
      const c = l.centre;
      const moved = trackPoints(previous, current, l.points, l.points);
      const moves = moved.flatMap((m, i) => (m ? [{ from: l.points[i]!, to: m }] : []));
      if (moves.length < 2) {
        l.track.lost = `it was lost at ${t.toFixed(1)} s`;
        continue;
      }
      const mdx = median(moves.map((m) => m.to.x - m.from.x));
      const mdy = median(moves.map((m) => m.to.y - m.from.y));
      l.points = moves.filter((m) => Math.hypot(m.to.x - m.from.x - mdx, m.to.y - m.from.y - mdy) < 2).map((m) => m.to);
      l.centre = { x: c.x + mdx, y: c.y + mdy };
      if (!this.inside(l.centre)) {
        l.track.lost = `it left the frame at ${t.toFixed(1)} s`;
        continue;
      }
      if (l.points.length < 5) this.fill(current, l);
      // The box started exactly on the drawn point, so its course in the world starts there too.
      l.track.samples.push({ t, ...this.toWorld(state, l.centre) });
    }
  }

  /** Where the followed content is now (first-frame fractions, camera removed), or null. */
  positionOf(annotationId: string): SubjectSample | null {
    const l = this.live.find((x) => x.start.annotationId === annotationId);
    if (!l || l.track.lost || l.track.samples.length === 0) return null;
    return l.track.samples[l.track.samples.length - 1]!;
  }

  private inside(p: Point2): boolean {
    return p.x >= 2 && p.y >= 2 && p.x <= this.width - 3 && p.y <= this.height - 3;
  }

  result(): SubjectTrack[] {
    return this.live.map((l) => ({
      ...l.track,
      lost: l.track.lost ?? (l.track.started ? null : "the take ends before the path starts"),
    }));
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
