import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { carriesLinkSignature, type ArtifactLinks } from "./artifactLinks.js";
import { sendError } from "./errors.js";

/**
 * Who may talk to this backend. It listens on loopback, which every web page in the editor's
 * browser can reach, and it can spend the editor's provider credits. Four locks, in order:
 *
 * 1. Host: the `Host` header must name this server (loopback names are interchangeable). A page
 *    that rebinds its own DNS name to 127.0.0.1 (DNS rebinding) still sends its own name: refused.
 * 2. Origin: a browser request that says where it comes from must come from the backend's own
 *    pages (harness, /panel/) or the plugin's webview. Anything else is refused before a route
 *    runs, so a foreign page cannot even trigger a side effect it cannot read (CSRF).
 * 3. CORS: only those origins get `Access-Control-Allow-Origin`, so no other page reads answers.
 * 4. Token: every /v1 request carries the backend's token (Bearer header, or `?token=` for
 *    img/video/EventSource URLs, which cannot send headers). The harness page gets it from
 *    /harness/state, same-origin only; the plugin asks the editor once. In place of the token, a
 *    signed link (artifactLinks.ts) lets the system browser GET/HEAD exactly one artifact until
 *    it expires: the token itself never leaves the panel.
 *
 * The plugin's webview loads local content (`plugin:/index.html`, UXP ≥ 8.0). What Origin such a
 * page sends is not documented: Chromium/WebView2 and WKWebView send `null` for local-scheme
 * pages, and a custom scheme may show up as `plugin://…`. So on /v1 (never on /harness) we accept
 * `null` and the `plugin:`/`uxp:` schemes. `null` is also what any page's sandboxed iframe sends,
 * which is why this is safe only together with the token: such a frame can reach /v1 but has no
 * token (it cannot read /harness/state, which gives no CORS answer to `null`).
 */

export interface SecurityOptions {
  /** The configured listen host (RETAKE_HOST). */
  host: string;
  /** null: no token (tests only). */
  token: string | null;
  /** Extra allowed origins, exact match (RETAKE_ALLOWED_ORIGINS). */
  allowedOrigins: string[];
  /** Verifies signed artifact links (artifactLinks.ts); without it only the token opens /v1. */
  links?: ArtifactLinks;
}

const LOOPBACK_NAMES = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);
const WILDCARD_HOSTS = new Set(["0.0.0.0", "::", "[::]"]);
/** Origin schemes a UXP webview with local content may send (see above). */
const PLUGIN_ORIGIN = /^(plugin|uxp|plugin-data):/i;

export const TOKEN_FILE = "token";

/**
 * The token this backend requires: the configured one, none (null, tests), or the one stored in
 * the data dir, made on first start. The file is 0600: only the editor's account can read it.
 */
export function resolveToken(configured: string | null | undefined, dataDir: string): string | null {
  if (configured === null) return null;
  if (configured) return configured;
  const file = path.join(dataDir, TOKEN_FILE);
  try {
    const existing = fs.readFileSync(file, "utf8").trim();
    if (existing.length >= 16) return existing;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const token = crypto.randomBytes(32).toString("base64url");
  fs.writeFileSync(file, `${token}\n`, { mode: 0o600 });
  fs.chmodSync(file, 0o600); // writeFileSync keeps an existing file's mode
  return token;
}

/** Splits a Host header into name and port ("[::1]:5177" → "::1", 5177). */
export function parseHostHeader(value: string): { name: string; port: number | undefined } | undefined {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(value.trim());
  if (!match) return undefined;
  const name = match[1]!.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  return { name, port: match[2] === undefined ? undefined : Number(match[2]) };
}

function normalizeName(name: string): string {
  return name.toLowerCase().replace(/^\[(.*)\]$/, "$1");
}

/** Names this server answers to: the configured host, or every loopback name when it is loopback. */
function acceptedHostNames(host: string): Set<string> | "any" {
  const configured = normalizeName(host);
  if (WILDCARD_HOSTS.has(host) || WILDCARD_HOSTS.has(configured)) return "any";
  if (LOOPBACK_NAMES.has(configured) || configured.startsWith("127.")) return new Set(["127.0.0.1", "localhost", "::1", configured]);
  return new Set([configured]);
}

export function isOwnOrigin(origin: string, names: Set<string> | "any", port: number): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return false;
  const urlPort = url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
  if (urlPort !== port) return false;
  return names === "any" || names.has(normalizeName(url.hostname));
}

