/**
 * Stability from per-frame series: luminance flicker, camera jitter, frozen and black stretches.
 * (Hard cuts come from the tracker: a frame that matches neither its anchor nor its neighbour.)
 */
import type { CameraSample } from "./cameraTracker.js";
import type { StabilityMeasurement } from "./critiqueSchema.js";

export interface FrameStats {
  t: number;
  /** Mean nominal luma signal (0..1). */
  mean: number;
  std: number;
  /** Mean absolute difference from the previous frame, in 8-bit code steps (NaN for the first). */
  change: number;
}

/** Accumulates FrameStats frame by frame (keeps only the previous frame's pixels). */
export class FrameStatsCollector {
  readonly stats: FrameStats[] = [];
  private previous: Float32Array | null = null;

  push(t: number, signal: Float32Array): void {
    let sum = 0;
    let sq = 0;
    let diff = 0;
    const prev = this.previous;
    for (let i = 0; i < signal.length; i++) {
      const v = signal[i]!;
      sum += v;
      sq += v * v;
      if (prev) diff += Math.abs(v - prev[i]!);
    }
    const n = signal.length;
    const mean = sum / n;
    this.stats.push({ t, mean, std: Math.sqrt(Math.max(0, sq / n - mean * mean)), change: prev ? (diff / n) * 255 : NaN });
    this.previous = signal;
  }
}

/** Flicker: a luminance wobble faster than the picture's own trend. */
export const FLICKER_SPAN_PERCENT = 1;
/** Frames this alike (mean |Δ| in 8-bit steps) are the same picture. */
export const FROZEN_CHANGE = 0.3;
/** Frozen stretches shorter than this are ordinary (a held frame or two). */
export const FROZEN_MIN_SECONDS = 0.25;
/** A frame is black when its mean signal is below this and it has almost no detail. */
export const BLACK_MEAN = 0.04;
export const BLACK_STD = 0.02;

function spans(flags: boolean[], times: number[], frameDuration: number, minSeconds: number, merge = 0): Array<{ start: number; end: number; from: number; to: number }> {
  const out: Array<{ start: number; end: number; from: number; to: number }> = [];
  let start = -1;
  for (let i = 0; i <= flags.length; i++) {
    if (i < flags.length && flags[i]) {
      if (start < 0) start = i;
      continue;
    }
    if (start >= 0) {
      const last = i - 1;
      const prev = out[out.length - 1];
      if (prev && times[start]! - prev.end <= merge) {
        prev.end = times[last]! + frameDuration;
        prev.to = last;
      } else out.push({ start: times[start]!, end: times[last]! + frameDuration, from: start, to: last });
      start = -1;
    }
  }
  return out.filter((s) => s.end - s.start >= minSeconds - 1e-9);
}

/** Local polynomial (degree 2) trend of a series, window ±half samples, cuts split the series. */
export function localQuadraticTrend(values: number[], half: number, breaks: Set<number> = new Set()): number[] {
  const n = values.length;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let lo = Math.max(0, i - half);
    let hi = Math.min(n - 1, i + half);
    for (let k = i; k > lo; k--) if (breaks.has(k)) { lo = k; break; }
    for (let k = i + 1; k <= hi; k++) if (breaks.has(k)) { hi = k - 1; break; }
    // Least squares a + b·u + c·u² over u = k − i.
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, y0 = 0, y1 = 0, y2 = 0;
    for (let k = lo; k <= hi; k++) {
      const u = k - i;
      const v = values[k]!;
      const u2 = u * u;
      s0 += 1; s1 += u; s2 += u2; s3 += u2 * u; s4 += u2 * u2;
      y0 += v; y1 += v * u; y2 += v * u2;
    }
    if (s0 < 4) {
      out[i] = y0 / s0;
      continue;
    }
    // Solve [[s0,s1,s2],[s1,s2,s3],[s2,s3,s4]]·[a,b,c] = [y0,y1,y2] for a (Cramer).
    const det = s0 * (s2 * s4 - s3 * s3) - s1 * (s1 * s4 - s3 * s2) + s2 * (s1 * s3 - s2 * s2);
    if (Math.abs(det) < 1e-12) {
      out[i] = y0 / s0;
      continue;
    }
    const detA = y0 * (s2 * s4 - s3 * s3) - s1 * (y1 * s4 - s3 * y2) + s2 * (y1 * s3 - s2 * y2);
    out[i] = detA / det;
  }
  return out;
}

