import { usePanelStore } from "../state/createPanelStore.js";
import { capturedSpan } from "../state/bridgeSelectors.js";

/**
 * Bridge: both anchors side by side, start ⟶ end (A's picture where the take begins, B's where it
 * ends). Picking one puts it under the drawing: the direction is the same either way (drawings
 * are in frame fractions and take times), so the editor can draw on whichever shows it best.
 */
export function BridgeAnchors() {
  const frame = usePanelStore((s) => s.frame);
  const span = usePanelStore(capturedSpan);
  const showAnchor = usePanelStore((s) => s.showAnchor);
  if (!frame?.anchors || !span) return null;
  const onStart = frame.imageUrl === frame.anchors.start;
  return (
    <div className="bridge-anchors" role="group" aria-label="Bridge anchors">
      <button type="button" className="bridge-anchor" aria-pressed={onStart} onClick={() => showAnchor("start")} title="Draw on A's picture">
        <img src={frame.anchors.start} alt={`Start: ${span.a.name}`} />
        <span className="small">Start · {span.a.name}</span>
      </button>
      <span className="bridge-arrow" aria-hidden="true">
        ⟶
      </span>
      <button type="button" className="bridge-anchor" aria-pressed={!onStart} onClick={() => showAnchor("end")} title="Draw on B's picture">
        <img src={frame.anchors.end} alt={`End: ${span.b.name}`} />
        <span className="small">End · {span.b.name}</span>
      </button>
    </div>
  );
}
