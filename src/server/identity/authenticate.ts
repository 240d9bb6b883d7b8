import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { carriesLinkSignature, type ArtifactLinks } from "../http/artifactLinks.js";
import { sendError } from "../http/errors.js";
import type { ApiTokenRecord, TeamStore, User } from "../ledger/store.js";
import { ServiceError } from "../serviceError.js";
import { resolveToken } from "./tokens.js";

/**
 * Team mode's door: every /v1 request names its editor with that editor's own token, as a
 * Bearer header or, for the URLs that cannot carry headers (img/video `src`, EventSource), as
 * `?token=` — the same two places the single-token embedded mode reads (http/security.ts).
 * Host/Origin/CORS checks stay security.ts's job; this replaces only its shared-token check.
 */

export interface SignedInUser {
  user: User;
  token: ApiTokenRecord;
}

declare module "fastify" {
  interface FastifyRequest {
    /** Team mode: who sent this request (set by the team auth hook); undefined elsewhere. */
    user?: SignedInUser;
  }
}

/** A refusal the HTTP layer sends as `{error: {code, message}}`. */
export class AuthError extends ServiceError {}

/** The presented secret: Bearer header first, then `?token=`. */
export function presentedToken(request: Pick<FastifyRequest, "headers" | "query">): string | undefined {
  const header = request.headers.authorization;
  if (typeof header === "string" && /^Bearer\s+/i.test(header)) return header.replace(/^Bearer\s+/i, "").trim() || undefined;
  const query = (request.query as { token?: unknown } | undefined)?.token;
  return typeof query === "string" && query ? query : undefined;
}

/** The request's user, or an AuthError (401) saying what is wrong and what to do. */
export async function authenticate(
  store: TeamStore,
  request: Pick<FastifyRequest, "headers" | "query">,
  now: Date = new Date(),
): Promise<SignedInUser> {
  const secret = presentedToken(request);
  if (!secret) {
    throw new AuthError(401, "token_missing", "Sign in first: this Retake service needs your own token (sign in from the panel, or ask an admin for a token).");
  }
  const verdict = await resolveToken(store, secret, now);
  if (verdict.ok) return { user: verdict.user, token: verdict.token };
  if (verdict.reason === "revoked") {
    throw new AuthError(
      401,
      "token_revoked",
      verdict.userDisabled
        ? "Your account on this Retake service is disabled: ask an admin to enable it."
        : "This token was revoked: sign in again from the panel (or ask an admin for a new token).",
    );
  }
  throw new AuthError(401, "token_invalid", "This token is not one this Retake service issued: sign in again from the panel, or check the token you pasted.");
}

/** Refuses (403 `admin_only`) a request whose user is not an admin. */
export function requireAdmin(request: FastifyRequest): SignedInUser {
  const signedIn = request.user;
  if (!signedIn) throw new AuthError(401, "token_missing", "Sign in first: this needs an admin's token.");
  if (!signedIn.user.admin) throw new AuthError(403, "admin_only", `Only an admin may do this; ${signedIn.user.name} is not an admin.`);
  return signedIn;
}

/** /v1 routes that answer without a token: health, and the panel's sign-in (the pairing code is its secret). */
export function isPublicApiRoute(method: string, pathname: string): boolean {
  if (pathname === "/v1/health" || pathname === "/v1/openapi.json") return true;
  if (method === "POST" && pathname === "/v1/auth/pairings") return true;
  if (method === "POST" && /^\/v1\/auth\/pairings\/[^/]+\/claim$/.test(pathname)) return true;
  return false;
}

export interface TeamAuthOptions {
  store: TeamStore;
  /** Signed artifact links (artifactLinks.ts) open their one artifact without a token, as in embedded mode. */
  links?: ArtifactLinks;
  now?: () => Date;
}

/**
 * The hook that sets `request.user` on every /v1 request (except the public ones), or answers
 * 401. CORS preflights are left to security.ts, which answers them before this runs.
 */
export function registerTeamAuth(app: FastifyInstance, options: TeamAuthOptions): void {
  const now = options.now ?? (() => new Date());
  app.addHook("onRequest", async (request: FastifyRequest, reply: FastifyReply) => {
    const pathname = request.url.split("?")[0]!;
    if (!(pathname === "/v1" || pathname.startsWith("/v1/"))) return;
    if (request.method === "OPTIONS" || isPublicApiRoute(request.method, pathname)) return;
    if (options.links && !presentedToken(request) && carriesLinkSignature(request.query)) {
      const verdict = options.links.verify({ method: request.method, pathname, query: request.query });
      if (verdict.ok) return;
      return sendError(reply, 403, verdict.code, verdict.message);
    }
    try {
      request.user = await authenticate(options.store, request, now());
    } catch (error) {
      if (error instanceof AuthError) return sendError(reply, error.status, error.code, error.message);
      throw error;
    }
  });
}
