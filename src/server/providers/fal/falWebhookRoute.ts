import type { FastifyInstance } from "fastify";
import type { ProviderRegistry } from "../provider.js";
import { FalProvider } from "./falProvider.js";

/** Where fal delivers: outside /v1 (fal has no Retake token); the Ed25519 signature is the check. */
export const FAL_WEBHOOK_PATH = "/fal/webhook";

/**
 * POST /fal/webhook: a verified delivery is kept once per request id (a repeat answers 200 and
 * changes nothing); an unsigned, stale or forged one is refused, so fal's retries stop only for
 * deliveries we accepted. Registered only when FAL_WEBHOOK_URL is set.
 */
export async function registerFalWebhookRoute(app: FastifyInstance, providers: ProviderRegistry): Promise<void> {
  const fal = providers.get("fal");
  if (!(fal instanceof FalProvider) || !fal.webhookUrl) return;
  await app.register(async (scope) => {
    // The signature covers the exact bytes: keep the body raw here (this scope only).
    scope.addContentTypeParser("application/json", { parseAs: "buffer" }, (_request, body, done) => done(null, body));
    scope.post(FAL_WEBHOOK_PATH, async (request, reply) => {
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.from(typeof request.body === "string" ? request.body : "");
      const verdict = await fal.webhooks.receive(request.headers, body);
      if (!verdict.ok) return reply.code(verdict.status).send({ error: { code: "webhook_refused", message: verdict.reason } });
      return reply.code(200).send({ ok: true, duplicate: verdict.duplicate });
    });
  });
}
