import { BridgeError } from "../../core/bridge/index.js";
import { hostError, HostErrorCode } from "./errors.js";

/**
 * Cancel means cancel: a deadline or the editor's cancel aborts the work itself, not only the
 * answer. Every long step (fetch, each downloaded chunk, the import, the placement) checks the
 * signal, so nothing lands on the timeline after the panel was told it failed.
 */

/** The error a step throws when its signal was aborted (the abort reason when it is one of ours). */
export function cancelledError(signal: AbortSignal | undefined, what: string): BridgeError {
  const reason: unknown = signal?.reason;
  if (reason instanceof BridgeError) return reason;
  return hostError(HostErrorCode.cancelled, `Cancelled: ${what}.`);
}

export function throwIfCancelled(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw cancelledError(signal, what);
}

/**
 * One import per take at a time. A second import of a take still in flight (a double click, or a
 * retry after a deadline while the first is still stopping) is refused rather than run in
 * parallel, which would place a second copy. `cancel` aborts the one in flight.
 */
export function createImportGuard() {
  const running = new Map<string, AbortController>();
  return {
    async run<T>(key: string, label: string, outer: AbortSignal | undefined, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
      if (running.has(key)) {
        throw hostError(HostErrorCode.importInProgress, `${label} is already being imported. Wait for that import to finish (or cancel it), then try again.`);
      }
      const controller = new AbortController();
      const forward = () => controller.abort(outer?.reason);
      if (outer?.aborted) forward();
      else outer?.addEventListener("abort", forward, { once: true });
      running.set(key, controller);
      try {
        return await work(controller.signal);
      } finally {
        running.delete(key);
        outer?.removeEventListener("abort", forward);
      }
    },
    /** Aborts the import of `key` if one is running; true when there was one. */
    cancel(key: string): boolean {
      const controller = running.get(key);
      controller?.abort(hostError(HostErrorCode.cancelled, "Cancelled by the editor: nothing more was downloaded, imported or placed."));
      return controller !== undefined;
    },
    inFlight: (key: string) => running.has(key),
  };
}
export type ImportGuard = ReturnType<typeof createImportGuard>;
