import { TARGET_SIZE_PIXELS, type Artifact, type CostEstimate, type FrameContext, type Job, type Money, type ProviderInfo, type Take, type TargetSize } from "../../core/schemas/index.js";
import { applyUpscaleCheck, checkUpscale } from "../critic/upscaleCheck.js";
import type { Store } from "../ledger/store.js";
import type { Provider, ProviderRegistry, SubmitInput } from "../providers/provider.js";
import { ServiceError } from "../serviceError.js";
import { ProviderRequestError } from "./providerExtras.js";

/**
 * Finals in 4K, in the director: which sizes a sequence may ask for, whether the final's provider
 * renders the size itself, and otherwise which upscale provider lifts the final afterwards (a
 * follow-up job with `upscaleOf`, as an HDR upconversion is), from which file.
 */
export class UpscaleJobError extends ServiceError {}

export const SIZE_WORDS: Record<TargetSize, string> = { "1080p": "1080p (1920×1080)", "2160p": "UHD 2160p (3840×2160)", dci4k: "DCI 4K (4096×2160)" };

/** How providers' limits spell each size ("4k" is UHD in the providers' own menus). */
const SIZE_SPELLINGS: Record<TargetSize, string[]> = { "1080p": ["1080p"], "2160p": ["2160p", "4k", "uhd"], dci4k: ["dci4k", "4096x2160"] };

/** DCI's 256:135 within 1 %: a DCI 2K or 4K sequence (2048×1080, 4096×2160, any pixel count of that shape). */
export function isDciShaped(frameSize: { width: number; height: number }): boolean {
  return Math.abs(frameSize.width / frameSize.height / (4096 / 2160) - 1) < 0.01;
}

/** The sizes a sequence may ask for: 1080p and UHD everywhere, DCI 4K where the sequence is DCI-shaped. */
export function sizesFor(frameSize: { width: number; height: number }): TargetSize[] {
  return isDciShaped(frameSize) ? ["1080p", "2160p", "dci4k"] : ["1080p", "2160p"];
}

/** Refuses a size the sequence's shape cannot take (DCI 4K on a 16:9 sequence would be letterboxed or stretched). */
export function checkSizeForSequence(size: TargetSize, frameSize: { width: number; height: number }): string | undefined {
  if (size === "dci4k" && !isDciShaped(frameSize)) {
    return `DCI 4K (4096×2160) is offered only for a DCI-shaped sequence; this one is ${frameSize.width}×${frameSize.height}. Choose UHD 2160p.`;
  }
  return undefined;
}

/**
 * Whether the provider renders `size` itself in final mode: its final limits (or the model's own
 * entry in its catalogue) list the size. A provider that declares no limits renders at the
 * sequence's size (previz), so it renders the size natively exactly when the sequence is that size.
 */
export function rendersNatively(info: ProviderInfo, model: string, size: TargetSize, frameSize: { width: number; height: number }): boolean {
  const spelled = (list: readonly string[] | undefined) => (list ?? []).some((r) => SIZE_SPELLINGS[size].includes(r.toLowerCase()));
  const modelInfo = info.capabilities.modelInfo?.find((m) => m.id === model);
  if (modelInfo?.resolutions) return spelled(modelInfo.resolutions);
  const limits = info.capabilities.limits?.final;
  if (limits) return spelled(limits.resolutions);
  const px = TARGET_SIZE_PIXELS[size];
  return frameSize.width === px.width && frameSize.height === px.height;
}

export interface Upscaler {
  provider: Provider;
  info: ProviderInfo;
  model: string;
}

/**
 * The upscale provider for `size`: the one asked for (refused, saying why, when it cannot), else
 * the first available one that can, previz's plain resize last. The refusal names the providers that could, and how to enable them.
 */
