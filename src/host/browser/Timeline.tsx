import { useRef, type PointerEvent as ReactPointerEvent } from "react";
import type { Placement } from "../../core/schemas/bridge.js";
import type { SequenceContext } from "../../core/schemas/frameContext.js";
import { formatTimecode, secondsToFrame } from "./timecode.js";

export interface TimelineProps {
  sequence: SequenceContext;
  playheadSeconds: number;
  /** Seconds the strip spans (at least the sequence's end). */
  spanSeconds: number;
  /** The last import's placement, drawn highlighted so the editor sees where the take went. */
  lastPlacement: Placement | null;
  onScrub: (seconds: number) => void;
  onScrubEnd: () => void;
  onReset: () => void;
  resetting: boolean;
}

/** A ruler step that gives roughly 8-12 labels across the strip. */
function rulerStep(span: number): number {
  return [1, 2, 5, 10, 15, 30, 60, 120, 300, 600].find((s) => span / s <= 12) ?? 600;
}

const percent = (seconds: number, span: number) => `${(Math.max(0, seconds) / span) * 100}%`;

/**
 * The sequence's video tracks, V1 at the bottom as in Premiere, clips as positioned blocks and
 * the playhead as a vertical line. Dragging on the ruler moves the playhead.
 */
export function Timeline(props: TimelineProps) {
  const { sequence, spanSeconds: span } = props;
  const rulerRef = useRef<HTMLDivElement>(null);
  const tracksTopFirst = [...sequence.videoTracks].sort((a, b) => b.index - a.index);
  const step = rulerStep(span);
  const marks = Array.from({ length: Math.floor(span / step) + 1 }, (_, i) => i * step);

  const scrubTo = (event: ReactPointerEvent<HTMLDivElement>) => {
    const box = rulerRef.current?.getBoundingClientRect();
    if (!box || box.width === 0) return;
    props.onScrub(Math.min(span, Math.max(0, ((event.clientX - box.left) / box.width) * span)));
  };

  const isLastPlaced = (trackIndex: number, start: number) =>
    props.lastPlacement !== null &&
    props.lastPlacement.trackIndex === trackIndex &&
    Math.abs(props.lastPlacement.start - start) < 1e-3;

  return (
    <section className="timeline" aria-label="Timeline">
      <div className="timeline-head">
        <h2 className="pane-title">{sequence.sequenceName}</h2>
        <span className="muted">
          {sequence.videoTracks.length} video {sequence.videoTracks.length === 1 ? "track" : "tracks"}
        </span>
        <button type="button" onClick={props.onReset} disabled={props.resetting}>
          Reset timeline
        </button>
      </div>

      <div className="timeline-grid">
        <div className="track-header ruler-corner" aria-hidden="true" />
        <div
          ref={rulerRef}
          className="ruler"
          aria-hidden="true"
          onPointerDown={(event) => {
            event.currentTarget.setPointerCapture(event.pointerId);
            scrubTo(event);
          }}
          onPointerMove={(event) => {
            if (event.currentTarget.hasPointerCapture(event.pointerId)) scrubTo(event);
          }}
          onPointerUp={props.onScrubEnd}
        >
          {marks.map((seconds) => (
            <span key={seconds} className="ruler-mark" style={{ left: percent(seconds, span) }}>
              {formatTimecode(secondsToFrame(seconds, sequence.frameRate), sequence.frameRate, sequence.dropFrame).slice(3, 8)}
            </span>
          ))}
        </div>

        {tracksTopFirst.length === 0 && (
          <>
            <div className="track-header" />
            <div className="track-lane empty-lane muted">This sequence has no video tracks.</div>
          </>
        )}
        {tracksTopFirst.map((track) => (
          <div key={track.index} className="track-row" role="group" aria-label={`Track V${track.index + 1}`}>
            <div className="track-header" title={track.name}>
              V{track.index + 1}
            </div>
            <div className="track-lane">
              {track.clips.map((clip, k) => (
                <div
                  key={`${clip.start}-${k}`}
                  className={`clip${isLastPlaced(track.index, clip.start) ? " clip-new" : ""}`}
                  data-track={track.index}
                  data-start={clip.start}
                  data-end={clip.end}
                  title={clip.name}
                  style={{ left: percent(clip.start, span), width: percent(clip.end - clip.start, span) }}
                >
                  {clip.name}
                </div>
              ))}
            </div>
          </div>
        ))}

        <div className="playhead-layer" aria-hidden="true">
          <div className="playhead-line" style={{ left: percent(props.playheadSeconds, span) }} />
        </div>
      </div>
    </section>
  );
}
