import { memo, useEffect, useId, useRef } from "react";
import { useShallow } from "zustand/react/shallow";
import { COLOR_SPACE_LABEL, type JobSummary } from "../../core/schemas/index.js";
import { usePanelController } from "../controller/PanelControllerContext.js";
import { formatCost, formatSeconds, formatWhen } from "../format.js";
import { usePanelStore } from "../state/createPanelStore.js";
import { dayRangeProblem, historyEmptyMessage } from "../state/historyQuery.js";
import { HistoryJob } from "./HistoryJob.js";
import { NumberField } from "./NumberField.js";
import { Spinner } from "./Spinner.js";

/** How long typing in the search box waits before asking (a search per keystroke is wasted work). */
const SEARCH_DEBOUNCE_MS = 250;

/**
 * Every job the ledger holds, newest first: search (prompt, drawn notes, take notes) and filters
 * (provider, minimum score, days, starred), paged with "Load more". Opening a row shows the whole
 * job; the list stays mounted behind it, so going back keeps the place.
 */
export function HistoryView() {
  const controller = usePanelController();
  const filters = usePanelStore((s) => s.jobHistory.filters);
  const opened = usePanelStore((s) => s.openedJob !== null);
  const connected = usePanelStore((s) => s.connection.status === "ready");
  const problem = dayRangeProblem(filters);
  const first = useRef(true);

  // Any change of the filters is a new search: at once on showing the view, debounced after.
  useEffect(() => {
    if (!connected || problem) return;
    const wait = first.current ? 0 : SEARCH_DEBOUNCE_MS;
    first.current = false;
    const timer = setTimeout(() => void controller.searchHistory(), wait);
    return () => clearTimeout(timer);
  }, [controller, connected, filters, problem]);

  return (
    <section className="history" aria-label="History">
      <div hidden={opened}>
        <HistoryFiltersForm />
        {problem && (
          <p className="take-error" role="alert">
            {problem}
          </p>
        )}
        <HistoryList />
      </div>
      {opened && <HistoryJob />}
    </section>
  );
}

function HistoryFiltersForm() {
  const ids = { q: useId(), provider: useId(), from: useId(), to: useId(), starred: useId() };
  const filters = usePanelStore((s) => s.jobHistory.filters);
  const setFilters = usePanelStore((s) => s.setHistoryFilters);
  const providers = usePanelStore((s) => s.providers);

  return (
    <form className="history-filters" role="search" aria-label="Search the history" onSubmit={(event) => event.preventDefault()}>
      <div className="field history-search">
        <label htmlFor={ids.q}>Search</label>
        <input
          id={ids.q}
          type="search"
          value={filters.q}
          maxLength={200}
          placeholder="Prompt, drawn notes, take notes…"
          onChange={(event) => setFilters({ q: event.target.value })}
        />
      </div>
      <div className="field-row">
        <div className="field">
          <label htmlFor={ids.provider}>Provider</label>
          <select id={ids.provider} value={filters.provider} onChange={(event) => setFilters({ provider: event.target.value })}>
            <option value="">Any provider</option>
            {providers.map((p) => (
              <option key={p.id} value={p.id}>
                {p.label}
              </option>
            ))}
          </select>
        </div>
        <NumberField
          label="Minimum score"
          value={filters.minScore ?? 0}
          min={0}
          max={100}
          step={5}
          hint="0: any"
          onCommit={(score) => setFilters({ minScore: score > 0 ? score : null })}
        />
        <div className="field">
          <label htmlFor={ids.from}>From</label>
          <input id={ids.from} type="date" value={filters.from} onChange={(event) => setFilters({ from: event.target.value })} />
        </div>
        <div className="field">
          <label htmlFor={ids.to}>To</label>
          <input id={ids.to} type="date" value={filters.to} onChange={(event) => setFilters({ to: event.target.value })} />
        </div>
      </div>
      <label className="check" htmlFor={ids.starred}>
        <input id={ids.starred} type="checkbox" checked={filters.starredOnly} onChange={(event) => setFilters({ starredOnly: event.target.checked })} />
        Starred only
      </label>
    </form>
  );
}

