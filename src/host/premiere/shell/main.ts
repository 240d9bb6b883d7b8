/**
 * The Premiere shell: what Premiere runs when the Retake panel opens (plugin/index.html loads the
 * bundle of this file as shell.js). It serves the bridge to the panel's <webview> with the
 * Premiere host (src/host/uxp/panelShell.ts). The only file that calls `require` on Premiere's
 * modules.
 */
import { startPanelShell } from "../../uxp/panelShell.js";
import { uxpFsFromModule } from "../../uxp/uxpFs.js";
import type { UxpApi } from "../../uxp/types.js";
import { createPremiereHost } from "../createPremiereHost.js";
import { withTimeouts } from "../handlerTimeouts.js";
import type { PremiereApi } from "../types.js";

declare const require: (name: string) => unknown;
/** Replaced by the build with the backend the manifest allows (RETAKE_BACKEND_URL). */
declare const __RETAKE_BACKEND_URL__: string;
/** Replaced by the build with RETAKE_HTTPS_PORT (null: the backend's next port). */
declare const __RETAKE_HTTPS_PORT__: number | null;

startPanelShell(() => {
  const ppro = require("premierepro") as PremiereApi;
  const uxp = require("uxp") as UxpApi;
  const fs = uxpFsFromModule(require("fs"));
  return withTimeouts(createPremiereHost({ ppro, uxp, fs, defaultBackendUrl: __RETAKE_BACKEND_URL__, ...(__RETAKE_HTTPS_PORT__ ? { backendHttpsPort: __RETAKE_HTTPS_PORT__ } : {}) }));
});
