import type { CostEstimate, Job, SpendTotals } from "../../core/schemas/index.js";
import { DEFAULT_BUDGET, type BudgetSettings } from "../config.js";
import type { BudgetLimit, SpendGuard, SpendSnapshot, Store, TeamStore } from "../ledger/store.js";

/**
 * The backend's spending rules, from the ledger: a job may spend at most its budget (its own, or
 * the per-job default fixed when it was made), all jobs of a UTC day at most the daily cap.
 * Every refusal says the figures, so the editor knows what to change.
 */
export class Budget {
  constructor(
    private readonly store: Store,
    readonly settings: BudgetSettings = DEFAULT_BUDGET,
  ) {}

  /** The most a job may spend: fixed at creation; older jobs without it use today's default. */
  limitOf(job: Pick<Job, "budgetLimitUsd" | "budgetUsd">): number {
    return job.budgetLimitUsd ?? job.budgetUsd ?? this.settings.perJobUsd;
  }

  spentToday(): Promise<number> {
    return this.store.spentOn(today());
  }

  /** What the job's budget and the day's cap still allow. */
  async roomFor(job: Pick<Job, "id" | "budgetLimitUsd" | "budgetUsd">): Promise<{ jobLeftUsd: number; dayLeftUsd: number }> {
    return {
      jobLeftUsd: this.limitOf(job) - (await this.store.spentInJob(job.id)),
      dayLeftUsd: this.settings.dailyCapUsd - (await this.spentToday()),
    };
  }

  /**
   * Why spending `totalUsd` more would be refused, as a spend guard for a store write (insertJob,
   * addTakes, recordRound, a retry's changeTake): a job may not pass its budget nor the day its
   * cap (a request may ask for a smaller job budget than the default, never a larger daily cap).
   * It runs inside the write's transaction on what is spent there, so two jobs at once that only one fits under
   * cannot both land. `words` is added to a refusal (what else the figure covers).
   *
   * Team mode adds the admin's limits (studio, project, editor; per day or month, TeamStore):
   * read here, before the write (the guard itself is synchronous, inside the transaction), and
   * held against the figures the store reads in the transaction for the job's project and editor.
   */
  async guard(totalUsd: number, input: RefusalInput, words = ""): Promise<SpendGuard> {
    const limits = await this.teamLimits();
    const names = limits.some((l) => l.scope === "user") ? await this.userNames() : new Map<string, string>();
    return this.guardWith(totalUsd, input, limits, names, words);
  }

  /** The guard on limits and names already read. */
  private guardWith(totalUsd: number, input: RefusalInput, limits: BudgetLimit[], names: Map<string, string>, words = ""): SpendGuard {
    return (spent) => {
      const refused = this.refusalGiven(totalUsd, input, spent) ?? teamRefusal(totalUsd, limits, names, spent);
      return refused === undefined ? undefined : refused + words;
    };
  }

  /**
   * What the guarded write for spending `totalUsd` would decide now, for an estimate: the refusal
   * it would give (the same guard, on the spend as it is now), and the admin's limits that apply to
   * this project and editor with what is spent in each's period. Read now: creation checks again
   * atomically, so only spending by others in between can turn this yes into a no.
   */
  async preview(totalUsd: number, input: RefusalInput, of: { project: string; userId: string | null }): Promise<{ refusal?: string; limits: AppliedLimit[] }> {
    const spent = await this.store.spendSnapshot({ ...of, ...(input.jobId ? { jobId: input.jobId } : {}) }, today());
    const limits = await this.teamLimits();
    const names = await this.userNames();
    // The limits and names read once, for both the refusal and the list.
    const refusal = this.guardWith(totalUsd, input, limits, names)(spent);
    return {
      ...(refusal !== undefined ? { refusal } : {}),
      limits: applyingLimits(limits, spent).map(({ limit, spentUsd }) => ({
        scope: limit.scope,
        ...(limit.scope === "studio" ? {} : { name: limit.scope === "project" ? limit.key : (names.get(limit.key) ?? "this editor") }),
        period: limit.period,
        limitUsd: limit.limitUsd,
        spentUsd: roundTotal(spentUsd),
      })),
    };
  }

  /**
   * The tightest of the admin's limits on this job's project and editor (undefined without any):
   * what it still allows and its name, so the auto loop drafts only the takes that fit and stops on a budget rather than being refused.
   */
  async adminRoomFor(job: Pick<Job, "frame" | "createdBy">): Promise<{ leftUsd: number; name: string } | undefined> {
    const limits = await this.teamLimits();
    if (limits.length === 0) return undefined;
    const spent = await this.store.spendSnapshot({ project: job.frame.sequence.projectName ?? "", userId: job.createdBy?.userId ?? null }, today());
    let tightest: { leftUsd: number; name: string } | undefined;
    for (const { limit, spentUsd } of applyingLimits(limits, spent)) {
      const leftUsd = limit.limitUsd - spentUsd;
      if (tightest && tightest.leftUsd <= leftUsd) continue;
      const whose = limit.scope === "studio" ? "the studio's" : limit.scope === "project" ? `project "${limit.key}"'s` : "the editor's";
      tightest = { leftUsd, name: `${whose} ${limit.period === "month" ? "monthly" : "daily"} budget` };
    }
    return tightest;
  }

  /** The admin's limits, when the store keeps them (the embedded SQLite store does too, empty unless set). */
  private async teamLimits(): Promise<BudgetLimit[]> {
    const team = this.store as Partial<TeamStore>;
    return typeof team.listBudgets === "function" ? await team.listBudgets() : [];
  }

