import { createContext, useContext } from "react";
import type { TargetSize } from "../../core/schemas/job.js";
import { useStore } from "zustand";
import { createStore, type StoreApi } from "zustand/vanilla";
import {
  AUTO_DEFAULT_COUNT,
  AUTO_DEFAULT_ROUNDS,
  AUTO_DEFAULT_TARGET,
  AUTO_MAX_ROUNDS,
  MAX_COUNT,
  MAX_DURATION,
  MIN_DURATION,
  type Annotation,
  type AutoSettings,
  type FrameContext,
  type ImportTakeResult,
  type Job,
  type JobEvent,
  type JobMode,
  type JobSummary,
  type HistoryPage,
  type PlacementMode,
  type ProviderInfo,
  type SequenceContext,
  type Take,
} from "../../core/schemas/index.js";
import { applyAnnotationChanges, type AnnotationChange, type AnnotationPatch } from "./annotationChanges.js";
import { EMPTY_HISTORY_FILTERS, type HistoryFilters } from "./historyQuery.js";
import { appendLogEntry, mergeJob } from "./jobMerge.js";
import { mergeTake, mergeTakes } from "./takeMerge.js";

/**
 * The panel's state: one store per panel instance (xyflow-style), DATA ONLY. Clients (bridge,
 * backend, event streams) and Fabric objects live outside; they read the store and call its
 * actions. Everything here is serializable, so the store can be inspected or restored.
 */

export type Tool = "select" | "cameraMove" | "framingBox" | "subjectPath" | "hold" | "note";

/** How the frame is shown: fitted to the panel, or one image pixel per device pixel (scrolls). */
export type ViewZoom = "fit" | "actual";

/** A note being typed: where it is pinned (frame fractions). The text lives in the input. */
export interface PendingNote {
  at: { x: number; y: number };
}

export interface CapturedFrame {
  context: FrameContext;
  /** Where the panel loads the still from (the backend's `/v1/frames/:id/image`). */
  imageUrl: string;
  /** Bridge: both anchors' stills; `imageUrl` is the one drawn on (A's unless the editor picked B's). */
  anchors?: { start: string; end: string };
}

export type ImportStatus =
  | { state: "importing" }
  /** The editor pressed "Cancel import"; the host is stopping it (it may still land if it was done). */
  | { state: "canceling" }
  /** Stopped at the editor's word before anything was placed; Import can run again. */
  | { state: "canceled"; message: string }
  | { state: "placed"; result: ImportTakeResult }
  | { state: "failed"; code: string; message: string };

export type NoticeKind = "error" | "info";
export interface Notice {
  id: string;
  kind: NoticeKind;
  message: string;
  /** What raised it ("capture", "draft", "context"...), so a later success can clear it. */
  source?: string;
}

/** A take card's own request in flight (retry, lift to HDR, conform, enhance to a final). */
export type TakeAction = "retrying" | "upconverting" | "conforming" | "enhancing";

/** The panel's two views: directing the current job, and the ledger's history. */
export type PanelView = "direct" | "history";

/** The Auto-refine controls as the editor set them (sent only for drafts, when enabled). */
export interface AutoForm {
  enabled: boolean;
  target: number;
  rounds: number;
}

/** Where a compare was started: the current job's takes, or the job opened in the history. */
export type CompareScope = "direct" | "history";
/** At most two takes are compared side by side. */
export const MAX_COMPARE = 2;

/** The last save of a take's star or note: under way, done, or why it failed (shown on the card). */
export type MarkStatus =
  | { state: "saving"; field: "starred" | "note" }
  | { state: "saved"; field: "starred" | "note" }
  | { state: "failed"; field: "starred" | "note"; message: string };

/** The history list: the filters being typed, and the page(s) the backend answered for them. */
export interface JobHistory {
  filters: HistoryFilters;
  /** The filters the shown list answers (the empty message names these, not what is being typed). */
  shownFilters: HistoryFilters;
  jobs: JobSummary[];
  /** Jobs matching over every page; null before the first answer. */
  total: number | null;
  nextBefore: string | null;
  /** "loading": a new search; "more": the next page. */
  status: "idle" | "loading" | "more" | "ready" | "failed";
  error: string | null;
}

