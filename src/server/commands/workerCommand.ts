import os from "node:os";
import { isBeingDelivered, TERMINAL_TAKE_STATES } from "../../core/schemas/index.js";
import { buildDirector } from "../backend.js";
import { loadConfig } from "../config.js";
import { critiqueInChild } from "../critic/critiqueInChild.js";
import { stepKey, type StepHandler } from "../director/steps.js";
import { jsonLog, type JsonLog } from "../team/jsonLog.js";
import { openTeamConnections } from "../team/teamConnections.js";
import { teamDatabaseUrl } from "../team/teamEnv.js";

/**
 * `retake worker`: runs the director's steps (takes, auto rounds, planned upscales) from the team
 * queue, RETAKE_WORKER_CONCURRENCY at a time (default 4). Provider keys come from this process's
 * env: keys live on the service, never on editors' machines. RETAKE_DATA_DIR must be the same
 * shared folder the API processes use (frames in, takes and conforms out).
 *
 * SIGTERM: stops taking steps; a step that ends within the queue's grace (5 s) finishes; one that
 * the stop interrupts is handed back to the queue (StepQueue.close), runnable at once elsewhere and
 * without spending one of its retries, and, because every step resumes from the ledger, nothing is
 * submitted or paid twice.
 */
export interface TeamWorker {
  id: string;
  close(): Promise<void>;
}

export async function startTeamWorker(options: { env?: NodeJS.ProcessEnv; log?: JsonLog; retakeBin: string }): Promise<TeamWorker> {
  const env = options.env ?? process.env;
  const databaseUrl = teamDatabaseUrl("worker", env);
  const id = env.RETAKE_WORKER_ID?.trim() || `${os.hostname()}:${process.pid}`;
  const log = options.log ?? jsonLog({ role: "worker", worker: id, pid: process.pid });
  const concurrency = Math.max(1, Number(env.RETAKE_WORKER_CONCURRENCY) || 4);
  const editorConcurrency = editorConcurrencyFrom(env);
  const config = loadConfig(env, { harness: false });
  const text = (message: string) => log({ msg: message });

  // The worker's changes reach panels on every API process through NOTIFY.
  const { store, events, queue } = await openTeamConnections(databaseUrl, log, { editorConcurrency });
  const { director, providers, comfyui } = buildDirector(config, {
    store,
    events,
    log: text,
    // Steps a step starts (the next auto round, a planned upscale) go on the queue too.
    steps: queue,
    // Frame analysis is seconds of CPU: in a child, so the heartbeat keeps beating.
    critique: critiqueInChild(options.retakeBin),
  });

  /**
   * A local, free provider (previz, ComfyUI on the worker) keeps its jobs in the memory of the
   * worker that submitted them: a take step picked up after that worker died or handed it back
   * finds a provider job id no process knows. Such a take is rendered again from the start, as
   * resumeUnfinished does after an embedded restart; paid providers' ids are polled as they are.
   * In a canceled job such a take (spared by the cancel while it was being delivered) ends
   * canceled instead, saying its render was lost, rather than polling an id nobody knows.
   */
  const renderLocalAgain = async (takeId: string) => {
    const take = await store.getTake(takeId);
    if (!take || !take.providerJobId || TERMINAL_TAKE_STATES.has(take.state)) return;
    const job = await store.getJob(take.jobId);
    const provider = job && providers.get(job.provider);
    if (!job || !provider?.rerunAfterRestart) return;
    const now = new Date().toISOString();
    // Decided on the take under its lock: a cancel or another worker may have moved it meanwhile.
    const written = await store.changeTake(takeId, (current) => {
      if (TERMINAL_TAKE_STATES.has(current.state) || current.providerJobId !== take.providerJobId) return undefined;
      if (!job.canceled) return { ...current, state: "queued", progress: 0, message: "Queued again: the worker rendering it stopped", providerJobId: null, updatedAt: now };
      // A canceled job: the cancel spared this take because its render was done (isBeingDelivered),
      // but that render lived in the stopped worker and cannot be fetched. A render again would be
      // free, yet the editor canceled the job: it ends canceled, saying what happened (as an
      // embedded restart does). Any other take of a canceled job is the take runner's to cancel.
      if (!isBeingDelivered(current)) return undefined;
      const label = provider.info().label;
      return {
        ...current,
        state: "canceled",
        message: `Canceled: the worker delivering it stopped, and its render on ${label} was lost with it. It cost nothing; draft again to get it back.`,
        updatedAt: now,
      };
    });
    if (written) events!.emit(take.jobId, { type: "take", seq: written.seq, take: written.take });
  };

  let stopping = false;
  const handler: StepHandler = async (step, context) => {
    const started = Date.now();
    const key = stepKey(step);
    log({ msg: "step started", step: key, kind: step.kind, jobId: step.jobId });
    // Interrupted by our own stop, not done (whether the step returned or threw on the abort): the
    // queue hands it back for another worker.
    const handedBack = () => stopping && context.signal.aborted;
    try {
      if (step.kind === "take") await renderLocalAgain(step.takeId);
      await director.handler(step, context);
    } catch (error) {
      if (handedBack()) return void log({ msg: "step handed back", step: key, kind: step.kind, jobId: step.jobId, ms: Date.now() - started });
      log({ msg: "step failed", level: "error", step: key, kind: step.kind, jobId: step.jobId, ms: Date.now() - started, error: error instanceof Error ? error.message : String(error) });
      throw error;
    }
    if (handedBack()) return void log({ msg: "step handed back", step: key, kind: step.kind, jobId: step.jobId, ms: Date.now() - started });
    log({ msg: context.signal.aborted ? "step canceled" : "step done", step: key, kind: step.kind, jobId: step.jobId, ms: Date.now() - started });
  };
  await queue.work(handler, { concurrency });
  log({ msg: "ready", concurrency, editorConcurrency: editorConcurrency ?? 2, dataDir: config.dataDir, providers: providers.list().filter((p) => p.available).map((p) => p.id) });
  return {
    id,
    async close() {
      stopping = true;
      await queue!.close().catch((error: Error) => log({ msg: "queue stop trouble", level: "warn", error: error.message }));
      await events!.close();
      comfyui.close();
      await store.close();
    },
  };
}

/**
 * RETAKE_EDITOR_CONCURRENCY: running steps per editor across the whole farm (default 2). The
 * claiming worker's value is the one enforced, so every worker should be given the same.
 */
function editorConcurrencyFrom(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env.RETAKE_EDITOR_CONCURRENCY?.trim();
  if (!raw) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`RETAKE_EDITOR_CONCURRENCY must be a whole number of steps, 1 or more (got "${raw}"). Unset it for the default, 2.`);
  }
  return value;
}

/** The CLI entry: works until SIGINT/SIGTERM, then stops cleanly. */
export async function workerCommand(options: { retakeBin: string }): Promise<number> {
  const worker = await startTeamWorker({ retakeBin: options.retakeBin });
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await worker.close();
  return 0;
}
