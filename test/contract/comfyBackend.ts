import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startBackend } from "../../src/server/backend.js";
import { loadConfig, type ProviderTuning } from "../../src/server/config.js";
import { TOKEN, type TestBackend } from "./providerHarness.js";

/** What a ComfyUI contract test may tune: the servers' timings and a workflows folder of its own. */
/** `dataDir`: start on an earlier backend's data (a restart); a new temporary folder otherwise. */
export type ComfyTuning = Pick<ProviderTuning, "silenceTimeoutMs"> & { workflowsDir?: string; dataDir?: string };

/**
 * A real backend (token on) whose only usable provider is ComfyUI at `urls` (the stand-ins of
 * test/helpers/comfyStandIn.ts); the hosted providers point at hosts that do not exist. Fast polls
 * and a 2 s request timeout keep the contract tests quick.
 */
export async function startComfyBackend(urls: string | string[], tuning: ComfyTuning = {}): Promise<TestBackend> {
  const dataDir = tuning.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "retake-"));
  const config = loadConfig(
    {},
    {
      port: 0,
      dataDir,
      harness: false,
      token: TOKEN,
      providers: {
        luma: { baseUrl: "https://luma.invalid/v1" },
        runway: { baseUrl: "https://runway.invalid" },
        comfyui: {
          url: [urls].flat().join(","),
          pollIntervalMs: 20,
          timeoutMs: 2000,
          ...(tuning.silenceTimeoutMs !== undefined ? { silenceTimeoutMs: tuning.silenceTimeoutMs } : {}),
          ...(tuning.workflowsDir ? { workflowsDir: tuning.workflowsDir } : {}),
        },
      },
    },
  );
  return Object.assign(await startBackend(config), { dataDir });
}
