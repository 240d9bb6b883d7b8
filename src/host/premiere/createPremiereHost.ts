import type { HostHandlers } from "../../core/bridge/index.js";
import { createImportGuard } from "../uxp/cancel.js";
import { createHostServices } from "../uxp/hostServices.js";
import { captureFrame } from "./captureFrame.js";
import { importTake, type ImportTimings } from "./importTake.js";
import { pickMediaFolder, setSequenceColorSpace } from "./pendingHandlers.js";
import { createContextReader } from "./sequenceContext.js";
import type { FetchLike, PremiereApi, UxpApi, UxpFs } from "./types.js";

export interface PremiereHostDeps {
  ppro: PremiereApi;
  uxp: UxpApi;
  fs: UxpFs;
  /** UXP's global fetch by default. */
  fetch?: FetchLike;
  /** Backend used until the editor sets one in Settings (the build's configured backend). */
  defaultBackendUrl?: string;
  /** The backend's loopback HTTPS port the build was given (RETAKE_HTTPS_PORT); port + 1 when absent. */
  backendHttpsPort?: number;
  onImportTimings?: (timings: ImportTimings) => void;
  /** How long to wait for an imported item to show up in the bin (5 s by default). */
  importSettleMs?: number;
  /** How long host.context trusts its last full description while nothing cheap changed (5 s by default). */
  contextMaxAgeMs?: number;
}

/**
 * The Premiere host: the bridge handlers the UXP shell serves to the panel in its webview. Built
 * only from injected modules, so the same code runs in Premiere and against the test fake.
 */
export function createPremiereHost(deps: PremiereHostDeps): HostHandlers {
  const { ppro, uxp, fs } = deps;
  const { secrets, backend, handlers } = createHostServices(deps);
  const imports = createImportGuard();
  const contextReader = createContextReader(ppro, deps.contextMaxAgeMs === undefined ? {} : { maxAgeMs: deps.contextMaxAgeMs });

  return {
    ...handlers,
    "host.context": async () => contextReader.read(),
    "host.captureFrame": async ({ mode, bridgeSeconds }) => captureFrame({ ppro, uxp, fs, backend }, mode, bridgeSeconds),
    // The second argument is the call's AbortSignal (withTimeouts passes it; a deadline aborts it).
    "host.importTake": async (params, signal?: AbortSignal) =>
      imports.run(`${params.jobId}/${params.takeId}`, "This take", signal, (guarded) =>
        importTake(
          {
            ppro,
            uxp,
            fs,
            secrets,
            backend,
            ...(deps.onImportTimings ? { onTimings: deps.onImportTimings } : {}),
            ...(deps.importSettleMs === undefined ? {} : { importSettleMs: deps.importSettleMs }),
          },
          params,
          guarded,
        ).finally(() => contextReader.invalidate()),
      ),
    "host.cancelImport": async ({ jobId, takeId }) => ({ cancelled: imports.cancel(`${jobId}/${takeId}`) }),
    "host.pickMediaFolder": async () => pickMediaFolder({ uxp, secrets, fs }),
    "host.setSequenceColorSpace": async ({ colorSpace }) => setSequenceColorSpace(ppro, colorSpace).finally(() => contextReader.invalidate()),
  };
}