function HistoryList() {
  const controller = usePanelController();
  const { status, error, total, nextBefore, shownFilters } = usePanelStore(
    useShallow((s) => ({
      status: s.jobHistory.status,
      error: s.jobHistory.error,
      total: s.jobHistory.total,
      nextBefore: s.jobHistory.nextBefore,
      shownFilters: s.jobHistory.shownFilters,
    })),
  );
  const jobs = usePanelStore((s) => s.jobHistory.jobs);
  const providers = usePanelStore((s) => s.providers);
  const label = (id: string) => providers.find((p) => p.id === id)?.label ?? id;

  if (status === "idle" || (status === "loading" && total === null)) {
    return (
      <p className="muted" role="status">
        <Spinner /> Loading the history…
      </p>
    );
  }
  return (
    <>
      <p className="muted small history-count" role="status">
        {status === "loading" ? (
          <>
            <Spinner /> Searching…
          </>
        ) : total !== null && jobs.length > 0 ? (
          `${total} ${total === 1 ? "job" : "jobs"}${jobs.length < total ? `, ${jobs.length} shown` : ""}`
        ) : null}
      </p>
      {status === "failed" && error && (
        <div className="take-error" role="alert">
          The history could not be loaded: {error}{" "}
          <button type="button" className="button button-small" onClick={() => void controller.searchHistory(jobs.length > 0 && nextBefore ? "more" : "loading")}>
            Try again
          </button>
        </div>
      )}
      {jobs.length === 0 && status === "ready" && <p className="history-empty">{historyEmptyMessage(shownFilters, label)}</p>}
      {jobs.length > 0 && (
        <ul className="history-list" aria-label="Jobs">
          {jobs.map((job) => (
            <HistoryRow key={job.id} job={job} providerLabel={label(job.provider)} />
          ))}
        </ul>
      )}
      {nextBefore && jobs.length > 0 && (
        <button
          type="button"
          className="button"
          onClick={() => void controller.loadMoreHistory()}
          disabled={status === "more"}
          aria-busy={status === "more"}
        >
          {status === "more" && <Spinner />}
          Load more
        </button>
      )}
    </>
  );
}

/**
 * One job in the list: poster, prompt and the facts to recognise it by. Rows are cheap (memoised,
 * posters loaded lazily, off-screen rows skipped by the browser's content-visibility), so a
 * history of hundreds of jobs scrolls freely.
 */
const HistoryRow = memo(function HistoryRow({ job, providerLabel }: { job: JobSummary; providerLabel: string }) {
  const controller = usePanelController();
  const posterUrl = job.poster ? controller.artifactUrl(job.poster.id) : null;
  const kind = job.enhanceOf ? "final of a draft" : job.upconvertOf ? "HDR lift" : job.auto ? `${job.mode}, auto (${job.rounds} ${job.rounds === 1 ? "round" : "rounds"})` : job.mode;
  return (
    <li className="history-item">
      <button type="button" className="history-row" onClick={() => void controller.openHistoryJob(job.id)}>
        {posterUrl ? <img className="history-poster" src={posterUrl} alt="" loading="lazy" decoding="async" width={96} height={54} /> : <span className="history-poster" aria-hidden="true" />}
        <span className="history-main">
          <span className="history-prompt">{job.prompt.trim() || "(no prompt)"}</span>
          <span className="muted small">
            {providerLabel} · {job.model} · {kind}
            {job.running ? " · running" : ""}
          </span>
          <span className="muted small">
            {formatWhen(job.createdAt)} · {job.sequenceName} · {COLOR_SPACE_LABEL[job.colorSpace]} · {formatSeconds(job.duration)}
          </span>
        </span>
        <span className="history-facts small">
          <span>{job.bestScore === null ? "not scored" : `best ${Math.round(job.bestScore)}`}</span>
          <span>
            {job.succeeded} of {job.takes} {job.takes === 1 ? "take" : "takes"}
          </span>
          <span>{formatCost(job.cost)}</span>
          {job.starred > 0 && (
            <span>
              <span aria-hidden="true">★</span> {job.starred}
              <span className="visually-hidden"> starred</span>
            </span>
          )}
        </span>
      </button>
    </li>
  );
});
