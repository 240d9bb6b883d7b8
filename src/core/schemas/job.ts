import { z } from "zod";
import { Annotation, type AnnotationInput } from "./annotation.js";
import { ColorAssumption, ColorTags, SequenceColorSpace } from "./color.js";
import { Direction } from "./direction.js";
import { FrameContext } from "./frameContext.js";

export const TakeState = z.enum(["queued", "running", "succeeded", "failed", "canceled"]);
export type TakeState = z.infer<typeof TakeState>;
export const TERMINAL_TAKE_STATES: ReadonlySet<TakeState> = new Set(["succeeded", "failed", "canceled"]);

export const JobMode = z.enum(["draft", "final"]);
export type JobMode = z.infer<typeof JobMode>;

/**
 * The picture size a final master is delivered at (Enhance's target): 1080p (1920×1080), UHD
 * (3840×2160) or DCI 4K (4096×2160, offered where the sequence is DCI-shaped).
 */
export const TargetSize = z.enum(["1080p", "2160p", "dci4k"]);
export type TargetSize = z.infer<typeof TargetSize>;
export const TARGET_SIZE_PIXELS: Record<TargetSize, { width: number; height: number }> = {
  "1080p": { width: 1920, height: 1080 },
  "2160p": { width: 3840, height: 2160 },
  dci4k: { width: 4096, height: 2160 },
};

/**
 * What one model of a provider offers, where a provider serves several with different abilities
 * (fal's hub: Veo with sound, Kling without). Kept as data in the provider's catalogue.
 */
export const ModelInfo = z.object({
  id: z.string(),
  label: z.string(),
  /** What the model is offered for: draft and final takes, bridges (start+end frame), upscaling a take. */
  uses: z.array(z.enum(["draft", "final", "bridge", "upscale"])).min(1),
  /** The model can return sound with its picture; `switchable`: the request can turn it off (or on). */
  audio: z.object({ switchable: z.boolean(), defaultOn: z.boolean(), note: z.string().optional() }).optional(),
  /** Picture sizes it renders natively ("1080p", "2160p"…). */
  resolutions: z.array(z.string()).optional(),
  note: z.string().optional(),
});
export type ModelInfo = z.infer<typeof ModelInfo>;

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
  /** Where the file's color came from when the file does not say (a provider's declaration). */
  colorAssumption: ColorAssumption.optional(),
  /** The file's sound track, where it has one (absent: picture only). */
  audio: z.object({ codec: z.string(), sampleRate: z.number().int().positive(), channels: z.number().int().positive() }).optional(),
  createdAt: z.string(),
});
export type Artifact = z.infer<typeof Artifact>;

/**
 * `POST /v1/artifacts/:id/link`: a short-lived link to one artifact that works without the token
 * (signed by the backend), for the system browser; `expiresAt` is when it stops working.
 */
export const ArtifactLink = z.object({ url: z.url(), expiresAt: z.iso.datetime() });
export type ArtifactLink = z.infer<typeof ArtifactLink>;

export const Money = z.object({ usd: z.number().nonnegative(), estimated: z.boolean() });
export type Money = z.infer<typeof Money>;

/**
 * Plain-language guards a refined request adds for what the critic found: a cut (continuous), a
 * flicker (steadyExposure), a first frame off the captured one (startOnFrame), a bridge's last frame
 * off B's or reaching it early (endOnFrame), shake
 * (steadyCamera), a drifting "static" camera (lockedOff), a stall in a directed move (keepMoving),
 * a pinned region that drifted (pinned).
 */
export const RefinementGuard = z.enum([
  "continuous",
  "steadyExposure",
  "startOnFrame",
  "endOnFrame",
  "steadyCamera",
  "lockedOff",
  "keepMoving",
  "pinned",
  // From the vision-model judge's findings (issue 20): a reworded ask and negative words in the text.
  "followPrompt",
  "stableAnatomy",
  "legibleText",
  "noPops",
  "sameIdentity",
  "plausiblePhysics",
]);
export type RefinementGuard = z.infer<typeof RefinementGuard>;

