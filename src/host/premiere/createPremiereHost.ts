import type { HostHandlers } from "../../core/bridge/index.js";
import { createHostServices } from "../uxp/hostServices.js";
import { captureFrame } from "./captureFrame.js";
import { importTake, type ImportTimings } from "./importTake.js";
import { pickMediaFolder, setSequenceColorSpace } from "./pendingHandlers.js";
import { readSequenceContext } from "./sequenceContext.js";
import type { FetchLike, PremiereApi, UxpApi, UxpFs } from "./types.js";

export interface PremiereHostDeps {
  ppro: PremiereApi;
  uxp: UxpApi;
  fs: UxpFs;
  /** UXP's global fetch by default. */
  fetch?: FetchLike;
  /** Backend used until the editor sets one in Settings (the build's configured backend). */
  defaultBackendUrl?: string;
  onImportTimings?: (timings: ImportTimings) => void;
}

/**
 * The Premiere host: the bridge handlers the UXP shell serves to the panel in its webview. Built
 * only from injected modules, so the same code runs in Premiere and against the test fake.
 */
export function createPremiereHost(deps: PremiereHostDeps): HostHandlers {
  const { ppro, uxp, fs } = deps;
  const { secrets, backend, handlers } = createHostServices(deps);

  return {
    ...handlers,
    "host.context": async () => (await readSequenceContext(ppro)).context,
    "host.captureFrame": async ({ mode, bridgeSeconds }) => captureFrame({ ppro, uxp, fs, backend }, mode, bridgeSeconds),
    "host.importTake": async (params) =>
      importTake({ ppro, uxp, fs, secrets, backend, ...(deps.onImportTimings ? { onTimings: deps.onImportTimings } : {}) }, params),
    "host.pickMediaFolder": async () => pickMediaFolder({ uxp, secrets }),
    "host.setSequenceColorSpace": async ({ colorSpace }) => setSequenceColorSpace(ppro, colorSpace),
  };
}
