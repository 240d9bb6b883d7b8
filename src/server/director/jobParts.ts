import { AUTO_DEFAULT_COUNT, type Job, type JobMode, type Money, type ProviderInfo, type SequenceColorSpace, type Take, type TakeVariant } from "../../core/schemas/index.js";
import { bestTake, takeScore } from "../../core/takeRanking.js";
import { BudgetRefusedError, type SpendGuard, type Store } from "../ledger/store.js";
import { newId } from "../ids.js";
import type { Provider } from "../providers/provider.js";
import { DirectorError } from "./directorContext.js";
import { limitsFor } from "./providerExtras.js";
import type { PlanCapabilities } from "./refinePlan.js";

/** Small pure pieces the director's modules share: new take records, defaults, costs, waits. */

/** A take record as it starts: queued, nothing sent, nothing delivered. */
export function newTake(input: {
  jobId: string;
  index: number;
  iteration: number;
  cost: Money;
  /** The judge's estimate held in `cost` (judgeHold.ts heldCost). */
  judgeHeld?: Take["judgeHeld"];
  colorSpace: SequenceColorSpace;
  now: string;
  variant?: TakeVariant;
  message?: string;
}): Take {
  return {
    id: newId("take"),
    jobId: input.jobId,
    index: input.index,
    iteration: input.iteration,
    ...(input.variant ? { variant: input.variant } : {}),
    providerJobId: null,
    request: null,
    state: "queued",
    progress: 0,
    message: input.message ?? "Queued",
    error: null,
    outputs: {},
    critique: null,
    cost: input.cost,
    ...(input.judgeHeld ? { judgeHeld: input.judgeHeld } : {}),
    colorSpace: input.colorSpace,
    createdAt: input.now,
    updatedAt: input.now,
  };
}

/**
 * Inserts a job whose spend `guard` checks in the same transaction; a refusal is the editor's
 * 402 with the figures (nothing was written).
 */
export async function insertGuarded(store: Store, job: Job, guard: SpendGuard | undefined, field?: string): Promise<void> {
  try {
    await store.insertJob(job, guard);
  } catch (error) {
    if (error instanceof BudgetRefusedError) throw new DirectorError(402, "over_budget", error.message, field);
    throw error;
  }
}

/**
 * The space a provider delivers in: one that cannot make HDR in this mode delivers Rec.709
 * whatever the sequence is; conform (or an upconversion) brings it to the sequence's space.
 */
export function deliveredColorSpace(info: ProviderInfo, mode: JobMode, sequence: SequenceColorSpace): SequenceColorSpace {
  return limitsFor(info, mode)?.hdr === false ? "rec709" : sequence;
}

/** The model a mode uses when the request names none: the mode's own default, else the provider's first. */
export function defaultModel(provider: Provider, info: ProviderInfo, mode: JobMode): string {
  return info.capabilities.limits?.[mode]?.defaultModel ?? info.capabilities.models[0] ?? provider.id;
}

/** Takes a job makes when the request names no count: one, or four a round in auto mode. */
export function defaultCount(info: ProviderInfo, auto: boolean): number {
  return auto ? Math.min(AUTO_DEFAULT_COUNT, info.capabilities.maxCount) : 1;
}

/** What the take's current attempt is expected to cost (its cost less its earlier attempts'). */
export function attemptCost(take: Take): Money {
  return { usd: Math.max(0, take.cost.usd - (take.earlierAttempts?.usd ?? 0)), estimated: take.cost.estimated };
}

export function planCapabilities(info: ProviderInfo): PlanCapabilities {
  return { seed: info.capabilities.seed === true, keyframes: info.capabilities.keyframes === true };
}

export function bestRef(takes: readonly Take[]): { takeId: string; score: number } | null {
  const best = bestTake(takes);
  return best ? { takeId: best.id, score: takeScore(best)! } : null;
}

export const roundCost = (v: number) => Math.round(v * 1e6) / 1e6;

/** Waits `ms`, or less when `signal` aborts (never rejects). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    // Remove the listener when the timer wins, or a long poll piles up listeners on the signal.
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
