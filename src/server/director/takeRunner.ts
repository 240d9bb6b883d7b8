import fs from "node:fs";
import path from "node:path";
import { applyVariant } from "../../core/direction/index.js";
import { directionForGeneratedLength } from "../../core/bridgeFit.js";
import { isBeingDelivered, TARGET_SIZE_PIXELS, TERMINAL_TAKE_STATES, type Artifact, type Job, type Take } from "../../core/schemas/index.js";
import { critiqueClip } from "../critic/analyseClip.js";
import { Critique } from "../critic/critiqueSchema.js";
import { runJudge } from "../critic/judge/runJudge.js";
import { foldJudge } from "../critic/score.js";
import { readColorTagsFromFile } from "../files/fileRangedRead.js";
import { newId } from "../ids.js";
import type { Provider } from "../providers/provider.js";
import { bridgePlanFor, endFramePath, retimeNote } from "./bridgeJob.js";
import { deliverOutputs } from "./deliverOutputs.js";
import type { DirectorContext, TakeChange } from "./directorContext.js";
import { sleep } from "./jobParts.js";
import { generationCost, judgeCounted } from "./judgeHold.js";
import { ProviderRequestError, refundsFailures, type HostedStatus, type HostedSubmitInput } from "./providerExtras.js";
import type { Step, StepContext } from "./steps.js";
import { isStopped, revived } from "./stoppedOnService.js";
import { checkedUpscale, deliverySize, upscaleInput, upscaleSoundFrom } from "./upscaleJob.js";

/**
 * The take step: drives ONE take from what its record says — submit (unless it already has a
 * provider job), poll, fetch and deliver the outputs (conform), critique and judge — and then
 * starts what follows a settled take (the auto job's next round, an enhance's planned upscale).
 * Running it twice is safe: a take with a provider job is polled, never submitted again, and a
 * terminal take is left as it is. Every change is written to the store before anyone hears it.
 *
 * A cancel may come from any process (team mode) while this runs, so the runner never writes over
 * a take that has become terminal meanwhile (`whileOpen`), and when the provider reports the
 * generation done it marks the take `generated` in the ledger before downloading: from then on a
 * cancel, wherever it is sent, lets the take land (it is paid for), and a re-run delivers it.
 */
export class TakeRunner {
  constructor(private readonly ctx: DirectorContext) {}

  /** The `take` step's handler. */
  async run(step: Extract<Step, { kind: "take" }>, { signal }: StepContext): Promise<void> {
    const { store, providers } = this.ctx;
    const job = await store.getJob(step.jobId);
    let take = await store.getTake(step.takeId);
    // Failed because team mode's queue gave up on this step, which an admin has now redriven: it
    // goes on from its record (stoppedOnService.ts).
    if (job && take && isStopped(take) && !job.canceled) take = await this.revive(take.id, providers.get(job.provider));
    if (!job || !take || TERMINAL_TAKE_STATES.has(take.state)) return;
    const provider = providers.get(job.provider);
    if (!provider) {
      await this.ctx.transition(take.id, { state: "failed", message: "Failed", error: { code: "provider_missing", message: "Its provider is no longer configured." } });
      return;
    }
    if (job.canceled) {
      // A take whose generation was done before the cancel is paid for: delivered all the same
      // (a worker that stopped mid-download hands the step to another). Any other is canceled.
      let delivering = false;
      await this.ctx.transitionWhen(take.id, (current) => {
        delivering = isBeingDelivered(current);
        return delivering || TERMINAL_TAKE_STATES.has(current.state) ? undefined : { state: "canceled", message: "Canceled" };
      });
      if (!delivering) return;
    }
    try {
      await this.runTake(job, take, provider, signal, take.providerJobId ?? undefined);
    } catch (error) {
      if (!signal.aborted) await this.failTake(take.id, provider, error);
    }
    if (signal.aborted) return;
    // What a settled take may start: the auto job's next round, the enhance's planned upscale.
    if (job.auto && job.loop) await this.ctx.start(job, { kind: "loop", jobId: job.id });
    if (job.upscaleNext) await this.ctx.start(job, { kind: "upscaleNext", jobId: job.id });
  }

