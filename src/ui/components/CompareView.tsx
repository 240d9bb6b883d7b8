import { useCallback, useEffect, useId, useRef, useState } from "react";
import type { FrameRate, Take } from "../../core/schemas/index.js";
import { createSyncedPlayback, type SyncedPlayback } from "../compare/syncedPlayback.js";
import { usePanelController } from "../controller/PanelControllerContext.js";
import { formatCost } from "../format.js";
import { usePanelStore, type CompareScope } from "../state/createPanelStore.js";
import { critiqueOf, notMeasuredWords } from "../state/selectors.js";

/** How often the scrub bar follows playback (the videos themselves are kept in sync every frame). */
const SCRUB_REFRESH_MS = 100;

/**
 * Two takes side by side with ONE play/pause and ONE scrub bar driving both videos (the first
 * leads; the other is re-seeked whenever it drifts more than a frame), with their scores,
 * critiques and costs. The sync logic lives in compare/syncedPlayback.ts.
 */
export function CompareView({ takes, names, rate, scope }: { takes: [Take, Take]; names: [string, string]; rate: FrameRate; scope: CompareScope }) {
  const controller = usePanelController();
  const clearCompare = usePanelStore((s) => s.clearCompare);
  const titleId = useId();
  const left = useRef<HTMLVideoElement>(null);
  const right = useRef<HTMLVideoElement>(null);
  const playback = useRef<SyncedPlayback | null>(null);
  const [playing, setPlaying] = useState(false);
  const [time, setTime] = useState(0);
  const [duration, setDuration] = useState(0);
  const frameSeconds = rate.den / rate.num;
  const [a, b] = takes;

  // One playback per pair of videos; a new pair starts from the top, paused.
  useEffect(() => {
    if (!left.current || !right.current) return;
    const p = createSyncedPlayback([left.current, right.current], { frameSeconds });
    playback.current = p;
    setPlaying(false);
    setTime(0);
    setDuration(p.duration);
    return () => {
      p.pause();
      playback.current = null;
    };
  }, [a.id, b.id, frameSeconds]);

  // While playing: keep them together every animation frame; move the scrub bar ten times a second.
  useEffect(() => {
    if (!playing) return;
    let frame = 0;
    let shown = 0;
    const step = (now: number) => {
      const p = playback.current;
      if (!p) return;
      const t = p.tick();
      if (now - shown >= SCRUB_REFRESH_MS) {
        shown = now;
        setTime(t);
      }
      frame = requestAnimationFrame(step);
    };
    frame = requestAnimationFrame(step);
    return () => cancelAnimationFrame(frame);
  }, [playing]);

  const onMetadata = useCallback(() => setDuration(playback.current?.duration ?? 0), []);
  const toggle = () => {
    const p = playback.current;
    if (!p) return;
    p.toggle();
    setPlaying(p.playing);
    setTime(p.time);
  };
  const seek = (seconds: number) => {
    const p = playback.current;
    if (!p) return;
    p.seek(seconds);
    setTime(p.time);
  };
  const close = () => {
    playback.current?.pause();
    clearCompare(scope);
  };

  return (
    <section className="compare" aria-labelledby={titleId}>
      <div className="compare-head">
        <h3 id={titleId} className="round-title">
          Compare {names[0]} and {names[1]}
        </h3>
        <button type="button" className="button button-small" onClick={close}>
          Close
        </button>
      </div>
      <div className="compare-sides">
        {takes.map((take, i) => {
          const critique = critiqueOf(take);
          const proxy = take.outputs.proxy ? controller.artifactUrl(take.outputs.proxy.id) : null;
          const poster = take.outputs.poster ? controller.artifactUrl(take.outputs.poster.id) : null;
          return (
            <figure key={take.id} className="compare-side" aria-label={names[i]}>
              <video
                ref={i === 0 ? left : right}
                className="take-video"
                src={proxy ?? undefined}
                poster={poster ?? undefined}
                muted
                playsInline
                preload="auto"
                aria-label={`${names[i]} preview`}
                onLoadedMetadata={onMetadata}
              />
              <figcaption>
                <p className="compare-facts">
                  <strong>{names[i]}</strong>
                  {critique ? ` · Score ${Math.round(critique.score)}` : " · not scored"}
                  {critique && notMeasuredWords(critique) && <span className="text-warning"> ({notMeasuredWords(critique)})</span>} · {formatCost(take.cost)}
                </p>
                {critique && <p className="small">{critique.critique}</p>}
                {critique && critique.issues.length > 0 && (
                  <ul className="small muted">
                    {critique.issues.map((issue) => (
                      <li key={issue}>{issue}</li>
                    ))}
                  </ul>
                )}
              </figcaption>
            </figure>
          );
        })}
      </div>
      <div className="compare-transport">
        <button type="button" className="button" onClick={toggle}>
          {playing ? "Pause" : "Play"}
        </button>
        <input
          type="range"
          className="compare-scrub"
          aria-label="Scrub both videos"
          min={0}
          max={duration > 0 ? duration : 0}
          step={frameSeconds}
          value={Math.min(time, duration)}
          aria-valuetext={`${time.toFixed(2)} s of ${duration.toFixed(2)} s`}
          disabled={duration <= 0}
          onChange={(event) => seek(Number(event.target.value))}
        />
        <span className="muted small compare-time">
          {time.toFixed(2)} / {duration.toFixed(2)} s
        </span>
      </div>
    </section>
  );
}
