import Fastify, { type FastifyInstance } from "fastify";
import { sendError } from "../../src/server/http/errors.js";
import { registerTeamHttp, type TeamHttpOptions } from "../../src/server/identity/teamHttp.js";
import { ServiceError } from "../../src/server/serviceError.js";

/**
 * A studio service for the panel's e2e tests, until `retake serve` (team mode's API process) is
 * on main: team mode's real HTTP parts (per-user token check, browser sign-in, `/v1/me`, admin
 * API) in front of an embedded backend, to which every other `/v1` request is passed on with
 * that backend's own token once the editor's token was accepted. So the panel signs in and then
 * captures, draws and estimates as it would against a studio service.
 *
 * It listens on its own port; the panel's page comes from the embedded backend's origin, so it
 * answers CORS for that origin (as security.ts does for the real service).
 */
export interface TeamServiceStandIn {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

export async function startTeamServiceStandIn(
  options: TeamHttpOptions & { upstream: { url: string; token: string | null | undefined }; panelOrigin: string },
): Promise<TeamServiceStandIn> {
  const app = Fastify({ logger: false });
  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof ServiceError) return sendError(reply, error.status, error.code, error.message, error.field);
    const err = error as { statusCode?: number; code?: string; message?: string };
    return sendError(reply, err.statusCode ?? 500, err.code ?? "internal", err.message ?? "Internal error");
  });
  // CORS for the panel's origin, before the team auth hook (which lets OPTIONS through).
  app.addHook("onRequest", async (request, reply) => {
    if (request.headers.origin === options.panelOrigin) {
      reply.header("Access-Control-Allow-Origin", options.panelOrigin).header("Vary", "Origin");
      if (request.method === "OPTIONS") {
        return reply
          .header("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE")
          .header("Access-Control-Allow-Headers", "Authorization, Content-Type, Accept")
          .code(204)
          .send();
      }
    }
  });
  registerTeamHttp(app, options);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer" }, (_request, body, done) => done(null, body));

  const forward = async (request: import("fastify").FastifyRequest, reply: import("fastify").FastifyReply) => {
    const target = new URL(request.url, options.upstream.url);
    target.searchParams.delete("token"); // the editor's token stops here; upstream gets its own
    if (options.upstream.token) target.searchParams.set("token", options.upstream.token);
    const hasBody = request.method !== "GET" && request.method !== "HEAD";
    const answer = await fetch(target, {
      method: request.method,
      headers: {
        ...(request.headers["content-type"] ? { "content-type": String(request.headers["content-type"]) } : {}),
        accept: String(request.headers.accept ?? "*/*"),
      },
      body: hasBody && request.body ? new Uint8Array(request.body as Buffer) : undefined,
    });
    reply.code(answer.status);
    for (const name of ["content-type", "cache-control", "retry-after"]) {
      const value = answer.headers.get(name);
      if (value) reply.header(name, value);
    }
    return reply.send(Buffer.from(await answer.arrayBuffer()));
  };
  app.all("/v1/*", forward);

  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return { app, url: `http://127.0.0.1:${port}`, close: () => app.close() };
}
