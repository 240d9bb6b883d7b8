import { useMemo } from "react";
import { compileDirection } from "../../core/direction/index.js";
import type { Annotation, Direction } from "../../core/schemas/index.js";
import { describeAnnotation } from "../format.js";
import type { AnnotationChange } from "../state/annotationChanges.js";
import { usePanelStore } from "../state/createPanelStore.js";

/**
 * What the backend will be asked for, in words: the compiled direction's summary and any
 * conflicts (compiled locally with the same core compiler the backend uses), then the drawings.
 */
export function DirectionSummary() {
  const prompt = usePanelStore((s) => s.prompt);
  const annotations = usePanelStore((s) => s.annotations);
  const duration = usePanelStore((s) => s.duration);
  const frameSize = usePanelStore((s) => s.frame?.context.sequence.frameSize ?? null);
  const selectedId = usePanelStore((s) => s.selectedId);
  const select = usePanelStore((s) => s.select);
  const setTool = usePanelStore((s) => s.setTool);
  const apply = usePanelStore((s) => s.applyAnnotationChanges);

  const compiled = useMemo((): { direction: Direction } | { error: string } => {
    try {
      return { direction: compileDirection({ prompt, annotations, duration }, frameSize ? { frameSize } : {}) };
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) };
    }
  }, [prompt, annotations, duration, frameSize]);

  return (
    <section className="summary" aria-label="Direction summary">
      <h2 className="section-title">Direction</h2>
      {"error" in compiled ? (
        <p className="conflict conflict-blocking">The direction cannot be compiled: {compiled.error}</p>
      ) : (
        <>
          <p className="summary-text">
            {readableIds(
              compiled.direction.summary,
              annotations.map((a) => a.id),
              annotations,
            )}
          </p>
          {compiled.direction.conflicts.length > 0 && (
            <ul className="conflicts" aria-label="Conflicts">
              {compiled.direction.conflicts.map((conflict, i) => (
                <li
                  key={`${conflict.code}-${i}`}
                  className={conflict.accepted ? "conflict conflict-accepted" : conflict.acceptableForGenerative ? "conflict" : "conflict conflict-blocking"}
                >
                  {readableIds(conflict.message, conflict.annotationIds, annotations)}
                  {conflict.acceptableForGenerative && !conflict.accepted && (
                    <>
                      <span className="muted"> (a generative take can invent the missing picture)</span>{" "}
                      <button
                        type="button"
                        className="button button-small"
                        onClick={() => apply(acceptChanges(conflict.annotationIds, annotations, true))}
                      >
                        Accept for generative
                      </button>
                    </>
                  )}
                  {conflict.accepted && (
                    <>
                      <span className="muted"> Accepted: a generative take invents it.</span>{" "}
                      <button type="button" className="link-button" onClick={() => apply(acceptChanges(conflict.annotationIds, annotations, false))}>
                        Withdraw
                      </button>
                    </>
                  )}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
      {annotations.length === 0 ? (
        <p className="hint">No drawings yet: pick a tool (C, F, P, H or N) and draw on the frame.</p>
      ) : (
        <ul className="annotation-list" aria-label="Drawings">
          {annotations.map((a, i) => (
            <li key={a.id}>
              <button
                type="button"
                className={`link-button${a.id === selectedId ? " is-selected" : ""}`}
                aria-current={a.id === selectedId ? "true" : undefined}
                onClick={() => {
                  setTool("select");
                  select(a.id);
                }}
              >
                {drawingLabel(i)}: {describeAnnotation(a)}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

const drawingLabel = (index: number) => `Drawing ${index + 1}`;

/** Accepting (or withdrawing) invented picture on every drawing a conflict names: one undo step. */
function acceptChanges(ids: readonly string[], annotations: readonly Annotation[], accept: boolean): AnnotationChange[] {
  return annotations
    .filter((a) => ids.includes(a.id) && (a.kind === "cameraMove" || a.kind === "framingBox"))
    .map((a) => ({ type: "update" as const, id: a.id, patch: { acceptInvented: accept ? true : undefined } }));
}

/**
 * Conflict messages name drawings by id (stable for the backend, meaningless to an editor);
 * show them as the numbered drawings of the list below instead.
 */
function readableIds(message: string, ids: readonly string[], annotations: readonly Annotation[]): string {
  let text = message;
  for (const id of ids) {
    const index = annotations.findIndex((a) => a.id === id);
    if (index < 0) continue;
    text = text.split(`"${id}"`).join(drawingLabel(index).toLowerCase()).split(id).join(drawingLabel(index).toLowerCase());
  }
  return text;
}
