import { TERMINAL_TAKE_STATES, type Money, type Take } from "../../core/schemas/index.js";
import type { TakeChange } from "./directorContext.js";
import { attemptCost, roundCost } from "./jobParts.js";

/**
 * The judge's estimate held in a take's cost (Take.judgeHeld): reserved when the take is made, so
 * the budget checks of every job made meanwhile see it, and settled when the judge has looked
 * (replaced by its counted cost) or never will (released). The spend the ledger sums is the
 * take's `cost`, so the hold has to be in it, not beside it.
 */

/** A new attempt's cost: its generation's, plus the judge's estimate held while the judge will look. */
export function heldCost(generation: Money, judgeUsd: number): Pick<Take, "cost" | "judgeHeld"> {
  if (judgeUsd <= 0) return { cost: generation };
  // An in-flight take's judge cost is an estimate, whatever the generation's is.
  return { cost: { usd: roundCost(generation.usd + judgeUsd), estimated: true }, judgeHeld: { usd: judgeUsd, generationEstimated: generation.estimated } };
}

/** What the current attempt's generation costs: its cost less the judge's hold. */
export function generationCost(take: Take): Money {
  const attempt = attemptCost(take);
  const held = take.judgeHeld;
  return held ? { usd: roundCost(Math.max(0, attempt.usd - held.usd)), estimated: held.generationEstimated } : attempt;
}

/**
 * A change applied to a take. A `cost` in the change is the current attempt's generation (a
 * provider's charge, a refund); the take's cost adds what its earlier attempts cost and the judge's
 * hold while it is held. A take that ends (failed, canceled, or ready without the judge having
 * looked) releases the hold: the judge will not look at it, so the budget no longer counts it.
 * A change with `judgeHeld: undefined` and a `cost` settles it (the judge's count in the cost).
 */
export function applyTakeChange(current: Take, change: TakeChange, now: string): Take {
  const next: Take = { ...current, ...change, updatedAt: now };
  const held = TERMINAL_TAKE_STATES.has(next.state) ? undefined : next.judgeHeld;
  const released = Boolean(current.judgeHeld) && !held;
  if (!held) delete next.judgeHeld;
  if (!change.cost && !released) return next;
  const attempt = change.cost ?? generationCost(current);
  if (held && change.cost) next.judgeHeld = { ...held, generationEstimated: change.cost.estimated };
  const earlier = next.earlierAttempts;
  const counted = earlier && earlier.usd > 0 ? earlier : { usd: 0, estimated: false };
  next.cost = {
    usd: roundCost(attempt.usd + (held?.usd ?? 0) + counted.usd),
    estimated: attempt.estimated || Boolean(held) || counted.estimated,
  };
  return next;
}

/** The same release for a write outside the director's transitions (a dead-lettered step's take). */
export function releaseJudgeHold(take: Take): Take {
  return take.judgeHeld ? applyTakeChange(take, { judgeHeld: undefined }, take.updatedAt) : take;
}

/** The judge's counted cost in place of its hold (nothing counted, e.g. not judged for budget: the hold is released). */
export function judgeCounted(current: Take, judged: { costUsd: number; estimated: boolean }): TakeChange {
  const generation = generationCost(current);
  return {
    judgeHeld: undefined,
    cost: { usd: roundCost(generation.usd + judged.costUsd), estimated: generation.estimated || (judged.costUsd > 0 && judged.estimated) },
  };
}
