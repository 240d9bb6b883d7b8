import type { Take } from "./schemas/job.js";

/**
 * How takes are ranked wherever they are ranked (the director picking the best of a round, the
 * panel sorting a round's cards, Enhance "best", the take auto-refine builds on): scored finished
 * takes whose direction the critic could measure, by score, highest first; then scored takes with
 * something directed it could not measure (the camera, a subject path…), by score; then finished
 * takes without a score; then the ones still rendering; failed and canceled last. Ties keep the
 * backend's numbering.
 *
 * Why measured first: an unmeasured move neither costs nor earns points, so a take whose camera
 * could not be seen can score 100 without having made the move at all. It is shown ("camera not
 * measured"), but it must not win over a take that was checked and did the move, and auto-refine
 * cannot correct a request from what it could not see.
 */

/** The critic's 0–100 score of a take, or null when it has none (not scored, not finished). */
export function takeScore(take: Pick<Take, "critique">): number | null {
  const score = (take.critique as { score?: unknown } | null)?.score;
  return typeof score === "number" && Number.isFinite(score) ? score : null;
}

type MaybeMeasured = { measurable?: unknown };
interface CritiqueMeasures {
  camera?: MaybeMeasured;
  adherence?: { cameraMoves?: MaybeMeasured[]; framing?: MaybeMeasured[]; holds?: MaybeMeasured[]; subjects?: MaybeMeasured[]; staticMeasured?: unknown } | null;
}

/** True when the critic could not measure the camera or something the editor directed (read leniently: older critiques lack the fields). */
export function somethingUnmeasured(take: Pick<Take, "critique">): boolean {
  const c = take.critique as CritiqueMeasures | null;
  if (!c || typeof c !== "object") return false;
  if (c.camera?.measurable === false) return true;
  const a = c.adherence;
  if (!a) return false;
  const lists = [a.cameraMoves, a.framing, a.holds, a.subjects];
  return a.staticMeasured === false || lists.some((l) => Array.isArray(l) && l.some((x) => x?.measurable === false));
}

function rankClass(take: Take): number {
  if (take.state === "succeeded") return takeScore(take) === null ? 2 : somethingUnmeasured(take) ? 1 : 0;
  if (take.state === "queued" || take.state === "running") return 3;
  return 4;
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
