/**
 * Global motion between two gray frames: a similarity warp (scale, rotation, translation) found
 * by inverse-compositional Gauss–Newton (Baker & Matthews) over an image pyramid, with Huber
 * weights so moving subjects and newly revealed borders do not pull the fit, and a brightness
 * offset so flicker does not read as motion.
 *
 * Why this and not phase correlation: the critic needs scale as precisely as translation (a
 * push-in is judged to 5 %), and a direct fit on image gradients gives sub-pixel translation and
 * 1e-4 scale from one consistent model, in a few milliseconds per frame at 256 px — no FFT, no
 * log-polar resampling. Large moves are handled by the pyramid and by starting from a prediction
 * (the caller passes the previous frame's velocity).
 *
 * Warps are complex affine maps on centred pixel coordinates (x + iy, y down; origin at the frame
 * centre, pixel i at i + ½): w(z) = s·z + t, |s| = scale, arg s = clockwise rotation.
 */

export interface Complex {
  re: number;
  im: number;
}

/** w(z) = s·z + t. */
export interface SimilarityWarp {
  s: Complex;
  t: Complex;
}

export const IDENTITY_WARP: SimilarityWarp = { s: { re: 1, im: 0 }, t: { re: 0, im: 0 } };

export const cmul = (a: Complex, b: Complex): Complex => ({ re: a.re * b.re - a.im * b.im, im: a.re * b.im + a.im * b.re });
export const cdiv = (a: Complex, b: Complex): Complex => {
  const d = b.re * b.re + b.im * b.im;
  return { re: (a.re * b.re + a.im * b.im) / d, im: (a.im * b.re - a.re * b.im) / d };
};
export const cadd = (a: Complex, b: Complex): Complex => ({ re: a.re + b.re, im: a.im + b.im });
export const csub = (a: Complex, b: Complex): Complex => ({ re: a.re - b.re, im: a.im - b.im });
export const cabs = (a: Complex): number => Math.hypot(a.re, a.im);
export const carg = (a: Complex): number => Math.atan2(a.im, a.re);
export const cscale = (a: Complex, k: number): Complex => ({ re: a.re * k, im: a.im * k });
export const cpolar = (r: number, theta: number): Complex => ({ re: r * Math.cos(theta), im: r * Math.sin(theta) });

/** (a ∘ b)(z) = a(b(z)). */
export const composeWarps = (a: SimilarityWarp, b: SimilarityWarp): SimilarityWarp => ({ s: cmul(a.s, b.s), t: cadd(cmul(a.s, b.t), a.t) });
export const invertWarp = (w: SimilarityWarp): SimilarityWarp => {
  const s = cdiv({ re: 1, im: 0 }, w.s);
  return { s, t: cscale(cmul(s, w.t), -1) };
};

/** One pyramid level: pixels, size, and the frame centre in this level's pixel units. */
export interface Level {
  data: Float32Array;
  width: number;
  height: number;
  /** Level-0 pixels per pixel of this level (1, 2, 4, …). */
  factor: number;
  cx: number;
  cy: number;
  /** Central-difference gradients; filled lazily by gradients() (only templates need them). */
  gx?: Float32Array;
  gy?: Float32Array;
}

export type Pyramid = Level[];

/** Smallest level width worth fitting on (coarser levels hold too few pixels to constrain scale). */
const MIN_LEVEL_WIDTH = 28;

/**
 * A pyramid from level-0 pixels, each level a 2×2 box average of the one below. The picture is
 * normalised to zero mean and a fixed contrast first, so a global gain change (flicker, an
 * exposure drift) does not show up as residual the fit would try to explain with motion.
 */
