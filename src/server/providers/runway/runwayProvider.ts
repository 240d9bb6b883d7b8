import fs from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import RunwayML, { toFile } from "@runwayml/sdk";
import { z } from "zod";
import { renderForProvider } from "../../../core/direction/index.js";
import type { Direction, ModeLimits, Money, ProviderInfo, TakeVariant } from "../../../core/schemas/index.js";
import { MAX_COUNT, MAX_DURATION, MIN_DURATION } from "../../../core/schemas/index.js";
import { ProviderRequestError, type HostedSubmitInput } from "../../director/providerExtras.js";
import { inlineImage } from "../luma/inlineImage.js";
import { creditsToUsd, RUNWAY_PRICES, runwayPriceUsd } from "../pricing.js";
import type { Provider, ProviderOutput, ProviderStatus, SubmitInput, SubmitResult } from "../provider.js";

export const RUNWAY_DRAFT_MODEL = "gen4_turbo";
/** The best Gen-4 image-to-video model in @runwayml/sdk 4.20.1. */
export const RUNWAY_FINAL_MODEL = "gen4.5";
/** Runway's HDR grading model: SDR → HDR upconversion (video_to_hdr). */
export const RUNWAY_HDR_MODEL = "ruby";
export const HDR_FORMATS = ["hdr10", "hlg", "hdr_prores", "hdr_exr_sequence"] as const;
export type HdrFormat = (typeof HDR_FORMATS)[number];

/** A data URI may hold at most 5 MB (SDK doc); base64 grows bytes by 4/3, so the image must stay under ~3.7 MB. */
const DATA_URI_MAX_BYTES = 5 * 1024 * 1024;
const MAX_IMAGE_BYTES = Math.floor(((DATA_URI_MAX_BYTES - 64) * 3) / 4);
const PROMPT_MAX = 1000;
const RATIOS = ["1280:720", "720:1280", "1104:832", "832:1104", "960:960", "1584:672"] as const;
type Ratio = (typeof RATIOS)[number];
/**
 * Bridge: only Veo 3.1 takes a last frame on image_to_video (gen4.5 / gen4_turbo take a first
 * frame only; @runwayml/sdk 4.20.1 types), at 4, 6 or 8 s and these ratios.
 */
export const RUNWAY_BRIDGE_MODELS = ["veo3.1_fast", "veo3.1"] as const;
const VEO_LENGTHS = [4, 6, 8] as const;
const VEO_RATIOS = ["1280:720", "720:1280", "1080:1920", "1920:1080"] as const;

const DRAFT_LIMITS: ModeLimits = {
  durations: { min: MIN_DURATION, max: MAX_DURATION, step: 0.5 },
  renderedDurations: [5, 10],
  resolutions: ["720p"],
  hdr: false,
  exr: false,
  note: "gen4_turbo renders 5 s or 10 s",
  defaultModel: RUNWAY_DRAFT_MODEL,
};
const FINAL_LIMITS: ModeLimits = {
  durations: { min: MIN_DURATION, max: MAX_DURATION, step: 0.5 },
  resolutions: ["720p"],
  hdr: false,
  exr: false,
  note: "SDR; lift a take to HDR with upconversion (Runway video_to_hdr)",
  defaultModel: RUNWAY_FINAL_MODEL,
};

/** GET /v1/tasks/{id}: the fields we rely on. The SDK does not validate answers, so we do. */
const RunwayTask = z.object({
  id: z.string().min(1),
  status: z.enum(["PENDING", "THROTTLED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED"]),
  progress: z.number().nullish(),
  output: z.array(z.string()).nullish(),
  failure: z.string().nullish(),
  failureCode: z.string().nullish(),
  cost: z.object({ credits: z.number() }).nullish(),
});
type RunwayTask = z.infer<typeof RunwayTask>;

export interface RunwayProviderOptions {
  apiKey?: string;
  baseUrl: string;
  pollIntervalMs?: number;
  timeoutMs?: number;
  maxRetries?: number;
}

