/**
 * Did an upscale keep the picture? An upscaler (SeedVR2, Topaz, a plain resize) must return the
 * same shot, only larger: every frame, the same framing, the same structure. Generative upscalers
 * can drift (invented detail is expected; a reframed, shortened or different shot is a defect),
 * and a service can hand back the wrong file. The check:
 *
 *  - length: both clips are decoded to the end and their frames counted (a dropped or added
 *    frame shifts sync on the timeline), and their frame rates compared;
 *  - structure: the upscaled clip is scaled back down to the analysis size of the source and
 *    compared frame by frame with the source, by block SSIM on luma and by the correlation of
 *    their edge (gradient magnitude) maps — detail an upscaler adds is fine detail that an area
 *    downscale averages away, so a faithful upscale scores close to 1 on both;
 *  - framing: a translation + scale fit (the camera tracker's similarity fit, no rotation) of
 *    sampled upscaled frames onto the source frames finds a shifted or cropped framing that
 *    SSIM alone would only call "less similar".
 *
 * Memory: the source (small) is decoded first to analysis-size luma kept as 16-bit (a 10 s clip
 * at 60 fps is 44 MB at most); the upscaled clip (4K) is streamed through ffmpeg's downscale and
 * compared frame by frame as it arrives, never held.
 */
import { z } from "zod";
import { blockSsims } from "./continuity.js";
import { alignSimilarity, buildPyramid, cabs, IDENTITY_WARP } from "./align.js";
import { analysisSize, decodeLuma, probeClip, type ClipInfo } from "./frames.js";
import { round } from "./stability.js";

export const UpscaleCheck = z.object({
  passed: z.boolean(),
  /** One sentence for the take card: what was checked and the verdict. */
  summary: z.string(),
  /** Why it failed, one sentence each, worst first (empty when it passed). */
  reasons: z.array(z.string()),
  source: z.object({ width: z.number(), height: z.number(), frames: z.number(), fps: z.number() }),
  upscaled: z.object({ width: z.number(), height: z.number(), frames: z.number(), fps: z.number() }),
  /** Mean and worst per-frame SSIM of the upscale (scaled back down) against the source. */
  ssim: z.object({ mean: z.number(), min: z.number(), worstFrame: z.number() }),
  /**
   * Mean over frames of the SSIM of each frame's worst tenth of 8×8 blocks: a changed subject in
   * an unchanged room (another take of the same setup) keeps the mean high but not this.
   */
  worstRegions: z.number(),
  /** Mean correlation of the two clips' edge maps (1: the same edges). */
  edges: z.number(),
  /** Framing fit of the upscale onto the source: shift in % of the frame, scale (1: same framing). */
  framing: z.object({ shiftX: z.number(), shiftY: z.number(), scale: z.number(), match: z.number() }),
  elapsed: z.number(),
  /** The source take and its poster artifact, so the card can show both pictures (set by the director). */
  sourceTake: z.object({ takeId: z.string(), posterId: z.string().optional() }).optional(),
});
export type UpscaleCheck = z.infer<typeof UpscaleCheck>;

/** What a faithful upscale scores at least; measured on the footage tests (a Lanczos resize scores 0.97+ / 0.95+). */
export const UPSCALE_LIMITS = {
  /** Mean SSIM over frames, and the worst single frame. */
  meanSsim: 0.85,
  minSsim: 0.7,
  edges: 0.8,
  worstRegions: 0.6,
  /** Largest framing shift, % of the frame's width or height. */
  shiftPercent: 1,
  /** Largest framing scale difference, % (a 2 % crop is already visible as lost picture). */
  scalePercent: 1.5,
} as const;

/** Frames sampled for the framing fit (evenly over the clip). */
const FIT_SAMPLES = 5;

