import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { parseOr400 } from "../http/errors.js";
import type { SpendRow, Store, TeamStore } from "../ledger/store.js";
import { ServiceError } from "../serviceError.js";
import { requireAdmin } from "./authenticate.js";
import { ADMIN_PAGE } from "./adminPage.js";
import { issueToken } from "./tokens.js";
import type { JobEvents } from "../director/jobEvents.js";
import { describeFailedSteps, redriveFailedStep, type FailedStepQueue } from "../team/failedSteps.js";

/**
 * Team mode's admin API (admins only; `requireAdmin`) and its page at /admin/:
 *   GET    /v1/admin/spend?from=DAY&to=DAY   spend by editor and by project (default: this month)
 *   GET    /v1/admin/users                   who exists (names for the budget form)
 *   POST   /v1/admin/users/:id/disable|enable  an editor who left: all their tokens stop working
 *   GET    /v1/admin/tokens                  every token: whose, label, last use, revoked (never a secret or hash)
 *   POST   /v1/admin/tokens                  { user, admin?, label? } → a new token, shown once
 *   POST   /v1/admin/tokens/:id/revoke
 *   GET    /v1/admin/budgets
 *   PUT    /v1/admin/budgets                 { scope, key, period, limitUsd }
 *   DELETE /v1/admin/budgets?scope=&key=&period=
 *   GET    /v1/admin/dead-letters            failed steps: whose, which project and prompt, the error, attempts
 *   POST   /v1/admin/dead-letters/:id/redrive  run a failed step again (its take resumes from the ledger)
 */
export interface AdminRouteOptions {
  team: TeamStore;
  /** The ledger's spend rows (Store.spendRows, which carries each job's userId). */
  ledger: Pick<Store, "spendRows">;
  /**
   * The step queue's failed steps (team/failedSteps.ts) and the ledger they are read against.
   * Absent where no queue is open: the routes then answer 503.
   */
  failedSteps?: FailedStepsAccess;
  now?: () => Date;
}

