import { useEffect, useId, useState } from "react";
import { usePanelController } from "../controller/PanelControllerContext.js";
import { usePanelStore } from "../state/createPanelStore.js";
import { autoInWords } from "../loopWords.js";
import { bridgeSpeedQuestion } from "../state/bridgeSelectors.js";
import { autoSettingsOf, draftBlocker, draftQuestion } from "../state/selectors.js";
import { CostEstimate, useCostEstimate } from "./CostEstimate.js";
import { Spinner } from "./Spinner.js";

/**
 * Sends the direction as a job: a draft, or a final when Quality says so ("Render final").
 * Disabled with the reason shown when it cannot run. Above the backend's confirmation threshold
 * it asks once ("Spend ≈ $0.30?") before spending, and the same way before paying for a bridge
 * retimed beyond the speed limit ("Play 40 % faster? (3.6 s fits 4 s within 25 %)"); the backend
 * refuses over-budget jobs itself, so this is courtesy, not the guard.
 */
export function DraftButton() {
  const controller = usePanelController();
  const blocker = usePanelStore(draftBlocker);
  const drafting = usePanelStore((s) => s.busy.drafting);
  const count = usePanelStore((s) => s.count);
  const duration = usePanelStore((s) => s.duration);
  const final = usePanelStore((s) => s.mode === "final");
  const exr = usePanelStore((s) => s.mode === "final" && s.exr);
  const autoOn = usePanelStore((s) => autoSettingsOf(s) !== undefined);
  const target = usePanelStore((s) => s.auto.target);
  const rounds = usePanelStore((s) => s.auto.rounds);
  const reasonId = useId();
  const estimate = useCostEstimate();
  const [confirming, setConfirming] = useState(false);
  const ready = estimate.status === "ready" ? estimate.estimate : null;
  // A bridge played far faster or slower than generated is confirmed too (a string: stable for the store).
  const bridgeQuestion = usePanelStore(bridgeSpeedQuestion);
  // An auto job may run every round: the most it can spend is what is confirmed.
  const toConfirm = draftQuestion(ready, bridgeQuestion);

  // A changed setup is a new question: ask again.
  useEffect(() => setConfirming(false), [ready?.total.usd, ready?.maxTotal?.usd, ready?.provider, bridgeQuestion]);

  const onClick = () => {
    if (toConfirm && !confirming) return setConfirming(true);
    setConfirming(false);
    void controller.draft();
  };

  return (
    <div className="draft-bar">
      <button
        type="button"
        className="button button-primary button-large"
        onClick={onClick}
        disabled={blocker !== null || ready?.refusal !== undefined}
        aria-busy={drafting}
        aria-describedby={reasonId}
      >
        {drafting && <Spinner />}
        {confirming && toConfirm
          ? toConfirm
          : final
            ? "Render final"
            : "Draft"}
      </button>
      {confirming && (
        <button type="button" className="button" onClick={() => setConfirming(false)}>
          Not now
        </button>
      )}
      <span id={reasonId} className={blocker && !drafting ? "draft-reason" : "muted small"}>
        {blocker ??
          (autoOn
            ? `${autoInWords(count, { target, rounds })}, ${duration} s each`
            : `${count} ${final ? "final " : ""}${count === 1 ? "take" : "takes"} of ${duration} s${exr ? " with EXR" : ""}`)}
      </span>
      <CostEstimate state={estimate} />
    </div>
  );
}
