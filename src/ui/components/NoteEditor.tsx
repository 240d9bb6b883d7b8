import { useEffect, useRef, useState } from "react";
import { newAnnotationId } from "../ids.js";
import { usePanelStore } from "../state/createPanelStore.js";

/**
 * The inline text field a Note asks for, pinned where the editor clicked on the frame. Enter
 * adds the note (one undo step), Escape or an empty field abandons it. No window.prompt: UXP
 * webviews do not have one, and a modal would block the host.
 */
export function NoteEditor() {
  const pending = usePanelStore((s) => s.pendingNote);
  const setPending = usePanelStore((s) => s.setPendingNote);
  const add = usePanelStore((s) => s.addAnnotation);
  const [text, setText] = useState("");
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    setText("");
    if (pending) input.current?.focus();
  }, [pending]);

  if (!pending) return null;
  const commit = () => {
    const value = text.trim();
    setPending(null);
    if (value) add({ id: newAnnotationId(), kind: "note", at: pending.at, text: value });
  };
  const left = Math.min(Math.max(pending.at.x, 0), 1) * 100;
  const top = Math.min(Math.max(pending.at.y, 0), 1) * 100;

  return (
    <form
      className="note-editor"
      style={{ left: `${left}%`, top: `${top}%` }}
      onSubmit={(event) => {
        event.preventDefault();
        commit();
      }}
    >
      <input
        ref={input}
        type="text"
        aria-label="New note text"
        placeholder="What should happen here…"
        value={text}
        maxLength={500}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === "Escape") {
            event.preventDefault();
            event.stopPropagation();
            setPending(null);
          }
        }}
        onBlur={() => commit()}
      />
    </form>
  );
}
