import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App.js";
import { connectToHost } from "./bridge/transport.js";
import { createPanelController } from "./controller/createPanelController.js";
import { createPanelStore } from "./state/createPanelStore.js";
import "./styles.css";

// One page = one panel instance: its store (data) and controller (clients) live as long as the
// page, outside React, so StrictMode's double effects cannot tear down the bridge.
const store = createPanelStore();
const controller = createPanelController({ bridge: connectToHost(), store });

const root = document.getElementById("root");
if (!root) throw new Error("The panel page has no #root element.");
createRoot(root).render(
  <StrictMode>
    <App store={store} controller={controller} />
  </StrictMode>,
);
void controller.connect();
window.addEventListener("pagehide", (event) => {
  if (!event.persisted) controller.dispose();
});
