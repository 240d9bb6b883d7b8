/**
 * The camera path of a clip, frame by frame, measured on the background only.
 *
 * Points (features.ts) are tracked from frame to frame; every frame is placed against an *anchor*
 * frame by a robust similarity fit over the points seen in both (robustFit.ts), and the fit turns
 * into the camera's view window over the first frame.
 *
 * Which points are the background. A subject moves on its own; the camera moves everything else.
 * The fit takes the motion that most of the *frame* agrees on (points weighted per grid cell, so a
 * dense textured subject does not outvote a thinly textured background), and each point keeps a
 * record of whether it agreed with the camera before: points that were background count more,
 * points that moved on their own count less. So the background is chosen once and kept over the
 * clip, not re-decided per frame pair.
 *
 * Confidence from evidence, per frame: the weighted share of points that agree, how much of the
 * frame those points cover (6×4 cells), how many there are, and whether a second, rival motion
 * has nearly as much support (then the picture alone cannot say which one is the camera).
 *
 * Geometry. Frame k shows, at centred pixel z, the first frame's point p = c_k + e^{iθ_k}·z/zoom_k
 * (c_k the window centre, zoom_k = first frame width / window width, θ_k the roll). Between the
 * anchor a and frame k that is the warp z ↦ s·z + t with
 *   s = (zoom_a / zoom_k)·e^{i(θ_k − θ_a)},   t = zoom_a·e^{−iθ_a}·(c_k − c_a),
 * which inverts to zoom_k = zoom_a / |s|, θ_k = θ_a + arg s, c_k = c_a + e^{iθ_a}·t / zoom_a.
 * A camera that pans right has c moving right (content moves left): x increases.
 *
 * A frame that the previous one explains badly (NCC after alignment below CUT_MATCH, also when
 * realigned from scratch) is a hard cut: its time is reported, the path holds across it and
 * tracking restarts on the new shot.
 */
import {
  alignSimilarity,
  buildPyramid,
  cabs,
  carg,
  cmul,
  cpolar,
  csub,
  IDENTITY_WARP,
  measureAlignment,
  type Complex,
  type Pyramid,
  type SimilarityWarp,
} from "./align.js";
import { detectCorners, trackPoints, type Point2 } from "./features.js";
import { fitSimilarityMsac, residual, type Correspondence } from "./robustFit.js";

export interface CameraSample {
  t: number;
  /** Window centre, fractions of the first frame (origin top-left). */
  x: number;
  y: number;
  /** First frame width / window width. */
  zoom: number;
  /** Degrees clockwise. */
  roll: number;
  /** NCC of the frame against the previous one after alignment (1 = perfect). */
  match: number;
  /** 0..1: how well the background was seen in this frame (see the header). */
  confidence: number;
  /** The evidence behind it. */
  evidence: FrameEvidence;
}

export interface FrameEvidence {
  /** Weighted share of the tracked points that moved with the camera. */
  inlierShare: number;
  /** Share of the frame's 6×4 cells holding such points. */
  coverage: number;
  /** Share of the frame's cells holding any tracked point (texture to see motion on). */
  textured: number;
  /** Support of the strongest rival motion relative to the camera's (0 = none). */
  rival: number;
  points: number;
  /** RMS residual of the agreeing points against the fit (analysis pixels). */
  rms?: number;
  /**
   * The agreeing points form one patch that does not reach across the frame (from its left edge to
   * its right: ground, a horizon, a wall do), with no texture elsewhere: one object on a plain
   * background, whose motion may be its own as well as the camera's.
   */
  oneObject?: boolean;
}

export interface TrackResult {
  path: CameraSample[];
  /** Times of hard cuts (the first frame of the new shot). */
  cuts: Array<{ t: number; frame: number; match: number }>;
}

export interface CameraState2 {
  c: Complex;
  zoom: number;
  theta: number;
}

interface Track {
  pos: Point2;
  /** Position in the anchor frame (null for points found after the anchor). */
  anchorPos: Point2 | null;
  /** Record: > 0 has moved with the camera, < 0 has moved on its own. */
  record: number;
}