/** What an upconversion take carries beyond a generation (director → provider). */
export interface UpconvertInput {
  sourceVideoPath: string;
  hdrFormat: HdrFormat;
}

/**
 * Runway through the official @runwayml/sdk: image-to-video (gen4_turbo drafts, gen4.5 finals)
 * from the frame as a data URI, and video_to_hdr (ruby) to lift any SDR take to an HDR master.
 * Tasks are polled; cancel is DELETE /v1/tasks/{id}; THROTTLED (Runway's queue is full) shows as
 * queued.
 */
export class RunwayProvider implements Provider {
  readonly id = "runway";
  readonly pollIntervalMs: number;
  readonly rerunAfterRestart = false;
  private readonly client?: RunwayML;

  constructor(options: RunwayProviderOptions) {
    this.pollIntervalMs = options.pollIntervalMs ?? 5000;
    if (options.apiKey) {
      this.client = new RunwayML({
        apiKey: options.apiKey,
        baseURL: options.baseUrl,
        timeout: options.timeoutMs ?? 60_000,
        // The SDK retries 429/5xx itself, honouring Retry-After.
        maxRetries: options.maxRetries ?? 2,
      });
    }
  }

  info(): ProviderInfo {
    return {
      id: this.id,
      label: "Runway Gen-4",
      available: this.client !== undefined,
      ...(this.client ? {} : { reason: "no API key: set RUNWAY_API_KEY (from Runway's developer portal) and restart the backend" }),
      capabilities: {
        modes: ["draft", "final"],
        durations: { min: MIN_DURATION, max: MAX_DURATION, step: 0.5 },
        maxCount: MAX_COUNT,
        colorSpaces: ["rec709", "rec2100-pq", "rec2100-hlg"],
        models: [RUNWAY_DRAFT_MODEL, RUNWAY_FINAL_MODEL],
        limits: { draft: DRAFT_LIMITS, final: FINAL_LIMITS },
        upconvert: true,
        // image_to_video takes `seed`: "the same seed for an identical request produces similar results".
        seed: true,
        bridge: { startFrame: true, endFrame: true, lengths: [...VEO_LENGTHS], models: [...RUNWAY_BRIDGE_MODELS], note: "Veo 3.1 with first and last promptImage, 4/6/8 s, audio off" },
      },
      pricing: RUNWAY_PRICES.pricing,
    };
  }

  estimateCost(input: Pick<SubmitInput, "mode" | "model" | "duration">): Money {
    const model = modelFor(input.mode, input.model);
    return { usd: runwayPriceUsd(model, renderedSeconds(model, input.duration)), estimated: true };
  }

  async submit(input: SubmitInput): Promise<SubmitResult> {
    const client = this.requireClient();
    const extra = input as Partial<HostedSubmitInput & UpconvertInput>;
    if (input.model === RUNWAY_HDR_MODEL) {
      if (!extra.sourceVideoPath || !extra.hdrFormat) throw new ProviderRequestError("invalid_request", "An upconversion needs the SDR take to lift.");
      return this.submitUpconvert(client, extra.sourceVideoPath, extra.hdrFormat);
    }
    if (input.bridge) return this.submitBridge(client, input, input.bridge.endFramePath);
    const model = modelFor(input.mode, input.model);
    const seq = input.frame.sequence;
    const ratio = nearestRatio(seq.frameSize.width * seq.pixelAspect, seq.frameSize.height);
    const image = await inlineImage(input.framePath, input.workDir, { maxBytes: MAX_IMAGE_BYTES });
    const duration = renderedSeconds(model, input.duration);
    const promptText = runwayPrompt(input.direction, input.variant);
    const body = {
      model,
      promptImage: `data:${image.mediaType};base64,${image.data.toString("base64")}`,
      promptText,
      ratio,
      duration,
      ...(input.variant?.seed !== undefined ? { seed: input.variant.seed } : {}),
    };
    const created = await call(() => client.imageToVideo.create(body as Parameters<RunwayML["imageToVideo"]["create"]>[0]));
    return {
      providerJobId: created.id,
      request: { ...body, promptImage: `<${image.mediaType}, ${image.data.length} bytes inline${image.reencoded ? ", re-encoded to fit 5 MB" : ""}>`, estimatedCredits: created.estimatedCost?.credits },
    };
  }

