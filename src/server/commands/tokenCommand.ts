import { ConfigError } from "../config.js";
import { issueToken } from "../identity/tokens.js";
import type { KyselyStore } from "../ledger/kyselyStore.js";
import { openStore } from "../ledger/openStore.js";
import type { TeamStore } from "../ledger/store.js";
import { redactDatabaseUrl } from "../team/jsonLog.js";

/**
 * `retake token create --user NAME [--admin] [--label L]`, `retake token revoke ID|--user NAME`,
 * `retake token list [--user NAME]`: per-user API tokens for team mode, where no identity
 * provider signs editors in (or for workers and scripts). They work on the team database named
 * by RETAKE_DATABASE_URL; an embedded Retake has one token of its own and no users.
 *
 * `create` prints the token alone on stdout (so `retake token create --user ci > token` works)
 * and the explanation on stderr. The token is shown this once: only its hash is stored.
 */

const USAGE = `Usage:
  retake token create --user NAME [--admin] [--label LABEL]   a new token for NAME (made if new); shown once
  retake token revoke ID                                      revoke one token (ids from \`retake token list\`)
  retake token revoke --user NAME                             revoke every live token of NAME
  retake token list [--user NAME]                             tokens: whose, label, last use, state
Needs RETAKE_DATABASE_URL (the team database, postgres://…).
`;

export async function tokenCommand(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== "create" && sub !== "revoke" && sub !== "list") {
    process.stderr.write(sub === undefined || sub === "help" || sub === "--help" ? USAGE : `Unknown token command "${sub}".\n\n${USAGE}`);
    return sub === "help" || sub === "--help" ? 0 : 1;
  }
  const options = parseOptions(rest);
  if (typeof options === "string") {
    process.stderr.write(`${options}\n\n${USAGE}`);
    return 1;
  }
  const store = await openTeamDatabase(env);
  try {
    if (sub === "create") return await create(store, options);
    if (sub === "revoke") return await revoke(store, options);
    return await list(store, options);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`${describeDatabaseError(message, env.RETAKE_DATABASE_URL ?? "")}\n`);
    return 1;
  } finally {
    await store.close();
  }
}

interface Options {
  user?: string;
  admin: boolean;
  label?: string;
  id?: string;
}

function parseOptions(args: string[]): Options | string {
  const options: Options = { admin: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const value = () => {
      const next = args[++i];
      if (next === undefined || next.startsWith("--")) throw new ConfigError(`${arg} needs a value.`);
      return next;
    };
    try {
      if (arg === "--user") options.user = value();
      else if (arg === "--label") options.label = value();
      else if (arg === "--admin") options.admin = true;
      else if (!arg.startsWith("--") && options.id === undefined) options.id = arg;
      else return `Unknown argument "${arg}".`;
    } catch (error) {
      return (error as Error).message;
    }
  }
  return options;
}

async function create(store: TeamStore, options: Options): Promise<number> {
  const name = options.user?.trim();
  if (!name) {
    process.stderr.write(`retake token create needs --user NAME.\n\n${USAGE}`);
    return 1;
  }
  let user = await store.findUserByName(name);
  if (user?.disabledAt) {
    process.stderr.write(`${name} is disabled (since ${user.disabledAt}); a token for them would not work.\n`);
    return 1;
  }
  if (user && options.admin && !user.admin) {
    // A token carries its user's rights; it cannot make someone an admin on the side.
    process.stderr.write(`${name} already exists and is not an admin; --admin cannot change that. Make the admin token for another name, or leave out --admin.\n`);
    return 1;
  }
  user ??= await store.createUser({ name, admin: options.admin });
  const label = options.label ?? "issued with retake token create";
  const { secret, record } = await issueToken(store, user.id, label);
  process.stdout.write(`${secret}\n`);
  process.stderr.write(
    [
      "",
      `Token ${record.id} for ${user.name}${user.admin ? " (admin)" : ""}, "${label}". It is shown only this once: copy it now.`,
      "Use it:",
      "  - in the Retake panel: Settings → service URL and token;",
      `  - from scripts: Authorization: Bearer <token>  (or ?token=<token> on media and event URLs);`,
      user.admin ? "  - the admin page: <service URL>/admin/" : "",
      `Revoke it with: retake token revoke ${record.id}`,
      "",
    ]
      .filter((line) => line !== "")
      .join("\n") + "\n",
  );
  return 0;
}

