import { registerProjectRoutes } from "./routes/projectRoutes.js";
import fs from "node:fs";
import path from "node:path";
import fastifyMultipart from "@fastify/multipart";
import fastifyStatic from "@fastify/static";
import Fastify, { type FastifyInstance } from "fastify";
import { ServiceError } from "../serviceError.js";
import type { Backend } from "../backend.js";
import { EstimateRequest, UpconvertRequest, UpscaleRequest } from "../../core/schemas/index.js";
import { parseOr400, sendError } from "./errors.js";
import { createdByOf } from "./requestUser.js";
import { buildOpenApi } from "./openapi.js";
import { httpLoggerOptions, type HttpLogSetting } from "./httpLog.js";
import { registerSecurity } from "./security.js";
import { registerArtifactRoutes } from "./routes/artifactRoutes.js";
import { registerConformRoutes } from "./routes/conformRoutes.js";
import { registerFrameRoutes } from "./routes/frameRoutes.js";
import { registerHarnessRoutes } from "./routes/harnessRoutes.js";
import { registerJobRoutes } from "./routes/jobRoutes.js";
import { registerTeamHttp } from "../identity/teamHttp.js";
import type { OidcSettings } from "../identity/oidcPairing.js";
import type { TrustProxy } from "../identity/pairingRateLimit.js";
import type { TeamStore } from "../ledger/store.js";
import type { FailedStepQueue } from "../team/failedSteps.js";
import { registerFalWebhookRoute } from "../providers/fal/falWebhookRoute.js";

export const VERSION = "0.1.0";

/** The backend's HTTP face: `/v1` (DESIGN.md), the harness routes, and the built web pages. */
export interface HttpAppOptions {
  /** Fastify's request log (off unless asked for); `?token=` never reaches it (httpLog.ts). */
  logger?: HttpLogSetting;
  /**
   * Team mode (`retake serve`): each editor's own token on every /v1 route in place of the single
   * embedded token, sign-in and admin routes, and their OpenAPI paths. Absent in embedded mode.
   */
  team?: {
    store: TeamStore;
    oidc?: OidcSettings;
    /** Proxies whose X-Forwarded-For/-Proto to believe (RETAKE_TRUST_PROXY; pairingRateLimit.ts). Unset: none. */
    trustProxy?: TrustProxy;
    /** The step queue (`retake serve` opens it): the admin's failed steps, listed and redriven. */
    queue?: FailedStepQueue;
  };
}

export async function buildHttpApp(backend: Backend, options: HttpAppOptions = {}): Promise<FastifyInstance> {
  const { config, ledger: store, director, events, frames, providers, project, links } = backend;
  const app = Fastify({
    logger: httpLoggerOptions(options.logger),
    bodyLimit: 2 * 1024 * 1024,
    ...(options.team?.trustProxy !== undefined ? { trustProxy: options.team.trustProxy } : {}),
  });
  // Every route as registered, so a test can hold the OpenAPI document to all of them.
  const routes: string[] = [];
  app.addHook("onRoute", (route) => {
    routes.push(route.url);
  });
  app.decorate("registeredRoutes", routes);
  await app.register(fastifyMultipart);

  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof ServiceError) {
      return sendError(reply, error.status, error.code, error.message, error.field);
    }
    const err = error as { statusCode?: number; code?: string; message?: string };
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      // Fastify's own rejections (bad JSON, body too large): say what was wrong.
      return sendError(reply, err.statusCode, err.code ?? "bad_request", err.message ?? "Bad request");
    }
    app.log.error(error);
    return sendError(reply, 500, "internal", err.message ?? "Internal error");
  });

  // Host, Origin, CORS and token checks (see security.ts), before any route runs.
  // In team mode security.ts keeps Host/Origin/CORS and the team hook checks each editor's token.
  registerSecurity(app, { host: config.host, token: options.team ? null : (config.token ?? null), allowedOrigins: config.allowedOrigins, links });
  if (options.team) {
    registerTeamHttp(app, {
      team: options.team.store,
      ledger: store,
      links,
      ...(options.team.oidc ? { oidc: options.team.oidc } : {}),
      ...(options.team.queue ? { failedSteps: { queue: options.team.queue, ledger: store, events } } : {}),
    });
  }

  app.get("/v1/health", async () => ({ ok: true, version: VERSION }));
  app.get("/v1/providers", async () => ({ providers: providers.list() }));
  app.get("/v1/openapi.json", async () => buildOpenApi(VERSION, { team: Boolean(options.team) }));
  // Cost and budgets: estimate before submit, spend totals, and retrying a failed paid take.
  app.post("/v1/estimate", async (request) => director.estimate(parseOr400(EstimateRequest, request.body, "Estimate request"), createdByOf(request)));
  app.get("/v1/spend", async () => director.spend());
  app.post<{ Params: { id: string } }>("/v1/takes/:id/retry", async (request) => director.retryTake(request.params.id));
  app.post<{ Params: { id: string } }>("/v1/takes/:id/upconvert", async (request, reply) =>
    reply.code(201).send(await director.upconvertTake(request.params.id, parseOr400(UpconvertRequest, request.body ?? {}, "Upconvert request"), createdByOf(request))),
  );
  app.post<{ Params: { id: string } }>("/v1/takes/:id/upscale", async (request, reply) =>
    reply.code(201).send(await director.upscaleTake(request.params.id, parseOr400(UpscaleRequest, request.body ?? {}, "Upscale request"), createdByOf(request))),
  );
  registerFrameRoutes(app, { store, frames });
  registerJobRoutes(app, { store, director, events });
  registerArtifactRoutes(app, { store, links });
  registerProjectRoutes(app, { store, director });
  registerConformRoutes(app, { store, dataDir: config.dataDir, events });
  if (project) registerHarnessRoutes(app, { project });
  await registerFalWebhookRoute(app, providers);

  // The built pages: the panel at /panel/, the harness at /.
  const webDir = config.webDir;
  if (fs.existsSync(path.join(webDir, "ui", "index.html"))) {
    await app.register(fastifyStatic, { root: webDir, prefix: "/static/", index: false });
    app.get("/panel", async (_req, reply) => reply.redirect("/panel/"));
    app.get("/panel/*", async (request, reply) => {
      const rest = (request.params as { "*": string })["*"] || "index.html";
      return reply.sendFile(path.join("ui", rest));
    });
    app.get("/assets/*", async (request, reply) => reply.sendFile(path.join("assets", (request.params as { "*": string })["*"])));
    if (project) app.get("/", async (_req, reply) => reply.sendFile(path.join("host", "browser", "index.html")));
    app.get("/host/*", async (request, reply) => reply.sendFile(path.join("host", (request.params as { "*": string })["*"])));
  } else {
    app.get("/", async (_req, reply) =>
      reply.type("text/plain").send("The Retake UI is not built. Run `npm start` (it builds the UI) or `npm run build`."),
    );
  }
  return app;
}
