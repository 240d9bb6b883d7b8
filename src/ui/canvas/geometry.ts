import type { Annotation, Point, Rect } from "../../core/schemas/index.js";

/**
 * Pure geometry for the direction canvas, kept apart from React and Fabric so it can be tested
 * on its own (Excalidraw-style). Two coordinate systems meet here:
 * - canvas pixels: CSS pixels inside the drawing surface, origin top-left;
 * - frame fractions: 0..1 of the captured frame, origin top-left (DESIGN.md conventions).
 * The frame is drawn letterboxed inside the surface, so conversions need the displayed rect.
 */

export interface Size {
  width: number;
  height: number;
}

export interface PixelPoint {
  x: number;
  y: number;
}

/** Where the frame is drawn inside the surface, in canvas pixels. */
export interface DisplayRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Drags shorter than this (canvas pixels) are treated as clicks, not drawings. */
export const MIN_ARROW_LENGTH_PX = 12;
/** Boxes narrower or shorter than this (canvas pixels) are treated as clicks. */
export const MIN_BOX_SIZE_PX = 12;

/** Fit the frame inside the surface, preserving aspect ratio, centred (CSS `object-fit: contain`). */
export function fitContain(surface: Size, frame: Size): DisplayRect {
  if (surface.width <= 0 || surface.height <= 0 || frame.width <= 0 || frame.height <= 0) {
    return { x: 0, y: 0, width: 0, height: 0 };
  }
  const scale = Math.min(surface.width / frame.width, surface.height / frame.height);
  const width = frame.width * scale;
  const height = frame.height * scale;
  return { x: (surface.width - width) / 2, y: (surface.height - height) / 2, width, height };
}

/**
 * Canvas pixel → frame fraction. Not clamped: a point drawn off the frame stays off it, so the
 * direction compiler can report it instead of the canvas silently moving it.
 */
export function pixelToFraction(p: PixelPoint, display: DisplayRect): Point {
  if (display.width <= 0 || display.height <= 0) return { x: 0, y: 0 };
  return { x: (p.x - display.x) / display.width, y: (p.y - display.y) / display.height };
}

/** Frame fraction → canvas pixel. */
export function fractionToPixel(p: Point, display: DisplayRect): PixelPoint {
  return { x: display.x + p.x * display.width, y: display.y + p.y * display.height };
}

/** A rect in frame fractions → canvas pixels. */
export function rectToPixels(r: Rect, display: DisplayRect): DisplayRect {
  const topLeft = fractionToPixel({ x: r.x, y: r.y }, display);
  return { x: topLeft.x, y: topLeft.y, width: r.w * display.width, height: r.h * display.height };
}

/** A rect in canvas pixels → frame fractions. */
export function pixelsToRect(r: DisplayRect, display: DisplayRect): Rect | null {
  if (display.width <= 0 || display.height <= 0 || r.width <= 0 || r.height <= 0) return null;
  const topLeft = pixelToFraction({ x: r.x, y: r.y }, display);
  return { x: topLeft.x, y: topLeft.y, w: r.width / display.width, h: r.height / display.height };
}

/** The camera arrow a drag describes, or null when the drag is too short to mean anything. */
export function arrowFromDrag(
  start: PixelPoint,
  end: PixelPoint,
  display: DisplayRect,
  minLengthPx = MIN_ARROW_LENGTH_PX,
): { from: Point; to: Point } | null {
  if (Math.hypot(end.x - start.x, end.y - start.y) < minLengthPx) return null;
  return { from: pixelToFraction(start, display), to: pixelToFraction(end, display) };
}

/**
 * The pixel rect a drag describes, normalised so width and height are positive whichever way
 * the editor dragged. With `lockAspect` (Shift held) the rect keeps the frame's aspect ratio,
 * growing from the drag's start towards the pointer.
 */
export function dragToPixelRect(start: PixelPoint, end: PixelPoint, lockAspect?: number): DisplayRect {
  let dx = end.x - start.x;
  let dy = end.y - start.y;
  if (lockAspect && lockAspect > 0) {
    const width = Math.max(Math.abs(dx), Math.abs(dy) * lockAspect);
    dx = Math.sign(dx || 1) * width;
    dy = Math.sign(dy || 1) * (width / lockAspect);
  }
  return {
    x: Math.min(start.x, start.x + dx),
    y: Math.min(start.y, start.y + dy),
    width: Math.abs(dx),
    height: Math.abs(dy),
  };
}

/** The framing box a drag describes (fractions, positive w/h), or null when it is too small. */
export function boxFromDrag(
  start: PixelPoint,
  end: PixelPoint,
  display: DisplayRect,
  options: { minSizePx?: number; lockAspect?: boolean } = {},
): Rect | null {
  const minSize = options.minSizePx ?? MIN_BOX_SIZE_PX;
  const aspect = options.lockAspect && display.height > 0 ? display.width / display.height : undefined;
  const px = dragToPixelRect(start, end, aspect);
  if (px.width < minSize || px.height < minSize) return null;
  return pixelsToRect(px, display);
}

