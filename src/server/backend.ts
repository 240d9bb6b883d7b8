import { createJudge } from "./critic/judge/createJudge.js";
import type { FastifyInstance } from "fastify";
import type { ServerConfig } from "./config.js";
import { Director, type DirectorDeps } from "./director/director.js";
import { JobEvents } from "./director/jobEvents.js";
import { FrameStore } from "./files/frameStore.js";
import { SimulatedProject } from "./harness/simulatedProject.js";
import { buildHttpApp } from "./http/app.js";
import { startLoopbackTls } from "./http/loopbackTls.js";
import type { HttpLogSetting } from "./http/httpLog.js";
import { ArtifactLinks, resolveLinkSecret } from "./http/artifactLinks.js";
import { resolveToken } from "./http/security.js";
import type { Store } from "./ledger/store.js";
import { openStore } from "./ledger/openStore.js";
import { FalProvider } from "./providers/fal/falProvider.js";
import { ComfyUIProvider } from "./providers/comfyui/comfyuiProvider.js";
import { LumaProvider } from "./providers/luma/lumaProvider.js";
import { PrevizProvider } from "./providers/previz/previzProvider.js";
import { RunwayProvider } from "./providers/runway/runwayProvider.js";
import { ProviderRegistry } from "./providers/provider.js";

/** Composition root: every long-lived part of the backend, wired once. */
export interface Backend {
  config: ServerConfig;
  /** The ledger as a `Store`: every frame, job, take and artifact (the SQLite file in embedded mode). */
  ledger: Store;
  frames: FrameStore;
  providers: ProviderRegistry;
  events: JobEvents;
  director: Director;
  project?: SimulatedProject;
  /** Signs and checks the short-lived artifact links the panel opens in the system browser. */
  links: ArtifactLinks;
}

/** How long a stopping backend waits for takes in flight to record what they are doing. */
const SETTLE_ON_CLOSE_MS = 5_000;

export class PortInUseError extends Error {
  override name = "PortInUseError";
}

export interface RunningBackend extends Backend {
  app: FastifyInstance;
  url: string;
  /** The same API over HTTPS on loopback, when `retake cert` made a certificate (Premiere on macOS). */
  tlsUrl?: string;
  close(): Promise<void>;
}

/** Every provider, with keys and settings from the config (the service's env in team mode). */
/**
 * The providers and the director over them, the same in every process that runs or starts takes
 * (the embedded backend, `retake serve`, `retake worker`); what differs is passed in: the store,
 * how events travel, who runs steps, where the critic runs.
 */
export function buildDirector(
  config: ServerConfig,
  parts: Pick<DirectorDeps, "store" | "events" | "steps" | "critique"> & { log: (line: string) => void },
): { director: Director; providers: ProviderRegistry; comfyui: ComfyUIProvider } {
  const { luma, runway, fal, comfyui: comfyConfig } = config.providers;
  const comfyui = new ComfyUIProvider(comfyConfig);
  const providers = new ProviderRegistry([new PrevizProvider(), new LumaProvider(luma), new RunwayProvider(runway), new FalProvider({ ...fal, log: parts.log }), comfyui]);
  const silenceTimeoutMs = Math.min(luma.silenceTimeoutMs ?? Infinity, runway.silenceTimeoutMs ?? Infinity, fal?.silenceTimeoutMs ?? Infinity);
  const director = new Director({
    ...parts,
    providers,
    dataDir: config.dataDir,
    budget: config.budget,
    judge: createJudge(config.judge),
    ...(Number.isFinite(silenceTimeoutMs) ? { silenceTimeoutMs } : {}),
  });
  return { director, providers, comfyui };
}

export async function startBackend(config: ServerConfig, options: { log?: (line: string) => void; httpLog?: HttpLogSetting } = {}): Promise<RunningBackend> {
  const log = options.log ?? (() => undefined);
  // The token is settled before anything listens: a backend never runs open by accident.
  const token = resolveToken(config.token, config.dataDir);
  if (token && config.token === undefined) log("API token: see the file \"token\" in the data dir.");
  config = { ...config, token };
  const links = new ArtifactLinks(resolveLinkSecret(config.dataDir));
  const store: Store = await openStore({ dataDir: config.dataDir });
  const frames = new FrameStore(store, config.dataDir);
  const events = new JobEvents();
  const { director, providers, comfyui } = buildDirector(config, { store, events, log });
  let project: SimulatedProject | undefined;
  try {
    if (config.harness) {
      project = new SimulatedProject(config.dataDir, { store, frames, token: config.token ?? undefined });
      await project.prepare();
    }
  } catch (error) {
    comfyui.close();
    await store.close();
    throw error;
  }
  const backend: Backend = { config, ledger: store, frames, providers, events, director, project, links };
  const app = await buildHttpApp(backend, { logger: options.httpLog });
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    comfyui.close();
    await store.close();
    if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") {
      throw new PortInUseError(
        `Port ${config.port} on ${config.host} is already taken (is another Retake backend running?). Stop it, or start with RETAKE_PORT=<another port>.`,
      );
    }
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`;
  // The TLS port is RETAKE_HTTPS_PORT, else the next one (5177 → 5178), or random when the plain one is (tests).
  const tls = await startLoopbackTls(app, { host: config.host, port: config.port, ...(config.httpsPort ? { httpsPort: config.httpsPort } : {}), dataDir: config.dataDir, log });
  const resumed = await director.resumeUnfinished();
  if (resumed > 0) log(`Resumed ${resumed} unfinished take(s) from the ledger.`);
  return {
    ...backend,
    app,
    url,
    ...(tls ? { tlsUrl: tls.url } : {}),
    async close() {
      director.stopAll();
      // Let in-flight provider answers (a submit's generation id above all) reach the ledger.
      await Promise.all([director.settle(SETTLE_ON_CLOSE_MS), app.close(), tls?.close()]);
      comfyui.close();
      await store.close();
    },
  };
}