/** A cut: the new frame matches the previous one this badly even after realignment. */
export const CUT_MATCH = 0.45;
/** Detection grid (analysis pixels) and the coarse grid coverage is counted on. */
const DETECT_CELL = 14;
const COVER_COLS = 6;
const COVER_ROWS = 4;
const WEIGHT_CELL = 32;
/**
 * Frames before the anchor is renewed. Half a second at 24 fps: on a pan the points seen at the
 * anchor leave the frame and only an anchor renewal brings the entering background in, so a long
 * anchor ends resting on fewer and more central points (often the subject). 12 against 24: webcam
 * rows' worst amount 18 % → 10 %, tripod rows unchanged (chosen on the tune and dev rows; 8 and 16
 * were worse on them).
 */
const MAX_ANCHOR_AGE = 12;
const MAX_ANCHOR_SCALE = 0.18; // |ln s|
const MAX_ANCHOR_SHIFT = 0.2; // of the frame width
/**
 * The tight stage's threshold (analysis pixels, + per frame since the anchor): about twice the
 * residual of rigid background on real footage (0.11–0.25 px RMS on the tripod rows), under what a
 * swaying subject adds (0.5–0.65 px RMS when the two were blended). Chosen on the tune and dev rows
 * (0.35 and 0.43 lose the walls' few points, 0.6 lets the signer back in).
 */
const TIGHT_THRESHOLD = 0.5;
const TIGHT_PER_FRAME = 0.01;

const clamp01 = (v: number) => Math.max(0, Math.min(1, v));

export class CameraTracker {
  private readonly states: CameraState2[] = [];
  private readonly samples: CameraSample[] = [];
  private readonly cuts: TrackResult["cuts"] = [];
  private anchor: { index: number; state: CameraState2; points: number } | null = null;
  private tracks: Track[] = [];
  private previousPyramid: Pyramid | null = null;
  private lastCut = -1;
  /** Pyramid of the frame last pushed (for measurements that reuse it: holds, subjects). */
  current: Pyramid | null = null;
  /** Pyramid of the frame before it. */
  previous: Pyramid | null = null;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {}

  push(index: number, t: number, signal: Float32Array): CameraSample {
    const pyramid = buildPyramid(signal, this.width, this.height);
    this.previous = this.current;
    this.current = pyramid;
    const prev = this.previousPyramid;
    let state: CameraState2;
    let match = 1;
    let evidence: FrameEvidence = { inlierShare: 1, coverage: 1, textured: 1, rival: 0, points: 0 };
    let confidence = 1;
    if (!prev || !this.anchor) {
      state = { c: { re: 0, im: 0 }, zoom: 1, theta: 0 };
      this.restart(pyramid, index, state);
      evidence = { ...evidence, points: this.tracks.length, textured: this.texturedShare() };
    } else {
      const last = this.states[this.states.length - 1]!;
      const predicted = this.predict();
      const guesses = this.tracks.map((tr) => this.project(tr.pos, last, predicted));
      const moved = trackPoints(prev, pyramid, this.tracks.map((tr) => tr.pos), guesses);
      const before = this.tracks.length;
      this.tracks = this.tracks.flatMap((tr, i) => (moved[i] ? [{ ...tr, pos: moved[i]! }] : []));
      const fit = this.fit(predicted);
      let candidate = fit?.state ?? null;
      // Is the frame still the same shot? Check the frame-to-frame alignment the fit implies.
      match = candidate ? this.matchToPrevious(prev, pyramid, last, candidate) : 0;
      if (match < CUT_MATCH || this.tracks.length < Math.max(6, 0.2 * before)) {
        const direct = alignSimilarity(prev, pyramid, this.relativeWarp(last, predicted), { finestLevel: 1 });
        const again = direct.coverage > 0.25 ? direct.ncc : 0;
        if (again < CUT_MATCH && match < CUT_MATCH) {
          state = last;
          this.cuts.push({ t, frame: index, match: Math.max(match, again) });
          this.lastCut = this.states.length;
          this.restart(pyramid, index, state);
          match = Math.max(match, again);
          confidence = 0;
          evidence = { inlierShare: 0, coverage: 0, textured: this.texturedShare(), rival: 0, points: 0 };
          return this.record(t, state, match, confidence, evidence);
        }
        if (!candidate || this.tracks.length < 6) {
          // Lost the points but not the shot (blur, a flash): the direct fit carries the path,
          // with no confidence, and tracking starts over from here.
          candidate = this.fromRelative(last, direct.warp);
          match = again;
          state = candidate;
          this.restart(pyramid, index, state);
          return this.record(t, state, match, 0, { inlierShare: 0, coverage: 0, textured: this.texturedShare(), rival: 0, points: 0 });
        }
      }
      state = candidate!;
      evidence = fit!.evidence;
      confidence = fit!.confidence;
      this.maybeRenewAnchor(pyramid, index, state);
    }
    return this.record(t, state, match, confidence, evidence);
  }