async function revoke(store: TeamStore, options: Options): Promise<number> {
  const at = new Date().toISOString();
  if (options.user) {
    const user = await store.findUserByName(options.user);
    if (!user) {
      process.stderr.write(`No user named "${options.user}" (retake token list shows whose tokens there are).\n`);
      return 1;
    }
    const live = (await store.listTokens(user.id)).filter((t) => t.revokedAt === null);
    for (const token of live) await store.revokeToken(token.id, at);
    process.stdout.write(`Revoked ${live.length} token${live.length === 1 ? "" : "s"} of ${user.name}.\n`);
    return 0;
  }
  if (!options.id) {
    process.stderr.write(`retake token revoke needs a token id, or --user NAME.\n\n${USAGE}`);
    return 1;
  }
  const token = (await store.listTokens()).find((t) => t.id === options.id);
  if (!token) {
    process.stderr.write(`No token with id "${options.id}" (retake token list shows them).\n`);
    return 1;
  }
  const owner = (await store.getUser(token.userId))?.name ?? token.userId;
  if (!(await store.revokeToken(token.id, at))) {
    process.stdout.write(`Token ${token.id} of ${owner} was already revoked (${token.revokedAt}).\n`);
    return 0;
  }
  process.stdout.write(`Revoked token ${token.id} of ${owner} ("${token.label}"). Whatever used it is refused from now on.\n`);
  return 0;
}

async function list(store: TeamStore, options: Options): Promise<number> {
  const users = await store.listUsers();
  const names = new Map(users.map((u) => [u.id, u.name]));
  let userId: string | undefined;
  if (options.user) {
    userId = users.find((u) => u.name === options.user)?.id;
    if (!userId) {
      process.stderr.write(`No user named "${options.user}".\n`);
      return 1;
    }
  }
  const tokens = await store.listTokens(userId);
  if (tokens.length === 0) {
    process.stdout.write("No tokens yet. Make one with: retake token create --user NAME\n");
    return 0;
  }
  const rows = [
    ["ID", "USER", "LABEL", "CREATED", "LAST USED", "STATE"],
    ...tokens.map((t) => [
      t.id,
      `${names.get(t.userId) ?? t.userId}${users.find((u) => u.id === t.userId)?.admin ? " (admin)" : ""}`,
      t.label,
      t.createdAt.slice(0, 16).replace("T", " "),
      t.lastUsedAt ? t.lastUsedAt.slice(0, 16).replace("T", " ") : "never",
      t.revokedAt ? `revoked ${t.revokedAt.slice(0, 10)}` : "live",
    ]),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  process.stdout.write(rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join("  ").trimEnd()).join("\n") + "\n");
  return 0;
}

/**
 * The team database as a store: `openStore` brings it to this Retake's schema (the team tables
 * are one of its migrations, run under the store's own lock), so this command works on a fresh
 * database as well as on a running service's.
 */
export async function openTeamDatabase(env: NodeJS.ProcessEnv): Promise<KyselyStore> {
  const url = env.RETAKE_DATABASE_URL?.trim();
  if (!url) {
    throw new ConfigError(
      "retake token works on a team service's database: set RETAKE_DATABASE_URL to its PostgreSQL (postgres://user@host:5432/retake). An embedded Retake (no RETAKE_DATABASE_URL) has one token of its own, in the file \"token\" in its data dir.",
    );
  }
  if (!/^postgres(ql)?:\/\//i.test(url)) {
    throw new ConfigError(`RETAKE_DATABASE_URL must be a PostgreSQL URL (postgres://…), not "${redactDatabaseUrl(url)}".`);
  }
  try {
    return await openStore({ databaseUrl: url, poolSize: 2 });
  } catch (error) {
    throw new ConfigError(describeDatabaseError(error instanceof Error ? error.message : String(error), url));
  }
}


function describeDatabaseError(message: string, url: string): string {
  const where = redactDatabaseUrl(url);
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|timeout/i.test(message)) {
    return `Could not reach the team database at ${where} (RETAKE_DATABASE_URL): ${message}. Is PostgreSQL running there?`;
  }
  if (/does not exist/i.test(message) && /database/i.test(message)) {
    return `The team database in RETAKE_DATABASE_URL (${where}) does not exist: ${message}. Create it (createdb) first.`;
  }
  return `The team database (${where}) refused: ${message}`;
}