  private async userNames(): Promise<Map<string, string>> {
    const team = this.store as Partial<TeamStore>;
    return new Map(typeof team.listUsers === "function" ? (await team.listUsers()).map((u) => [u.id, u.name] as const) : []);
  }

  private refusalGiven(totalUsd: number, input: RefusalInput, spent: { jobUsd: number; dayUsd: number }): string | undefined {
    if (totalUsd <= 0) return undefined;
    const jobBudget = input.limitUsd ?? input.budgetUsd ?? this.settings.perJobUsd;
    const spentInJob = input.jobId ? spent.jobUsd : 0;
    if (spentInJob + totalUsd > jobBudget + 1e-9) {
      // One take (a final, an upscale, a retry) cannot be made smaller by asking for fewer.
      const advice = input.count > 1 ? "Make fewer takes, or raise the job budget." : "Raise the job budget, or choose a cheaper provider, model or size.";
      return `This job would cost ${usd(spentInJob + totalUsd)} (${input.count} × ${usd(input.perTakeUsd)}${spentInJob ? ` + ${usd(spentInJob)} already spent` : ""}), over its budget of ${usd(jobBudget)}. ${advice}`;
    }
    const spentToday = spent.dayUsd;
    if (spentToday + totalUsd > this.settings.dailyCapUsd + 1e-9) {
      return `This job would cost ${usd(totalUsd)}; ${usd(spentToday)} is already spent today, and the daily cap is ${usd(this.settings.dailyCapUsd)} (RETAKE_DAILY_CAP_USD).`;
    }
    return undefined;
  }

  /** Spend per day, project and job, from the ledger (GET /v1/spend). */
  async totals(): Promise<SpendTotals> {
    const rows = await this.store.spendRows();
    const sum = <K extends string>(key: (r: (typeof rows)[number]) => K) => {
      const totals = new Map<K, number>();
      for (const r of rows) totals.set(key(r), (totals.get(key(r)) ?? 0) + r.usd);
      return [...totals.entries()].map(([k, value]) => [k, roundTotal(value)] as const);
    };
    const day = today();
    return {
      today: { day, usd: roundTotal(await this.store.spentOn(day)) },
      days: sum((r) => r.day)
        .map(([d, value]) => ({ day: d, usd: value }))
        .sort((a, b) => b.day.localeCompare(a.day)),
      projects: sum((r) => r.project).map(([project, value]) => ({ project, usd: value })),
      jobs: sum((r) => r.jobId).map(([jobId, value]) => ({ jobId, usd: value })),
    };
  }
}

/**
 * The first of the admin's limits (studio, then project, then editor; day before month) that
 * spending `totalUsd` more would pass, said with its figures; undefined when all allow it.
 */
export function teamRefusal(totalUsd: number, limits: BudgetLimit[], names: Map<string, string>, spent: SpendSnapshot): string | undefined {
  if (totalUsd <= 0 || limits.length === 0) return undefined;
  for (const { limit, spentUsd: already } of applyingLimits(limits, spent)) {
    const month = limit.period === "month";
    if (already + totalUsd <= limit.limitUsd + 1e-9) continue;
    const whose =
      limit.scope === "studio" ? "The studio's"
      : limit.scope === "project" ? `Project "${limit.key}"'s`
      : `${names.get(limit.key) ?? "This editor"}'s`;
    const period = month ? "monthly" : "daily";
    const when = month ? "this month" : "today";
    return `${whose} ${period} budget is ${usd(limit.limitUsd)}; ${usd(already)} is spent ${when}; this job would cost ${usd(totalUsd)}. Ask an admin to raise it, or wait for the next ${month ? "month" : "day"} (UTC).`;
  }
  return undefined;
}

/**
 * The admin's limits that apply to the snapshot's project and editor, each with what is spent in
 * its period: studio, then project, then editor; day before month (the order a refusal names them).
 */
export function applyingLimits(limits: BudgetLimit[], spent: SpendSnapshot): Array<{ limit: BudgetLimit; spentUsd: number }> {
  const order = { studio: 0, project: 1, user: 2 } as const;
  return limits
    .filter((l) => (l.scope === "studio" ? true : l.scope === "project" ? l.key === spent.project : spent.userId !== null && l.key === spent.userId))
    .sort((a, b) => order[a.scope] - order[b.scope] || (a.period === b.period ? 0 : a.period === "day" ? -1 : 1))
    .map((limit) => {
      const month = limit.period === "month";
      const spentUsd =
        limit.scope === "studio" ? (month ? spent.monthUsd : spent.dayUsd)
        : limit.scope === "project" ? (month ? spent.projectMonthUsd : spent.projectDayUsd)
        : month ? spent.userMonthUsd : spent.userDayUsd;
      return { limit, spentUsd };
    });
}

/** One of the admin's limits as an estimate shows it (CostEstimate's budget.limits). */
export type AppliedLimit = NonNullable<CostEstimate["budget"]["limits"]>[number];

interface RefusalInput {
  budgetUsd?: number;
  count: number;
  perTakeUsd: number;
  /** An existing job (a retry): its spend so far counts against its budget. */
  jobId?: string;
  limitUsd?: number;
}

/** Spend totals keep tenths of a cent: a judge's look costs about $0.002, which cents would hide. */
function roundTotal(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

export function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

export function usd(value: number): string {
  return `$${value.toFixed(2)}`;
}

export function today(): string {
  return new Date().toISOString().slice(0, 10);
}
