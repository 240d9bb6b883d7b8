import { Circle, FabricObject, FabricText, Group, Line, Polygon, Polyline, Rect, Shadow } from "fabric";
import type { Annotation, CameraMoveAnnotation, FramingBoxAnnotation, HoldAnnotation, NoteAnnotation, SubjectPathAnnotation } from "../../core/schemas/index.js";
import { formatSeconds, formatSpan } from "../format.js";
import { arrowHeadPoints, fractionToPixel, rectToPixels, type DisplayRect, type PixelPoint } from "./geometry.js";

/**
 * Fabric objects for each kind of drawing (pure construction: no canvas, no store). The scene
 * adds them; these only know how each drawing looks. Colours are picked for Premiere's dark
 * theme and keep a dark halo so they read over any picture.
 */

export const ACCENT = "#2d8ceb";
export const ACCENT_SELECTED = "#8cc4ff";
export const PATH_COLOR = "#f2a33a";
export const HOLD_COLOR = "#5cd08a";
export const NOTE_COLOR = "#f5d547";
export const STROKE = 2;
const LABEL_BG = "rgba(20, 20, 20, 0.75)";
const LABEL_FONT = { fontFamily: "system-ui, -apple-system, 'Segoe UI', sans-serif", fontSize: 11 };

/**
 * A crisp dark drop edge keeps the accent strokes readable over any picture (bright skies, blue
 * walls). Not blurred: a blurred canvas shadow costs a Gaussian pass per object per frame in
 * software rendering (UXP webviews, GPU-less machines), ~3 ms an object; an offset one is a copy.
 */
export const halo = () => new Shadow({ color: "rgba(0, 0, 0, 0.9)", blur: 0, offsetX: 1, offsetY: 1 });

/** The main (selectable) object of a drawing and any decorations that follow it. */
export interface DrawingObjects {
  main: FabricObject;
  label?: FabricObject;
  /** Whether the main object can be resized (boxes and hold regions). */
  resizable: boolean;
}

export function baseColor(kind: Annotation["kind"]): string {
  switch (kind) {
    case "subjectPath":
      return PATH_COLOR;
    case "hold":
      return HOLD_COLOR;
    case "note":
      return NOTE_COLOR;
    default:
      return ACCENT;
  }
}
export const colorFor = (kind: Annotation["kind"], selected: boolean): string => (selected ? (kind === "cameraMove" || kind === "framingBox" ? ACCENT_SELECTED : "#ffffff") : baseColor(kind));

export function labelText(text: string, at: PixelPoint): FabricText {
  return new FabricText(text, {
    ...LABEL_FONT,
    left: at.x,
    top: at.y,
    originX: "left",
    originY: "top",
    fill: "#ffffff",
    backgroundColor: LABEL_BG,
    padding: 2,
    selectable: false,
    evented: false,
  });
}

export function arrowParts(from: PixelPoint, to: PixelPoint, color: string, label?: string): FabricObject[] {
  const headSize = 12;
  const [tip, left, right] = arrowHeadPoints(from, to, headSize);
  // Stop the shaft short of the tip so the line's square end does not poke through the head.
  const length = Math.hypot(to.x - from.x, to.y - from.y) || 1;
  const shaftEnd = { x: to.x - ((to.x - from.x) / length) * headSize * 0.6, y: to.y - ((to.y - from.y) / length) * headSize * 0.6 };
  const parts: FabricObject[] = [
    new Line([from.x, from.y, shaftEnd.x, shaftEnd.y], { stroke: color, strokeWidth: STROKE + 1, strokeLineCap: "round" }),
    new Polygon([tip, left, right], { fill: color, stroke: color, strokeWidth: 1, strokeLineJoin: "round" }),
    new Rect({ left: from.x - 3, top: from.y - 3, width: 6, height: 6, fill: color, originX: "left", originY: "top" }),
  ];
  if (label) parts.push(labelText(label, { x: (from.x + to.x) / 2 + 6, y: (from.y + to.y) / 2 + 6 }));
  return parts;
}

const groupOptions = {
  originX: "left" as const,
  originY: "top" as const,
  hasControls: false, // moved whole; redraw it to change its shape
  borderColor: ACCENT_SELECTED,
  hoverCursor: "move",
  subTargetCheck: false,
};

function arrowObjects(a: CameraMoveAnnotation, n: number, selected: boolean, display: DisplayRect): DrawingObjects {
  const main = new Group(arrowParts(fractionToPixel(a.from, display), fractionToPixel(a.to, display), colorFor(a.kind, selected), `${n} · ${formatSpan(a.start, a.end)}`), {
    ...groupOptions,
    shadow: halo(),
  });
  return { main, resizable: false };
}

export function dashedRect(px: DisplayRect, color: string, fill: string, dash: number[] | undefined): Rect {
  return new Rect({
    // Fabric places a shape's outer edge (stroke included) at left/top; centre the stroke on the rect.
    left: px.x - STROKE / 2,
    top: px.y - STROKE / 2,
    width: px.width,
    height: px.height,
    originX: "left",
    originY: "top",
    fill,
    stroke: color,
    strokeWidth: STROKE,
    strokeDashArray: dash,
    strokeUniform: true,
    lockRotation: true,
    borderColor: ACCENT_SELECTED,
    cornerColor: ACCENT_SELECTED,
    cornerStrokeColor: "#1a1a1a",
    transparentCorners: false,
    cornerSize: 9,
    hoverCursor: "move",
  });
}

