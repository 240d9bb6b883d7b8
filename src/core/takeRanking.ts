import type { Take } from "./schemas/job.js";

/**
 * How takes are ranked wherever they are ranked (the director picking the best of a round, the
 * panel sorting a round's cards): scored finished takes by score, highest first; then finished
 * takes without a score; then the ones still rendering; failed and canceled last. Ties keep the
 * backend's numbering.
 */

/** The critic's 0–100 score of a take, or null when it has none (not scored, not finished). */
export function takeScore(take: Pick<Take, "critique">): number | null {
  const score = (take.critique as { score?: unknown } | null)?.score;
  return typeof score === "number" && Number.isFinite(score) ? score : null;
}

function rankClass(take: Take): number {
  if (take.state === "succeeded") return takeScore(take) !== null ? 0 : 1;
  if (take.state === "queued" || take.state === "running") return 2;
  return 3;
}

export function compareTakes(a: Take, b: Take): number {
  return rankClass(a) - rankClass(b) || (takeScore(b) ?? 0) - (takeScore(a) ?? 0) || a.index - b.index;
}

export function rankTakes(takes: readonly Take[]): Take[] {
  return [...takes].sort(compareTakes);
}

/** The best scored finished take, or null. */
export function bestTake(takes: readonly Take[]): Take | null {
  const first = rankTakes(takes)[0];
  return first && first.state === "succeeded" && takeScore(first) !== null ? first : null;
}
