import type { ModelInfo } from "../../../core/schemas/index.js";

/**
 * fal's models as data: one entry per endpoint. Adding a model is adding one entry here (see
 * docs/fal.md); the provider, its capabilities, estimates and the panel's Model select all read
 * this table. Field names and allowed values are those typed in @fal-ai/client 1.10.1
 * (src/types/endpoints.d.ts); prices are from fal's per-model llms.txt as collected in
 * research/providers-2.md (§1.4, §5) unless marked otherwise. With a key, the account's own
 * prices from fal's pricing API replace these figures (falPricing.ts).
 */

export type FalUse = ModelInfo["uses"][number];

export interface FalPrice {
  /** What fal bills: per output second, per video, or per megapixel of output (w × h × frames). */
  unit: "second" | "video" | "megapixel";
  /** USD per unit with the model's sound on (or the only price, for silent models). */
  usd: number;
  /** USD per unit with the sound switched off, where that is cheaper. */
  usdWithoutAudio?: number;
  /** Per-resolution multipliers where the price depends on it (Veo 4k costs more). */
  byResolution?: Record<string, { usd: number; usdWithoutAudio?: number }>;
  takenOn: string;
  source: string;
  /** False: not read from fal's own page (a third-party or inferred figure). */
  confirmed: boolean;
}

export interface FalModel {
  /** fal's endpoint id; also Retake's model id for the job. */
  id: string;
  label: string;
  uses: FalUse[];
  /** Input field names: where the start picture (or, for upscale, the video) and the end picture go. */
  fields: { start: string; end?: string; prompt?: string };
  /** Frames sent as fal storage uploads (universal), or inline as data URIs where the endpoint documents it. */
  frameInput: "upload" | "dataUri";
  /**
   * Lengths the endpoint renders, in seconds, and how they are written: "4s" (Veo), "5" (Kling,
   * Seedance…), or a frame count at the native rate (Wan's `num_frames`).
   */
  lengths?: { field: string; seconds: number[]; format: "s-suffix" | "string" | "frames" };
  /** Picture sizes: the field, its values from smallest to largest, and each one's height in pixels. */
  sizes?: { field: string; values: Array<{ value: string; height: number }> };
  aspect?: { field: string; values: string[] };
  /** Frames per second of the generated file (conform and bridge retiming need it). */
  fps: number;
  /** The sound switch: its field, what the endpoint does when it is not sent, the price note. */
  audio?: { field: string; defaultOn: boolean; note?: string };
  /** Where the result's file is: `video` ({url, content_type, file_name, file_size}) on every entry here. */
  output: { field: "video"; kind: "mp4" | "mov" };
  /** Constant extra input this endpoint needs from us (Wan: its frame rate). */
  fixedInput?: Record<string, unknown>;
  price: FalPrice;
  note?: string;
}

const FAL_LLMS = "fal.ai/models/<endpoint>/llms.txt via research/providers-2.md §1.4";
const TAKEN_ON = "2026-12-03";