export function buildPyramid(pixels: Float32Array, width: number, height: number, levels = 4): Pyramid {
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < pixels.length; i++) {
    const v = pixels[i]!;
    sum += v;
    sq += v * v;
  }
  const mean = sum / pixels.length;
  const std = Math.sqrt(Math.max(0, sq / pixels.length - mean * mean));
  const k = std > 1e-9 ? 40 / std : 1;
  const base = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) base[i] = (pixels[i]! - mean) * k;
  const pyramid: Pyramid = [{ data: base, width, height, factor: 1, cx: width / 2, cy: height / 2 }];
  while (pyramid.length < levels) {
    const prev = pyramid[pyramid.length - 1]!;
    const w = prev.width >> 1;
    const h = prev.height >> 1;
    if (w < MIN_LEVEL_WIDTH || h < 8) break;
    const data = new Float32Array(w * h);
    const src = prev.data;
    const pw = prev.width;
    for (let y = 0; y < h; y++) {
      const r0 = 2 * y * pw;
      const r1 = r0 + pw;
      for (let x = 0; x < w; x++) {
        const c = 2 * x;
        data[y * w + x] = 0.25 * (src[r0 + c]! + src[r0 + c + 1]! + src[r1 + c]! + src[r1 + c + 1]!);
      }
    }
    const factor = prev.factor * 2;
    pyramid.push({ data, width: w, height: h, factor, cx: width / 2 / factor, cy: height / 2 / factor });
  }
  return pyramid;
}

export function gradients(level: Level): { gx: Float32Array; gy: Float32Array } {
  if (level.gx && level.gy) return { gx: level.gx, gy: level.gy };
  const { data, width: w, height: h } = level;
  const gx = new Float32Array(w * h);
  const gy = new Float32Array(w * h);
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      gx[i] = 0.5 * (data[i + 1]! - data[i - 1]!);
      gy[i] = 0.5 * (data[i + w]! - data[i - w]!);
    }
  }
  level.gx = gx;
  level.gy = gy;
  return { gx, gy };
}

export interface AlignOptions {
  /** Fit rotation too (else scale and translation only). Default true. */
  rotation?: boolean;
  /** Fit scale too. Default true. */
  scale?: boolean;
  /** Only template pixels inside this rectangle (level-0 pixel units, x0 ≤ x < x1) take part. */
  region?: { x0: number; y0: number; x1: number; y1: number };
  /** Finest level used (0 = full analysis size). */
  finestLevel?: number;
  /** Coarsest level used; defaults to the pyramid's coarsest. */
  coarsestLevel?: number;
}

export interface AlignResult {
  /** Maps template (frame being placed) coordinates to reference coordinates, level-0 pixels. */
  warp: SimilarityWarp;
  /** Normalised cross-correlation of the aligned pixels (1 = identical up to gain/offset). */
  ncc: number;
  /** Share of the template's pixels that landed inside the reference. */
  coverage: number;
  /** Robust RMS residual (normalised units, picture std = 40). */
  residual: number;
}

/** Iteration caps per level (finest first): coarse levels only need to land within a pixel. */
const MAX_ITERATIONS = [5, 6, 8, 10, 10, 10];
/** A level is done when an update moves the picture by less than this (that level's pixels). */
const CONVERGED_STEP = [0.01, 0.03, 0.05, 0.05, 0.05, 0.05];

/**
 * Finds w such that template(z) ≈ reference(w(z)) (centred level-0 pixel coordinates), starting
 * from `initial`. `template` gets gradients cached on its levels.
 */
