import { TERMINAL_TAKE_STATES, type Take } from "../../core/schemas/index.js";
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
