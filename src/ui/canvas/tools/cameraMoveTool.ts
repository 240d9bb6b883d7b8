import { Group } from "fabric";
import { arrowParts, halo, ACCENT } from "../annotationObjects.js";
import { arrowFromDrag, type PixelPoint } from "../geometry.js";
import type { ToolFactory } from "./types.js";

/** Camera move: drag from where the camera starts to where it ends (the camera's own move). */
export const cameraMoveTool: ToolFactory = (ctx) => {
  let start: PixelPoint | null = null;
  return {
    down(p) {
      start = p;
    },
    move(p) {
      if (!start) return;
      if (Math.hypot(p.x - start.x, p.y - start.y) < 2) return ctx.preview(null);
      ctx.preview(new Group(arrowParts(start, p, ACCENT), { selectable: false, evented: false, opacity: 0.85, shadow: halo() }));
    },
    up(p) {
      if (!start) return;
      const from = start;
      start = null;
      ctx.preview(null);
      const arrow = arrowFromDrag(from, p, ctx.display());
      if (arrow) ctx.commit({ id: ctx.newId(), kind: "cameraMove", ...arrow, start: 0, end: ctx.state().duration, ease: "ease-in-out" });
    },
    cancel() {
      start = null;
      ctx.preview(null);
    },
    busy: () => start !== null,
  };
};
