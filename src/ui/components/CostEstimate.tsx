import { useEffect, useState } from "react";
import type { CostEstimate as CostEstimateT } from "../../core/schemas/index.js";
import { usePanelController } from "../controller/PanelControllerContext.js";
import { pickedModel, usePanelStore } from "../state/createPanelStore.js";
import { formatUsd } from "../format.js";
import { bridgePlan } from "../state/bridgeSelectors.js";
import { autoSettingsOf } from "../state/selectors.js";
import { soundChoice } from "../state/soundSelectors.js";

type EstimateState = { status: "idle" } | { status: "ready"; estimate: CostEstimateT } | { status: "error"; message: string };

/**
 * Asks the backend what the job as set up now would cost (POST /v1/estimate), again whenever
 * the provider, quality, EXR, sound, count, duration or auto settings change. The backend's figures are
 * the ones it enforces.
 */
export function useCostEstimate(): EstimateState {
  const controller = usePanelController();
  const providerId = usePanelStore((s) => s.providerId);
  const model = usePanelStore(pickedModel);
  const count = usePanelStore((s) => s.count);
  // A bridge is priced at the length it is generated at, not the span it is fitted to.
  const duration = usePanelStore((s) => bridgePlan(s)?.fit?.generatedSeconds ?? s.duration);
  const mode = usePanelStore((s) => s.mode);
  const exr = usePanelStore((s) => s.mode === "final" && s.exr);
  const autoTarget = usePanelStore((s) => autoSettingsOf(s)?.target);
  const autoRounds = usePanelStore((s) => autoSettingsOf(s)?.rounds);
  // The judge's share depends on whether it is on for this project (a project setting).
  const projectName = usePanelStore((s) => s.hostContext?.projectName);
  const judgeVersion = usePanelStore((s) => s.judgeSettingVersion);
  const audio = usePanelStore(soundChoice);
  const [state, setState] = useState<EstimateState>({ status: "idle" });
  const backend = controller.backend;

  useEffect(() => {
    if (!backend || !providerId) return setState({ status: "idle" });
    let live = true;
    const timer = setTimeout(() => {
      backend
        .estimate({
          provider: providerId,
          ...(model ? { model } : {}),
          mode,
          duration,
          count,
          ...(exr ? { exr: true } : {}),
          ...(projectName !== undefined ? { projectName } : {}),
          ...(audio !== undefined ? { audio } : {}),
          ...(autoTarget !== undefined && autoRounds !== undefined ? { auto: { target: autoTarget, rounds: autoRounds } } : {}),
        })
        .then((estimate) => live && setState({ status: "ready", estimate }))
        .catch((error: unknown) => live && setState({ status: "error", message: error instanceof Error ? error.message : String(error) }));
    }, 150);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [backend, providerId, model, count, duration, mode, exr, audio, autoTarget, autoRounds, projectName, judgeVersion]);
  return state;
}


/** The cost line under the Draft button: estimate, how sure it is, and what the budget allows. */
export function CostEstimate({ state }: { state: EstimateState }) {
  if (state.status === "idle") return null;
  if (state.status === "error") return <span className="muted small">Cost unknown: {state.message}</span>;
  const { estimate } = state;
  if (estimate.total.usd === 0 && (estimate.maxTotal?.usd ?? 0) === 0) return <span className="muted small">Free (renders locally)</span>;
  const unconfirmed = estimate.pricing && !estimate.pricing.confirmed;
  const binding = bindingLimitWords(estimate);
  return (
    <span className={estimate.refusal ? "draft-reason" : "muted small"} title={estimate.pricing ? `Prices: ${estimate.pricing.source}, taken ${estimate.pricing.takenOn}` : undefined}>
      {estimate.total.estimated ? "≈ " : ""}
      {formatUsd(estimate.total.usd)}
      {estimate.perTake.usd !== estimate.total.usd ? ` (${formatUsd(estimate.perTake.usd)} a take)` : ""}
      {estimate.maxTotal ? ` for the first round · up to ${estimate.maxTotal.estimated ? "≈ " : ""}${formatUsd(estimate.maxTotal.usd)} if every round runs` : ""}
      {unconfirmed ? " · list prices unconfirmed" : ""}
      {estimate.judge ? ` · includes ≈ $${estimate.judge.perTakeUsd.toFixed(4)} a take for the judge (${estimate.judge.model})` : ""}
      {` · today ${formatUsd(estimate.budget.spentTodayUsd)} of ${formatUsd(estimate.budget.dailyCapUsd)}`}
      {binding && !estimate.refusal ? ` · ${binding}` : ""}
      {estimate.refusal ? ` · ${estimate.refusal}` : ""}
    </span>
  );
}

/**
 * Team mode: the admin's limit with the least left for this editor, as they read it ("Studio
 * monthly budget $500.00, $480.00 spent"); null when the admin set none. The refusal, when there
 * is one, names the limit it hit instead.
 */
export function bindingLimitWords(estimate: CostEstimateT): string | null {
  const limits = estimate.budget.limits ?? [];
  if (limits.length === 0) return null;
  const tightest = limits.reduce((a, b) => (b.limitUsd - b.spentUsd < a.limitUsd - a.spentUsd ? b : a));
  const whose = tightest.scope === "studio" ? "Studio" : tightest.scope === "project" ? `Project "${tightest.name ?? ""}"` : "Your";
  // Dollars as dollars ("$0.00 spent"): formatUsd says "free" for a price of nothing.
  const dollars = (usd: number) => `$${usd.toFixed(2)}`;
  return `${whose} ${tightest.period === "month" ? "monthly" : "daily"} budget ${dollars(tightest.limitUsd)}, ${dollars(tightest.spentUsd)} spent`;
}
