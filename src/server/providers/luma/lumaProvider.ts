import fs from "node:fs";
import path from "node:path";
import type { ColorAssumption, Direction, ModeLimits, Money, ProviderInfo, SequenceContext, TakeVariant } from "../../../core/schemas/index.js";
import { renderForProvider, viewWindowRect } from "../../../core/direction/index.js";
import { MAX_COUNT, MIN_DURATION } from "../../../core/schemas/index.js";
import { ProviderRequestError, type HostedStatus, type HostedSubmitInput } from "../../director/providerExtras.js";
import { runFfmpeg } from "../../media/ffmpeg.js";
import { LUMA_RAY_3_2_PRICES, lumaPriceUsd, type LumaDynamicRange } from "../pricing.js";
import type { Provider, ProviderOutput, SubmitInput, SubmitResult } from "../provider.js";
import { inlineImage } from "./inlineImage.js";
import { LUMA_ASPECT_RATIOS, LumaClient, type LumaAspectRatio, type LumaCreateVideo, type LumaGeneration } from "./lumaClient.js";

export const LUMA_MODEL = "ray-3.2";
/** Ray 3.2 renders at 24 fps (Luma's Ray3 FAQ); keyframe indexes count frames at that rate. */
const LUMA_FPS = 24;
/**
 * Image-to-video on Ray 3.2 is 5 s; 10 s is text-to-video only (no start frame, HDR or loop),
 * and every Retake job starts from the captured frame. Shorter asks render 5 s, trimmed on import.
 */
const RENDERED_SECONDS = 5;
/** Luma takes up to 50 MB per image (413 above); a frame this size is plenty and uploads fast. */
const MAX_INLINE_BYTES = 10 * 1024 * 1024;
const MAX_KEYFRAMES = 64;

const DRAFT_LIMITS: ModeLimits = {
  durations: { min: MIN_DURATION, max: RENDERED_SECONDS, step: 0.5 },
  renderedDurations: [RENDERED_SECONDS],
  resolutions: ["540p"],
  hdr: false,
  exr: false,
  note: "image-to-video renders 5 s (10 s is text-only)",
};
const FINAL_LIMITS: ModeLimits = {
  durations: { min: MIN_DURATION, max: RENDERED_SECONDS, step: 0.5 },
  renderedDurations: [RENDERED_SECONDS],
  resolutions: ["720p", "1080p"],
  hdr: true,
  exr: true,
  note: "HDR only at 720p/1080p and 5 s, never looped; EXR needs HDR",
};

export interface LumaProviderOptions {
  apiKey?: string;
  baseUrl: string;
  pollIntervalMs?: number;
  timeoutMs?: number;
  maxRetries?: number;
  maxRetryWaitMs?: number;
}

/**
 * Luma Ray 3.2 through the Luma Agents API: image-to-video from the captured frame (inline
 * base64), drafts at 540p SDR, finals at 1080p/720p with HDR (and an ACES2065-1 EXR on request)
 * when the sequence is HDR. Stateless between calls: after a restart the director resumes
 * polling the generation id in the ledger, so a paid take is never lost.
 */
export class LumaProvider implements Provider {
  readonly id = "luma";
  readonly pollIntervalMs: number;
  readonly rerunAfterRestart = false;
  /** Luma pre-charges and refunds failed generations (docs.lumalabs.ai FAQ). */
  readonly refundsFailures = true;
  private readonly client?: LumaClient;

  constructor(private readonly options: LumaProviderOptions) {
    this.pollIntervalMs = options.pollIntervalMs ?? 3000;
    if (options.apiKey) {
      this.client = new LumaClient({
        apiKey: options.apiKey,
        baseUrl: options.baseUrl,
        timeoutMs: options.timeoutMs,
        maxRetries: options.maxRetries,
        maxRetryWaitMs: options.maxRetryWaitMs,
      });
    }
  }

  info(): ProviderInfo {
    return {
      id: this.id,
      label: "Luma Ray 3.2",
      available: this.client !== undefined,
      ...(this.client ? {} : { reason: "no API key: set LUMA_API_KEY (from Luma's API dashboard) and restart the backend" }),
      capabilities: {
        modes: ["draft", "final"],
        durations: { min: MIN_DURATION, max: RENDERED_SECONDS, step: 0.5 },
        maxCount: MAX_COUNT,
        colorSpaces: ["rec709", "rec2100-pq", "rec2100-hlg"],
        models: [LUMA_MODEL],
        limits: { draft: DRAFT_LIMITS, final: FINAL_LIMITS },
        // The Agents API takes up to 64 keyframes at frame indexes, and no seed.
        keyframes: true,
        // start_frame + end_frame (inline base64); image-anchored generations are always 5 s.
        bridge: { startFrame: true, endFrame: true, lengths: [RENDERED_SECONDS], models: [LUMA_MODEL], note: "anchored on both frames, generated at 5 s and fitted to the span" },
      },
      pricing: LUMA_RAY_3_2_PRICES.pricing,
    };
  }