  /** Veo 3.1: A's frame as `position: "first"`, B's as `"last"` (both data URIs ≤ 5 MB); no audio. */
  private async submitBridge(client: RunwayML, input: SubmitInput, endFramePath: string): Promise<SubmitResult> {
    const model = (RUNWAY_BRIDGE_MODELS as readonly string[]).includes(input.model) ? input.model : RUNWAY_BRIDGE_MODELS[0];
    const seq = input.frame.sequence;
    const ratio = nearestOf(VEO_RATIOS, seq.frameSize.width * seq.pixelAspect, seq.frameSize.height);
    const first = await inlineImage(input.framePath, input.workDir, { maxBytes: MAX_IMAGE_BYTES });
    const last = await inlineImage(endFramePath, input.workDir, { maxBytes: MAX_IMAGE_BYTES });
    const duration = VEO_LENGTHS.find((l) => l >= input.duration - 1e-6) ?? VEO_LENGTHS[VEO_LENGTHS.length - 1];
    const body = {
      model,
      promptImage: [
        { uri: `data:${first.mediaType};base64,${first.data.toString("base64")}`, position: "first" as const },
        { uri: `data:${last.mediaType};base64,${last.data.toString("base64")}`, position: "last" as const },
      ],
      promptText: runwayPrompt(input.direction, input.variant),
      ratio,
      duration,
      audio: false,
      ...(input.variant?.seed !== undefined ? { seed: input.variant.seed } : {}),
    };
    const created = await call(() => client.imageToVideo.create(body as Parameters<RunwayML["imageToVideo"]["create"]>[0]));
    return {
      providerJobId: created.id,
      request: {
        ...body,
        promptImage: [
          { uri: `<${first.mediaType}, ${first.data.length} bytes inline>`, position: "first" },
          { uri: `<${last.mediaType}, ${last.data.length} bytes inline>`, position: "last" },
        ],
        estimatedCredits: created.estimatedCost?.credits,
      },
    };
  }

  private async submitUpconvert(client: RunwayML, sourceVideoPath: string, hdrFormat: HdrFormat): Promise<SubmitResult> {
    // A take is usually far over the 5 MB data-URI cap: send it as an ephemeral upload.
    const file = await toFile(fs.createReadStream(sourceVideoPath), path.basename(sourceVideoPath));
    const upload = await call(() => client.uploads.createEphemeral({ file }));
    const body = { model: RUNWAY_HDR_MODEL, videoUri: upload.uri, outputFormat: hdrFormat } as const;
    const created = await call(() => client.videoToHdr.create(body));
    return { providerJobId: created.id, request: { ...body, source: path.basename(sourceVideoPath), estimatedCredits: created.estimatedCost?.credits } };
  }

  async status(providerJobId: string): Promise<ProviderStatus & { actualCost?: Money }> {
    return statusOf(await this.task(providerJobId));
  }

  async cancel(providerJobId: string): Promise<void> {
    await call(() => this.requireClient().tasks.delete(providerJobId));
  }

  async fetchOutputs(providerJobId: string, destDir: string): Promise<ProviderOutput[]> {
    let task = await this.task(providerJobId);
    const download = async (t: RunwayTask) => {
      const urls = t.output ?? [];
      if (urls.length === 0) throw new ProviderRequestError("output_not_found", "Runway finished the task without output files.", { retryable: true });
      fs.mkdirSync(destDir, { recursive: true });
      const files = urls.map((url, i) => {
        const ext = path.extname(new URL(url).pathname).toLowerCase() || ".mp4";
        const kind: ProviderOutput["kind"] = ext === ".zip" || ext === ".exr" ? "exr" : i === 0 ? "master" : "proxy";
        return { url, kind, file: path.join(destDir, `runway-${kind}${i === 0 ? "" : `-${i}`}${ext}`), ext };
      });
      await Promise.all(files.map((f) => downloadTo(f.url, f.file)));
      return files.map((f) => ({ kind: f.kind, path: f.file, mediaType: mediaTypeOf(f.ext) }));
    };
    try {
      return await download(task);
    } catch (error) {
      if (!(error instanceof ProviderRequestError) || error.code !== "output_expired") throw error;
      // "fetch the task again to get fresh URLs" (SDK doc).
      task = await this.task(providerJobId);
      return download(task);
    }
  }