export function pickUpscaler(providers: ProviderRegistry, size: TargetSize, requested?: { provider?: string; model?: string }): Upscaler {
  const all = providers.list();
  const can = (info: ProviderInfo) => info.capabilities.upscale?.sizes.includes(size) === true;
  if (requested?.provider) {
    const provider = providers.get(requested.provider);
    if (!provider) throw new UpscaleJobError(400, "unknown_provider", `There is no provider "${requested.provider}".`, "upscaleProvider");
    const info = provider.info();
    if (!can(info)) {
      const sizes = info.capabilities.upscale?.sizes;
      throw new UpscaleJobError(
        400,
        "upscale_unsupported",
        sizes ? `${info.label} can upscale to ${sizes.map((s) => SIZE_WORDS[s]).join(" or ")}, not ${SIZE_WORDS[size]}.` : `${info.label} cannot upscale a take.${alternatives(all, size)}`,
        "upscaleProvider",
      );
    }
    if (!info.available) throw new UpscaleJobError(409, "provider_unavailable", `${info.label} is unavailable: ${info.reason ?? "unknown reason"}.`, "upscaleProvider");
    return { provider, info, model: upscaleModel(info, requested.model) };
  }
  // Previz's upscale is a plain resize: it is the choice only when no real upscaler is available.
  const info = [...all.filter((i) => i.id !== "previz"), ...all.filter((i) => i.id === "previz")].find((i) => can(i) && i.available);
  if (!info) {
    throw new UpscaleJobError(409, "no_upscaler", `No available provider can upscale to ${SIZE_WORDS[size]}.${alternatives(all, size)}`, "size");
  }
  return { provider: providers.get(info.id)!, info, model: upscaleModel(info, requested?.model) };
}

function upscaleModel(info: ProviderInfo, requested: string | undefined): string {
  const models = info.capabilities.upscale!.models;
  if (requested === undefined) return models[0]!;
  if (!models.includes(requested)) throw new UpscaleJobError(400, "upscale_unsupported", `${info.label}'s ${requested} does not upscale; use ${models.join(" or ")}.`, "model");
  return requested;
}

function alternatives(all: ProviderInfo[], size: TargetSize): string {
  const could = all.filter((i) => i.capabilities.upscale?.sizes.includes(size));
  if (could.length === 0) return " None of the configured providers upscales to this size.";
  return ` ${could.map((i) => `${i.label}${i.available ? "" : ` (unavailable: ${i.reason ?? "unknown reason"})`}`).join(", ")} can.`;
}

/**
 * The file an upscale lifts: the take's master (in the sequence's color, every frame as placed),
 * unless conform already scaled it to the target size or beyond (a 1080p provider's take in a UHD
 * sequence), in which case the provider's own smaller file kept as `source` is the real picture.
 */
export async function upscaleSourcePath(store: Store, take: Take, size: TargetSize): Promise<{ path: string; width?: number; height?: number } | undefined> {
  const master = take.outputs.master && (await store.getArtifact(take.outputs.master.id));
  const kept = take.outputs.source && (await store.getArtifact(take.outputs.source.id));
  const px = TARGET_SIZE_PIXELS[size];
  const reaches = (a: { width?: number }) => (a.width ?? 0) >= px.width;
  if (master && reaches(master.artifact) && kept && !reaches(kept.artifact) && kept.artifact.kind === "source") {
    return { path: kept.path, ...dims(kept.artifact) };
  }
  return master ? { path: master.path, ...dims(master.artifact) } : undefined;
}

function dims(a: { width?: number; height?: number }): { width?: number; height?: number } {
  return { ...(a.width ? { width: a.width } : {}), ...(a.height ? { height: a.height } : {}) };
}

/** The size an upscale's or a native enhance's master is conformed to, else the sequence's. */
export function deliverySize(job: { targetSize?: TargetSize; upscaleOf?: { size: TargetSize } }, frame: FrameContext): { width: number; height: number } {
  const size = job.upscaleOf?.size ?? job.targetSize;
  return size ? TARGET_SIZE_PIXELS[size] : frame.sequence.frameSize;
}

export type SizePlan =
  | { native: true }
  | { native: false; upscaler: Upscaler; cost: Money; estimate: NonNullable<CostEstimate["upscale"]> };

/**
 * How a final reaches `size`: rendered natively by its provider, or rendered and then lifted by an
 * upscaler (priced at the take's length; the source's pixel size does not change an upscale's price
 * at any provider we know, but the target's does). Throws, saying why, when the size cannot be had.
 */
export function planSize(input: {
  providers: ProviderRegistry;
  info: ProviderInfo;
  model: string;
  size: TargetSize;
  frameSize: { width: number; height: number };
  duration: number;
  upscaleProvider?: string;
  sourceVideoPath?: string;
}): SizePlan {
  const problem = checkSizeForSequence(input.size, input.frameSize);
  if (problem) throw new UpscaleJobError(400, "size_unsupported", problem, "size");
  if (rendersNatively(input.info, input.model, input.size, input.frameSize)) return { native: true };
  const upscaler = pickUpscaler(input.providers, input.size, input.upscaleProvider ? { provider: input.upscaleProvider } : undefined);
  const cost = upscaleCost(upscaler, input.size, input.duration, input.sourceVideoPath ?? "");
  const note = upscaler.info.capabilities.upscale?.note;
  return {
    native: false,
    upscaler,
    cost,
    estimate: { provider: upscaler.provider.id, model: upscaler.model, size: input.size, cost, ...(note ? { note } : {}) },
  };
}

