import { z } from "zod";
import { Annotation, type AnnotationInput } from "./annotation.js";
import { ColorTags, SequenceColorSpace } from "./color.js";
import { Direction } from "./direction.js";
import { FrameContext } from "./frameContext.js";

export const TakeState = z.enum(["queued", "running", "succeeded", "failed", "canceled"]);
export type TakeState = z.infer<typeof TakeState>;
export const TERMINAL_TAKE_STATES: ReadonlySet<TakeState> = new Set(["succeeded", "failed", "canceled"]);

export const JobMode = z.enum(["draft", "final"]);
export type JobMode = z.infer<typeof JobMode>;

/** `exr`: an EXR delivery beside the master (Luma's ACES2065-1 export, Runway's EXR zip). */
/** `source` is the provider's own file, kept beside the conformed master (nothing paid is lost). */
export const ArtifactKind = z.enum(["master", "proxy", "poster", "exr", "source"]);
export type ArtifactKind = z.infer<typeof ArtifactKind>;

/** A file the backend holds for a take; served at `/v1/artifacts/:id` with HTTP Range. */
export const Artifact = z.object({
  id: z.string(),
  takeId: z.string(),
  kind: ArtifactKind,
  fileName: z.string(),
  mediaType: z.string(),
  bytes: z.number().int().nonnegative(),
  width: z.number().int().positive().optional(),
  height: z.number().int().positive().optional(),
  codec: z.string().optional(),
  colorTags: ColorTags.optional(),
  createdAt: z.string(),
});
export type Artifact = z.infer<typeof Artifact>;

export const Money = z.object({ usd: z.number().nonnegative(), estimated: z.boolean() });
export type Money = z.infer<typeof Money>;

export const Take = z.object({
  id: z.string(),
  jobId: z.string(),
  index: z.number().int().nonnegative(),
  iteration: z.number().int().nonnegative(),
  providerJobId: z.string().nullable(),
  /** The request exactly as it was sent to the provider (secrets never included). */
  request: z.unknown(),
  state: TakeState,
  progress: z.number().min(0).max(1),
  /** Plain-language status for the card ("rendering master 40%"). */
  message: z.string(),
  error: z
    .object({
      code: z.string(),
      message: z.string(),
      raw: z.string().optional(),
      /** The take may be sent again (POST /v1/takes/:id/retry): the provider went silent, was busy… */
      retryable: z.boolean().optional(),
    })
    .nullable(),
  outputs: z.object({
    master: Artifact.optional(),
    proxy: Artifact.optional(),
    poster: Artifact.optional(),
    exr: Artifact.optional(),
    source: Artifact.optional(),
  }),
  /** What delivery did to the provider's files (conform route, rate conversion), in sentences. */
  notes: z.array(z.string()).optional(),
  critique: z.unknown().nullable(),
  cost: Money,
  colorSpace: SequenceColorSpace,
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Take = z.infer<typeof Take>;

export const MIN_DURATION = 2;
export const MAX_DURATION = 10;
export const MAX_COUNT = 4;

/** What a client sends to create a job. */
export const CreateJobRequest = z.object({
  frameId: z.string().min(1),
  provider: z.string().min(1).default("previz"),
  model: z.string().optional(),
  mode: JobMode.default("draft"),
  prompt: z.string().max(4000).default(""),
  annotations: z.array(Annotation).default([]),
  duration: z.number().min(MIN_DURATION).max(MAX_DURATION),
  count: z.number().int().min(1).max(MAX_COUNT).default(1),
  budgetUsd: z.number().nonnegative().optional(),
  /** Finals only, where the provider can: also deliver an EXR master (Luma: ACES2065-1). */
  exr: z.boolean().optional(),
});
export type CreateJobRequest = z.infer<typeof CreateJobRequest>;
export type CreateJobInput = Omit<z.input<typeof CreateJobRequest>, "annotations"> & { annotations?: AnnotationInput[] };

export const Job = z.object({
  id: z.string(),
  createdAt: z.string(),
  frame: FrameContext,
  direction: Direction,
  provider: z.string(),
  model: z.string(),
  mode: JobMode,
  count: z.number().int(),
  duration: z.number(),
  budgetUsd: z.number().nullable(),
  exr: z.boolean().optional(),
  /** An upconversion job: the SDR take it lifts to HDR, and the delivery asked for. */
  upconvertOf: z.object({ takeId: z.string(), format: z.string() }).optional(),
  canceled: z.boolean(),
  takes: z.array(Take),
});
export type Job = z.infer<typeof Job>;

/** Events pushed on `/v1/jobs/:id/events`; `seq` is the SSE id, so a reconnect can resume. */
export const JobEvent = z.discriminatedUnion("type", [
  z.object({ type: z.literal("take"), seq: z.number().int(), take: Take }),
  z.object({ type: z.literal("job"), seq: z.number().int(), job: Job }),
]);
export type JobEvent = z.infer<typeof JobEvent>;

/**
 * What one mode of a provider can do. The panel offers only these combinations, so an impossible
 * request (Luma HDR at 10 s, say) is never built; the backend refuses it all the same.
 */
export const ModeLimits = z.object({
  durations: z.object({ min: z.number(), max: z.number(), step: z.number() }),
  /** Generated clip length(s) in seconds when the provider renders fixed lengths (trimmed on import). */
  renderedDurations: z.array(z.number()).optional(),
  resolutions: z.array(z.string()),
  hdr: z.boolean(),
  exr: z.boolean(),
  note: z.string().optional(),
  /** The model this mode uses when the request names none. */
  defaultModel: z.string().optional(),
});
export type ModeLimits = z.infer<typeof ModeLimits>;

/** Where a provider's prices come from, so the panel can say how sure an estimate is. */
export const PriceSource = z.object({
  source: z.string(),
  takenOn: z.string(),
  confirmed: z.boolean(),
  note: z.string().optional(),
});
export type PriceSource = z.infer<typeof PriceSource>;

export const ProviderInfo = z.object({
  id: z.string(),
  label: z.string(),
  available: z.boolean(),
  /** Why it is unavailable and how to fix it ("set LUMA_API_KEY"). */
  reason: z.string().optional(),
  capabilities: z.object({
    modes: z.array(JobMode),
    durations: z.object({ min: z.number(), max: z.number(), step: z.number() }),
    maxCount: z.number().int(),
    colorSpaces: z.array(SequenceColorSpace),
    models: z.array(z.string()),
    limits: z.object({ draft: ModeLimits.optional(), final: ModeLimits.optional() }).optional(),
    /** Can lift an SDR take to HDR (Runway video_to_hdr). */
    upconvert: z.boolean().optional(),
  }),
  pricing: PriceSource.optional(),
});
export type ProviderInfo = z.infer<typeof ProviderInfo>;

export const ApiError = z.object({
  error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }),
});
export type ApiError = z.infer<typeof ApiError>;

