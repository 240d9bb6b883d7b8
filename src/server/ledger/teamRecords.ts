import { sql, type Kysely } from "kysely";
import { newId } from "../ids.js";
import type { ApiTokenRecord, BudgetLimit, IdpSubject, Pairing, TeamStore, User } from "./store.js";
import type { Dialect } from "./teamSchema.js";

/**
 * Team mode's records (users, API tokens, budgets, browser sign-ins) on the tables of
 * `createTeamTables`, through Kysely, so the same code runs on the embedded SQLite file and on a
 * studio's PostgreSQL. The full ledger store composes this class; it owns no connection of its own
 * (closing the Kysely instance is the owner's job).
 *
 * Times are ISO-8601 UTC strings from `Date.toISOString()` (same length, same `Z`), so comparing
 * them as text compares them as times on both databases.
 */
export class KyselyTeamStore implements TeamStore {
  constructor(
    private readonly db: Kysely<any>,
    readonly dialect: Dialect,
  ) {}

  async createUser(user: { name: string; email?: string | null; admin?: boolean; idp?: IdpSubject }): Promise<User> {
    const record: User = {
      id: newId("user"),
      name: user.name,
      email: user.email ?? null,
      admin: user.admin ?? false,
      createdAt: new Date().toISOString(),
      disabledAt: null,
    };
    await this.db
      .insertInto("users")
      .values({
        id: record.id,
        name: record.name,
        email: record.email,
        admin: record.admin ? 1 : 0,
        created_at: record.createdAt,
        disabled_at: null,
        ...(user.idp ? { idp_issuer: user.idp.issuer, idp_subject: user.idp.subject } : {}),
      })
      .execute();
    return record;
  }

  async findUserBySubject(idp: IdpSubject): Promise<{ user: User } | undefined> {
    const row = await this.db
      .selectFrom("users")
      .selectAll()
      .where("idp_issuer", "=", idp.issuer)
      .where("idp_subject", "=", idp.subject)
      .executeTakeFirst();
    return row ? { user: toUser(row) } : undefined;
  }

  async findUserByEmail(email: string): Promise<{ user: User; linked: boolean } | undefined> {
    // The name first: admins make users by name (`--user ana@studio.com`, as docs/team.md says).
    const rows = await this.db
      .selectFrom("users")
      .selectAll()
      .where((eb) => eb.or([eb("name", "=", email), eb("email", "=", email)]))
      .execute();
    const row = rows.find((r) => r.name === email) ?? rows[0];
    return row ? { user: toUser(row), linked: row.idp_subject != null } : undefined;
  }

