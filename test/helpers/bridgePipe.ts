import type { BridgeTransport } from "../../src/core/bridge/index.js";

/**
 * Two in-memory bridge endpoints joined like a webview and its shell: messages are JSON-cloned
 * (as postMessage does) and delivered asynchronously.
 */
export function bridgePipe(): [BridgeTransport, BridgeTransport] {
  const listeners: [Array<(m: unknown) => void>, Array<(m: unknown) => void>] = [[], []];
  const make = (self: 0 | 1): BridgeTransport => ({
    send: (message) => {
      const copy = JSON.parse(JSON.stringify(message));
      setTimeout(() => listeners[self === 0 ? 1 : 0].forEach((l) => l(copy)), 0);
    },
    onMessage: (listener) => {
      listeners[self].push(listener);
      return () => listeners[self].splice(listeners[self].indexOf(listener), 1);
    },
  });
  return [make(0), make(1)];
}
