import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KyselyTeamStore } from "../../../src/server/ledger/teamRecords.js";
import type { ApiTokenRecord } from "../../../src/server/ledger/store.js";
import { openTeamTestDatabase, type TeamTestDatabase } from "../../helpers/teamDatabase.js";

const NOW = "2026-12-03T12:00:00.000Z";
const LATER = "2026-12-03T12:05:00.000Z";
const PAST = "2026-12-03T11:00:00.000Z";

function tokenRecord(userId: string, id: string, hash: string): ApiTokenRecord {
  return { id, userId, hash, label: "panel", createdAt: NOW, lastUsedAt: null, revokedAt: null };
}

describe.each(["sqlite", "postgres"] as const)("KyselyTeamStore on %s", (dialect) => {
  let database: TeamTestDatabase;
  let store: KyselyTeamStore;

  beforeAll(async () => {
    database = await openTeamTestDatabase(dialect);
    store = new KyselyTeamStore(database.db, dialect);
  });
  afterAll(async () => {
    await database?.close();
  });

  it("creates users with unique names and reads them back", async () => {
    const ana = await store.createUser({ name: "ana", admin: true });
    const ben = await store.createUser({ name: "ben@studio.example", email: "ben@studio.example" });
    expect(await store.getUser(ana.id)).toEqual(ana);
    expect((await store.findUserByName("ben@studio.example"))?.email).toBe("ben@studio.example");
    expect((await store.findUserByName("ana"))?.admin).toBe(true);
    expect((await store.findUserByName("ben@studio.example"))?.admin).toBe(false);
    expect(await store.findUserByName("nobody")).toBeUndefined();
    expect((await store.listUsers()).map((u) => u.name)).toEqual(["ana", "ben@studio.example"]);
    await expect(store.createUser({ name: "ana" })).rejects.toThrow();
    expect(ben.disabledAt).toBeNull();
  });

  it("finds a live token by its hash, not a revoked one, nor one whose user is disabled", async () => {
    const cara = await store.createUser({ name: "cara" });
    const dan = await store.createUser({ name: "dan" });
    await store.insertToken(tokenRecord(cara.id, "tok_c1", "hash-c1"));
    await store.insertToken(tokenRecord(cara.id, "tok_c2", "hash-c2"));
    await store.insertToken(tokenRecord(dan.id, "tok_d1", "hash-d1"));

    const found = await store.tokenByHash("hash-c1");
    expect(found?.user.name).toBe("cara");
    expect(found?.token.id).toBe("tok_c1");
    expect(await store.tokenByHash("no-such-hash")).toBeUndefined();

    expect(await store.revokeToken("tok_c1", LATER)).toBe(true);
    expect(await store.revokeToken("tok_c1", LATER)).toBe(false); // already revoked
    expect(await store.revokeToken("tok_unknown", LATER)).toBe(false);
    expect(await store.tokenByHash("hash-c1")).toBeUndefined();
    expect((await store.tokenRecordByHash("hash-c1"))?.token.revokedAt).toBe(LATER);
    expect((await store.tokenByHash("hash-c2"))?.token.id).toBe("tok_c2"); // the other token still works

    await store.setUserDisabled(dan.id, LATER);
    expect(await store.tokenByHash("hash-d1")).toBeUndefined();
    expect((await store.tokenRecordByHash("hash-d1"))?.user.disabledAt).toBe(LATER);
    await store.setUserDisabled(dan.id, null);
    expect((await store.tokenByHash("hash-d1"))?.user.name).toBe("dan");

    expect((await store.listTokens(cara.id)).map((t) => t.id)).toEqual(["tok_c1", "tok_c2"]);
    expect((await store.listTokens()).length).toBeGreaterThanOrEqual(3);
  });

  it("records when a token was last used", async () => {
    await store.touchToken("tok_c2", LATER);
    expect((await store.tokenByHash("hash-c2"))?.token.lastUsedAt).toBe(LATER);
  });

  it("sets, replaces, lists and removes budgets (money to the tenth of a cent)", async () => {
    await store.setBudget({ scope: "studio", key: "", period: "month", limitUsd: 5000, updatedAt: NOW });
    await store.setBudget({ scope: "project", key: "Trailer", period: "day", limitUsd: 12.345, updatedAt: NOW });
    await store.setBudget({ scope: "project", key: "Trailer", period: "day", limitUsd: 20.1, updatedAt: LATER });
    await store.setBudget({ scope: "user", key: "user_x", period: "day", limitUsd: 3.7, updatedAt: NOW });
    const budgets = await store.listBudgets();
    expect(budgets).toEqual([
      { scope: "project", key: "Trailer", period: "day", limitUsd: 20.1, updatedAt: LATER },
      { scope: "studio", key: "", period: "month", limitUsd: 5000, updatedAt: NOW },
      { scope: "user", key: "user_x", period: "day", limitUsd: 3.7, updatedAt: NOW },
    ]);
    await store.removeBudget("project", "Trailer", "day");
    expect((await store.listBudgets()).map((b) => b.scope)).toEqual(["studio", "user"]);
  });

  it("completes a live pairing once, and hands its token over exactly once", async () => {
    await store.insertPairing({ code: "pair-1", createdAt: NOW, expiresAt: LATER, flow: "{}", token: null, claimedAt: null });
    expect(await store.claimPairing("pair-1", NOW)).toBeUndefined(); // not signed in yet
    expect(await store.completePairing("pair-1", "rtk_secret1", NOW)).toBe(true);
    expect(await store.completePairing("pair-1", "rtk_other", NOW)).toBe(false); // a replayed callback
    expect(await store.claimPairing("pair-1", NOW)).toBe("rtk_secret1");
    expect(await store.claimPairing("pair-1", NOW)).toBeUndefined();
    const after = await store.getPairing("pair-1");
    expect(after?.token).toBeNull(); // the secret does not stay in the database
    expect(after?.claimedAt).toBe(NOW);
    expect(await store.completePairing("pair-1", "rtk_again", NOW)).toBe(false); // claimed: done for good
    expect(await store.claimPairing("unknown", NOW)).toBeUndefined();
  });

  it("refuses to complete or claim an expired pairing", async () => {
    await store.insertPairing({ code: "pair-old", createdAt: PAST, expiresAt: NOW, flow: "{}", token: null, claimedAt: null });
    expect(await store.completePairing("pair-old", "rtk_late", LATER)).toBe(false);
    expect((await store.getPairing("pair-old"))?.token).toBeNull();
    await store.insertPairing({ code: "pair-slow", createdAt: PAST, expiresAt: NOW, flow: "{}", token: null, claimedAt: null });
    expect(await store.completePairing("pair-slow", "rtk_ontime", PAST)).toBe(true);
    expect(await store.claimPairing("pair-slow", LATER)).toBeUndefined(); // claimed too late
  });

  it("sweeps pairings that expired over an hour before a new one starts", async () => {
    await store.insertPairing({ code: "pair-ancient", createdAt: "2026-12-03T09:00:00.000Z", expiresAt: "2026-12-03T09:10:00.000Z", flow: "{}", token: null, claimedAt: null });
    await store.insertPairing({ code: "pair-recent", createdAt: "2026-12-03T10:50:00.000Z", expiresAt: "2026-12-03T11:00:00.000Z", flow: "{}", token: null, claimedAt: null });
    await store.insertPairing({ code: "pair-new", createdAt: "2026-12-03T11:30:00.000Z", expiresAt: "2026-12-03T11:40:00.000Z", flow: "{}", token: null, claimedAt: null });
    expect(await store.getPairing("pair-ancient")).toBeUndefined();
    expect(await store.getPairing("pair-recent")).toBeDefined();
    expect(await store.getPairing("pair-new")).toBeDefined();
  });

  it("hands a pairing's token to exactly one of many racing claimers", async () => {
    for (let round = 0; round < 5; round++) {
      const code = `race-${round}`;
      await store.insertPairing({ code, createdAt: NOW, expiresAt: LATER, flow: "{}", token: null, claimedAt: null });
      await store.completePairing(code, `rtk_race${round}`, NOW);
      // On PostgreSQL these run on separate pooled connections at once.
      const results = await Promise.all(Array.from({ length: 8 }, () => store.claimPairing(code, NOW)));
      expect(results.filter((r) => r !== undefined)).toEqual([`rtk_race${round}`]);
    }
  });
});
