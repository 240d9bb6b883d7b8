import { StrictMode, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type Ref } from "react";
import { createRoot } from "react-dom/client";
import type { Placement } from "../../core/schemas/bridge.js";
import type { SequenceColorSpace } from "../../core/schemas/color.js";
import { startBrowserHost } from "./browserHost.js";
import { createHarnessApi } from "./harnessApi.js";
import type { HarnessState } from "./harnessState.js";
import { ProgramMonitor } from "./ProgramMonitor.js";
import { ProjectBin } from "./ProjectBin.js";
import { SequenceUpdater } from "./sequenceUpdates.js";
import { Timeline } from "./Timeline.js";
import { formatTimecode, frameToSeconds, secondsToFrame } from "./timecode.js";
import "./harness.css";

/**
 * The dev harness: a simulated Premiere (Program monitor, timeline, project bin) on the left, the
 * Retake panel in an iframe on the right, joined by the bridge exactly as the UXP shell joins its
 * webview. The simulated project lives on the backend (/harness routes); this page draws it.
 */

const PANEL_SRC = "/panel/index.html";
const SCRUB_DEBOUNCE_MS = 100;
const PANEL_WIDTH_KEY = "retake.harness.panelWidth";
const PANEL_MIN = 320;
const PANEL_MAX = 900;

type Notice = { kind: "info" | "error"; text: string };

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

function initialPanelWidth(): number {
  const stored = Number(window.localStorage.getItem(PANEL_WIDTH_KEY));
  return Number.isFinite(stored) && stored >= PANEL_MIN && stored <= PANEL_MAX ? stored : 420;
}

function App() {
  const api = useMemo(() => createHarnessApi(), []);
  const [state, setState] = useState<HarnessState | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);
  // The editor's own values while they are on their way to the server; the view shows these so
  // the scrubber never jumps back to an older answer mid-drag.
  const [localPlayhead, setLocalPlayhead] = useState<number | null>(null);
  const [localColorSpace, setLocalColorSpace] = useState<SequenceColorSpace | null>(null);
  const [lastPlacement, setLastPlacement] = useState<Placement | null>(null);
  const [resetting, setResetting] = useState(false);
  const [panelWidth, setPanelWidth] = useState(initialPanelWidth);
  const [resizing, setResizing] = useState(false);
  const iframeRef = useRef<HTMLIFrameElement>(null);
  const stateRef = useRef<HarnessState | null>(null);
  stateRef.current = state;

  const refresh = useCallback(async () => {
    try {
      setState(await api.state());
      setLoadError(null);
    } catch (error) {
      setLoadError(messageOf(error));
      setNotice({ kind: "error", text: `Could not read the simulated sequence: ${messageOf(error)}` });
    }
  }, [api]);

  const updater = useMemo(
    () =>
      new SequenceUpdater({
        api,
        onState: setState,
        onError: (error) => setNotice({ kind: "error", text: `Could not update the sequence: ${messageOf(error)}` }),
        onIdle: () => {
          setLocalPlayhead(null);
          setLocalColorSpace(null);
        },
      }),
    [api],
  );
  useEffect(() => () => updater.dispose(), [updater]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  // Serve the bridge before the panel's scripts can send their first request.
  useLayoutEffect(() => {
    const iframe = iframeRef.current;
    if (!iframe) return;
    return startBrowserHost(iframe, {
      api,
      beforeSequenceCall: () => updater.flush(),
      onState: setState,
      onImported: (result) => {
        setLastPlacement(result.placement);
        const { trackIndex, start, newTrack } = result.placement;
        const sequence = stateRef.current?.sequence;
        const at = sequence
          ? formatTimecode(secondsToFrame(start, sequence.frameRate), sequence.frameRate, sequence.dropFrame)
          : `${start.toFixed(3)} s`;
        setNotice({
          kind: "info",
          text: `Imported into the “${result.binName}” bin and placed on V${trackIndex + 1}${newTrack ? " (new track)" : ""} at ${at}.`,
        });
        void refresh();
      },
    });
  }, [api, updater, refresh]);

  const panel = (
    <>
      <PanelResizer
        width={panelWidth}
        onResizing={setResizing}
        onWidth={(width) => {
          setPanelWidth(width);
          window.localStorage.setItem(PANEL_WIDTH_KEY, String(width));
        }}
      />
      <PanelFrame ref={iframeRef} width={panelWidth} resizing={resizing} />
    </>
  );
  const columns = { gridTemplateColumns: `minmax(0, 1fr) 6px ${panelWidth}px` };

  // Same element tree whether loaded or not: the iframe (and the bridge on it) must never remount.
  if (!state) {
    return (
      <main className="harness" style={columns}>
        <div className="workspace loading">
          {loadError ? (
            <div role="alert" className="load-error">
              <p>The simulated sequence could not be loaded: {loadError}</p>
              <button type="button" onClick={() => void refresh()}>
                Retry
              </button>
            </div>
          ) : (
            <p className="muted">Loading the simulated sequence…</p>
          )}
        </div>
        {panel}
      </main>
    );
  }

  const { sequence } = state;
  const rate = sequence.frameRate;
  const lastClipEnd = Math.max(0, ...sequence.videoTracks.flatMap((track) => track.clips.map((clip) => clip.end)));
  const sequenceEnd = Math.max(sequence.durationSeconds, lastClipEnd);
  const maxSeconds = sequenceEnd > 0 ? sequenceEnd : 10;
  const playheadSeconds = localPlayhead ?? sequence.playhead.seconds;
  const playheadFrame = secondsToFrame(playheadSeconds, rate);
  // The server's timecode is authoritative (it may carry a start offset); ours only while scrubbing.
  const timecode =
    playheadFrame === sequence.playhead.frame ? sequence.playhead.timecode : formatTimecode(playheadFrame, rate, sequence.dropFrame);

  const scrub = (seconds: number) => {
    const snapped = frameToSeconds(secondsToFrame(Math.min(maxSeconds, Math.max(0, seconds)), rate), rate);
    setLocalPlayhead(snapped);
    updater.update({ playheadSeconds: snapped }, SCRUB_DEBOUNCE_MS);
  };
  const scrubEnd = () => void updater.flush();
  const changeColorSpace = (colorSpace: SequenceColorSpace) => {
    setLocalColorSpace(colorSpace);
    updater.update({ colorSpace });
  };
  const reset = async () => {
    setResetting(true);
    try {
      await updater.flush();
      setState(await api.reset());
      setLastPlacement(null);
      setNotice({ kind: "info", text: "Timeline reset to the sample clip." });
    } catch (error) {
      setNotice({ kind: "error", text: `Could not reset the timeline: ${messageOf(error)}` });
    } finally {
      setResetting(false);
    }
  };

  return (
    <main className="harness" style={columns}>
      <div className="workspace">
        <div className="workspace-top">
          <ProjectBin bin={state.bin} mediaFolder={state.mediaFolder} />
          <ProgramMonitor
            state={state}
            playheadSeconds={playheadSeconds}
            timecode={timecode}
            colorSpace={localColorSpace ?? sequence.colorSpace}
            maxSeconds={maxSeconds}
            onScrub={scrub}
            onScrubEnd={scrubEnd}
            onColorSpace={changeColorSpace}
          />
        </div>
        <Timeline
          sequence={sequence}
          playheadSeconds={playheadSeconds}
          spanSeconds={Math.max(10, Math.ceil(maxSeconds * 1.15))}
          lastPlacement={lastPlacement}
          onScrub={scrub}
          onScrubEnd={scrubEnd}
          onReset={() => void reset()}
          resetting={resetting}
        />
        <StatusLine notice={notice} onDismiss={() => setNotice(null)} />
        {state.token && <BackendToken token={state.token} />}
      </div>
      {panel}
    </main>
  );
}

