import Fastify, { type FastifyInstance } from "fastify";
import { sendError } from "../../src/server/http/errors.js";
import type { TrustProxy } from "../../src/server/identity/pairingRateLimit.js";
import { registerTeamHttp, type TeamHttpOptions } from "../../src/server/identity/teamHttp.js";
import { ServiceError } from "../../src/server/serviceError.js";

/**
 * A Fastify app with team mode's HTTP parts (as app.ts will register them) and app.ts's error
 * answer, plus one protected route, GET /v1/whoami, that says who the request's token belongs to.
 */
export async function buildTeamApp(options: TeamHttpOptions & { trustProxy?: TrustProxy }): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, ...(options.trustProxy !== undefined ? { trustProxy: options.trustProxy } : {}) });
  // Every route as registered (as app.ts keeps them), so a test can hold the OpenAPI paths to them.
  const routes: Array<{ method: string; url: string }> = [];
  app.addHook("onRoute", (route) => {
    for (const method of [route.method].flat()) routes.push({ method: String(method), url: route.url });
  });
  app.decorate("teamRoutes", routes);
  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof ServiceError) return sendError(reply, error.status, error.code, error.message, error.field);
    const err = error as { statusCode?: number; code?: string; message?: string };
    if (err.statusCode && err.statusCode < 500) return sendError(reply, err.statusCode, err.code ?? "bad_request", err.message ?? "");
    return sendError(reply, 500, "internal", err.message ?? "Internal error");
  });
  registerTeamHttp(app, options);
  app.get("/v1/whoami", async (request) => ({ name: request.user?.user.name, admin: request.user?.user.admin, tokenId: request.user?.token.id }));
  await app.ready();
  return app;
}
