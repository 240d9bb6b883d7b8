/**
 * What a UXP shell does when its panel opens (plugin/index.html loads the host's shell bundle as
 * shell.js): create the <webview> running the panel UI (the same build the browser harness serves,
 * copied into the plugin's ui/) and serve the bridge to it with the host's handlers.
 */
import { serveBridge, type HostHandlers } from "../../core/bridge/index.js";
import { createWebviewTransport, type MessageTarget, type WebviewLike } from "./webviewTransport.js";

/** Local content, which needs UXP 8+ and `allowLocalRendering` in the manifest. */
export const PANEL_URL = "plugin:/ui/ui/index.html";

export function startPanelShell(createHandlers: () => HostHandlers): void {
  try {
    const handlers = createHandlers();
    const root = document.getElementById("retake-root") ?? document.body;
    const webview = document.createElement("webview") as HTMLElement & WebviewLike;
    webview.id = "retake-panel";
    webview.setAttribute("src", PANEL_URL);
    // The panel talks to the shell through window.uxpHost; nothing else is allowed to.
    webview.setAttribute("uxpallowinspector", "true");
    webview.style.width = "100%";
    webview.style.height = "100%";
    webview.style.border = "0";
    root.appendChild(webview);
    // Messages may arrive on the element or on window (docs/premiere.md, live check 3): both, deduplicated.
    const targets = [webview as unknown as MessageTarget, window as unknown as MessageTarget];
    serveBridge(createWebviewTransport(webview, targets), handlers);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    document.body.textContent = `Retake could not start: ${message}`;
  }
}