  /** Queued again after an admin's redrive; a local provider's take renders again (its job died with its worker). */
  private async revive(takeId: string, provider: Provider | undefined): Promise<Take | undefined> {
    const written = await this.ctx.store.changeTake(takeId, (current) => (isStopped(current) ? revived(current, provider?.rerunAfterRestart ?? false) : current));
    if (written) this.ctx.deps.events.emit(written.take.jobId, { type: "take", seq: written.seq, take: written.take });
    return written?.take;
  }

  private async runTake(job: Job, take: Take, provider: Provider, signal: AbortSignal, existingProviderJobId?: string): Promise<void> {
    const workDir = path.join(this.ctx.deps.dataDir, "work", take.id);
    fs.mkdirSync(workDir, { recursive: true });
    let providerJobId = existingProviderJobId;
    if (!providerJobId) {
      const frame = await this.ctx.store.getFrame(job.frame.frameId);
      if (!frame) throw new Error("The captured frame has gone from the ledger.");
      const bridge = bridgePlanFor(job.frame, provider.info());
      const input: HostedSubmitInput = {
        jobId: job.id,
        takeId: take.id,
        takeIndex: take.index,
        mode: job.mode,
        model: job.model,
        duration: bridge ? bridge.fit.generatedSeconds : job.duration,
        ...(bridge ? { bridge: { span: bridge.span, endFramePath: await endFramePath(this.ctx.store, bridge.span) } } : {}),
        // What is sent: the editor's direction with this take's corrections (auto mode, enhance).
        direction: bridge
          ? directionForGeneratedLength(applyVariant(job.direction, take.variant, job.frame.sequence.frameSize), bridge.fit.generatedSeconds)
          : applyVariant(job.direction, take.variant, job.frame.sequence.frameSize),
        ...(take.variant ? { variant: take.variant } : {}),
        frame: job.frame,
        framePath: frame.imagePath,
        workDir,
        exr: job.exr ?? false,
        ...(job.audio !== undefined ? { audio: job.audio } : {}),
        ...(await this.upconvertSource(job)),
        ...(await upscaleInput(this.ctx.store, job)),
        ...(job.targetSize && !job.upscaleOf ? { targetSize: { size: job.targetSize, ...TARGET_SIZE_PIXELS[job.targetSize] } } : {}),
      };
      const submitted = await this.submitWhenAdmitted(take.id, provider, input, signal);
      if (!submitted) return;
      const sent = { providerJobId: submitted.providerJobId, request: submitted.request };
      providerJobId = sent.providerJobId;
      // Recorded first, whatever happened meanwhile: a generation the provider accepted is paid
      // for, and a restart must poll it, never submit it again. Decided on the take as the ledger
      // has it: a cancel from any process may have landed while the request was in flight.
      let ended: Take["state"] | undefined;
      await this.ctx.transitionWhen(take.id, (current) => {
        if (!TERMINAL_TAKE_STATES.has(current.state)) {
          // Not aborted: polled next. Aborted, the backend is stopping: the take stays queued
          // with its generation, to poll on restart.
          return signal.aborted ? { ...sent, message: "Submitted" } : { ...sent, state: "queued", message: "Submitted" };
        }
        ended = current.state;
        // Canceled meanwhile: the take stays canceled, but it was sent, so it keeps its price (a
        // provider without a cancel call charges it all the same); the judge will not look at it.
        return current.state === "canceled" ? { ...sent, cost: generationCost(take) } : sent;
      });
      if (ended === "canceled") await provider.cancel(providerJobId).catch(() => undefined);
      if (ended || signal.aborted) return;
    }

    // Poll until terminal. Only changes are written, so the event stream stays quiet when idle.
    // Waits grow while nothing changes (backoff), a 429's Retry-After is honoured, and a provider
    // that stops answering altogether fails the take once silenceTimeoutMs has passed.
    const base = provider.pollIntervalMs;
    const ceiling = this.ctx.deps.maxPollIntervalMs ?? base * 4;
    const silenceTimeoutMs = this.ctx.deps.silenceTimeoutMs ?? 10 * 60_000;
    let delay = base;
    let lastAnswerAt = Date.now();
    for (;;) {
      if (signal.aborted) return;
      let status: Awaited<ReturnType<Provider["status"]>>;
      try {
        status = await provider.status(providerJobId);
      } catch (error) {
        if (signal.aborted) return;
        const retryable = error instanceof ProviderRequestError && error.retryable;
        if (!retryable) throw error;
        if (Date.now() - lastAnswerAt >= silenceTimeoutMs) {
          await this.whileOpen(take.id, {
            state: "failed",
            message: "Failed",
            error: {
              code: "provider_silent",
              message: `${provider.info().label} stopped answering (${Math.round(silenceTimeoutMs / 1000)} s without a reply; last: ${(error as Error).message}). Retry to ask again.`,
              retryable: true,
            },
          });
          return;
        }
        const wait = (error as ProviderRequestError).options.retryAfterMs ?? delay;
        delay = Math.min(ceiling, Math.round(delay * 1.5));
        await sleep(wait, signal);
        continue;
      }
      lastAnswerAt = Date.now();
      if (signal.aborted) return;
      const current = await this.ctx.store.getTake(take.id);
      if (!current || TERMINAL_TAKE_STATES.has(current.state)) return;
      const actualCost = (status as HostedStatus).actualCost;
      if (status.state === "succeeded") {
        // From here the take is paid for and its output exists: said in the ledger before the
        // download, so a cancel from any process lets it land. A cancel recorded first wins: the
        // editor was told the take is canceled (and the provider was asked to stop it).
        const generated = { providerJobId, at: new Date().toISOString() };
        const marked = await this.ctx.transitionWhen(take.id, (latest) =>
          TERMINAL_TAKE_STATES.has(latest.state) ? undefined : { generated: latest.generated?.providerJobId === providerJobId ? latest.generated : generated, ...(actualCost ? { cost: actualCost } : {}) },
        );
        if (!marked) return;
        break;
      }
      if (status.state === "failed" || status.state === "canceled") {
        await this.whileOpen(take.id, {
          state: status.state,
          progress: current.progress,
          message: status.state === "failed" ? "Failed" : "Canceled",
          error: status.failure ?? (status.state === "failed" ? { code: "failed", message: status.message } : null),
          ...(actualCost ? { cost: actualCost } : status.state === "failed" && refundsFailures(provider) ? { cost: { usd: 0, estimated: false } } : {}),
        });
        return;
      }
      if (current.state !== status.state || Math.abs(current.progress - status.progress) >= 0.01 || current.message !== status.message) {
        if (!(await this.whileOpen(take.id, { state: status.state, progress: status.progress, message: status.message }))) return;
        delay = base;
      } else {
        delay = Math.min(ceiling, Math.round(delay * 1.5));
      }
      await sleep(delay, signal);
    }

    // The provider has made the take and it is marked generated: a cancel lets it finish
    // delivering (only a stop interrupts it, and the restart or another worker delivers it again).
    await this.deliverAndScore(job, take, provider, providerJobId, signal);
  }

