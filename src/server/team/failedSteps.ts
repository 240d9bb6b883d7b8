import { TERMINAL_TAKE_STATES, type TakeState } from "../../core/schemas/index.js";
import { endStoppedLoop, endStoppedUpscale, failStoppedTake, isStopped, resumeStoppedLoop, resumeStoppedUpscale, revived } from "../director/stoppedOnService.js";
import type { JobEvents } from "../director/jobEvents.js";
import type { Store, TeamStore } from "../ledger/store.js";
import type { DeadLetter, StepQueue } from "./stepQueue.js";

/**
 * "Failed steps": the queue's dead letters as an admin needs them to act (whose, which project,
 * what prompt, what went wrong, how many tries), for GET /v1/admin/dead-letters, the admin page
 * and `retake queue dead`; and the watch that ends what dead-lettered steps left running (a take,
 * an auto loop, a planned upscale) so nothing stays "running" for ever (director/stoppedOnService.ts says why and how redrive revives them).
 */
export interface FailedStep {
  /** The dead letter's id: redrive it with this. */
  id: string;
  kind: DeadLetter["step"]["kind"];
  jobId: string;
  takeId: string | null;
  /** The take's state in the ledger now (take steps). */
  takeState: TakeState | null;
  editor: { id: string; name: string } | null;
  project: string | null;
  /** The prompt's first words (the whole prompt is in the job). */
  prompt: string | null;
  provider: string | null;
  priority: DeadLetter["priority"];
  /** When the queue gave up. */
  failedAt: string;
  /** When the step was first queued. */
  queuedAt: string | null;
  attempts: number;
  error: string | null;
}

export type FailedStepQueue = Pick<StepQueue, "deadLetters" | "deadLetter" | "redrive">;

/** What a redrive reads and writes in the ledger: the take's state, or the job's loop or planned upscale. */
export type RedriveLedger = Pick<Store, "getJob" | "getTake" | "changeTake" | "recordRound" | "updateJob" | "appendLog"> & Pick<TeamStore, "listUsers">;

const PROMPT_EXCERPT = 80;

function excerpt(prompt: string): string {
  const flat = prompt.replace(/\s+/g, " ").trim();
  return flat.length <= PROMPT_EXCERPT ? flat : `${flat.slice(0, PROMPT_EXCERPT - 1).trimEnd()}…`;
}

/** Adds what the ledger knows to each letter: one read per job (letters of one job share it) and one for all users. */
export async function describeFailedSteps(letters: DeadLetter[], store: Pick<Store, "getJob" | "getTake"> & Pick<TeamStore, "listUsers">): Promise<FailedStep[]> {
  if (letters.length === 0) return [];
  const names = new Map((await store.listUsers()).map((u) => [u.id, u.name]));
  const jobs = new Map<string, Awaited<ReturnType<Store["getJob"]>>>();
  const out: FailedStep[] = [];
  for (const letter of letters) {
    const { step } = letter;
    if (!jobs.has(step.jobId)) jobs.set(step.jobId, await store.getJob(step.jobId));
    const job = jobs.get(step.jobId);
    const takeId = step.kind === "take" ? step.takeId : null;
    const take = takeId ? await store.getTake(takeId) : undefined;
    const editorId = letter.editor ?? job?.createdBy?.userId ?? null;
    out.push({
      id: letter.id,
      kind: step.kind,
      jobId: step.jobId,
      takeId,
      takeState: take?.state ?? null,
      editor: editorId ? { id: editorId, name: names.get(editorId) ?? job?.createdBy?.name ?? editorId } : null,
      project: job?.frame.sequence.projectName ?? null,
      prompt: job ? excerpt(job.direction.prompt) : null,
      provider: job?.provider ?? null,
      priority: letter.priority,
      failedAt: letter.at,
      queuedAt: letter.queuedAt,
      attempts: letter.attempts,
      error: letter.error,
    });
  }
  return out;
}

/**
 * Ends what every dead-lettered step left running, telling the panels; returns how many it ended:
 * a take step's take is failed, a `loop` step's auto loop stopped, an `upscaleNext` step's planned
 * upscale recorded as not started (director/stoppedOnService.ts). Safe to run from every API
 * process at once (what has ended is left alone). A letter counts only while it is still waiting
 * and its step is not queued again (a take settling meanwhile starts a new loop step): that one
 * then decides.
 */
