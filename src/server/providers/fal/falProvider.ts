import fs from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { ApiError, type FalClient } from "@fal-ai/client";
import { z } from "zod";
import { renderForProvider } from "../../../core/direction/index.js";
import type { ModeLimits, Money, ProviderInfo, SequenceContext, TargetSize } from "../../../core/schemas/index.js";
import { MAX_COUNT, MAX_DURATION, MIN_DURATION } from "../../../core/schemas/index.js";
import { ProviderRequestError, type HostedProviderExtras, type HostedStatus } from "../../director/providerExtras.js";
import { ffprobeJson, type FfprobeResult } from "../../media/ffmpeg.js";
import { inlineImage } from "../luma/inlineImage.js";
import type { Provider, ProviderOutput, SubmitInput, SubmitResult } from "../provider.js";
import { defaultFalModel, FAL_CATALOGUE, falModel, falModelsFor, lengthValue, modelInfoOf, renderedSecondsOf, type FalModel } from "./catalogue.js";
import { detailOf, FAL_API_DEFAULT, FAL_QUEUE_DEFAULT, FAL_REST_DEFAULT, falError, makeFalClient } from "./falClient.js";
import { FalPricing } from "./falPricing.js";
import { FalWebhookInbox } from "./falWebhook.js";

export interface FalProviderOptions {
  apiKey?: string;
  queueUrl?: string;
  restUrl?: string;
  apiUrl?: string;
  pollIntervalMs?: number;
  /** The public URL fal should POST results to (this backend's /fal/webhook); unset: polling only. */
  webhookUrl?: string;
  /** fal's webhook signing keys (JWKS); a stand-in in tests. */
  jwksUrl?: string;
  log?: (line: string) => void;
}

/** A data URI frame stays well under any request-size limit; larger frames are re-encoded as JPEG. */
const MAX_INLINE_BYTES = 4 * 1024 * 1024;
const PROMPT_MAX = 2500;
/** Outputs are downloaded at once, so fal may drop them after a day (X-Fal-Object-Lifecycle-Preference). */
const OUTPUT_LIFETIME = "1d";
/** Frames uploaded to fal storage live an hour: long enough for the queue, not kept. */
const UPLOAD_LIFETIME = "1h";
/** SeedVR2 bills per output megapixel (w × h × frames); takes are ~24 fps. */
const UPSCALE_FPS_FOR_ESTIMATE = 24;

/** The result of a finished request: `{video: File}` on every catalogue endpoint (fal types). */
const FalVideoResult = z.object({
  video: z.object({ url: z.string().url(), content_type: z.string().nullish(), file_name: z.string().nullish(), file_size: z.number().nullish(), width: z.number().nullish(), height: z.number().nullish() }),
});
type FalVideoResult = z.infer<typeof FalVideoResult>;

/** `COMPLETED` may carry `error`/`error_type` when the run failed (fal queue status). */
const FalStatus = z.object({
  status: z.enum(["IN_QUEUE", "IN_PROGRESS", "COMPLETED"]),
  queue_position: z.number().nullish(),
  error: z.string().nullish(),
  error_type: z.string().nullish(),
});

const CANCEL_MESSAGE = "Canceled. fal was asked to stop: a request still queued is removed and costs nothing; one already generating may finish anyway and be charged (fal's cancel is only a request to the model).";

/**
 * fal.ai as a provider through the official @fal-ai/client queue API: one key reaches the
 * catalogue's models (Veo 3.1, Kling, Seedance, Hailuo, LTX, Wan, SeedVR2). Frames go to fal
 * storage (or inline as data URIs where the endpoint documents it); the request id is polled
 * (queue position shown on the take card); results are downloaded at once (their URLs expire).
 * fal bills only successful outputs, so a failed generation records a cost of 0.
 */
export class FalProvider implements Provider, HostedProviderExtras {
  readonly id = "fal";
  readonly pollIntervalMs: number;
  readonly rerunAfterRestart = false;
  readonly cancelMessage = CANCEL_MESSAGE;
  readonly pricing: FalPricing;
  /** Verified webhook deliveries (when FAL_WEBHOOK_URL is set); status() reads them before asking fal. */
  readonly webhooks: FalWebhookInbox;
  readonly webhookUrl?: string;
  private readonly client?: FalClient;
  /** Finished results read while polling (COMPLETED → GET result), for fetchOutputs. */
  private readonly results = new Map<string, FalVideoResult>();
  /** Whether each request asked for sound (fetchOutputs confirms against the file). */
  private readonly soundAsked = new Map<string, boolean>();