/** A job opened from the history: loading, loaded with its takes (merged like the current job's), or failed. */
export type OpenedJob =
  | { jobId: string; status: "loading" }
  | { jobId: string; status: "ready"; job: Job; takes: Record<string, Take> }
  | { jobId: string; status: "failed"; message: string };

/** The last conform of a take's master: what it did, or why it failed. */
export type ConformStatus =
  | { state: "conforming" }
  | { state: "done"; notes: string[] }
  | { state: "failed"; message: string };

/** Connection to the job's event stream. */
export type StreamStatus = "idle" | "connecting" | "live" | "reconnecting" | "done" | "failed";

export type BusyKey = "connecting" | "capturing" | "drafting" | "providers" | "canceling" | "enhancing";

export type ConnectionStatus = "connecting" | "ready" | "failed";

export interface PanelData {
  connection: { status: ConnectionStatus; backendUrl: string | null };
  /** The latest context the host reported (polled while the panel is visible). */
  hostContext: SequenceContext | null;
  frame: CapturedFrame | null;
  annotations: Annotation[];
  /** Undo/redo snapshots of `annotations` (oldest first). */
  history: { past: Annotation[][]; future: Annotation[][] };
  selectedId: string | null;
  tool: Tool;
  /** A note pinned but not yet written (the inline text field is open). */
  pendingNote: PendingNote | null;
  /** The time strip's scrub position (seconds), or null when not scrubbing. */
  scrubTime: number | null;
  viewZoom: ViewZoom;
  prompt: string;
  duration: number;
  count: number;
  placement: PlacementMode;
  /** Bridge over a cut: the transition's length d in seconds (a gap's length is its own). */
  bridgeSeconds: number;
  /** Draft (fast, cheap) or final (the provider's best; EXR where it can). */
  mode: JobMode;
  /** Ask a final for an EXR delivery too (only offered when the provider can). */
  exr: boolean;
  /** Auto-refine (drafts only): `count` is then the takes per round. */
  auto: AutoForm;
  providers: ProviderInfo[];
  providerId: string | null;
  /** The model picked for the provider; null: the mode's default (the backend picks it). */
  modelId: string | null;
  /** Sound on or off where the model has the switch; null: the model's default (soundSelectors.ts). */
  sound: boolean | null;
  job: Job | null;
  takes: Record<string, Take>;
  imports: Record<string, ImportStatus>;
  /** Per take id: the card's request in flight, if any. */
  takeActions: Record<string, TakeAction>;
  conforms: Record<string, ConformStatus>;
  /** Per take id: the last star or note save. */
  marks: Record<string, MarkStatus>;
  /** Take ids picked for side-by-side compare, per view (at most two, oldest pick first). */
  compare: Record<CompareScope, string[]>;
  /** The provider to render finals on (Enhance); null: the job's own when it renders finals. */
  enhanceProviderId: string | null;
  /** The size Enhance delivers the master at; null: the final provider's own size. */
  enhanceSize: TargetSize | null;
  view: PanelView;
  jobHistory: JobHistory;
  openedJob: OpenedJob | null;
  stream: StreamStatus;
  busy: Record<BusyKey, boolean>;
  notices: Notice[];
  /** Bumped when the editor turns the judge on or off for the project: the cost estimate asks again. */
  judgeSettingVersion: number;
  /** A studio service refused the panel's token: why, until the editor signs in again. */
  signInNeeded: { code: string; message: string } | null;
}

export interface PanelActions {
  setConnection(status: ConnectionStatus, backendUrl?: string | null): void;
  setSignInNeeded(reason: { code: string; message: string } | null): void;
  setHostContext(context: SequenceContext | null): void;
  judgeSettingChanged(): void;
  /** A new capture; annotations are kept (they are in frame fractions) and selection cleared. */
  setFrame(frame: CapturedFrame | null): void;

