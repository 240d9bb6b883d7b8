import { z } from "zod";
import {
  ApiError,
  ArtifactLink,
  ColorTags,
  CostEstimate,
  EstimateRequest,
  FrameContext,
  HistoryPage,
  Job,
  JobEvent,
  JudgeInfo,
  ProjectSettings,
  ProviderInfo,
  SpendTotals,
  Take,
  type CreateJobInput,
  type EnhanceRequest,
  type HistoryQueryInput,
  type TakePatch,
  type UpconvertRequest,
} from "../../core/schemas/index.js";
import { historySearchParams } from "../state/historyQuery.js";

/**
 * Typed client for the backend's HTTP API (docs/http-api.md). Every answer is parsed with the
 * core schemas, so a backend that drifts from the contract is a clear error here rather than
 * an `undefined` three components later. Failures carry the server's own message.
 */

export class BackendError extends Error {
  constructor(
    /** HTTP status; 0 when the backend could not be reached at all. */
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = "BackendError";
  }
}

export interface BackendConnection {
  url: string;
  token?: string;
}

export type StreamStatus = "live" | "reconnecting" | "failed";

export interface JobEventHandlers {
  onEvent(event: JobEvent): void;
  /** Every take reached a terminal state (and an auto job's loop is done); the stream is closed. */
  onDone?(): void;
  onStatus?(status: StreamStatus): void;
  onError?(error: BackendError): void;
}

/** The slice of the EventSource API the client uses (browsers have it; tests may inject one). */
export interface EventSourceLike {
  readonly readyState: number;
  addEventListener(type: string, listener: (event: MessageEvent) => void): void;
  close(): void;
  onopen: ((event: Event) => void) | null;
  onerror: ((event: Event) => void) | null;
}
export type EventSourceFactory = (url: string) => EventSourceLike;

export interface BackendClientOptions {
  fetch?: typeof fetch;
  eventSource?: EventSourceFactory;
  /**
   * A studio service refused the token (401 token_revoked / token_invalid / token_missing): the
   * panel asks the editor to sign in again, keeping what they were doing. Called before the
   * request's promise rejects.
   */
  onSignInNeeded?: (error: BackendError) => void;
}

/** The 401 codes that mean "this token will not do: sign in again" (docs/team.md). */
export const SIGN_IN_CODES = ["token_revoked", "token_invalid", "token_missing"] as const;

const SignedInUser = z.object({ id: z.string(), name: z.string(), admin: z.boolean() });
export type SignedInUser = z.infer<typeof SignedInUser>;
const Me = z.object({ user: SignedInUser });
/** POST /v1/auth/pairings: a browser sign-in for the panel to open and poll (docs/team.md). */
export const Pairing = z.object({ code: z.string(), signInUrl: z.string(), expiresAt: z.string(), confirmation: z.string() });
export type Pairing = z.infer<typeof Pairing>;
const ClaimAnswer = z.union([
  z.object({ token: z.string(), user: z.object({ name: z.string(), admin: z.boolean() }) }),
  z.object({ status: z.literal("pending"), expiresAt: z.string() }),
]);
export type ClaimAnswer = z.infer<typeof ClaimAnswer>;

const Health = z.object({ ok: z.literal(true), version: z.string() });
const ProviderList = z.object({ providers: z.array(ProviderInfo) });
const JobList = z.object({ jobs: z.array(Job) });
const EVENTSOURCE_CLOSED = 2;

/** What `POST /v1/estimate` takes (the schema's input: defaults may be left out). */
export type EstimateInput = z.input<typeof EstimateRequest>;

/** Formats a master can be conformed to for import (conformRoutes.ts). */
export type ConformFormat = "prores422hq" | "prores4444" | "hevc-hdr10";
export type UpconvertFormat = NonNullable<UpconvertRequest["format"]>;

/**
 * `POST /v1/takes/:id/conform` answers `{take, artifact, notes, route, gate}`. Only the take is
 * needed; the rest is read loosely so a richer answer does not break the panel.
 */