  constructor(private readonly options: FalProviderOptions) {
    this.pollIntervalMs = options.pollIntervalMs ?? 3000;
    this.pricing = new FalPricing({ apiUrl: options.apiUrl ?? FAL_API_DEFAULT, key: options.apiKey, log: options.log });
    this.webhooks = new FalWebhookInbox({ jwksUrl: options.jwksUrl });
    this.webhookUrl = options.webhookUrl || undefined;
    if (options.apiKey) {
      this.client = makeFalClient(options.apiKey, { queueUrl: options.queueUrl ?? FAL_QUEUE_DEFAULT, restUrl: options.restUrl ?? FAL_REST_DEFAULT });
      void this.pricing.refresh();
    }
  }

  info(): ProviderInfo {
    if (this.client) this.pricing.refreshIfStale();
    const bridgeModels = falModelsFor("bridge");
    const bridgeDefault = bridgeModels[0]!;
    const upscalers = falModelsFor("upscale");
    return {
      id: this.id,
      label: "fal",
      available: this.client !== undefined,
      ...(this.client ? {} : { reason: "no API key: set FAL_KEY (fal.ai dashboard → API keys) and restart the backend" }),
      capabilities: {
        modes: ["draft", "final"],
        durations: { min: MIN_DURATION, max: MAX_DURATION, step: 0.5 },
        maxCount: MAX_COUNT,
        // SDR models, conformed into any sequence (SDR white at 203 cd/m² in HDR), as ComfyUI's.
        colorSpaces: ["rec709", "rec2100-pq", "rec2100-hlg"],
        models: FAL_CATALOGUE.filter((m) => m.uses.includes("draft") || m.uses.includes("final")).map((m) => m.id),
        limits: { draft: limitsFor("draft"), final: limitsFor("final") },
        bridge: {
          startFrame: true,
          endFrame: true,
          lengths: [...(bridgeDefault.lengths?.seconds ?? [5])],
          models: bridgeModels.map((m) => m.id),
          note: "Veo 3.1 first+last frame (4/6/8 s) by default; Kling, Seedance, Hailuo, LTX and Wan take an end frame too, each at its own lengths",
        },
        ...(upscalers.length > 0
          ? { upscale: { sizes: ["1080p", "2160p", "dci4k"] as TargetSize[], models: upscalers.map((m) => m.id), note: "SeedVR2 on fal: ProRes 4444 at the target height (2160 for UHD and DCI 4K), $0.001 per output megapixel" } }
          : {}),
        modelInfo: FAL_CATALOGUE.map(modelInfoOf),
      },
      pricing: this.pricing.source(),
    };
  }

  estimateCost(input: Pick<SubmitInput, "mode" | "model" | "duration"> & Partial<Pick<SubmitInput, "audio" | "upscale">>): Money {
    if (input.upscale) {
      const model = falModel(input.model) ?? defaultFalModel("upscale");
      const frames = Math.ceil(input.duration * UPSCALE_FPS_FOR_ESTIMATE);
      return this.pricing.price(model, { seconds: input.duration, megapixels: (input.upscale.width * input.upscale.height * frames) / 1e6 });
    }
    const model = this.modelForEstimate(input.mode, input.model);
    const sequence = (input as { sequence?: SequenceContext }).sequence;
    return this.pricing.price(model, {
      seconds: renderedSecondsOf(model, input.duration),
      resolution: pickSize(model, input.mode, sequence?.frameSize.height)?.value,
      ...(input.audio !== undefined ? { audio: input.audio } : {}),
    });
  }