  private async task(id: string): Promise<RunwayTask> {
    const raw = await call(() => this.requireClient().tasks.retrieve(id));
    const parsed = RunwayTask.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new ProviderRequestError("bad_provider_response", `Runway answered in an unexpected shape (${issue.path.join(".") || "body"}: ${issue.message}); the API may have changed.`);
    }
    return parsed.data;
  }

  private requireClient(): RunwayML {
    if (!this.client) throw new ProviderRequestError("provider_unavailable", "Runway is not configured: set RUNWAY_API_KEY.");
    return this.client;
  }
}

export function statusOf(task: RunwayTask): ProviderStatus & { actualCost?: Money } {
  const actualCost = task.cost ? { usd: creditsToUsd(task.cost.credits), estimated: false } : undefined;
  switch (task.status) {
    case "PENDING":
      return { state: "queued", progress: 0, message: "Queued at Runway" };
    case "THROTTLED":
      // Runway holds the task until a concurrency slot frees: to the editor, that is a queue.
      return { state: "queued", progress: 0, message: "Queued at Runway (waiting for a free slot)" };
    case "RUNNING":
      return { state: "running", progress: Math.min(0.99, Math.max(0, task.progress ?? 0)), message: "Generating at Runway" };
    case "SUCCEEDED":
      return { state: "succeeded", progress: 1, message: "Generated", ...(actualCost ? { actualCost } : {}) };
    case "CANCELLED":
      return { state: "canceled", progress: 0, message: "Canceled", ...(actualCost ? { actualCost } : {}) };
    case "FAILED": {
      const code = task.failureCode ?? "FAILED";
      return {
        state: "failed",
        progress: 0,
        message: "Failed",
        failure: { code, message: `Runway could not make this take (${code})${task.failure ? `: ${task.failure}` : ""}.`, raw: task.failure ?? undefined },
        ...(actualCost ? { actualCost } : {}),
      };
    }
  }
}

function modelFor(mode: "draft" | "final", requested: string | undefined): string {
  if (requested && requested !== "runway" && RUNWAY_PRICES.creditsPerSecond[requested] !== undefined) return requested;
  return mode === "draft" ? RUNWAY_DRAFT_MODEL : RUNWAY_FINAL_MODEL;
}

/** gen4_turbo renders 5 or 10 s; gen4.5 takes whole seconds 2–10; Veo 4/6/8; ruby bills the source length. */
function renderedSeconds(model: string, duration: number): number {
  if ((RUNWAY_BRIDGE_MODELS as readonly string[]).includes(model)) return VEO_LENGTHS.find((l) => l >= duration - 1e-6) ?? 8;
  if (model === RUNWAY_DRAFT_MODEL) return duration <= 5 ? 5 : 10;
  return Math.min(MAX_DURATION, Math.max(2, Math.ceil(duration)));
}

function nearestOf<R extends string>(ratios: readonly R[], width: number, height: number): R {
  const target = Math.log(width / height);
  const logOf = (r: string) => {
    const [w, h] = r.split(":").map(Number) as [number, number];
    return Math.log(w / h);
  };
  return ratios.reduce((best, r) => (Math.abs(logOf(r) - target) < Math.abs(logOf(best) - target) ? r : best), ratios[0]!);
}

export function nearestRatio(width: number, height: number): Ratio {
  const target = Math.log(width / height);
  return RATIOS.reduce((best, r) => {
    const [w, h] = r.split(":").map(Number) as [number, number];
    const [bw, bh] = best.split(":").map(Number) as [number, number];
    return Math.abs(Math.log(w / h) - target) < Math.abs(Math.log(bw / bh) - target) ? r : best;
  }, RATIOS[0] as Ratio);
}