/** How the camera directives are phrased for text-reading models (the seed's "varying wording"). */
export const DirectiveWording = z.enum(["plain", "cameraFirst", "explicit"]);
export type DirectiveWording = z.infer<typeof DirectiveWording>;

/** A correction to one drawing: ask for more (or less) of its move, earlier (or later). */
export const AnnotationEmphasis = z.object({
  annotationId: z.string(),
  /** Multiplier on the drawn amount: a camera move's length, a framing box's push (1.3 = ask 30% more). */
  amount: z.number().positive(),
  /** Seconds the move is asked to happen earlier than drawn (negative: later). */
  lead: z.number(),
});
export type AnnotationEmphasis = z.infer<typeof AnnotationEmphasis>;

/**
 * How one take's request differs from the plain rendering of its job's direction: the seed, the
 * wording, the corrections the director made from an earlier take's critique. The job's direction
 * stays what the editor drew (every take is scored against it); the variant is what was sent.
 */
export const TakeVariant = z.object({
  /** Sent to providers that take a seed (Runway); recorded for the others. */
  seed: z.number().int().nonnegative().optional(),
  wording: DirectiveWording,
  emphasis: z.array(AnnotationEmphasis),
  /** Also send the directed camera path as keyframes where the provider takes keyframes (Luma). */
  pathKeyframes: z.boolean(),
  guards: z.array(RefinementGuard),
  /** The take whose critique this variant answers (the best of the previous round). */
  refines: z.string().optional(),
  /** What was changed and why, in the editor's words ("pan asked 40% stronger: take 2 was 35% short"). */
  changes: z.array(z.string()),
});
export type TakeVariant = z.infer<typeof TakeVariant>;

/**
 * A bridge take is generated at a length the provider offers and fitted to the span by a constant
 * speed change at the sequence's frame rate, first and last frames kept (never trimmed). `speed`
 * is generated length over placed length: 1.2 plays 20 % faster than generated.
 */
export const BridgeRetime = z.object({
  generatedSeconds: z.number().positive(),
  generatedFrames: z.number().int().positive(),
  placedFrames: z.number().int().positive(),
  speed: z.number().positive(),
});
export type BridgeRetime = z.infer<typeof BridgeRetime>;