  /** Whether frame `index` was found to start a new shot. */
  cutAt(index: number): boolean {
    return this.cuts.some((c) => c.frame === index);
  }

  /** The camera state of the frame last pushed. */
  get state(): CameraState2 {
    return this.states[this.states.length - 1]!;
  }

  finish(): TrackResult {
    return { path: this.samples, cuts: this.cuts };
  }

  private record(t: number, state: CameraState2, match: number, confidence: number, evidence: FrameEvidence): CameraSample {
    this.states.push(state);
    this.previousPyramid = this.current;
    const sample: CameraSample = {
      t,
      x: 0.5 + state.c.re / this.width,
      y: 0.5 + state.c.im / this.height,
      zoom: state.zoom,
      roll: (state.theta * 180) / Math.PI,
      match,
      confidence,
      evidence,
    };
    this.samples.push(sample);
    return sample;
  }

  /** New anchor here: every live point remembers where it is now; empty cells get new points. */
  private restart(pyramid: Pyramid, index: number, state: CameraState2, keep = false): void {
    if (!keep) this.tracks = [];
    for (const tr of this.tracks) tr.anchorPos = { ...tr.pos };
    const occupied = new Set(this.tracks.map((tr) => `${Math.floor(tr.pos.x / DETECT_CELL)},${Math.floor(tr.pos.y / DETECT_CELL)}`));
    for (const p of detectCorners(pyramid[0]!, { cell: DETECT_CELL, occupied: (cx, cy) => occupied.has(`${cx},${cy}`) })) {
      this.tracks.push({ pos: p, anchorPos: { ...p }, record: 0 });
    }
    this.anchor = { index, state, points: this.tracks.length };
  }

  private maybeRenewAnchor(pyramid: Pyramid, index: number, state: CameraState2): void {
    const a = this.anchor!;
    const alive = this.tracks.filter((tr) => tr.anchorPos).length;
    const shift = cabs(csub(state.c, a.state.c)) * a.state.zoom;
    if (
      index - a.index >= MAX_ANCHOR_AGE ||
      alive < 0.6 * a.points ||
      Math.abs(Math.log(state.zoom / a.state.zoom)) > MAX_ANCHOR_SCALE ||
      shift > MAX_ANCHOR_SHIFT * this.width
    ) {
      this.restart(pyramid, index, state, true);
    }
  }

  /** See FrameEvidence.oneObject: connected patches of 8×6 cells holding the points. */
  private isOneObject(points: Point2[]): boolean {
    const cols = 8;
    const rows = 6;
    const grid = new Uint8Array(cols * rows);
    for (const p of points) {
      const cx = Math.min(cols - 1, Math.max(0, Math.floor((p.x / this.width) * cols)));
      const cy = Math.min(rows - 1, Math.max(0, Math.floor((p.y / this.height) * rows)));
      grid[cy * cols + cx] = 1;
    }
    // Any tracked point outside the agreeing ones' cells is texture elsewhere: not one object alone.
    const seen = new Uint8Array(cols * rows);
    let patches = 0;
    let across = false;
    for (let start = 0; start < grid.length; start++) {
      if (!grid[start] || seen[start]) continue;
      patches++;
      const stack = [start];
      seen[start] = 1;
      const touched = new Set<string>();
      while (stack.length) {
        const i = stack.pop()!;
        const x = i % cols;
        const y = (i / cols) | 0;
        if (x === 0) touched.add("l");
        if (x === cols - 1) touched.add("r");
        if (y === 0) touched.add("t");
        if (y === rows - 1) touched.add("b");
        for (const [nx, ny] of [[x - 1, y], [x + 1, y], [x, y - 1], [x, y + 1]] as const) {
          if (nx < 0 || ny < 0 || nx >= cols || ny >= rows) continue;
          const j = ny * cols + nx;
          if (grid[j] && !seen[j]) {
            seen[j] = 1;
            stack.push(j);
          }
        }
      }
      across = touched.has("l") && touched.has("r");
    }
    // Texture elsewhere that moves otherwise: the patch is one of several things, not alone.
    const elsewhere = this.tracks.some((tr) => {
      const cx = Math.min(cols - 1, Math.max(0, Math.floor((tr.pos.x / this.width) * cols)));
      const cy = Math.min(rows - 1, Math.max(0, Math.floor((tr.pos.y / this.height) * rows)));
      return !grid[cy * cols + cx];
    });
    return patches === 1 && !across && !elsewhere;
  }

