/**
 * Continuity: does the take start where the timeline is? The take's first frame is compared
 * with the captured frame (for an extension, the last frame of the shot it continues) by mean
 * SSIM over 8×8 blocks of luma at the analysis size, and located in it by the same similarity fit
 * the camera tracker uses (an insert that starts slightly reframed scores lower on SSIM but says
 * by how much in `offset`).
 */
import { alignSimilarity, buildPyramid, cabs, IDENTITY_WARP } from "./align.js";
import { round } from "./stability.js";

/** SSIM of every non-overlapping 8×8 block of two signals (0..1 nominal), row by row. */
export function blockSsims(a: Float32Array, b: Float32Array, width: number, height: number, block = 8): number[] {
  const C1 = 0.01 ** 2;
  const C2 = 0.03 ** 2;
  const out: number[] = [];
  const n = block * block;
  for (let by = 0; by + block <= height; by += block) {
    for (let bx = 0; bx + block <= width; bx += block) {
      let sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
      for (let y = by; y < by + block; y++) {
        for (let x = bx; x < bx + block; x++) {
          const i = y * width + x;
          const va = a[i]!;
          const vb = b[i]!;
          sa += va; sb += vb; saa += va * va; sbb += vb * vb; sab += va * vb;
        }
      }
      const ma = sa / n;
      const mb = sb / n;
      const cov = sab / n - ma * mb;
      out.push(((2 * ma * mb + C1) * (2 * cov + C2)) / ((ma * ma + mb * mb + C1) * (saa / n - ma * ma + sbb / n - mb * mb + C2)));
    }
  }
  return out;
}

/** Mean SSIM over non-overlapping 8×8 blocks of two signals (0..1 nominal). */
export function blockSsim(a: Float32Array, b: Float32Array, width: number, height: number, block = 8): number {
  const blocks = blockSsims(a, b, width, height, block);
  return blocks.length ? blocks.reduce((sum, v) => sum + v, 0) / blocks.length : 0;
}

export function compareFirstFrame(captured: Float32Array, first: Float32Array, width: number, height: number): { similarity: number; offset: { x: number; y: number; zoom: number }; alignedMatch: number } {
  const similarity = blockSsim(captured, first, width, height);
  const scale = (s: Float32Array) => {
    const out = new Float32Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s[i]! * 255;
    return out;
  };
  const fit = alignSimilarity(buildPyramid(scale(captured), width, height), buildPyramid(scale(first), width, height), IDENTITY_WARP, { rotation: false });
  return {
    similarity: round(Math.max(0, similarity), 4),
    offset: { x: round(0.5 + fit.warp.t.re / width, 4), y: round(0.5 + fit.warp.t.im / height, 4), zoom: round(1 / cabs(fit.warp.s), 4) },
    alignedMatch: round(fit.ncc, 4),
  };
}
