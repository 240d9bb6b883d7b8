import type { HostHandlers } from "../../core/bridge/index.js";
import type { BridgeMethod } from "../../core/schemas/bridge.js";
import { hostError, HostErrorCode } from "./errors.js";

/**
 * Host-side deadlines, a little shorter than the panel's (core/bridge client), so when the host
 * app hangs the panel gets a structured answer naming the step instead of a bare client timeout.
 */
export const HOST_TIMEOUTS_MS: Record<BridgeMethod, number> = {
  "host.context": 8_000,
  "host.backend": 5_000,
  "host.captureFrame": 55_000,
  "host.importTake": 14 * 60_000,
  "host.cancelImport": 5_000,
  // The folder picker waits on the editor, not on the host app.
  "host.pickMediaFolder": 10 * 60_000,
  "host.setSequenceColorSpace": 8_000,
  "host.openExternal": 10_000,
  "host.secrets.get": 5_000,
  "host.secrets.set": 5_000,
};

/** How a host names itself and each step in "<app> did not <step> within N s". */
export interface StepWords {
  app: string;
  steps: Record<BridgeMethod, string>;
}

/**
 * A handler may take a second argument, the AbortSignal of this call: a deadline aborts it, so
 * the work stops (the download, the import, the placement) rather than finishing after the panel
 * was told it failed.
 */
export type CancellableHandler = (params: unknown, signal?: AbortSignal) => Promise<unknown>;

export function withStepTimeouts(handlers: HostHandlers, words: StepWords, timeouts: Partial<Record<BridgeMethod, number>> = HOST_TIMEOUTS_MS): HostHandlers {
  const out: Record<string, unknown> = {};
  for (const [method, handler] of Object.entries(handlers) as [BridgeMethod, CancellableHandler][]) {
    const ms = timeouts[method] ?? HOST_TIMEOUTS_MS[method];
    out[method] = (params: unknown) =>
      new Promise((resolve, reject) => {
        // UXP documents AbortController; without one the deadline still answers, it just cannot stop the work.
        const controller = typeof AbortController === "function" ? new AbortController() : undefined;
        const timer = setTimeout(() => {
          const error = hostError(
            HostErrorCode.timeout,
            `${words.app} did not ${words.steps[method]} within ${ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`}.${method === "host.importTake" ? " The import was stopped: nothing more is downloaded, imported or placed." : ""}`,
          );
          controller?.abort(error);
          reject(error);
        }, ms);
        handler(params, controller?.signal).then(
          (value) => (clearTimeout(timer), resolve(value)),
          (error: unknown) => (clearTimeout(timer), reject(error)),
        );
      });
  }
  return out as HostHandlers;
}
