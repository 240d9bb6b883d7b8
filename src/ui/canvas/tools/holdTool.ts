import { Group } from "fabric";
import { dashedRect, HOLD_COLOR, pinParts } from "../annotationObjects.js";
import { boxFromDrag, dragToPixelRect, pixelToFraction, pointHoldRect, type PixelPoint } from "../geometry.js";
import type { ToolFactory } from "./types.js";

/** Hold / pin: click pins a point that must stay put in frame; drag marks a region to keep still. */
export const holdTool: ToolFactory = (ctx) => {
  let start: PixelPoint | null = null;
  return {
    down(p) {
      start = p;
      ctx.preview(new Group(pinParts(p, HOLD_COLOR), { selectable: false, evented: false }));
    },
    move(p) {
      if (!start) return;
      const px = dragToPixelRect(start, p);
      if (px.width < 4 && px.height < 4) return;
      const rect = dashedRect({ x: px.x + 1, y: px.y + 1, width: px.width, height: px.height }, HOLD_COLOR, "rgba(92, 208, 138, 0.10)", [2, 3]);
      rect.set({ selectable: false, evented: false });
      ctx.preview(rect);
    },
    up(p) {
      if (!start) return;
      const from = start;
      start = null;
      ctx.preview(null);
      const display = ctx.display();
      const region = boxFromDrag(from, p, display);
      if (region) return ctx.commit({ id: ctx.newId(), kind: "hold", label: "", rect: region, shape: "region" });
      if (Math.hypot(p.x - from.x, p.y - from.y) > 6) return; // a thin sliver: neither a click nor a region
      ctx.commit({ id: ctx.newId(), kind: "hold", label: "", rect: pointHoldRect(pixelToFraction(from, display), display), shape: "point" });
    },
    cancel() {
      start = null;
      ctx.preview(null);
    },
    busy: () => start !== null,
  };
};