export interface FailedStepsAccess {
  queue: FailedStepQueue;
  ledger: Pick<Store, "getJob" | "getTake" | "changeTake" | "recordRound" | "updateJob" | "appendLog">;
  events: Pick<JobEvents, "emit">;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

const BudgetBody = z.object({
  scope: z.enum(["studio", "project", "user"]),
  key: z.string().max(200).default(""),
  period: z.enum(["day", "month"]),
  limitUsd: z.number().finite().nonnegative(),
});

const BudgetKey = z.object({
  scope: z.enum(["studio", "project", "user"]),
  key: z.string().default(""),
  period: z.enum(["day", "month"]),
});

const TokenBody = z.object({
  user: z.string().trim().min(1).max(200),
  admin: z.boolean().optional(),
  label: z.string().max(200).optional(),
});

export interface SpendSummary {
  from: string;
  to: string;
  totalUsd: number;
  byEditor: Array<{ userId: string | null; name: string; usd: number; jobs: number }>;
  byProject: Array<{ project: string; usd: number; jobs: number }>;
  byEditorAndProject: Array<{ userId: string | null; name: string; project: string; usd: number }>;
}

/** Sums spend rows between two UTC days (inclusive) by editor, by project and by both. */
export function summariseSpend(rows: SpendRow[], names: Map<string, string>, from: string, to: string): SpendSummary {
  const editors = new Map<string, { userId: string | null; usd: number; jobs: Set<string> }>();
  const projects = new Map<string, { usd: number; jobs: Set<string> }>();
  const pairs = new Map<string, { userId: string | null; project: string; usd: number }>();
  let total = 0;
  for (const row of rows) {
    if (row.day < from || row.day > to) continue;
    total += row.usd;
    const editorKey = row.userId ?? "";
    const editor = editors.get(editorKey) ?? { userId: row.userId, usd: 0, jobs: new Set<string>() };
    editor.usd += row.usd;
    editor.jobs.add(row.jobId);
    editors.set(editorKey, editor);
    const project = projects.get(row.project) ?? { usd: 0, jobs: new Set<string>() };
    project.usd += row.usd;
    project.jobs.add(row.jobId);
    projects.set(row.project, project);
    const pairKey = `${editorKey}\u0000${row.project}`;
    const pair = pairs.get(pairKey) ?? { userId: row.userId, project: row.project, usd: 0 };
    pair.usd += row.usd;
    pairs.set(pairKey, pair);
  }
  const nameOf = (userId: string | null) => (userId === null ? "(not signed in)" : (names.get(userId) ?? userId));
  // Tenths of a cent, as the panel's spend totals keep them.
  const money = (usd: number) => Math.round(usd * 1000) / 1000;
  return {
    from,
    to,
    totalUsd: money(total),
    byEditor: [...editors.values()]
      .map((e) => ({ userId: e.userId, name: nameOf(e.userId), usd: money(e.usd), jobs: e.jobs.size }))
      .sort((a, b) => b.usd - a.usd || a.name.localeCompare(b.name)),
    byProject: [...projects.entries()]
      .map(([project, p]) => ({ project, usd: money(p.usd), jobs: p.jobs.size }))
      .sort((a, b) => b.usd - a.usd || a.project.localeCompare(b.project)),
    byEditorAndProject: [...pairs.values()]
      .map((p) => ({ userId: p.userId, name: nameOf(p.userId), project: p.project, usd: money(p.usd) }))
      .sort((a, b) => b.usd - a.usd || a.name.localeCompare(b.name) || a.project.localeCompare(b.project)),
  };
}

export function registerAdminRoutes(app: FastifyInstance, options: AdminRouteOptions): void {
  const { team } = options;
  const now = options.now ?? (() => new Date());

  const setDisabled = async (id: string, disabledAt: string | null) => {
    const user = await team.getUser(id);
    if (!user) throw new ServiceError(404, "user_unknown", `No user with id "${id}" (GET /v1/admin/users lists them).`);
    await team.setUserDisabled(id, disabledAt);
    return { id, name: user.name, disabledAt };
  };

  // Its own plugin scope, so the admin check guards these routes and nothing else.
  app.register(async (admin) => {
    admin.addHook("preHandler", async (request) => {
      requireAdmin(request);
    });

    admin.get<{ Querystring: { from?: string; to?: string } }>("/v1/admin/spend", async (request) => {
      const today = now().toISOString().slice(0, 10);
      const from = request.query.from ?? `${today.slice(0, 8)}01`;
      const to = request.query.to ?? today;
      for (const [field, value] of [["from", from], ["to", to]] as const) {
        if (!DAY.test(value)) throw new ServiceError(400, "invalid_request", `"${field}" must be a UTC day like 2026-12-01, not "${value}".`, field);
      }
      const [rows, users] = await Promise.all([options.ledger.spendRows(), team.listUsers()]);
      return summariseSpend(rows, new Map(users.map((u) => [u.id, u.name])), from, to);
    });

    admin.get("/v1/admin/users", async () => ({
      users: (await team.listUsers()).map((u) => ({ id: u.id, name: u.name, email: u.email, admin: u.admin, disabledAt: u.disabledAt })),
    }));

    // An editor who leaves: every token of theirs stops working at once (and works again if enabled).
    admin.post<{ Params: { id: string } }>("/v1/admin/users/:id/disable", async (request) => setDisabled(request.params.id, now().toISOString()));
    admin.post<{ Params: { id: string } }>("/v1/admin/users/:id/enable", async (request) => setDisabled(request.params.id, null));

    admin.get("/v1/admin/tokens", async () => {
      const [tokens, users] = await Promise.all([team.listTokens(), team.listUsers()]);
      const names = new Map(users.map((u) => [u.id, u.name]));
      return {
        tokens: tokens.map((t) => ({
          id: t.id,
          userId: t.userId,
          userName: names.get(t.userId) ?? t.userId,
          label: t.label,
          createdAt: t.createdAt,
          lastUsedAt: t.lastUsedAt,
          revokedAt: t.revokedAt,
        })),
      };
    });

    admin.post("/v1/admin/tokens", async (request, reply) => {
      const body = parseOr400(TokenBody, request.body ?? {}, "Token request");
      const user = (await team.findUserByName(body.user)) ?? (await team.createUser({ name: body.user, admin: body.admin ?? false }));
      const { secret, record } = await issueToken(team, user.id, body.label ?? "issued by an admin", now());
      return reply
        .code(201)
        .header("Cache-Control", "no-store")
        .send({ id: record.id, token: secret, user: { id: user.id, name: user.name, admin: user.admin } });
    });

    admin.post<{ Params: { id: string } }>("/v1/admin/tokens/:id/revoke", async (request) => {
      const at = now().toISOString();
      if (await team.revokeToken(request.params.id, at)) return { id: request.params.id, revokedAt: at };
      const existing = (await team.listTokens()).find((t) => t.id === request.params.id);
      if (!existing) throw new ServiceError(404, "token_unknown", `No token with id "${request.params.id}".`);
      throw new ServiceError(409, "token_already_revoked", `Token ${existing.id} was already revoked at ${existing.revokedAt}.`);
    });

    const failedSteps = () => {
      if (!options.failedSteps) throw new ServiceError(503, "queue_unavailable", "This process has no step queue open, so it cannot list or redrive failed steps; ask a `retake serve` process.");
      return options.failedSteps;
    };
    admin.get("/v1/admin/dead-letters", async () => {
      const { queue, ledger } = failedSteps();
      return { deadLetters: await describeFailedSteps(await queue.deadLetters(), { ...bind(ledger), listUsers: () => team.listUsers() }) };
    });
    admin.post<{ Params: { id: string } }>("/v1/admin/dead-letters/:id/redrive", async (request) => {
      const { queue, ledger, events } = failedSteps();
      const redriven = await redriveFailedStep(request.params.id, queue, { ...bind(ledger), listUsers: () => team.listUsers() }, events);
      if (!redriven) {
        throw new ServiceError(
          404,
          "dead_letter_unknown",
          `No failed step "${request.params.id}" is waiting: it was redriven already (or the same step is queued again), or there never was one. GET /v1/admin/dead-letters lists those waiting.`,
        );
      }
      return { redriven };
    });

    admin.get("/v1/admin/budgets", async () => ({ budgets: await team.listBudgets() }));

    admin.put("/v1/admin/budgets", async (request) => {
      const body = parseOr400(BudgetBody, request.body ?? {}, "Budget");
      await checkBudgetKey(team, body.scope, body.key);
      const budget = { ...body, updatedAt: now().toISOString() };
      await team.setBudget(budget);
      return { budget };
    });

    admin.delete<{ Querystring: Record<string, string> }>("/v1/admin/budgets", async (request, reply) => {
      const key = parseOr400(BudgetKey, request.query, "Budget to remove");
      await team.removeBudget(key.scope, key.key, key.period);
      return reply.code(204).send();
    });
  });

  // The page: plain HTML and JavaScript, no build step (a string in adminPage.ts, so the bundled
  // CLI serves it too). It holds no secret; the admin pastes their token.
  app.get("/admin", async (_request, reply) => reply.redirect("/admin/"));
  app.get("/admin/", async (_request, reply) => reply.header("Cache-Control", "no-store").type("text/html; charset=utf-8").send(ADMIN_PAGE));
}

/** The ledger's methods as plain functions (a store's methods need their `this`). */
function bind(ledger: FailedStepsAccess["ledger"]): FailedStepsAccess["ledger"] {
  return {
    getJob: (id) => ledger.getJob(id),
    getTake: (id) => ledger.getTake(id),
    changeTake: (id, change) => ledger.changeTake(id, change),
    recordRound: (jobId, log, takes, change, guard) => ledger.recordRound(jobId, log, takes, change, guard),
    updateJob: (id, change) => ledger.updateJob(id, change),
    appendLog: (jobId, entry) => ledger.appendLog(jobId, entry),
  };
}

async function checkBudgetKey(team: TeamStore, scope: "studio" | "project" | "user", key: string): Promise<void> {
  if (scope === "studio" && key !== "") throw new ServiceError(400, "invalid_request", 'A studio budget has no key: send "key": "".', "key");
  if (scope === "project" && key.trim() === "") throw new ServiceError(400, "invalid_request", "A project budget needs the project's name as its key.", "key");
  if (scope === "user" && !(await team.getUser(key))) {
    throw new ServiceError(400, "invalid_request", `An editor's budget needs the editor's user id as its key; there is no user "${key}" (GET /v1/admin/users lists them).`, "key");
  }
}
