import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll } from "vitest";
import { createBridgeClient, serveBridge } from "../../../../src/core/bridge/index.js";
import { createAfterEffectsHost } from "../../../../src/host/aftereffects/createAfterEffectsHost.js";
import type { AeFs } from "../../../../src/host/aftereffects/exrDownload.js";
import { startTestBackend } from "../../../helpers/backend.js";
import { bridgePipe } from "../../../helpers/bridgePipe.js";
import { createFakeUxp } from "../premiere/fake/fakeUxp.js";
import { createNodeUxpFs } from "../premiere/fake/nodeUxpFs.js";
import { createFakeAfterEffects, type FakeAeOptions } from "./fake/fakeAfterEffects.js";

/**
 * An After Effects host wired to the fake `aftereffects` module, the UXP fakes (real files in a
 * temp dir) and a real backend, driven through the real bridge, so tests see what the panel sees.
 */
export async function setupAeHost(opts: { backendUrl?: string; backendToken?: string; fake?: FakeAeOptions; readOnly?: boolean; unsaved?: boolean; renderTimeoutMs?: number } = {}) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "retake-ae-"));
  const projectDir = path.join(root, "project");
  fs.mkdirSync(projectDir);
  const nodeFs = createNodeUxpFs({ root, readOnly: opts.readOnly ? [projectDir] : [] });
  // UXP's fs has rmdir too (the EXR sequence folder); the shared fake fs stops at what Premiere uses.
  const uxpFs: AeFs & typeof nodeFs = Object.assign(nodeFs, { rmdir: async (url: string) => fs.rmdirSync(nodeFs.native(url)) });
  const fake = createFakeAfterEffects({ projectFile: opts.unsaved ? "" : path.join(projectDir, "Promo.aep"), ...opts.fake });
  const { uxp, store, picker } = createFakeUxp(uxpFs);
  const handlers = createAfterEffectsHost({ ae: fake.ae, uxp, fs: uxpFs, ...(opts.renderTimeoutMs ? { renderTimeoutMs: opts.renderTimeoutMs } : {}) });
  if (opts.backendUrl) await handlers["host.secrets.set"]!({ key: "backend.url", value: opts.backendUrl });
  if (opts.backendToken) await handlers["host.secrets.set"]!({ key: "backend.token", value: opts.backendToken });

  const [hostEnd, panelEnd] = bridgePipe();
  const stop = serveBridge(hostEnd, handlers);
  const client = createBridgeClient(panelEnd);
  return {
    root,
    projectDir,
    mediaDir: path.join(projectDir, "Retake Media"),
    fs: uxpFs,
    fake,
    uxp,
    store,
    picker,
    handlers,
    client,
    cleanup() {
      stop();
      client.dispose();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Everything in a folder, recursively, as relative paths (what an import left on disk). */
export function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, encoding: "utf8" }).sort();
}

type Backend = Awaited<ReturnType<typeof startTestBackend>>;
type Env = Awaited<ReturnType<typeof setupAeHost>>;

/**
 * One real backend (token required) for a test file, started before its tests and closed after;
 * `host()` builds an After Effects host pointed at it, cleaned up after each test.
 */
export function aeTestBed(token: string, prepare?: (backend: Backend) => Promise<void>) {
  const bed = {
    backend: undefined as unknown as Backend,
    env: undefined as Env | undefined,
    async host(opts: Parameters<typeof setupAeHost>[0] = {}): Promise<Env> {
      bed.env?.cleanup();
      bed.env = await setupAeHost({ backendUrl: bed.backend.url, backendToken: token, ...opts });
      return bed.env;
    },
  };
  beforeAll(async () => {
    bed.backend = await startTestBackend({ token });
    await prepare?.(bed.backend);
  }, 120_000);
  afterAll(async () => {
    await bed.backend?.close();
  });
  afterEach(() => {
    bed.env?.cleanup();
    bed.env = undefined;
  });
  return bed;
}
