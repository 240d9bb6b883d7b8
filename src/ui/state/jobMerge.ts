import type { Job, JobLogEntry, JobLoop } from "../../core/schemas/index.js";

/**
 * Merging job-level updates (the `job` snapshot events and the `log` lines of an auto job).
 * Like takes, they can arrive twice (an SSE reconnect replays) or out of order (a snapshot
 * fetched by a poll can trail a `log` event), so a merge never loses a line or moves the loop
 * backwards. The takes of a snapshot are merged separately (takeMerge.ts).
 */

/** Both logs' lines, each once (by its event `seq`), oldest first. Returns `current` when nothing is new. */
export function mergeLog(current: readonly JobLogEntry[] | undefined, incoming: readonly JobLogEntry[] | undefined): JobLogEntry[] {
  const base = current ?? [];
  if (!incoming || incoming.length === 0) return base as JobLogEntry[];
  const seen = new Set(base.map((e) => e.seq));
  const added = incoming.filter((e) => !seen.has(e.seq) && (seen.add(e.seq), true));
  if (added.length === 0) return base as JobLogEntry[];
  return [...base, ...added].sort((a, b) => a.seq - b.seq);
}

/**
 * The later of two loop states: a finished loop never starts running again (and "done" is news
 * whatever round a running one was at), and the round never goes back. Within the same round and
 * state the incoming one wins (the best take changes as the round's scores come in).
 */
export function mergeLoop(current: JobLoop | undefined, incoming: JobLoop | undefined): JobLoop | undefined {
  if (!current) return incoming;
  if (!incoming) return current;
  if (current.state !== incoming.state) return incoming.state === "done" ? incoming : current;
  return incoming.round < current.round ? current : incoming;
}

/** A job snapshot over the one held: the snapshot's fields, with the log and loop merged. */
export function mergeJob(current: Job | null, incoming: Job): Job {
  if (!current || current.id !== incoming.id) return incoming;
  const log = mergeLog(current.log, incoming.log);
  const loop = mergeLoop(current.loop, incoming.loop);
  return {
    ...incoming,
    ...(log.length > 0 ? { log } : {}),
    ...(loop ? { loop } : {}),
    // A canceled job stays canceled whatever a trailing snapshot says.
    canceled: current.canceled || incoming.canceled,
  };
}

/** One `log` event added to the job's log (a replayed line is ignored). */
export function appendLogEntry(job: Job, entry: JobLogEntry): Job {
  const log = mergeLog(job.log, [entry]);
  return log === job.log ? job : { ...job, log };
}