export function alignSimilarity(reference: Pyramid, template: Pyramid, initial: SimilarityWarp, options: AlignOptions = {}): AlignResult {
  const fitRotation = options.rotation ?? true;
  const fitScale = options.scale ?? true;
  const finest = Math.min(options.finestLevel ?? 0, template.length - 1, reference.length - 1);
  const coarsest = Math.min(options.coarsestLevel ?? Math.min(reference.length, template.length) - 1, template.length - 1, reference.length - 1);
  let warp = initial;
  let bias = 0;
  const H = new Float64Array(16);
  const b = new Float64Array(4);
  for (let L = coarsest; L >= finest; L--) {
    const ref = reference[L]!;
    const tpl = template[L]!;
    const f = tpl.factor;
    const { gx, gy } = gradients(tpl);
    const tw = tpl.width;
    const th = tpl.height;
    const rw = ref.width;
    const rh = ref.height;
    const rd = ref.data;
    const td = tpl.data;
    const region = options.region;
    const xs = Math.max(1, region ? Math.floor(region.x0 / f) : 1);
    const xe = Math.min(tw - 1, region ? Math.ceil(region.x1 / f) : tw - 1);
    const ys = Math.max(1, region ? Math.floor(region.y0 / f) : 1);
    const ye = Math.min(th - 1, region ? Math.ceil(region.y1 / f) : th - 1);
    let huber = 30; // starts loose, then follows the residual's spread
    const iterations = MAX_ITERATIONS[L] ?? 8;
    for (let it = 0; it < iterations; it++) {
      // Level warp: same s, translation in this level's pixels; reference centre may differ.
      const sr = warp.s.re;
      const si = fitRotation ? warp.s.im : 0;
      const txL = warp.t.re / f;
      const tyL = warp.t.im / f;
      H.fill(0);
      b.fill(0);
      let absSum = 0;
      let n = 0;
      let biasSum = 0;
      let wSum = 0;
      for (let y = ys; y < ye; y++) {
        const dy = y + 0.5 - tpl.cy;
        for (let x = xs; x < xe; x++) {
          const dx = x + 0.5 - tpl.cx;
          // Reference position (continuous, pixel centres at i + ½) → sample indices.
          const px = sr * dx - si * dy + txL + ref.cx - 0.5;
          const py = si * dx + sr * dy + tyL + ref.cy - 0.5;
          if (px < 0 || py < 0 || px >= rw - 1 || py >= rh - 1) continue;
          const ix = px | 0;
          const iy = py | 0;
          const fx = px - ix;
          const fy = py - iy;
          const o = iy * rw + ix;
          const top = rd[o]! + fx * (rd[o + 1]! - rd[o]!);
          const bot = rd[o + rw]! + fx * (rd[o + rw + 1]! - rd[o + rw]!);
          const i = y * tw + x;
          const e = top + fy * (bot - top) - td[i]! - bias;
          const ae = e < 0 ? -e : e;
          const wgt = ae <= huber ? 1 : huber / ae;
          absSum += ae;
          n++;
          biasSum += wgt * (e + bias);
          wSum += wgt;
          const g0 = gx[i]!;
          const g1 = gy[i]!;
          // Steepest-descent images for (scale, rotation, tx, ty) at the identity warp.
          const j0 = g0 * dx + g1 * dy;
          const j1 = g1 * dx - g0 * dy;
          const we = wgt * e;
          b[0]! += j0 * we;
          b[1]! += j1 * we;
          b[2]! += g0 * we;
          b[3]! += g1 * we;
          const wj0 = wgt * j0;
          const wj1 = wgt * j1;
          const wg0 = wgt * g0;
          H[0]! += wj0 * j0;
          H[1]! += wj0 * j1;
          H[2]! += wj0 * g0;
          H[3]! += wj0 * g1;
          H[5]! += wj1 * j1;
          H[6]! += wj1 * g0;
          H[7]! += wj1 * g1;
          H[10]! += wg0 * g0;
          H[11]! += wg0 * g1;
          H[15]! += wgt * g1 * g1;
        }
      }
      if (n < 24) break;
      bias = wSum > 0 ? biasSum / wSum : bias;
      // Huber threshold ≈ 1.345 σ, σ from the mean absolute residual (σ ≈ 1.25 · mean|e|).
      huber = Math.max(2, 1.345 * 1.25 * (absSum / n));
      const delta = solveSymmetric4(H, b, fitScale, fitRotation);
      if (!delta) break;
      // Inverse compositional update: w ← w ∘ d⁻¹, with d the incremental warp in level pixels.
      const d: SimilarityWarp = { s: { re: 1 + delta[0]!, im: delta[1]! }, t: { re: delta[2]! * f, im: delta[3]! * f } };
      warp = composeWarps(warp, invertWarp(d));
      if (!fitRotation) warp = { s: { re: cabs(warp.s), im: 0 }, t: warp.t };
      const step = Math.hypot(delta[2]!, delta[3]!) + Math.hypot(delta[0]!, delta[1]!) * Math.max(tw, th);
      if (step < (CONVERGED_STEP[L] ?? 0.05)) break;
    }
  }
  const quality = measureAlignment(reference[finest]!, template[finest]!, warp, options.region);
  return { warp, ...quality };
}

