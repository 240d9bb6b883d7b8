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
  // The folder picker waits on the editor, not on the host app.
  "host.pickMediaFolder": 10 * 60_000,
  "host.setSequenceColorSpace": 8_000,
  "host.secrets.get": 5_000,
  "host.secrets.set": 5_000,
};

/** How a host names itself and each step in "<app> did not <step> within N s". */
export interface StepWords {
  app: string;
  steps: Record<BridgeMethod, string>;
}

export function withStepTimeouts(handlers: HostHandlers, words: StepWords, timeouts: Partial<Record<BridgeMethod, number>> = HOST_TIMEOUTS_MS): HostHandlers {
  const out: Record<string, unknown> = {};
  for (const [method, handler] of Object.entries(handlers) as [BridgeMethod, (p: unknown) => Promise<unknown>][]) {
    const ms = timeouts[method] ?? HOST_TIMEOUTS_MS[method];
    out[method] = (params: unknown) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(hostError(HostErrorCode.timeout, `${words.app} did not ${words.steps[method]} within ${ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`}.`)),
          ms,
        );
        handler(params).then(
          (value) => (clearTimeout(timer), resolve(value)),
          (error: unknown) => (clearTimeout(timer), reject(error)),
        );
      });
  }
  return out as HostHandlers;
}
