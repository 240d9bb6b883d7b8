import { Group } from "fabric";
import { halo, pathParts, PATH_COLOR } from "../annotationObjects.js";
import { pixelToFraction, spreadTimesAlong, thinPolyline, type PixelPoint } from "../geometry.js";
import type { ToolFactory } from "./types.js";

/** A press that travels farther than this (pixels) before release is a freehand stroke. */
const FREEHAND_THRESHOLD_PX = 6;
/** A click this close to the last vertex finishes the polyline (like a double-click). */
const CLOSE_PX = 6;

/**
 * Subject path, two ways: drag freehand (the stroke is the path), or click vertex after vertex
 * and finish with Enter or a double-click (Escape abandons it). Times are spread along the path
 * by distance over the whole take, so the subject moves at a constant speed; retime it on the
 * time strip.
 */
export const subjectPathTool: ToolFactory = (ctx) => {
  let vertices: PixelPoint[] = [];
  let stroke: PixelPoint[] | null = null;
  let pressed: PixelPoint | null = null;
  let hover: PixelPoint | null = null;

  const show = () => {
    const points = [...(stroke ?? vertices), ...(hover && !stroke ? [hover] : [])];
    ctx.preview(points.length >= 2 ? new Group(pathParts(points, PATH_COLOR), { selectable: false, evented: false, opacity: 0.9, shadow: halo() }) : null);
  };

  const finish = (pixels: PixelPoint[]) => {
    vertices = [];
    stroke = null;
    pressed = null;
    hover = null;
    ctx.preview(null);
    const kept = thinPolyline(pixels);
    if (kept.length < 2) return;
    const display = ctx.display();
    const points = spreadTimesAlong(kept.map((p) => pixelToFraction(p, display)), 0, ctx.state().duration);
    ctx.commit({ id: ctx.newId(), kind: "subjectPath", label: "", points });
  };

  return {
    down(p) {
      pressed = p;
    },
    move(p) {
      if (pressed && !stroke && vertices.length === 0 && Math.hypot(p.x - pressed.x, p.y - pressed.y) >= FREEHAND_THRESHOLD_PX) stroke = [pressed];
      if (stroke) stroke.push(p);
      else hover = vertices.length > 0 ? p : null;
      show();
    },
    up(p) {
      if (stroke) {
        stroke.push(p);
        return finish(stroke);
      }
      if (!pressed) return;
      pressed = null;
      const last = vertices[vertices.length - 1];
      if (last && Math.hypot(p.x - last.x, p.y - last.y) < CLOSE_PX) return finish(vertices);
      vertices.push(p);
      show();
    },
    dblclick() {
      if (vertices.length >= 2) finish(vertices);
    },
    key(event) {
      if (event.key === "Enter" && vertices.length >= 2) {
        finish(vertices);
        return true;
      }
      if (event.key === "Escape" && (vertices.length > 0 || stroke)) {
        this.cancel();
        return true;
      }
      return false;
    },
    cancel() {
      vertices = [];
      stroke = null;
      pressed = null;
      hover = null;
      ctx.preview(null);
    },
    busy: () => vertices.length > 0 || stroke !== null,
  };
};
