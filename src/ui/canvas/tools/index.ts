import type { Tool } from "../../state/createPanelStore.js";
import { cameraMoveTool } from "./cameraMoveTool.js";
import { framingBoxTool } from "./framingBoxTool.js";
import { holdTool } from "./holdTool.js";
import { noteTool } from "./noteTool.js";
import { subjectPathTool } from "./subjectPathTool.js";
import type { ToolFactory } from "./types.js";

/** The drawing tools by name (select is the scene's own editing mode). */
export const DRAWING_TOOLS: Record<Exclude<Tool, "select">, ToolFactory> = {
  cameraMove: cameraMoveTool,
  framingBox: framingBoxTool,
  subjectPath: subjectPathTool,
  hold: holdTool,
  note: noteTool,
};
export type { ToolContext, ToolInteraction, ToolFactory } from "./types.js";
