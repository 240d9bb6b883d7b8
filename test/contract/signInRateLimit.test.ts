import type { FastifyInstance } from "fastify";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/server/config.js";
import { oidcSettingsFromEnv } from "../../src/server/identity/oidcPairing.js";
import { trustProxyFromEnv } from "../../src/server/identity/pairingRateLimit.js";
import { KyselyTeamStore } from "../../src/server/ledger/teamRecords.js";
import { CLIENT_ID, CLIENT_SECRET, IDP_ISSUER } from "../helpers/fakeIdp.js";
import { buildTeamApp } from "../helpers/teamApp.js";
import { openTeamTestDatabase, type TeamTestDatabase } from "../helpers/teamDatabase.js";

/**
 * The limit on starting browser sign-ins (POST /v1/auth/pairings needs no token, so anyone can
 * call it): per client address, counted in the database two API processes share, answered with
 * 429 and Retry-After; X-Forwarded-For believed only from a proxy the admin named.
 * Two apps on two connection pools to one PostgreSQL stand for two `retake serve` processes.
 */

const HOST = "retake.studio.test";
const oidc = { issuer: new URL(IDP_ISSUER), clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, allowedDomains: [], pairingsPerClient: 3 };

let database: TeamTestDatabase;
let secondDb: Kysely<any>;
let apiA: FastifyInstance;
let apiB: FastifyInstance;
let behindProxy: FastifyInstance;
let clock = Date.parse("2026-12-03T12:00:00.000Z");
const now = () => new Date(clock);

beforeAll(async () => {
  database = await openTeamTestDatabase("postgres");
  secondDb = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url, max: 2 }) }) });
  apiA = await buildTeamApp({ team: new KyselyTeamStore(database.db, "postgres"), ledger: { spendRows: async () => [] }, oidc, now });
  apiB = await buildTeamApp({ team: new KyselyTeamStore(secondDb, "postgres"), ledger: { spendRows: async () => [] }, oidc, now });
  // Behind a load balancer at 10.0.0.5 that the admin named in RETAKE_TRUST_PROXY.
  behindProxy = await buildTeamApp({
    team: new KyselyTeamStore(secondDb, "postgres"),
    ledger: { spendRows: async () => [] },
    oidc,
    now,
    trustProxy: trustProxyFromEnv({ RETAKE_TRUST_PROXY: "10.0.0.5" }),
  });
});
afterAll(async () => {
  await apiA?.close();
  await apiB?.close();
  await behindProxy?.close();
  await secondDb?.destroy();
  await database?.close();
});

const start = (app: FastifyInstance, remoteAddress: string, forwardedFor?: string) =>
  app.inject({ method: "POST", url: "/v1/auth/pairings", remoteAddress, headers: { host: HOST, ...(forwardedFor ? { "x-forwarded-for": forwardedFor } : {}) } });

describe("the sign-in rate limit", () => {
  it("counts one address's sign-ins across API processes and refuses the next with 429 and Retry-After", async () => {
    expect((await start(apiA, "192.0.2.10")).statusCode).toBe(201);
    clock += 60_000;
    expect((await start(apiB, "192.0.2.10")).statusCode).toBe(201);
    expect((await start(apiA, "192.0.2.10")).statusCode).toBe(201);

    const refused = await start(apiB, "192.0.2.10");
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error.code).toBe("too_many_sign_ins");
    // The first of the three leaves the ten-minute window nine minutes from now.
    expect(refused.headers["retry-after"]).toBe("540");
    expect(refused.json().error.message).toContain("3 in 10 minutes");
    expect(refused.json().error.message).toContain("Wait 540 seconds");
    expect((await start(apiA, "192.0.2.10")).statusCode).toBe(429);

    // Another editor's machine is not held up.
    expect((await start(apiA, "192.0.2.11")).statusCode).toBe(201);

    // Once the first sign-in is ten minutes old, one more fits, and then the limit is back.
    clock += 9 * 60_000;
    expect((await start(apiB, "192.0.2.10")).statusCode).toBe(201);
    expect((await start(apiB, "192.0.2.10")).statusCode).toBe(429);
  });

  it("ignores X-Forwarded-For unless it comes from a proxy RETAKE_TRUST_PROXY names", async () => {
    clock += 60 * 60_000;
    // Without a trusted proxy, a client cannot dodge the limit by making up addresses.
    for (const forged of ["198.51.100.1", "198.51.100.2", "198.51.100.3"]) expect((await start(apiA, "192.0.2.20", forged)).statusCode).toBe(201);
    expect((await start(apiA, "192.0.2.20", "198.51.100.4")).statusCode).toBe(429);

    // Behind the named proxy each editor counts as their own address…
    for (let i = 0; i < 3; i++) expect((await start(behindProxy, "10.0.0.5", "203.0.113.7")).statusCode).toBe(201);
    expect((await start(behindProxy, "10.0.0.5", "203.0.113.7")).statusCode).toBe(429);
    expect((await start(behindProxy, "10.0.0.5", "203.0.113.8")).statusCode).toBe(201);
    // …and a header from anyone else is still ignored: it counts as its sender's address.
    for (let i = 0; i < 3; i++) expect((await start(behindProxy, "192.0.2.30", `203.0.113.${100 + i}`)).statusCode).toBe(201);
    expect((await start(behindProxy, "192.0.2.30", "203.0.113.200")).statusCode).toBe(429);
  });
});

