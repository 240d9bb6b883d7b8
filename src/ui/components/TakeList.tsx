import { useShallow } from "zustand/react/shallow";
import { usePanelController } from "../controller/PanelControllerContext.js";
import { formatCost } from "../format.js";
import { usePanelStore } from "../state/createPanelStore.js";
import { currentTakes, jobProgress } from "../state/selectors.js";
import { Spinner } from "./Spinner.js";
import { TakeCard } from "./TakeCard.js";

const STREAM_TEXT = {
  idle: "",
  connecting: "Connecting to progress updates…",
  live: "",
  reconnecting: "Reconnecting to progress updates…",
  done: "",
  failed: "Progress updates lost; checking the job every few seconds.",
} as const;

/** The current job's takes, with a one-line job status and Cancel while it runs. */
export function TakeList() {
  const controller = usePanelController();
  const job = usePanelStore((s) => s.job);
  const takes = usePanelStore(useShallow(currentTakes));
  const stream = usePanelStore((s) => s.stream);
  const canceling = usePanelStore((s) => s.busy.canceling);
  const drafting = usePanelStore((s) => s.busy.drafting);

  // While a new draft is being sent, the previous job's cards step aside so nobody (editor or
  // test) mistakes an old take for the new one; they come back if the request fails.
  if (drafting) {
    return (
      <section className="takes" aria-labelledby="results-heading">
        <h2 id="results-heading" className="section-title">
          Results
        </h2>
        <p className="muted" role="status">
          <Spinner /> Sending the draft…
        </p>
      </section>
    );
  }
  if (!job) return null;
  const progress = jobProgress(takes);
  const running = progress.done < progress.total;
  const rate = job.frame.sequence.frameRate;
  const dropFrame = job.frame.sequence.dropFrame;

  return (
    <section className="takes" aria-labelledby="results-heading">
      <div className="takes-head">
        <h2 id="results-heading" className="section-title">
          Results
        </h2>
        <span className="muted small">
          {progress.done} of {progress.total} done · {formatCost({ usd: progress.usd, estimated: progress.estimated })} · {job.provider}
        </span>
        {running && (
          <button type="button" className="button button-small" onClick={() => void controller.cancelJob()} disabled={canceling} aria-busy={canceling}>
            {canceling && <Spinner />}
            Cancel job
          </button>
        )}
      </div>
      {STREAM_TEXT[stream] && (
        <p className="muted small" role="status">
          {STREAM_TEXT[stream]}
        </p>
      )}
      <div className="take-grid">
        {takes.map((take, i) => (
          <TakeCard key={take.id} take={take} number={i + 1} rate={rate} dropFrame={dropFrame} />
        ))}
      </div>
    </section>
  );
}