export async function checkUpscale(sourcePath: string, upscaledPath: string, options: { signal?: AbortSignal } = {}): Promise<UpscaleCheck> {
  const started = performance.now();
  const { signal } = options;
  const [sourceInfo, upInfo] = await Promise.all([probeClip(sourcePath, signal), probeClip(upscaledPath, signal)]);
  const size = analysisSize(sourceInfo);
  const n = size.width * size.height;

  const sourceFrames: Uint16Array[] = [];
  await decodeLuma(sourcePath, sourceInfo, (f) => {
    const q = new Uint16Array(n);
    for (let i = 0; i < n; i++) q[i] = Math.max(0, Math.min(65535, Math.round(f.signal[i]! * 32768 + 16384)));
    sourceFrames.push(q);
  }, { ...(signal ? { signal } : {}) });
  const unpack = (q: Uint16Array) => {
    const out = new Float32Array(q.length);
    for (let i = 0; i < q.length; i++) out[i] = (q[i]! - 16384) / 32768;
    return out;
  };

  const fitAt = new Set<number>();
  for (let k = 0; k < FIT_SAMPLES; k++) fitAt.add(Math.round(((k + 0.5) / FIT_SAMPLES) * (sourceFrames.length - 1)));
  const ssims: number[] = [];
  const worst: number[] = [];
  const edgeScores: number[] = [];
  const fits: Array<{ shiftX: number; shiftY: number; scale: number; match: number }> = [];
  // Both decoded at the source's analysis size: the upscale's extra pixels are averaged away (area).
  const upFrames = await decodeLuma(upscaledPath, { ...upInfo, width: sourceInfo.width, height: sourceInfo.height } as ClipInfo, (f) => {
    const src = sourceFrames[f.index];
    if (!src) return;
    const a = unpack(src);
    const blocks = blockSsims(a, f.signal, size.width, size.height);
    ssims.push(blocks.reduce((s, x) => s + x, 0) / Math.max(1, blocks.length));
    blocks.sort((p, q) => p - q);
    const tenth = blocks.slice(0, Math.max(1, Math.floor(blocks.length / 10)));
    worst.push(tenth.reduce((s, x) => s + x, 0) / tenth.length);
    edgeScores.push(edgeCorrelation(a, f.signal, size.width, size.height));
    if (fitAt.has(f.index)) fits.push(framingFit(a, f.signal, size.width, size.height));
  }, { width: size.width, ...(signal ? { signal } : {}) });

  const mean = (xs: number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : 0);
  const median = (xs: number[]) => {
    const s = [...xs].sort((p, q) => p - q);
    return s.length ? s[Math.floor(s.length / 2)]! : 0;
  };
  const minSsim = ssims.length ? Math.min(...ssims) : 0;
  const worstFrame = ssims.indexOf(minSsim);
  const framing = {
    shiftX: round(median(fits.map((f) => f.shiftX)), 2),
    shiftY: round(median(fits.map((f) => f.shiftY)), 2),
    scale: round(median(fits.map((f) => f.scale)), 4),
    match: round(median(fits.map((f) => f.match)), 4),
  };
  const result = {
    source: { width: sourceInfo.width, height: sourceInfo.height, frames: sourceFrames.length, fps: round(sourceInfo.fps, 3) },
    upscaled: { width: upInfo.width, height: upInfo.height, frames: upFrames, fps: round(upInfo.fps, 3) },
    ssim: { mean: round(mean(ssims), 4), min: round(Math.max(0, minSsim), 4), worstFrame },
    edges: round(mean(edgeScores), 4),
    worstRegions: round(mean(worst), 4),
    framing,
  };
  const reasons = judge(result);
  const elapsed = round((performance.now() - started) / 1000, 2);
  const passed = reasons.length === 0;
  const summary = passed
    ? `The upscale kept the picture: all ${upFrames} frames, the same framing, structure ${Math.round(result.ssim.mean * 100)}% alike at the source's size (${sourceInfo.width}×${sourceInfo.height} → ${upInfo.width}×${upInfo.height}).`
    : `The upscale did not keep the picture: ${reasons[0]}`;
  return { passed, summary, reasons, ...result, elapsed };
}