describe("behind a trusted proxy", () => {
  it("builds the sign-in link with the https the proxy reports, and only from that proxy", async () => {
    clock += 60 * 60_000;
    const viaProxy = await behindProxy.inject({
      method: "POST",
      url: "/v1/auth/pairings",
      remoteAddress: "10.0.0.5",
      headers: { host: HOST, "x-forwarded-for": "203.0.113.9", "x-forwarded-proto": "https" },
    });
    expect(viaProxy.json().signInUrl).toMatch(/^https:\/\/retake\.studio\.test\/auth\/login\?pair=/);
    const forged = await behindProxy.inject({
      method: "POST",
      url: "/v1/auth/pairings",
      remoteAddress: "192.0.2.40",
      headers: { host: HOST, "x-forwarded-proto": "https" },
    });
    expect(forged.json().signInUrl).toMatch(/^http:\/\/retake\.studio\.test\//);
  });
});

describe("sign-in settings from the environment", () => {
  it("reads the limit, the trusted email domains and the trusted proxies, and says what is wrong with a bad value", () => {
    const base = { RETAKE_OIDC_ISSUER: IDP_ISSUER, RETAKE_OIDC_CLIENT_ID: CLIENT_ID };
    expect(oidcSettingsFromEnv(base)).toMatchObject({ pairingsPerClient: 30, trustedEmailDomains: [] });
    expect(oidcSettingsFromEnv({ ...base, RETAKE_SIGNIN_LIMIT: "5", RETAKE_OIDC_TRUSTED_EMAIL_DOMAINS: "@Studio.com, studio.co.uk" })).toMatchObject({
      pairingsPerClient: 5,
      trustedEmailDomains: ["studio.com", "studio.co.uk"],
    });
    expect(() => oidcSettingsFromEnv({ ...base, RETAKE_SIGNIN_LIMIT: "lots" })).toThrow(/RETAKE_SIGNIN_LIMIT must be a whole number/);

    expect(trustProxyFromEnv({})).toBeUndefined();
    expect(trustProxyFromEnv({ RETAKE_TRUST_PROXY: "10.0.0.5, 10.0.1.0/24" })).toEqual(["10.0.0.5", "10.0.1.0/24"]);
    const hops = trustProxyFromEnv({ RETAKE_TRUST_PROXY: "1" }) as (address: string, hop: number) => boolean;
    expect([hops("10.0.0.5", 0), hops("203.0.113.7", 1)]).toEqual([true, false]);
    expect(() => trustProxyFromEnv({ RETAKE_TRUST_PROXY: "true" })).toThrow(ConfigError);
    expect(() => trustProxyFromEnv({ RETAKE_TRUST_PROXY: "true" })).toThrow(/proxy hops/);
    expect(() => trustProxyFromEnv({ RETAKE_TRUST_PROXY: "lb.studio.internal" })).toThrow(/not an IP address/);
  });
});
