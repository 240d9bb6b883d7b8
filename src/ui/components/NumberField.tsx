import { useEffect, useId, useState } from "react";

interface NumberFieldProps {
  label: string;
  value: number;
  min: number;
  max: number;
  step?: number;
  /** Shown after the input ("2–10 s"); not part of the label. */
  hint?: string;
  disabled?: boolean;
  /**
   * "change" commits every in-range keystroke (form fields the next click reads);
   * "blur" commits on blur or Enter only (edits that become one undo step each).
   */
  commitOn?: "change" | "blur";
  onCommit(value: number): void;
}

/**
 * A labelled number input that lets the editor type freely ("1" on the way to "10") and only
 * commits values in range; on blur an out-of-range value is clamped and shown as committed.
 */
export function NumberField({ label, value, min, max, step = 1, hint, disabled, commitOn = "change", onCommit }: NumberFieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const [text, setText] = useState(String(value));
  const [editing, setEditing] = useState(false);

  useEffect(() => {
    if (!editing) setText(String(value));
  }, [value, editing]);

  const clamp = (n: number) => Math.min(max, Math.max(min, n));

  return (
    <div className="field number-field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="number"
        inputMode="decimal"
        min={min}
        max={max}
        step={step}
        value={text}
        disabled={disabled}
        aria-describedby={hint ? hintId : undefined}
        onFocus={() => setEditing(true)}
        onChange={(event) => {
          const raw = event.target.value;
          setText(raw);
          const n = Number(raw);
          if (commitOn === "change" && raw.trim() !== "" && Number.isFinite(n) && n >= min && n <= max) onCommit(n);
        }}
        onKeyDown={(event) => {
          if (event.key === "Enter") event.currentTarget.blur();
        }}
        onBlur={() => {
          setEditing(false);
          const n = Number(text);
          if (text.trim() === "" || !Number.isFinite(n)) {
            setText(String(value));
            return;
          }
          const clamped = clamp(n);
          if (clamped !== value) onCommit(clamped);
          setText(String(clamped));
        }}
      />
      {hint && (
        <span id={hintId} className="hint">
          {hint}
        </span>
      )}
    </div>
  );
}
