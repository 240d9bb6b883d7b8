/**
 * The auto loop's decisions, apart from the machinery that runs takes (director.ts): after every
 * take of a round has settled, rank the job's takes, then stop (target reached, rounds used,
 * budget spent, nothing to score) or plan the next round from the best take's critique. Pure, so
 * every branch is testable with hand-made takes; the director writes what it returns.
 */
import { bestTake, rankTakes, takeScore } from "../../core/takeRanking.js";
import { TERMINAL_TAKE_STATES, type Job, type JobLogEntry, type JobLoop, type LoopStop, type Take, type TakeVariant } from "../../core/schemas/index.js";
import { Critique } from "../critic/critiqueSchema.js";
import { usd } from "./budget.js";
import { planRefinement, type PlanCapabilities } from "./refinePlan.js";

export type LogLine = Omit<JobLogEntry, "seq" | "at">;

export interface RoundContext {
  job: Job;
  providerLabel: string;
  capabilities: PlanCapabilities;
  /** What one more take costs, and what the job's budget and the day's cap still allow. */
  perTakeUsd: number;
  budgetLeftUsd: number;
  dailyLeftUsd: number;
  /** Team mode: the tightest of the admin's limits that apply (studio, project, editor), when any is set. */
  adminLeft?: { leftUsd: number; name: string };
  randomSeed: () => number;
}

export type RoundDecision =
  | { kind: "wait" }
  | { kind: "stop"; loop: JobLoop; log: LogLine[] }
  | { kind: "refine"; loop: JobLoop; variants: TakeVariant[]; log: LogLine[] };

/** The 1-based number the panel shows for a take ("take 3"). */
export const takeNumber = (take: Take) => take.index + 1;

export function decideAfterRound(ctx: RoundContext): RoundDecision {
  const { job } = ctx;
  const auto = job.auto;
  const loop = job.loop;
  if (!auto || !loop || loop.state === "done") return { kind: "wait" };
  const round = loop.round;
  const roundTakes = job.takes.filter((t) => t.iteration === round);
  if (roundTakes.length === 0 || roundTakes.some((t) => !TERMINAL_TAKE_STATES.has(t.state))) return { kind: "wait" };

  const log: LogLine[] = [scoreLine(round, roundTakes)];
  const best = bestTake(job.takes);
  const bestRef = best ? { takeId: best.id, score: takeScore(best)! } : null;
  const stop = (reason: LoopStop, text: string): RoundDecision => ({
    kind: "stop",
    loop: { state: "done", round, stop: reason, best: bestRef },
    log: [...log, { round, kind: "stop", text, ...(best ? { takeIds: [best.id] } : {}) }],
  });

  if (job.canceled) return stop("canceled", `Stopped: the job was canceled after round ${round + 1}.`);
  if (bestRef && bestRef.score >= auto.target) {
    return stop("target", `Done: take ${takeNumber(best!)} scores ${Math.round(bestRef.score)}, at or over the target of ${auto.target}.`);
  }
  if (!roundTakes.some((t) => t.state === "succeeded")) {
    const failure = roundTakes.find((t) => t.error)?.error?.message;
    return stop(
      "failed",
      `Stopped: every take of round ${round + 1} failed${failure ? ` (${failure.replace(/\.$/, "")})` : ""}; drafting again would likely fail the same way. Change the request, or retry the takes.`,
    );
  }
  if (!best) return stop("unscored", "Stopped: no take could be scored, so there is nothing to refine from. The takes are ready to compare by eye.");
  const bestText = `the best is take ${takeNumber(best)} at ${Math.round(bestRef!.score)}`;
  if (round >= auto.rounds) {
    return stop("rounds", `Done: ${auto.rounds} refinement round${auto.rounds === 1 ? "" : "s"} used; ${bestText}, under the target of ${auto.target}.`);
  }

  const wanted = job.count;
  // The tightest of the job's budget, the day's cap and the admin's limits decides the round's size.
  const room = [
    { leftUsd: ctx.budgetLeftUsd, name: "the job's budget" },
    { leftUsd: ctx.dailyLeftUsd, name: "the day's cap" },
    ...(ctx.adminLeft ? [ctx.adminLeft] : []),
  ].reduce((a, b) => (b.leftUsd < a.leftUsd ? b : a));
  const leftUsd = room.leftUsd;
  const affordable = ctx.perTakeUsd > 0 ? Math.floor(leftUsd / ctx.perTakeUsd + 1e-9) : wanted;
  const count = Math.min(wanted, affordable);
  if (count <= 0) {
    return stop("budget", `Stopped: another take costs ${usd(ctx.perTakeUsd)} and ${room.name} leaves ${usd(Math.max(0, leftUsd))}; ${bestText}.`);
  }
  const plan = planRefinement({ direction: job.direction, capabilities: ctx.capabilities, count, randomSeed: ctx.randomSeed }, { take: best, number: takeNumber(best) });
  const next = round + 1;
  if (count < wanted) {
    log.push({ round: next, kind: "budget", text: `The budget allows ${count} of ${wanted} takes in round ${next + 1} (${usd(ctx.perTakeUsd)} each, ${usd(leftUsd)} left).` });
  }
  log.push({
    round: next,
    kind: "refine",
    text: `Round ${next + 1} refines take ${takeNumber(best)} (${Math.round(bestRef!.score)}, target ${auto.target}): ${plan.summary.join("; ")}. Drafting ${count} take${count === 1 ? "" : "s"} on ${ctx.providerLabel}.`,
    takeIds: [best.id],
  });
  return { kind: "refine", loop: { state: "running", round: next, best: bestRef }, variants: plan.variants, log };
}

/** "Round 1 scored: take 3 62 (pan right as asked but 35% short); take 1 58; take 4 failed (…)." */
function scoreLine(round: number, takes: readonly Take[]): LogLine {
  // The round's best gets the critic's sentence; the others their score, or why they failed.
  const parts = rankTakes(takes).map((t, rank) => {
    const score = takeScore(t);
    if (t.state === "succeeded") {
      if (score === null) return `take ${takeNumber(t)} not scored`;
      const critique = rank === 0 ? Critique.safeParse(t.critique) : null;
      const sentence = critique?.success ? critique.data.critique.replace(/\.$/, "") : "";
      return `take ${takeNumber(t)} ${Math.round(score)}${sentence ? ` (${sentence})` : ""}`;
    }
    if (t.state === "failed") return `take ${takeNumber(t)} failed${t.error ? ` (${t.error.message.replace(/\.$/, "")})` : ""}`;
    return `take ${takeNumber(t)} ${t.state}`;
  });
  return { round, kind: "score", text: `Round ${round + 1} scored: ${parts.join("; ")}.`, takeIds: takes.map((t) => t.id) };
}
