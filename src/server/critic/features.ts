/**
 * Point features for the camera tracker: Shi–Tomasi corners spread over a grid, tracked from frame
 * to frame by pyramidal Lucas–Kanade with a forward–backward check.
 *
 * Why features and not the whole picture: a direct fit over every pixel is pulled by whatever has
 * the most texture, and in generated takes that is often the subject (a car, a face) over a soft
 * sky or wall. Tracked points can be grouped by the motion they agree on, so the camera is the
 * motion the spread-out background agrees on (robustFit.ts), and the subject's own points are
 * left out by name.
 *
 * Coordinates are level-0 pixels of the analysis frame, pixel i's centre at i.
 */
import { gradients, type Level, type Pyramid } from "./align.js";

export interface Point2 {
  x: number;
  y: number;
}

/** Half size of the tracking window (9×9 pixels at each pyramid level). */
const RADIUS = 4;
const MAX_ITERATIONS = 8;
const STEP_DONE = 0.02;
/** A track whose backward track misses its start by more than this (level-0 pixels) is dropped. */
export const FB_LIMIT = 0.6;
/** Corners weaker than this share of the frame's strongest are not taken (OpenCV's qualityLevel). */
const RELATIVE = Number(process.env.RETAKE_CRITIC_RELATIVE ?? 0.01);
/** And never weaker than this (5×5 sums of squared gradients on the contrast-normalised picture): grain is not texture. */
const FLOOR = Number(process.env.RETAKE_CRITIC_FLOOR ?? 200);

function sample(data: Float32Array, w: number, x: number, y: number): number {
  const ix = x | 0;
  const iy = y | 0;
  const fx = x - ix;
  const fy = y - iy;
  const o = iy * w + ix;
  const top = data[o]! + fx * (data[o + 1]! - data[o]!);
  const bot = data[o + w]! + fx * (data[o + w + 1]! - data[o + w]!);
  return top + fy * (bot - top);
}

/**
 * Corners (minimum eigenvalue of the 5×5 structure tensor) at level 0, at most one per `cell`
 * pixels square, skipping cells where `occupied` says a track already is. Only corners at least
 * `relative` of the frame's strongest one count, so flat skies and walls give none.
 */
export function detectCorners(
  level: Level,
  options: { cell: number; occupied?: (cx: number, cy: number) => boolean; relative?: number; floor?: number },
): Point2[] {
  const { width: w, height: h } = level;
  const { gx, gy } = gradients(level);
  const margin = RADIUS + 3;
  const score = new Float32Array(w * h);
  let best = 0;
  for (let y = margin; y < h - margin; y++) {
    for (let x = margin; x < w - margin; x++) {
      let a = 0, b = 0, c = 0;
      for (let v = -2; v <= 2; v++) {
        const row = (y + v) * w;
        for (let u = -2; u <= 2; u++) {
          const i = row + x + u;
          const p = gx[i]!;
          const q = gy[i]!;
          a += p * p;
          b += p * q;
          c += q * q;
        }
      }
      const half = (a + c) / 2;
      const s = half - Math.sqrt(((a - c) / 2) ** 2 + b * b);
      score[y * w + x] = s;
      if (s > best) best = s;
    }
  }
  const threshold = Math.max(best * (options.relative ?? RELATIVE), options.floor ?? FLOOR);
  const cell = options.cell;
  const out: Point2[] = [];
  for (let cy = 0; cy * cell < h; cy++) {
    for (let cx = 0; cx * cell < w; cx++) {
      if (options.occupied?.(cx, cy)) continue;
      let bx = -1, by = -1, bs = threshold;
      for (let y = Math.max(margin, cy * cell); y < Math.min(h - margin, (cy + 1) * cell); y++) {
        for (let x = Math.max(margin, cx * cell); x < Math.min(w - margin, (cx + 1) * cell); x++) {
          const s = score[y * w + x]!;
          if (s > bs) {
            bs = s;
            bx = x;
            by = y;
          }
        }
      }
      if (bx >= 0) out.push({ x: bx, y: by });
    }
  }
  return out;
}

/**
 * One point from `from` to `to` at one pyramid level, starting at displacement (dx, dy) (that
 * level's pixels). Returns the displacement, or null when the window leaves the picture or has no
 * texture to lock on. A brightness offset is taken out, so flicker does not move points.
 */
