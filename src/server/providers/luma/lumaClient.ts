import fs from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { z } from "zod";
import { ProviderRequestError } from "../../director/providerExtras.js";

/**
 * A small typed client for the Luma Agents API (https://agents.lumalabs.ai/v1). There is no npm
 * SDK for it, and it is plain REST: every answer is parsed with zod, so a changed or broken
 * response is a clear error naming what was wrong, never a crash further down.
 */

export const LumaImageRef = z.object({ data: z.string(), media_type: z.string() });

/** POST /generations, the documented video fields we use. */
export interface LumaCreateVideo {
  model: string;
  type: "video";
  prompt: string;
  aspect_ratio: LumaAspectRatio;
  video: {
    resolution: "540p" | "720p" | "1080p";
    duration: "5s" | "10s";
    start_frame?: z.infer<typeof LumaImageRef>;
    end_frame?: z.infer<typeof LumaImageRef>;
    keyframes?: z.infer<typeof LumaImageRef>[];
    keyframe_indexes?: number[];
    hdr?: boolean;
    exr_export?: boolean;
    loop?: boolean;
  };
}

export const LUMA_ASPECT_RATIOS = ["9:16", "3:4", "1:1", "4:3", "16:9", "21:9"] as const;
export type LumaAspectRatio = (typeof LUMA_ASPECT_RATIOS)[number];

export const LumaState = z.enum(["queued", "processing", "completed", "failed"]);

/** GET /generations/{id} (and the POST answer). Unknown extra fields are allowed; missing ones are not. */
export const LumaGeneration = z.object({
  id: z.string().min(1),
  state: LumaState,
  created_at: z.string().optional(),
  model: z.string().optional(),
  type: z.string().optional(),
  /** Kept as Luma says it: content_moderated, generation_failed, budget_exhausted, … */
  failure_code: z.string().nullish(),
  failure_reason: z.string().nullish(),
  /** Presigned, expiring after an hour. */
  output: z.array(z.object({ type: z.string(), url: z.string().url() })).nullish(),
  progress: z.number().nullish(),
});
export type LumaGeneration = z.infer<typeof LumaGeneration>;

const ErrorBody = z
  .object({
    detail: z.unknown().optional(),
    error: z.unknown().optional(),
    message: z.string().optional(),
  })
  .loose();

export interface LumaClientOptions {
  apiKey: string;
  baseUrl: string;
  /** Per-request timeout: a provider that stops answering is a failure, not a hang. */
  timeoutMs?: number;
  /** How often a 429 / 503 is waited out and retried before giving up. */
  maxRetries?: number;
  /** Longest single wait honoured from Retry-After. */
  maxRetryWaitMs?: number;
  fetch?: typeof fetch;
}