export const ConformResult = z.looseObject({
  take: Take,
  notes: z.array(z.string()).optional(),
  route: z.string().optional(),
  artifact: z.looseObject({ colorTags: ColorTags.optional() }).optional(),
});
export type ConformResult = z.infer<typeof ConformResult>;

const ProjectSettingsReply = z.object({ project: z.string(), settings: ProjectSettings });

export function createBackendClient(connection: BackendConnection, options: BackendClientOptions = {}) {
  const base = connection.url.replace(/\/+$/, "");
  const token = connection.token || undefined;
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const openEventSource: EventSourceFactory =
    options.eventSource ?? ((url) => new EventSource(url) as unknown as EventSourceLike);

  /** Browser-loaded URLs (img, video, EventSource) cannot send headers, so the token rides along. */
  const withToken = (url: string) => (token ? `${url}${url.includes("?") ? "&" : "?"}token=${encodeURIComponent(token)}` : url);

  async function request<T>(method: string, path: string, schema: z.ZodType<T>, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response: Response;
    try {
      response = await doFetch(`${base}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new BackendError(0, "backend_unreachable", `Cannot reach the Retake backend at ${base}. Is it running?`);
    }
    const text = await response.text().catch(() => "");
    let json: unknown = undefined;
    if (text) {
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
    }
    if (!response.ok) {
      const apiError = ApiError.safeParse(json);
      if (apiError.success) {
        const { code, message, field } = apiError.data.error;
        const error = new BackendError(response.status, code, message, field);
        if (response.status === 401 && (SIGN_IN_CODES as readonly string[]).includes(code)) options.onSignInNeeded?.(error);
        throw error;
      }
      const reason = response.statusText ? ` ${response.statusText}` : "";
      throw new BackendError(response.status, "http_error", `The backend answered ${method} ${path} with ${response.status}${reason}.`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.join(".") || "body";
      throw new BackendError(
        response.status,
        "bad_response",
        `The backend answered ${method} ${path} with an unexpected shape (${where}: ${issue?.message ?? "invalid"}).`,
      );
    }
    return parsed.data;
  }

  const enc = encodeURIComponent;

  return {
    url: base,
    health: () => request("GET", "/v1/health", Health),
    /** Team mode: who this token belongs to ("Signed in as …"). */
    me: async () => (await request("GET", "/v1/me", Me)).user,
    /** Team mode: start a browser sign-in (no token needed). */
    startPairing: () => request("POST", "/v1/auth/pairings", Pairing),
    /** Team mode: the sign-in's token once the editor has signed in (`status: "pending"` until then). */
    claimPairing: (code: string) => request("POST", `/v1/auth/pairings/${enc(code)}/claim`, ClaimAnswer),
    providers: async () => (await request("GET", "/v1/providers", ProviderList)).providers,
    getFrame: (frameId: string) => request("GET", `/v1/frames/${enc(frameId)}`, FrameContext),
    createJob: (input: CreateJobInput) => request("POST", "/v1/jobs", Job, input),
    getJob: (jobId: string) => request("GET", `/v1/jobs/${enc(jobId)}`, Job),
    listJobs: async (limit = 50) => (await request("GET", `/v1/jobs?limit=${limit}`, JobList)).jobs,
    cancelJob: (jobId: string) => request("POST", `/v1/jobs/${enc(jobId)}/cancel`, Job),
    /** What a job set up like this would cost, and whether the budget allows it. */
    estimate: (input: EstimateInput) => request("POST", "/v1/estimate", CostEstimate, input),
    spend: () => request("GET", "/v1/spend", SpendTotals),
    /** The backend's vision-model judge: whether there is one, which service sees the frames, its cost per take. */
    judgeInfo: () => request("GET", "/v1/judge", JudgeInfo),
    projectSettings: (project: string) => request("GET", `/v1/projects/settings?project=${enc(project)}`, ProjectSettingsReply),
    setProjectSettings: (project: string, settings: ProjectSettings) => request("PUT", `/v1/projects/settings?project=${enc(project)}`, ProjectSettingsReply, settings),
    /** Send a failed take again (only when its error says `retryable`). */
    retryTake: (takeId: string) => request("POST", `/v1/takes/${enc(takeId)}/retry`, Take),
    /** Lift an SDR take to HDR: a new one-take job (the format follows the sequence when absent). */
    upconvertTake: (takeId: string, format?: UpconvertFormat, provider?: string) =>
      request("POST", `/v1/takes/${enc(takeId)}/upconvert`, Job, { ...(format ? { format } : {}), ...(provider ? { provider } : {}) }),
    /** Conform a take's master to its sequence; the answer carries the take with its new master. */
    conformTake: (takeId: string, format?: ConformFormat) =>
      request("POST", `/v1/takes/${enc(takeId)}/conform`, ConformResult, format ? { format } : {}),
    /**
     * Render a draft as a final master: a new one-take "final" job (`enhanceOf` says which draft).
     * Without a take id the backend picks the job's best-scored take.
     */
    enhanceJob: (jobId: string, input: EnhanceRequest = {}) => request("POST", `/v1/jobs/${enc(jobId)}/enhance`, Job, input),
    /** The editor's star and note on a take; answers the take as stored. */
    patchTake: (takeId: string, patch: TakePatch) => request("PATCH", `/v1/takes/${enc(takeId)}`, Take, patch),
    /** One page of the ledger's jobs, newest first, matching the search and filters. */
    history: (query: HistoryQueryInput = {}) => request("GET", `/v1/history${historySearchParams(query)}`, HistoryPage),

    frameImageUrl: (frameId: string) => withToken(`${base}/v1/frames/${enc(frameId)}/image`),
    artifactUrl: (artifactId: string) => withToken(`${base}/v1/artifacts/${enc(artifactId)}`),
    /**
     * A short-lived signed link to an artifact that works without the token: what the panel hands
     * to the system browser, which must never see the token.
     */
    artifactLink: (artifactId: string) => request("POST", `/v1/artifacts/${enc(artifactId)}/link`, ArtifactLink),

    /**
     * Follow a job's events. EventSource reconnects by itself and sends Last-Event-ID, and the
     * server replays what changed since, so the handler only has to merge idempotently.
     * Returns a function that closes the stream.
     */
    subscribeJobEvents(jobId: string, handlers: JobEventHandlers): () => void {
      const source = openEventSource(withToken(`${base}/v1/jobs/${enc(jobId)}/events`));
      let closed = false;
      const close = () => {
        closed = true;
        source.close();
      };
      const onData = (event: MessageEvent) => {
        if (closed) return;
        let data: unknown;
        try {
          data = JSON.parse(String(event.data));
        } catch {
          handlers.onError?.(new BackendError(200, "bad_event", "The backend sent a job event that is not JSON."));
          return;
        }
        const parsed = JobEvent.safeParse(data);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          handlers.onError?.(
            new BackendError(200, "bad_event", `The backend sent a job event with an unexpected shape (${issue?.path.join(".") || "event"}: ${issue?.message ?? "invalid"}).`),
          );
          return;
        }
        handlers.onEvent(parsed.data);
      };
      source.addEventListener("take", onData);
      source.addEventListener("job", onData);
      source.addEventListener("log", onData);
      source.addEventListener("done", () => {
        if (closed) return;
        close();
        handlers.onDone?.();
      });
      source.onopen = () => {
        if (!closed) handlers.onStatus?.("live");
      };
      source.onerror = () => {
        if (closed) return;
        if (source.readyState === EVENTSOURCE_CLOSED) {
          // The browser gave up (HTTP error or wrong content type): it will not retry.
          close();
          handlers.onStatus?.("failed");
          handlers.onError?.(new BackendError(0, "stream_closed", "Lost the connection to the job's progress updates."));
        } else {
          handlers.onStatus?.("reconnecting");
        }
      };
      return close;
    },
  };
}
export type BackendClient = ReturnType<typeof createBackendClient>;
