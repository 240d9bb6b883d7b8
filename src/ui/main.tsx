import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App.js";
import { waitForHost } from "./bridge/transport.js";
import { createPanelController } from "./controller/createPanelController.js";
import { createPanelStore } from "./state/createPanelStore.js";
import "./styles.css";

// One page = one panel instance: its store (data) and controller (clients) live as long as the
// page, outside React, so StrictMode's double effects cannot tear down the bridge.
async function start() {
  const root = document.getElementById("root");
  if (!root) throw new Error("The panel page has no #root element.");
  const store = createPanelStore();
  // For automation (bench, debugging): the panel's data store, as React DevTools would show it.
  // Data only; clients and secrets never live in the store.
  (window as unknown as { __retakePanelStore?: unknown }).__retakePanelStore = store;
  const controller = createPanelController({ bridge: await waitForHost(), store });
  createRoot(root).render(
    <StrictMode>
      <App store={store} controller={controller} />
    </StrictMode>,
  );
  window.addEventListener("pagehide", (event) => {
    if (!event.persisted) controller.dispose();
  });
  await controller.connect();
}

void start();
