import { jobOfTake, spanSeconds } from "../state/bridgeSelectors.js";
import type { BridgeClient } from "../../core/bridge/index.js";
import { isBeingDelivered, jobSettled, type CreateJobInput, type FrameContext, type Job, type SequenceColorSpace } from "../../core/schemas/index.js";
import { createBackendClient, type BackendClient, type BackendClientOptions } from "../api/backendClient.js";
import { pickedModel, type CapturedFrame, type PanelState, type PanelStoreApi, type TakeAction } from "../state/createPanelStore.js";
import { soundChoice } from "../state/soundSelectors.js";
import { historyQueryOf, type HistoryFilters } from "../state/historyQuery.js";
import { autoSettingsOf, draftBlocker, enhanceProviderFor, jobInScope, upconvertProvider } from "../state/selectors.js";
import { messageOf, codeOf } from "./errors.js";

/**
 * The panel's actions that talk to the outside world: the host (bridge) and the backend
 * (HTTP + SSE). It owns the clients and open streams, which the store must not hold, and
 * reports everything back into the store: results as data, failures as notices the editor
 * can read. Nothing fails silently.
 */

export interface PanelControllerOptions {
  /** The bridge to the host, or null when the page was opened outside any host. */
  bridge: BridgeClient | null;
  store: PanelStoreApi;
  backendOptions?: BackendClientOptions;
  /** How often to poll a job when its event stream cannot be kept open. */
  jobPollMs?: number;
}

/** What the panel says when a cancel spared takes whose generation was already done (paid for). */
export function sparedWords(numbers: readonly number[]): string {
  const which = numbers.length === 1 ? `Take ${numbers[0]} was` : `Takes ${numbers.join(", ")} were`;
  return `Canceled. ${which} already generated and paid for: delivered anyway, not thrown away.`;
}

/** What the card says after the editor canceled an import (not an error: nothing went wrong). */
export const IMPORT_CANCELED_MESSAGE = "Import canceled; nothing was placed.";

export const NO_HOST_MESSAGE =
  "The panel is not connected to Premiere Pro. Open it from Window › Extensions › Retake, or through the development harness (npm start).";

