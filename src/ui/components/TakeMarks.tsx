import { useEffect, useId, useRef, useState } from "react";
import type { Take } from "../../core/schemas/index.js";
import { usePanelController } from "../controller/PanelControllerContext.js";
import { usePanelStore } from "../state/createPanelStore.js";
import { Spinner } from "./Spinner.js";

/**
 * The editor's own marks on a take: a star and a note, kept in the ledger (PATCH /v1/takes/:id)
 * and searchable in the history. The note is saved when the field is left or Enter is pressed;
 * a failed save says why beside the field and keeps what was typed.
 */
export function TakeMarks({ take, name }: { take: Take; name: string }) {
  const controller = usePanelController();
  const mark = usePanelStore((s) => s.marks[take.id]);
  const noteId = useId();
  const statusId = useId();
  const saved = take.note ?? "";
  // What the editor typed and has not seen saved yet; null shows the stored note. A failed save
  // keeps the typed text (with the reason beside it) so nothing typed is lost.
  const [draft, setDraft] = useState<string | null>(null);
  const focused = useRef(false);
  /** Escape abandons the edit: the blur that follows must not save it. */
  const abandoned = useRef(false);
  const starred = take.starred === true;
  const savingStar = mark?.state === "saving" && mark.field === "starred";
  const noteSaved = mark?.field === "note" && mark.state === "saved";

  useEffect(() => {
    if (noteSaved && !focused.current) setDraft(null);
  }, [noteSaved, saved]);

  const commit = () => {
    focused.current = false;
    if (abandoned.current) {
      abandoned.current = false;
      return setDraft(null);
    }
    if (draft === null) return;
    if (draft.trim() !== saved.trim()) void controller.saveNote(take.id, draft);
    else setDraft(null);
  };

  return (
    <div className="take-marks">
      <button
        type="button"
        className={`icon-button star-button${starred ? " is-starred" : ""}`}
        aria-pressed={starred}
        aria-busy={savingStar}
        disabled={savingStar}
        onClick={() => void controller.setStarred(take.id, !starred)}
        title={starred ? `Unstar ${name}` : `Star ${name} (find it again in the history)`}
      >
        <span aria-hidden="true">{starred ? "★" : "☆"}</span>
        <span className="visually-hidden">Star</span>
      </button>
      <label className="visually-hidden" htmlFor={noteId}>
        Note
      </label>
      <input
        id={noteId}
        className="note-input"
        type="text"
        value={draft ?? saved}
        maxLength={2000}
        placeholder="Note (saved when you leave the field)"
        aria-describedby={statusId}
        onFocus={() => {
          focused.current = true;
        }}
        onChange={(event) => setDraft(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === "Enter") event.currentTarget.blur();
          if (event.key === "Escape") {
            abandoned.current = true;
            event.currentTarget.blur();
          }
        }}
        onBlur={commit}
      />
      <span id={statusId} className="mark-status small" role="status">
        {mark?.field === "note" && mark.state === "saving" && (
          <>
            <Spinner /> Saving…
          </>
        )}
        {noteSaved && draft === null && <span className="muted">Note saved</span>}
      </span>
      {mark?.state === "failed" && (
        <p className="take-error small" role="alert">
          {mark.field === "note" ? "The note was not saved" : "The star was not saved"}: {mark.message}
        </p>
      )}
    </div>
  );
}
