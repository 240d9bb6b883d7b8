import fs from "node:fs";
import vm from "node:vm";

/**
 * Runs a built shell.js the way UXP does: a classic script with a global `require` for the host's
 * modules, a document to put the <webview> in, and the plugin window the page's messages arrive
 * at. Used for both hosts' built shells (Premiere and After Effects).
 */
export function runBuiltShell(shellFile: string, modules: Record<string, unknown>) {
  const listeners: ((e: { data: unknown }) => void)[] = [];
  const elementListeners: ((e: { data: unknown }) => void)[] = [];
  const posted: unknown[] = [];
  const webview = {
    id: "",
    attrs: {} as Record<string, string>,
    style: {},
    setAttribute(k: string, v: string) {
      this.attrs[k] = v;
    },
    postMessage: (m: unknown) => posted.push(m),
    addEventListener: (_t: string, l: (e: { data: unknown }) => void) => elementListeners.push(l),
    removeEventListener: () => undefined,
  };
  const root = { children: [] as unknown[], textContent: "", appendChild(c: unknown) { this.children.push(c); } };
  vm.runInNewContext(fs.readFileSync(shellFile, "utf8"), {
    require: (name: string) => modules[name],
    document: { getElementById: () => root, body: root, createElement: () => webview },
    window: { addEventListener: (_t: string, l: (e: { data: unknown }) => void) => listeners.push(l), removeEventListener: () => undefined },
    setTimeout,
    clearTimeout,
    // UXP has AbortController (uxp-hosts research, "Network"); the shell's deadlines use it.
    AbortController,
    queueMicrotask,
    console,
  });
  return {
    root,
    webview,
    posted,
    /**
     * The page posts a JSON string through window.uxpHost; the answer arrives on the webview.
     * Where UXP delivers it is unconfirmed (window or the element), so a test picks, or both.
     */
    async request(message: { id: string; method: string; params: unknown }, settleMs = 50, on: "window" | "webview" | "both" = "window") {
      if (on !== "webview") for (const l of listeners) l({ data: JSON.stringify(message) });
      if (on !== "window") for (const l of elementListeners) l({ data: JSON.stringify(message) });
      await new Promise((r) => setTimeout(r, settleMs));
      return posted.find((m) => (m as { id?: string }).id === message.id);
    },
  };
}

/** UXP's fs module as the shell receives it: the named functions of a promise-form fs. */
export function fsModuleOf(uxpFs: object, names: string[]): Record<string, unknown> {
  return Object.fromEntries(names.map((k) => [k, (uxpFs as Record<string, unknown>)[k]]));
}
