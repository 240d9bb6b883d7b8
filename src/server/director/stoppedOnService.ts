import { TERMINAL_TAKE_STATES, type Job, type Take } from "../../core/schemas/index.js";
import type { Store } from "../ledger/store.js";
import type { JobEvents } from "./jobEvents.js";
import { releaseJudgeHold } from "./judgeHold.js";

/**
 * "Every take ends", also when team mode's queue gives up on a take step (its worker was killed
 * on every attempt, or the step threw past its retries). Without this the take would stay
 * "running" in the ledger, and in the editor's panel, for ever: nobody runs its step any more.
 *
 * - A take whose step is dead-lettered is failed here, saying so in the editor's words, with the
 *   code STOPPED_ON_SERVICE. It is not `retryable`: the editor's retry sends the take again as a
 *   new generation, which for a take already sent to a paid provider would pay twice. An admin's
 *   redrive runs the same step again instead, and it resumes from the record.
 * - When the redriven step runs, `reviveStopped` puts the take back to queued with what it had:
 *   a take with a provider job id polls that job (never submits again); a local provider's
 *   (previz, ComfyUI on a worker) job lived in the memory of a worker that is gone, so that take
 *   is rendered again from the start, as after any worker's stop.
 */
export const STOPPED_ON_SERVICE = "stopped_on_service";

export interface StoppedStep {
  takeId: string;
  /** The first run plus its retries. */
  attempts: number;
  /** The queue's last error for the step. */
  error: string | null;
}

/** The take's failure as the editor reads it. */
export function stoppedMessage(attempts: number, error: string | null): string {
  const tries = `${attempts} attempt${attempts === 1 ? "" : "s"}`;
  return `Stopped on the studio service after ${tries}${error ? `: ${error}` : ""}. An admin can retry it (Failed steps on the admin page).`;
}

/**
 * Fails the take of a dead-lettered step if it has not ended; true when it did. `stillDead` is
 * asked just before the write, so a letter an admin redrove meanwhile is left alone.
 */
export async function failStoppedTake(store: Store, events: JobEvents, stopped: StoppedStep, stillDead: () => Promise<boolean>): Promise<boolean> {
  const take = await store.getTake(stopped.takeId);
  if (!take || TERMINAL_TAKE_STATES.has(take.state)) return false;
  if (!(await stillDead())) return false;
  let failed = false;
  const written = await store.changeTake(stopped.takeId, (current) => {
    // Ended meanwhile (its step, still running somewhere, finished it): that stands.
    if (TERMINAL_TAKE_STATES.has(current.state)) return current;
    failed = true;
    // The judge will not look unless an admin redrives it (its count then joins the cost): its hold is released.
    return {
      ...releaseJudgeHold(current),
      state: "failed",
      message: "Stopped on the studio service",
      // Cost stays: a generation already sent may be charged, and the budget must count it.
      error: { code: STOPPED_ON_SERVICE, message: stoppedMessage(stopped.attempts, stopped.error) },
      updatedAt: new Date().toISOString(),
    };
  });
  if (written) events.emit(written.take.jobId, { type: "take", seq: written.seq, take: written.take });
  return failed;
}

/** Whether the take runner should bring this take back to life (its step was redriven). */
export function isStopped(take: Take): boolean {
  return take.state === "failed" && take.error?.code === STOPPED_ON_SERVICE;
}

/**
 * The take as its redriven step finds it: queued again, keeping its provider job (polled, not
 * submitted again) unless `renderAgain` (a local provider, whose job died with its worker).
 */
export function revived(take: Take, renderAgain: boolean): Take {
  return {
    ...take,
    state: "queued",
    error: null,
    message: renderAgain || !take.providerJobId ? "Queued again by an admin" : "Retried by an admin: asking the provider for the generation already sent",
    ...(renderAgain ? { providerJobId: null, progress: 0 } : {}),
    updatedAt: new Date().toISOString(),
  };
}

/**
 * The same for the steps that follow a settled take. Without this an auto job whose `loop` step
 * was given up shows "Round 2 of 3 running…" for ever (its takes are all done, nobody decides the
 * next round), and an enhance whose `upscaleNext` step was given up never says its upscale did not
 * start. Both are ended in the words the panel already shows for a loop that could not go on and
 * for an upscale that was not started, and a redrive (or the step itself, when it runs again)
 * takes them back: the loop decides again from the ledger, the upscale starts after all.
 */
export interface StoppedJobStep {
  jobId: string;
  attempts: number;
  error: string | null;
}

type JobWrites = Pick<Store, "getJob" | "recordRound" | "updateJob" | "appendLog">;

async function emitJob(store: Pick<Store, "getJob">, events: Pick<JobEvents, "emit">, jobId: string, seq: number | null): Promise<void> {
  const job = seq === null ? undefined : await store.getJob(jobId);
  if (job) events.emit(jobId, { type: "job", seq: seq!, job });
}

