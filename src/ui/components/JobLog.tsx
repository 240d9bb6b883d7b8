import { useEffect, useMemo, useRef } from "react";
import type { Job, Take } from "../../core/schemas/index.js";
import { loopInWords } from "../loopWords.js";
import { takeNames } from "../state/takeGroups.js";

/**
 * The job's reasoning in plain words: where the loop is (or why it stopped), then what the
 * director saw, decided and changed, one line each, newest last. Live lines arrive as `log`
 * events; the list is a log region, so a screen reader hears each new line.
 */
export function JobLog({ job, takes }: { job: Job; takes: readonly Take[] }) {
  const names = useMemo(() => takeNames(takes), [takes]);
  const entries = job.log ?? [];
  const list = useRef<HTMLOListElement>(null);
  // Newest last, and in view: the list scrolls to its end when a line arrives.
  useEffect(() => {
    const el = list.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [entries.length]);
  if (!job.loop && entries.length === 0) return null;
  const best = job.loop?.best ? { name: names.get(job.loop.best.takeId) ?? "a take", score: job.loop.best.score } : null;

  return (
    <section className="job-log" aria-label="Reasoning">
      <h3 className="section-title">Reasoning</h3>
      {job.loop && (
        <p className={`loop-state loop-${job.loop.state}`} role="status">
          {loopInWords(job.loop, job.auto, best)}
        </p>
      )}
      {entries.length > 0 && (
        <ol className="log-lines" role="log" aria-label="Reasoning log" ref={list}>
          {entries.map((entry) => (
            <li key={entry.seq} className={`log-line log-${entry.kind}`}>
              {entry.text}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
