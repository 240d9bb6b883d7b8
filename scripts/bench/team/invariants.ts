/**
 * After the run: what must hold, read from the ledger (the team database) and from the stand-in's
 * own counts, never from what the editors' clients happened to hear.
 *
 * - every take ended: succeeded, failed with a reason, or canceled;
 * - nothing lost: every job an editor was answered 201 for is in the ledger with its takes, and
 *   no bench job is in the ledger that no editor asked for;
 * - nothing paid twice: no take submitted to the stand-in more than once, and no submit that no
 *   take recorded (a generation paid for and dropped);
 * - no budget exceeded: each editor's spend (the ledger's take costs) within their day budget.
 */
import pg from "pg";
import type { EditorStats } from "./editors.js";

export interface StandInCounts {
  requests: number;
  unauthorized: number;
  submits: number;
  doubles: Array<{ key: string; n: number }>;
  perKey: Record<string, number>;
  generations: Array<{ id: string; key: string; polls: number; downloads: number; done: boolean; lastPollPort: number | null; lastPollAt: number | null }>;
}

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface LedgerTake {
  jobId: string;
  takeId: string;
  tag: string;
  userName: string | null;
  provider: string;
  state: string;
  errorMessage: string | null;
  providerJobId: string | null;
  costUsd: number;
  createdAt: string;
  updatedAt: string;
}

const TAG = /\[bench [^\]]+\]/;

export async function readLedger(databaseUrl: string): Promise<LedgerTake[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ job_id: string; take_id: string; job_json: string; take_json: string; state: string; cost_usd: number; provider: string; user_name: string | null }>(
      `SELECT j.id AS job_id, t.id AS take_id, j.json AS job_json, t.json AS take_json, t.state, t.cost_usd, j.provider, u.name AS user_name
         FROM jobs j LEFT JOIN takes t ON t.job_id = j.id LEFT JOIN users u ON u.id = j.user_id`,
    );
    return rows.map((r) => {
      const take = r.take_json ? (JSON.parse(r.take_json) as { providerJobId?: string | null; error?: { message?: string } | null; createdAt: string; updatedAt: string }) : null;
      return {
        jobId: r.job_id,
        takeId: r.take_id,
        tag: TAG.exec(r.job_json)?.[0] ?? "",
        userName: r.user_name,
        provider: r.provider,
        state: r.state ?? "no takes",
        errorMessage: take?.error?.message ?? null,
        providerJobId: take?.providerJobId ?? null,
        costUsd: Number(r.cost_usd ?? 0),
        createdAt: take?.createdAt ?? "",
        updatedAt: take?.updatedAt ?? "",
      };
    });
  } finally {
    await client.end();
  }
}

export function checkInvariants(ledger: LedgerTake[], editors: EditorStats, counts: StandInCounts, budgets: Map<string, number>): Check[] {
  const checks: Check[] = [];
  const bench = ledger.filter((t) => t.tag);

  const unended = bench.filter((t) => !(t.state === "succeeded" || t.state === "canceled" || (t.state === "failed" && t.errorMessage)));
  checks.push({
    name: "every take ended (succeeded / failed with a reason / canceled)",
    ok: unended.length === 0 && bench.length > 0,
    detail: unended.length ? `${unended.length} not ended: ${unended.slice(0, 5).map((t) => `${t.tag} ${t.takeId} ${t.state}`).join("; ")}` : `${bench.length} takes`,
  });

  const byJob = new Map<string, LedgerTake[]>();
  for (const t of bench) byJob.set(t.jobId, [...(byJob.get(t.jobId) ?? []), t]);
  const missing = editors.jobs.filter((j) => !byJob.has(j.jobId));
  const withoutTakes = editors.jobs.filter((j) => (byJob.get(j.jobId) ?? []).every((t) => !t.takeId));
  const asked = new Set(editors.jobs.map((j) => j.jobId));
  const ambiguous = new Set(editors.ambiguousTags);
  const unasked = [...byJob.values()].filter((ts) => !asked.has(ts[0]!.jobId) && !ambiguous.has(ts[0]!.tag));
  checks.push({
    name: "no take lost (ledger matches what the editors asked for)",
    ok: missing.length === 0 && withoutTakes.length === 0 && unasked.length === 0,
    detail:
      `${editors.jobs.length} jobs answered 201, ${byJob.size} bench jobs in the ledger` +
      (missing.length ? `; missing: ${missing.slice(0, 5).map((j) => j.tag).join(", ")}` : "") +
      (withoutTakes.length ? `; without takes: ${withoutTakes.slice(0, 5).map((j) => j.tag).join(", ")}` : "") +
      (unasked.length ? `; in the ledger but never asked: ${unasked.slice(0, 5).map((ts) => ts[0]!.tag).join(", ")}` : "") +
      (ambiguous.size ? `; ${ambiguous.size} POSTs unanswered (${[...ambiguous].filter((tag) => bench.some((t) => t.tag === tag)).length} of them made a job)` : ""),
  });

  const recorded = new Set(bench.filter((t) => t.provider === "luma" && t.providerJobId).map((t) => t.providerJobId));
  const orphans = counts.generations.filter((g) => !recorded.has(g.id));
  checks.push({
    name: "nothing paid twice (stand-in: one submit per take)",
    ok: counts.doubles.length === 0 && orphans.length === 0 && counts.submits > 0,
    detail:
      `${counts.submits} submits for ${Object.keys(counts.perKey).length} takes, ${recorded.size} generations recorded in the ledger` +
      (counts.doubles.length ? `; submitted more than once: ${counts.doubles.slice(0, 5).map((d) => `${d.key}×${d.n}`).join(", ")}` : "") +
      (orphans.length ? `; ${orphans.length} generations no take recorded: ${orphans.slice(0, 3).map((g) => g.key).join(", ")}` : ""),
  });

  const spend = new Map<string, number>();
  for (const t of bench) if (t.userName) spend.set(t.userName, (spend.get(t.userName) ?? 0) + t.costUsd);
  const over = [...budgets].filter(([user, limit]) => (spend.get(user) ?? 0) > limit + 1e-9);
  checks.push({
    name: "no editor's spend above their day budget",
    ok: over.length === 0,
    detail:
      `${budgets.size} budgets; ${editors.refusedEditors.length} editors refused over budget (${editors.refusedOverBudget} asks): ${editors.refusedEditors.map((u) => `${u} spent $${(spend.get(u) ?? 0).toFixed(2)} of $${(budgets.get(u) ?? 0).toFixed(2)}`).join(", ")}` +
      (over.length ? `; OVER: ${over.map(([u, l]) => `${u} $${(spend.get(u) ?? 0).toFixed(2)} > $${l.toFixed(2)}`).join(", ")}` : ""),
  });
  return checks;
}
