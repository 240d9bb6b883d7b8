import crypto from "node:crypto";
import pg from "pg";

/**
 * PostgreSQL for tests: a real server (the test setup starts a throwaway one, or CI's), and a
 * fresh database per test file so files running in parallel never see each other's rows.
 * `RETAKE_TEST_PG_URL` names the server's admin connection; the default is the machine's own
 * cluster on 127.0.0.1:5432 with trust auth (Debian's, as CI machines have it).
 */
export const PG_ADMIN_URL = process.env.RETAKE_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface TestDatabase {
  /** Connection string of the new, empty database. */
  url: string;
  name: string;
  /** Drops the database (terminating anything still connected). */
  drop(): Promise<void>;
}

export async function freshDatabase(label = "retake"): Promise<TestDatabase> {
  const name = `${label.replace(/[^a-z0-9_]/gi, "_").toLowerCase()}_${crypto.randomBytes(5).toString("hex")}`;
  await adminQuery(`CREATE DATABASE "${name}"`);
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
