import { useMemo, useRef, useState, type KeyboardEvent, type PointerEvent } from "react";
import { cameraAt, compileDirection } from "../../core/direction/index.js";
import type { Annotation } from "../../core/schemas/index.js";
import { formatSpan, formatSeconds } from "../format.js";
import { usePanelStore } from "../state/createPanelStore.js";
import { fractionToTime, retime, timedBars, timeToFraction, type RetimeHandle } from "./timeStripGeometry.js";

const KIND_WORD: Record<Annotation["kind"], string> = {
  cameraMove: "camera",
  framingBox: "framing",
  subjectPath: "subject",
  hold: "hold",
  note: "note",
};

interface DragState {
  id: string;
  handle: RetimeHandle;
  startX: number;
  width: number;
  original: Annotation;
}

/**
 * The time strip under the frame: every timed drawing as a bar on the take's duration. Drag a
 * bar to move it in time, drag its ends to retime a span (one undo step per drag); arrow keys
 * nudge the focused bar. The ruler on top scrubs: the frame shows where the compiled camera
 * window is at that instant, before anything is rendered.
 */
export function TimeStrip() {
  const annotations = usePanelStore((s) => s.annotations);
  const duration = usePanelStore((s) => s.duration);
  const selectedId = usePanelStore((s) => s.selectedId);
  const scrubTime = usePanelStore((s) => s.scrubTime);
  const setScrubTime = usePanelStore((s) => s.setScrubTime);
  const select = usePanelStore((s) => s.select);
  const setTool = usePanelStore((s) => s.setTool);
  const apply = usePanelStore((s) => s.applyAnnotationChanges);
  const hasFrame = usePanelStore((s) => s.frame !== null);
  const [draft, setDraft] = useState<Annotation | null>(null);
  const drag = useRef<DragState | null>(null);
  const ruler = useRef<HTMLDivElement>(null);
  const keyframes = useMemo(() => {
    try {
      return compileDirection({ prompt: "", annotations, duration }).camera.keyframes;
    } catch {
      return null;
    }
  }, [annotations, duration]);
  // What the outline on the frame shows, in words (screen readers, and a check for tests).
  const camera = scrubTime !== null && keyframes ? cameraAt(keyframes, scrubTime) : null;
  const cameraWords = camera
    ? `camera window centred at ${Math.round(camera.x * 100)}% × ${Math.round(camera.y * 100)}%, ${camera.zoom.toFixed(2)}×`
    : "";

  if (!hasFrame) return null;
  const shown = draft ? annotations.map((a) => (a.id === draft.id ? draft : a)) : annotations;
  const bars = timedBars(shown, duration);
  const numberOf = new Map(annotations.map((a, i) => [a.id, i + 1]));

  // ---- scrubbing
  const scrubAt = (clientX: number) => {
    const box = ruler.current?.getBoundingClientRect();
    if (!box || box.width <= 0) return;
    setScrubTime(fractionToTime((clientX - box.left) / box.width, duration));
  };
  const onRulerDown = (event: PointerEvent<HTMLDivElement>) => {
    event.currentTarget.setPointerCapture?.(event.pointerId);
    event.currentTarget.focus();
    scrubAt(event.clientX);
  };
  const onRulerMove = (event: PointerEvent<HTMLDivElement>) => {
    if (event.buttons & 1) scrubAt(event.clientX);
  };
  const onRulerKey = (event: KeyboardEvent<HTMLDivElement>) => {
    const step = event.shiftKey ? 1 : 0.1;
    const now = scrubTime ?? 0;
    if (event.key === "ArrowRight") setScrubTime(Math.round((now + step) * 100) / 100);
    else if (event.key === "ArrowLeft") setScrubTime(Math.round((now - step) * 100) / 100);
    else if (event.key === "Home") setScrubTime(0);
    else if (event.key === "End") setScrubTime(duration);
    else if (event.key === "Escape") setScrubTime(null);
    else return;
    event.preventDefault();
    event.stopPropagation();
  };

  // ---- retiming
  const onBarDown = (event: PointerEvent<HTMLElement>, id: string, handle: RetimeHandle) => {
    const track = (event.currentTarget.closest(".strip-track") as HTMLElement | null)?.getBoundingClientRect();
    const original = annotations.find((a) => a.id === id);
    if (!track || !original) return;
    event.stopPropagation();
    event.preventDefault();
    (event.currentTarget as HTMLElement).setPointerCapture?.(event.pointerId);
    drag.current = { id, handle, startX: event.clientX, width: track.width, original };
    setTool("select");
    select(id);
  };
  const onBarMove = (event: PointerEvent<HTMLElement>) => {
    const d = drag.current;
    if (!d) return;
    const dt = ((event.clientX - d.startX) / d.width) * duration;
    setDraft(retime(d.original, d.handle, dt, duration));
  };
  const onBarUp = (event: PointerEvent<HTMLElement>) => {
    const d = drag.current;
    if (!d) return;
    drag.current = null;
    const dt = ((event.clientX - d.startX) / d.width) * duration;
    const next = retime(d.original, d.handle, dt, duration);
    setDraft(null);
    apply([{ type: "add", annotation: next }]); // one undo step; nothing if it did not move
  };
  const onBarKey = (event: KeyboardEvent<HTMLElement>, id: string) => {
    if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
    const a = annotations.find((x) => x.id === id);
    if (!a) return;
    event.preventDefault();
    event.stopPropagation();
    const step = (event.shiftKey ? 1 : 0.1) * (event.key === "ArrowLeft" ? -1 : 1);
    apply([{ type: "add", annotation: retime(a, event.altKey ? "end" : "move", step, duration) }]);
  };

  const ticks = Array.from({ length: Math.floor(duration) + 1 }, (_, i) => i);

  return (
    <section className="time-strip" aria-label="Time strip">
      <div className="strip-row strip-ruler-row">
        <span className="strip-label muted small">{scrubTime === null ? "Scrub" : formatSeconds(scrubTime)}</span>
        <div
          ref={ruler}
          className="strip-track strip-ruler"
          role="slider"
          tabIndex={0}
          aria-label="Scrub the camera preview"
          aria-valuemin={0}
          aria-valuemax={duration}
          aria-valuenow={scrubTime ?? 0}
          aria-valuetext={scrubTime === null ? "not scrubbing" : `${scrubTime.toFixed(2)} seconds, ${cameraWords}`}
          title="Drag to preview the camera window at any time (arrow keys step, Escape hides it)"
          onPointerDown={onRulerDown}
          onPointerMove={onRulerMove}
          onKeyDown={onRulerKey}
          onBlur={() => setScrubTime(null)}
        >
          {ticks.map((t) => (
            <span key={t} className="strip-tick" style={{ left: `${timeToFraction(t, duration) * 100}%` }}>
              {t}
            </span>
          ))}
          {scrubTime !== null && <span className="strip-playhead" style={{ left: `${timeToFraction(scrubTime, duration) * 100}%` }} />}
        </div>
      </div>
      {bars.length === 0 ? (
        <p className="hint">Camera moves, framing boxes and subject paths appear here on the take's {formatSeconds(duration)}; drag them to retime.</p>
      ) : (
        bars.map((bar) => {
          const n = numberOf.get(bar.id) ?? 0;
          const left = timeToFraction(bar.start, duration) * 100;
          const width = Math.max(0, timeToFraction(bar.end, duration) * 100 - left);
          const when = bar.instant ? `at ${formatSeconds(bar.start)}` : formatSpan(bar.start, bar.end);
          const selected = bar.id === selectedId;
          return (
            <div key={bar.id} className={`strip-row${selected ? " is-selected" : ""}`}>
              <span className="strip-label small">
                {n} <span className="muted">{KIND_WORD[bar.kind]}</span>
              </span>
              <div className="strip-track">
                {scrubTime !== null && <span className="strip-playhead" style={{ left: `${timeToFraction(scrubTime, duration) * 100}%` }} />}
                <div
                  className={`strip-bar strip-${bar.kind}${bar.instant ? " strip-instant" : ""}`}
                  style={bar.instant ? { left: `${left}%` } : { left: `${left}%`, width: `${width}%` }}
                  role="button"
                  tabIndex={0}
                  aria-label={`Drawing ${n} timing, ${when}`}
                  aria-pressed={selected}
                  title={`${when}: drag to move${bar.instant ? "" : ", drag an end to change the span"} (arrow keys nudge)`}
                  onPointerDown={(event) => onBarDown(event, bar.id, "move")}
                  onPointerMove={onBarMove}
                  onPointerUp={onBarUp}
                  onKeyDown={(event) => onBarKey(event, bar.id)}
                >
                  {!bar.instant && (
                    <>
                      <span
                        className="strip-handle strip-handle-start"
                        aria-hidden="true"
                        onPointerDown={(event) => onBarDown(event, bar.id, "start")}
                        onPointerMove={onBarMove}
                        onPointerUp={onBarUp}
                      />
                      <span className="strip-bar-text">{when}</span>
                      <span
                        className="strip-handle strip-handle-end"
                        aria-hidden="true"
                        onPointerDown={(event) => onBarDown(event, bar.id, "end")}
                        onPointerMove={onBarMove}
                        onPointerUp={onBarUp}
                      />
                    </>
                  )}
                </div>
              </div>
            </div>
          );
        })
      )}
    </section>
  );
}