export const FAL_CATALOGUE: readonly FalModel[] = [
  {
    id: "fal-ai/veo3.1/fast/image-to-video",
    label: "Veo 3.1 Fast",
    uses: ["draft"],
    fields: { start: "image_url", prompt: "prompt" },
    frameInput: "upload",
    lengths: { field: "duration", seconds: [4, 6, 8], format: "s-suffix" },
    sizes: { field: "resolution", values: [{ value: "720p", height: 720 }, { value: "1080p", height: 1080 }] },
    aspect: { field: "aspect_ratio", values: ["16:9", "9:16"] },
    fps: 24,
    audio: { field: "generate_audio", defaultOn: true, note: "sound on costs $0.15/s, off $0.10/s" },
    output: { field: "video", kind: "mp4" },
    price: { unit: "second", usd: 0.15, usdWithoutAudio: 0.1, takenOn: TAKEN_ON, source: FAL_LLMS, confirmed: true },
  },
  {
    id: "fal-ai/veo3.1/image-to-video",
    label: "Veo 3.1",
    uses: ["final"],
    fields: { start: "image_url", prompt: "prompt" },
    frameInput: "upload",
    lengths: { field: "duration", seconds: [4, 6, 8], format: "s-suffix" },
    sizes: { field: "resolution", values: [{ value: "720p", height: 720 }, { value: "1080p", height: 1080 }] },
    aspect: { field: "aspect_ratio", values: ["16:9", "9:16"] },
    fps: 24,
    audio: { field: "generate_audio", defaultOn: true, note: "sound on $0.40/s, off $0.20/s (estimated)" },
    output: { field: "video", kind: "mp4" },
    // fal's Veo 3.1 standard rate was not collected; Google's own Gemini API rate (with sound) stands in.
    price: { unit: "second", usd: 0.4, usdWithoutAudio: 0.2, takenOn: "2026-09-20", source: "Gemini API pricing for Veo 3.1 Standard (research/providers-2.md §4); not fal's figure", confirmed: false },
  },
  {
    id: "fal-ai/veo3.1/fast/first-last-frame-to-video",
    label: "Veo 3.1 Fast (first + last frame)",
    uses: ["bridge"],
    fields: { start: "first_frame_url", end: "last_frame_url", prompt: "prompt" },
    frameInput: "upload",
    lengths: { field: "duration", seconds: [4, 6, 8], format: "s-suffix" },
    sizes: { field: "resolution", values: [{ value: "720p", height: 720 }, { value: "1080p", height: 1080 }, { value: "4k", height: 2160 }] },
    aspect: { field: "aspect_ratio", values: ["16:9", "9:16"] },
    fps: 24,
    audio: { field: "generate_audio", defaultOn: true, note: "sound on $0.15/s, off $0.10/s (4k: $0.35 / $0.30)" },
    output: { field: "video", kind: "mp4" },
    price: { unit: "second", usd: 0.15, usdWithoutAudio: 0.1, byResolution: { "4k": { usd: 0.35, usdWithoutAudio: 0.3 } }, takenOn: TAKEN_ON, source: FAL_LLMS, confirmed: true },
  },
  {
    id: "fal-ai/veo3.1/first-last-frame-to-video",
    label: "Veo 3.1 (first + last frame)",
    uses: ["bridge"],
    fields: { start: "first_frame_url", end: "last_frame_url", prompt: "prompt" },
    frameInput: "upload",
    lengths: { field: "duration", seconds: [4, 6, 8], format: "s-suffix" },
    sizes: { field: "resolution", values: [{ value: "720p", height: 720 }, { value: "1080p", height: 1080 }, { value: "4k", height: 2160 }] },
    aspect: { field: "aspect_ratio", values: ["16:9", "9:16"] },
    fps: 24,
    audio: { field: "generate_audio", defaultOn: true, note: "sound on $0.40/s, off $0.20/s (estimated)" },
    output: { field: "video", kind: "mp4" },
    price: { unit: "second", usd: 0.4, usdWithoutAudio: 0.2, byResolution: { "4k": { usd: 0.6, usdWithoutAudio: 0.4 } }, takenOn: "2026-09-20", source: "Gemini API pricing for Veo 3.1 Standard (research/providers-2.md §4); not fal's figure", confirmed: false },
  },
  {
    id: "fal-ai/kling-video/v2.6/pro/image-to-video",
    label: "Kling 2.6 Pro",
    uses: ["draft", "final", "bridge"],
    fields: { start: "start_image_url", end: "end_image_url", prompt: "prompt" },
    frameInput: "upload",
    lengths: { field: "duration", seconds: [5, 10], format: "string" },
    fps: 24,
    audio: { field: "generate_audio", defaultOn: true, note: "sound on $0.14/s, off $0.07/s" },
    output: { field: "video", kind: "mp4" },
    price: { unit: "second", usd: 0.14, usdWithoutAudio: 0.07, takenOn: TAKEN_ON, source: FAL_LLMS, confirmed: true },
    note: "Native frame rate 24 fps is UNCONFIRMED (not in fal's schema); conform reads the file's own rate.",
  },
  {
    id: "fal-ai/bytedance/seedance/v1.5/pro/image-to-video",
    label: "Seedance 1.5 Pro",
    uses: ["draft", "final", "bridge"],
    fields: { start: "image_url", end: "end_image_url", prompt: "prompt" },
    frameInput: "upload",
    lengths: { field: "duration", seconds: [4, 5, 6, 7, 8, 9, 10, 11, 12], format: "string" },
    sizes: { field: "resolution", values: [{ value: "480p", height: 480 }, { value: "720p", height: 720 }, { value: "1080p", height: 1080 }] },
    aspect: { field: "aspect_ratio", values: ["21:9", "16:9", "4:3", "1:1", "3:4", "9:16"] },
    fps: 24,
    audio: { field: "generate_audio", defaultOn: true, note: "sound doubles the token price ($2.4 vs $1.2 per M tokens)" },
    output: { field: "video", kind: "mp4" },
    // ~$0.26 per 5 s at 720p with sound; billed in tokens, so other sizes are estimates.
    price: { unit: "second", usd: 0.052, usdWithoutAudio: 0.026, takenOn: TAKEN_ON, source: `${FAL_LLMS} (~$0.26 per 5 s 720p with sound; token-billed)`, confirmed: false },
  },
  {
    id: "fal-ai/minimax/hailuo-02/standard/image-to-video",
    label: "Hailuo-02 Standard",
    uses: ["draft", "final", "bridge"],
    fields: { start: "image_url", end: "end_image_url", prompt: "prompt" },
    frameInput: "upload",
    lengths: { field: "duration", seconds: [6, 10], format: "string" },
    sizes: { field: "resolution", values: [{ value: "512P", height: 512 }, { value: "768P", height: 768 }] },
    fps: 25,
    output: { field: "video", kind: "mp4" },
    price: { unit: "second", usd: 0.045, takenOn: TAKEN_ON, source: "not collected in research (UNCONFIRMED placeholder); the pricing API's figure replaces it", confirmed: false },
    note: "No sound.",
  },
  {
    id: "fal-ai/ltx-2.3/image-to-video/fast",
    label: "LTX-2.3 Fast",
    uses: ["draft"],
    fields: { start: "image_url", end: "end_image_url", prompt: "prompt" },
    // fal's LTX-2 schema documents base64 data URIs for its image inputs.
    frameInput: "dataUri",
    lengths: { field: "duration", seconds: [6, 8, 10], format: "string" },
    sizes: { field: "resolution", values: [{ value: "1080p", height: 1080 }, { value: "1440p", height: 1440 }, { value: "2160p", height: 2160 }] },
    aspect: { field: "aspect_ratio", values: ["16:9", "9:16"] },
    fps: 25,
    audio: { field: "generate_audio", defaultOn: true },
    output: { field: "video", kind: "mp4" },
    price: { unit: "second", usd: 0.04, takenOn: TAKEN_ON, source: "LTX's own API price floor (docs.ltx.video/pricing, $0.04–0.24/s); fal's figure not collected", confirmed: false },
  },
  {
    id: "fal-ai/ltx-2.3/image-to-video",
    label: "LTX-2.3",
    uses: ["final", "bridge"],
    fields: { start: "image_url", end: "end_image_url", prompt: "prompt" },
    frameInput: "dataUri",
    lengths: { field: "duration", seconds: [6, 8, 10], format: "string" },
    sizes: { field: "resolution", values: [{ value: "1080p", height: 1080 }, { value: "1440p", height: 1440 }, { value: "2160p", height: 2160 }] },
    aspect: { field: "aspect_ratio", values: ["16:9", "9:16"] },
    fps: 25,
    audio: { field: "generate_audio", defaultOn: true },
    output: { field: "video", kind: "mp4" },
    price: { unit: "second", usd: 0.12, takenOn: TAKEN_ON, source: "mid-range of LTX's own API prices (docs.ltx.video/pricing, $0.04–0.24/s); fal's figure not collected", confirmed: false },
    note: "Renders 2160p natively.",
  },
  {
    id: "fal-ai/wan-flf2v",
    label: "Wan 2.1 FLF2V (first + last frame)",
    uses: ["bridge"],
    fields: { start: "start_image_url", end: "end_image_url", prompt: "prompt" },
    frameInput: "upload",
    // 81–100 frames at 16 fps: 81 frames ≈ 5.06 s, 100 ≈ 6.25 s.
    lengths: { field: "num_frames", seconds: [81 / 16, 100 / 16], format: "frames" },
    sizes: { field: "resolution", values: [{ value: "480p", height: 480 }, { value: "720p", height: 720 }] },
    aspect: { field: "aspect_ratio", values: ["16:9", "9:16", "1:1"] },
    fps: 16,
    fixedInput: { frames_per_second: 16 },
    output: { field: "video", kind: "mp4" },
    // "720p = 1 billing unit, 480p = 0.5" (fal's schema); the unit's USD price is not collected.
    price: { unit: "video", usd: 0.4, byResolution: { "480p": { usd: 0.2 } }, takenOn: TAKEN_ON, source: "fal schema (720p = 1 unit, 480p = 0.5); USD per unit UNCONFIRMED", confirmed: false },
    note: "No sound; 16 fps.",
  },
  {
    id: "fal-ai/seedvr/upscale/video",
    label: "SeedVR2 upscale",
    uses: ["upscale"],
    fields: { start: "video_url" },
    frameInput: "upload",
    sizes: { field: "target_resolution", values: [{ value: "1080p", height: 1080 }, { value: "1440p", height: 1440 }, { value: "2160p", height: 2160 }] },
    fps: 0,
    output: { field: "video", kind: "mov" },
    fixedInput: { upscale_mode: "target", output_format: "PRORES4444 (.mov)" },
    price: { unit: "megapixel", usd: 0.001, takenOn: TAKEN_ON, source: "fal.ai/models/fal-ai/seedvr/upscale/video/llms.txt ($0.001 per megapixel, w × h × frames)", confirmed: true },
    note: "Keeps the source's frame rate; returns ProRes 4444 .mov.",
  },
];