/** Ask what a job would cost, before creating it (POST /v1/estimate). */
export const EstimateRequest = z.object({
  provider: z.string().min(1).default("previz"),
  model: z.string().optional(),
  mode: JobMode.default("draft"),
  duration: z.number().min(MIN_DURATION).max(MAX_DURATION),
  count: z.number().int().min(1).max(MAX_COUNT).default(1),
  exr: z.boolean().optional(),
  budgetUsd: z.number().nonnegative().optional(),
  projectName: z.string().optional(),
});
export type EstimateRequest = z.infer<typeof EstimateRequest>;

export const CostEstimate = z.object({
  provider: z.string(),
  model: z.string(),
  perTake: Money,
  total: Money,
  /** The figures the backend checks at job creation. */
  budget: z.object({
    jobUsd: z.number(),
    dailyCapUsd: z.number(),
    spentTodayUsd: z.number(),
    confirmAboveUsd: z.number(),
  }),
  /** The panel asks once before spending this much. */
  needsConfirmation: z.boolean(),
  /** Set when the backend would refuse the job; says why, with the figures. */
  refusal: z.string().optional(),
  pricing: PriceSource.optional(),
});
export type CostEstimate = z.infer<typeof CostEstimate>;

export const SpendTotals = z.object({
  today: z.object({ day: z.string(), usd: z.number() }),
  days: z.array(z.object({ day: z.string(), usd: z.number() })),
  projects: z.array(z.object({ project: z.string(), usd: z.number() })),
  jobs: z.array(z.object({ jobId: z.string(), usd: z.number() })),
});
export type SpendTotals = z.infer<typeof SpendTotals>;

/** Lift an SDR take to HDR (POST /v1/takes/:id/upconvert); the format follows the sequence when absent. */
export const UpconvertRequest = z.object({
  format: z.enum(["hdr10", "hlg", "hdr_prores", "hdr_exr_sequence"]).optional(),
  provider: z.string().default("runway"),
});
export type UpconvertRequest = z.infer<typeof UpconvertRequest>;