const ALLOW_HEADERS = "Authorization, Content-Type, Last-Event-ID, Range";
const EXPOSE_HEADERS = "Content-Range, Accept-Ranges, Content-Length, Retry-After";

export function registerSecurity(app: FastifyInstance, options: SecurityOptions): void {
  const names = acceptedHostNames(options.host);
  const extra = new Set(options.allowedOrigins);
  const expected = options.token === null ? null : Buffer.from(options.token);

  app.addHook("onRequest", async (request: FastifyRequest, reply: FastifyReply) => {
    const port = request.socket.localPort ?? 0;
    const pathname = request.url.split("?")[0]!;
    const isApi = pathname === "/v1" || pathname.startsWith("/v1/");

    // 1. Host (DNS rebinding).
    const hostHeader = request.headers.host;
    const host = hostHeader ? parseHostHeader(hostHeader) : undefined;
    const hostOk = host !== undefined && (names === "any" || (names.has(host.name) && (host.port ?? 80) === port));
    if (!hostOk) {
      return sendError(reply, 421, "wrong_host", `This Retake backend answers only as ${options.host}:${port}; the request named "${hostHeader ?? ""}".`);
    }

    // 2. Origin (CSRF), and 3. CORS for the origins we trust.
    const origin = request.headers.origin;
    if (origin !== undefined) {
      const own = isOwnOrigin(origin, names, port);
      const plugin = isApi && (origin === "null" || PLUGIN_ORIGIN.test(origin));
      if (!own && !plugin && !extra.has(origin)) {
        return sendError(reply, 403, "forbidden_origin", `Requests from ${origin} may not use this backend.`);
      }
      reply.header("Access-Control-Allow-Origin", origin);
      reply.header("Vary", "Origin");
      reply.header("Access-Control-Expose-Headers", EXPOSE_HEADERS);
      if (request.method === "OPTIONS") {
        // A preflight carries no Authorization header; the real request will.
        return reply
          .code(204)
          .header("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS")
          .header("Access-Control-Allow-Headers", ALLOW_HEADERS)
          .header("Access-Control-Max-Age", "600")
          .send();
      }
    }

    // 4. Token.
    if (!isApi || expected === null) return;
    const header = request.headers.authorization;
    const query = (request.query as { token?: unknown } | undefined)?.token;
    const given = header?.startsWith("Bearer ") ? header.slice(7).trim() : typeof query === "string" ? query : undefined;
    if (!given && options.links && carriesLinkSignature(request.query)) {
      // A signed link opened in the system browser: valid for reading its one artifact only.
      const verdict = options.links.verify({ method: request.method, pathname, query: request.query });
      if (verdict.ok) return;
      return sendError(reply, 403, verdict.code, verdict.message);
    }
    if (!given || !sameSecret(given, expected)) {
      return sendError(
        reply,
        401,
        "unauthorized",
        given
          ? "The backend token is wrong: enter the token from the backend's data dir (file \"token\") in the panel's settings."
          : "This backend needs its token: enter it in the panel's settings (it is in the file \"token\" in the backend's data dir).",
      );
    }
  });
}

/** Constant-time comparison, so the token cannot be guessed a byte at a time. */
function sameSecret(given: string, expected: Buffer): boolean {
  const bytes = Buffer.from(given);
  return bytes.length === expected.length && crypto.timingSafeEqual(bytes, expected);
}