export const Take = z.object({
  id: z.string(),
  jobId: z.string(),
  index: z.number().int().nonnegative(),
  /** The refinement round the take belongs to: 0 for the first drafts, 1 for the first refinement… */
  iteration: z.number().int().nonnegative(),
  /** How many times the take was sent again after a failure (Retry); absent means never. */
  attempt: z.number().int().nonnegative().optional(),
  variant: TakeVariant.optional(),
  /** The editor's own marks, searchable in the history. */
  starred: z.boolean().optional(),
  note: z.string().max(2000).optional(),
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
  /** Bridge takes: the constant speed change that fitted the generated length to the span. */
  retime: BridgeRetime.optional(),
  critique: z.unknown().nullable(),
  /**
   * The provider reported this generation done (`providerJobId`, at `at`): it is paid for and its
   * output exists, so it is fetched, conformed and scored whatever happens next. Written by the
   * take runner before the download; a cancel from any process reads it and lets the take land
   * (isBeingDelivered). It names the provider job so a retried take's fresh attempt is not covered.
   */
  generated: z.object({ providerJobId: z.string(), at: z.string() }).optional(),
  /** What the take has cost in all: its earlier attempts (a retry) plus the current one. */
  cost: Money,
  /** What its earlier attempts cost (kept when it is retried, so no charge drops out of the totals). */
  earlierAttempts: Money.optional(),
  /**
   * The judge's estimate for the current attempt, held in `cost` from the take's creation (or
   * retry, or auto round) so every budget check, other editors' too, counts it while the take is in
   * flight: replaced by what the judge counted once it has looked, released when it will not look
   * (judge off, the take failed or was canceled, not judged for budget). `generationEstimated`: whether
   * the rest of the attempt's cost is an estimate (the held part always is), for when it is released.
   */
  judgeHeld: z.object({ usd: z.number().nonnegative(), generationEstimated: z.boolean() }).optional(),
  colorSpace: SequenceColorSpace,
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Take = z.infer<typeof Take>;

export const MIN_DURATION = 2;
export const MAX_DURATION = 10;
export const MAX_COUNT = 4;
/** Auto mode's defaults (issue 6): four drafts a round, two refinement rounds, stop at 80. */
export const AUTO_DEFAULT_COUNT = 4;
export const AUTO_DEFAULT_ROUNDS = 2;
export const AUTO_DEFAULT_TARGET = 80;
export const AUTO_MAX_ROUNDS = 4;

/**
 * Auto mode: draft, score every take against the direction, and while the best score is under
 * the target, rounds remain and the budget allows, refine the requests from the critique and
 * draft again.
 */
export const AutoSettings = z.object({
  target: z.number().min(1).max(100).default(AUTO_DEFAULT_TARGET),
  /** Refinement rounds after the first drafts (0: draft and rank only). */
  rounds: z.number().int().min(0).max(AUTO_MAX_ROUNDS).default(AUTO_DEFAULT_ROUNDS),
});
export type AutoSettings = z.infer<typeof AutoSettings>;

/** What a client sends to create a job. */
export const CreateJobRequest = z.object({
  frameId: z.string().min(1),
  provider: z.string().min(1).default("previz"),
  model: z.string().optional(),
  mode: JobMode.default("draft"),
  prompt: z.string().max(4000).default(""),
  annotations: z.array(Annotation).default([]),
  duration: z.number().min(MIN_DURATION).max(MAX_DURATION),
  /** Takes (per round in auto mode). Default 1, or 4 in auto mode. */
  count: z.number().int().min(1).max(MAX_COUNT).optional(),
  budgetUsd: z.number().nonnegative().optional(),
  /** Finals only, where the provider can: also deliver an EXR master (Luma: ACES2065-1). */
  exr: z.boolean().optional(),
  /** Drafts only: refine automatically from the critic's scores (see AutoSettings). */
  auto: AutoSettings.optional(),
  /** Sound on or off, where the model has the switch (ModelInfo.audio.switchable); absent: the model's default. */
  audio: z.boolean().optional(),
});
export type CreateJobRequest = z.infer<typeof CreateJobRequest>;
export type CreateJobInput = Omit<z.input<typeof CreateJobRequest>, "annotations"> & { annotations?: AnnotationInput[] };

/** Why an auto job stopped refining. */
export const LoopStop = z.enum(["target", "rounds", "budget", "canceled", "failed", "unscored"]);
export type LoopStop = z.infer<typeof LoopStop>;

/** Where an auto job's loop is: the round being drafted, or done with the reason and the best take. */
export const JobLoop = z.object({
  state: z.enum(["running", "done"]),
  round: z.number().int().nonnegative(),
  stop: LoopStop.optional(),
  best: z.object({ takeId: z.string(), score: z.number() }).nullable(),
  /**
   * Team mode: stopped (with `stop: "failed"`) because the queue gave up on the loop step, not by
   * the loop's own decision; an admin's redrive of that step sets the loop running again.
   */
  stoppedOnService: z.boolean().optional(),
});
export type JobLoop = z.infer<typeof JobLoop>;

/** One line of a job's reasoning log: what the director saw, decided and changed, in plain words. */
export const JobLogEntry = z.object({
  /** The job's event sequence number (shared with take events, so replay keeps the order). */
  seq: z.number().int().positive(),
  at: z.string(),
  round: z.number().int().nonnegative(),
  kind: z.enum(["round", "score", "refine", "stop", "budget", "enhance", "resume"]),
  text: z.string(),
  takeIds: z.array(z.string()).optional(),
});
export type JobLogEntry = z.infer<typeof JobLogEntry>;

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
  /** The most this job may spend, fixed when it was made: its own budget or the backend's per-job default. */
  budgetLimitUsd: z.number().nonnegative().optional(),
  exr: z.boolean().optional(),
  /** An upconversion job: the SDR take it lifts to HDR, and the delivery asked for. */
  upconvertOf: z.object({ takeId: z.string(), format: z.string() }).optional(),
  /** An enhance job: the draft it renders as a final master. */
  enhanceOf: z.object({ jobId: z.string(), takeId: z.string() }).optional(),
  /** An upscale job: the take it lifts to a larger size, and that size. */
  upscaleOf: z.object({ takeId: z.string(), size: TargetSize }).optional(),
  /** The size the master is delivered at (an enhance rendered natively at it, an upscale); absent: the sequence's frame size. */
  targetSize: TargetSize.optional(),
  /**
   * An enhance whose provider cannot render the asked size: once its take is final, the director
   * starts an upscale job on `provider` (recorded in `jobId` when started, `refused` when the
   * budget no longer allowed it). `stoppedOnService` (team mode): `refused` because the queue gave up
   * on starting it; an admin's redrive of that step starts it after all.
   */
  upscaleNext: z
    .object({
      provider: z.string(),
      model: z.string(),
      size: TargetSize,
      usd: z.number().nonnegative(),
      jobId: z.string().optional(),
      refused: z.string().optional(),
      stoppedOnService: z.boolean().optional(),
    })
    .optional(),
  /** Sound asked on or off (absent: the model's default). */
  audio: z.boolean().optional(),
  /** Team mode: the signed-in editor who made the job (absent in embedded mode, which has one editor). */
  createdBy: z.object({ userId: z.string(), name: z.string() }).optional(),
  auto: AutoSettings.optional(),
  loop: JobLoop.optional(),
  /** The reasoning log, oldest first (auto and enhance jobs). */
  log: z.array(JobLogEntry).optional(),
  canceled: z.boolean(),
  takes: z.array(Take),
});
export type Job = z.infer<typeof Job>;

