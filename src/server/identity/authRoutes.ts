import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ServiceError } from "../serviceError.js";
import { AuthError } from "./authenticate.js";
import { confirmationCode } from "./confirmationCode.js";
import { sendError } from "../http/errors.js";
import { CONFIRM_COOKIE, OidcPairing, PAIR_COOKIE, PAIRING_TTL_MS } from "./oidcPairing.js";
import { TooManySignIns } from "./pairingRateLimit.js";

/**
 * The panel's browser sign-in over HTTP (see oidcPairing.ts for the flow):
 *   POST /v1/auth/pairings              → 201 { code, signInUrl, expiresAt, confirmation }; 429 + Retry-After when one address starts too many
 *   GET  /auth/login?pair=CODE          → a page showing the confirmation code: "Continue only if your panel shows this code"
 *   GET  /auth/continue?pair=CODE       → 302 to the identity provider (only from that page: a SameSite=Strict cookie)
 *   GET  /auth/callback                 → a page: "Signed in as … Check that Premiere shows XXXX-XXXX"
 *   POST /v1/auth/pairings/:code/claim  → 200 { token, user } once; 202 pending; 410 expired/used
 *   GET  /v1/me                         → { user: { id, name, admin } } for the request's token
 * Without an identity provider, the pairing routes answer 501 saying to ask an admin for a token.
 */
export function registerAuthRoutes(app: FastifyInstance, options: { pairing: OidcPairing | undefined }): void {
  const pairing = (): OidcPairing => {
    if (!options.pairing) {
      throw new ServiceError(501, "sign_in_unavailable", "This Retake service has no identity provider for browser sign-in: ask an admin for a token (`retake token create --user NAME`).");
    }
    return options.pairing;
  };

  app.post("/v1/auth/pairings", async (request, reply) => {
    try {
      // request.ip: the socket's address, or the client's from X-Forwarded-For only behind a proxy RETAKE_TRUST_PROXY names.
      const created = await pairing().createPairing(requestBase(request), request.ip ?? "unknown");
      return reply.code(201).header("Cache-Control", "no-store").send(created);
    } catch (error) {
      if (error instanceof TooManySignIns) {
        return sendError(reply.header("Retry-After", String(error.retryAfterSeconds)), error.status, error.code, error.message);
      }
      throw error;
    }
  });

  app.post<{ Params: { code: string } }>("/v1/auth/pairings/:code/claim", async (request, reply) => {
    const result = await pairing().claim(request.params.code);
    reply.header("Cache-Control", "no-store");
    if (result.status === "pending") return reply.code(202).header("Retry-After", "2").send(result);
    return reply.code(200).send({ token: result.token, user: result.user });
  });

  // Who the panel's token belongs to (the team auth hook has checked it): "Signed in as …".
  app.get("/v1/me", async (request) => {
    const signedIn = request.user;
    if (!signedIn) throw new AuthError(401, "token_missing", "Sign in first: this Retake service needs your own token.");
    return { user: { id: signedIn.user.id, name: signedIn.user.name, admin: signedIn.user.admin } };
  });

  app.get<{ Querystring: { pair?: string } }>("/auth/login", async (request, reply) => {
    if (!options.pairing) return page(reply, 501, "Browser sign-in is not set up", "This Retake service has no identity provider. Ask your Retake admin for a token.");
    const code = request.query.pair;
    if (!code) return page(reply, 400, "Start from the panel", "This link needs its sign-in code. Start the sign-in from the Retake panel in Premiere.");
    try {
      const confirmation = await options.pairing.confirmation(code);
      const secure = requestBase(request).startsWith("https:") ? "; Secure" : "";
      reply.header(
        "Set-Cookie",
        `${CONFIRM_COOKIE}=${encodeURIComponent(code)}; Path=/auth/continue; Max-Age=${PAIRING_TTL_MS / 1000}; HttpOnly; SameSite=Strict${secure}`,
      );
      const next = `/auth/continue?pair=${encodeURIComponent(code)}`;
      return page(
        reply,
        200,
        "Sign in to Retake",
        "Your Retake panel in Premiere shows a code while it waits for this sign-in. Continue only if your panel shows this code; if it does not, someone else sent you this link: close this window.",
        undefined,
        `<p class="confirm" aria-label="Confirmation code">${escapeHtml(confirmation)}</p><p><a class="continue" href="${escapeHtml(next)}">Continue to sign in</a></p>`,
      );
    } catch (error) {
      return failurePage(reply, error);
    }
  });

  app.get<{ Querystring: { pair?: string } }>("/auth/continue", async (request, reply) => {
    if (!options.pairing) return page(reply, 501, "Browser sign-in is not set up", "This Retake service has no identity provider. Ask your Retake admin for a token.");
    const code = request.query.pair;
    // Only a click on our confirmation page carries this cookie (SameSite=Strict): a link sent
    // by someone else lands on that page first, with the code the editor's panel does not show.
    if (!code || readCookie(request.headers.cookie, CONFIRM_COOKIE) !== code) {
      return page(reply, 400, "Start from the panel", "Open the sign-in from the Retake panel in Premiere and check that the code on the page matches the panel's.", "confirmation_missing");
    }
    try {
      const url = await options.pairing.authorizationUrl(code, requestBase(request));
      const secure = requestBase(request).startsWith("https:") ? "; Secure" : "";
      // Lax: the cookie comes back on the IdP's top-level redirect to /auth/callback, and only there.
      reply.header(
        "Set-Cookie",
        `${PAIR_COOKIE}=${encodeURIComponent(code)}; Path=/auth/callback; Max-Age=${PAIRING_TTL_MS / 1000}; HttpOnly; SameSite=Lax${secure}`,
      );
      return reply.header("Cache-Control", "no-store").redirect(url.href, 302);
    } catch (error) {
      return failurePage(reply, error);
    }
  });

  app.get("/auth/callback", async (request, reply) => {
    if (!options.pairing) return page(reply, 501, "Browser sign-in is not set up", "This Retake service has no identity provider.");
    const code = readCookie(request.headers.cookie, PAIR_COOKIE);
    const base = requestBase(request);
    try {
      const user = await options.pairing.completeSignIn(code, new URL(request.url, base), base);
      reply.header("Set-Cookie", `${PAIR_COOKIE}=; Path=/auth/callback; Max-Age=0; HttpOnly; SameSite=Lax`);
      return page(
        reply,
        200,
        `Signed in as ${user.name}`,
        "Check that Premiere shows this code, then close this window and return to Premiere: the Retake panel is signing you in. If Premiere shows another code or none, tell your Retake admin.",
        undefined,
        `<p class="confirm" aria-label="Confirmation code">${escapeHtml(confirmationCode(code!))}</p>`,
      );
    } catch (error) {
      return failurePage(reply, error);
    }
  });
}

