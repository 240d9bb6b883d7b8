import type { AutoSettings, JobLoop, Money } from "../core/schemas/index.js";
import { formatCost } from "./format.js";

/**
 * Words for the reasoning loop of an auto job: where it is, why it stopped, the heading of each
 * round, and the cost against the budget. Rounds are counted from 1 for the editor; the records
 * count them from 0 (`take.iteration`, `loop.round`).
 */

/** "Round 1 · 4 drafts", "Round 2 · refined". */
export function roundHeading(iteration: number, takeCount: number, mode: "draft" | "final" = "draft"): string {
  if (iteration > 0) return `Round ${iteration + 1} · refined`;
  const noun = mode === "final" ? (takeCount === 1 ? "final" : "finals") : takeCount === 1 ? "draft" : "drafts";
  return `Round 1 · ${takeCount} ${noun}`;
}

/** The best take, for the loop line: "best: Take 3, score 86". */
export interface BestTakeWords {
  name: string;
  score: number;
}

/**
 * One line for the loop: "Round 2 of 3 running…", or done and why ("Target 80 reached in round 1;
 * best: Take 3, score 86").
 */
export function loopInWords(loop: JobLoop, auto: AutoSettings | undefined, best: BestTakeWords | null): string {
  const round = loop.round + 1;
  const of = auto ? ` of ${auto.rounds + 1}` : "";
  const bestWords = best ? `best: ${best.name}, score ${Math.round(best.score)}` : "";
  if (loop.state === "running") return `Round ${round}${of} running…${bestWords ? ` So far ${bestWords}.` : ""}`;
  const target = auto?.target;
  const tail = bestWords ? `; ${bestWords}.` : ".";
  switch (loop.stop) {
    case "target":
      return `Done: target${target !== undefined ? ` ${target}` : ""} reached in round ${round}` + tail;
    case "rounds":
      return `Done: every refinement round used${target !== undefined ? `, still under the target ${target}` : ""}` + tail;
    case "budget":
      // The job's budget or the day's cap: the log's last line says which, with the figures.
      return "Stopped: the budget leaves no room for another take" + tail;
    case "canceled":
      return "Canceled" + tail;
    case "failed":
      // Team mode: the studio service gave up on deciding the next round; an admin can run it again.
      if (loop.stoppedOnService) return `Stopped on the studio service after round ${round}: an admin can retry it (the reasoning log says why)` + tail;
      // Every take of the round failed, or the provider went away: the log says which.
      return `Stopped in round ${round}: it could not go on (the reasoning log says why)` + tail;
    case "unscored":
      return `Stopped: the critic could not score round ${round}, so there was nothing to refine from` + tail;
    default:
      return "Done" + tail;
  }
}

/** "Spent $0.40 of $10.00", "Spent ~$1.20 (est.) of $10.00", or without a budget "Spent $0.40". */
export function spentInWords(spent: Money, limitUsd: number | undefined): string {
  const amount = `${formatCost(spent)}${spent.estimated ? " (est.)" : ""}`;
  return limitUsd === undefined ? `Spent ${amount}` : `Spent ${amount} of $${limitUsd.toFixed(2)}`;
}

/** Auto mode in the Draft button's line: "4 takes a round, up to 2 refinements, stop at 80". */
export function autoInWords(count: number, auto: AutoSettings): string {
  const takes = `${count} ${count === 1 ? "take" : "takes"} a round`;
  const rounds = auto.rounds === 0 ? "no refinement (ranked only)" : `up to ${auto.rounds} ${auto.rounds === 1 ? "refinement" : "refinements"}`;
  return `${takes}, ${rounds}, stop at ${auto.target}`;
}