  /** Without a frame the final's resolution is unknown: price it at 1080p, the upper bound. */
  estimateCost(input: Pick<SubmitInput, "mode" | "model" | "duration"> & { exr?: boolean; sequence?: SequenceContext }): Money {
    const plan = planOutput(input.mode, input.sequence, input.exr ?? false);
    return { usd: lumaPriceUsd(plan.resolution, plan.range, RENDERED_SECONDS), estimated: true };
  }

  async submit(input: SubmitInput): Promise<SubmitResult> {
    const client = this.requireClient();
    const { exr = false } = input as Partial<HostedSubmitInput>;
    const sequence = input.frame.sequence;
    const plan = planOutput(input.mode, sequence, exr);
    const aspect = nearestAspectRatio(sequence.frameSize.width * sequence.pixelAspect, sequence.frameSize.height);
    const frame = await inlineImage(input.framePath, input.workDir, { maxBytes: MAX_INLINE_BYTES });
    // A bridge is pinned by its two anchors; mid-clip framing keyframes would fight the end frame.
    const keyframes = input.bridge ? [] : await framingKeyframes(input, aspect);
    const end = input.bridge ? await inlineImage(input.bridge.endFramePath, input.workDir, { maxBytes: MAX_INLINE_BYTES }) : undefined;
    const body: LumaCreateVideo = {
      model: LUMA_MODEL,
      type: "video",
      prompt: promptText(input.direction, input.variant),
      aspect_ratio: aspect,
      video: {
        resolution: plan.resolution,
        duration: `${RENDERED_SECONDS}s`,
        start_frame: { data: frame.data.toString("base64"), media_type: frame.mediaType },
        ...(end ? { end_frame: { data: end.data.toString("base64"), media_type: end.mediaType } } : {}),
        ...(keyframes.length > 0
          ? { keyframes: keyframes.map((k) => ({ data: k.data.toString("base64"), media_type: k.mediaType })), keyframe_indexes: keyframes.map((k) => k.index) }
          : {}),
        ...(plan.range !== "sdr" ? { hdr: true } : {}),
        ...(plan.range === "hdrExr" ? { exr_export: true } : {}),
      },
    };
    const generation = await client.create(body);
    return { providerJobId: generation.id, request: redactInline(body, frame.data.length) };
  }

  async status(providerJobId: string): Promise<HostedStatus> {
    return statusOf(await this.requireClient().get(providerJobId));
  }

  /** The Agents API has no cancel call: the director stops polling and records the take canceled. */
  async cancel(): Promise<void> {}

  async fetchOutputs(providerJobId: string, destDir: string): Promise<ProviderOutput[]> {
    const client = this.requireClient();
    let generation = await client.get(providerJobId);
    try {
      return await downloadAll(client, generation, destDir);
    } catch (error) {
      if (!(error instanceof ProviderRequestError) || error.code !== "output_expired") throw error;
      // Presigned links last an hour: a take resumed after a long pause asks for fresh ones.
      generation = await client.get(providerJobId);
      try {
        return await downloadAll(client, generation, destDir);
      } catch (again) {
        if (again instanceof ProviderRequestError && again.code === "output_expired") {
          throw new ProviderRequestError("output_expired", "Luma's download links had expired and no fresh ones were given; the generation's files are gone. Draft again.", { retryable: true });
        }
        throw again;
      }
    }
  }

  private requireClient(): LumaClient {
    if (!this.client) throw new ProviderRequestError("provider_unavailable", "Luma is not configured: set LUMA_API_KEY.");
    return this.client;
  }
}

/** Draft: 540p SDR. Final: HDR when the sequence is HDR (or EXR is asked), at 1080p unless the sequence is smaller. */
export function planOutput(mode: "draft" | "final", sequence: SequenceContext | undefined, exr: boolean): { resolution: "540p" | "720p" | "1080p"; range: LumaDynamicRange } {
  if (mode === "draft") return { resolution: "540p", range: "sdr" };
  const resolution = sequence && Math.min(sequence.frameSize.height, sequence.frameSize.width) <= 720 ? "720p" : "1080p";
  const hdrSequence = sequence ? sequence.colorSpace !== "rec709" : true;
  const range: LumaDynamicRange = exr ? "hdrExr" : hdrSequence ? "hdr" : "sdr";
  return { resolution, range };
}

