import type { Job, SpendTotals } from "../../core/schemas/index.js";
import { DEFAULT_BUDGET, type BudgetSettings } from "../config.js";
import type { SpendGuard, Store } from "../ledger/store.js";

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
   * Why spending `totalUsd` more would be refused, with the figures; undefined when allowed. A
   * request may ask for a smaller job budget than the default, never a larger daily cap. Read now:
   * a check before work that a guarded write (`guard`) makes again atomically.
   */
  async refusal(totalUsd: number, input: RefusalInput): Promise<string | undefined> {
    if (totalUsd <= 0) return undefined;
    const jobUsd = input.jobId ? await this.store.spentInJob(input.jobId) : 0;
    return this.refusalGiven(totalUsd, input, { jobUsd, dayUsd: await this.spentToday() });
  }

  /**
   * The same check as a spend guard for a store write (insertJob, addTakes): it runs inside the
   * write's transaction on what is spent there, so two jobs at once that only one fits under
   * cannot both land. `words` is added to a refusal (what else the figure covers).
   */
  guard(totalUsd: number, input: RefusalInput, words = ""): SpendGuard {
    return (spent) => {
      const refused = this.refusalGiven(totalUsd, input, spent);
      return refused === undefined ? undefined : refused + words;
    };
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