  /** Apply typed changes as ONE undo step. */
  applyAnnotationChanges(changes: AnnotationChange[]): void;
  addAnnotation(annotation: Annotation): void;
  updateAnnotation(id: string, patch: AnnotationPatch): void;
  removeAnnotation(id: string): void;
  clearAnnotations(): void;
  undo(): void;
  redo(): void;
  select(id: string | null): void;
  setTool(tool: Tool): void;
  setPendingNote(note: PendingNote | null): void;
  setScrubTime(t: number | null): void;
  setViewZoom(zoom: ViewZoom): void;
  /**
   * Reopen a job's direction: its frame, drawings, prompt and duration come back. The drawings
   * replace the current ones as ONE undo step, so reopening can itself be undone.
   */
  restoreDirection(input: RestoredDirection): void;

  setPrompt(prompt: string): void;
  /** Clamped to 2–10 s. */
  setDuration(seconds: number): void;
  /** Clamped to 1–4 (and the provider's maximum). */
  setCount(count: number): void;
  setPlacement(mode: PlacementMode): void;
  /** Clamped to 0.5–10 s. */
  setBridgeSeconds(seconds: number): void;
  /** Bridge: draw on A's picture (start) or B's (end); the drawings are the same either way. */
  showAnchor(which: "start" | "end"): void;
  /** Only a mode the provider offers; the duration is brought inside what it allows in that mode. */
  setMode(mode: JobMode): void;
  setExr(exr: boolean): void;
  /**
   * Auto-refine settings; switching it on makes the take count the takes per round, 4 unless the
   * provider allows fewer. Target is kept in 1–100, rounds in 0–4.
   */
  setAuto(patch: Partial<AutoForm>): void;
  /** Also picks a usable provider when none is chosen or the chosen one became unavailable. */
  setProviders(providers: ProviderInfo[]): void;
  setProvider(id: string): void;
  /** Only one of the provider's models for the placement (Bridge: its bridge models); null: the default. */
  setModel(id: string | null): void;
  /** Sound on or off (sent only where the model has the switch); a provider or model change resets it. */
  setSound(on: boolean | null): void;

  /** A job was created: it becomes the current job; takes and import results start fresh. */
  startJob(job: Job): void;
  /**
   * An SSE event (or a polled job): takes merged by id, never backwards from a terminal state (a
   * take of a later round is simply added); log lines by seq; the loop never goes backwards.
   * The job opened in the history, when it is this job, is kept up to date too.
   */
  applyJobEvent(event: JobEvent): void;
  /** A take the backend answered (retry, conform, star, note): merged wherever that take is shown. */
  applyTake(take: Take): void;
  setStream(status: StreamStatus): void;
  setImport(takeId: string, status: ImportStatus | null): void;
  setTakeAction(takeId: string, action: TakeAction | null): void;
  setConform(takeId: string, status: ConformStatus): void;
  setMark(takeId: string, status: MarkStatus | null): void;
  /** Pick or unpick a take for compare; a third pick replaces the oldest of the two. */
  toggleCompare(scope: CompareScope, takeId: string): void;
  clearCompare(scope: CompareScope): void;
  setEnhanceProvider(id: string | null): void;
  setEnhanceSize(size: TargetSize | null): void;
  setView(view: PanelView): void;

  setHistoryFilters(patch: Partial<HistoryFilters>): void;
  /** A history request went out: a new search ("loading") or the next page ("more"). */
  historyRequested(kind: "loading" | "more"): void;
  /** Its answer: a new search replaces the list, the next page is appended. */
  historyAnswered(page: HistoryPage, kind: "loading" | "more", filters: HistoryFilters): void;
  historyFailed(message: string): void;
  openingJob(jobId: string): void;
  openedJobLoaded(job: Job): void;
  openedJobFailed(jobId: string, message: string): void;
  /** A fresh copy of the opened job (it was still running): merged like a `job` event. */
  openedJobRefreshed(job: Job): void;
  closeOpenedJob(): void;

  setBusy(key: BusyKey, busy: boolean): void;
  /** Shows a message; an identical one already shown is not repeated. Returns its id. */
  notify(kind: NoticeKind, message: string, source?: string): string;
  dismiss(id: string): void;
  /** Clears the notices a source raised (after that action succeeds). */
  clearNotices(source: string): void;
}

