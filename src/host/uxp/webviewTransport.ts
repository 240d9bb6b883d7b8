import type { BridgeTransport } from "../../core/bridge/index.js";
import { HostErrorCode } from "./errors.js";

/** The UXP `<webview>` element's side we use: postMessage to the page. */
export interface WebviewLike {
  postMessage(message: unknown): void;
}

/**
 * Where the page's `window.uxpHost.postMessage` arrives. Adobe's pages disagree: the
 * HTMLWebViewElement reference says the plugin's `window`, the manifest page and bolt-uxp (a
 * shipping Premiere webview framework) listen on the webview element. The shell listens on both.
 */
export interface MessageTarget {
  addEventListener(type: "message", listener: (event: { data: unknown }) => void): void;
  removeEventListener(type: "message", listener: (event: { data: unknown }) => void): void;
}

/**
 * Bridge messages stay small: frames and media go through files and HTTP. A message over this is
 * a bug (someone put pixels in it); it is refused rather than pushed through a webview channel
 * whose size limit is unknown (docs/premiere.md, live checks).
 */
export const MAX_MESSAGE_CHARS = 256 * 1024;

/**
 * The shell's side of the bridge. UXP documents webview messages as JSON-stringified, so both
 * strings and objects are accepted coming in; going out, an object is posted as is.
 */
export function createWebviewTransport(webview: WebviewLike, target: MessageTarget | MessageTarget[], maxChars = MAX_MESSAGE_CHARS): BridgeTransport {
  const targets = Array.isArray(target) ? target : [target];
  return {
    send(message) {
      const text = JSON.stringify(message);
      if (text.length > maxChars) {
        const id = message && typeof message === "object" && "id" in message ? String((message as { id: unknown }).id) : undefined;
        if (!id) return;
        webview.postMessage({
          id,
          error: { code: HostErrorCode.internal, message: `The host's answer was ${Math.round(text.length / 1024)} KB, over the bridge's ${Math.round(maxChars / 1024)} KB limit; media must travel as files.` },
        });
        return;
      }
      webview.postMessage(message);
    },
    onMessage(listener) {
      // A message seen on two targets is one request: the host must not import a take twice.
      const seen = new RecentIds();
      const handler = (event: { data: unknown }) => {
        let data = event.data;
        if (typeof data === "string") {
          if (data.length > maxChars) return;
          try {
            data = JSON.parse(data);
          } catch {
            return;
          }
        }
        const id = data && typeof data === "object" && "id" in data && "method" in data ? String((data as { id: unknown }).id) : undefined;
        if (id !== undefined && !seen.add(id)) return;
        listener(data);
      };
      for (const t of targets) t.addEventListener("message", handler);
      return () => {
        for (const t of targets) t.removeEventListener("message", handler);
      };
    },
  };
}

/** The last request ids seen (bounded: ids are unique per request, so a few hundred is plenty). */
class RecentIds {
  private readonly ids = new Set<string>();
  constructor(private readonly limit = 512) {}
  /** False when the id was already seen. */
  add(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size > this.limit) this.ids.delete(this.ids.values().next().value as string);
    return true;
  }
}
