import { BridgeError, serveBridge, type BridgeTransport, type HostHandlers } from "../../core/bridge/index.js";
import type { ImportTakeResult } from "../../core/schemas/bridge.js";
import type { HarnessApi } from "./harnessApi.js";
import type { HarnessState } from "./harnessState.js";

/**
 * The browser host: plays Premiere's part for the panel running in an <iframe>, over the same
 * bridge protocol the UXP shell speaks to its <webview>. The simulated project lives on the
 * backend (the /harness routes); this side only forwards calls and keeps the page in step.
 */

/**
 * postMessage transport to the panel iframe. Only messages from that iframe's window, and from
 * the origin its `src` points at, are bridge traffic: anything else on the page's window (other
 * frames, extensions, a panel navigated away to some other site) is ignored.
 */
export function createIframeTransport(iframe: HTMLIFrameElement): BridgeTransport {
  const panelOrigin = () => new URL(iframe.src, window.location.href).origin;
  return {
    send(message) {
      iframe.contentWindow?.postMessage(message, "*");
    },
    onMessage(listener) {
      const onWindowMessage = (event: MessageEvent) => {
        if (!iframe.contentWindow || event.source !== iframe.contentWindow) return;
        if (event.origin !== panelOrigin()) return;
        listener(event.data);
      };
      window.addEventListener("message", onWindowMessage);
      return () => window.removeEventListener("message", onWindowMessage);
    },
  };
}

export interface BrowserHostOptions {
  api: HarnessApi;
  /** Backend URL handed to the panel; the page is served by the backend, so its own origin. */
  backendUrl?: string;
  /**
   * Runs before any call that reads or changes the simulated sequence, so a playhead move the
   * page has not sent yet (the scrubber is debounced) is on the server before a capture.
   */
  beforeSequenceCall?: () => Promise<void>;
  /** Every fresh HarnessState the host sees, so the page redraws from it. */
  onState?: (state: HarnessState) => void;
  /** After a take lands on the timeline (the page re-fetches the timeline). */
  onImported?: (result: ImportTakeResult) => void;
}

/** The handlers the browser host answers the panel with; exported so tests can call them directly. */
export function createBrowserHostHandlers(options: BrowserHostOptions): HostHandlers {
  const { api } = options;
  const settle = async () => options.beforeSequenceCall?.();

  // The harness has no secure storage: secrets live in this page's memory only and are gone on
  // reload. Good enough for development; never a place for a real key beyond one session.
  const secrets = new Map<string, string>();

  // Imports in flight, by job/take. The harness places a take in one request the server cannot
  // take back, so a cancel stops an import only until that request is sent (while the page's
  // playhead is still being settled); after that it answers `cancelled: false` and the import lands.
  const imports = new Map<string, { cancel: () => void; sent: boolean }>();

  return {
    "host.backend": async () => {
      const state = await api.state();
      options.onState?.(state);
      // A studio service set in the panel's settings (team mode): the panel talks to it with the
      // token it signed in with, as the UXP hosts do with backend.url / backend.token.
      const studio = secrets.get("studio.url");
      if (studio) {
        const token = secrets.get("backend.token");
        return token ? { url: studio, token } : { url: studio };
      }
      const url = options.backendUrl ?? window.location.origin;
      return state.token ? { url, token: state.token } : { url };
    },
    "host.context": async () => {
      await settle();
      const state = await api.state();
      options.onState?.(state);
      return state.sequence;
    },
    "host.captureFrame": async ({ mode, bridgeSeconds }) => {
      await settle();
      return api.capture(mode, bridgeSeconds);
    },
    "host.importTake": async (params) => {
      const key = `${params.jobId}/${params.takeId}`;
      if (imports.has(key)) {
        throw new BridgeError("import_in_progress", "This take is already being imported. Wait for that import to finish (or cancel it), then try again.");
      }
      let canceled = false;
      const entry = { cancel: () => void (canceled = true), sent: false };
      imports.set(key, entry);
      try {
        await settle();
        if (canceled) throw new BridgeError("cancelled", "Cancelled by the editor: nothing was imported or placed.");
        entry.sent = true;
        const result = await api.importTake(params);
        options.onImported?.(result);
        return result;
      } finally {
        imports.delete(key);
      }
    },
    "host.cancelImport": async ({ jobId, takeId }) => {
      const entry = imports.get(`${jobId}/${takeId}`);
      if (!entry || entry.sent) return { cancelled: false };
      entry.cancel();
      return { cancelled: true };
    },
    // The simulated project's media folder is fixed (under the data dir): no picker to show.
    "host.pickMediaFolder": async () => ({ path: (await api.state()).mediaFolder }),
    "host.setSequenceColorSpace": async ({ colorSpace }) => {
      await settle();
      const state = await api.updateSequence({ colorSpace });
      options.onState?.(state);
      return state.sequence;
    },
    // A new tab of this browser; the same http/https rule as the UXP hosts.
    "host.openExternal": async ({ url }) => {
      const protocol = URL.canParse(url) ? new URL(url).protocol : "";
      if (protocol !== "http:" && protocol !== "https:") throw new Error(`Cannot open "${url}": only http and https links open in the browser.`);
      window.open(url, "_blank", "noopener,noreferrer");
      return { ok: true as const };
    },
    "host.secrets.get": async ({ key }) => ({ value: secrets.get(key) ?? null }),
    "host.secrets.set": async ({ key, value }) => {
      if (value === null) secrets.delete(key);
      else secrets.set(key, value);
      return { ok: true as const };
    },
  };
}

/** Serve the bridge to the panel iframe; returns a function that stops serving. */
export function startBrowserHost(iframe: HTMLIFrameElement, options: BrowserHostOptions): () => void {
  return serveBridge(createIframeTransport(iframe), createBrowserHostHandlers(options));
}