  /** Share of coverage cells holding any tracked point. */
  private texturedShare(): number {
    const cells = new Set(this.tracks.map((tr) => this.coverCell(tr.pos)));
    return cells.size / (COVER_COLS * COVER_ROWS);
  }

  private coverCell(p: Point2): number {
    const cx = Math.min(COVER_COLS - 1, Math.max(0, Math.floor((p.x / this.width) * COVER_COLS)));
    const cy = Math.min(COVER_ROWS - 1, Math.max(0, Math.floor((p.y / this.height) * COVER_ROWS)));
    return cy * COVER_COLS + cx;
  }

  /** The robust fit of the current points against the anchor, with its confidence. */
  private fit(predicted: CameraState2): { state: CameraState2; confidence: number; evidence: FrameEvidence } | null {
    const a = this.anchor!;
    const used = this.tracks.filter((tr) => tr.anchorPos);
    if (used.length < 3) return null;
    const cellCount = new Map<string, number>();
    const cellOf = (p: Point2) => `${Math.floor(p.x / WEIGHT_CELL)},${Math.floor(p.y / WEIGHT_CELL)}`;
    for (const tr of used) cellCount.set(cellOf(tr.pos), (cellCount.get(cellOf(tr.pos)) ?? 0) + 1);
    const cx = this.width / 2 - 0.5;
    const cy = this.height / 2 - 0.5;
    const points: Correspondence[] = used.map((tr) => ({
      from: { re: tr.pos.x - cx, im: tr.pos.y - cy },
      to: { re: tr.anchorPos!.x - cx, im: tr.anchorPos!.y - cy },
      weight: (1 / cellCount.get(cellOf(tr.pos))!) * Math.exp(0.15 * Math.max(-12, Math.min(12, tr.record))),
    }));
    const age = this.samples.length - a.index;
    const threshold = 0.9 + 0.02 * age;
    const predictedWarp = this.relativeWarp(a.state, predicted);
    const coarse = fitSimilarityMsac(points, { threshold, candidates: [predictedWarp, this.relativeWarp(a.state, this.states[this.states.length - 1]!)], seed: this.samples.length + 1 });
    if (!coarse) return null;
    // Second, tight stage among the coarse inliers. A large subject that sways, breathes or leans
    // in moves by less than the coarse threshold between anchor and frame, so the coarse inliers
    // can hold two motions and their least-squares fit lands between them (on the webcam rows the
    // "camera" zoomed 2–4 % with the signer while the walls were still). Rigid background agrees
    // to ~0.15–0.25 px; MSAC again with a tight threshold keeps the one motion most of the frame
    // holds to that precision, and the fit follows it alone.
    let best = coarse;
    const idx = points.map((_, i) => i).filter((i) => coarse.inlier[i]);
    const tight = idx.length >= 3 ? fitSimilarityMsac(idx.map((i) => points[i]!), { threshold: TIGHT_THRESHOLD + TIGHT_PER_FRAME * age, candidates: [coarse.warp], iterations: 60, seed: this.samples.length + 7 }) : null;
    if (tight) {
      const inlier = points.map(() => false);
      idx.forEach((i, k) => (inlier[i] = tight.inlier[k]!));
      const wAll = points.reduce((sum, p) => sum + p.weight, 0);
      const wIn = points.reduce((sum, p, i) => sum + (inlier[i] ? p.weight : 0), 0);
      best = { warp: tight.warp, inlier, inlierShare: wAll > 0 ? wIn / wAll : 0, rms: tight.rms };
    }
    used.forEach((tr, i) => {
      tr.record = Math.max(-20, Math.min(20, tr.record + (best.inlier[i] ? 1 : -3)));
    });
    const inlierCells = new Set(used.filter((_, i) => best.inlier[i]).map((tr) => this.coverCell(tr.pos)));
    const coverage = inlierCells.size / (COVER_COLS * COVER_ROWS);
    const nIn = best.inlier.filter(Boolean).length;
    // A rival: the strongest motion among the points the camera fit left out.
    const outliers = points.filter((_, i) => !best.inlier[i]);
    let rival = 0;
    if (outliers.length >= 4) {
      const second = fitSimilarityMsac(outliers, { threshold, iterations: 60, seed: 99 });
      if (second) {
        const wAll = points.reduce((s, p) => s + p.weight, 0);
        const wSecond = outliers.reduce((s, p, i) => s + (second.inlier[i] ? p.weight : 0), 0) / wAll;
        // Count it only if it really is another motion (differs by pixels at the frame's corners).
        const corners = [
          { re: -cx, im: -cy }, { re: cx, im: -cy }, { re: -cx, im: cy }, { re: cx, im: cy },
        ];
        const differs = corners.some((z) => residual(second.warp, { from: z, to: { re: best.warp.s.re * z.re - best.warp.s.im * z.im + best.warp.t.re, im: best.warp.s.re * z.im + best.warp.s.im * z.re + best.warp.t.im }, weight: 1 }) > 2 * threshold);
        if (differs && second.inlier.filter(Boolean).length >= 4) rival = wSecond / Math.max(1e-9, best.inlierShare);
      }
    }
    const evidence: FrameEvidence = {
      inlierShare: best.inlierShare,
      coverage,
      textured: this.texturedShare(),
      rival,
      points: nIn,
      rms: best.rms,
      oneObject: this.isOneObject(used.filter((_, i) => best.inlier[i]).map((tr) => tr.pos)),
    };
    return { state: this.fromRelative(a.state, best.warp), confidence: frameConfidence(evidence), evidence };
  }

