/**
 * Exposure in the clip's own color space. The same code value is different light in SDR, PQ and
 * HLG (a PQ 0.58 is 203 cd/m² graphics white; the same number in SDR is a mid grey), so luma code
 * values are turned into display light with the clip's transfer before any threshold applies:
 *
 * - SDR (BT.709/BT.1886 and sRGB-like): L = 100 · V^2.4 cd/m² (BT.1886, black 0).
 * - PQ (SMPTE ST 2084): the PQ EOTF, absolute cd/m².
 * - HLG (ARIB STD-B67): inverse OETF, then the BT.2100 OOTF for a 1000 cd/m² display (γ 1.2).
 *
 * Clipped: light at or above 95 % of the format's peak (SDR 100, HLG 1000, PQ the mastering
 * display's peak or 1000 when the clip does not say). Crushed: below 0.01 cd/m², which SDR reaches
 * at code value 2 % above black. Luma stands in for the pixel's light (a saturated primary can
 * clip in one channel with moderate luma: see docs/critic.md, limits).
 */
import type { ExposureMeasurement } from "./critiqueSchema.js";
import type { ClipInfo } from "./frames.js";

export type TransferKind = ExposureMeasurement["interpretedAs"];

export function transferKind(transfer: string): TransferKind {
  if (transfer === "smpte2084") return "pq";
  if (transfer === "arib-std-b67") return "hlg";
  if (transfer === "linear") return "linear-unknown";
  return "sdr-bt1886"; // bt709, smpte170m, bt470bg, iec61966-2-1, bt2020-10, unknown…
}

export function pqToNits(v: number): number {
  const m1 = 2610 / 16384;
  const m2 = (2523 / 4096) * 128;
  const c1 = 3424 / 4096;
  const c2 = (2413 / 4096) * 32;
  const c3 = (2392 / 4096) * 32;
  const p = Math.pow(Math.max(0, v), 1 / m2);
  return 10000 * Math.pow(Math.max(0, p - c1) / (c2 - c3 * p), 1 / m1);
}

export function hlgToNits(v: number, peak = 1000): number {
  const a = 0.17883277;
  const b = 1 - 4 * a;
  const c = 0.5 - a * Math.log(4 * a);
  const x = Math.max(0, v);
  const scene = x <= 0.5 ? (x * x) / 3 : (Math.exp((x - c) / a) + b) / 12;
  return peak * Math.pow(scene, 1.2);
}

export const sdrToNits = (v: number): number => 100 * Math.pow(Math.max(0, v), 2.4);

export const CRUSH_NITS = 0.01;
export const CLIP_FRACTION_OF_PEAK = 0.95;

export function exposureThresholds(info: Pick<ClipInfo, "transfer" | "masteringPeak">): { kind: TransferKind; toNits: (v: number) => number; clipAt: number; crushAt: number } {
  const kind = transferKind(info.transfer);
  switch (kind) {
    case "pq": {
      const peak = info.masteringPeak && info.masteringPeak > 100 ? info.masteringPeak : 1000;
      return { kind, toNits: pqToNits, clipAt: CLIP_FRACTION_OF_PEAK * peak, crushAt: CRUSH_NITS };
    }
    case "hlg":
      return { kind, toNits: (v) => hlgToNits(v), clipAt: CLIP_FRACTION_OF_PEAK * 1000, crushAt: CRUSH_NITS };
    case "linear-unknown":
      return { kind, toNits: (v) => 100 * Math.max(0, v), clipAt: 95, crushAt: CRUSH_NITS };
    default:
      return { kind, toNits: sdrToNits, clipAt: CLIP_FRACTION_OF_PEAK * 100, crushAt: CRUSH_NITS };
  }
}

/**
 * Counts clipped and crushed pixels frame by frame. The light thresholds are turned into signal
 * thresholds once (every transfer is monotonic), so each pixel costs two comparisons.
 */
export class ExposureMeter {
  private readonly clipSignal: number;
  private readonly crushSignal: number;
  private clipped = 0;
  private crushed = 0;
  private total = 0;
  private worstClipped = { t: 0, share: 0 };
  private worstCrushed = { t: 0, share: 0 };
  private readonly thresholds: ReturnType<typeof exposureThresholds>;

  constructor(private readonly info: Pick<ClipInfo, "transfer" | "masteringPeak">) {
    this.thresholds = exposureThresholds(info);
    this.clipSignal = invert(this.thresholds.toNits, this.thresholds.clipAt);
    this.crushSignal = invert(this.thresholds.toNits, this.thresholds.crushAt);
  }

  push(t: number, signal: Float32Array): void {
    let clipped = 0;
    let crushed = 0;
    const hi = this.clipSignal;
    const lo = this.crushSignal;
    for (let i = 0; i < signal.length; i++) {
      const v = signal[i]!;
      if (v >= hi) clipped++;
      else if (v < lo) crushed++;
    }
    const n = signal.length;
    this.clipped += clipped;
    this.crushed += crushed;
    this.total += n;
    if (clipped / n > this.worstClipped.share) this.worstClipped = { t, share: clipped / n };
    if (crushed / n > this.worstCrushed.share) this.worstCrushed = { t, share: crushed / n };
  }

  result(): ExposureMeasurement {
    const r4 = (v: number) => Math.round(v * 1e4) / 1e4;
    return {
      transfer: this.info.transfer,
      interpretedAs: this.thresholds.kind,
      clipAt: Math.round(this.thresholds.clipAt * 100) / 100,
      crushAt: this.thresholds.crushAt,
      clippedHighlights: r4(this.total ? this.clipped / this.total : 0),
      crushedShadows: r4(this.total ? this.crushed / this.total : 0),
      worstClipped: { t: r4(this.worstClipped.t), share: r4(this.worstClipped.share) },
      worstCrushed: { t: r4(this.worstCrushed.t), share: r4(this.worstCrushed.share) },
    };
  }
}

/** The signal at which a monotonic transfer reaches `nits` (bisection on 0..1.1). */
function invert(toNits: (v: number) => number, nits: number): number {
  let lo = 0;
  let hi = 1.1;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (toNits(mid) < nits) lo = mid;
    else hi = mid;
  }
  return hi;
}
