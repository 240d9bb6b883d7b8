import { BridgeAnchors } from "./components/BridgeAnchors.js";
import { AnnotationInspector } from "./components/AnnotationInspector.js";
import { CaptureButton } from "./components/CaptureButton.js";
import { ContextBar } from "./components/ContextBar.js";
import { DirectionForm } from "./components/DirectionForm.js";
import { DirectionSummary } from "./components/DirectionSummary.js";
import { DraftButton } from "./components/DraftButton.js";
import { Notices } from "./components/Notices.js";
import { Settings } from "./components/Settings.js";
import { StudioService } from "./components/StudioService.js";
import { TakeList } from "./components/TakeList.js";
import { Toolbar } from "./components/Toolbar.js";
import { HistoryView } from "./components/HistoryView.js";
import { ViewTabs, tabId, tabPanelId } from "./components/ViewTabs.js";
import { DirectionCanvas } from "./canvas/DirectionCanvas.js";
import { TimeStrip } from "./timeline/TimeStrip.js";
import { PanelControllerContext, usePanelController } from "./controller/PanelControllerContext.js";
import type { PanelController } from "./controller/createPanelController.js";
import { useKeyboardShortcuts } from "./hooks/useKeyboardShortcuts.js";
import { useVisiblePolling } from "./hooks/useVisiblePolling.js";
import { PanelStoreContext, usePanelStore, usePanelStoreApi, type PanelStoreApi } from "./state/createPanelStore.js";

/** How often the panel asks the host for the playhead (Premiere has no playhead event). */
export const CONTEXT_POLL_MS = 500;

/** One panel instance: its own store and controller, provided to everything below. */
export function App({ store, controller }: { store: PanelStoreApi; controller: PanelController }) {
  return (
    <PanelStoreContext.Provider value={store}>
      <PanelControllerContext.Provider value={controller}>
        <Panel />
      </PanelControllerContext.Provider>
    </PanelStoreContext.Provider>
  );
}

function Panel() {
  const store = usePanelStoreApi();
  const controller = usePanelController();
  const connected = usePanelStore((s) => s.connection.status === "ready");
  const view = usePanelStore((s) => s.view);
  useKeyboardShortcuts(store);
  useVisiblePolling(() => controller.refreshContext(), CONTEXT_POLL_MS, connected);

  return (
    <div className="panel">
      <ContextBar />
      <Notices />
      <StudioService prompt />
      <ViewTabs />
      {/* The direct view stays mounted while hidden: the drawing surface and the takes' videos keep their state. */}
      <main className="workspace" id={tabPanelId("direct")} role="tabpanel" aria-labelledby={tabId("direct")} hidden={view !== "direct"}>
        <section className="stage" aria-label="Frame">
          <div className="stage-bar">
            <CaptureButton />
            <Toolbar />
          </div>
          <BridgeAnchors />
          <DirectionCanvas />
          <TimeStrip />
          <AnnotationInspector />
        </section>
        <section className="controls" aria-label="Direction settings">
          <DirectionForm />
          <DirectionSummary />
          <DraftButton />
          <Settings />
        </section>
        <div className="results">
          <TakeList />
        </div>
      </main>
      {view === "history" && (
        <div className="history-view" id={tabPanelId("history")} role="tabpanel" aria-labelledby={tabId("history")}>
          <HistoryView />
        </div>
      )}
    </div>
  );
}