/** Prompt text ≤ 1000 UTF-16 code units (Runway's limit), cut at a word boundary. */
export function runwayPrompt(direction: Direction, variant?: TakeVariant): string {
  const text = renderForProvider(direction, "prompt", { wording: variant?.wording, guards: variant?.guards }).text.trim() || "Continue the shot naturally from this frame.";
  if (text.length <= PROMPT_MAX) return text;
  const cut = text.slice(0, PROMPT_MAX - 1);
  const space = cut.lastIndexOf(" ");
  return `${cut.slice(0, space > PROMPT_MAX * 0.8 ? space : cut.length)}…`;
}

/** SDK errors as editor-readable ProviderRequestErrors (the key never appears in a message). */
async function call<T>(fn: () => PromiseLike<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof RunwayML.APIConnectionTimeoutError) {
      throw new ProviderRequestError("provider_timeout", "Runway did not answer in time.", { retryable: true });
    }
    if (error instanceof RunwayML.APIConnectionError) {
      throw new ProviderRequestError("provider_unreachable", "Runway could not be reached.", { retryable: true });
    }
    if (error instanceof RunwayML.APIError) {
      const status = error.status ?? 0;
      const detail = typeof (error.error as { error?: unknown } | undefined)?.error === "string" ? ` Runway said: ${(error.error as { error: string }).error.slice(0, 300)}` : "";
      const retryAfter = Number(error.headers?.get?.("retry-after"));
      switch (status) {
        case 400:
          return Promise.reject(new ProviderRequestError("invalid_request", `Runway rejected the request (400).${detail}`, { status }));
        case 401:
          return Promise.reject(new ProviderRequestError("unauthorized", "Runway refused the API key (401): check RUNWAY_API_KEY.", { status }));
        case 402:
          return Promise.reject(new ProviderRequestError("insufficient_credits", "Your Runway credits are too low for this task (402): add credits, then retry.", { status, retryable: true }));
        case 404:
          return Promise.reject(new ProviderRequestError("not_found", "Runway does not know this task (404); it may have been deleted.", { status }));
        case 413:
          return Promise.reject(new ProviderRequestError("input_too_large", "The input was too large for Runway (413).", { status }));
        case 422:
          return Promise.reject(new ProviderRequestError("unprocessable", `Runway cannot make this combination (422).${detail}`, { status }));
        case 429:
          return Promise.reject(
            new ProviderRequestError("rate_limited", "Runway's rate limit is reached (429); retry shortly.", {
              status,
              retryable: true,
              retryAfterMs: Number.isFinite(retryAfter) ? retryAfter * 1000 : undefined,
            }),
          );
        default:
          return Promise.reject(new ProviderRequestError(status >= 500 ? "provider_unavailable" : "provider_error", `Runway answered HTTP ${status}.${detail}`, { status, retryable: status >= 500 }));
      }
    }
    throw error;
  }
}

async function downloadTo(url: string, dest: string): Promise<void> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10 * 60_000) }).catch(() => {
    throw new ProviderRequestError("download_failed", "Downloading Runway's output failed.", { retryable: true });
  });
  if (res.status === 403 || res.status === 404 || res.status === 410) {
    throw new ProviderRequestError("output_expired", "Runway's download link has expired.", { status: res.status, retryable: true });
  }
  if (!res.ok || !res.body) throw new ProviderRequestError("download_failed", `Downloading Runway's output failed (HTTP ${res.status}).`, { retryable: true });
  const tmp = `${dest}.part`;
  await pipeline(Readable.fromWeb(res.body as import("node:stream/web").ReadableStream), fs.createWriteStream(tmp));
  fs.renameSync(tmp, dest);
}

function mediaTypeOf(ext: string): string {
  if (ext === ".mov") return "video/quicktime";
  if (ext === ".zip") return "application/zip";
  return "video/mp4";
}