export type PanelState = PanelData & PanelActions;

/** What reopening a job brings back: its direction, and (when given) its settings. */
export interface RestoredDirection {
  frame: CapturedFrame;
  annotations: Annotation[];
  prompt: string;
  duration: number;
  /** Taken only when that provider is available; the mode then fits what it offers. */
  provider?: string;
  mode?: JobMode;
  count?: number;
  /** The job's auto settings, or null for a job that did not refine (switches Auto-refine off). */
  auto?: AutoSettings | null;
}
export type PanelStoreApi = StoreApi<PanelState>;

export const DEFAULT_DURATION = 5;
export const DEFAULT_COUNT = 2;
const HISTORY_LIMIT = 100;

export function initialPanelData(): PanelData {
  return {
    connection: { status: "connecting", backendUrl: null },
    hostContext: null,
    judgeSettingVersion: 0,
    signInNeeded: null,
    frame: null,
    annotations: [],
    history: { past: [], future: [] },
    selectedId: null,
    tool: "select",
    pendingNote: null,
    scrubTime: null,
    viewZoom: "fit",
    prompt: "",
    duration: DEFAULT_DURATION,
    count: DEFAULT_COUNT,
    placement: "insert",
    bridgeSeconds: 2,
    mode: "draft",
    exr: false,
    auto: { enabled: false, target: AUTO_DEFAULT_TARGET, rounds: AUTO_DEFAULT_ROUNDS },
    providers: [],
    providerId: null,
    modelId: null,
    sound: null,
    job: null,
    takes: {},
    imports: {},
    takeActions: {},
    conforms: {},
    marks: {},
    compare: { direct: [], history: [] },
    enhanceProviderId: null,
    enhanceSize: null,
    view: "direct",
    jobHistory: {
      filters: EMPTY_HISTORY_FILTERS,
      shownFilters: EMPTY_HISTORY_FILTERS,
      jobs: [],
      total: null,
      nextBefore: null,
      status: "idle",
      error: null,
    },
    openedJob: null,
    stream: "idle",
    busy: { connecting: false, capturing: false, drafting: false, providers: false, canceling: false, enhancing: false },
    notices: [],
  };
}

let noticeCounter = 0;

/** Clamped to 2–10 s, and to the provider's range for the mode when one is given. */
export function clampDuration(seconds: number, range?: { min: number; max: number }): number {
  const min = Math.max(MIN_DURATION, range?.min ?? MIN_DURATION);
  const max = Math.max(min, Math.min(MAX_DURATION, range?.max ?? MAX_DURATION));
  if (!Number.isFinite(seconds)) return Math.min(max, Math.max(min, DEFAULT_DURATION));
  return Math.min(max, Math.max(min, seconds));
}

/** The durations a provider offers in a mode: the mode's own limits, else the provider's. */
export function durationRangeFor(provider: ProviderInfo | undefined, mode: JobMode): { min: number; max: number; step: number } | undefined {
  if (!provider) return undefined;
  return provider.capabilities.limits?.[mode]?.durations ?? provider.capabilities.durations;
}

/** Whether the provider can deliver an EXR beside a final's master. */
export function offersExr(provider: ProviderInfo | undefined): boolean {
  return provider?.capabilities.limits?.final?.exr === true;
}

/** The models the panel offers for a provider: in Bridge only those that take both frames. */
export function modelChoices(provider: ProviderInfo | undefined, placement: PlacementMode): string[] {
  if (!provider) return [];
  return placement === "bridge" ? (provider.capabilities.bridge?.models ?? []) : provider.capabilities.models;
}

/** A model's name for the editor: its catalogue label where the provider has one (fal), else its id. */
export function modelLabel(provider: ProviderInfo | undefined, model: string): string {
  return provider?.capabilities.modelInfo?.find((m) => m.id === model)?.label ?? model;
}

