import { useEffect } from "react";
import type { PanelStoreApi, Tool } from "../state/createPanelStore.js";

/** One key per tool; the toolbar shows the same keys in its tooltips (TOOL_SHORTCUTS). */
export const TOOL_SHORTCUTS: Record<Tool, string> = { select: "V", cameraMove: "C", framingBox: "F", subjectPath: "P", hold: "H", note: "N" };
const TOOL_KEYS: Record<string, Tool> = Object.fromEntries(Object.entries(TOOL_SHORTCUTS).map(([tool, key]) => [key.toLowerCase(), tool as Tool]));
/** View keys: 0 fits the frame to the panel, 1 shows it 1:1 (one image pixel per screen pixel). */
export const ZOOM_SHORTCUTS = { fit: "0", actual: "1" } as const;

/** True when the key belongs to a text field, not to the panel's shortcuts. */
function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  return tag === "TEXTAREA" || tag === "SELECT" || (tag === "INPUT" && (target as HTMLInputElement).type !== "button");
}

/**
 * Panel-wide keys: V/C/F/P/H/N pick a tool, 0/1 zoom to fit / 1:1, Delete/Backspace removes the selected drawing,
 * Cmd/Ctrl+Z undoes, Shift+Cmd/Ctrl+Z (or Ctrl+Y) redoes, Escape deselects.
 */
export function useKeyboardShortcuts(store: PanelStoreApi, target: Window = window) {
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.defaultPrevented || isTyping(event.target)) return;
      const s = store.getState();
      // The drawing keys belong to the direct view: in the history they would edit a hidden frame.
      if (s.view !== "direct") return;
      const key = event.key.toLowerCase();
      const mod = event.metaKey || event.ctrlKey;
      if (mod && !event.altKey && key === "z") {
        event.preventDefault();
        if (event.shiftKey) s.redo();
        else s.undo();
        return;
      }
      if (mod && !event.altKey && key === "y") {
        event.preventDefault();
        s.redo();
        return;
      }
      if (mod || event.altKey) return;
      if ((key === "delete" || key === "backspace") && s.selectedId) {
        event.preventDefault();
        s.removeAnnotation(s.selectedId);
        return;
      }
      if (key === "escape") {
        if (s.selectedId) s.select(null);
        else if (s.tool !== "select") s.setTool("select");
        return;
      }
      if (!event.shiftKey && (key === ZOOM_SHORTCUTS.fit || key === ZOOM_SHORTCUTS.actual)) {
        event.preventDefault();
        s.setViewZoom(key === ZOOM_SHORTCUTS.fit ? "fit" : "actual");
        return;
      }
      const tool = TOOL_KEYS[key];
      if (tool && !event.shiftKey) {
        event.preventDefault();
        s.setTool(tool);
      }
    };
    target.addEventListener("keydown", onKeyDown);
    return () => target.removeEventListener("keydown", onKeyDown);
  }, [store, target]);
}