  /** Writes the change unless the take has ended meanwhile (a cancel from another process); false when left. */
  private async whileOpen(takeId: string, change: TakeChange): Promise<boolean> {
    return Boolean(await this.ctx.transitionWhen(takeId, (current) => (TERMINAL_TAKE_STATES.has(current.state) ? undefined : change)));
  }

  private async deliverAndScore(job: Job, take: Take, provider: Provider, providerJobId: string, signal: AbortSignal): Promise<void> {
    const artifactsDir = path.join(this.ctx.deps.dataDir, "artifacts", take.id);
    fs.mkdirSync(artifactsDir, { recursive: true });
    const fetched = await provider.fetchOutputs(providerJobId, artifactsDir);
    await this.ctx.transition(take.id, { message: "Delivering the master", progress: 0.98 });
    const span = job.frame.mode === "bridge" ? job.frame.bridge : undefined;
    const soundFrom = await upscaleSoundFrom(this.ctx.store, job);
    const { outputs, notes, retime } = await deliverOutputs({
      outputs: fetched,
      sequence: { ...job.frame.sequence, frameSize: deliverySize(job, job.frame) },
      ...(job.upscaleOf || job.targetSize ? { exactSize: true } : {}),
      duration: job.duration,
      dir: artifactsDir,
      signal,
      ...(span ? { fitFrames: span.frames } : {}),
      ...(soundFrom ? { soundFrom } : {}),
    });
    if (signal.aborted) return;
    const recorded: Take["outputs"] = {};
    for (const output of outputs) {
      const stat = fs.statSync(output.path);
      const artifact: Artifact = {
        id: newId("art"),
        takeId: take.id,
        kind: output.kind,
        fileName: path.basename(output.path),
        mediaType: output.mediaType,
        bytes: stat.size,
        width: output.width,
        height: output.height,
        codec: output.codec,
        colorTags: output.kind === "master" || output.kind === "source" ? await readColorTagsFromFile(output.path) : undefined,
        ...(output.colorAssumption ? { colorAssumption: output.colorAssumption } : {}),
        ...(output.audio ? { audio: output.audio } : {}),
        createdAt: new Date().toISOString(),
      };
      await this.ctx.store.insertArtifact(artifact, output.path);
      recorded[output.kind] = artifact;
    }
    if (!recorded.master) {
      await this.ctx.transition(take.id, { state: "failed", message: "Failed", error: { code: "no_master", message: `${provider.info().label} finished without a master file.` } });
      return;
    }
    const scored = await this.critique(job, take.id, recorded.master, signal);
    const measured = job.upscaleOf
      ? await checkedUpscale(this.ctx.store, job, scored, recorded.master, {
          signal,
          onStart: () => void this.ctx.transition(take.id, { message: "Checking the upscale against its source", progress: 0.995 }),
          ...(this.ctx.deps.log ? { log: this.ctx.deps.log } : {}),
        })
      : scored;
    if (signal.aborted) return;
    const judged = measured ? await this.judge(job, take.id, recorded, measured, signal) : null;
    if (signal.aborted) return;
    const critique = judged?.critique ?? measured;
    if (judged) {
      // The judge's counted cost replaces its hold in the take's (its generation's, then the
      // judge's): the spend the budgets read. Not judged (off, no master, not judged for budget):
      // the hold is released when the take is ready, below.
      await this.ctx.transitionWhen(take.id, (current) => (current.judgeHeld || judged.costUsd > 0 ? judgeCounted(current, judged) : undefined));
    }
    if (retime) notes.push(retimeNote(retime.generatedFrames, retime.placedFrames, retime.speed));
    await this.ctx.transition(take.id, { state: "succeeded", progress: 1, message: "Ready", outputs: recorded, critique, ...(notes.length ? { notes } : {}), ...(retime ? { retime } : {}) });
    fs.rmSync(path.join(this.ctx.deps.dataDir, "work", take.id), { recursive: true, force: true });
  }

