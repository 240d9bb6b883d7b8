import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/**
 * Short-lived signed links to one artifact, for the system browser.
 *
 * The panel opens a take's file in the editor's browser (a UXP webview cannot show it), but the
 * backend token must never leave the panel: the browser keeps the URL in its history, may sync it,
 * and the editor may paste it anywhere. So instead of the token the link carries an HMAC-SHA256
 * signature over (artifact id, expiry) with a secret only the backend holds. Such a link opens
 * that one file, for reading (GET/HEAD, with Range), until it expires, and nothing else.
 *
 * Why 10 minutes: long enough for the browser to open the link, buffer a 10-second take and be
 * scrubbed (every seek is a new Range request, checked again), or to start a download of a large
 * master (one request, checked once at its start); short enough that a link left in the browser's
 * history or pasted into a chat is dead long before anyone finds it. Opening the file again from
 * the panel makes a fresh link.
 */
export const ARTIFACT_LINK_TTL_SECONDS = 10 * 60;

/** The secret's file in the data dir, beside the token. */
export const LINK_SECRET_FILE = "link-secret";

/** What signs: a versioned purpose, so this HMAC can never be mistaken for another one. */
const PURPOSE = "retake-artifact-link-v1";
/** The signature is a whole SHA-256 HMAC in base64url (43 characters). */
const SIGNATURE = /^[A-Za-z0-9_-]{43}$/;
const ARTIFACT_PATH = /^\/v1\/artifacts\/([^/]+)$/;

/**
 * The backend's link secret: read from `<dataDir>/link-secret`, made on first start (32 random
 * bytes, mode 0600, so only the editor's account reads it). Never logged, never sent anywhere.
 * Deleting the file (and restarting) invalidates every link made so far.
 */
export function resolveLinkSecret(dataDir: string): Buffer {
  const file = path.join(dataDir, LINK_SECRET_FILE);
  try {
    const existing = Buffer.from(fs.readFileSync(file, "utf8").trim(), "base64url");
    if (existing.length >= 32) return existing;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const secret = crypto.randomBytes(32);
  fs.writeFileSync(file, `${secret.toString("base64url")}\n`, { mode: 0o600 });
  fs.chmodSync(file, 0o600); // writeFileSync keeps an existing (too short, or damaged) file's mode
  return secret;
}

/** The signature of a link to `artifactId` valid until `expires` (Unix seconds). */
export function signArtifactLink(secret: Buffer, artifactId: string, expires: number): string {
  return crypto.createHmac("sha256", secret).update(`${PURPOSE}\n${artifactId}\n${expires}`).digest("base64url");
}

/** The query a signed link carries (no token). */
export function signedQuery(secret: Buffer, artifactId: string, expires: number): string {
  return `expires=${expires}&sig=${signArtifactLink(secret, artifactId, expires)}`;
}

/** Does this request try to use a signed link (it carries `sig` or `expires`)? */
export function carriesLinkSignature(query: unknown): boolean {
  const q = query as { sig?: unknown; expires?: unknown } | undefined;
  return q?.sig !== undefined || q?.expires !== undefined;
}

export type LinkVerdict =
  | { ok: true; artifactId: string }
  | { ok: false; code: "link_expired" | "link_invalid" | "link_read_only"; message: string };

const OPEN_AGAIN = "Open the file again from the Retake panel (its link in the take's outputs) for a fresh link.";

/**
 * Whether a request may read an artifact on the strength of a signed link: GET or HEAD of exactly
 * the artifact signed, before the expiry, with an unaltered signature. The signature is checked
 * before the expiry, so a link whose expiry was edited is "not valid", not "expired".
 */
export function verifyArtifactLink(
  secret: Buffer,
  request: { method: string; pathname: string; query: unknown },
  nowMs: number,
): LinkVerdict {
  const match = ARTIFACT_PATH.exec(request.pathname);
  if (request.method !== "GET" && request.method !== "HEAD") {
    return { ok: false, code: "link_read_only", message: `A signed link only lets a browser read its one file; ${request.method} needs the backend token.` };
  }
  if (!match) {
    return { ok: false, code: "link_read_only", message: "A signed link only opens the one file it was made for; this address needs the backend token." };
  }
  let artifactId: string;
  try {
    artifactId = decodeURIComponent(match[1]!);
  } catch {
    return { ok: false, code: "link_invalid", message: `This link is not valid. ${OPEN_AGAIN}` };
  }
  const { sig, expires } = (request.query ?? {}) as { sig?: unknown; expires?: unknown };
  const invalid: LinkVerdict = {
    ok: false,
    code: "link_invalid",
    message: `This link is not valid: it was altered, made for another file, or made by another Retake backend (or before its link secret was replaced). ${OPEN_AGAIN}`,
  };
  if (typeof sig !== "string" || !SIGNATURE.test(sig) || typeof expires !== "string" || !/^\d{1,12}$/.test(expires)) return invalid;
  const expected = Buffer.from(signArtifactLink(secret, artifactId, Number(expires)));
  // Constant-time: the signature cannot be guessed a character at a time from response timing.
  if (!crypto.timingSafeEqual(Buffer.from(sig), expected)) return invalid;
  if (Number(expires) * 1000 <= nowMs) {
    const when = new Date(Number(expires) * 1000).toISOString().replace(/\.000Z$/, "Z");
    return {
      ok: false,
      code: "link_expired",
      message: `This link expired at ${when} (links from the panel work for ${ARTIFACT_LINK_TTL_SECONDS / 60} minutes). ${OPEN_AGAIN}`,
    };
  }
  return { ok: true, artifactId };
}

/** Makes signed links with the backend's secret and clock. */
export class ArtifactLinks {
  constructor(
    private readonly secret: Buffer,
    private readonly options: { ttlSeconds?: number; now?: () => number } = {},
  ) {}

  now(): number {
    return this.options.now?.() ?? Date.now();
  }

  /** A link to the artifact under `base` (the origin the panel reached the backend at). */
  create(base: string, artifactId: string): { url: string; expiresAt: string } {
    const expires = Math.floor(this.now() / 1000) + (this.options.ttlSeconds ?? ARTIFACT_LINK_TTL_SECONDS);
    const url = `${base.replace(/\/+$/, "")}/v1/artifacts/${encodeURIComponent(artifactId)}?${signedQuery(this.secret, artifactId, expires)}`;
    return { url, expiresAt: new Date(expires * 1000).toISOString() };
  }

  verify(request: { method: string; pathname: string; query: unknown }): LinkVerdict {
    return verifyArtifactLink(this.secret, request, this.now());
  }
}
