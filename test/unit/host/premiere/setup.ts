import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createBridgeClient, serveBridge, type BridgeTransport } from "../../../../src/core/bridge/index.js";
import { createPremiereHost } from "../../../../src/host/premiere/createPremiereHost.js";
import { withTimeouts } from "../../../../src/host/premiere/handlerTimeouts.js";
import type { BridgeMethod } from "../../../../src/core/schemas/bridge.js";
import type { ImportTimings } from "../../../../src/host/premiere/importTake.js";
import { createFakePremiere, type FakeOptions } from "./fake/fakePremiere.js";
import { createFakeUxp } from "./fake/fakeUxp.js";
import { createNodeUxpFs } from "./fake/nodeUxpFs.js";

/**
 * A Premiere host wired to the fakes and to a real backend, driven through the real bridge (client
 * ↔ serveBridge over an in-process transport), so tests see exactly what the panel would.
 */
export async function setupHost(
  opts: {
    backendUrl?: string;
    backendToken?: string;
    fake?: FakeOptions;
    readOnly?: boolean;
    pickedFolder?: "missing";
    /** The manifest's localFileSystem permission the fake fs enforces (the committed manifest's by default). */
    permission?: "plugin" | "request" | "fullAccess";
    /** Host-side deadlines (the shell's withTimeouts); none by default. */
    timeouts?: Partial<Record<BridgeMethod, number>>;
    importSettleMs?: number;
    /** How long host.context trusts its last full description (5 s by default). */
    contextMaxAgeMs?: number;
  } = {},
) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "retake-premiere-"));
  const projectDir = path.join(root, "project");
  fs.mkdirSync(projectDir);
  const uxpFs = createNodeUxpFs({ root, readOnly: opts.readOnly ? [projectDir] : [], ...(opts.permission ? { permission: opts.permission } : {}) });
  const fake = createFakePremiere({ projectPath: path.join(projectDir, "Edit.prproj"), ...opts.fake });
  const { uxp, store, lose, picker, opened, consent } = createFakeUxp(uxpFs);
  const timings: ImportTimings[] = [];
  const host = createPremiereHost({
    ppro: fake.ppro,
    uxp,
    fs: uxpFs,
    onImportTimings: (t) => timings.push(t),
    ...(opts.importSettleMs === undefined ? {} : { importSettleMs: opts.importSettleMs }),
    ...(opts.contextMaxAgeMs === undefined ? {} : { contextMaxAgeMs: opts.contextMaxAgeMs }),
  });
  const handlers = opts.timeouts ? withTimeouts(host, opts.timeouts) : host;
  if (opts.backendUrl) await handlers["host.secrets.set"]!({ key: "backend.url", value: opts.backendUrl });
  if (opts.backendToken) await handlers["host.secrets.set"]!({ key: "backend.token", value: opts.backendToken });
  if (opts.pickedFolder === "missing") await handlers["host.secrets.set"]!({ key: "premiere.mediaFolderToken", value: "token-of-a-deleted-folder" });

  const [a, b] = pipePair();
  const stop = serveBridge(a, handlers);
  const client = createBridgeClient(b);
  return {
    root,
    projectDir,
    mediaDir: path.join(projectDir, "Retake Media"),
    fs: uxpFs,
    fake,
    uxp,
    store,
    lose,
    picker,
    opened,
    consent,
    handlers,
    client,
    timings,
    cleanup() {
      stop();
      client.dispose();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Two transports joined back to back, JSON round-tripping each message like postMessage does. */
export function pipePair(): [BridgeTransport, BridgeTransport] {
  const listeners: [Set<(m: unknown) => void>, Set<(m: unknown) => void>] = [new Set(), new Set()];
  const end = (me: 0 | 1): BridgeTransport => ({
    send: (message) => {
      const copy = JSON.parse(JSON.stringify(message));
      queueMicrotask(() => listeners[me === 0 ? 1 : 0].forEach((l) => l(copy)));
    },
    onMessage: (listener) => {
      listeners[me].add(listener);
      return () => listeners[me].delete(listener);
    },
  });
  return [end(0), end(1)];
}

export function listFiles(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
}
