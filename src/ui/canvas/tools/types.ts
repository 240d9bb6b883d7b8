import type { FabricObject } from "fabric";
import type { Annotation } from "../../../core/schemas/index.js";
import type { PanelState } from "../../state/createPanelStore.js";
import type { DisplayRect, PixelPoint } from "../geometry.js";

/**
 * One drawing tool's Fabric interaction (one small module per tool). The scene forwards pointer
 * events in canvas pixels; a tool shows a preview while the gesture is under way and, when it is
 * finished, answers with the drawing to add (or asks for text, for notes). Tools never write the
 * store themselves except through `commit`, so every drawing is one undo step.
 */
export interface ToolContext {
  display(): DisplayRect;
  state(): PanelState;
  newId(): string;
  /** Replace the preview on the canvas (null removes it). */
  preview(object: FabricObject | null): void;
  /** Add the finished drawing (one undo step, selects it). */
  commit(annotation: Annotation): void;
}

export interface PointerInfo {
  shiftKey: boolean;
}

export interface ToolInteraction {
  down(p: PixelPoint, info: PointerInfo): void;
  move(p: PixelPoint, info: PointerInfo): void;
  up(p: PixelPoint, info: PointerInfo): void;
  /** A key while the tool is active; true when the tool used it (Enter finishes, Escape cancels). */
  key?(event: KeyboardEvent): boolean;
  dblclick?(p: PixelPoint): void;
  /** Abandon any gesture in progress (tool switched, frame changed). */
  cancel(): void;
  /** True while a gesture is under way (so the scene keeps its preview on top). */
  busy(): boolean;
}

export type ToolFactory = (ctx: ToolContext) => ToolInteraction;