/** Events pushed on `/v1/jobs/:id/events`; `seq` is the SSE id, so a reconnect can resume. */
export const JobEvent = z.discriminatedUnion("type", [
  z.object({ type: z.literal("take"), seq: z.number().int(), take: Take }),
  z.object({ type: z.literal("job"), seq: z.number().int(), job: Job }),
  z.object({ type: z.literal("log"), seq: z.number().int(), entry: JobLogEntry }),
]);
export type JobEvent = z.infer<typeof JobEvent>;

/**
 * Whether the take's current generation is done at the provider (paid) and being delivered: a
 * cancel spares it, and it lands even in a canceled job.
 */
export function isBeingDelivered(take: Pick<Take, "state" | "providerJobId" | "generated">): boolean {
  return !TERMINAL_TAKE_STATES.has(take.state) && take.providerJobId !== null && take.generated?.providerJobId === take.providerJobId;
}

/**
 * A job is settled when every take is terminal and, for an auto job, its loop is done: between
 * rounds every take may be terminal while the director is about to draft the next round.
 */
export function jobSettled(job: Pick<Job, "takes" | "loop">): boolean {
  return job.takes.length > 0 && job.takes.every((t) => TERMINAL_TAKE_STATES.has(t.state)) && (!job.loop || job.loop.state === "done");
}

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

/**
 * What a provider can do in Bridge mode: both anchors, at which generated lengths (a bridge is
 * generated at the shortest of these at or above the span, then retimed to fit), with which models.
 */
export const BridgeCapability = z.object({
  startFrame: z.literal(true),
  endFrame: z.literal(true),
  /** Seconds the provider can generate an anchored clip at, ascending. */
  lengths: z.array(z.number().positive()).min(1),
  /** Models that take both frames; the first is the default for a bridge. */
  models: z.array(z.string()).min(1),
  note: z.string().optional(),
});
export type BridgeCapability = z.infer<typeof BridgeCapability>;

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
    /** Takes a seed, so a take can be sent again with the same one (Runway). */
    seed: z.boolean().optional(),
    /** Takes camera keyframes (views of the frame at frame indexes), so a refined take can get the directed path as keyframes (Luma). */
    keyframes: z.boolean().optional(),
    /** Can make a take anchored on a start and an end frame (Bridge mode); absent: cannot. */
    bridge: BridgeCapability.optional(),
    /** Can lift a finished take to a larger picture size (a follow-up upscale job); absent: cannot. */
    upscale: z.object({ sizes: z.array(TargetSize).min(1), models: z.array(z.string()).min(1), note: z.string().optional() }).optional(),
    /** Per-model abilities, where the models differ (fal's catalogue); absent: every model alike. */
    modelInfo: z.array(ModelInfo).optional(),
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
  /** Takes (per round in auto mode). Default 1, or 4 in auto mode, as at job creation. */
  count: z.number().int().min(1).max(MAX_COUNT).optional(),
  exr: z.boolean().optional(),
  budgetUsd: z.number().nonnegative().optional(),
  projectName: z.string().optional(),
  /** Auto mode: `total` is the first round; `maxTotal` what every round would cost. */
  auto: AutoSettings.optional(),
  /** Sound on or off where the model has the switch (it may change the price). */
  audio: z.boolean().optional(),
  /** Enhance's target size: where the provider cannot render it, the estimate adds the upscale. */
  size: TargetSize.optional(),
  upscaleProvider: z.string().optional(),
  /** The sequence's frame size, to say whether DCI 4K fits it (the panel sends its sequence's). */
  frameSize: z.object({ width: z.number().int().positive(), height: z.number().int().positive() }).optional(),
});
export type EstimateRequest = z.infer<typeof EstimateRequest>;

