/**
 * Holds: a region the editor pinned ("keep the sign still") must move only as the camera moves.
 * Twelve times a second the region of the first frame is looked for in the current frame, starting
 * where the measured camera (plus the region's drift so far) puts it, and refitted by translation alone; how far the refit moves it
 * is the region's own drift (camera motion excluded), and the NCC says whether it still looks the
 * same.
 */
import { alignSimilarity, cpolar, cdiv, type Pyramid, type SimilarityWarp } from "./align.js";
import type { CameraSample } from "./cameraTracker.js";
import type { HoldAdherence } from "./critiqueSchema.js";
import { round } from "./stability.js";

export interface HoldRegion {
  annotationId: string;
  label: string;
  /** In first-frame fractions. */
  rect: { x: number; y: number; w: number; h: number };
}

/** Checks per second: often enough that a region's own motion between checks stays within reach of the fit. */
const RATE = 12;

export class HoldMeter {
  private first: Pyramid | null = null;
  private readonly drift = new Map<string, number[]>();
  private readonly match = new Map<string, number[]>();
  /** Each region's own offset at the last check (first-frame pixels): the next fit starts there. */
  private readonly offset = new Map<string, { re: number; im: number }>();
  /** The region's own offset at its last check, % of frame width and height. */
  private readonly last = new Map<string, { dx: number; dy: number }>();
  private lastT = -Infinity;

  constructor(
    private readonly regions: HoldRegion[],
    private readonly width: number,
    private readonly height: number,
  ) {
    for (const r of regions) {
      this.drift.set(r.annotationId, []);
      this.match.set(r.annotationId, []);
    }
  }

  /**
   * `followed`: where the region's content is now according to the point follower (subjects.ts,
   * first-frame fractions, camera removed), when it still holds it. Points ride through a region
   * half filled with revealed background where a whole-region fit slips, so the drift is theirs;
   * the region fit starts there and says whether the content still looks the same.
   */
  push(pyramid: Pyramid, camera: CameraSample, last = false, followed?: (annotationId: string) => { x: number; y: number } | null): void {
    if (this.regions.length === 0) return;
    if (!this.first) {
      this.first = pyramid;
      this.lastT = camera.t;
      return;
    }
    if (!last && camera.t - this.lastT < 1 / RATE - 1e-6) return;
    this.lastT = camera.t;
    // Frame k → first frame: z ↦ e^{iθ}/zoom · z + c (centred level-0 pixels).
    const s = cpolar(1 / camera.zoom, (camera.roll * Math.PI) / 180);
    const t = { re: (camera.x - 0.5) * this.width, im: (camera.y - 0.5) * this.height };
    const global: SimilarityWarp = { s, t };
    for (const r of this.regions) {
      // The region's corners in the current frame (absolute level-0 pixels).
      const corners = [
        [r.rect.x, r.rect.y],
        [r.rect.x + r.rect.w, r.rect.y],
        [r.rect.x, r.rect.y + r.rect.h],
        [r.rect.x + r.rect.w, r.rect.y + r.rect.h],
      ].map(([fx, fy]) => {
        const p = { re: (fx! - 0.5) * this.width - t.re, im: (fy! - 0.5) * this.height - t.im };
        const z = cdiv(p, s);
        return { x: z.re + this.width / 2, y: z.im + this.height / 2 };
      });
      const region = {
        x0: Math.max(0, Math.min(...corners.map((c) => c.x))),
        y0: Math.max(0, Math.min(...corners.map((c) => c.y))),
        x1: Math.min(this.width, Math.max(...corners.map((c) => c.x))),
        y1: Math.min(this.height, Math.max(...corners.map((c) => c.y))),
      };
      if (region.x1 - region.x0 < 8 || region.y1 - region.y0 < 8) continue;
      const coarsest = Math.max(0, Math.min(2, Math.floor(Math.log2(Math.min(region.x1 - region.x0, region.y1 - region.y0) / 8))));
      const seen = followed?.(r.annotationId);
      const cx0 = r.rect.x + r.rect.w / 2;
      const cy0 = r.rect.y + r.rect.h / 2;
      // The fit's offset is minus the content's displacement (it maps this frame onto the first).
      const known = seen ? { re: -(seen.x - cx0) * this.width, im: -(seen.y - cy0) * this.height } : (this.offset.get(r.annotationId) ?? { re: 0, im: 0 });
      const start: SimilarityWarp = { s: global.s, t: { re: global.t.re + known.re, im: global.t.im + known.im } };
      // From where it was last seen, and from where the camera alone puts it: the better match wins
      // (a fit that slipped once onto revealed background must not carry that slip forward).
      const opts = { region, scale: false, rotation: false, coarsestLevel: coarsest };
      const fromLast = alignSimilarity(this.first, pyramid, start, opts);
      const fromCamera = known.re === 0 && known.im === 0 ? fromLast : alignSimilarity(this.first, pyramid, global, opts);
      const fit = fromCamera.ncc > fromLast.ncc + 0.02 ? fromCamera : fromLast;
      if (fit.coverage < 0.5) continue;
      // Drift in first-frame pixels at the region's centre: translation difference of the fits.
      const dx = seen ? known.re : fit.warp.t.re - t.re;
      const dy = seen ? known.im : fit.warp.t.im - t.im;
      this.offset.set(r.annotationId, { re: dx, im: dy });
      // The fit maps frame → first frame, so the content moved by minus its offset.
      this.last.set(r.annotationId, { dx: (-dx / this.width) * 100, dy: (-dy / this.height) * 100 });
      this.drift.get(r.annotationId)!.push((Math.hypot(dx, dy) / this.width) * 100);
      this.match.get(r.annotationId)!.push(fit.ncc);
    }
  }

  /** `cameraMeasured`: false when the camera path under the holds could not be trusted (then nothing is scored). */
  result(cameraMeasured = true, cameraReason = ""): HoldAdherence[] {
    return this.regions.map((r) => {
      const d = this.drift.get(r.annotationId)!;
      const m = this.match.get(r.annotationId)!;
      const maxDrift = d.length ? Math.max(...d) : 0;
      const meanDrift = d.length ? d.reduce((a, b) => a + b, 0) / d.length : 0;
      const minMatch = m.length ? Math.min(...m) : 1;
      const name = r.label ? `"${r.label}"` : "the pinned region";
      const moved = this.last.get(r.annotationId);
      const phrase = !cameraMeasured
        ? `${name}'s hold could not be checked: the camera's own move was not measured (${cameraReason})`
        : d.length === 0
          ? `${name} left the frame, so its hold could not be checked`
          : maxDrift > 1.5 || minMatch < 0.7
            ? `${name} should hold still but moved ${maxDrift.toFixed(1)}% of the frame${minMatch < 0.7 ? " and changed" : ""}`
            : `${name} holds still`;
      return {
        annotationId: r.annotationId,
        kind: "hold" as const,
        label: r.label,
        maxDrift: round(maxDrift, 2),
        meanDrift: round(meanDrift, 2),
        minMatch: round(minMatch, 3),
        phrase,
        ...(moved ? { dx: round(moved.dx, 2), dy: round(moved.dy, 2) } : {}),
        measurable: cameraMeasured && d.length > 0,
      };
    });
  }
}
