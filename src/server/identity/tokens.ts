import crypto from "node:crypto";
import { newId } from "../ids.js";
import type { ApiTokenRecord, TeamStore, User } from "../ledger/store.js";

/**
 * Per-user API tokens for team mode. The secret is `rtk_` + 32 random bytes (base64url); the
 * database keeps only its hex SHA-256, so a copy of the database (a backup, a replica) lets
 * nobody in. The prefix makes a leaked token recognisable to secret scanners and to people.
 */
export const TOKEN_PREFIX = "rtk_";

/** A token's last use is written at most this often, so every request does not write a row. */
export const TOUCH_INTERVAL_MS = 60_000;

export function hashToken(secret: string): string {
  return crypto.createHash("sha256").update(secret, "utf8").digest("hex");
}

export function looksLikeToken(value: string): boolean {
  return value.startsWith(TOKEN_PREFIX) && value.length > TOKEN_PREFIX.length + 20;
}

/** Makes a new token for the user: returns the secret (show it once) and the record as stored. */
export async function issueToken(
  store: TeamStore,
  userId: string,
  label: string,
  now: Date = new Date(),
): Promise<{ secret: string; record: ApiTokenRecord }> {
  const secret = TOKEN_PREFIX + crypto.randomBytes(32).toString("base64url");
  const record: ApiTokenRecord = {
    id: newId("tok"),
    userId,
    hash: hashToken(secret),
    label,
    createdAt: now.toISOString(),
    lastUsedAt: null,
    revokedAt: null,
  };
  await store.insertToken(record);
  return { secret, record };
}

export type TokenVerdict =
  | { ok: true; user: User; token: ApiTokenRecord }
  | { ok: false; reason: "invalid" }
  | { ok: false; reason: "revoked"; userDisabled: boolean };

/**
 * What a presented secret is: a live token and its user, a token that was revoked (or whose
 * user was disabled), or nothing we issued. A live token's last use is recorded, at most once
 * a minute.
 */
export async function resolveToken(store: TeamStore, secret: string, now: Date = new Date()): Promise<TokenVerdict> {
  if (!looksLikeToken(secret)) return { ok: false, reason: "invalid" };
  const hash = hashToken(secret);
  const live = await store.tokenByHash(hash);
  if (live) {
    const last = live.token.lastUsedAt ? Date.parse(live.token.lastUsedAt) : Number.NEGATIVE_INFINITY;
    if (now.getTime() - last >= TOUCH_INTERVAL_MS) {
      const at = now.toISOString();
      await store.touchToken(live.token.id, at);
      live.token.lastUsedAt = at;
    }
    return { ok: true, user: live.user, token: live.token };
  }
  const known = await store.tokenRecordByHash(hash);
  if (known) return { ok: false, reason: "revoked", userDisabled: known.token.revokedAt === null && known.user.disabledAt !== null };
  return { ok: false, reason: "invalid" };
}

/** Revokes a token by id: true when it was live and is now revoked. */
export async function revokeToken(store: TeamStore, tokenId: string, now: Date = new Date()): Promise<boolean> {
  return store.revokeToken(tokenId, now.toISOString());
}