export function falModel(id: string): FalModel | undefined {
  return FAL_CATALOGUE.find((m) => m.id === id);
}

export function falModelsFor(use: FalUse): FalModel[] {
  return FAL_CATALOGUE.filter((m) => m.uses.includes(use));
}

/** The default per use: the first catalogue entry serving it (Veo 3.1 Fast drafts, Veo 3.1 finals, Veo Fast FLF bridges). */
export function defaultFalModel(use: FalUse): FalModel {
  const model = falModelsFor(use)[0];
  if (!model) throw new Error(`The fal catalogue has no model for ${use}.`);
  return model;
}

/** The catalogue as the panel sees it (capabilities.modelInfo). */
export function modelInfoOf(model: FalModel): ModelInfo {
  return {
    id: model.id,
    label: model.label,
    uses: model.uses,
    ...(model.audio ? { audio: { switchable: true, defaultOn: model.audio.defaultOn, ...(model.audio.note ? { note: model.audio.note } : {}) } } : {}),
    ...(model.sizes ? { resolutions: model.sizes.values.map((v) => v.value) } : {}),
    ...(model.note ? { note: model.note } : {}),
  };
}

/** The length the model renders for an ask: the shortest it offers at or above it, else its longest. */
export function renderedSecondsOf(model: FalModel, seconds: number): number {
  const lengths = model.lengths?.seconds;
  if (!lengths || lengths.length === 0) return seconds;
  return lengths.find((l) => l >= seconds - 1e-6) ?? lengths[lengths.length - 1]!;
}

/** The length as the endpoint's field wants it ("8s", "5", or a frame count). */
export function lengthValue(model: FalModel, seconds: number): string | number | undefined {
  if (!model.lengths) return undefined;
  switch (model.lengths.format) {
    case "s-suffix":
      return `${seconds}s`;
    case "string":
      return String(seconds);
    case "frames":
      return Math.round(seconds * model.fps);
  }
}
