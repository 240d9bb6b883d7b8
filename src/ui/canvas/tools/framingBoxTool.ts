import { ACCENT, dashedRect } from "../annotationObjects.js";
import { boxFromDrag, dragToPixelRect, type PixelPoint } from "../geometry.js";
import type { ToolFactory } from "./types.js";

/** Framing box: drag the region that must fill the frame (Shift keeps the frame's aspect). */
export const framingBoxTool: ToolFactory = (ctx) => {
  let start: PixelPoint | null = null;
  return {
    down(p) {
      start = p;
    },
    move(p, { shiftKey }) {
      if (!start) return;
      const d = ctx.display();
      const px = dragToPixelRect(start, p, shiftKey && d.height > 0 ? d.width / d.height : undefined);
      const rect = dashedRect({ x: px.x + 1, y: px.y + 1, width: px.width, height: px.height }, ACCENT, "rgba(45, 140, 235, 0.08)", [6, 4]);
      rect.set({ selectable: false, evented: false });
      ctx.preview(rect);
    },
    up(p, { shiftKey }) {
      if (!start) return;
      const from = start;
      start = null;
      ctx.preview(null);
      const rect = boxFromDrag(from, p, ctx.display(), { lockAspect: shiftKey });
      if (rect) ctx.commit({ id: ctx.newId(), kind: "framingBox", rect, time: ctx.state().duration, ease: "ease-in-out", endFraming: false });
    },
    cancel() {
      start = null;
      ctx.preview(null);
    },
    busy: () => start !== null,
  };
};
