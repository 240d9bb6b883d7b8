import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Kysely, PostgresDialect, SqliteDialect } from "kysely";
import pg from "pg";
import { addIdentitySubjects, addPairingClients, createTeamTables, type Dialect } from "../../src/server/ledger/teamSchema.js";
import { freshDatabase } from "./postgres.js";

/**
 * A Kysely instance on a new, empty database of either kind with the team tables made, for tests
 * that run the same cases on SQLite (a temp file through better-sqlite3) and on PostgreSQL (a fresh
 * database per call). `close` destroys the connection(s) and removes the database.
 */
export interface TeamTestDatabase {
  dialect: Dialect;
  db: Kysely<any>;
  /** PostgreSQL connection string (undefined on SQLite). */
  url?: string;
  close(): Promise<void>;
}

export async function openTeamTestDatabase(dialect: Dialect): Promise<TeamTestDatabase> {
  if (dialect === "sqlite") {
    // Loaded here, not at the top: better-sqlite3 is built for Node 20 only (see common rules).
    const { default: Database } = await import("better-sqlite3");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-team-"));
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(path.join(dir, "ledger.sqlite")) }) });
    await createTeamTables(db, "sqlite");
    await addIdentitySubjects(db);
    await addPairingClients(db);
    return {
      dialect,
      db,
      close: async () => {
        await db.destroy();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const database = await freshDatabase("team");
  const pool = new pg.Pool({ connectionString: database.url, max: 8 });
  // Dropping the database WITH (FORCE) ends connections still closing after the pool ended; that
  // is the end of the test, not a failure in it.
  pool.on("connect", (client) => client.on("error", () => {}));
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
  await createTeamTables(db, "postgres");
  await addIdentitySubjects(db);
  await addPairingClients(db);
  return {
    dialect,
    db,
    url: database.url,
    close: async () => {
      await db.destroy();
      await database.drop();
    },
  };
}