  async submit(input: SubmitInput): Promise<SubmitResult> {
    const client = this.requireClient();
    if (input.upscale) return this.submitUpscale(client, input, input.upscale);
    const model = modelForSubmit(input);
    const longest = model.lengths?.seconds.at(-1);
    if (!input.bridge && longest !== undefined && input.duration > longest + 0.05) {
      throw new ProviderRequestError("invalid_request", `${model.label} renders at most ${Math.round(longest * 10) / 10} s; ask for ${Math.floor(longest)} s or less, or pick a model with longer takes.`);
    }
    const seq = input.frame.sequence;
    const seconds = renderedSecondsOf(model, input.duration);
    const body: Record<string, unknown> = { ...model.fixedInput };
    const recorded: Record<string, unknown> = {};
    body[model.fields.prompt ?? "prompt"] = falPrompt(input);
    const start = await this.frameRef(client, model, input.framePath, input.workDir);
    body[model.fields.start] = start.value;
    recorded[model.fields.start] = start.recorded;
    if (input.bridge) {
      if (!model.fields.end) throw new ProviderRequestError("invalid_request", `${model.label} takes no end frame.`);
      const end = await this.frameRef(client, model, input.bridge.endFramePath, input.workDir);
      body[model.fields.end] = end.value;
      recorded[model.fields.end] = end.recorded;
    }
    const length = lengthValue(model, seconds);
    if (model.lengths && length !== undefined) body[model.lengths.field] = length;
    const size = pickSize(model, input.mode, seq.frameSize.height);
    if (model.sizes && size) body[model.sizes.field] = size.value;
    if (model.aspect) body[model.aspect.field] = nearestAspect(model.aspect.values, seq.frameSize.width * seq.pixelAspect, seq.frameSize.height);
    if (model.audio && input.audio !== undefined) body[model.audio.field] = input.audio;
    const requestId = await this.enqueue(client, model, body);
    const providerJobId = `${model.id}#${requestId}`;
    this.soundAsked.set(providerJobId, model.audio ? (input.audio ?? model.audio.defaultOn) : false);
    return { providerJobId, request: { endpoint: model.id, ...body, ...recorded, requestId } };
  }

  /** SeedVR2: the take's master goes to fal storage; fal lifts it to the target height. */
  private async submitUpscale(client: FalClient, input: SubmitInput, upscale: NonNullable<SubmitInput["upscale"]>): Promise<SubmitResult> {
    const model = falModel(input.model);
    if (!model || !model.uses.includes("upscale")) {
      throw new ProviderRequestError("invalid_request", `fal model "${input.model}" does not upscale; use ${falModelsFor("upscale").map((m) => m.id).join(", ")}.`);
    }
    if (!fs.existsSync(upscale.sourceVideoPath)) throw new ProviderRequestError("source_missing", "The take to upscale has no master file any more.");
    const blob = await fs.openAsBlob(upscale.sourceVideoPath, { type: mediaTypeOfPath(upscale.sourceVideoPath) });
    const file = new File([blob], path.basename(upscale.sourceVideoPath), { type: blob.type });
    const videoUrl = await client.storage.upload(file, { lifecycle: { expiresIn: UPLOAD_LIFETIME } }).catch((error: unknown) => {
      throw falError(error, "the upload of the take to upscale");
    });
    const body: Record<string, unknown> = { ...model.fixedInput, [model.fields.start]: videoUrl };
    if (model.sizes) body[model.sizes.field] = upscale.size === "1080p" ? "1080p" : "2160p";
    const requestId = await this.enqueue(client, model, body);
    const providerJobId = `${model.id}#${requestId}`;
    this.soundAsked.set(providerJobId, false);
    return { providerJobId, request: { endpoint: model.id, ...body, source: path.basename(upscale.sourceVideoPath), target: `${upscale.width}×${upscale.height}`, requestId } };
  }

  private async enqueue(client: FalClient, model: FalModel, body: Record<string, unknown>): Promise<string> {
    try {
      const queued = await client.queue.submit(model.id, {
        input: body,
        storageSettings: { expiresIn: OUTPUT_LIFETIME },
        ...(this.webhookUrl ? { webhookUrl: this.webhookUrl } : {}),
      });
      return queued.request_id;
    } catch (error) {
      throw falError(error, `the ${model.label} request`);
    }
  }

  /** A frame as fal storage URL (universal) or a data URI where the endpoint takes one. */
  private async frameRef(client: FalClient, model: FalModel, framePath: string, workDir: string): Promise<{ value: string; recorded: string }> {
    const image = await inlineImage(framePath, workDir, { maxBytes: MAX_INLINE_BYTES });
    if (model.frameInput === "dataUri") {
      return { value: `data:${image.mediaType};base64,${image.data.toString("base64")}`, recorded: `<${image.mediaType}, ${image.data.length} bytes inline>` };
    }
    const ext = image.mediaType === "image/png" ? "png" : "jpg";
    const file = new File([new Uint8Array(image.data)], `${path.basename(framePath, path.extname(framePath))}.${ext}`, { type: image.mediaType });
    try {
      const url = await client.storage.upload(file, { lifecycle: { expiresIn: UPLOAD_LIFETIME } });
      return { value: url, recorded: url };
    } catch (error) {
      throw falError(error, "the frame upload to fal storage");
    }
  }

