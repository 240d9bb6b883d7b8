import { isHdr } from "../../core/schemas/index.js";
import { usePanelController } from "../controller/PanelControllerContext.js";
import { ColorSpaceChoice } from "./ColorSpaceChoice.js";
import { formatColorSpace, formatFrameSize, formatRate } from "../format.js";
import { hostWords } from "../hostWords.js";
import { usePanelStore } from "../state/createPanelStore.js";
import { playheadMovedSinceCapture } from "../state/selectors.js";

/** What the host says about the sequence (in After Effects, the comp): name, rate, size, color space, playhead. */
export function ContextBar() {
  const context = usePanelStore((s) => s.hostContext);
  const connection = usePanelStore((s) => s.connection.status);
  const moved = usePanelStore(playheadMovedSinceCapture);
  const connecting = usePanelStore((s) => s.busy.connecting);
  const controller = usePanelController();
  const words = hostWords(context?.host);

  return (
    <header className="context-bar" aria-label={words.Sequence}>
      {context ? (
        <>
          <span className="sequence-name" title={`${context.projectName} › ${context.sequenceName}`}>
            {context.sequenceName}
          </span>
          <span className="context-item">{formatRate(context.frameRate, context.dropFrame)}</span>
          <span className="context-item">{formatFrameSize(context.frameSize)}</span>
          <span
            className={`badge${isHdr(context.colorSpace) ? " badge-hdr" : ""}${context.colorSpaceAssumed ? " badge-assumed" : ""}`}
            title={context.colorSpaceAssumed ? "Assumed: the host cannot say" : undefined}
          >
            {formatColorSpace(context.colorSpace)}
            {context.colorSpaceAssumed ? "?" : ""}
          </span>
          <span className="timecode" aria-label={`${words.Playhead} ${context.playhead.timecode}`}>
            {context.playhead.timecode}
          </span>
        </>
      ) : (
        <span className="muted">{connection === "connecting" ? "Connecting to the host…" : words.nothingOpen}</span>
      )}
      {moved && <span className="warning-chip">{words.Playhead} moved since capture</span>}
      {context?.colorSpaceAssumed && <ColorSpaceChoice context={context} />}
      {connection === "failed" && (
        <button type="button" className="button button-small" onClick={() => void controller.connect()} disabled={connecting}>
          Reconnect
        </button>
      )}
    </header>
  );
}