/** This service's origin as the browser reached it (the redirect URI unless RETAKE_PUBLIC_URL says otherwise). */
function requestBase(request: FastifyRequest): string {
  return `${request.protocol}://${request.headers.host ?? request.hostname}`;
}

function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return decodeURIComponent(rest.join("="));
  }
  return undefined;
}

function failurePage(reply: FastifyReply, error: unknown) {
  if (error instanceof ServiceError) return page(reply, error.status, "Sign-in did not finish", error.message, error.code);
  throw error;
}

/** `extraHtml` is markup the caller built with escapeHtml; everything else is escaped here. */
function page(reply: FastifyReply, status: number, title: string, text: string, code?: string, extraHtml = "") {
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Retake — ${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:15vh auto;padding:0 1rem;color:#222}h1{font-size:1.4rem}code{color:#777}.confirm{font:700 2rem/1.2 ui-monospace,monospace;letter-spacing:.1em}.continue{display:inline-block;padding:.5rem 1rem;background:#2d6cdf;color:#fff;border-radius:4px;text-decoration:none}</style>
</head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p>${extraHtml}${code ? `<p><code>${escapeHtml(code)}</code></p>` : ""}</body></html>`;
  // Not in a frame: the confirmation page must not be clickjacked into "Continue".
  return reply
    .code(status)
    .header("Cache-Control", "no-store")
    .header("X-Frame-Options", "DENY")
    .header("Content-Security-Policy", "frame-ancestors 'none'")
    .type("text/html; charset=utf-8")
    .send(html);
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}