export class LumaClient {
  private readonly base: string;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly maxRetryWaitMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: LumaClientOptions) {
    this.base = options.baseUrl.replace(/\/+$/, "");
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxRetries = options.maxRetries ?? 3;
    this.maxRetryWaitMs = options.maxRetryWaitMs ?? 60_000;
    this.fetchImpl = options.fetch ?? fetch;
  }

  create(body: LumaCreateVideo): Promise<LumaGeneration> {
    return this.request("POST", "/generations", body);
  }

  get(id: string): Promise<LumaGeneration> {
    return this.request("GET", `/generations/${encodeURIComponent(id)}`);
  }

  /**
   * Downloads one presigned output to `dest`. The URL carries its own authorization: our key is
   * never sent to the storage host. An expired URL (403/404/410) is reported as such, so the
   * caller can ask Luma for fresh URLs.
   */
  async download(url: string, dest: string, signal?: AbortSignal): Promise<void> {
    const res = await this.fetchImpl(url, { signal: withTimeout(signal, this.timeoutMs * 10) }).catch((error: unknown) => {
      throw new ProviderRequestError("download_failed", `Downloading Luma's output failed: ${errorText(error)}.`, { retryable: true });
    });
    if (res.status === 403 || res.status === 404 || res.status === 410) {
      throw new ProviderRequestError("output_expired", "Luma's download link has expired (they last an hour).", { status: res.status, retryable: true });
    }
    if (!res.ok || !res.body) {
      throw new ProviderRequestError("download_failed", `Downloading Luma's output failed (HTTP ${res.status}).`, { status: res.status, retryable: true });
    }
    const tmp = `${dest}.part`;
    await pipeline(Readable.fromWeb(res.body as import("node:stream/web").ReadableStream), fs.createWriteStream(tmp));
    fs.renameSync(tmp, dest);
  }

  private async request(method: "GET" | "POST", pathName: string, body?: unknown): Promise<LumaGeneration> {
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await this.fetchImpl(`${this.base}${pathName}`, {
          method,
          headers: {
            Authorization: `Bearer ${this.options.apiKey}`,
            Accept: "application/json",
            ...(body === undefined ? {} : { "Content-Type": "application/json" }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (error) {
        const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
        throw new ProviderRequestError(
          timedOut ? "provider_timeout" : "provider_unreachable",
          timedOut ? `Luma did not answer within ${Math.round(this.timeoutMs / 1000)} s.` : `Luma could not be reached: ${errorText(error)}.`,
          { retryable: true },
        );
      }
      if (res.ok) {
        const json = await res.json().catch(() => undefined);
        const parsed = LumaGeneration.safeParse(json);
        if (!parsed.success) {
          const issue = parsed.error.issues[0]!;
          throw new ProviderRequestError(
            "bad_provider_response",
            `Luma answered in an unexpected shape (${issue.path.join(".") || "body"}: ${issue.message}); the API may have changed.`,
            { status: res.status, raw: JSON.stringify(json)?.slice(0, 500) },
          );
        }
        return parsed.data;
      }
      const retryAfterMs = parseRetryAfter(res.headers.get("retry-after"));
      const canRetry = (res.status === 429 || res.status === 503) && attempt < this.maxRetries;
      if (canRetry) {
        const wait = Math.min(this.maxRetryWaitMs, retryAfterMs ?? 1000 * 2 ** attempt);
        await new Promise((r) => setTimeout(r, wait));
        continue;
      }
      throw await lumaHttpError(res, retryAfterMs);
    }
  }
}

/** The documented error statuses, each as a message an editor can act on. */
async function lumaHttpError(res: Response, retryAfterMs: number | undefined): Promise<ProviderRequestError> {
  const text = await res.text().catch(() => "");
  let detail = "";
  try {
    const body = ErrorBody.parse(JSON.parse(text));
    const d = body.detail ?? body.error ?? body.message;
    detail = typeof d === "string" ? d : d === undefined ? "" : JSON.stringify(d);
  } catch {
    detail = text.slice(0, 200);
  }
  const withDetail = (s: string) => (detail ? `${s} Luma said: ${detail.slice(0, 300)}` : s);
  const raw = text.slice(0, 500);
  switch (res.status) {
    case 400:
      return new ProviderRequestError("invalid_request", withDetail("Luma rejected the request (400)."), { status: 400, raw });
    case 401:
      return new ProviderRequestError("unauthorized", "Luma refused the API key (401): check LUMA_API_KEY.", { status: 401, raw });
    case 402:
      return new ProviderRequestError("insufficient_credits", "Your Luma balance is too low for this generation (402): add credits in Luma's dashboard, then retry.", { status: 402, raw, retryable: true });
    case 403:
      return new ProviderRequestError("forbidden", withDetail("This Luma key has no access to that feature (403); HDR needs HDR access on the account."), { status: 403, raw });
    case 413:
      return new ProviderRequestError("input_too_large", "The frame is too large for Luma (413): recapture at a smaller size.", { status: 413, raw });
    case 422:
      return new ProviderRequestError("unprocessable", withDetail("Luma cannot make this combination (422): check resolution, duration, HDR and the frame."), { status: 422, raw });
    case 429:
      return new ProviderRequestError(
        "rate_limited",
        `Luma's rate or concurrency limit is reached (429)${retryAfterMs ? `; try again in ${Math.ceil(retryAfterMs / 1000)} s` : ""}.`,
        { status: 429, raw, retryable: true, retryAfterMs },
      );
    case 502:
    case 503:
      return new ProviderRequestError("provider_unavailable", `Luma is temporarily unavailable (${res.status}); retry in a few minutes.`, { status: res.status, raw, retryable: true });
    default:
      return new ProviderRequestError("provider_error", withDetail(`Luma answered HTTP ${res.status}.`), { status: res.status, raw, retryable: res.status >= 500 });
  }
}

/** Retry-After in seconds or as an HTTP date. */
export function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function withTimeout(signal: AbortSignal | undefined, ms: number): AbortSignal {
  const timeout = AbortSignal.timeout(ms);
  return signal ? AbortSignal.any([signal, timeout]) : timeout;
}

function errorText(error: unknown): string {
  const e = error as { message?: string; cause?: { code?: string; message?: string } };
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(error);
}
