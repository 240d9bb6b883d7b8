import { useId } from "react";
import { Ease, type Annotation } from "../../core/schemas/index.js";
import { clampTime } from "../canvas/geometry.js";
import { describeAnnotation } from "../format.js";
import { usePanelStore } from "../state/createPanelStore.js";
import { selectedAnnotation } from "../state/selectors.js";
import { NumberField } from "./NumberField.js";

const EASE_LABEL: Record<Ease, string> = {
  linear: "Linear",
  "ease-in": "Ease in",
  "ease-out": "Ease out",
  "ease-in-out": "Ease in and out",
};

/**
 * The selected drawing's settings: timing and ease for camera moves and framing boxes, end
 * framing, a label for subject paths and holds, the text of a note.
 */
export function AnnotationInspector() {
  const annotation = usePanelStore(selectedAnnotation);
  const duration = usePanelStore((s) => s.duration);
  const update = usePanelStore((s) => s.updateAnnotation);
  const remove = usePanelStore((s) => s.removeAnnotation);
  const easeId = useId();
  const textId = useId();

  if (!annotation) return null;

  return (
    <section className="inspector" aria-label="Selected drawing">
      <div className="inspector-head">
        <span className="inspector-title">{describeAnnotation(annotation)}</span>
        <button type="button" className="button button-small" onClick={() => remove(annotation.id)}>
          Delete drawing
        </button>
      </div>
      <div className="field-row">
        <TimingFields annotation={annotation} duration={duration} onChange={(patch) => update(annotation.id, patch)} />
        {(annotation.kind === "cameraMove" || annotation.kind === "framingBox") && (
          <div className="field">
            <label htmlFor={easeId}>Ease</label>
            <select id={easeId} value={annotation.ease} onChange={(event) => update(annotation.id, { ease: Ease.parse(event.target.value) })}>
              {Ease.options.map((ease) => (
                <option key={ease} value={ease}>
                  {EASE_LABEL[ease]}
                </option>
              ))}
            </select>
          </div>
        )}
        {(annotation.kind === "subjectPath" || annotation.kind === "hold") && (
          <div className="field">
            <label htmlFor={textId}>Label</label>
            <input
              key={annotation.id}
              id={textId}
              type="text"
              defaultValue={annotation.label}
              placeholder={annotation.kind === "hold" ? "horizon, her face…" : "the car, the dog…"}
              onBlur={(event) => update(annotation.id, { label: event.target.value.trim() })}
              onKeyDown={(event) => {
                if (event.key === "Enter") (event.target as HTMLInputElement).blur();
              }}
            />
          </div>
        )}
        {annotation.kind === "note" && (
          <div className="field">
            <label htmlFor={textId}>Note text</label>
            <input
              key={annotation.id}
              id={textId}
              type="text"
              defaultValue={annotation.text}
              onBlur={(event) => {
                const text = event.target.value.trim();
                if (text) update(annotation.id, { text });
              }}
              onKeyDown={(event) => {
                if (event.key === "Enter") (event.target as HTMLInputElement).blur();
              }}
            />
          </div>
        )}
      </div>
      {annotation.kind === "framingBox" && (
        <label className="check">
          <input type="checkbox" checked={annotation.endFraming} onChange={(event) => update(annotation.id, { endFraming: event.target.checked })} /> End on this framing
        </label>
      )}
    </section>
  );
}

function TimingFields({
  annotation,
  duration,
  onChange,
}: {
  annotation: Annotation;
  duration: number;
  onChange(patch: { start?: number; end?: number; time?: number }): void;
}) {
  if (annotation.kind === "cameraMove") {
    return (
      <>
        <NumberField
          key={`${annotation.id}-start`}
          label="Start (s)"
          value={annotation.start}
          min={0}
          max={duration}
          step={0.1}
          commitOn="blur"
          onCommit={(start) => {
            const s = clampTime(start, duration);
            // Keep the move the right way round: pushing the start past the end drags the end along.
            onChange(s > annotation.end ? { start: s, end: s } : { start: s });
          }}
        />
        <NumberField
          key={`${annotation.id}-end`}
          label="End (s)"
          value={annotation.end}
          min={0}
          max={duration}
          step={0.1}
          commitOn="blur"
          onCommit={(end) => {
            const e = clampTime(end, duration);
            onChange(e < annotation.start ? { start: e, end: e } : { end: e });
          }}
        />
      </>
    );
  }
  if (annotation.kind === "framingBox") {
    return (
      <NumberField
        key={`${annotation.id}-time`}
        label="Time (s)"
        value={annotation.time}
        min={0}
        max={duration}
        step={0.1}
        commitOn="blur"
        onCommit={(time) => onChange({ time: clampTime(time, duration) })}
      />
    );
  }
  return <p className="hint">This drawing has no timing to edit here.</p>;
}
