import { pixelToFraction } from "../geometry.js";
import type { ToolFactory } from "./types.js";

/**
 * Note: a click pins it; the panel then opens an inline text field at that spot (NoteEditor),
 * never a window.prompt (UXP webviews have none, and it would block the host).
 */
export const noteTool: ToolFactory = (ctx) => ({
  down() {},
  move() {},
  up(p) {
    ctx.state().setPendingNote({ at: pixelToFraction(p, ctx.display()) });
  },
  cancel() {},
  busy: () => false,
});