/**
 * Settings the editor keeps per project (GET/PUT /v1/projects/settings?project=…), in the ledger.
 * `judge`: the vision-model judge may see this project's frames (off by default: frames leave
 * the machine only where the editor said so).
 */
export const ProjectSettings = z.object({
  judge: z.boolean().default(false),
});
export type ProjectSettings = z.infer<typeof ProjectSettings>;

/** The backend's judge, as the settings show it: which service would see the frames, at what cost. */
export const JudgeInfo = z.object({
  available: z.boolean(),
  /** Why not ("set GEMINI_API_KEY"). */
  reason: z.string().optional(),
  service: z.string().optional(),
  label: z.string().optional(),
  model: z.string().optional(),
  /** Pictures sent per take: the take's frames, plus the captured frame. */
  framesPerTake: z.number().int().optional(),
  /** Upper-bound estimate per take (USD), from the dated price table. */
  perTakeUsd: z.number().optional(),
  pricing: PriceSource.optional(),
});
export type JudgeInfo = z.infer<typeof JudgeInfo>;

export const CostEstimate = z.object({
  provider: z.string(),
  model: z.string(),
  perTake: Money,
  total: Money,
  /** Auto mode: the cost if every refinement round runs (the loop never spends past the job budget). */
  maxTotal: Money.optional(),
  /** The figures the backend checks at job creation. */
  budget: z.object({
    jobUsd: z.number(),
    dailyCapUsd: z.number(),
    spentTodayUsd: z.number(),
    confirmAboveUsd: z.number(),
    /**
     * Team mode: the admin's limits that apply to this editor (the studio, the project, the editor
     * themselves), each with what is spent in its period (UTC day or month), in the order a refusal
     * names them. Absent or empty when none is set.
     */
    limits: z
      .array(
        z.object({
          scope: z.enum(["studio", "project", "user"]),
          /** The project's name, or the editor's (absent for the studio). */
          name: z.string().optional(),
          period: z.enum(["day", "month"]),
          limitUsd: z.number(),
          spentUsd: z.number(),
        }),
      )
      .optional(),
  }),
  /** The panel asks once before spending this much. */
  needsConfirmation: z.boolean(),
  /** Set when the backend would refuse the job; says why, with the figures. */
  refusal: z.string().optional(),
  pricing: PriceSource.optional(),
  /** When the judge will look at this project's takes: its share of `perTake` (estimated, an upper bound). */
  judge: z.object({ service: z.string(), model: z.string(), perTakeUsd: z.number(), pricing: PriceSource }).optional(),
  /**
   * A target size the provider cannot render: the upscale that follows the final, on which
   * provider and model, at what cost. `total` includes it; `perTake` is the final alone.
   */
  upscale: z.object({ provider: z.string(), model: z.string(), size: TargetSize, cost: Money, note: z.string().optional() }).optional(),
  /** The target size is rendered by the provider itself (no upscale). */
  nativeSize: TargetSize.optional(),
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

/**
 * Lift a finished take to a larger picture size (POST /v1/takes/:id/upscale): a new one-take job
 * on an upscale provider; the take stays as it was. Absent provider: the first available one that
 * can upscale to `size`.
 */
export const UpscaleRequest = z.object({
  size: TargetSize,
  provider: z.string().optional(),
  model: z.string().optional(),
  budgetUsd: z.number().nonnegative().optional(),
});
export type UpscaleRequest = z.infer<typeof UpscaleRequest>;

/**
 * Render a draft as a final master (POST /v1/jobs/:id/enhance): the take the editor picked, or the
 * job's best-scored take when none is named; on the job's provider unless another is named (a
 * previz draft finished on Luma). The same direction, wording and seed are sent again.
 */
export const EnhanceRequest = z.object({
  takeId: z.string().optional(),
  provider: z.string().optional(),
  model: z.string().optional(),
  exr: z.boolean().optional(),
  budgetUsd: z.number().nonnegative().optional(),
  /**
   * The master's picture size. Absent: the provider's own final size. A provider that renders the
   * size natively does so; otherwise the take is rendered and then lifted by an upscale provider.
   */
  size: TargetSize.optional(),
  /** The upscale provider to use when the final provider cannot render `size` natively. */
  upscaleProvider: z.string().optional(),
});
export type EnhanceRequest = z.infer<typeof EnhanceRequest>;

/** The editor's marks on a take (PATCH /v1/takes/:id). */
export const TakePatch = z
  .object({ starred: z.boolean().optional(), note: z.string().max(2000).optional() })
  .refine((p) => p.starred !== undefined || p.note !== undefined, "Send starred, note, or both.");
export type TakePatch = z.infer<typeof TakePatch>;

/** GET /v1/history: search and filters over every job in the ledger, newest first. */
export const HistoryQuery = z.object({
  /** Words to find in the prompt, the notes drawn on the frame and the editor's take notes. */
  q: z.string().max(200).optional(),
  provider: z.string().optional(),
  /** Only jobs with a take scoring at least this. */
  minScore: z.coerce.number().min(0).max(100).optional(),
  /** UTC days, inclusive ("2026-12-01"). */
  from: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "a day is YYYY-MM-DD").optional(),
  to: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "a day is YYYY-MM-DD").optional(),
  /** Only jobs with a starred take. */
  starred: z.enum(["true", "false"]).transform((v) => v === "true").optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** The `nextBefore` of the previous page. */
  before: z.string().regex(/^.+\|.+$/, "must be the nextBefore of an earlier history page").optional(),
});
export type HistoryQuery = z.infer<typeof HistoryQuery>;
export type HistoryQueryInput = z.input<typeof HistoryQuery>;