/**
 * The backend's API token. This page is authorized by being served by the backend itself; the
 * UXP plugin is not, so the editor copies the token from here once. Hidden until asked for.
 */
function BackendToken({ token }: { token: string }) {
  const [shown, setShown] = useState(false);
  return (
    <p className="muted small backend-token">
      Plugin token:{" "}
      <code aria-label="Backend token">{shown ? token : "•".repeat(12)}</code>{" "}
      <button type="button" className="link-button" onClick={() => setShown((v) => !v)}>
        {shown ? "Hide" : "Show"}
      </button>{" "}
      <button type="button" className="link-button" onClick={() => void navigator.clipboard?.writeText(token)}>
        Copy
      </button>
    </p>
  );
}

function StatusLine({ notice, onDismiss }: { notice: Notice | null; onDismiss: () => void }) {
  return (
    <div className="status-line">
      {/* Both live regions stay mounted so screen readers announce what appears in them. */}
      <p role="status" className="status-info">
        {notice?.kind === "info" ? notice.text : ""}
      </p>
      <p role="alert" className="status-error">
        {notice?.kind === "error" ? notice.text : ""}
      </p>
      {notice && (
        <button type="button" className="link-button" onClick={onDismiss}>
          Dismiss
        </button>
      )}
    </div>
  );
}

/** The Retake panel, at a panel-like width. Always the same element, so the bridge stays attached. */
function PanelFrame({
  ref,
  width,
  resizing,
}: {
  ref: Ref<HTMLIFrameElement>;
  width: number;
  resizing: boolean;
}) {
  return (
    <iframe
      ref={ref}
      className="panel-frame"
      src={PANEL_SRC}
      title="Retake panel"
      // While the divider is dragged, the iframe must not swallow the pointer.
      style={{ width, pointerEvents: resizing ? "none" : undefined }}
    />
  );
}

/** The divider between the simulated Premiere and the panel: drag it, or use the arrow keys. */
function PanelResizer(props: { width: number; onWidth: (width: number) => void; onResizing: (resizing: boolean) => void }) {
  const drag = useRef<{ x: number; width: number } | null>(null);
  const clamp = (w: number) => Math.round(Math.min(PANEL_MAX, Math.max(PANEL_MIN, w)));
  return (
    <div
      className="panel-resizer"
      role="separator"
      aria-orientation="vertical"
      aria-label="Resize the Retake panel"
      aria-valuemin={PANEL_MIN}
      aria-valuemax={PANEL_MAX}
      aria-valuenow={props.width}
      tabIndex={0}
      onPointerDown={(event) => {
        event.currentTarget.setPointerCapture(event.pointerId);
        drag.current = { x: event.clientX, width: props.width };
        props.onResizing(true);
      }}
      onPointerMove={(event) => {
        // The panel sits right of the divider: dragging left widens it.
        if (drag.current) props.onWidth(clamp(drag.current.width + drag.current.x - event.clientX));
      }}
      onPointerUp={() => {
        drag.current = null;
        props.onResizing(false);
      }}
      onPointerCancel={() => {
        drag.current = null;
        props.onResizing(false);
      }}
      onKeyDown={(event) => {
        if (event.key === "ArrowLeft") props.onWidth(clamp(props.width + 20));
        else if (event.key === "ArrowRight") props.onWidth(clamp(props.width - 20));
        else return;
        event.preventDefault();
      }}
    />
  );
}

const root = document.getElementById("root");
if (!root) throw new Error("The harness page has no #root element.");
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