/** The three corners of an arrowhead at `to`, pointing along from→to (canvas pixels). */
export function arrowHeadPoints(from: PixelPoint, to: PixelPoint, size: number): [PixelPoint, PixelPoint, PixelPoint] {
  const angle = Math.atan2(to.y - from.y, to.x - from.x);
  const spread = Math.PI / 7;
  return [
    { x: to.x, y: to.y },
    { x: to.x - size * Math.cos(angle - spread), y: to.y - size * Math.sin(angle - spread) },
    { x: to.x - size * Math.cos(angle + spread), y: to.y - size * Math.sin(angle + spread) },
  ];
}

/** Move a point by a pixel offset, answering in fractions (dragging a drawn arrow). */
export function translatePoint(p: Point, dxPx: number, dyPx: number, display: DisplayRect): Point {
  if (display.width <= 0 || display.height <= 0) return p;
  return { x: p.x + dxPx / display.width, y: p.y + dyPx / display.height };
}

/** Keep a time inside the take: 0..duration, rounded to hundredths so inputs stay readable. */
export function clampTime(t: number, duration: number): number {
  if (!Number.isFinite(t)) return 0;
  const clamped = Math.min(Math.max(t, 0), Math.max(duration, 0));
  return Math.round(clamped * 100) / 100;
}

/** The CSS-pixel surface size times the device pixel ratio, for a crisp backing store. */
export function backingStoreSize(surface: Size, devicePixelRatio: number): Size {
  const ratio = Number.isFinite(devicePixelRatio) && devicePixelRatio > 0 ? devicePixelRatio : 1;
  return { width: Math.round(surface.width * ratio), height: Math.round(surface.height * ratio) };
}

// ---------------------------------------------------------------------------------------------
// subject paths, holds, moving any drawing

/** Freehand samples closer than this (canvas pixels) to the last kept one are dropped. */
export const FREEHAND_SPACING_PX = 8;
/** Side of the hit area of a point hold, in frame fractions of the frame's width. */
export const POINT_HOLD_SIZE = 0.03;

/** Keeps the first and last sample and every sample at least `spacing` from the previous kept one. */
export function thinPolyline(points: readonly PixelPoint[], spacing = FREEHAND_SPACING_PX): PixelPoint[] {
  if (points.length <= 2) return points.slice();
  const kept: PixelPoint[] = [points[0]!];
  for (let i = 1; i < points.length - 1; i++) {
    const p = points[i]!;
    const last = kept[kept.length - 1]!;
    if (Math.hypot(p.x - last.x, p.y - last.y) >= spacing) kept.push(p);
  }
  const end = points[points.length - 1]!;
  const last = kept[kept.length - 1]!;
  if (kept.length > 1 && Math.hypot(end.x - last.x, end.y - last.y) < spacing / 2) kept[kept.length - 1] = end;
  else kept.push(end);
  return kept;
}

/** Total length of a polyline (in whatever units its points are in). */
export function polylineLength(points: readonly Point[]): number {
  let length = 0;
  for (let i = 1; i < points.length; i++) length += Math.hypot(points[i]!.x - points[i - 1]!.x, points[i]!.y - points[i - 1]!.y);
  return length;
}

/**
 * Times spread along a path by distance travelled: the subject moves at a constant speed from
 * `start` at the first point to `end` at the last (rounded to hundredths, never decreasing).
 */
export function spreadTimesAlong<P extends Point>(points: readonly P[], start: number, end: number): Array<P & { t: number }> {
  const total = polylineLength(points);
  let travelled = 0;
  return points.map((p, i) => {
    if (i > 0) travelled += Math.hypot(p.x - points[i - 1]!.x, p.y - points[i - 1]!.y);
    const u = total > 0 ? travelled / total : points.length > 1 ? i / (points.length - 1) : 0;
    const t = i === points.length - 1 ? end : start + (end - start) * u;
    return { ...p, t: Math.round(t * 100) / 100 };
  });
}

/** A point hold's rect: a small square (in pixels) centred on the clicked point. */
export function pointHoldRect(at: Point, display: DisplayRect): Rect {
  const w = POINT_HOLD_SIZE;
  const h = display.height > 0 ? (POINT_HOLD_SIZE * display.width) / display.height : POINT_HOLD_SIZE;
  return { x: at.x - w / 2, y: at.y - h / 2, w, h };
}

/** The same drawing moved by (dx, dy) in frame fractions; times and everything else unchanged. */
export function translateAnnotation<A extends Annotation>(a: A, dx: number, dy: number): A {
  const move = (p: Point): Point => ({ x: p.x + dx, y: p.y + dy });
  switch (a.kind) {
    case "cameraMove":
      return { ...a, from: move(a.from), to: move(a.to) };
    case "framingBox":
    case "hold":
      return { ...a, rect: { ...a.rect, x: a.rect.x + dx, y: a.rect.y + dy } };
    case "subjectPath":
      return { ...a, points: a.points.map((p) => ({ ...p, x: p.x + dx, y: p.y + dy })) };
    case "note":
      return { ...a, at: move(a.at) };
  }
  return a;
}

/** Where the drawing is anchored, for hit-testing and labels (frame fractions). */
export function annotationAnchor(a: Annotation): Point {
  switch (a.kind) {
    case "cameraMove":
      return a.from;
    case "framingBox":
    case "hold":
      return { x: a.rect.x, y: a.rect.y };
    case "subjectPath":
      return a.points[0]!;
    case "note":
      return a.at;
  }
}
