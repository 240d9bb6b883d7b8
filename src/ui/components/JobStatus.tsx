import { useId } from "react";
import type { Job, Take } from "../../core/schemas/index.js";
import { usePanelController } from "../controller/PanelControllerContext.js";
import { spentInWords } from "../loopWords.js";
import { usePanelStore } from "../state/createPanelStore.js";
import { canEnhance, enhanceProviderFor, finalProviders, spentOn } from "../state/selectors.js";
import { Spinner } from "./Spinner.js";

/** The cost so far against the job's budget, as a meter with the figures beside it. */
export function BudgetMeter({ job, takes }: { job: Job; takes: readonly Take[] }) {
  const spent = spentOn(takes);
  const limit = job.budgetLimitUsd;
  const words = spentInWords(spent, limit);
  return (
    <span className="budget">
      {limit !== undefined && limit > 0 && (
        <meter className="budget-meter" min={0} max={limit} value={Math.min(spent.usd, limit)} high={limit * 0.8} optimum={0} aria-label="Spent of the job's budget" aria-valuetext={words} />
      )}
      <span className="muted small">{words}</span>
    </span>
  );
}

/**
 * Enhance the job's best draft ("Enhance best": the backend picks the best-scored take), and which
 * provider renders finals: the job's own, or another that renders finals (a previz draft finished
 * on Luma). The card's own Enhance uses the same choice.
 */
export function EnhanceControls({ job, takes }: { job: Job; takes: readonly Take[] }) {
  const controller = usePanelController();
  const selectId = useId();
  const providers = usePanelStore((s) => s.providers);
  const picked = usePanelStore((s) => s.enhanceProviderId);
  const setPicked = usePanelStore((s) => s.setEnhanceProvider);
  const busy = usePanelStore((s) => s.busy.enhancing);
  if (job.mode !== "draft" || !takes.some((t) => canEnhance(job, t))) return null;
  const able = finalProviders(providers);
  const chosen = enhanceProviderFor(job, providers, picked);
  if (!chosen) return <span className="hint">No available provider renders finals, so drafts cannot be enhanced here.</span>;

  return (
    <span className="enhance-controls">
      <button
        type="button"
        className="button button-small"
        onClick={() => void controller.enhance(job.id)}
        disabled={busy}
        aria-busy={busy}
        title="Render the best-scored take as a final master"
      >
        {busy && <Spinner />}
        Enhance best
      </button>
      <label className="small muted" htmlFor={selectId}>
        Finals on
      </label>
      <select id={selectId} className="select-small" value={chosen.id} onChange={(event) => setPicked(event.target.value)}>
        {able.map((p) => (
          <option key={p.id} value={p.id}>
            {p.label}
          </option>
        ))}
      </select>
      {busy && (
        <span className="muted small" role="status">
          Sending the final…
        </span>
      )}
    </span>
  );
}