  /**
   * Measures the master against the direction before the take is offered, so the editor picks
   * from scored takes. A critic failure never costs the take: it is ready, just unscored.
   */
  private async critique(job: Job, takeId: string, master: Artifact, signal: AbortSignal): Promise<Take["critique"]> {
    const file = await this.ctx.store.getArtifact(master.id);
    if (!file) return null;
    await this.ctx.transition(takeId, { message: "Scoring against the direction", progress: 0.99 });
    try {
      const framePath = (await this.ctx.store.getFrame(job.frame.frameId))?.imagePath;
      const endId = job.frame.mode === "bridge" ? job.frame.bridge?.endFrameId : undefined;
      const endPath = endId ? (await this.ctx.store.getFrame(endId))?.imagePath : undefined;
      return await (this.ctx.deps.critique ?? critiqueClip)(file.path, { direction: job.direction, ...(framePath ? { framePath } : {}), ...(endPath ? { endFramePath: endPath } : {}), signal });
    } catch (error) {
      if (!signal.aborted) this.ctx.deps.log?.(`critique of take ${takeId} failed: ${error instanceof Error ? error.message : String(error)}`);
      return null;
    }
  }

  /**
   * The vision-model judge, where the editor turned it on for the project and the backend has a
   * key: its findings go beside the measurements and into the score. Any failure (refusal, rate
   * limit, timeout, malformed twice, budget) is written in the critique's judge section and the
   * take keeps its measured score.
   */
  private async judge(job: Job, takeId: string, outputs: Take["outputs"], measured: NonNullable<Take["critique"]>, signal: AbortSignal): Promise<{ critique: Take["critique"]; costUsd: number; estimated: boolean } | null> {
    const judge = this.ctx.deps.judge;
    if (!judge || !await this.ctx.judgeOn(job.frame.sequence.projectName)) return null;
    const parsed = Critique.safeParse(measured);
    if (!parsed.success) return null;
    const source = outputs.proxy ?? outputs.master;
    const clip = source ? (await this.ctx.store.getArtifact(source.id))?.path : undefined;
    if (!clip) return null;
    await this.ctx.transition(takeId, { message: `Judging with ${judge.label}`, progress: 0.995 });
    const room = await this.ctx.budget.roomFor(job);
    // The take's own hold is in the spend the room is read from: it was reserved for this look.
    const held = (await this.ctx.store.getTake(takeId))?.judgeHeld?.usd ?? 0;
    const framePath = (await this.ctx.store.getFrame(job.frame.frameId))?.imagePath;
    try {
      const outcome = await runJudge({ judge, clip, direction: job.direction, roomUsd: Math.min(room.jobLeftUsd, room.dayLeftUsd) + held, signal, ...(framePath ? { framePath } : {}) });
      if (outcome.error) this.ctx.deps.log?.(`judge of take ${takeId}: ${outcome.error.code}: ${outcome.error.message}`);
      return { critique: foldJudge(parsed.data, outcome), costUsd: outcome.cost.usd, estimated: outcome.cost.estimated };
    } catch (error) {
      if (!signal.aborted) this.ctx.deps.log?.(`judge of take ${takeId} failed: ${error instanceof Error ? error.message : String(error)}`);
      return null;
    }
  }

