import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SpendRow } from "../../../src/server/ledger/store.js";
import { KyselyTeamStore } from "../../../src/server/ledger/teamRecords.js";
import { teamOpenApiPaths } from "../../../src/server/identity/teamOpenApi.js";
import { hashToken, issueToken } from "../../../src/server/identity/tokens.js";
import { buildTeamApp } from "../../helpers/teamApp.js";
import { openTeamTestDatabase, type TeamTestDatabase } from "../../helpers/teamDatabase.js";

/**
 * Team mode's door and its admin API, over HTTP (Fastify inject) on a real database of each kind:
 * who gets in with which token, what a refused editor is told, and what an admin sees and can do.
 */

const HOST = "retake.studio.test";

describe.each(["sqlite", "postgres"] as const)("team auth and admin on %s", (dialect) => {
  let database: TeamTestDatabase;
  let store: KyselyTeamStore;
  let app: FastifyInstance;
  let clock = Date.parse("2026-12-03T12:00:00.000Z");
  // The ledger's spend rows (Store.spendRows) as the full store will return them.
  const spend: SpendRow[] = [];
  let adminToken: string;
  let anaToken: string;
  let anaTokenId: string;
  let anaId: string;
  let benId: string;

  const get = (url: string, token?: string) => app.inject({ method: "GET", url, headers: { host: HOST, ...(token ? { authorization: `Bearer ${token}` } : {}) } });
  const send = (method: "POST" | "PUT" | "DELETE", url: string, token: string, body?: unknown) =>
    app.inject({ method, url, headers: { host: HOST, authorization: `Bearer ${token}` }, ...(body !== undefined ? { payload: body as object } : {}) });

  beforeAll(async () => {
    database = await openTeamTestDatabase(dialect);
    store = new KyselyTeamStore(database.db, dialect);
    app = await buildTeamApp({ team: store, ledger: { spendRows: async () => spend }, now: () => new Date(clock) });
    const boss = await store.createUser({ name: "boss", admin: true });
    const ana = await store.createUser({ name: "ana" });
    const ben = await store.createUser({ name: "ben" });
    anaId = ana.id;
    benId = ben.id;
    adminToken = (await issueToken(store, boss.id, "admin laptop")).secret;
    const issued = await issueToken(store, ana.id, "panel on ana-mac");
    anaToken = issued.secret;
    anaTokenId = issued.record.id;
    spend.push(
      { day: "2026-12-01", project: "Trailer", jobId: "job_1", userId: ana.id, usd: 1.25 },
      { day: "2026-12-02", project: "Trailer", jobId: "job_1", userId: ana.id, usd: 0.005 },
      { day: "2026-12-02", project: "Promo", jobId: "job_2", userId: ana.id, usd: 2 },
      { day: "2026-12-03", project: "Trailer", jobId: "job_3", userId: ben.id, usd: 4.5 },
      { day: "2026-12-03", project: "Promo", jobId: "job_4", userId: null, usd: 0.1 },
      { day: "2026-11-30", project: "Trailer", jobId: "job_0", userId: ben.id, usd: 99 }, // last month
    );
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  it("stores only the token's hash", async () => {
    const [record] = await store.listTokens(anaId);
    expect(record!.hash).toBe(hashToken(anaToken));
    expect(JSON.stringify(await store.listTokens())).not.toContain(anaToken.slice(4));
  });

  it("lets a request in with the editor's token, as a Bearer header or ?token=", async () => {
    const header = await get("/v1/whoami", anaToken);
    expect(header.statusCode).toBe(200);
    expect(header.json()).toMatchObject({ name: "ana", admin: false, tokenId: anaTokenId });
    const query = await get(`/v1/whoami?token=${encodeURIComponent(anaToken)}`);
    expect(query.json().name).toBe("ana");
    expect((await get("/v1/health")).statusCode).not.toBe(401); // health needs no token
  });

  it("says what is wrong: no token, a token it never issued", async () => {
    const none = await get("/v1/whoami");
    expect(none.statusCode).toBe(401);
    expect(none.json().error.code).toBe("token_missing");
    expect(none.json().error.message).toMatch(/sign in/i);
    const wrong = await get("/v1/whoami", `rtk_${"A".repeat(43)}`);
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.code).toBe("token_invalid");
    const junk = await get("/v1/whoami", "not-even-a-token");
    expect(junk.json().error.code).toBe("token_invalid");
    expect(junk.body).not.toContain("not-even-a-token"); // a presented secret is never echoed
  });

  it("records a token's last use at most once a minute", async () => {
    clock += 120_000;
    await get("/v1/whoami", anaToken);
    const first = (await store.tokenByHash(hashToken(anaToken)))!.token.lastUsedAt;
    expect(first).toBe(new Date(clock).toISOString());
    clock += 30_000;
    await get("/v1/whoami", anaToken);
    expect((await store.tokenByHash(hashToken(anaToken)))!.token.lastUsedAt).toBe(first);
    clock += 31_000;
    await get("/v1/whoami", anaToken);
    expect((await store.tokenByHash(hashToken(anaToken)))!.token.lastUsedAt).toBe(new Date(clock).toISOString());
  });

  it("keeps the admin API to admins (403 admin_only)", async () => {
    const res = await get("/v1/admin/tokens", anaToken);
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe("admin_only");
    expect(res.json().error.message).toContain("ana is not an admin");
    expect((await send("PUT", "/v1/admin/budgets", anaToken, { scope: "studio", key: "", period: "day", limitUsd: 1 })).statusCode).toBe(403);
    expect(await store.listBudgets()).toEqual([]);
    expect((await get("/v1/admin/spend")).statusCode).toBe(401);
  });

  it("shows an admin this month's spend by editor and by project", async () => {
    const res = await get("/v1/admin/spend", adminToken);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.from).toBe("2026-12-01");
    expect(body.to).toBe("2026-12-03");
    expect(body.totalUsd).toBe(7.855);
    expect(body.byEditor).toEqual([
      { userId: benId, name: "ben", usd: 4.5, jobs: 1 },
      { userId: anaId, name: "ana", usd: 3.255, jobs: 2 },
      { userId: null, name: "(not signed in)", usd: 0.1, jobs: 1 },
    ]);
    expect(body.byProject).toEqual([
      { project: "Trailer", usd: 5.755, jobs: 2 },
      { project: "Promo", usd: 2.1, jobs: 2 },
    ]);
    expect(body.byEditorAndProject[0]).toEqual({ userId: benId, name: "ben", project: "Trailer", usd: 4.5 });
    const november = (await get("/v1/admin/spend?from=2026-11-01&to=2026-11-30", adminToken)).json();
    expect(november.byEditor).toEqual([{ userId: benId, name: "ben", usd: 99, jobs: 1 }]);
    const bad = await get("/v1/admin/spend?from=yesterday", adminToken);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.field).toBe("from");
  });

  it("lists tokens without their secrets, and revokes one: its next request is refused as revoked", async () => {
    const list = await get("/v1/admin/tokens", adminToken);
    expect(list.statusCode).toBe(200);
    const tokens = list.json().tokens as Array<Record<string, unknown>>;
    expect(tokens.find((t) => t.id === anaTokenId)).toMatchObject({ userName: "ana", label: "panel on ana-mac", revokedAt: null });
    expect(list.body).not.toContain(hashToken(anaToken));
    expect(list.body).not.toContain(anaToken);

    const revoked = await send("POST", `/v1/admin/tokens/${anaTokenId}/revoke`, adminToken);
    expect(revoked.statusCode).toBe(200);
    const refused = await get("/v1/whoami", anaToken);
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error.code).toBe("token_revoked");
    expect(refused.json().error.message).toMatch(/revoked.*sign in again/i);
    expect((await send("POST", `/v1/admin/tokens/${anaTokenId}/revoke`, adminToken)).statusCode).toBe(409);
    expect((await send("POST", "/v1/admin/tokens/tok_nope/revoke", adminToken)).statusCode).toBe(404);
  });

  it("issues a token to an editor from the admin API, shown once", async () => {
    const res = await send("POST", "/v1/admin/tokens", adminToken, { user: "cara", label: "render box" });
    expect(res.statusCode).toBe(201);
    const { token, user } = res.json();
    expect(user.name).toBe("cara");
    expect((await get("/v1/whoami", token)).json().name).toBe("cara");
  });

  it("refuses a disabled editor's token, saying the account is disabled", async () => {
    const ben = (await store.findUserByName("ben"))!;
    const { secret } = await issueToken(store, ben.id, "panel");
    const disabled = await send("POST", `/v1/admin/users/${ben.id}/disable`, adminToken);
    expect(disabled.statusCode).toBe(200);
    const res = await get("/v1/whoami", secret);
    expect(res.json().error.code).toBe("token_revoked");
    expect(res.json().error.message).toMatch(/disabled/);
    expect((await send("POST", `/v1/admin/users/${ben.id}/enable`, adminToken)).statusCode).toBe(200);
    expect((await get("/v1/whoami", secret)).statusCode).toBe(200);
    expect((await send("POST", "/v1/admin/users/user_nope/disable", adminToken)).statusCode).toBe(404);
  });

  it("sets, lists and removes budgets; checks what each budget is for", async () => {
    expect((await send("PUT", "/v1/admin/budgets", adminToken, { scope: "project", key: "Trailer", period: "month", limitUsd: 250 })).statusCode).toBe(200);
    expect((await send("PUT", "/v1/admin/budgets", adminToken, { scope: "user", key: anaId, period: "day", limitUsd: 20.5 })).statusCode).toBe(200);
    const unknown = await send("PUT", "/v1/admin/budgets", adminToken, { scope: "user", key: "ana", period: "day", limitUsd: 1 });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.message).toContain("user id");
    expect((await send("PUT", "/v1/admin/budgets", adminToken, { scope: "studio", key: "", period: "day", limitUsd: -1 })).statusCode).toBe(400);
    const listed = (await get("/v1/admin/budgets", adminToken)).json().budgets;
    expect(listed.map((b: { scope: string; key: string; limitUsd: number }) => [b.scope, b.key, b.limitUsd])).toEqual([
      ["project", "Trailer", 250],
      ["user", anaId, 20.5],
    ]);
    const removed = await send("DELETE", "/v1/admin/budgets?scope=project&key=Trailer&period=month", adminToken);
    expect(removed.statusCode).toBe(204);
    expect((await get("/v1/admin/budgets", adminToken)).json().budgets).toHaveLength(1);
  });

  it("serves the admin page with no secret in it", async () => {
    const res = await get("/admin/");
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toContain("text/html");
    expect(res.body).toContain("/v1/admin/spend");
    expect(res.body).toContain("Revoke");
    expect(res.body).not.toContain("rtk_A");
    // Its script is valid JavaScript as served (no build step checks it otherwise).
    const script = /<script>([\s\S]*)<\/script>/.exec(res.body)![1]!;
    expect(() => new Function(script)).not.toThrow();
  });

  it("describes every team /v1 route in its OpenAPI paths", () => {
    const routes = (app as unknown as { teamRoutes: Array<{ method: string; url: string }> }).teamRoutes;
    const paths = teamOpenApiPaths() as Record<string, Record<string, unknown>>;
    const api = routes.filter((r) => r.url.startsWith("/v1/") && r.url !== "/v1/whoami" && r.method !== "HEAD");
    expect(api.length).toBeGreaterThanOrEqual(9);
    for (const route of api) {
      const p = route.url.replace(/:(\w+)/g, "{$1}");
      expect(paths[p]?.[route.method.toLowerCase()], `${route.method} ${p}`).toBeDefined();
    }
  });
});
