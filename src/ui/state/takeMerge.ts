import { TERMINAL_TAKE_STATES, type Take } from "../../core/schemas/index.js";

/**
 * Merge one take update into the takes-by-id map. Events can arrive twice or out of order
 * (an SSE reconnect replays every take changed since Last-Event-ID, and a `job` snapshot can
 * trail a `take` event), so an update never moves a take backwards:
 * - a take that reached a terminal state (succeeded, failed, canceled) is never reopened by a
 *   non-terminal update;
 * - an update older than what we hold (by `updatedAt`) is ignored;
 * - except that a later attempt (the take retried after a failure: `attempt` bumped, the round
 *   in `iteration` kept) always replaces an earlier one, and an earlier attempt never comes back.
 * Returns the same map object when nothing changed, so subscribers do not re-render.
 */
export function mergeTake(takes: Readonly<Record<string, Take>>, incoming: Take): Record<string, Take> {
  const current = takes[incoming.id];
  if (current && !shouldReplace(current, incoming)) return takes as Record<string, Take>;
  return { ...takes, [incoming.id]: incoming };
}

export function mergeTakes(takes: Readonly<Record<string, Take>>, incoming: readonly Take[]): Record<string, Take> {
  let next = takes as Record<string, Take>;
  for (const take of incoming) next = mergeTake(next, take);
  return next;
}

/** How many times the take was sent again; a take never retried has no `attempt`. */
const attemptOf = (take: Take) => take.attempt ?? 0;

function shouldReplace(current: Take, incoming: Take): boolean {
  if (attemptOf(incoming) !== attemptOf(current)) return attemptOf(incoming) > attemptOf(current);
  const currentTerminal = TERMINAL_TAKE_STATES.has(current.state);
  const incomingTerminal = TERMINAL_TAKE_STATES.has(incoming.state);
  if (currentTerminal && !incomingTerminal) return false;
  const currentTime = Date.parse(current.updatedAt);
  const incomingTime = Date.parse(incoming.updatedAt);
  // Timestamps that do not parse cannot prove staleness; accept the update (unless it reopens).
  if (Number.isFinite(currentTime) && Number.isFinite(incomingTime) && incomingTime < currentTime) return false;
  return true;
}

/** Takes of one job, round by round, each round in the order the backend numbered its takes. */
export function takesOfJob(takes: Readonly<Record<string, Take>>, jobId: string): Take[] {
  return Object.values(takes)
    .filter((t) => t.jobId === jobId)
    .sort((a, b) => a.iteration - b.iteration || a.index - b.index);
}
