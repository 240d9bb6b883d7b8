/**
 * Robust similarity fit over point correspondences: MSAC (RANSAC scored by truncated squared
 * residuals, Torr & Zisserman) on two-point samples, then weighted least squares on the inliers.
 *
 * Points carry weights. The tracker gives each point 1 / (points in its grid cell), so a hypothesis
 * is scored by how much of the *frame* agrees with it rather than by how many points agree: a
 * textured subject with forty corners does not outvote a background spread thinly over the whole
 * picture. It also scales the weight by the point's record (background so far or not), which
 * keeps the choice of background consistent over time.
 *
 * Warps are complex maps on centred coordinates, w(z) = s·z + t (align.ts).
 */
import type { SimilarityWarp } from "./align.js";

export interface Correspondence {
  /** Where the point is in the frame being placed (centred pixels). */
  from: { re: number; im: number };
  /** Where it is in the reference (centred pixels). */
  to: { re: number; im: number };
  weight: number;
}

export interface RobustFit {
  warp: SimilarityWarp;
  inlier: boolean[];
  /** Weighted share of the points that agree (0..1). */
  inlierShare: number;
  /** RMS residual of the inliers (pixels). */
  rms: number;
}

/** Weighted least-squares similarity from a set of correspondences (null if degenerate). */
export function fitSimilarityLs(points: readonly Correspondence[], use: (i: number) => boolean = () => true): SimilarityWarp | null {
  let W = 0, fx = 0, fy = 0, tx = 0, ty = 0;
  points.forEach((p, i) => {
    if (!use(i)) return;
    W += p.weight;
    fx += p.weight * p.from.re;
    fy += p.weight * p.from.im;
    tx += p.weight * p.to.re;
    ty += p.weight * p.to.im;
  });
  if (W <= 0) return null;
  fx /= W; fy /= W; tx /= W; ty /= W;
  let nre = 0, nim = 0, d = 0;
  points.forEach((p, i) => {
    if (!use(i)) return;
    const ar = p.from.re - fx, ai = p.from.im - fy;
    const br = p.to.re - tx, bi = p.to.im - ty;
    // (b)·conj(a)
    nre += p.weight * (br * ar + bi * ai);
    nim += p.weight * (bi * ar - br * ai);
    d += p.weight * (ar * ar + ai * ai);
  });
  if (d < 1e-9) return null;
  const s = { re: nre / d, im: nim / d };
  return { s, t: { re: tx - (s.re * fx - s.im * fy), im: ty - (s.re * fy + s.im * fx) } };
}

export function residual(w: SimilarityWarp, p: Correspondence): number {
  const x = w.s.re * p.from.re - w.s.im * p.from.im + w.t.re - p.to.re;
  const y = w.s.re * p.from.im + w.s.im * p.from.re + w.t.im - p.to.im;
  return Math.hypot(x, y);
}

/** Small deterministic generator (same clip, same answer). */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

/**
 * MSAC over `iterations` two-point samples plus the `candidates` (e.g. the constant-velocity
 * prediction), threshold `threshold` pixels; null when there are fewer than three points.
 */
export function fitSimilarityMsac(
  points: readonly Correspondence[],
  options: { threshold: number; iterations?: number; candidates?: SimilarityWarp[]; seed?: number; minSpan?: number },
): RobustFit | null {
  const n = points.length;
  if (n < 3) return null;
  const T2 = options.threshold * options.threshold;
  const random = rng(options.seed ?? 12345);
  const cost = (w: SimilarityWarp): number => {
    let c = 0;
    for (const p of points) {
      const r = residual(w, p);
      c += p.weight * Math.min(r * r, T2);
    }
    return c;
  };
  let best: SimilarityWarp | null = null;
  let bestCost = Infinity;
  for (const c of options.candidates ?? []) {
    const k = cost(c);
    if (k < bestCost) {
      bestCost = k;
      best = c;
    }
  }
  const minSpan = options.minSpan ?? 8;
  const iterations = options.iterations ?? 120;
  // Sample in proportion to weight, so one busy cell does not dominate the hypotheses either.
  const cumulative = new Float64Array(n);
  let acc = 0;
  for (let i = 0; i < n; i++) cumulative[i] = acc += points[i]!.weight;
  const pick = (): number => {
    const r = random() * acc;
    let lo = 0, hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < r) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  for (let it = 0; it < iterations; it++) {
    const i = pick();
    const j = pick();
    if (i === j) continue;
    const a = points[i]!;
    const b = points[j]!;
    const df = { re: b.from.re - a.from.re, im: b.from.im - a.from.im };
    const dd = df.re * df.re + df.im * df.im;
    if (dd < minSpan * minSpan) continue;
    const dt = { re: b.to.re - a.to.re, im: b.to.im - a.to.im };
    const s = { re: (dt.re * df.re + dt.im * df.im) / dd, im: (dt.im * df.re - dt.re * df.im) / dd };
    const scale = Math.hypot(s.re, s.im);
    // Between frames a few tenths of a second apart the camera does not zoom 1.6× or roll 20°.
    if (scale < 0.6 || scale > 1.6 || Math.abs(Math.atan2(s.im, s.re)) > 0.35) continue;
    const w: SimilarityWarp = { s, t: { re: a.to.re - (s.re * a.from.re - s.im * a.from.im), im: a.to.im - (s.re * a.from.im + s.im * a.from.re) } };
    const k = cost(w);
    if (k < bestCost) {
      bestCost = k;
      best = w;
    }
  }
  if (!best) return null;
  // Refine on the inliers (twice: the set can change once the fit is exact).
  let warp = best;
  let inlier = points.map((p) => residual(warp, p) < options.threshold);
  for (let pass = 0; pass < 3; pass++) {
    const refit = fitSimilarityLs(points, (i) => inlier[i]!);
    if (!refit) break;
    warp = refit;
    inlier = points.map((p) => residual(warp, p) < options.threshold);
  }
  let wi = 0, wAll = 0, sq = 0, ni = 0;
  points.forEach((p, i) => {
    wAll += p.weight;
    if (!inlier[i]) return;
    wi += p.weight;
    const r = residual(warp, p);
    sq += r * r;
    ni++;
  });
  return { warp, inlier, inlierShare: wAll > 0 ? wi / wAll : 0, rms: ni > 0 ? Math.sqrt(sq / ni) : Infinity };
}
