/**
 * The After Effects shell: what After Effects runs when the Retake panel opens (the plugin's
 * index.html loads the bundle of this file as shell.js). It serves the bridge to the panel's
 * <webview> with the After Effects host (src/host/uxp/panelShell.ts). The only file that calls
 * `require` on After Effects' modules.
 */
import { startPanelShell } from "../../uxp/panelShell.js";
import type { UxpApi } from "../../uxp/types.js";
import { uxpFsFromModule } from "../../uxp/uxpFs.js";
import { createAfterEffectsHost } from "../createAfterEffectsHost.js";
import { withTimeouts } from "../handlerTimeouts.js";
import type { AfterEffectsModule } from "../types.js";

declare const require: (name: string) => unknown;
/** Replaced by the build with the backend the manifest allows (RETAKE_BACKEND_URL). */
declare const __RETAKE_BACKEND_URL__: string;
/** Replaced by the build with RETAKE_HTTPS_PORT (null: the backend's next port). */
declare const __RETAKE_HTTPS_PORT__: number | null;

startPanelShell(() => {
  const ae = require("aftereffects") as AfterEffectsModule;
  const uxp = require("uxp") as UxpApi;
  const fs = uxpFsFromModule(require("fs"), ["rmdir"] as const);
  return withTimeouts(createAfterEffectsHost({ ae, uxp, fs, defaultBackendUrl: __RETAKE_BACKEND_URL__, ...(__RETAKE_HTTPS_PORT__ ? { backendHttpsPort: __RETAKE_HTTPS_PORT__ } : {}) }));
});