  /**
   * Submits, waiting while the provider says its concurrency or rate limit is reached (429): the
   * request was not accepted, so nothing is charged, and a job of four takes against a limit of
   * two simply waits for slots. Gives up (rate_limited, retry offered) after the silence timeout.
   */
  private async submitWhenAdmitted(takeId: string, provider: Provider, input: HostedSubmitInput, signal: AbortSignal) {
    const giveUpAt = Date.now() + (this.ctx.deps.silenceTimeoutMs ?? 10 * 60_000);
    for (;;) {
      try {
        return await provider.submit(input);
      } catch (error) {
        const limited = error instanceof ProviderRequestError && error.code === "rate_limited";
        if (!limited || Date.now() >= giveUpAt || signal.aborted) throw error;
        await this.whileOpen(takeId, { state: "queued", message: `Waiting for a free slot at ${provider.info().label}` });
        await sleep(Math.max(provider.pollIntervalMs, error.options.retryAfterMs ?? provider.pollIntervalMs * 4), signal);
        if (signal.aborted) return undefined;
      }
    }
  }

  /** For an upconversion job: the SDR master to lift and the HDR delivery asked for. */
  private async upconvertSource(job: Job): Promise<{ sourceVideoPath?: string; hdrFormat?: string }> {
    if (!job.upconvertOf) return {};
    const source = await this.ctx.store.getTake(job.upconvertOf.takeId);
    // Lift the provider's own SDR file when it was kept (smaller, and the picture as generated),
    // else the master.
    const kept = source?.outputs.source ?? source?.outputs.master;
    const file = kept && await this.ctx.store.getArtifact(kept.id);
    if (!file) throw new ProviderRequestError("source_missing", "The take to upconvert has no master file any more.");
    return { sourceVideoPath: file.path, hdrFormat: job.upconvertOf.format };
  }

  /** A take's run threw: it fails, saying why; never submitted or refunded, it cost nothing. */
  private async failTake(takeId: string, provider: Provider, error: unknown): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    this.ctx.deps.log?.(`take ${takeId} failed: ${message}`);
    const named = error instanceof ProviderRequestError;
    // A take canceled meanwhile stays canceled.
    await this.ctx.transitionWhen(takeId, (current) => (TERMINAL_TAKE_STATES.has(current.state) ? undefined : {
      state: "failed",
      message: "Failed",
      error: {
        code: named ? error.code : "internal",
        message,
        ...(named && error.options.raw ? { raw: error.options.raw } : {}),
        ...(named && error.retryable ? { retryable: true } : {}),
      },
      // Never submitted, or refunded by the provider: it cost nothing.
      ...(!current.providerJobId || refundsFailures(provider) ? { cost: { usd: 0, estimated: false } } : {}),
    }));
  }
}
