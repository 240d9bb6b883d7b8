import { createBridgeClient, type BridgeClient, type BridgeTransport } from "../../core/bridge/index.js";

/**
 * How the panel reaches its host. Two environments, one protocol (src/core/bridge):
 * - inside Premiere/AE the page runs in a UXP `<webview>`: it sends with
 *   `window.uxpHost.postMessage(msg)` and the shell's replies arrive as `message` events;
 * - in development it runs in an iframe of the browser harness: it sends with
 *   `window.parent.postMessage(msg, "*")` and accepts only messages from `window.parent`.
 */

interface UxpHostBridge {
  postMessage(message: unknown): void;
  /** bolt-uxp listens for the shell's replies here; Adobe's pages say window. Both are used. */
  addEventListener?(type: "message", listener: (event: MessageEvent) => void): void;
  removeEventListener?(type: "message", listener: (event: MessageEvent) => void): void;
}

/** The part of `window` the transport needs (a narrow type so it can run against a fake). */
export interface TransportWindow {
  uxpHost?: UxpHostBridge;
  parent: unknown;
  addEventListener(type: "message", listener: (event: MessageEvent) => void): void;
  removeEventListener(type: "message", listener: (event: MessageEvent) => void): void;
}

export type HostEnvironment = "uxp" | "harness" | "none";

export function detectEnvironment(win: TransportWindow): HostEnvironment {
  if (win.uxpHost && typeof win.uxpHost.postMessage === "function") return "uxp";
  if (win.parent && win.parent !== win) return "harness";
  return "none";
}

/**
 * UXP documents its webview messages as JSON-stringified; accept both a string and an object
 * so the panel works whichever the shell delivers.
 */
function decode(data: unknown): unknown {
  if (typeof data !== "string") return data;
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
}

export function createPanelTransport(win: TransportWindow): BridgeTransport | null {
  const environment = detectEnvironment(win);
  if (environment === "none") return null;

  const send =
    environment === "uxp"
      ? (message: unknown) => win.uxpHost!.postMessage(message)
      : (message: unknown) => (win.parent as Window).postMessage(message, "*");

  return {
    send,
    onMessage(listener) {
      const handler = (event: MessageEvent) => {
        // In the harness, only the parent page speaks the bridge; ignore anything else
        // (browser extensions, other frames).
        if (environment === "harness" && event.source !== win.parent) return;
        const message = decode(event.data);
        if (message !== undefined) listener(message);
      };
      win.addEventListener("message", handler);
      // A reply seen on both is harmless: the bridge client settles each request id once.
      const host = environment === "uxp" && typeof win.uxpHost?.addEventListener === "function" ? win.uxpHost : undefined;
      host?.addEventListener!("message", handler);
      return () => {
        win.removeEventListener("message", handler);
        host?.removeEventListener?.("message", handler);
      };
    },
  };
}

/** The bridge client for this page, or null when the panel was opened outside any host. */
export function connectToHost(win: TransportWindow = window as unknown as TransportWindow): BridgeClient | null {
  const transport = createPanelTransport(win);
  return transport ? createBridgeClient(transport) : null;
}

/**
 * Like connectToHost, but gives a UXP shell a moment to inject `window.uxpHost` when the page
 * loaded before it (checked every 100 ms up to `timeoutMs`). Null when no host turns up.
 */
export async function waitForHost(
  win: TransportWindow = window as unknown as TransportWindow,
  timeoutMs = 2000,
): Promise<BridgeClient | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = connectToHost(win);
    if (client || Date.now() >= deadline) return client;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