function boxObjects(a: FramingBoxAnnotation, n: number, selected: boolean, display: DisplayRect): DrawingObjects {
  const px = rectToPixels(a.rect, display);
  const main = dashedRect(px, colorFor(a.kind, selected), "rgba(45, 140, 235, 0.08)", [6, 4]);
  main.set({ shadow: halo() });
  main.setControlVisible("mtr", false);
  const label = labelText(`${n} · at ${formatSeconds(a.time)}${a.endFraming ? " · end" : ""}`, { x: px.x, y: px.y - 18 });
  return { main, label, resizable: true };
}

export function pathParts(points: readonly PixelPoint[], color: string, label?: string): FabricObject[] {
  const parts: FabricObject[] = [
    new Polyline(
      points.map((p) => ({ x: p.x, y: p.y })),
      { stroke: color, strokeWidth: STROKE + 1, fill: "", strokeLineCap: "round", strokeLineJoin: "round", objectCaching: false },
    ),
  ];
  for (const [i, p] of points.entries()) {
    const last = i === points.length - 1;
    parts.push(new Circle({ left: p.x, top: p.y, radius: last ? 5 : 3, originX: "center", originY: "center", fill: last ? color : "#1a1a1a", stroke: color, strokeWidth: 1.5 }));
  }
  if (label && points[0]) parts.push(labelText(label, { x: points[0].x + 8, y: points[0].y + 6 }));
  return parts;
}

function pathObjects(a: SubjectPathAnnotation, n: number, selected: boolean, display: DisplayRect): DrawingObjects {
  const points = a.points.map((p) => fractionToPixel(p, display));
  const first = a.points[0]!.t;
  const last = a.points[a.points.length - 1]!.t;
  const span = first !== undefined && last !== undefined ? ` · ${formatSpan(first, last)}` : "";
  const main = new Group(pathParts(points, colorFor(a.kind, selected), `${n}${a.label ? ` ${a.label}` : ""}${span}`), { ...groupOptions, shadow: halo() });
  return { main, resizable: false };
}

export function pinParts(at: PixelPoint, color: string): FabricObject[] {
  return [
    new Circle({ left: at.x, top: at.y, radius: 7, originX: "center", originY: "center", fill: "rgba(0,0,0,0.35)", stroke: color, strokeWidth: 2 }),
    new Line([at.x - 4, at.y, at.x + 4, at.y], { stroke: color, strokeWidth: 2 }),
    new Line([at.x, at.y - 4, at.x, at.y + 4], { stroke: color, strokeWidth: 2 }),
  ];
}

function holdObjects(a: HoldAnnotation, n: number, selected: boolean, display: DisplayRect): DrawingObjects {
  const color = colorFor(a.kind, selected);
  const px = rectToPixels(a.rect, display);
  if (a.shape === "point") {
    const centre = { x: px.x + px.width / 2, y: px.y + px.height / 2 };
    const main = new Group([...pinParts(centre, color), labelText(`${n} hold${a.label ? ` ${a.label}` : ""}`, { x: centre.x + 10, y: centre.y - 8 })], { ...groupOptions, shadow: halo() });
    return { main, resizable: false };
  }
  const main = dashedRect(px, color, "rgba(92, 208, 138, 0.10)", [2, 3]);
  main.set({ shadow: halo() });
  main.setControlVisible("mtr", false);
  const label = labelText(`${n} hold${a.label ? ` ${a.label}` : ""}`, { x: px.x, y: px.y - 18 });
  return { main, label, resizable: true };
}

function noteObjects(a: NoteAnnotation, n: number, selected: boolean, display: DisplayRect): DrawingObjects {
  const at = fractionToPixel(a.at, display);
  const color = colorFor(a.kind, selected);
  const text = a.text.length > 48 ? `${a.text.slice(0, 47)}…` : a.text;
  const main = new Group(
    [
      new Circle({ left: at.x, top: at.y, radius: 5, originX: "center", originY: "center", fill: color, stroke: "#1a1a1a", strokeWidth: 1 }),
      labelText(`${n} ${text}`, { x: at.x + 9, y: at.y - 8 }),
    ],
    { ...groupOptions, shadow: halo() },
  );
  return { main, resizable: false };
}

/** The objects for one drawing; `n` is its 1-based number (as in the panel's list). */
export function drawingObjects(a: Annotation, n: number, selected: boolean, display: DisplayRect): DrawingObjects {
  switch (a.kind) {
    case "cameraMove":
      return arrowObjects(a, n, selected, display);
    case "framingBox":
      return boxObjects(a, n, selected, display);
    case "subjectPath":
      return pathObjects(a, n, selected, display);
    case "hold":
      return holdObjects(a, n, selected, display);
    case "note":
      return noteObjects(a, n, selected, display);
  }
}

/** Recolour a drawing's main object in place (selection changed), labels untouched. */
export function recolor(object: FabricObject, kind: Annotation["kind"], selected: boolean): void {
  const color = colorFor(kind, selected);
  if (object instanceof Group) {
    for (const child of object.getObjects()) {
      if (child instanceof FabricText) continue;
      if (child instanceof Line || child instanceof Polyline) child.set({ stroke: color });
      else if (child instanceof Circle && child.fill === "#1a1a1a") child.set({ stroke: color });
      else if (child instanceof Circle && child.fill === "rgba(0,0,0,0.35)") child.set({ stroke: color });
      else child.set({ fill: color, stroke: kind === "note" ? "#1a1a1a" : color });
    }
    object.set({ dirty: true });
  } else object.set({ stroke: color });
}
