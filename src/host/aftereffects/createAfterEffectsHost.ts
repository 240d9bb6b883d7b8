import type { HostHandlers } from "../../core/bridge/index.js";
import { SETTING_AE_MEDIA_FOLDER_TOKEN } from "../uxp/backendSettings.js";
import { createImportGuard } from "../uxp/cancel.js";
import { createHostServices } from "../uxp/hostServices.js";
import { pickMediaFolder } from "../uxp/mediaFolder.js";
import type { FetchLike, UxpApi } from "../uxp/types.js";
import { captureFrame } from "./captureFrame.js";
import { readCompContext } from "./compContext.js";
import { setDeliveryColorSpace } from "./deliveryColorSpace.js";
import type { AeFs } from "./exrDownload.js";
import { importTake } from "./importTake.js";
import type { AfterEffectsModule } from "./types.js";

export interface AfterEffectsHostDeps {
  /** `require("aftereffects")`. */
  ae: AfterEffectsModule;
  uxp: UxpApi;
  fs: AeFs;
  /** UXP's global fetch by default. */
  fetch?: FetchLike;
  /** Backend used until the editor sets one in Settings (the build's configured backend). */
  defaultBackendUrl?: string;
  /** The backend's loopback HTTPS port the build was given (RETAKE_HTTPS_PORT); port + 1 when absent. */
  backendHttpsPort?: number;
  /** How long a frame render may take (30 s by default). */
  renderTimeoutMs?: number;
}

/**
 * The After Effects host: the same bridge methods as Premiere's, served from the active
 * composition. Built only from injected modules, so the same code runs in After Effects and
 * against the test fake.
 */
export function createAfterEffectsHost(deps: AfterEffectsHostDeps): HostHandlers {
  const { ae, uxp, fs } = deps;
  const { secrets, backend, handlers } = createHostServices(deps);
  const imports = createImportGuard();

  return {
    ...handlers,
    "host.context": async () => readCompContext(ae).context,
    "host.captureFrame": async ({ mode, bridgeSeconds }) =>
      captureFrame({ ae, uxp, fs, backend, ...(deps.renderTimeoutMs ? { renderTimeoutMs: deps.renderTimeoutMs } : {}) }, mode, bridgeSeconds),
    // The second argument is the call's AbortSignal (withTimeouts passes it); one import per take at a time.
    "host.importTake": async (params, signal?: AbortSignal) =>
      imports.run(`${params.jobId}/${params.takeId}`, "This take", signal, (guarded) => importTake({ ae, uxp, fs, secrets, backend }, params, guarded)),
    "host.cancelImport": async ({ jobId, takeId }) => ({ cancelled: imports.cancel(`${jobId}/${takeId}`) }),
    "host.pickMediaFolder": async () => pickMediaFolder({ uxp, secrets, fs, tokenKey: SETTING_AE_MEDIA_FOLDER_TOKEN }),
    "host.setSequenceColorSpace": async ({ colorSpace }) => setDeliveryColorSpace(ae, colorSpace),
  };
}
