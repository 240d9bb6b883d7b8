import { useEffect, useRef } from "react";
import { useShallow } from "zustand/react/shallow";
import { COLOR_SPACE_LABEL } from "../../core/schemas/index.js";
import { usePanelController } from "../controller/PanelControllerContext.js";
import { formatSeconds, formatWhen } from "../format.js";
import { usePanelStore } from "../state/createPanelStore.js";
import { useVisiblePolling } from "../hooks/useVisiblePolling.js";
import { jobRunning } from "../state/selectors.js";
import { takesOfJob } from "../state/takeMerge.js";
import { JobLog } from "./JobLog.js";
import { BudgetMeter, EnhanceControls } from "./JobStatus.js";
import { JobTakes } from "./JobTakes.js";
import { Spinner } from "./Spinner.js";

/** How often a running job opened in the history is asked for again. */
const OPENED_JOB_POLL_MS = 3000;

/**
 * One job from the history, whole: what was asked (prompt, the compiled direction, provider,
 * sequence), its reasoning log, and every take round by round with its critique, request as
 * sent, cost and outputs. Any take can be imported, starred, noted, enhanced; "Retake" brings the
 * job's frame, drawings and settings back into the direct view to change and run again.
 */
export function HistoryJob() {
  const controller = usePanelController();
  const opened = usePanelStore((s) => s.openedJob);
  const close = usePanelStore((s) => s.closeOpenedJob);
  const providers = usePanelStore((s) => s.providers);
  const takes = usePanelStore(useShallow((s) => (s.openedJob?.status === "ready" ? takesOfJob(s.openedJob.takes, s.openedJob.jobId) : [])));
  const heading = useRef<HTMLHeadingElement>(null);
  // The current job follows its own stream (and updates this view); any other running job is polled.
  const polled = usePanelStore((s) => s.openedJob?.status === "ready" && s.openedJob.jobId !== s.job?.id && jobRunning(s.openedJob.job, Object.values(s.openedJob.takes)));
  useVisiblePolling(() => controller.refreshOpenedJob(), OPENED_JOB_POLL_MS, polled);

  // Focus follows the editor into the job (and a screen reader announces where they are).
  useEffect(() => {
    if (opened?.status === "ready") heading.current?.focus();
  }, [opened?.status, opened?.jobId]);

  if (!opened) return null;
  const back = (
    <button type="button" className="button button-small" onClick={close}>
      Back to the list
    </button>
  );
  if (opened.status === "loading") {
    return (
      <div className="history-job">
        {back}
        <p className="muted" role="status">
          <Spinner /> Loading the job…
        </p>
      </div>
    );
  }
  if (opened.status === "failed") {
    return (
      <div className="history-job">
        {back}
        <p className="take-error" role="alert">
          The job could not be loaded: {opened.message}
        </p>
        <button type="button" className="button button-small" onClick={() => void controller.openHistoryJob(opened.jobId)}>
          Try again
        </button>
      </div>
    );
  }

  const { job } = opened;
  const provider = providers.find((p) => p.id === job.provider)?.label ?? job.provider;
  const sequence = job.frame.sequence;
  return (
    <article className="history-job" aria-labelledby="history-job-title">
      <div className="history-job-bar">
        {back}
        <button
          type="button"
          className="button button-primary button-small"
          onClick={() => void controller.reopen(job.id)}
          title="Reopen this job's frame, drawings, prompt, duration and settings in the direct view, to change them and run again"
        >
          Retake
        </button>
        <EnhanceControls job={job} takes={takes} />
      </div>
      <h2 id="history-job-title" className="history-job-title" tabIndex={-1} ref={heading}>
        {job.direction.prompt.trim() || "(no prompt)"}
      </h2>
      <p className="muted small">
        {provider} · {job.model} · {job.mode}
        {job.auto ? ` · auto-refine to ${job.auto.target}, up to ${job.auto.rounds} ${job.auto.rounds === 1 ? "refinement" : "refinements"}` : ""} · {formatWhen(job.createdAt)} · {sequence.projectName} ›{" "}
        {sequence.sequenceName} at {sequence.playhead.timecode} · {COLOR_SPACE_LABEL[sequence.colorSpace]} · {formatSeconds(job.duration)}
        {job.canceled ? " · canceled" : ""}
      </p>
      <BudgetMeter job={job} takes={takes} />
      {job.direction.summary && <p className="small">Direction: {job.direction.summary}</p>}
      <JobLog job={job} takes={takes} />
      {takes.length === 0 ? <p className="muted">This job has no takes.</p> : <JobTakes job={job} takes={takes} scope="history" />}
    </article>
  );
}
