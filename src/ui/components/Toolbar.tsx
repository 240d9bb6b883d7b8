import type { ReactNode } from "react";
import { TOOL_SHORTCUTS, ZOOM_SHORTCUTS } from "../hooks/useKeyboardShortcuts.js";
import { usePanelStore, type Tool } from "../state/createPanelStore.js";

interface ToolSpec {
  tool: Tool;
  label: string;
  /** Longer words for the tooltip ("Hold / pin"). */
  hint?: string;
  shortcut: string;
  icon: ReactNode;
}

const TOOLS: ToolSpec[] = [
  {
    tool: "select",
    label: "Select",
    hint: "Select, move, resize",
    shortcut: TOOL_SHORTCUTS.select,
    icon: <path d="M4 2.5l8 6-3.6.6 2.1 4-1.5.8-2.1-4L4 12.5z" fill="currentColor" />,
  },
  {
    tool: "cameraMove",
    label: "Camera move",
    hint: "Camera move: drag the way the camera goes",
    shortcut: TOOL_SHORTCUTS.cameraMove,
    icon: (
      <>
        <path d="M2.5 12.5L12 3" stroke="currentColor" strokeWidth="1.6" fill="none" />
        <path d="M7.5 3h5v5" stroke="currentColor" strokeWidth="1.6" fill="none" />
      </>
    ),
  },
  {
    tool: "framingBox",
    label: "Framing box",
    hint: "Framing box: the region that fills the frame (Shift keeps the frame's shape)",
    shortcut: TOOL_SHORTCUTS.framingBox,
    icon: <rect x="2.5" y="3.5" width="11" height="9" stroke="currentColor" strokeWidth="1.4" strokeDasharray="2.5 1.5" fill="none" />,
  },
  {
    tool: "subjectPath",
    label: "Subject path",
    hint: "Subject path: drag freehand, or click points and press Enter",
    shortcut: TOOL_SHORTCUTS.subjectPath,
    icon: (
      <>
        <path d="M2.5 12c2-5 4 1 6-3s3-5 5-5" stroke="currentColor" strokeWidth="1.5" fill="none" />
        <circle cx="13.5" cy="4" r="1.6" fill="currentColor" />
      </>
    ),
  },
  {
    tool: "hold",
    label: "Hold",
    hint: "Hold / pin: click a point or drag a region that must stay put",
    shortcut: TOOL_SHORTCUTS.hold,
    icon: (
      <>
        <circle cx="8" cy="8" r="4.5" stroke="currentColor" strokeWidth="1.4" fill="none" />
        <path d="M8 5v6M5 8h6" stroke="currentColor" strokeWidth="1.4" />
      </>
    ),
  },
  {
    tool: "note",
    label: "Note",
    hint: "Note: click a spot and type",
    shortcut: TOOL_SHORTCUTS.note,
    icon: <path d="M3 3h10v7H7l-3 3v-3H3z" stroke="currentColor" strokeWidth="1.4" fill="none" strokeLinejoin="round" />,
  },
];

/** Drawing tools (toggle buttons), undo/redo/delete and the view zoom. Every one has a key. */
export function Toolbar() {
  const tool = usePanelStore((s) => s.tool);
  const setTool = usePanelStore((s) => s.setTool);
  const canUndo = usePanelStore((s) => s.history.past.length > 0);
  const canRedo = usePanelStore((s) => s.history.future.length > 0);
  const undo = usePanelStore((s) => s.undo);
  const redo = usePanelStore((s) => s.redo);
  const selectedId = usePanelStore((s) => s.selectedId);
  const remove = usePanelStore((s) => s.removeAnnotation);
  const viewZoom = usePanelStore((s) => s.viewZoom);
  const setViewZoom = usePanelStore((s) => s.setViewZoom);
  const isMac = typeof navigator !== "undefined" && /Mac|iPhone|iPad/.test(navigator.platform);
  const mod = isMac ? "⌘" : "Ctrl+";

  return (
    <div className="toolbar" role="toolbar" aria-label="Drawing tools">
      <div className="tool-group">
        {TOOLS.map((spec) => (
          <button
            key={spec.tool}
            type="button"
            className="tool-button"
            aria-pressed={tool === spec.tool}
            aria-keyshortcuts={spec.shortcut}
            title={`${spec.hint ?? spec.label} (${spec.shortcut})`}
            onClick={() => setTool(spec.tool)}
          >
            <svg className="icon" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
              {spec.icon}
            </svg>
            <span className="tool-label">{spec.label}</span>
            <kbd aria-hidden="true">{spec.shortcut}</kbd>
          </button>
        ))}
      </div>
      <div className="edit-group">
        <button
          type="button"
          className="icon-button"
          aria-pressed={viewZoom === "fit"}
          onClick={() => setViewZoom("fit")}
          title={`Zoom to fit (${ZOOM_SHORTCUTS.fit})`}
          aria-keyshortcuts={ZOOM_SHORTCUTS.fit}
        >
          <svg className="icon" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
            <path d="M2.5 6V2.5H6M10 2.5h3.5V6M13.5 10v3.5H10M6 13.5H2.5V10" stroke="currentColor" strokeWidth="1.4" fill="none" />
          </svg>
          <span className="visually-hidden">Zoom to fit</span>
        </button>
        <button
          type="button"
          className="icon-button"
          aria-pressed={viewZoom === "actual"}
          onClick={() => setViewZoom("actual")}
          title={`Zoom 1:1 (${ZOOM_SHORTCUTS.actual})`}
          aria-keyshortcuts={ZOOM_SHORTCUTS.actual}
        >
          <span aria-hidden="true" className="zoom-text">1:1</span>
          <span className="visually-hidden">Zoom 1:1</span>
        </button>
        <button type="button" className="icon-button" onClick={undo} disabled={!canUndo} title={`Undo (${mod}Z)`} aria-keyshortcuts="Control+Z Meta+Z">
          <svg className="icon" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
            <path d="M5 4L2 7l3 3M2.5 7H10a3.5 3.5 0 010 7H7" stroke="currentColor" strokeWidth="1.5" fill="none" />
          </svg>
          <span className="visually-hidden">Undo</span>
        </button>
        <button
          type="button"
          className="icon-button"
          onClick={redo}
          disabled={!canRedo}
          title={`Redo (${isMac ? "⇧⌘Z" : "Ctrl+Shift+Z"})`}
          aria-keyshortcuts="Control+Shift+Z Meta+Shift+Z"
        >
          <svg className="icon" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
            <path d="M11 4l3 3-3 3M13.5 7H6a3.5 3.5 0 000 7h3" stroke="currentColor" strokeWidth="1.5" fill="none" />
          </svg>
          <span className="visually-hidden">Redo</span>
        </button>
        <button
          type="button"
          className="icon-button"
          onClick={() => selectedId && remove(selectedId)}
          disabled={!selectedId}
          title="Delete the selected drawing (Delete)"
          aria-keyshortcuts="Delete Backspace"
        >
          <svg className="icon" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
            <path d="M3 4.5h10M6.5 4.5V3h3v1.5M4.5 4.5l.7 9h5.6l.7-9" stroke="currentColor" strokeWidth="1.4" fill="none" />
          </svg>
          <span className="visually-hidden">Delete drawing</span>
        </button>
      </div>
    </div>
  );
}