  async status(providerJobId: string): Promise<HostedStatus> {
    const client = this.requireClient();
    const { endpoint, requestId } = parseJobId(providerJobId);
    const delivered = this.fromWebhook(providerJobId, requestId);
    if (delivered) return delivered;
    let raw: unknown;
    try {
      raw = await client.queue.status(endpoint, { requestId, logs: false });
    } catch (error) {
      throw falError(error, "the request's status");
    }
    const parsed = FalStatus.safeParse(raw);
    if (!parsed.success) throw new ProviderRequestError("bad_provider_response", "fal answered the status call in an unexpected shape; the API may have changed.", { retryable: true });
    const status = parsed.data;
    if (status.status === "IN_QUEUE") {
      // fal counts requests ahead from 0; the editor reads "position 1" as next.
      const position = status.queue_position ?? undefined;
      return { state: "queued", progress: 0, message: position === undefined ? "In fal's queue" : `In fal's queue, position ${position + 1}` };
    }
    if (status.status === "IN_PROGRESS") return { state: "running", progress: 0.5, message: "Generating at fal" };
    if (status.error) return failedStatus(status.error_type ?? "generation_failed", status.error);
    // COMPLETED: the outcome is in the result (a failed run answers the result call with its error).
    try {
      const result = await client.queue.result(endpoint, { requestId });
      const video = FalVideoResult.safeParse(result.data);
      if (!video.success) return failedStatus("no_output", `fal finished without a video in its answer (${video.error.issues[0]?.path.join(".") || "body"}).`, JSON.stringify(result.data).slice(0, 500));
      this.results.set(providerJobId, video.data);
      return { state: "succeeded", progress: 1, message: "Generated" };
    } catch (error) {
      const outcome = failedRun(error);
      if (outcome) return outcome;
      throw falError(error, "the request's result");
    }
  }

  /** A verified webhook delivery answers the poll without asking fal; an unreadable payload falls back to polling. */
  private fromWebhook(providerJobId: string, requestId: string): HostedStatus | undefined {
    const delivery = this.webhooks.delivered(requestId);
    if (!delivery) return undefined;
    if (delivery.status === "ERROR") {
      const detail = detailOf(delivery.payload) || delivery.error || "the run failed";
      return failedStatus("generation_failed", `fal could not make this take: ${detail.slice(0, 300)}.`, detail);
    }
    const video = FalVideoResult.safeParse(delivery.payload);
    if (!video.success) return undefined;
    this.results.set(providerJobId, video.data);
    return { state: "succeeded", progress: 1, message: "Generated" };
  }

  async cancel(providerJobId: string): Promise<void> {
    const { endpoint, requestId } = parseJobId(providerJobId);
    try {
      await this.requireClient().queue.cancel(endpoint, { requestId });
    } catch (error) {
      throw falError(error, "the cancel request");
    }
  }

  async fetchOutputs(providerJobId: string, destDir: string): Promise<ProviderOutput[]> {
    const model = falModel(parseJobId(providerJobId).endpoint);
    const read = async (): Promise<FalVideoResult> => {
      const { endpoint, requestId } = parseJobId(providerJobId);
      const result = await this.requireClient()
        .queue.result(endpoint, { requestId })
        .catch((error: unknown) => {
          throw falError(error, "the finished request's result");
        });
      const parsed = FalVideoResult.safeParse(result.data);
      if (!parsed.success) throw new ProviderRequestError("output_not_found", "fal finished the request without a video.", { retryable: true });
      return parsed.data;
    };
    let result = this.results.get(providerJobId) ?? (await read());
    fs.mkdirSync(destDir, { recursive: true });
    const ext = extOf(result.video, model?.output.kind ?? "mp4");
    const file = path.join(destDir, `fal-master${ext}`);
    try {
      await downloadTo(result.video.url, file);
    } catch (error) {
      if (!(error instanceof ProviderRequestError) || error.code !== "output_expired") throw error;
      // Read the result again in case fal hands out a fresh link; if not, say so plainly.
      result = await read();
      await downloadTo(result.video.url, file);
    }
    this.results.delete(providerJobId);
    this.webhooks.forget(parseJobId(providerJobId).requestId);
    const hasAudio = await hasAudioStream(file);
    return [
      {
        kind: "master",
        path: file,
        mediaType: ext === ".mov" ? "video/quicktime" : "video/mp4",
        ...(result.video.width ? { width: result.video.width } : {}),
        ...(result.video.height ? { height: result.video.height } : {}),
        ...(hasAudio ? { hasAudio: true } : {}),
        notes: [`fal ${model?.label ?? "model"}${hasAudio ? ", with its sound" : this.soundAsked.get(providerJobId) ? ", sound asked for but the file has none" : ""}`],
      },
    ];
  }

