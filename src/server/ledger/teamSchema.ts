import { sql, type Kysely } from "kysely";

export type Dialect = "sqlite" | "postgres";

/**
 * Team mode's tables (ledger schema v4): editors, their API tokens (hashes only), the budgets an
 * admin sets, and browser sign-ins in progress. One definition for both databases; the only
 * dialect difference is the money column's type (SQLite's REAL is already 8 bytes; PostgreSQL's
 * REAL is 4, too coarse for tenths of a cent summed over a studio's month).
 *
 * The ledger's migration list runs this as part of step v4 (which also records on each job who
 * made it, `jobs.user_id`).
 */
export async function createTeamTables(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const money = dialect === "postgres" ? sql.raw("DOUBLE PRECISION") : sql.raw("REAL");
  await sql`CREATE TABLE users (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    email TEXT,
    admin INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    disabled_at TEXT
  )`.execute(db);
  await sql`CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    hash TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT
  )`.execute(db);
  await sql`CREATE INDEX api_tokens_user ON api_tokens(user_id)`.execute(db);
  await sql`CREATE TABLE budgets (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    period TEXT NOT NULL,
    limit_usd ${money} NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (scope, key, period)
  )`.execute(db);
  await sql`CREATE TABLE pairings (
    code TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    flow TEXT NOT NULL,
    token TEXT,
    claimed_at TEXT
  )`.execute(db);
}

/**
 * Ledger schema v5: the identity provider's account a user signs in as (issuer + `sub`). Email
 * is not an identity: on Entra ID the `email` claim can be unverified and user-editable
 * ("nOAuth"), so browser sign-in keys users on these two and uses email only to link, once, a
 * user an admin made by that email. NULLs are distinct in a UNIQUE index on both databases, so
 * every admin-made user without a sign-in yet fits.
 */
export async function addIdentitySubjects(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE users ADD COLUMN idp_issuer TEXT`.execute(db);
  await sql`ALTER TABLE users ADD COLUMN idp_subject TEXT`.execute(db);
  await sql`CREATE UNIQUE INDEX users_idp_subject ON users(idp_issuer, idp_subject)`.execute(db);
  // Why a browser sign-in was refused (domain, disabled user, account linked elsewhere), so the
  // panel waiting on the pairing can say it instead of waiting out the ten minutes.
  await sql`ALTER TABLE pairings ADD COLUMN failure TEXT`.execute(db);
}

/**
 * Ledger schema v7: which client address started each browser sign-in, so `POST
 * /v1/auth/pairings` (open to anyone: it needs no token) can count an address's recent sign-ins
 * in the database that every API process shares, and refuse a flood (pairingRateLimit.ts). The
 * index serves exactly that count. Pairings are swept an hour after they expire, addresses with them.
 */
export async function addPairingClients(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE pairings ADD COLUMN client TEXT`.execute(db);
  await sql`CREATE INDEX pairings_client ON pairings(client, created_at)`.execute(db);
}
