import type { Job, Take } from "../../core/schemas/index.js";
import { bestTake, compareTakes } from "../../core/takeRanking.js";
import { critiqueOf } from "./selectors.js";

/**
 * How a job's takes are laid out for the editor: one group per refinement round (`iteration`,
 * 0 = the first drafts), the takes of a round best first. Pure, so the order is tested once and
 * every view (current job, history) shows it the same way.
 */

export interface TakeGroup {
  /** The round (`take.iteration`): 0 for the first drafts. */
  iteration: number;
  takes: Take[];
}

/**
 * The takes grouped by round, rounds in order, each round's takes ranked as the director ranks
 * them (core/takeRanking.ts): scored by score, highest first; finished without a score; still
 * rendering; failed and canceled last. Ties keep the backend's numbering, so cards do not jump
 * about while scores arrive.
 */
export function groupTakesByRound(takes: readonly Take[]): TakeGroup[] {
  const byRound = new Map<number, Take[]>();
  for (const take of takes) {
    const group = byRound.get(take.iteration);
    if (group) group.push(take);
    else byRound.set(take.iteration, [take]);
  }
  return [...byRound.entries()]
    .sort(([a], [b]) => a - b)
    .map(([iteration, group]) => ({ iteration, takes: group.sort(compareTakes) }));
}

/**
 * The job's best take: the backend's pick (`job.loop.best`, an auto job), else for a plain job
 * with more than one scored take the highest-scored one (the take "Enhance best" would render).
 */
export function bestTakeId(job: Pick<Job, "loop"> | null, takes: readonly Take[]): string | null {
  if (job?.loop) return job.loop.best?.takeId ?? null;
  if (takes.filter((t) => t.state === "succeeded" && critiqueOf(t)).length < 2) return null;
  return bestTake(takes)?.id ?? null;
}

/**
 * What the editor calls a take: "Take 3", from the backend's numbering (the reasoning log and the
 * variants' "take 2 was 35% short" use the same numbers). Should two rounds number their takes
 * alike, the round is added so the names stay unique ("Take 1 · round 2").
 */
export function takeNames(takes: readonly Take[]): Map<string, string> {
  const counts = new Map<number, number>();
  for (const t of takes) counts.set(t.index, (counts.get(t.index) ?? 0) + 1);
  return new Map(takes.map((t) => [t.id, (counts.get(t.index) ?? 0) > 1 && t.iteration > 0 ? `Take ${t.index + 1} · round ${t.iteration + 1}` : `Take ${t.index + 1}`]));
}

/** The newest round that has takes (its cards preload their video; older rounds load on play). */
export function latestRound(takes: readonly Take[]): number {
  return takes.reduce((max, t) => Math.max(max, t.iteration), 0);
}