/** The verdict's reasons, worst first: a different length, a different shot, a moved frame, lost structure. */
export function judge(r: Pick<UpscaleCheck, "source" | "upscaled" | "ssim" | "edges" | "worstRegions" | "framing">): string[] {
  const reasons: string[] = [];
  const { source, upscaled } = r;
  if (upscaled.frames !== source.frames) {
    const diff = source.frames - upscaled.frames;
    reasons.push(
      diff > 0
        ? `it has ${upscaled.frames} frames where the source has ${source.frames} (${diff} dropped): it would run short and drift out of sync on the timeline.`
        : `it has ${upscaled.frames} frames where the source has ${source.frames} (${-diff} added): it would run long and drift out of sync on the timeline.`,
    );
  }
  if (Math.abs(upscaled.fps - source.fps) > 0.01) reasons.push(`it runs at ${upscaled.fps} fps where the source runs at ${source.fps} fps.`);
  const { shiftX, shiftY, scale, match } = r.framing;
  const different = r.ssim.mean < 0.5 && match < 0.6;
  if (different) {
    reasons.push(`its picture is not the source's (structure ${Math.round(r.ssim.mean * 100)}% alike, framing fit ${Math.round(match * 100)}%): it looks like a different shot.`);
    return reasons;
  }
  const shifted = Math.abs(shiftX) > UPSCALE_LIMITS.shiftPercent || Math.abs(shiftY) > UPSCALE_LIMITS.shiftPercent;
  const scaled = Math.abs(scale - 1) * 100 > UPSCALE_LIMITS.scalePercent;
  if (shifted || scaled) {
    const parts: string[] = [];
    if (shifted) parts.push(`moved ${Math.abs(shiftX).toFixed(1)}% ${shiftX >= 0 ? "right" : "left"} and ${Math.abs(shiftY).toFixed(1)}% ${shiftY >= 0 ? "down" : "up"}`);
    if (scaled) parts.push(scale > 1 ? `cropped in ${((scale - 1) * 100).toFixed(1)}%` : `widened ${((1 - scale) * 100).toFixed(1)}%`);
    reasons.push(`its framing is not the source's: the picture is ${parts.join(" and ")} (an upscale must keep the frame exactly).`);
  }
  if (r.ssim.mean < UPSCALE_LIMITS.meanSsim || r.edges < UPSCALE_LIMITS.edges) {
    reasons.push(`its structure differs from the source's (SSIM ${r.ssim.mean.toFixed(2)}, edges ${r.edges.toFixed(2)}; a faithful upscale scores at least ${UPSCALE_LIMITS.meanSsim} and ${UPSCALE_LIMITS.edges}).`);
  }
  if (r.worstRegions < UPSCALE_LIMITS.worstRegions) {
    reasons.push(`its picture differs from the source's in places (the least alike tenth of each frame is ${Math.round(r.worstRegions * 100)}% alike; a faithful upscale keeps at least ${Math.round(UPSCALE_LIMITS.worstRegions * 100)}%): the upscaler changed what happens in the shot, or this is a different take of it.`);
  } else if (r.ssim.min < UPSCALE_LIMITS.minSsim && r.ssim.mean >= UPSCALE_LIMITS.meanSsim) {
    reasons.push(`frame ${r.ssim.worstFrame + 1} differs from the source's (SSIM ${r.ssim.min.toFixed(2)}): the upscaler changed the picture there.`);
  }
  return reasons;
}

/** Correlation of two frames' gradient magnitudes: where the edges are, regardless of fine texture. */
export function edgeCorrelation(a: Float32Array, b: Float32Array, width: number, height: number): number {
  let sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0, count = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      const ga = Math.hypot(a[i + 1]! - a[i - 1]!, a[i + width]! - a[i - width]!);
      const gb = Math.hypot(b[i + 1]! - b[i - 1]!, b[i + width]! - b[i - width]!);
      sa += ga; sb += gb; saa += ga * ga; sbb += gb * gb; sab += ga * gb; count++;
    }
  }
  if (count === 0) return 0;
  const cov = sab / count - (sa / count) * (sb / count);
  const va = saa / count - (sa / count) ** 2;
  const vb = sbb / count - (sb / count) ** 2;
  return va > 0 && vb > 0 ? Math.max(0, cov / Math.sqrt(va * vb)) : 0;
}

/**
 * Where the upscaled frame sits in the source frame: shift in % of the frame (positive: the
 * upscale shows picture from further right / lower), and scale (> 1: the upscale shows less of
 * the frame, i.e. is cropped in).
 */
function framingFit(source: Float32Array, upscaled: Float32Array, width: number, height: number): { shiftX: number; shiftY: number; scale: number; match: number } {
  const scale255 = (s: Float32Array) => {
    const out = new Float32Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s[i]! * 255;
    return out;
  };
  const fit = alignSimilarity(buildPyramid(scale255(source), width, height), buildPyramid(scale255(upscaled), width, height), IDENTITY_WARP, { rotation: false });
  return {
    shiftX: (fit.warp.t.re / width) * 100,
    shiftY: (fit.warp.t.im / height) * 100,
    scale: 1 / cabs(fit.warp.s),
    match: fit.ncc,
  };
}

/** Points a failed upscale check costs the take's score: enough to rank it under any faithful take. */
export const UPSCALE_PENALTY = 40;

/**
 * The upscale take's critique with the check in it (`upscale`): a failed check is a penalty and
 * the first issue. Without a critique (the critic could not run) the check still stands alone.
 */
export function applyUpscaleCheck(critique: unknown, check: UpscaleCheck): unknown {
  if (!critique || typeof critique !== "object") return { upscale: check };
  const c = critique as { score?: number; penalties?: unknown[]; issues?: string[] };
  if (check.passed || typeof c.score !== "number") return { ...c, upscale: check };
  const reason = `Upscale: ${check.reasons[0] ?? check.summary}`;
  return {
    ...c,
    upscale: check,
    score: Math.max(0, c.score - UPSCALE_PENALTY),
    penalties: [{ aspect: "upscale", points: UPSCALE_PENALTY, reason }, ...(c.penalties ?? [])],
    issues: [reason, ...(c.issues ?? [])],
  };
}
