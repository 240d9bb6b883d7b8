import { readFileSync } from "node:fs";
import type { UxpApi, UxpFolder } from "../../../../../src/host/uxp/types.js";
import type { NodeUxpFs } from "./nodeUxpFs.js";

/**
 * `require("uxp")` for tests: the temp folder from the fake fs, persistent tokens for picked
 * folders, and secureStorage holding bytes (getItem answers a Uint8Array, as UXP does, so the
 * adapter must decode without TextDecoder). `lose()` simulates an OS account change.
 */
export function createFakeUxp(fs: NodeUxpFs, folders: Record<string, UxpFolder> = {}) {
  const store = new Map<string, Uint8Array>();
  /** What the OS folder picker answers next (null: the editor cancels). */
  const picker: { next: UxpFolder | null } = { next: null };
  /** Every URL `shell.openExternal` was asked to open (and allowed to). */
  const opened: string[] = [];
  /** The consent prompt's words for each of those (UXP shows them before the browser opens). */
  const consent: string[] = [];
  const uxp: UxpApi = {
    // UXP refuses a scheme the manifest's launchProcess does not list; the fake reads the real
    // manifest.json, so dropping the permission there fails the tests. (The exact refusal is
    // undocumented: a rejected promise here.)
    shell: {
      openExternal: async (url, message) => {
        const scheme = new URL(url).protocol.replace(/:$/, "");
        if (!launchSchemes().includes(scheme)) throw new Error(`Permission denied: manifest launchProcess does not allow "${scheme}"`);
        opened.push(url);
        consent.push(String(message ?? ""));
        return "";
      },
    },
    storage: {
      localFileSystem: {
        getTemporaryFolder: async () => fs.tempFolder,
        getEntryForPersistentToken: async (token) => {
          const folder = folders[token];
          if (!folder) throw new ReferenceError("token is not defined");
          return folder;
        },
        // A picked folder's url is whatever UXP makes of it (undocumented): percent-encoded here,
        // so only its nativePath can be trusted.
        getFolder: async () => (picker.next ? { ...picker.next, url: encodedUrl(picker.next.nativePath) } : picker.next),
        createPersistentToken: async (entry) => {
          const token = `token-${Object.keys(folders).length + 1}`;
          folders[token] = entry;
          return token;
        },
      },
    },
    secureStorage: {
      // Which bytes a string becomes is undocumented: the fake picks UTF-16LE, so an adapter that
      // hands over strings and decodes UTF-8 reads back garbage here, as it might in UXP.
      setItem: async (key, value) => {
        store.set(key, typeof value === "string" ? utf16le(value) : new Uint8Array(value instanceof ArrayBuffer ? value : value.slice().buffer));
      },
      getItem: async (key) => {
        const v = store.get(key);
        if (!v) throw new Error(`no item ${key}`);
        return v;
      },
      removeItem: async (key) => void store.delete(key),
    },
  };
  return { uxp, store, picker, opened, consent, lose: () => store.clear() };
}

function launchSchemes(): string[] {
  const manifest = JSON.parse(readFileSync(new URL("../../../../../manifest.json", import.meta.url), "utf8")) as {
    requiredPermissions?: { launchProcess?: { schemes?: string[] } };
  };
  return manifest.requiredPermissions?.launchProcess?.schemes ?? [];
}

function utf16le(text: string): Uint8Array {
  const out = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    out[i * 2] = c & 0xff;
    out[i * 2 + 1] = c >> 8;
  }
  return out;
}

function encodedUrl(nativePath: string): string {
  return `file://${nativePath.split("/").map(encodeURIComponent).join("/")}`;
}
