import fs from "node:fs";
import path from "node:path";
import { Kysely, PostgresDialect, SqliteDialect } from "kysely";
import type { LedgerTables } from "./dbTables.js";
import { KyselyStore } from "./kyselyStore.js";
import { migratePostgres, migrateSqlite, newerSchemaError, STORE_VERSION } from "./storeMigrations.js";

/**
 * Opens the ledger: the embedded SQLite file `<dataDir>/ledger.sqlite` (one editor), or a
 * studio's PostgreSQL at `databaseUrl` (team mode, `RETAKE_DATABASE_URL`). Either way the schema
 * is brought to this Retake's version first, and a database from a newer Retake is refused
 * before anything is written to it.
 *
 * The drivers are imported here, when asked for: better-sqlite3 is a native module built for one
 * Node, and a team-mode process never needs it.
 */
export type StoreLocation = { dataDir: string } | { databaseUrl: string; poolSize?: number };

/** Team mode when RETAKE_DATABASE_URL is set, else the embedded file in the data dir. */
export function storeLocation(dataDir: string, env: NodeJS.ProcessEnv = process.env): StoreLocation {
  const url = env.RETAKE_DATABASE_URL?.trim();
  return url ? { databaseUrl: url } : { dataDir };
}

export async function openStore(where: StoreLocation): Promise<KyselyStore> {
  if ("dataDir" in where) return openSqlite(where.dataDir);
  return openPostgres(where.databaseUrl, where.poolSize);
}

async function openSqlite(dataDir: string): Promise<KyselyStore> {
  const { default: Database } = await import("better-sqlite3");
  fs.mkdirSync(dataDir, { recursive: true });
  const database = new Database(path.join(dataDir, "ledger.sqlite"));
  const version = database.pragma("user_version", { simple: true }) as number;
  if (version > STORE_VERSION) {
    database.close();
    throw newerSchemaError(version, "sqlite");
  }
  // WAL keeps readers (SSE, lists) from blocking the writer; synchronous=NORMAL is durable
  // across process crashes, which is the failure we care about (a paid take must survive).
  database.pragma("journal_mode = WAL");
  database.pragma("synchronous = NORMAL");
  database.pragma("foreign_keys = ON");
  const db = new Kysely<LedgerTables>({ dialect: new SqliteDialect({ database }) });
  try {
    await migrateSqlite(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return new KyselyStore(db, "sqlite");
}

async function openPostgres(databaseUrl: string, poolSize = 10): Promise<KyselyStore> {
  const { default: pg } = await import("pg");
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize });
  // An idle client's error (the server restarted) must not crash the process; the next query reconnects.
  pool.on("error", () => undefined);
  // A client checked out of the pool (between two queries of a transaction) has no idle-error
  // listener: when the server restarts, its "error" event would be unhandled and end the process.
  // The query that runs on it next fails instead, and the pool makes a new connection.
  pool.on("connect", (client) => client.on("error", () => undefined));
  const db = new Kysely<LedgerTables>({ dialect: new PostgresDialect({ pool }) });
  try {
    await migratePostgres(db);
  } catch (error) {
    await db.destroy();
    throw explainConnectionError(error, databaseUrl);
  }
  return new KyselyStore(db, "postgres");
}

/** A connection failure says where it tried (without the password) and what to check. */
function explainConnectionError(error: unknown, databaseUrl: string): unknown {
  const code = (error as { code?: string }).code;
  if (code !== "ECONNREFUSED" && code !== "ENOTFOUND" && code !== "28P01" && code !== "3D000") return error;
  let where = "the database";
  try {
    const url = new URL(databaseUrl);
    where = `${url.hostname}:${url.port || 5432}${url.pathname}`;
  } catch {
    // An unparsable URL: say nothing of it (it may hold a password).
  }
  return new Error(`Cannot open the team database at ${where} (${code}: ${(error as Error).message}). Check RETAKE_DATABASE_URL and that PostgreSQL is running.`);
}
