import { useShallow } from "zustand/react/shallow";
import { usePanelController } from "../controller/PanelControllerContext.js";
import { usePanelStore } from "../state/createPanelStore.js";
import { currentTakes, jobProgress, jobRunning } from "../state/selectors.js";
import { JobLog } from "./JobLog.js";
import { BudgetMeter, EnhanceControls } from "./JobStatus.js";
import { JobTakes } from "./JobTakes.js";
import { Spinner } from "./Spinner.js";

const STREAM_TEXT = {
  idle: "",
  connecting: "Connecting to progress updates…",
  live: "",
  reconnecting: "Reconnecting to progress updates…",
  done: "",
  failed: "Progress updates lost; checking the job every few seconds.",
} as const;

/**
 * The current job: a one-line status with the cost against the budget, Cancel while it runs,
 * Enhance for a draft; the reasoning log of an auto job; its takes round by round.
 */
export function TakeList() {
  const controller = usePanelController();
  const job = usePanelStore((s) => s.job);
  const takes = usePanelStore(useShallow(currentTakes));
  const stream = usePanelStore((s) => s.stream);
  const canceling = usePanelStore((s) => s.busy.canceling);
  const drafting = usePanelStore((s) => s.busy.drafting);
  const providerLabel = usePanelStore((s) => s.providers.find((p) => p.id === s.job?.provider)?.label);

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
  const running = jobRunning(job, takes);
  const kind = job.enhanceOf ? "final of an earlier draft" : job.upconvertOf ? "HDR lift" : job.auto ? "auto-refine" : job.mode;

  return (
    <section className="takes" aria-labelledby="results-heading">
      <div className="takes-head">
        <h2 id="results-heading" className="section-title">
          Results
        </h2>
        <span className="muted small">
          {progress.done} of {progress.total} done · {providerLabel ?? job.provider} · {kind}
        </span>
        <BudgetMeter job={job} takes={takes} />
        {running && (
          <button type="button" className="button button-small" onClick={() => void controller.cancelJob()} disabled={canceling} aria-busy={canceling}>
            {canceling && <Spinner />}
            Cancel job
          </button>
        )}
        <EnhanceControls job={job} takes={takes} />
      </div>
      {STREAM_TEXT[stream] && (
        <p className="muted small" role="status">
          {STREAM_TEXT[stream]}
        </p>
      )}
      <JobLog job={job} takes={takes} />
      <JobTakes job={job} takes={takes} scope="direct" />
    </section>
  );
}