function trackAtLevel(from: Level, to: Level, px: number, py: number, dx: number, dy: number): Point2 | null {
  const w = from.width;
  const h = from.height;
  if (px - RADIUS < 0 || py - RADIUS < 0 || px + RADIUS >= w - 1 || py + RADIUS >= h - 1) return null;
  const { gx, gy } = gradients(from);
  const n = (2 * RADIUS + 1) ** 2;
  const T = new Float32Array(n);
  const TX = new Float32Array(n);
  const TY = new Float32Array(n);
  let g11 = 0, g12 = 0, g22 = 0, sx = 0, sy = 0;
  let k = 0;
  for (let v = -RADIUS; v <= RADIUS; v++) {
    for (let u = -RADIUS; u <= RADIUS; u++, k++) {
      T[k] = sample(from.data, w, px + u, py + v);
      const a = sample(gx, w, px + u, py + v);
      const b = sample(gy, w, px + u, py + v);
      TX[k] = a;
      TY[k] = b;
      g11 += a * a;
      g12 += a * b;
      g22 += b * b;
      sx += a;
      sy += b;
    }
  }
  // With the offset taken out the normal equations use centred gradients.
  g11 -= (sx * sx) / n;
  g12 -= (sx * sy) / n;
  g22 -= (sy * sy) / n;
  const det = g11 * g22 - g12 * g12;
  if (det < 1e-6 * (g11 + g22) ** 2 || g11 + g22 < 1e-3) return null;
  const tw = to.width;
  const th = to.height;
  for (let it = 0; it < MAX_ITERATIONS; it++) {
    const qx = px + dx;
    const qy = py + dy;
    if (qx - RADIUS < 0 || qy - RADIUS < 0 || qx + RADIUS >= tw - 1 || qy + RADIUS >= th - 1) return null;
    let b1 = 0, b2 = 0, es = 0;
    k = 0;
    for (let v = -RADIUS; v <= RADIUS; v++) {
      for (let u = -RADIUS; u <= RADIUS; u++, k++) {
        const e = sample(to.data, tw, qx + u, qy + v) - T[k]!;
        es += e;
        b1 += TX[k]! * e;
        b2 += TY[k]! * e;
      }
    }
    const mean = es / n;
    b1 -= mean * sx;
    b2 -= mean * sy;
    const ux = -(g22 * b1 - g12 * b2) / det;
    const uy = -(g11 * b2 - g12 * b1) / det;
    dx += ux;
    dy += uy;
    if (ux * ux + uy * uy < STEP_DONE * STEP_DONE) break;
  }
  return { x: dx, y: dy };
}

/** A point through the pyramid, coarse to fine, from an initial displacement guess (level 0). */
function trackPoint(from: Pyramid, to: Pyramid, p: Point2, guess: Point2, coarsest: number, finest = 0): Point2 | null {
  const top = Math.min(coarsest, from.length - 1, to.length - 1);
  let d: Point2 = { x: guess.x / 2 ** top, y: guess.y / 2 ** top };
  for (let L = top; L >= finest; L--) {
    const f = 2 ** L;
    // Level L pixel centres sit at (i + ½)·f − ½ in level-0 pixels.
    const px = (p.x + 0.5) / f - 0.5;
    const py = (p.y + 0.5) / f - 0.5;
    const r = trackAtLevel(from[L]!, to[L]!, px, py, d.x, d.y);
    if (!r) {
      if (L > finest) {
        // A window off the edge at a coarse level: keep the guess and try the finer one.
        d = { x: d.x * 2, y: d.y * 2 };
        continue;
      }
      return null;
    }
    d = L > finest ? { x: r.x * 2, y: r.y * 2 } : r;
  }
  const s = 2 ** finest;
  return finest === 0 ? d : { x: d.x * s, y: d.y * s };
}

/**
 * Tracks points from `from` to `to`; `guesses` are predicted positions in `to` (e.g. the camera's
 * last move applied). Each result is the new position, or null when the point was lost or fails
 * the forward–backward check.
 */
export function trackPoints(from: Pyramid, to: Pyramid, points: readonly Point2[], guesses: readonly Point2[]): Array<Point2 | null> {
  const coarsest = Math.min(from.length, to.length) - 1;
  return points.map((p, i) => {
    const g = guesses[i]!;
    const d = trackPoint(from, to, p, { x: g.x - p.x, y: g.y - p.y }, coarsest);
    if (!d) return null;
    const q = { x: p.x + d.x, y: p.y + d.y };
    // Backward from where it landed, starting from the inverse move, over the two finest levels.
    const back = trackPoint(to, from, q, { x: -d.x, y: -d.y }, 1);
    if (!back) return null;
    if (Math.hypot(q.x + back.x - p.x, q.y + back.y - p.y) > FB_LIMIT) return null;
    return q;
  });
}
