import { ConfigError } from "../config.js";
import type { TeamStore } from "../ledger/store.js";
import { ServiceError } from "../serviceError.js";

/**
 * The limit on `POST /v1/auth/pairings`, which anyone may call (a sign-in starts before there is
 * a token): at most `max` sign-ins per client address in `windowMs`. Counted in the pairings
 * table, which every API process behind the load balancer shares, so running three processes
 * does not triple the limit. A panel starts one pairing per click on "Sign in", so an editor
 * never meets the limit; a script filling the table does.
 *
 * Two requests from one address at the same instant may both pass at the limit's edge (count,
 * then insert): the limit can be overshot by the number of requests in flight at once, never
 * more. That is enough to stop a flood, and needs no lock.
 */
export const DEFAULT_PAIRINGS_PER_CLIENT = 30;
export const PAIRING_RATE_WINDOW_MS = 10 * 60_000;

/** Refused for too many sign-ins from one address: 429 with Retry-After. */
export class TooManySignIns extends ServiceError {
  constructor(
    readonly retryAfterSeconds: number,
    message: string,
  ) {
    super(429, "too_many_sign_ins", message);
  }
}

export class PairingRateLimit {
  constructor(
    private readonly store: TeamStore,
    readonly max: number = DEFAULT_PAIRINGS_PER_CLIENT,
    readonly windowMs: number = PAIRING_RATE_WINDOW_MS,
  ) {}

  /** Throws TooManySignIns when `client` has started `max` sign-ins in the window before `now`. */
  async check(client: string, now: Date): Promise<void> {
    const since = new Date(now.getTime() - this.windowMs).toISOString();
    const times = await this.store.recentPairingTimes(client, since, this.max);
    if (times.length < this.max) return;
    // The max-th newest must leave the window before another fits.
    const freeAt = Date.parse(times[this.max - 1]!) + this.windowMs;
    const retryAfterSeconds = Math.max(1, Math.ceil((freeAt - now.getTime()) / 1000));
    const minutes = Math.round(this.windowMs / 60_000);
    throw new TooManySignIns(
      retryAfterSeconds,
      `Too many sign-ins were started from this address (${this.max} in ${minutes} minutes). Wait ${retryAfterSeconds} seconds, then sign in again from the panel. ` +
        "If everyone reaches this service through one proxy, ask your Retake admin to set RETAKE_TRUST_PROXY so each editor's own address counts.",
    );
  }
}

/** RETAKE_SIGNIN_LIMIT: sign-ins one client address may start per ten minutes (default 30). */
export function pairingsPerClientFromEnv(env: NodeJS.ProcessEnv): number {
  const raw = env.RETAKE_SIGNIN_LIMIT?.trim();
  if (!raw) return DEFAULT_PAIRINGS_PER_CLIENT;
  const max = Number(raw);
  if (!Number.isInteger(max) || max < 1) {
    throw new ConfigError(`RETAKE_SIGNIN_LIMIT must be a whole number of sign-ins per client address per ten minutes, at least 1 (e.g. 30); it is "${raw}".`);
  }
  return max;
}

/**
 * RETAKE_TRUST_PROXY: which proxies in front of the service may say who the client is
 * (X-Forwarded-For, and X-Forwarded-Proto for https). Unset: none; the address is the socket's,
 * and a forged X-Forwarded-For changes nothing. A number: that many proxy hops (1 for one load
 * balancer). Otherwise the proxies' addresses or CIDR ranges, comma-separated. Never "true":
 * trusting every sender lets any client pick the address it is counted as.
 * The value is Fastify's `trustProxy` option (a hop count as the function proxy-addr makes of one).
 */
export type TrustProxy = string[] | ((address: string, hop: number) => boolean);

export function trustProxyFromEnv(env: NodeJS.ProcessEnv): TrustProxy | undefined {
  const raw = env.RETAKE_TRUST_PROXY?.trim();
  if (!raw || raw === "false" || raw === "0") return undefined;
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    return (_address, hop) => hop < hops;
  }
  if (raw === "true") {
    throw new ConfigError(
      "RETAKE_TRUST_PROXY=true would believe X-Forwarded-For from any client, so anyone could pick the address the sign-in limit counts. " +
        "Give the number of proxy hops in front of the service (e.g. 1) or the proxies' addresses (e.g. 10.0.0.5,10.0.1.0/24).",
    );
  }
  const addresses = raw.split(",").map((a) => a.trim()).filter(Boolean);
  for (const address of addresses) {
    if (!/^(loopback|linklocal|uniquelocal|[0-9a-fA-F:.]+(\/\d{1,3})?)$/.test(address)) {
      throw new ConfigError(`RETAKE_TRUST_PROXY: "${address}" is not an IP address or CIDR range (e.g. 10.0.0.5 or 10.0.1.0/24), nor a proxy hop count.`);
    }
  }
  return addresses;
}