  private modelForEstimate(mode: "draft" | "final", requested: string | undefined): FalModel {
    const model = requested ? falModel(requested) : undefined;
    return model && !model.uses.includes("upscale") ? model : defaultFalModel(mode);
  }

  private requireClient(): FalClient {
    if (!this.client) throw new ProviderRequestError("provider_unavailable", "fal is not configured: set FAL_KEY and restart the backend.");
    return this.client;
  }
}

/**
 * The catalogue entry a take is sent to. Draft and final models serve either quality (`uses`
 * names their defaults); a bridge needs one that takes an end frame: a final of a bridge drafted
 * on another model (Enhance names the final default) goes to Veo 3.1's first+last frame endpoint.
 */
function modelForSubmit(input: SubmitInput): FalModel {
  const model = falModel(input.model);
  if (input.bridge) {
    if (model?.uses.includes("bridge")) return model;
    if (!model || model.uses.includes("upscale")) throw unknownModel(input.model, "bridge");
    const bridges = falModelsFor("bridge");
    return (input.mode === "final" ? bridges.find((m) => m.id === "fal-ai/veo3.1/first-last-frame-to-video") : undefined) ?? bridges[0]!;
  }
  if (model && (model.uses.includes("draft") || model.uses.includes("final"))) return model;
  throw unknownModel(input.model, input.mode);
}

function unknownModel(id: string, use: string): ProviderRequestError {
  const offered = falModelsFor(use as FalModel["uses"][number]).map((m) => m.id);
  return new ProviderRequestError("invalid_request", `fal model "${id}" is not one Retake offers for ${use} takes; use ${offered.join(", ")} (docs/fal.md says how to add one).`);
}

function limitsFor(mode: "draft" | "final"): ModeLimits {
  const model = defaultFalModel(mode);
  const longest = Math.max(...falModelsFor(mode).map((m) => m.lengths?.seconds.at(-1) ?? MAX_DURATION));
  return {
    durations: { min: MIN_DURATION, max: Math.min(MAX_DURATION, Math.floor(longest)), step: 0.5 },
    ...(model.lengths ? { renderedDurations: model.lengths.seconds } : {}),
    resolutions: model.sizes?.values.map((v) => v.value) ?? [],
    hdr: false,
    exr: false,
    note: `${model.label} renders ${model.lengths?.seconds.join("/") ?? "?"} s; each model its own lengths (trimmed on import)`,
    defaultModel: model.id,
  };
}

/**
 * The result call's error answers that end the take: a request error (`{detail, error_type}`,
 * e.g. request_timeout 504 or runner_scheduling_failure 503 once fal's own retries are spent:
 * fal.ai/docs/documentation/model-apis/request-errors), a model's validation error (422 with a
 * `detail` array naming the fields) or its failure (other 4xx, 500). Anything else (429, 502–504
 * without an error_type, 401, 404, network) is a question to ask again.
 */
function failedRun(error: unknown): HostedStatus | undefined {
  if (!(error instanceof ApiError)) return undefined;
  const detail = detailOf(error.body);
  const errorType = typeof (error.body as { error_type?: unknown } | undefined)?.error_type === "string" ? (error.body as { error_type: string }).error_type : undefined;
  if (errorType) return failedStatus(errorType, `fal could not make this take (${errorType}, HTTP ${error.status})${detail ? `: ${detail.slice(0, 300)}` : ""}.`, detail || undefined);
  if (error.status === 422) {
    const named = falError(error, "this take");
    return failedStatus("invalid_input", named.message, named.options.raw);
  }
  if (error.status === 500 || (error.status >= 400 && error.status < 500 && ![401, 404, 408, 429].includes(error.status))) {
    return failedStatus("generation_failed", `fal could not make this take (HTTP ${error.status})${detail ? `: ${detail.slice(0, 300)}` : ""}.`, detail || undefined);
  }
  return undefined;
}

