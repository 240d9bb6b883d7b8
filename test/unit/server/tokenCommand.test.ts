import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveToken } from "../../../src/server/identity/tokens.js";
import { KyselyTeamStore } from "../../../src/server/ledger/teamRecords.js";
import { freshDatabase, type TestDatabase } from "../../helpers/postgres.js";

/**
 * `retake token …` end to end: the real `retake` command in a child process against a fresh
 * PostgreSQL database with no tables yet; the tokens it prints are then checked the way the
 * service checks them.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const bin = path.join(root, "bin/retake.mjs");

function retake(args: string[], env: Record<string, string | undefined>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const childEnv = { ...process.env, ...env };
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete childEnv[k];
    execFile(process.execPath, [bin, ...args], { cwd: root, env: childEnv, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

let database: TestDatabase;
let db: Kysely<any>;
let store: KyselyTeamStore;
let env: Record<string, string>;

beforeAll(async () => {
  database = await freshDatabase("tokencmd");
  env = { RETAKE_DATABASE_URL: database.url };
});
afterAll(async () => {
  await db?.destroy();
  await database?.drop();
});

describe("retake token", () => {
  it("says the command needs the team database when RETAKE_DATABASE_URL is unset", async () => {
    const res = await retake(["token", "list"], { RETAKE_DATABASE_URL: undefined });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("RETAKE_DATABASE_URL");
    expect(res.stderr).toMatch(/team/);
  });

  it("creates an admin's token on a database without tables: printed once, works, stored as a hash", async () => {
    const res = await retake(["token", "create", "--user", "boss", "--admin", "--label", "setup"], env);
    expect(res.stderr).toContain("boss (admin)");
    expect(res.code).toBe(0);
    const token = res.stdout.trim();
    expect(token).toMatch(/^rtk_[A-Za-z0-9_-]{43}$/); // stdout is the token alone
    expect(res.stderr).toContain("retake token revoke tok_");
    expect(res.stderr).not.toContain(token);

    const pool = new pg.Pool({ connectionString: database.url, max: 2 });
    pool.on("connect", (client) => client.on("error", () => {}));
    db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
    store = new KyselyTeamStore(db, "postgres");
    const verdict = await resolveToken(store, token);
    expect(verdict.ok && verdict.user.name).toBe("boss");
    expect(verdict.ok && verdict.user.admin).toBe(true);
    const stored = await db.selectFrom("api_tokens").selectAll().execute();
    expect(JSON.stringify(stored)).not.toContain(token.slice(4));
  });

  it("creates an editor's token, lists both, and revokes one by id", async () => {
    const created = await retake(["token", "create", "--user", "ana"], env);
    expect(created.code).toBe(0);
    const anaToken = created.stdout.trim();
    const id = /retake token revoke (tok_\w+)/.exec(created.stderr)![1]!;

    const listed = await retake(["token", "list"], env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/boss \(admin\)\s+setup/);
    expect(listed.stdout).toContain(id);
    expect(listed.stdout).not.toContain(anaToken);

    const before = await resolveToken(store, anaToken);
    expect(before.ok).toBe(true);
    const revoked = await retake(["token", "revoke", id], env);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`Revoked token ${id} of ana`);
    expect(await resolveToken(store, anaToken)).toMatchObject({ ok: false, reason: "revoked" });
    expect((await retake(["token", "list", "--user", "ana"], env)).stdout).toMatch(/revoked/);

    const unknown = await retake(["token", "revoke", "tok_nope"], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("No token with id");
  });

  it("refuses to turn an existing editor into an admin through a token", async () => {
    const res = await retake(["token", "create", "--user", "ana", "--admin"], env);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe("");
    expect(res.stderr).toContain("not an admin");
  });
});