/** The model the backend uses when the request names none (Bridge: the first bridge model). */
export function defaultModelFor(provider: ProviderInfo | undefined, mode: JobMode, placement: PlacementMode): string | undefined {
  if (!provider) return undefined;
  if (placement === "bridge") return provider.capabilities.bridge?.models[0];
  return provider.capabilities.limits?.[mode]?.defaultModel ?? provider.capabilities.models[0];
}

/** The picked model to send, when it is still one the provider offers for the placement; else none (the default). */
export function pickedModel(s: Pick<PanelState, "providers" | "providerId" | "modelId" | "placement">): string | undefined {
  if (s.modelId === null) return undefined;
  const provider = s.providers.find((p) => p.id === s.providerId);
  return modelChoices(provider, s.placement).includes(s.modelId) ? s.modelId : undefined;
}

export function maxCountFor(provider: ProviderInfo | undefined): number {
  return Math.max(1, Math.min(MAX_COUNT, provider?.capabilities.maxCount ?? MAX_COUNT));
}

export function clampCount(count: number, max = MAX_COUNT): number {
  if (!Number.isFinite(count)) return 1;
  return Math.min(max, Math.max(1, Math.round(count)));
}

/** Auto settings kept inside what the backend accepts: target 1–100, rounds 0–4 (whole). */
export function clampAuto(auto: AutoForm): AutoForm {
  const target = Number.isFinite(auto.target) ? Math.min(100, Math.max(1, Math.round(auto.target))) : AUTO_DEFAULT_TARGET;
  const rounds = Number.isFinite(auto.rounds) ? Math.min(AUTO_MAX_ROUNDS, Math.max(0, Math.round(auto.rounds))) : AUTO_DEFAULT_ROUNDS;
  return { enabled: auto.enabled, target, rounds };
}