/** Solves the 4×4 system H·x = b (upper triangle of H filled), fixing the unused parameters at 0. */
function solveSymmetric4(Hu: Float64Array, b: Float64Array, scale: boolean, rotation: boolean): number[] | null {
  const active = [scale, rotation, true, true].map((on, i) => (on ? i : -1)).filter((i) => i >= 0);
  const n = active.length;
  const A: number[][] = active.map((r) => active.map((c) => (r <= c ? Hu[r * 4 + c]! : Hu[c * 4 + r]!)));
  const y = active.map((r) => b[r]!);
  // Gaussian elimination with partial pivoting (tiny system).
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(A[r]![c]!) > Math.abs(A[p]![c]!)) p = r;
    if (Math.abs(A[p]![c]!) < 1e-12) return null;
    [A[c], A[p]] = [A[p]!, A[c]!];
    [y[c], y[p]] = [y[p]!, y[c]!];
    for (let r = c + 1; r < n; r++) {
      const k = A[r]![c]! / A[c]![c]!;
      for (let cc = c; cc < n; cc++) A[r]![cc]! -= k * A[c]![cc]!;
      y[r]! -= k * y[c]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = y[r]!;
    for (let c = r + 1; c < n; c++) s -= A[r]![c]! * x[c]!;
    x[r] = s / A[r]![r]!;
  }
  const out = [0, 0, 0, 0];
  active.forEach((idx, k) => (out[idx] = x[k]!));
  return out;
}

/** NCC, coverage and residual of the template against the warped reference at one level. */
export function measureAlignment(ref: Level, tpl: Level, warp: SimilarityWarp, region?: AlignOptions["region"]): Omit<AlignResult, "warp"> {
  const f = tpl.factor;
  const sr = warp.s.re;
  const si = warp.s.im;
  const txL = warp.t.re / f;
  const tyL = warp.t.im / f;
  const xs = region ? Math.max(0, Math.floor(region.x0 / f)) : 0;
  const xe = region ? Math.min(tpl.width, Math.ceil(region.x1 / f)) : tpl.width;
  const ys = region ? Math.max(0, Math.floor(region.y0 / f)) : 0;
  const ye = region ? Math.min(tpl.height, Math.ceil(region.y1 / f)) : tpl.height;
  let n = 0;
  let sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
  const total = Math.max(1, (xe - xs) * (ye - ys));
  for (let y = ys; y < ye; y += 1) {
    const dy = y + 0.5 - tpl.cy;
    for (let x = xs; x < xe; x += 1) {
      const dx = x + 0.5 - tpl.cx;
      const px = sr * dx - si * dy + txL + ref.cx - 0.5;
      const py = si * dx + sr * dy + tyL + ref.cy - 0.5;
      if (px < 0 || py < 0 || px >= ref.width - 1 || py >= ref.height - 1) continue;
      const ix = px | 0;
      const iy = py | 0;
      const fx = px - ix;
      const fy = py - iy;
      const o = iy * ref.width + ix;
      const rd = ref.data;
      const top = rd[o]! + fx * (rd[o + 1]! - rd[o]!);
      const bot = rd[o + ref.width]! + fx * (rd[o + ref.width + 1]! - rd[o + ref.width]!);
      const a = top + fy * (bot - top);
      const c = tpl.data[y * tpl.width + x]!;
      sa += a; sb += c; saa += a * a; sbb += c * c; sab += a * c;
      n++;
    }
  }
  if (n < 16) return { ncc: 0, coverage: n / total, residual: Infinity };
  const ma = sa / n;
  const mb = sb / n;
  const va = saa / n - ma * ma;
  const vb = sbb / n - mb * mb;
  const cov = sab / n - ma * mb;
  const ncc = va > 1e-9 && vb > 1e-9 ? cov / Math.sqrt(va * vb) : va <= 1e-9 && vb <= 1e-9 ? 1 : 0;
  const residual = Math.sqrt(Math.max(0, va + vb - 2 * cov));
  return { ncc, coverage: n / total, residual };
}