export async function failTakesOfDeadSteps(
  queue: Pick<StepQueue, "deadLetters" | "deadLetter" | "isLive">,
  store: Store,
  events: JobEvents,
  /** Letters already seen with what they left ended: not read again (a letter's id is new each time a step is given up). */
  done: Set<string> = new Set(),
): Promise<number> {
  let ended = 0;
  const letters = await queue.deadLetters();
  for (const letter of letters) {
    if (done.has(letter.id)) continue;
    const { step } = letter;
    const stillDead = async () => (await queue.deadLetter(letter.id)) !== null && !(await queue.isLive(step));
    if (step.kind === "take") {
      const stopped = { takeId: step.takeId, attempts: letter.attempts, error: letter.error };
      if (await failStoppedTake(store, events, stopped, stillDead)) ended++;
      const take = await store.getTake(step.takeId);
      if (!take || TERMINAL_TAKE_STATES.has(take.state)) done.add(letter.id);
      continue;
    }
    const stopped = { jobId: step.jobId, attempts: letter.attempts, error: letter.error };
    if (step.kind === "loop") {
      if (await endStoppedLoop(store, events, stopped, stillDead)) ended++;
      const job = await store.getJob(step.jobId);
      if (!job?.loop || job.loop.state === "done") done.add(letter.id);
    } else {
      if (await endStoppedUpscale(store, events, stopped, stillDead)) ended++;
      const next = (await store.getJob(step.jobId))?.upscaleNext;
      if (!next || next.jobId || next.refused) done.add(letter.id);
    }
  }
  // Forget letters gone (redriven, or past their 90 days), so the set stays as small as the list.
  const waiting = new Set(letters.map((l) => l.id));
  for (const id of done) if (!waiting.has(id)) done.delete(id);
  return ended;
}

/**
 * Runs `failTakesOfDeadSteps` every `intervalMs` (and once at start) until stopped. A take's step
 * is dead-lettered at most one interval before its take shows as failed.
 */
export function watchFailedSteps(options: {
  queue: Pick<StepQueue, "deadLetters" | "deadLetter" | "isLive">;
  store: Store;
  events: JobEvents;
  intervalMs?: number;
  onFailed?: (count: number) => void;
  onError?: (error: Error) => void;
}): { stop(): Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const done = new Set<string>();
  const tick = () => {
    running = failTakesOfDeadSteps(options.queue, options.store, options.events, done)
      .then((count) => {
        if (count > 0) options.onFailed?.(count);
      })
      .catch((error: Error) => options.onError?.(error))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, options.intervalMs ?? 5000);
      });
  };
  tick();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

/**
 * Puts a failed step back on the queue; its take (if any) shows "Queued again" at once, an auto
 * job's loop "running", an enhance's planned upscale pending. Null when
 * there is no such letter waiting (redriven already, or the same step is queued again meanwhile).
 * The take is revived after the move, never before, so the watch cannot fail it again; the take
 * runner revives it too when the step runs (stoppedOnService.ts), whichever comes first.
 */
export async function redriveFailedStep(
  id: string,
  queue: FailedStepQueue,
  store: RedriveLedger,
  events: Pick<JobEvents, "emit">,
): Promise<FailedStep | null> {
  const letter = await queue.deadLetter(id);
  if (!letter) return null;
  const [described] = await describeFailedSteps([letter], store);
  if (!(await queue.redrive(id))) return null;
  // The auto loop shows its round running again, the enhance its upscale pending; the step decides.
  if (letter.step.kind === "loop") await resumeStoppedLoop(store, events, letter.step.jobId);
  if (letter.step.kind === "upscaleNext") await resumeStoppedUpscale(store, events, letter.step.jobId);
  const take = letter.step.kind === "take" ? await store.getTake(letter.step.takeId) : undefined;
  if (take && isStopped(take)) {
    const written = await store.changeTake(take.id, (current) => (isStopped(current) ? revived(current, false) : current));
    if (written) events.emit(written.take.jobId, { type: "take", seq: written.seq, take: written.take });
    if (written) described!.takeState = written.take.state;
  }
  return described!;
}