function robustSigma(xs: number[]): number {
  if (xs.length === 0) return 0;
  const a = xs.map(Math.abs).sort((p, q) => p - q);
  return 1.4826 * a[Math.floor(a.length / 2)]!;
}

const rms = (xs: number[]): number => (xs.length ? Math.sqrt(xs.reduce((s, v) => s + v * v, 0) / xs.length) : 0);

/**
 * `directedMotion(start, end)` tells whether the direction moves the camera in that span: a
 * frozen picture under a directed static camera over a still scene is what was asked (previz).
 */
export function measureStability(
  stats: FrameStats[],
  path: CameraSample[],
  cuts: Array<{ t: number; frame: number }>,
  fps: number,
  directedMotion?: (start: number, end: number) => boolean,
): StabilityMeasurement {
  const frameDuration = 1 / fps;
  const times = stats.map((s) => s.t);
  const breaks = new Set(cuts.map((c) => c.frame));

  // Flicker: mean luma against its own local trend (±0.25 s), relative to the trend.
  const half = Math.max(2, Math.round(fps * 0.25));
  const means = stats.map((s) => s.mean);
  const trend = localQuadraticTrend(means, half, breaks);
  const deviation = means.map((m, i) => ((m - trend[i]!) / Math.max(trend[i]!, 0.05)) * 100);
  const flickerFlags = deviation.map((d) => Math.abs(d) > FLICKER_SPAN_PERCENT);
  const flickerSpans = spans(flickerFlags, times, frameDuration, 0, 0.5).map((s) => ({
    start: round(s.start, 3),
    end: round(s.end, 3),
    peak: round(Math.max(...deviation.slice(s.from, s.to + 1).map(Math.abs)), 2),
  }));

  // Jitter: the path against its own local quadratic trend (±0.25 s).
  const xs = path.map((p) => p.x);
  const ys = path.map((p) => p.y);
  const zs = path.map((p) => Math.log(p.zoom));
  const tx = localQuadraticTrend(xs, half, breaks);
  const ty = localQuadraticTrend(ys, half, breaks);
  const tz = localQuadraticTrend(zs, half, breaks);
  // Robust spread (1.4826 · median |r|): shake is in most frames, while a single change of pace
  // (a move starting abruptly) disturbs only the frames around it.
  const jitter = {
    x: round(robustSigma(xs.map((v, i) => v - tx[i]!)) * 100, 3),
    y: round(robustSigma(ys.map((v, i) => v - ty[i]!)) * 100, 3),
    zoom: round(robustSigma(zs.map((v, i) => v - tz[i]!)) * 100, 3),
  };

  const frozenFlags = stats.map((s, i) => i > 0 && s.change < FROZEN_CHANGE);
  // A frozen pair (i−1, i) freezes both frames.
  const frozenFrames = stats.map((_, i) => frozenFlags[i] === true || frozenFlags[i + 1] === true);
  const frozen = spans(frozenFrames, times, frameDuration, FROZEN_MIN_SECONDS).map((s) => ({
    start: round(s.start, 3),
    end: round(s.end, 3),
    directedMotion: directedMotion ? directedMotion(s.start, s.end) : null,
  }));
  const black = spans(
    stats.map((s) => s.mean < BLACK_MEAN && s.std < BLACK_STD),
    times,
    frameDuration,
    0,
  ).map((s) => ({ start: round(s.start, 3), end: round(s.end, 3) }));

  return {
    flicker: { index: round(rms(deviation), 3), spans: flickerSpans },
    jitter,
    cuts: cuts.map((c) => ({ t: round(c.t, 3), frame: c.frame })),
    frozen,
    black,
  };
}

export const round = (v: number, digits: number): number => {
  const k = 10 ** digits;
  const r = Math.round(v * k) / k;
  return r === 0 ? 0 : r;
};