/** One job as the history lists it: enough to find it again; GET /v1/jobs/:id has the whole record. */
export const JobSummary = z.object({
  id: z.string(),
  createdAt: z.string(),
  provider: z.string(),
  model: z.string(),
  mode: JobMode,
  prompt: z.string(),
  /** The notes drawn on the frame. */
  notes: z.array(z.string()),
  projectName: z.string(),
  sequenceName: z.string(),
  colorSpace: SequenceColorSpace,
  duration: z.number(),
  frameId: z.string(),
  takes: z.number().int(),
  succeeded: z.number().int(),
  running: z.boolean(),
  /** Refinement rounds drafted (1 for a plain job). */
  rounds: z.number().int(),
  bestScore: z.number().nullable(),
  bestTakeId: z.string().nullable(),
  /** The poster of the best take (else the first with one), for the list's thumbnail. */
  poster: Artifact.nullable(),
  starred: z.number().int(),
  cost: Money,
  auto: z.boolean(),
  enhanceOf: z.object({ jobId: z.string(), takeId: z.string() }).optional(),
  upconvertOf: z.object({ takeId: z.string(), format: z.string() }).optional(),
  upscaleOf: z.object({ takeId: z.string(), size: TargetSize }).optional(),
});
export type JobSummary = z.infer<typeof JobSummary>;

export const HistoryPage = z.object({
  jobs: z.array(JobSummary),
  /** Jobs matching the search and filters, over every page. */
  total: z.number().int(),
  /** Pass as `before` for the next page; null on the last. */
  nextBefore: z.string().nullable(),
});
export type HistoryPage = z.infer<typeof HistoryPage>;
