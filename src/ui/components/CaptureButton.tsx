import { usePanelController } from "../controller/PanelControllerContext.js";
import { hostWords } from "../hostWords.js";
import { usePanelStore } from "../state/createPanelStore.js";
import { Spinner } from "./Spinner.js";

/** Captures the frame under the playhead (the comp's current time). The accessible name stays "Capture frame" while busy. */
export function CaptureButton() {
  const controller = usePanelController();
  const capturing = usePanelStore((s) => s.busy.capturing);
  const ready = usePanelStore((s) => s.connection.status === "ready");
  const hasFrame = usePanelStore((s) => s.frame !== null);
  const words = hostWords(usePanelStore((s) => s.hostContext?.host));

  return (
    <div className="capture">
      <button
        type="button"
        className={hasFrame ? "button" : "button button-primary"}
        onClick={() => void controller.capture()}
        disabled={!ready || capturing}
        aria-busy={capturing}
      >
        {capturing ? <Spinner /> : <CameraIcon />}
        Capture frame
      </button>
      {capturing && <span className="muted small">Capturing the frame at the {words.playhead}…</span>}
    </div>
  );
}

function CameraIcon() {
  return (
    <svg className="icon" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
      <path d="M2 4.5h2.5l1-1.5h5l1 1.5H14v8H2z" fill="none" stroke="currentColor" strokeWidth="1.3" strokeLinejoin="round" />
      <circle cx="8" cy="8.5" r="2.3" fill="none" stroke="currentColor" strokeWidth="1.3" />
    </svg>
  );
}