export function upscaleCost(upscaler: Upscaler, size: TargetSize, duration: number, sourceVideoPath: string): Money {
  return upscaler.provider.estimateCost({ mode: "final", model: upscaler.model, duration, upscale: { sourceVideoPath, size, ...TARGET_SIZE_PIXELS[size] } });
}

/** For an upscale job: the take's file to lift and the size asked (SubmitInput.upscale). */
export async function upscaleInput(store: Store, job: Job): Promise<Pick<SubmitInput, "upscale">> {
  if (!job.upscaleOf) return {};
  const source = await store.getTake(job.upscaleOf.takeId);
  const file = source && (await upscaleSourcePath(store, source, job.upscaleOf.size));
  if (!file) throw new ProviderRequestError("source_missing", "The take to upscale has no master file any more.");
  return { upscale: { sourceVideoPath: file.path, size: job.upscaleOf.size, ...TARGET_SIZE_PIXELS[job.upscaleOf.size] } };
}

/**
 * For an upscale job: the source take's master when it has sound, so delivery lays that sound
 * under the upscaled picture (generative upscalers such as SeedVR2 return picture only, and a
 * take that had sound must not lose it on the way to 4K).
 */
export async function upscaleSoundFrom(store: Store, job: Job): Promise<string | undefined> {
  if (!job.upscaleOf) return undefined;
  const master = (await store.getTake(job.upscaleOf.takeId))?.outputs.master;
  if (!master?.audio) return undefined;
  return (await store.getArtifact(master.id))?.path;
}

/**
 * An upscale take's critique with the check that the upscale kept the picture of the file it
 * lifted (frames, framing, structure: critic/upscaleCheck.ts); a failed check costs score and
 * leads the issues. A check that cannot run leaves the critique as it was.
 */
export async function checkedUpscale(
  store: Store,
  job: Job,
  critique: Take["critique"],
  master: Artifact,
  options: { signal: AbortSignal; onStart?: () => void; log?: (message: string) => void },
): Promise<Take["critique"]> {
  if (!job.upscaleOf || options.signal.aborted) return critique;
  const source = await store.getTake(job.upscaleOf.takeId);
  const from = source && (await upscaleSourcePath(store, source, job.upscaleOf.size));
  const upscaled = await store.getArtifact(master.id);
  if (!from || !upscaled) return critique;
  options.onStart?.();
  try {
    const check = await checkUpscale(from.path, upscaled.path, { signal: options.signal });
    const posterId = source.outputs.poster?.id;
    return applyUpscaleCheck(critique, { ...check, sourceTake: { takeId: source.id, ...(posterId ? { posterId } : {}) } });
  } catch (error) {
    if (!options.signal.aborted) options.log?.(`upscale check of take ${master.takeId} failed: ${error instanceof Error ? error.message : String(error)}`);
    return critique;
  }
}

/**
 * What an enhance at a size adds to the final job: `targetSize` (native) or the planned upscale
 * (`upscaleNext`), its cost for the budget check, and the sentences for the refusal and the log.
 */
export function enhanceAtSize(plan: SizePlan, size: TargetSize, info: ProviderInfo, finalCost: Money): {
  link: Pick<Job, "targetSize" | "upscaleNext">;
  upscaleUsd: number;
  costWords: string;
  logWords: string;
} {
  if (plan.native) return { link: { targetSize: size }, upscaleUsd: 0, costWords: "", logWords: ` Delivered at ${SIZE_WORDS[size]}, which ${info.label} renders itself.` };
  const { upscaler, cost } = plan;
  const usd = (v: number) => `$${v.toFixed(2)}`;
  return {
    link: { upscaleNext: { provider: upscaler.provider.id, model: upscaler.model, size, usd: cost.usd } },
    upscaleUsd: cost.usd,
    costWords: ` It is the final on ${info.label} (${usd(finalCost.usd)}) and its upscale to ${SIZE_WORDS[size]} on ${upscaler.info.label} (${usd(cost.usd)}).`,
    logWords: ` Then lifted to ${SIZE_WORDS[size]} by ${upscaler.info.label} (${upscaler.model}, ${usd(cost.usd)}), since ${info.label} does not render that size; the critic checks the upscale kept the picture.`,
  };
}