/** The loop's stop line in the reasoning log. */
export function stoppedLoopText(round: number, attempts: number, error: string | null): string {
  const tries = `${attempts} attempt${attempts === 1 ? "" : "s"}`;
  return `Stopped on the studio service after round ${round + 1}: deciding the next round failed after ${tries}${error ? ` (${error.replace(/\.$/, "")})` : ""}. The takes so far are kept; an admin can retry it (Failed steps on the admin page).`;
}

/**
 * Ends the auto loop of a dead-lettered `loop` step; true when it did. Left alone when the loop is
 * not running, or a take of the job is still in flight (its end starts the loop step again), or
 * `stillDead` says the step is queued again.
 */
export async function endStoppedLoop(store: JobWrites, events: Pick<JobEvents, "emit">, stopped: StoppedJobStep, stillDead: () => Promise<boolean>): Promise<boolean> {
  const job = await store.getJob(stopped.jobId);
  if (!job?.loop || job.loop.state !== "running") return false;
  if (job.takes.some((t) => !TERMINAL_TAKE_STATES.has(t.state))) return false;
  if (!(await stillDead())) return false;
  const { round } = job.loop;
  const loop = { ...job.loop, state: "done" as const, stop: "failed" as const, stoppedOnService: true };
  const written = await store.recordRound(job.id, [{ round, kind: "stop", text: stoppedLoopText(round, stopped.attempts, stopped.error), at: new Date().toISOString() }], [], { loop });
  for (const entry of written.entries) events.emit(job.id, { type: "log", seq: entry.seq, entry });
  await emitJob(store, events, job.id, written.jobSeq);
  return true;
}

/** Whether the loop was ended by `endStoppedLoop` (its step was given up), so a run of its step may resume it. */
export function isLoopStopped(job: Job): boolean {
  return job.loop?.state === "done" && job.loop.stoppedOnService === true;
}

/**
 * Sets a loop ended by `endStoppedLoop` running again, saying so in the log; true when it did. The
 * loop step then decides from the ledger as it would have (draft the next round, or stop).
 */
export async function resumeStoppedLoop(store: JobWrites, events: Pick<JobEvents, "emit">, jobId: string): Promise<boolean> {
  const job = await store.getJob(jobId);
  if (!job || !isLoopStopped(job)) return false;
  const { stop: _stop, stoppedOnService: _stopped, ...rest } = job.loop!;
  const loop = { ...rest, state: "running" as const };
  const text = `Resumed on the studio service: deciding what follows round ${loop.round + 1} again.`;
  const written = await store.recordRound(jobId, [{ round: loop.round, kind: "resume", text, at: new Date().toISOString() }], [], { loop });
  for (const entry of written.entries) events.emit(jobId, { type: "log", seq: entry.seq, entry });
  await emitJob(store, events, jobId, written.jobSeq);
  return true;
}

/** Why the planned upscale did not start, as `upscaleNext.refused` (the panel shows it after "its upscale was not started: "). */
export function stoppedUpscaleText(attempts: number, error: string | null): string {
  return stoppedMessage(attempts, error);
}

/**
 * Ends the planned upscale of a dead-lettered `upscaleNext` step: recorded as not started, saying
 * why, on the enhance job and its log; true when it did. Left alone when it started or was refused
 * already, when the final is not done (its end starts the step again), or the step is queued again.
 */
export async function endStoppedUpscale(store: JobWrites, events: Pick<JobEvents, "emit">, stopped: StoppedJobStep, stillDead: () => Promise<boolean>): Promise<boolean> {
  const job = await store.getJob(stopped.jobId);
  const next = job?.upscaleNext;
  const take = job?.takes[0];
  if (!job || !next || next.jobId || next.refused || take?.state !== "succeeded" || job.canceled) return false;
  if (!(await stillDead())) return false;
  const refused = stoppedUpscaleText(stopped.attempts, stopped.error);
  await emitJob(store, events, job.id, await store.updateJob(job.id, { upscaleNext: { ...next, refused, stoppedOnService: true } }));
  const entry = await store.appendLog(job.id, { round: 0, kind: "enhance", text: `The final is kept at its own size, but its upscale was not started: ${refused}`, takeIds: [take.id], at: new Date().toISOString() });
  events.emit(job.id, { type: "log", seq: entry.seq, entry });
  return true;
}

/** Takes back `endStoppedUpscale`: the planned upscale is pending again (the step starts it); true when it was stopped. */
export async function resumeStoppedUpscale(store: JobWrites, events: Pick<JobEvents, "emit">, jobId: string): Promise<boolean> {
  const job = await store.getJob(jobId);
  const next = job?.upscaleNext;
  if (!job || !next?.stoppedOnService || next.jobId) return false;
  const { refused: _refused, stoppedOnService: _stopped, ...pending } = next;
  await emitJob(store, events, jobId, await store.updateJob(jobId, { upscaleNext: pending }));
  const entry = await store.appendLog(jobId, { round: 0, kind: "enhance", text: "Resumed on the studio service: starting the planned upscale again.", ...(job.takes[0] ? { takeIds: [job.takes[0].id] } : {}), at: new Date().toISOString() });
  events.emit(jobId, { type: "log", seq: entry.seq, entry });
  return true;
}