  async linkUserSubject(userId: string, idp: IdpSubject): Promise<boolean> {
    // "is null" in the WHERE makes the link once-only even with two sign-ins racing.
    const result = await this.db
      .updateTable("users")
      .set({ idp_issuer: idp.issuer, idp_subject: idp.subject })
      .where("id", "=", userId)
      .where("idp_subject", "is", null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async findUserByName(name: string): Promise<User | undefined> {
    const row = await this.db.selectFrom("users").selectAll().where("name", "=", name).executeTakeFirst();
    return row ? toUser(row) : undefined;
  }

  async getUser(id: string): Promise<User | undefined> {
    const row = await this.db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
    return row ? toUser(row) : undefined;
  }

  async listUsers(): Promise<User[]> {
    const rows = await this.db.selectFrom("users").selectAll().orderBy("name").execute();
    return rows.map(toUser);
  }

  async setUserDisabled(id: string, disabledAt: string | null): Promise<void> {
    await this.db.updateTable("users").set({ disabled_at: disabledAt }).where("id", "=", id).execute();
  }

  async insertToken(token: ApiTokenRecord): Promise<void> {
    await this.db
      .insertInto("api_tokens")
      .values({
        id: token.id,
        user_id: token.userId,
        hash: token.hash,
        label: token.label,
        created_at: token.createdAt,
        last_used_at: token.lastUsedAt,
        revoked_at: token.revokedAt,
      })
      .execute();
  }

  async tokenByHash(hash: string): Promise<{ token: ApiTokenRecord; user: User } | undefined> {
    // Liveness is decided in the query, so no caller can forget to check it.
    const row = await this.tokenWithUser(hash)
      .where("t.revoked_at", "is", null)
      .where("u.disabled_at", "is", null)
      .executeTakeFirst();
    return row ? splitTokenRow(row) : undefined;
  }

  async tokenRecordByHash(hash: string): Promise<{ token: ApiTokenRecord; user: User } | undefined> {
    const row = await this.tokenWithUser(hash).executeTakeFirst();
    return row ? splitTokenRow(row) : undefined;
  }

  private tokenWithUser(hash: string) {
    return this.db
      .selectFrom("api_tokens as t")
      .innerJoin("users as u", "u.id", "t.user_id")
      .select([
        "t.id as t_id",
        "t.user_id as t_user_id",
        "t.hash as t_hash",
        "t.label as t_label",
        "t.created_at as t_created_at",
        "t.last_used_at as t_last_used_at",
        "t.revoked_at as t_revoked_at",
        "u.id as id",
        "u.name as name",
        "u.email as email",
        "u.admin as admin",
        "u.created_at as created_at",
        "u.disabled_at as disabled_at",
      ])
      .where("t.hash", "=", hash);
  }

  async touchToken(id: string, at: string): Promise<void> {
    await this.db.updateTable("api_tokens").set({ last_used_at: at }).where("id", "=", id).execute();
  }

  async revokeToken(id: string, at: string): Promise<boolean> {
    const result = await this.db
      .updateTable("api_tokens")
      .set({ revoked_at: at })
      .where("id", "=", id)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async listTokens(userId?: string): Promise<ApiTokenRecord[]> {
    let query = this.db.selectFrom("api_tokens").selectAll().orderBy("created_at").orderBy("id");
    if (userId !== undefined) query = query.where("user_id", "=", userId);
    const rows = await query.execute();
    return rows.map(toToken);
  }

  async setBudget(limit: BudgetLimit): Promise<void> {
    await this.db
      .insertInto("budgets")
      .values({ scope: limit.scope, key: limit.key, period: limit.period, limit_usd: limit.limitUsd, updated_at: limit.updatedAt })
      .onConflict((oc) => oc.columns(["scope", "key", "period"]).doUpdateSet({ limit_usd: limit.limitUsd, updated_at: limit.updatedAt }))
      .execute();
  }

  async removeBudget(scope: BudgetLimit["scope"], key: string, period: BudgetLimit["period"]): Promise<void> {
    await this.db.deleteFrom("budgets").where("scope", "=", scope).where("key", "=", key).where("period", "=", period).execute();
  }

  async listBudgets(): Promise<BudgetLimit[]> {
    const rows = await this.db.selectFrom("budgets").selectAll().orderBy("scope").orderBy("key").orderBy("period").execute();
    return rows.map((row) => ({
      scope: row.scope,
      key: row.key,
      period: row.period,
      limitUsd: Number(row.limit_usd),
      updatedAt: row.updated_at,
    }));
  }

  async insertPairing(pairing: Pairing): Promise<void> {
    // Anyone may start a sign-in (the route has no token), so old pairings are swept as new ones
    // come: a pairing is useless an hour after it expired (a claimed one holds no token either).
    const stale = new Date(Date.parse(pairing.createdAt) - 3_600_000).toISOString();
    await this.db.deleteFrom("pairings").where("expires_at", "<", stale).execute();
    await this.db
      .insertInto("pairings")
      .values({
        code: pairing.code,
        created_at: pairing.createdAt,
        expires_at: pairing.expiresAt,
        flow: pairing.flow,
        token: pairing.token,
        claimed_at: pairing.claimedAt,
        client: pairing.client ?? null,
      })
      .execute();
  }

  async recentPairingTimes(client: string, since: string, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom("pairings")
      .select("created_at")
      .where("client", "=", client)
      .where("created_at", ">", since)
      .orderBy("created_at", "desc")
      .limit(limit)
      .execute();
    return rows.map((row) => row.created_at as string);
  }

  async getPairing(code: string): Promise<Pairing | undefined> {
    const row = await this.db.selectFrom("pairings").selectAll().where("code", "=", code).executeTakeFirst();
    if (!row) return undefined;
    return {
      code: row.code,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
      flow: row.flow,
      token: row.token ?? null,
      claimedAt: row.claimed_at ?? null,
      failure: row.failure ?? null,
      client: row.client ?? null,
    };
  }

  /** An update of a pairing still waiting for its sign-in: no token yet, not claimed, not expired. */
  private updateWaitingPairing(code: string, at: string) {
    return this.db.updateTable("pairings").where("code", "=", code).where("token", "is", null).where("claimed_at", "is", null).where("expires_at", ">", at);
  }

  async failPairing(code: string, failure: string, at: string): Promise<boolean> {
    const result = await this.updateWaitingPairing(code, at).set({ failure }).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async completePairing(code: string, token: string, at: string): Promise<boolean> {
    // One conditional UPDATE: a second callback (a reload of the IdP's redirect) or a late one
    // after expiry changes nothing.
    const result = await this.updateWaitingPairing(code, at).set({ token }).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async claimPairing(code: string, at: string): Promise<string | undefined> {
    if (this.dialect === "postgres") {
      // One statement: the sub-select locks the row and keeps the token as it was before this
      // UPDATE clears it. A second claimer racing on another connection waits for the lock, then
      // sees the cleared row and updates nothing (READ COMMITTED re-checks the WHERE on the new
      // row version), so the token is handed over exactly once.
      const result = await sql<{ token: string }>`
        UPDATE pairings AS p SET token = NULL, claimed_at = ${at}
        FROM (SELECT code, token FROM pairings WHERE code = ${code} FOR UPDATE) AS old
        WHERE p.code = old.code AND p.token IS NOT NULL AND p.claimed_at IS NULL AND p.expires_at > ${at}
        RETURNING old.token AS token`.execute(this.db);
      return result.rows[0]?.token;
    }
    // SQLite's RETURNING can name only the new row (token already cleared), so: mark claimed and
    // read the token, then clear it, in one transaction. The first statement is a write, so the
    // transaction holds SQLite's write lock from its start: no other claimer runs in between.
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .updateTable("pairings")
        .set({ claimed_at: at })
        .where("code", "=", code)
        .where("token", "is not", null)
        .where("claimed_at", "is", null)
        .where("expires_at", ">", at)
        .returning("token")
        .executeTakeFirst();
      if (!row) return undefined;
      await trx.updateTable("pairings").set({ token: null }).where("code", "=", code).execute();
      return row.token as string;
    });
  }
}

function toUser(row: any): User {
  return {
    id: row.id,
    name: row.name,
    email: row.email ?? null,
    admin: Number(row.admin) === 1,
    createdAt: row.created_at,
    disabledAt: row.disabled_at ?? null,
  };
}

function toToken(row: any): ApiTokenRecord {
  return {
    id: row.id,
    userId: row.user_id,
    hash: row.hash,
    label: row.label,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at ?? null,
    revokedAt: row.revoked_at ?? null,
  };
}

function splitTokenRow(row: any): { token: ApiTokenRecord; user: User } {
  return {
    token: toToken({
      id: row.t_id,
      user_id: row.t_user_id,
      hash: row.t_hash,
      label: row.t_label,
      created_at: row.t_created_at,
      last_used_at: row.t_last_used_at,
      revoked_at: row.t_revoked_at,
    }),
    user: toUser(row),
  };
}
