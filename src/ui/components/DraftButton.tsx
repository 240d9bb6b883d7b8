import { useId } from "react";
import { usePanelController } from "../controller/PanelControllerContext.js";
import { usePanelStore } from "../state/createPanelStore.js";
import { draftBlocker } from "../state/selectors.js";
import { Spinner } from "./Spinner.js";

/** Sends the direction as a draft job. Disabled with the reason shown when it cannot run. */
export function DraftButton() {
  const controller = usePanelController();
  const blocker = usePanelStore(draftBlocker);
  const drafting = usePanelStore((s) => s.busy.drafting);
  const count = usePanelStore((s) => s.count);
  const duration = usePanelStore((s) => s.duration);
  const reasonId = useId();

  return (
    <div className="draft-bar">
      <button
        type="button"
        className="button button-primary button-large"
        onClick={() => void controller.draft()}
        disabled={blocker !== null}
        aria-busy={drafting}
        aria-describedby={reasonId}
      >
        {drafting && <Spinner />}
        Draft
      </button>
      <span id={reasonId} className={blocker && !drafting ? "draft-reason" : "muted small"}>
        {blocker ?? `${count} ${count === 1 ? "take" : "takes"} of ${duration} s`}
      </span>
    </div>
  );
}