export function createPanelStore(initial: Partial<PanelData> = {}): PanelStoreApi {
  return createStore<PanelState>()((set, get) => {
    /** Record the current annotations in history and replace them (one undo step). */
    const commitAnnotations = (next: Annotation[]) => {
      const { annotations, history, selectedId } = get();
      // An edit that changes nothing (a re-typed value) is not an undo step.
      if (next === annotations || JSON.stringify(next) === JSON.stringify(annotations)) return;
      set({
        annotations: next,
        history: { past: [...history.past, annotations].slice(-HISTORY_LIMIT), future: [] },
        selectedId: selectedId && next.some((a) => a.id === selectedId) ? selectedId : null,
      });
    };
    const currentProvider = () => get().providers.find((p) => p.id === get().providerId);
    type ReadyJob = Extract<OpenedJob, { status: "ready" }>;
    /** Apply an update to the job opened in the history, when it is that job; unchanged otherwise. */
    const updateOpenedJob = (jobId: string, update: (opened: ReadyJob) => ReadyJob) => {
      const opened = get().openedJob;
      if (opened?.status !== "ready" || opened.jobId !== jobId) return;
      const next = update(opened);
      if (next.takes !== opened.takes || next.job !== opened.job) set({ openedJob: next });
    };
    /** Keep the duration inside the provider's range and drop an EXR request it cannot honour. */
    const fitToProvider = (provider: ProviderInfo | undefined, wanted: JobMode) => {
      const offered = provider?.capabilities.modes ?? [];
      const mode: JobMode = !provider || offered.includes(wanted) ? wanted : (offered[0] ?? "draft");
      return {
        mode,
        duration: clampDuration(get().duration, durationRangeFor(provider, mode)),
        exr: get().exr && mode === "final" && offersExr(provider),
      };
    };

    return {
      ...initialPanelData(),
      ...initial,

      setSignInNeeded: (signInNeeded) => set({ signInNeeded }),
      setConnection: (status, backendUrl) =>
        set((s) => ({ connection: { status, backendUrl: backendUrl === undefined ? s.connection.backendUrl : backendUrl } })),
      setHostContext: (hostContext) => {
        // Polled twice a second: keep the old object when nothing changed, so nothing re-renders.
        const current = get().hostContext;
        if (current === hostContext || (current && hostContext && JSON.stringify(current) === JSON.stringify(hostContext))) return;
        set({ hostContext });
      },
      judgeSettingChanged: () => set((s) => ({ judgeSettingVersion: s.judgeSettingVersion + 1 })),
      setFrame: (frame) => set({ frame, selectedId: null }),

      applyAnnotationChanges: (changes) => {
        if (changes.length === 0) return;
        commitAnnotations(applyAnnotationChanges(get().annotations, changes));
      },
      addAnnotation: (annotation) => {
        get().applyAnnotationChanges([{ type: "add", annotation }]);
        set({ selectedId: annotation.id });
      },
      updateAnnotation: (id, patch) => get().applyAnnotationChanges([{ type: "update", id, patch }]),
      removeAnnotation: (id) => get().applyAnnotationChanges([{ type: "remove", id }]),
      clearAnnotations: () => {
        if (get().annotations.length > 0) commitAnnotations([]);
      },
      undo: () => {
        const { history, annotations, selectedId } = get();
        const previous = history.past[history.past.length - 1];
        if (!previous) return;
        set({
          annotations: previous,
          history: { past: history.past.slice(0, -1), future: [annotations, ...history.future] },
          selectedId: selectedId && previous.some((a) => a.id === selectedId) ? selectedId : null,
        });
      },
      redo: () => {
        const { history, annotations, selectedId } = get();
        const next = history.future[0];
        if (!next) return;
        set({
          annotations: next,
          history: { past: [...history.past, annotations], future: history.future.slice(1) },
          selectedId: selectedId && next.some((a) => a.id === selectedId) ? selectedId : null,
        });
      },
      select: (id) => set({ selectedId: id && get().annotations.some((a) => a.id === id) ? id : null }),
      setTool: (tool) => set({ tool, pendingNote: null }),
      setPendingNote: (pendingNote) => set({ pendingNote }),
      setScrubTime: (t) => set({ scrubTime: t === null || !Number.isFinite(t) ? null : Math.min(Math.max(t, 0), get().duration) }),
      setViewZoom: (viewZoom) => set({ viewZoom }),
      restoreDirection: ({ frame, annotations, prompt, duration, provider: providerId, mode, count, auto }) => {
        // The job's settings first, so its duration is clamped to the provider and mode it ran on.
        const wanted = get().providers.find((p) => p.id === providerId && p.available);
        if (wanted && wanted.id !== get().providerId) set({ providerId: wanted.id, modelId: null });
        const provider = currentProvider();
        set(fitToProvider(provider, mode ?? get().mode));
        if (count !== undefined) set({ count: clampCount(count, maxCountFor(provider)) });
        if (auto !== undefined) set({ auto: auto ? clampAuto({ enabled: true, ...auto }) : { ...get().auto, enabled: false } });
        set({ frame, selectedId: null, pendingNote: null, scrubTime: null, prompt, duration: clampDuration(duration, durationRangeFor(provider, get().mode)) });
        commitAnnotations(annotations);
      },

      setPrompt: (prompt) => set({ prompt }),
      setDuration: (seconds) => set({ duration: clampDuration(seconds, durationRangeFor(currentProvider(), get().mode)) }),
      setCount: (count) => set({ count: clampCount(count, maxCountFor(currentProvider())) }),
      // A model that cannot bridge is dropped on the way into Bridge (the picker lists bridge models only).
      setPlacement: (placement) => set({ placement, modelId: pickedModel({ ...get(), placement }) ?? null }),
      showAnchor: (which) => {
        const frame = get().frame;
        if (frame?.anchors) set({ frame: { ...frame, imageUrl: frame.anchors[which] } });
      },
      setBridgeSeconds: (seconds) => set({ bridgeSeconds: Number.isFinite(seconds) ? Math.min(10, Math.max(0.5, seconds)) : 2 }),
      setMode: (mode) => set(fitToProvider(currentProvider(), mode)),
      setExr: (exr) => set({ exr: exr && get().mode === "final" && offersExr(currentProvider()) }),
      setAuto: (patch) => {
        const before = get().auto;
        const auto = clampAuto({ ...before, ...patch });
        const switchedOn = auto.enabled && !before.enabled;
        set(switchedOn ? { auto, count: clampCount(AUTO_DEFAULT_COUNT, maxCountFor(currentProvider())) } : { auto });
      },
      setProviders: (providers) => {
        const chosen = providers.find((p) => p.id === get().providerId && p.available);
        const fallback = providers.find((p) => p.available);
        const providerId = chosen?.id ?? fallback?.id ?? null;
        const provider = providers.find((p) => p.id === providerId);
        const modelId = providerId === get().providerId ? (pickedModel({ ...get(), providers, providerId }) ?? null) : null;
        set({ providers, providerId, modelId, count: clampCount(get().count, maxCountFor(provider)), ...fitToProvider(provider, get().mode) });
      },
      setProvider: (id) => {
        const provider = get().providers.find((p) => p.id === id);
        if (!provider || !provider.available) return;
        // Models are the provider's own: another provider starts from its default.
        const modelId = id === get().providerId ? get().modelId : null;
        set({ providerId: id, modelId, count: clampCount(get().count, maxCountFor(provider)), ...fitToProvider(provider, get().mode), ...(id === get().providerId ? {} : { sound: null }) });
      },
      setModel: (id) => {
        if (id === null) return set({ modelId: null, sound: null });
        if (modelChoices(currentProvider(), get().placement).includes(id)) set({ modelId: id, ...(id === get().modelId ? {} : { sound: null }) });
      },
      setSound: (sound) => set({ sound }),

      startJob: (job) =>
        set((s) => ({ job, takes: mergeTakes({}, job.takes), imports: {}, conforms: {}, compare: { ...s.compare, direct: [] }, stream: "connecting" })),
      applyJobEvent: (event) => {
        const { job, takes } = get();
        if (event.type === "take") {
          // A take of the current job (a later round's takes arrive this way too); a stale
          // stream of an earlier job is ignored.
          if (!job || event.take.jobId === job.id) {
            const next = mergeTake(takes, event.take);
            if (next !== takes) set({ takes: next });
          }
          updateOpenedJob(event.take.jobId, (opened) => ({ ...opened, takes: mergeTake(opened.takes, event.take) }));
        } else if (event.type === "job") {
          if (!job || event.job.id === job.id) set({ job: mergeJob(job, event.job), takes: mergeTakes(takes, event.job.takes) });
          updateOpenedJob(event.job.id, (opened) => ({ ...opened, job: mergeJob(opened.job, event.job), takes: mergeTakes(opened.takes, event.job.takes) }));
        } else {
          // A log line carries no job id: it belongs to the stream's job, the current one.
          if (job) {
            const next = appendLogEntry(job, event.entry);
            if (next !== job) set({ job: next });
            updateOpenedJob(job.id, (opened) => ({ ...opened, job: appendLogEntry(opened.job, event.entry) }));
          }
        }
      },
      applyTake: (take) => {
        // Unlike a stream event, an answer about a take of another job (one opened in the
        // history) never lands in the current job's takes, even when there is no current job.
        const { job, takes } = get();
        if (job?.id === take.jobId) {
          const next = mergeTake(takes, take);
          if (next !== takes) set({ takes: next });
        }
        updateOpenedJob(take.jobId, (opened) => ({ ...opened, takes: mergeTake(opened.takes, take) }));
        // The history row's star count follows the opened job's stars.
        const opened = get().openedJob;
        if (opened?.status === "ready" && opened.jobId === take.jobId) {
          const starred = Object.values(opened.takes).filter((t) => t.starred).length;
          set((s) => ({ jobHistory: { ...s.jobHistory, jobs: s.jobHistory.jobs.map((j) => (j.id === take.jobId && j.starred !== starred ? { ...j, starred } : j)) } }));
        }
      },
      setStream: (stream) => set({ stream }),
      setImport: (takeId, status) =>
        set((s) => {
          const imports = { ...s.imports };
          if (status) imports[takeId] = status;
          else delete imports[takeId];
          return { imports };
        }),
      setTakeAction: (takeId, action) =>
        set((s) => {
          const takeActions = { ...s.takeActions };
          if (action) takeActions[takeId] = action;
          else delete takeActions[takeId];
          return { takeActions };
        }),
      setConform: (takeId, status) => set((s) => ({ conforms: { ...s.conforms, [takeId]: status } })),
      setMark: (takeId, status) =>
        set((s) => {
          const marks = { ...s.marks };
          if (status) marks[takeId] = status;
          else delete marks[takeId];
          return { marks };
        }),
      toggleCompare: (scope, takeId) =>
        set((s) => {
          const picked = s.compare[scope];
          const next = picked.includes(takeId) ? picked.filter((id) => id !== takeId) : [...picked, takeId].slice(-MAX_COMPARE);
          return { compare: { ...s.compare, [scope]: next } };
        }),
      clearCompare: (scope) => set((s) => (s.compare[scope].length === 0 ? s : { compare: { ...s.compare, [scope]: [] } })),
      setEnhanceProvider: (enhanceProviderId) => set({ enhanceProviderId }),
      setEnhanceSize: (enhanceSize) => set({ enhanceSize }),
      setView: (view) => set({ view }),

      setHistoryFilters: (patch) => set((s) => ({ jobHistory: { ...s.jobHistory, filters: { ...s.jobHistory.filters, ...patch } } })),
      historyRequested: (kind) => set((s) => ({ jobHistory: { ...s.jobHistory, status: kind, error: null } })),
      historyAnswered: (page, kind, filters) =>
        set((s) => {
          const jobs = kind === "more" ? [...s.jobHistory.jobs, ...page.jobs.filter((j) => !s.jobHistory.jobs.some((k) => k.id === j.id))] : page.jobs;
          return { jobHistory: { ...s.jobHistory, jobs, total: page.total, nextBefore: page.nextBefore, status: "ready", error: null, shownFilters: filters } };
        }),
      historyFailed: (message) => set((s) => ({ jobHistory: { ...s.jobHistory, status: "failed", error: message } })),
      openingJob: (jobId) => set((s) => ({ openedJob: { jobId, status: "loading" }, compare: { ...s.compare, history: [] } })),
      openedJobLoaded: (job) => {
        if (get().openedJob?.jobId !== job.id) return; // the editor opened another meanwhile
        set({ openedJob: { jobId: job.id, status: "ready", job, takes: mergeTakes({}, job.takes) } });
      },
      openedJobFailed: (jobId, message) => {
        if (get().openedJob?.jobId === jobId) set({ openedJob: { jobId, status: "failed", message } });
      },
      openedJobRefreshed: (job) =>
        updateOpenedJob(job.id, (opened) => ({ ...opened, job: mergeJob(opened.job, job), takes: mergeTakes(opened.takes, job.takes) })),
      closeOpenedJob: () => set((s) => ({ openedJob: null, compare: { ...s.compare, history: [] } })),

      setBusy: (key, busy) => set((s) => ({ busy: { ...s.busy, [key]: busy } })),
      notify: (kind, message, source) => {
        const existing = get().notices.find((n) => n.kind === kind && n.message === message && n.source === source);
        if (existing) return existing.id;
        const id = `notice-${++noticeCounter}`;
        set((s) => ({ notices: [...s.notices, { id, kind, message, source }] }));
        return id;
      },
      dismiss: (id) => set((s) => ({ notices: s.notices.filter((n) => n.id !== id) })),
      clearNotices: (source) => {
        if (get().notices.some((n) => n.source === source)) set((s) => ({ notices: s.notices.filter((n) => n.source !== source) }));
      },
    };
  });
}

/** The store of the panel instance a component belongs to. */
export const PanelStoreContext = createContext<PanelStoreApi | null>(null);

export function usePanelStoreApi(): PanelStoreApi {
  const store = useContext(PanelStoreContext);
  if (!store) throw new Error("usePanelStore must be used inside <PanelStoreContext.Provider>.");
  return store;
}

/** Select from this panel's store; the component re-renders when the selected value changes. */
export function usePanelStore<T>(selector: (state: PanelState) => T): T {
  return useStore(usePanelStoreApi(), selector);
}
