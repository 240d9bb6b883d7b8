/**
 * The UXP shell: what Premiere runs when the Retake panel opens (plugin/index.html loads the
 * bundle of this file as shell.js). It creates the <webview> running the panel UI (the same build
 * the browser harness serves, copied into plugin/ui) and serves the bridge to it with the
 * Premiere host. The only file that calls `require` on Premiere's modules.
 */
import { serveBridge } from "../../../core/bridge/index.js";
import { createPremiereHost } from "../createPremiereHost.js";
import { withTimeouts } from "../handlerTimeouts.js";
import type { PremiereApi, UxpApi } from "../types.js";
import { uxpFsFromModule } from "../uxpFs.js";
import { createWebviewTransport, type MessageTarget, type WebviewLike } from "../webviewTransport.js";

declare const require: (name: string) => unknown;
/** Replaced by the build with the backend the manifest allows (RETAKE_BACKEND_URL). */
declare const __RETAKE_BACKEND_URL__: string;

/** Local content, which needs UXP 8+ and `allowLocalRendering` in the manifest. */
const PANEL_URL = "plugin:/ui/ui/index.html";

function start(): void {
  const ppro = require("premierepro") as PremiereApi;
  const uxp = require("uxp") as UxpApi;
  const fs = uxpFsFromModule(require("fs"));

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

  const transport = createWebviewTransport(webview, window as unknown as MessageTarget);
  const host = createPremiereHost({ ppro, uxp, fs, defaultBackendUrl: __RETAKE_BACKEND_URL__ });
  serveBridge(transport, withTimeouts(host));
}

try {
  start();
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  document.body.textContent = `Retake could not start: ${message}`;
}