function failedStatus(code: string, message: string, raw?: string): HostedStatus {
  // fal bills only successful outputs: a failed generation costs nothing.
  return { state: "failed", progress: 0, message: "Failed", failure: { code, message, ...(raw ? { raw } : {}) }, actualCost: { usd: 0, estimated: false } };
}

/** Drafts: the model's smallest size; finals: the largest at or under the sequence's height (4K where it renders 4K). */
export function pickSize(model: FalModel, mode: "draft" | "final", sequenceHeight = 1080): { value: string; height: number } | undefined {
  const values = model.sizes?.values;
  if (!values || values.length === 0) return undefined;
  if (mode === "draft") return values[0];
  const fitting = values.filter((v) => v.height <= sequenceHeight);
  return fitting.at(-1) ?? values[0];
}

function nearestAspect(values: string[], width: number, height: number): string {
  const target = Math.log(width / height);
  const logOf = (r: string) => {
    const [w, h] = r.split(":").map(Number) as [number, number];
    return Math.log(w / h);
  };
  return values.reduce((best, r) => (Math.abs(logOf(r) - target) < Math.abs(logOf(best) - target) ? r : best), values[0]!);
}

function falPrompt(input: SubmitInput): string {
  const text = renderForProvider(input.direction, "prompt", { wording: input.variant?.wording, guards: input.variant?.guards }).text.trim() || "Continue the shot naturally from this frame.";
  return text.length <= PROMPT_MAX ? text : `${text.slice(0, PROMPT_MAX - 1)}…`;
}

/** `endpoint#requestId`: status and result need both (their paths drop the endpoint's subpath). */
export function parseJobId(providerJobId: string): { endpoint: string; requestId: string } {
  const at = providerJobId.lastIndexOf("#");
  if (at <= 0) throw new ProviderRequestError("invalid_request", `"${providerJobId}" is not a fal request reference.`);
  return { endpoint: providerJobId.slice(0, at), requestId: providerJobId.slice(at + 1) };
}

function extOf(video: FalVideoResult["video"], kind: "mp4" | "mov"): string {
  const fromName = path.extname(video.file_name ?? new URL(video.url).pathname).toLowerCase();
  if (fromName === ".mov" || fromName === ".mp4" || fromName === ".webm") return fromName;
  if (video.content_type?.includes("quicktime")) return ".mov";
  return `.${kind}`;
}

function mediaTypeOfPath(file: string): string {
  return path.extname(file).toLowerCase() === ".mov" ? "video/quicktime" : "video/mp4";
}

async function hasAudioStream(file: string): Promise<boolean> {
  try {
    const probe = await ffprobeJson<FfprobeResult>(file, ["-show_streams"]);
    return (probe.streams ?? []).some((s) => s.codec_type === "audio");
  } catch {
    return false;
  }
}

/** Result URLs expire: a 403/404/410 on download is an expired link, not a broken take. */
async function downloadTo(url: string, dest: string): Promise<void> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10 * 60_000) }).catch(() => {
    throw new ProviderRequestError("download_failed", "Downloading fal's output failed (network); retry to fetch it again.", { retryable: true });
  });
  if (res.status === 403 || res.status === 404 || res.status === 410) {
    throw new ProviderRequestError(
      "output_expired",
      `fal's download link for this take has expired (HTTP ${res.status}); fal keeps outputs only briefly. Retry makes the take again (and is charged again).`,
      { status: res.status, retryable: true },
    );
  }
  if (!res.ok || !res.body) throw new ProviderRequestError("download_failed", `Downloading fal's output failed (HTTP ${res.status}); retry to fetch it again.`, { retryable: true });
  const tmp = `${dest}.part`;
  await pipeline(Readable.fromWeb(res.body as import("node:stream/web").ReadableStream), fs.createWriteStream(tmp));
  fs.renameSync(tmp, dest);
}
