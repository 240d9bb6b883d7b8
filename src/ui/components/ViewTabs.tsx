import type { KeyboardEvent } from "react";
import { usePanelStore, type PanelView } from "../state/createPanelStore.js";

export const VIEW_TABS: ReadonlyArray<{ view: PanelView; label: string }> = [
  { view: "direct", label: "Direct" },
  { view: "history", label: "History" },
];

export const tabId = (view: PanelView) => `view-tab-${view}`;
export const tabPanelId = (view: PanelView) => `view-panel-${view}`;

/**
 * The panel's two views as tabs (WAI-ARIA tabs pattern): Left/Right (and Home/End) move between
 * them and select; only the selected tab is in the Tab order.
 */
export function ViewTabs() {
  const view = usePanelStore((s) => s.view);
  const setView = usePanelStore((s) => s.setView);

  const onKeyDown = (event: KeyboardEvent<HTMLButtonElement>) => {
    const i = VIEW_TABS.findIndex((t) => t.view === view);
    const last = VIEW_TABS.length - 1;
    const next =
      event.key === "ArrowRight" ? (i === last ? 0 : i + 1) : event.key === "ArrowLeft" ? (i === 0 ? last : i - 1) : event.key === "Home" ? 0 : event.key === "End" ? last : -1;
    if (next < 0) return;
    event.preventDefault();
    const target = VIEW_TABS[next]!.view;
    setView(target);
    document.getElementById(tabId(target))?.focus();
  };

  return (
    <div className="view-tabs" role="tablist" aria-label="Panel views">
      {VIEW_TABS.map((tab) => (
        <button
          key={tab.view}
          id={tabId(tab.view)}
          type="button"
          role="tab"
          className="view-tab"
          aria-selected={view === tab.view}
          aria-controls={tabPanelId(tab.view)}
          tabIndex={view === tab.view ? 0 : -1}
          onClick={() => setView(tab.view)}
          onKeyDown={onKeyDown}
        >
          {tab.label}
        </button>
      ))}
    </div>
  );
}
