import { useEffect, useId, useState } from "react";
import type { CostEstimate, Job, ProviderInfo, Take, TargetSize } from "../../core/schemas/index.js";
import { formatUsd } from "../format.js";
import { usePanelController } from "../controller/PanelControllerContext.js";
import { spentInWords } from "../loopWords.js";
import { usePanelStore } from "../state/createPanelStore.js";
import { canEnhance, enhanceProviderFor, enhanceSizes, finalProviders, SIZE_LABELS, spentOn } from "../state/selectors.js";
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
  const size = usePanelStore((s) => s.enhanceSize);
  const setSize = usePanelStore((s) => s.setEnhanceSize);
  const sizeId = useId();
  // Chosen before the early return: the estimate hook must run on every render.
  const chosen = enhanceProviderFor(job, providers, picked);
  const estimate = useEnhanceEstimate(job, chosen, size);
  if (job.mode !== "draft" || !takes.some((t) => canEnhance(job, t))) return null;
  const able = finalProviders(providers);
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
      <label className="small muted" htmlFor={sizeId}>
        at
      </label>
      <select id={sizeId} className="select-small" value={size ?? ""} onChange={(event) => setSize((event.target.value || null) as TargetSize | null)}>
        <option value="">its own size</option>
        {enhanceSizes(job.frame.sequence.frameSize).map((s) => (
          <option key={s.size} value={s.size}>
            {s.label}
          </option>
        ))}
      </select>
      {size && <EnhanceEstimateLine state={estimate} size={size} finalLabel={chosen.label} />}
      {busy && (
        <span className="muted small" role="status">
          Sending the final…
        </span>
      )}
    </span>
  );
}

type EnhanceEstimate = { status: "idle" } | { status: "ready"; estimate: CostEstimate } | { status: "error"; message: string };

/** What an Enhance at a size costs: the final, and the upscale after it where its provider cannot render the size. */
function useEnhanceEstimate(job: Job, provider: ProviderInfo | null, size: TargetSize | null): EnhanceEstimate {
  const backend = usePanelController().backend;
  const [state, setState] = useState<EnhanceEstimate>({ status: "idle" });
  const providerId = provider?.id;
  const { width, height } = job.frame.sequence.frameSize;
  useEffect(() => {
    if (!backend || !providerId || !size) return setState({ status: "idle" });
    let live = true;
    backend
      .estimate({ provider: providerId, mode: "final", duration: job.duration, size, frameSize: { width, height } })
      .then((estimate) => live && setState({ status: "ready", estimate }))
      .catch((error: unknown) => live && setState({ status: "error", message: error instanceof Error ? error.message : String(error) }));
    return () => {
      live = false;
    };
  }, [backend, providerId, size, job.duration, width, height]);
  return state;
}

function EnhanceEstimateLine({ state, size, finalLabel }: { state: EnhanceEstimate; size: TargetSize; finalLabel: string }) {
  if (state.status === "idle") return null;
  if (state.status === "error") return <span className="muted small">Cost unknown: {state.message}</span>;
  const { estimate } = state;
  const approx = (m: { estimated: boolean }) => (m.estimated ? "≈ " : "");
  if (estimate.refusal) return <span className="draft-reason">{estimate.refusal}</span>;
  if (!estimate.upscale) {
    return <span className="muted small" data-testid="enhance-estimate">{`${SIZE_LABELS[size]} rendered by ${finalLabel} itself · ${approx(estimate.total)}${formatUsd(estimate.total.usd)}`}</span>;
  }
  const up = estimate.upscale;
  return (
    <span className="muted small" data-testid="enhance-estimate" title={up.note}>
      {`Final ${approx(estimate.perTake)}${formatUsd(estimate.perTake.usd)} + upscale to ${SIZE_LABELS[size]} on ${up.provider} (${up.model}) ${approx(up.cost)}${formatUsd(up.cost.usd)} = ${approx(estimate.total)}${formatUsd(estimate.total.usd)}`}
    </span>
  );
}
