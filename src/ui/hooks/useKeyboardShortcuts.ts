import { useEffect } from "react";
import type { PanelStoreApi, Tool } from "../state/createPanelStore.js";

const TOOL_KEYS: Record<string, Tool> = { v: "select", c: "cameraMove", f: "framingBox" };

/** True when the key belongs to a text field, not to the panel's shortcuts. */
function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  return tag === "TEXTAREA" || tag === "SELECT" || (tag === "INPUT" && (target as HTMLInputElement).type !== "button");
}

/**
 * Panel-wide keys: V/C/F pick a tool, Delete/Backspace removes the selected drawing,
 * Cmd/Ctrl+Z undoes, Shift+Cmd/Ctrl+Z (or Ctrl+Y) redoes, Escape deselects.
 */
export function useKeyboardShortcuts(store: PanelStoreApi, target: Window = window) {
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.defaultPrevented || isTyping(event.target)) return;
      const s = store.getState();
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
