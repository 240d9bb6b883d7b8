import type { Annotation } from "../schemas/annotation.js";
import type { Direction } from "../schemas/direction.js";
import type { AnnotationEmphasis, TakeVariant } from "../schemas/job.js";
import { compileDirection } from "./compileDirection.js";

/**
 * The direction a take's request is rendered from: the job's direction with the variant's
 * corrections applied to the drawings, compiled again. The job keeps the editor's own direction
 * (every take is scored against that); this one is only what is sent.
 *
 * - A camera move's amount scales its arrow from its start point (1.4 = an arrow 40% longer).
 * - A framing box's amount scales its push: the zoom beyond 1× and the centre's offset from the
 *   frame's centre (1.4 on a 2× box asks 2.4×), so the box stays where it was drawn relative to
 *   the frame while asking for more of the move to it.
 * - `lead` moves the annotation earlier: a move's midpoint (when it is half done, as the critic
 *   times it) comes `lead` seconds sooner; where the take has no room for the whole move there,
 *   the move is shortened around its new midpoint rather than left late (`shiftedSpan`).
 */
export function applyVariant(direction: Direction, variant: TakeVariant | undefined, frameSize?: { width: number; height: number }): Direction {
  if (!variant || variant.emphasis.length === 0) return direction;
  const byId = new Map<string, AnnotationEmphasis>(variant.emphasis.map((e) => [e.annotationId, e]));
  let changed = false;
  const annotations = direction.annotations.map((a) => {
    const emphasis = byId.get(a.id);
    if (!emphasis || (emphasis.amount === 1 && emphasis.lead === 0)) return a;
    changed = true;
    return emphasise(a, emphasis, direction.duration);
  });
  if (!changed) return direction;
  return compileDirection({ prompt: direction.prompt, annotations, duration: direction.duration }, frameSize ? { frameSize } : {});
}

function emphasise(a: Annotation, e: AnnotationEmphasis, duration: number): Annotation {
  switch (a.kind) {
    case "cameraMove": {
      const [start, end] = shiftedSpan(a.start, a.end, e.lead, duration);
      return {
        ...a,
        to: { x: a.from.x + (a.to.x - a.from.x) * e.amount, y: a.from.y + (a.to.y - a.from.y) * e.amount },
        start,
        end,
      };
    }
    case "framingBox": {
      const zoom = Math.min(1 / a.rect.w, 1 / a.rect.h);
      const nextZoom = Math.max(0.25, 1 + (zoom - 1) * e.amount);
      const scale = zoom / nextZoom;
      const cx = 0.5 + (a.rect.x + a.rect.w / 2 - 0.5) * e.amount;
      const cy = 0.5 + (a.rect.y + a.rect.h / 2 - 0.5) * e.amount;
      const w = a.rect.w * scale;
      const h = a.rect.h * scale;
      const [time] = shiftedSpan(a.time, a.time, e.lead, duration);
      // A box drawn inside the frame stays inside: pushing its centre further out must not ask
      // for a region the still does not have (the editor never drew one).
      const inside = a.rect.x >= 0 && a.rect.y >= 0 && a.rect.x + a.rect.w <= 1 && a.rect.y + a.rect.h <= 1;
      const x = inside && w <= 1 ? clamp(cx - w / 2, 0, 1 - w) : cx - w / 2;
      const y = inside && h <= 1 ? clamp(cy - h / 2, 0, 1 - h) : cy - h / 2;
      return { ...a, rect: { x, y, w, h }, time };
    }
    default:
      return a;
  }
}

/**
 * [start, end] with its midpoint `lead` seconds earlier (later when negative), inside 0…duration:
 * the span is kept where it fits and shortened around the new midpoint where it does not (a move
 * drawn over the whole take that comes out late can only be asked to finish sooner).
 */
export function shiftedSpan(start: number, end: number, lead: number, duration: number): [number, number] {
  const mid = Math.min(Math.max((start + end) / 2 - lead, 0), duration);
  const half = Math.min(Math.max(0, end - start) / 2, mid, duration - mid);
  return [round6(mid - half), round6(mid + half)];
}

const round6 = (n: number) => Math.round(n * 1e6) / 1e6;
const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
