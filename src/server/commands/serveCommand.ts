import os from "node:os";
import type { FastifyInstance } from "fastify";
import type { Backend } from "../backend.js";
import { buildDirector, PortInUseError } from "../backend.js";
import { loadConfig, type ServerConfig } from "../config.js";
import { FrameStore } from "../files/frameStore.js";
import { buildHttpApp } from "../http/app.js";
import { oidcSettingsFromEnv } from "../identity/oidcPairing.js";
import { trustProxyFromEnv } from "../identity/pairingRateLimit.js";
import { ArtifactLinks, resolveLinkSecret } from "../http/artifactLinks.js";
import type { KyselyStore } from "../ledger/kyselyStore.js";
import { STORE_VERSION } from "../ledger/storeMigrations.js";
import { jsonLog, loggableUrl, type JsonLog } from "../team/jsonLog.js";
import { watchFailedSteps } from "../team/failedSteps.js";
import { openTeamConnections } from "../team/teamConnections.js";
import { teamDatabaseUrl } from "../team/teamEnv.js";

/**
 * `retake serve`: one team-mode API process (run any number behind a load balancer). It answers
 * the panels, records jobs in the team database and puts their work on the step queue; it runs no
 * steps itself (`retake worker` does). Every /v1 route needs the editor's own token.
 *
 * It also watches the queue's failed steps (team/failedSteps.ts): a take whose step was given up is
 * failed in the ledger within RETAKE_FAILED_STEPS_CHECK_MS (default 5 s), so every take ends.
 *
 * GET /healthz: the process is up. GET /readyz: the database answers at this Retake's schema
 * version and the queue is started; 503 with the reason otherwise (take it out of the pool).
 */
export interface TeamApi {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

export async function startTeamApi(options: { env?: NodeJS.ProcessEnv; log?: JsonLog; webDir?: string } = {}): Promise<TeamApi> {
  const env = options.env ?? process.env;
  const databaseUrl = teamDatabaseUrl("serve", env);
  // Browser sign-in when the studio has an identity provider (RETAKE_OIDC_*); else admin-issued tokens only.
  const oidc = oidcSettingsFromEnv(env);
  const trustProxy = trustProxyFromEnv(env);
  const log = options.log ?? jsonLog({ role: "serve", pid: process.pid, host: os.hostname() });
  const config: ServerConfig = loadConfig(env, { harness: false, ...(options.webDir ? { webDir: options.webDir } : {}) });
  const text = (message: string) => log({ msg: message });

  // Enqueue only: this process never calls queue.work, so it runs no steps.
  const { store, events, queue } = await openTeamConnections(databaseUrl, log);
  let queueStarted = true;
  const { director, providers, comfyui } = buildDirector(config, { store, events, log: text, steps: queue });
  // The link secret is a file in the shared data dir, so a link signed by one API process opens on any.
  const links = new ArtifactLinks(resolveLinkSecret(config.dataDir));
  const backend: Backend = { config: { ...config, token: null }, ledger: store, frames: new FrameStore(store, config.dataDir), providers, events, director, links };
  const app = await buildHttpApp(backend, { team: { store, queue, ...(oidc ? { oidc } : {}), ...(trustProxy !== undefined ? { trustProxy } : {}) } });
  // A take whose step the queue gave up on is failed in the ledger (else it shows "running" for
  // ever); every API process watches, which is harmless: a take already ended is left alone.
  const failedStepsWatch = watchFailedSteps({
    queue,
    store,
    events,
    intervalMs: Number(env.RETAKE_FAILED_STEPS_CHECK_MS) || 5000,
    onFailed: (count) => log({ msg: "takes stopped on the studio service", level: "warn", takes: count, see: "GET /v1/admin/dead-letters" }),
    onError: (error) => log({ msg: "failed steps check trouble", level: "warn", error: error.message }),
  });

  // One line per request: who, what, how it went. No token: the query's token= is redacted and headers are not logged.
  app.addHook("onResponse", async (request, reply) => {
    log({
      msg: "request",
      method: request.method,
      url: loggableUrl(request.url),
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime),
      ...(request.user ? { user: request.user.user.name } : {}),
    });
  });
  app.get("/healthz", async () => ({ ok: true }));
  app.get("/readyz", async (_request, reply) => {
    const reason = await notReady(store, () => queueStarted);
    if (reason) return reply.code(503).send({ ok: false, reason });
    return { ok: true, schema: STORE_VERSION };
  });

  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    await failedStepsWatch.stop();
    await queue.close().catch(() => undefined);
    await events.close();
    comfyui.close();
    await store.close();
    if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") {
      throw new PortInUseError(`Port ${config.port} on ${config.host} is already taken (another retake serve?). Start this one with RETAKE_PORT=<another port>.`);
    }
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`;
  return {
    app,
    url,
    async close() {
      queueStarted = false;
      await app.close();
      await failedStepsWatch.stop();
      await queue!.close().catch(() => undefined);
      await events!.close();
      comfyui.close();
      await store.close();
    },
  };
}

/** Why this process should not get traffic, or undefined when it is ready. */
async function notReady(store: KyselyStore, queueStarted: () => boolean): Promise<string | undefined> {
  let version: number;
  try {
    version = await withTimeout(store.schemaVersion(), 2000);
  } catch (error) {
    return `the team database does not answer (${error instanceof Error ? error.message : String(error)})`;
  }
  if (version !== STORE_VERSION) return `the team database is at schema ${version}; this Retake needs ${STORE_VERSION} (restart to migrate, or update Retake)`;
  if (!queueStarted()) return "the step queue is not started (shutting down)";
  return undefined;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}

/** The CLI entry: starts, says where, and stops cleanly on SIGINT/SIGTERM. */
export async function serveCommand(options: { webDir: string }): Promise<number> {
  const log = jsonLog({ role: "serve", pid: process.pid, host: os.hostname() });
  const api = await startTeamApi({ log, webDir: options.webDir });
  log({ msg: "ready", url: api.url, dataDir: loadConfig(process.env).dataDir });
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  log({ msg: "stopping" });
  await api.close();
  return 0;
}