export function nearestAspectRatio(width: number, height: number): LumaAspectRatio {
  const target = Math.log(width / height);
  let best: LumaAspectRatio = "16:9";
  let bestDistance = Infinity;
  for (const ratio of LUMA_ASPECT_RATIOS) {
    const [w, h] = ratio.split(":").map(Number) as [number, number];
    const distance = Math.abs(Math.log(w / h) - target);
    if (distance < bestDistance) {
      best = ratio;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * The direction as text for a model that takes no drawings: the studio's prompt rendering (the
 * editor's prompt, then one sentence per camera move, framing, subject, hold and note).
 */
export function promptText(direction: Direction, variant?: TakeVariant): string {
  const text = renderForProvider(direction, "prompt", { wording: variant?.wording, guards: variant?.guards }).text.trim();
  return text.slice(0, 4000) || "Continue the shot naturally from this frame.";
}

/** Failures that say nothing about the request itself: the same take may well succeed if sent again. */
const TRANSIENT_FAILURES = new Set(["generation_failed", "output_not_found", "rate_limited"]);

export function statusOf(generation: LumaGeneration): HostedStatus {
  switch (generation.state) {
    case "queued":
      return { state: "queued", progress: 0, message: "Queued at Luma" };
    case "processing": {
      const progress = typeof generation.progress === "number" ? Math.min(0.99, Math.max(0, generation.progress > 1 ? generation.progress / 100 : generation.progress)) : 0.5;
      return { state: "running", progress, message: "Generating at Luma" };
    }
    case "completed":
      return { state: "succeeded", progress: 1, message: "Generated" };
    case "failed": {
      const code = generation.failure_code ?? "generation_failed";
      return {
        state: "failed",
        progress: 0,
        message: "Failed",
        failure: {
          code,
          message: failureMessage(code, generation.failure_reason ?? undefined),
          raw: generation.failure_reason ?? undefined,
          ...(TRANSIENT_FAILURES.has(code) ? { retryable: true } : {}),
        },
      };
    }
  }
}

const FAILURE_MESSAGES: Record<string, string> = {
  content_moderated: "Luma's moderation refused this frame or prompt.",
  generation_failed: "Luma could not generate this take.",
  budget_exhausted: "Your Luma budget is exhausted: add credits, then retry.",
  output_not_found: "Luma lost this take's output.",
  image_too_large: "The frame was too large for Luma.",
  unsupported_format: "Luma cannot read the frame's image format.",
  corrupt_input: "Luma found the frame corrupt.",
  invalid_request: "Luma found the request invalid.",
  rate_limited: "Luma was too busy (rate limit); retry in a minute.",
};

function failureMessage(code: string, reason: string | undefined): string {
  const base = FAILURE_MESSAGES[code] ?? `Luma failed (${code}).`;
  return reason ? `${base} Luma said: ${reason}` : base;
}

async function downloadAll(client: LumaClient, generation: LumaGeneration, destDir: string): Promise<ProviderOutput[]> {
  const outputs = generation.output ?? [];
  if (outputs.length === 0) throw new ProviderRequestError("output_not_found", "Luma finished the generation without any output files.", { retryable: true });
  fs.mkdirSync(destDir, { recursive: true });
  // All at once: the links expire an hour after completion.
  const planned = outputs.map((output, i) => {
    const kind = outputKind(output.type, output.url, outputs.slice(0, i));
    const ext = extensionOf(output.url) ?? (kind === "exr" ? ".zip" : kind === "poster" ? ".jpg" : ".mp4");
    return { output, kind, file: path.join(destDir, `luma-${kind}${i === 0 ? "" : `-${i}`}${ext}`), ext };
  });
  await Promise.all(planned.map((p) => client.download(p.output.url, p.file)));
  return planned
    .filter((p, i, all) => all.findIndex((q) => q.kind === p.kind) === i)
    .map((p) => ({ kind: p.kind, path: p.file, mediaType: mediaTypeOf(p.ext), ...(p.kind === "exr" ? { colorAssumption: LUMA_EXR_COLOR } : {}) }));
}

/**
 * Luma documents its EXR export as ACES2065-1 (AP0, scene-linear; lumalabs.ai color-space field
 * guide) but its frames may carry no `chromaticities`, which OpenEXR reads as Rec.709: the
 * artifact records Luma's word so the reader can use it and say whose it is.
 */
export const LUMA_EXR_COLOR: ColorAssumption = {
  colorSpace: "aces2065-1",
  source: "provider",
  provider: "luma",
  statement: "Luma declares its EXR export to be ACES2065-1 (AP0, scene-linear).",
};

function outputKind(type: string, url: string, before: { type: string; url: string }[]): ProviderOutput["kind"] {
  const t = type.toLowerCase();
  const ext = extensionOf(url);
  if (t.includes("exr") || ext === ".exr" || ext === ".zip") return "exr";
  if (t.includes("image") || t.includes("thumbnail") || ext === ".jpg" || ext === ".png") return "poster";
  const earlierVideo = before.some((o) => !/exr|image|thumbnail/i.test(o.type));
  return earlierVideo ? "proxy" : "master";
}

function extensionOf(url: string): string | undefined {
  const ext = path.extname(new URL(url).pathname).toLowerCase();
  return ext || undefined;
}

function mediaTypeOf(ext: string): string {
  switch (ext) {
    case ".mov":
      return "video/quicktime";
    case ".zip":
      return "application/zip";
    case ".exr":
      return "image/x-exr";
    case ".jpg":
    case ".jpeg":
      return "image/jpeg";
    case ".png":
      return "image/png";
    default:
      return "video/mp4";
  }
}

/**
 * Framing boxes become keyframes: the boxed region of the start frame, cropped and scaled to the
 * output's aspect, placed at the box's frame index. Boxes at the very start are the start frame.
 * A refined take whose variant asks for the camera path as keyframes also gets the directed view
 * window once a second and on the last frame (a short or late move is then pinned by pictures,
 * not only words) — a handful, whatever the compiled path's density (overlapping moves compile to
 * a keyframe per frame), and never within a quarter second of a box, which always keeps its own.
 */
async function framingKeyframes(input: SubmitInput, aspect: LumaAspectRatio): Promise<Array<{ index: number; data: Buffer; mediaType: "image/png" | "image/jpeg" }>> {
  // Frame indexes from the studio's keyframe rendering at Luma's 24 fps.
  const fps = { num: LUMA_FPS, den: 1 };
  const last = RENDERED_SECONDS * LUMA_FPS - 1;
  const boxes = renderForProvider(input.direction, "keyframes", { fps }).framing.map((f) => ({ index: Math.min(last, f.frame), rect: f.rect }));
  const byIndex = new Map<number, { x: number; y: number; w: number; h: number }>();
  if (input.variant?.pathKeyframes) {
    const camera = renderForProvider(input.direction, "trajectories", { fps }).camera;
    const end = Math.min(last, camera.length - 1);
    const frames = [...Array.from({ length: Math.floor(end / LUMA_FPS) }, (_, i) => (i + 1) * LUMA_FPS), end];
    for (const frame of new Set(frames)) {
      if (boxes.some((b) => Math.abs(b.index - frame) < LUMA_FPS / 4)) continue;
      byIndex.set(frame, viewWindowRect(camera[frame]!));
    }
  }
  for (const box of boxes) byIndex.set(box.index, box.rect);
  const keyframes = [...byIndex.entries()]
    .map(([index, rect]) => ({ index, rect }))
    .filter((f) => f.index > 0)
    .sort((a, b) => a.index - b.index)
    .slice(0, MAX_KEYFRAMES);
  const [aw, ah] = aspect.split(":").map(Number) as [number, number];
  const height = 540;
  const width = Math.round((height * aw) / ah / 2) * 2;
  const result = [];
  for (const [i, box] of keyframes.entries()) {
    const out = path.join(input.workDir, `keyframe-${i}.jpg`);
    const r = box.rect;
    const clamp = (v: number) => Math.min(1, Math.max(0, v));
    const x = clamp(r.x);
    const y = clamp(r.y);
    const w = Math.max(0.01, Math.min(1 - x, r.w));
    const h = Math.max(0.01, Math.min(1 - y, r.h));
    await runFfmpeg([
      "-y",
      "-i",
      input.framePath,
      "-vf",
      `crop=iw*${w.toFixed(5)}:ih*${h.toFixed(5)}:iw*${x.toFixed(5)}:ih*${y.toFixed(5)},scale=${width}:${height}`,
      "-frames:v",
      "1",
      "-q:v",
      "3",
      out,
    ]);
    const image = await inlineImage(out, input.workDir, { maxBytes: MAX_INLINE_BYTES });
    result.push({ index: box.index, data: image.data, mediaType: image.mediaType });
  }
  return result;
}

/** The request for the ledger: inline images replaced by their size, so no media lands in the ledger. */
function redactInline(body: LumaCreateVideo, frameBytes: number): unknown {
  const { start_frame, end_frame, keyframes, ...video } = body.video;
  return {
    ...body,
    video: {
      ...video,
      ...(start_frame ? { start_frame: { media_type: start_frame.media_type, data: `<${frameBytes} bytes inline>` } } : {}),
      ...(end_frame ? { end_frame: { media_type: end_frame.media_type, data: `<${Math.round((end_frame.data!.length * 3) / 4)} bytes inline>` } } : {}),
      ...(keyframes ? { keyframes: keyframes.map((k) => ({ media_type: k.media_type, data: `<${Math.round((k.data.length * 3) / 4)} bytes inline>` })) } : {}),
    },
  };
}