export function createPanelController({ bridge, store, backendOptions, jobPollMs = 2000 }: PanelControllerOptions) {
  let backend: BackendClient | null = null;
  let closeStream: (() => void) | null = null;
  let pollTimer: ReturnType<typeof setTimeout> | null = null;
  let contextInFlight = false;
  let disposed = false;
  /** Numbers the history requests, so an answer to an older search never replaces a newer one. */
  let historyRequest = 0;

  const state = () => store.getState();
  /** A job the panel holds already: the current one, or the one opened in the history. */
  const loadedJob = (s: PanelState, jobId: string): Job | null => [s.job, jobInScope(s, "history")].find((j) => j?.id === jobId) ?? null;
  const fail = (source: string, error: unknown) => {
    if (!disposed) state().notify("error", messageOf(error), source);
  };

  function stopFollowing() {
    closeStream?.();
    closeStream = null;
    if (pollTimer) clearTimeout(pollTimer);
    pollTimer = null;
  }


  /** Fallback when the event stream is gone for good: ask for the job until it has finished. */
  function pollJob(jobId: string) {
    if (disposed || !backend) return;
    const client = backend;
    pollTimer = setTimeout(async () => {
      try {
        const job = await client.getJob(jobId);
        if (disposed || state().job?.id !== jobId) return;
        state().applyJobEvent({ type: "job", seq: -1, job });
        state().clearNotices("stream");
        if (jobSettled(job)) state().setStream("done");
        else pollJob(jobId);
      } catch (error) {
        fail("stream", error);
        pollJob(jobId);
      }
    }, jobPollMs);
  }

  function follow(job: Job) {
    stopFollowing();
    if (!backend) return;
    const client = backend;
    state().setStream("connecting");
    closeStream = client.subscribeJobEvents(job.id, {
      onEvent: (event) => state().applyJobEvent(event),
      onStatus: (status) => {
        if (state().job?.id !== job.id) return;
        state().setStream(status);
        if (status === "live") state().clearNotices("stream");
      },
      onDone: () => {
        closeStream = null;
        if (state().job?.id === job.id) state().setStream("done");
        if (job.upscaleNext && state().job?.id === job.id) void followPlannedUpscale(job.id);
      },
      onError: (error) => {
        fail("stream", error);
        if (error.code === "stream_closed") {
          closeStream = null;
          pollJob(job.id);
        }
      },
    });
  }

  /**
   * An enhance at a size its provider cannot render: once the final is done the backend starts the
   * upscale job (upscaleNext.jobId); the panel then follows that job, or says why it was not started.
   */
  async function followPlannedUpscale(jobId: string): Promise<void> {
    const client = backend;
    if (!client) return;
    for (let tries = 0; tries < 40 && !disposed; tries++) {
      const job = await client.getJob(jobId).catch(() => undefined);
      const next = job?.upscaleNext;
      if (!job || !next || job.takes[0]?.state !== "succeeded") return;
      if (next.refused) return void state().notify("error", `The final is kept; its upscale was not started: ${next.refused}`, "enhance");
      if (next.jobId) {
        const upscale = await client.getJob(next.jobId);
        if (disposed || state().job?.id !== jobId) return;
        state().startJob(upscale);
        follow(upscale);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** Ask the host where the backend is, then load the sequence context and the providers. */
  async function connect(): Promise<void> {
    const s = state();
    if (!bridge) {
      s.setConnection("failed");
      s.notify("error", NO_HOST_MESSAGE, "connect");
      return;
    }
    s.setConnection("connecting");
    s.setBusy("connecting", true);
    try {
      const info = await bridge.call("host.backend");
      backend = createBackendClient(info, {
        ...backendOptions,
        // Team mode: a revoked or unknown token asks for a new sign-in; the drawing, the prompt and
        // the takes stay as they are (nothing in the store is reset).
        onSignInNeeded: (error) => {
          if (!disposed) state().setSignInNeeded({ code: error.code, message: error.message });
          backendOptions?.onSignInNeeded?.(error);
        },
      });
      if (disposed) return;
      state().setConnection("ready", backend.url);
      state().clearNotices("connect");
    } catch (error) {
      state().setConnection("failed");
      fail("connect", error);
      return;
    } finally {
      state().setBusy("connecting", false);
    }
    await Promise.all([refreshContext(), loadProviders()]);
  }

  /** One poll of the host's sequence context; overlapping polls are skipped. */
  async function refreshContext(): Promise<void> {
    if (!bridge || contextInFlight || disposed) return;
    contextInFlight = true;
    try {
      const context = await bridge.call("host.context");
      if (disposed) return;
      state().setHostContext(context);
      state().clearNotices("context");
    } catch (error) {
      // No open sequence is a normal situation while the editor works; say so, once.
      if (!disposed) state().setHostContext(null);
      fail("context", error);
    } finally {
      contextInFlight = false;
    }
  }

  /**
   * Records which color space the sequence is in (the host keeps it on the sequence, one undo
   * step), for a host that cannot read it itself; the context shown is the host's answer.
   */
  async function setSequenceColorSpace(colorSpace: SequenceColorSpace): Promise<void> {
    if (!bridge) return;
    state().clearNotices("colorSpace");
    try {
      const context = await bridge.call("host.setSequenceColorSpace", { colorSpace });
      if (!disposed) state().setHostContext(context);
    } catch (error) {
      fail("colorSpace", error);
    }
  }

  async function loadProviders(): Promise<void> {
    if (!backend) return;
    state().setBusy("providers", true);
    try {
      const providers = await backend.providers();
      if (disposed) return;
      state().setProviders(providers);
      state().clearNotices("providers");
      if (!providers.some((p) => p.available)) {
        const reasons = providers.map((p) => `${p.label}: ${p.reason ?? "unavailable"}`).join("; ");
        state().notify("error", `No generation provider is available${reasons ? ` (${reasons})` : ""}.`, "providers");
      }
    } catch (error) {
      fail("providers", error);
    } finally {
      state().setBusy("providers", false);
    }
  }

  /** Capture the frame under the playhead (the host exports it and uploads it to the backend). */
  async function capture(): Promise<void> {
    const s = state();
    if (!bridge) return void s.notify("error", NO_HOST_MESSAGE, "capture");
    if (!backend) return void s.notify("error", "The panel has no backend connection yet, so the frame cannot be shown.", "capture");
    if (s.busy.capturing) return;
    s.setBusy("capturing", true);
    try {
      const frame = await bridge.call("host.captureFrame", { mode: s.placement, ...(s.placement === "bridge" ? { bridgeSeconds: s.bridgeSeconds } : {}) });
      if (disposed) return;
      state().setFrame(capturedFrame(frame, backend));
      // The time strip covers the bridge: the span is the take's length on the timeline.
      const span = spanSeconds(state());
      if (span !== null) state().setDuration(span);
      state().setHostContext(frame.sequence);
      state().clearNotices("capture");
    } catch (error) {
      fail("capture", error);
    } finally {
      state().setBusy("capturing", false);
    }
  }

  /** Send the direction as a job (draft or final, as the Quality choice says) and follow its takes. */
  async function draft(): Promise<void> {
    const s = state();
    const blocker = draftBlocker(s);
    if (blocker || !backend) return void s.notify("error", blocker ?? "Waiting for the backend connection.", "draft");
    const request: CreateJobInput = {
      frameId: s.frame!.context.frameId,
      provider: s.providerId!,
      ...(pickedModel(s) ? { model: pickedModel(s) } : {}),
      mode: s.mode,
      prompt: s.prompt,
      annotations: s.annotations,
      // A bridge's length is its span's (the backend generates the provider's nearest length and fits it).
      duration: spanSeconds(s) ?? s.duration,
      count: s.count,
      ...(s.mode === "final" && s.exr ? { exr: true } : {}),
      ...(soundChoice(s) !== undefined ? { audio: soundChoice(s) } : {}),
    };
    const auto = autoSettingsOf(s);
    if (auto) request.auto = auto;
    s.setBusy("drafting", true);
    try {
      const job = await backend.createJob(request);
      if (disposed) return;
      state().startJob(job);
      state().clearNotices("draft");
      follow(job);
    } catch (error) {
      fail("draft", error);
    } finally {
      state().setBusy("drafting", false);
    }
  }

  async function cancelJob(): Promise<void> {
    const job = state().job;
    if (!job || !backend) return;
    state().setBusy("canceling", true);
    try {
      const updated = await backend.cancelJob(job.id);
      state().applyJobEvent({ type: "job", seq: -1, job: updated });
      state().clearNotices("cancel");
      // A take the provider had already made is paid for: the cancel lets it land, and says so.
      const landing = updated.takes.filter(isBeingDelivered).map((t) => t.index + 1);
      if (landing.length > 0) state().notify("info", sparedWords(landing), "cancel");
    } catch (error) {
      fail("cancel", error);
    } finally {
      state().setBusy("canceling", false);
    }
  }

  /** Ask the host to import a take onto the timeline; the card shows where it landed. */
  async function importTake(takeId: string): Promise<void> {
    const s = state();
    // Any take in the ledger can be imported: the current job's, or one of a job opened in the history.
    const take = s.takes[takeId] ?? (s.openedJob?.status === "ready" ? s.openedJob.takes[takeId] : undefined);
    if (!take) return;
    if (!bridge) {
      s.setImport(takeId, { state: "failed", code: "no_host", message: NO_HOST_MESSAGE });
      return;
    }
    const now = s.imports[takeId]?.state;
    if (now === "importing" || now === "canceling") return;
    s.setImport(takeId, { state: "importing" });
    try {
      // A bridge take lands between its two clips whatever Placement now says; others follow Placement.
      const bridged = jobOfTake(s, take.jobId)?.frame.mode === "bridge";
      const mode = bridged ? "bridge" : s.placement === "bridge" ? "insert" : s.placement;
      const result = await bridge.call("host.importTake", { jobId: take.jobId, takeId, mode });
      // Placed before the cancel reached the host: the card says where, as for any import.
      if (!disposed) state().setImport(takeId, { state: "placed", result });
    } catch (error) {
      if (disposed) return;
      // The host stopped it because the editor asked: said plainly, not as a failure.
      const canceled = codeOf(error) === "cancelled" && state().imports[takeId]?.state === "canceling";
      state().setImport(takeId, canceled ? { state: "canceled", message: IMPORT_CANCELED_MESSAGE } : { state: "failed", code: codeOf(error), message: messageOf(error) });
    }
  }

  /**
   * The editor's "Cancel import": asks the host to stop the take's import in flight. The import's
   * own answer then says how it ended (canceled, or placed when it finished first).
   */
  async function cancelImport(takeId: string): Promise<void> {
    const s = state();
    const take = s.takes[takeId] ?? (s.openedJob?.status === "ready" ? s.openedJob.takes[takeId] : undefined);
    if (!bridge || !take || s.imports[takeId]?.state !== "importing") return;
    s.setImport(takeId, { state: "canceling" });
    try {
      const { cancelled } = await bridge.call("host.cancelImport", { jobId: take.jobId, takeId });
      // Nothing in flight on the host's side (it finished meanwhile): the import's answer settles the card.
      if (!cancelled && !disposed && state().imports[takeId]?.state === "canceling") state().setImport(takeId, { state: "importing" });
    } catch (error) {
      // The cancel itself failed (an older host, say): the import goes on; say why it could not stop.
      if (disposed) return;
      if (state().imports[takeId]?.state === "canceling") state().setImport(takeId, { state: "importing" });
      fail("import", error);
    }
  }

  /** Run one take's card action, marking the card busy meanwhile; failures become notices. */
  async function takeAction(takeId: string, action: TakeAction, source: string, run: (client: BackendClient) => Promise<void>): Promise<void> {
    const s = state();
    if (!backend) return void s.notify("error", "Waiting for the backend connection.", source);
    if (s.takeActions[takeId]) return;
    s.setTakeAction(takeId, action);
    try {
      await run(backend);
      if (!disposed) state().clearNotices(source);
    } catch (error) {
      fail(source, error);
    } finally {
      if (!disposed) state().setTakeAction(takeId, null);
    }
  }

  /** Send a failed take again; the job's stream is followed again since it had finished. */
  function retryTake(takeId: string): Promise<void> {
    return takeAction(takeId, "retrying", "retry", async (client) => {
      const take = await client.retryTake(takeId);
      if (disposed) return;
      state().applyTake(take);
      const job = state().job;
      if (job?.id === take.jobId) follow(job);
    });
  }

  /** Lift an SDR take to HDR: a new one-take job, which becomes the current one and is followed. */
  function upconvertTake(takeId: string): Promise<void> {
    return takeAction(takeId, "upconverting", "upconvert", async (client) => {
      const provider = upconvertProvider(state().providers);
      if (!provider) throw new Error("No available provider can lift a take to HDR.");
      const job = await client.upconvertTake(takeId, undefined, provider.id);
      if (disposed) return;
      state().startJob(job);
      follow(job);
    });
  }

  /**
   * Conform a take's master to the sequence after the host refused it over color. The card shows
   * progress, then the new master's tags and the conform's notes; the refused import is cleared so
   * Import can run again.
   */
  async function conformTake(takeId: string): Promise<void> {
    const s = state();
    if (!backend) return void s.setConform(takeId, { state: "failed", message: "Waiting for the backend connection." });
    if (s.takeActions[takeId]) return;
    s.setTakeAction(takeId, "conforming");
    s.setConform(takeId, { state: "conforming" });
    try {
      const result = await backend.conformTake(takeId);
      if (disposed) return;
      state().applyTake(result.take);
      state().setConform(takeId, { state: "done", notes: result.notes ?? [] });
      state().setImport(takeId, null);
    } catch (error) {
      // Said on the card, next to the button, rather than as a panel-wide notice.
      if (!disposed) state().setConform(takeId, { state: "failed", message: messageOf(error) });
    } finally {
      if (!disposed) state().setTakeAction(takeId, null);
    }
  }

  /**
   * Reopen a job's direction ("Reopen" on a card, "Retake" in the history): the frame it was drawn
   * on, the drawings, prompt and duration, and its provider, quality, take count and auto settings,
   * exactly as saved in the job record (the ledger is the source of truth), so the editor can
   * change them and draft again. The drawings come back as one undo step; the direct view shows them.
   */
  async function reopen(jobId: string): Promise<void> {
    const s = state();
    if (!backend) return void s.notify("error", "The panel has no backend connection yet, so the frame cannot be shown.", "reopen");
    const client = backend;
    let job = loadedJob(s, jobId);
    try {
      job ??= await client.getJob(jobId);
    } catch (error) {
      return fail("reopen", error);
    }
    if (disposed) return;
    const ran = state().providers.find((p) => p.id === job.provider);
    state().restoreDirection({
      frame: capturedFrame(job.frame, client),
      annotations: job.direction.annotations,
      prompt: job.direction.prompt,
      duration: job.duration,
      provider: job.provider,
      mode: job.mode,
      count: job.count,
      auto: job.auto ?? null,
    });
    state().clearNotices("reopen");
    if (!ran?.available) state().notify("info", `This job ran on ${ran?.label ?? job.provider}, which is not available now; its direction is back with the current provider.`, "reopen");
    state().setView("direct");
  }

  /**
   * Render a draft as a final master: the take named, or (no take) the job's best-scored take, on
   * the provider picked for finals. The final is a new job; it becomes the current job and is
   * followed, and the direct view shows it.
   */
  async function enhance(jobId: string, takeId?: string): Promise<void> {
    const s = state();
    if (!backend) return void s.notify("error", "Waiting for the backend connection.", "enhance");
    const job = loadedJob(s, jobId);
    const provider = job ? enhanceProviderFor(job, s.providers, s.enhanceProviderId) : null;
    if (!provider) return void s.notify("error", "No available provider renders finals, so this draft cannot be enhanced.", "enhance");
    const client = backend;
    const run = async () => {
      const size = state().enhanceSize;
      const final = await client.enhanceJob(jobId, { ...(takeId ? { takeId } : {}), ...(provider.id !== job!.provider ? { provider: provider.id } : {}), ...(size ? { size } : {}) });
      if (disposed) return;
      state().startJob(final);
      follow(final);
      state().setView("direct");
    };
    if (takeId) return takeAction(takeId, "enhancing", "enhance", async () => run());
    if (s.busy.enhancing) return;
    s.setBusy("enhancing", true);
    try {
      await run();
      if (!disposed) state().clearNotices("enhance");
    } catch (error) {
      fail("enhance", error);
    } finally {
      if (!disposed) state().setBusy("enhancing", false);
    }
  }

  /** Save the editor's marks on a take; the card shows the save and, inline, why one failed. */
  async function markTake(takeId: string, patch: { starred: boolean } | { note: string }): Promise<void> {
    const s = state();
    const field = "starred" in patch ? "starred" : "note";
    if (!backend) return void s.setMark(takeId, { state: "failed", field, message: "Waiting for the backend connection." });
    s.setMark(takeId, { state: "saving", field });
    try {
      const take = await backend.patchTake(takeId, patch);
      if (disposed) return;
      state().applyTake(take);
      state().setMark(takeId, { state: "saved", field });
    } catch (error) {
      if (!disposed) state().setMark(takeId, { state: "failed", field, message: messageOf(error) });
    }
  }
  const setStarred = (takeId: string, starred: boolean) => markTake(takeId, { starred });
  const saveNote = (takeId: string, note: string) => markTake(takeId, { note: note.trim() });

  /**
   * Search the history with the filters as set now (a new list), or load the next page. An
   * answer to a search the editor has since replaced is dropped.
   */
  async function searchHistory(kind: "loading" | "more" = "loading"): Promise<void> {
    const s = state();
    if (!backend) return void s.historyFailed("Waiting for the backend connection.");
    const filters: HistoryFilters = kind === "more" ? s.jobHistory.shownFilters : s.jobHistory.filters;
    const before = kind === "more" ? s.jobHistory.nextBefore : null;
    if (kind === "more" && (!before || s.jobHistory.status === "more" || s.jobHistory.status === "loading")) return;
    const request = ++historyRequest;
    s.historyRequested(kind);
    try {
      const page = await backend.history(historyQueryOf(filters, before));
      if (disposed || request !== historyRequest) return;
      state().historyAnswered(page, kind, filters);
    } catch (error) {
      if (!disposed && request === historyRequest) state().historyFailed(messageOf(error));
    }
  }
  const loadMoreHistory = () => searchHistory("more");

  /**
   * Ask again for the job opened in the history while it is still running (an auto job between
   * rounds, a job another panel started): the current job has its own stream, this one is polled.
   */
  async function refreshOpenedJob(): Promise<void> {
    const opened = state().openedJob;
    if (!backend || opened?.status !== "ready") return;
    try {
      const job = await backend.getJob(opened.jobId);
      if (!disposed) state().openedJobRefreshed(job);
    } catch {
      // The next poll asks again; the job shown stays as it was.
    }
  }

  /** Load one job of the history with every take (GET /v1/jobs/:id). */
  async function openHistoryJob(jobId: string): Promise<void> {
    const s = state();
    if (!backend) return void s.openedJobFailed(jobId, "Waiting for the backend connection.");
    s.openingJob(jobId);
    try {
      const job = await backend.getJob(jobId);
      if (!disposed) state().openedJobLoaded(job);
    } catch (error) {
      if (!disposed) state().openedJobFailed(jobId, messageOf(error));
    }
  }

  function artifactUrl(artifactId: string): string | null {
    return backend ? backend.artifactUrl(artifactId) : null;
  }

  /**
   * Opens a link through the host (a UXP webview ignores `target="_blank"`). The backend token
   * is stripped first, whatever the caller passed: the system browser keeps history and this page
   * cannot control it. Artifacts go through `openArtifact`, which opens a signed link instead.
   * Resolves false when there is no host to ask or it lacks the method (the caller falls back
   * to the plain link); rejects with the host's reason when it refused.
   */
  async function openExternal(url: string, purpose?: "file" | "signIn"): Promise<boolean> {
    if (!bridge) return false;
    try {
      await bridge.call("host.openExternal", { url: withoutToken(url), ...(purpose ? { purpose } : {}) });
      return true;
    } catch (error) {
      if (codeOf(error) === "unknown_method") return false;
      throw error;
    }
  }

  /**
   * Opens an artifact in the system browser: asks the backend for a short-lived signed link (the
   * token must not leave the panel, and a link without it would be answered 401) and opens that.
   * Resolves the link and whether the host opened it (false: no host offers it; the caller opens
   * the link itself). Rejects with the backend's or the host's reason.
   */
  async function openArtifact(artifactId: string): Promise<{ url: string; opened: boolean }> {
    if (!backend) throw new Error("Waiting for the backend connection: the file cannot be opened yet.");
    const { url } = await backend.artifactLink(artifactId);
    return { url, opened: await openExternal(url) };
  }

  function dispose() {
    disposed = true;
    stopFollowing();
    bridge?.dispose();
  }

  return {
    get backend() {
      return backend;
    },
    connect,
    refreshContext,
    setSequenceColorSpace,
    loadProviders,
    capture,
    draft,
    cancelJob,
    importTake,
    cancelImport,
    retryTake,
    upconvertTake,
    conformTake,
    reopen,
    enhance,
    setStarred,
    saveNote,
    searchHistory,
    loadMoreHistory,
    openHistoryJob,
    refreshOpenedJob,
    artifactUrl,
    openExternal,
    openArtifact,
    dispose,
  };
}
export type PanelController = ReturnType<typeof createPanelController>;

/** The URL without its `token` query parameter (the backend's secret must not leave the panel). */
export function withoutToken(url: string): string {
  if (!URL.canParse(url)) return url;
  const parsed = new URL(url);
  parsed.searchParams.delete("token");
  return parsed.href;
}

/** The frame as the panel holds it; a bridge's carries both anchors' stills. */
function capturedFrame(context: FrameContext, client: Pick<BackendClient, "frameImageUrl">): CapturedFrame {
  const imageUrl = client.frameImageUrl(context.frameId);
  const endId = context.mode === "bridge" ? context.bridge?.endFrameId : undefined;
  return endId ? { context, imageUrl, anchors: { start: imageUrl, end: client.frameImageUrl(endId) } } : { context, imageUrl };
}
