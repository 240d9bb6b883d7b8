/**
 * The camera path of a clip, frame by frame: each new frame is aligned (similarity warp, see
 * align.ts) to an anchor frame a few frames back, and the warp is turned into the camera's view
 * window over the first frame.
 *
 * Geometry. Frame k shows, at centred pixel z, the first frame's point p = c_k + e^{iθ_k}·z/zoom_k
 * (c_k the window centre, zoom_k = first frame width / window width, θ_k the roll). Between the
 * anchor a and frame k that is the warp z ↦ s·z + t with
 *   s = (zoom_a / zoom_k)·e^{i(θ_k − θ_a)},   t = zoom_a·e^{−iθ_a}·(c_k − c_a),
 * which inverts to zoom_k = zoom_a / |s|, θ_k = θ_a + arg s, c_k = c_a + e^{iθ_a}·t / zoom_a.
 * A camera that pans right has c moving right (content moves left): x increases.
 *
 * Anchoring, not chaining: frames are aligned to an anchor rather than to their neighbour, so the
 * per-alignment error is paid once per anchor (every ~half second) instead of once per frame. The
 * anchor moves on when the window has moved far from it (less overlap), when it is old (generated
 * content changes), or when the match degrades. A frame that matches neither anchor nor its
 * neighbour is a hard cut: the path holds across it and tracking restarts on the new shot.
 */
import {
  alignSimilarity,
  buildPyramid,
  cabs,
  carg,
  cmul,
  cpolar,
  csub,
  type Complex,
  type Pyramid,
  type SimilarityWarp,
} from "./align.js";

export interface CameraSample {
  t: number;
  /** Window centre, fractions of the first frame (origin top-left). */
  x: number;
  y: number;
  /** First frame width / window width. */
  zoom: number;
  /** Degrees clockwise. */
  roll: number;
  /** NCC of the frame against its anchor after alignment (1 = perfect). */
  match: number;
}

export interface TrackResult {
  path: CameraSample[];
  /** Times of hard cuts (the first frame of the new shot). */
  cuts: Array<{ t: number; frame: number; match: number }>;
}

interface State {
  c: Complex;
  zoom: number;
  theta: number;
}

/** A cut: the new frame matches neither the anchor nor the previous frame this well. */
export const CUT_MATCH = 0.45;
/** Below this the anchor is renewed from the previous frame before judging. */
const RENEW_MATCH = 0.9;
const MAX_ANCHOR_AGE = 12;
/** Pyramid level frames are fitted at: 1 = half the analysis size (128 px), a quarter of the
 * cost; a frame that becomes the next anchor is refined at full analysis size (level 0). */
export const TRACK_FINEST_LEVEL = Number(process.env.RETAKE_CRITIC_LEVEL ?? 1);
const MAX_ANCHOR_SCALE = 0.18; // |ln s|
const MAX_ANCHOR_SHIFT = 0.15; // of the frame width

export class CameraTracker {
  private readonly states: State[] = [];
  private readonly samples: CameraSample[] = [];
  private readonly cuts: TrackResult["cuts"] = [];
  private anchor: { index: number; pyramid: Pyramid; state: State } | null = null;
  private previous: { index: number; pyramid: Pyramid } | null = null;
  private lastCut = -1;
  /** Pyramid of the frame last pushed (for measurements that reuse it, e.g. holds). */
  current: Pyramid | null = null;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {}

  push(index: number, t: number, signal: Float32Array): CameraSample {
    // buildPyramid normalises contrast, so the signal's 0..1 scale needs no conversion.
    const pyramid = buildPyramid(signal, this.width, this.height);
    this.current = pyramid;
    let state: State;
    let match = 1;
    if (!this.anchor || !this.previous) {
      state = { c: { re: 0, im: 0 }, zoom: 1, theta: 0 };
      this.anchor = { index, pyramid, state };
    } else {
      const predicted = this.predict();
      let result = this.alignTo(this.anchor, pyramid, predicted);
      if (result.ncc < RENEW_MATCH && this.anchor.index !== this.previous.index) {
        this.anchor = { index: this.previous.index, pyramid: this.previous.pyramid, state: this.states[this.states.length - 1]! };
        result = this.alignTo(this.anchor, pyramid, predicted);
      }
      if (result.ncc < CUT_MATCH) {
        // Maybe the prediction threw it off: try again from "no motion since the last frame".
        const retry = this.alignTo(this.anchor, pyramid, this.states[this.states.length - 1]!);
        if (retry.ncc > result.ncc) result = retry;
      }
      if (result.ncc < CUT_MATCH) {
        state = this.states[this.states.length - 1]!;
        this.cuts.push({ t, frame: index, match: result.ncc });
        this.lastCut = index;
        this.anchor = { index, pyramid, state };
        match = result.ncc;
      } else {
        state = result.state;
        match = result.ncc;
        const a = this.anchor;
        const shift = cabs(csub(state.c, a.state.c)) * a.state.zoom;
        if (
          index - a.index >= MAX_ANCHOR_AGE ||
          Math.abs(Math.log(state.zoom / a.state.zoom)) > MAX_ANCHOR_SCALE ||
          shift > MAX_ANCHOR_SHIFT * this.width ||
          result.ncc < RENEW_MATCH
        ) {
          // Errors add up only where the anchor hands over, so that fit gets the full resolution.
          if (TRACK_FINEST_LEVEL > 0) {
            const refined = this.alignTo(a, pyramid, state, { finestLevel: 0, coarsestLevel: 0 });
            if (refined.ncc >= result.ncc - 0.02) {
              state = refined.state;
              match = refined.ncc;
            }
          }
          this.anchor = { index, pyramid, state };
        }
      }
    }
    this.states.push(state);
    this.previous = { index, pyramid };
    const sample: CameraSample = {
      t,
      x: 0.5 + state.c.re / this.width,
      y: 0.5 + state.c.im / this.height,
      zoom: state.zoom,
      roll: (state.theta * 180) / Math.PI,
      match,
    };
    this.samples.push(sample);
    return sample;
  }

  finish(): TrackResult {
    return { path: this.samples, cuts: this.cuts };
  }

  /** Constant-velocity guess for the next state (no velocity across a cut). */
  private predict(): State {
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

  private alignTo(
    anchor: { pyramid: Pyramid; state: State },
    pyramid: Pyramid,
    guess: State,
    levels: { finestLevel: number; coarsestLevel?: number } = { finestLevel: TRACK_FINEST_LEVEL },
  ): { state: State; ncc: number } {
    const a = anchor.state;
    const initial: SimilarityWarp = {
      s: cpolar(a.zoom / guess.zoom, guess.theta - a.theta),
      t: cmul(cpolar(a.zoom, -a.theta), csub(guess.c, a.c)),
    };
    const r = alignSimilarity(anchor.pyramid, pyramid, initial, levels);
    const zoom = a.zoom / cabs(r.warp.s);
    const theta = a.theta + carg(r.warp.s);
    const dc = cmul(cpolar(1 / a.zoom, a.theta), r.warp.t);
    return { state: { c: { re: a.c.re + dc.re, im: a.c.im + dc.im }, zoom, theta }, ncc: r.coverage > 0.25 ? r.ncc : Math.min(r.ncc, 0) };
  }
}