  /** Frame-to-previous NCC at half analysis size for the motion between two states. */
  private matchToPrevious(prev: Pyramid, cur: Pyramid, last: CameraState2, next: CameraState2): number {
    const w = this.relativeWarp(last, next);
    const m = measureAlignment(prev[1] ?? prev[0]!, cur[1] ?? cur[0]!, w);
    return m.coverage > 0.25 ? m.ncc : 0;
  }

  /** Warp from frame coordinates of state `k` to frame coordinates of state `a` (the header's s, t). */
  private relativeWarp(a: CameraState2, k: CameraState2): SimilarityWarp {
    return { s: cpolar(a.zoom / k.zoom, k.theta - a.theta), t: cmul(cpolar(a.zoom, -a.theta), csub(k.c, a.c)) };
  }

  private fromRelative(a: CameraState2, w: SimilarityWarp): CameraState2 {
    const dc = cmul(cpolar(1 / a.zoom, a.theta), w.t);
    return { c: { re: a.c.re + dc.re, im: a.c.im + dc.im }, zoom: a.zoom / cabs(w.s), theta: a.theta + carg(w.s) };
  }

  /** Where a point seen at `p` under state `from` is expected under state `to`. */
  private project(p: Point2, from: CameraState2, to: CameraState2): Point2 {
    const cx = this.width / 2 - 0.5;
    const cy = this.height / 2 - 0.5;
    const w = this.relativeWarp(to, from); // frame(from) → frame(to)
    const z = { re: p.x - cx, im: p.y - cy };
    return { x: w.s.re * z.re - w.s.im * z.im + w.t.re + cx, y: w.s.re * z.im + w.s.im * z.re + w.t.im + cy };
  }

  /** Constant-velocity guess for the next state (no velocity across a cut). */
  private predict(): CameraState2 {
    const n = this.states.length;
    const last = this.states[n - 1]!;
    if (n < 2 || this.lastCut === n - 1) return last;
    const before = this.states[n - 2]!;
    return {
      c: { re: 2 * last.c.re - before.c.re, im: 2 * last.c.im - before.c.im },
      zoom: (last.zoom * last.zoom) / before.zoom,
      theta: 2 * last.theta - before.theta,
    };
  }
}

/**
 * 0..1 from a frame's evidence: the background must cover a fair part of the frame (a quarter of
 * the cells gives full marks), most of the points' weight must agree, enough points must agree,
 * and no rival motion may come close.
 */
export function frameConfidence(e: FrameEvidence): number {
  const coverage = clamp01((e.coverage - 0.1) / 0.2);
  const share = clamp01((e.inlierShare - 0.25) / 0.3);
  const count = clamp01(e.points / 10);
  const rival = clamp01((0.9 - e.rival) / 0.5);
  return coverage * share * count * rival * (e.oneObject ? 0.3 : 1);
}

export { IDENTITY_WARP };
