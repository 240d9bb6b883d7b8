import { z } from "zod";
import { UpscaleCheck } from "./upscaleCheck.js";

/**
 * What the critic says about one take (Take.critique). Every number is a measurement of the
 * clip; every sentence in `critique` and `issues` is derived from those numbers.
 * Coordinates: fractions of the take's first frame (origin top-left); times: seconds from the
 * take's start; zoom = first frame width / window width.
 */

const Span = z.object({ start: z.number(), end: z.number() });

export const CameraPathSample = z.object({
  t: z.number(),
  x: z.number(),
  y: z.number(),
  zoom: z.number(),
  /** 0..1: how well the background was seen in this frame (absent in critiques before issue 12). */
  confidence: z.number().optional(),
});

/**
 * Whether a measurement of the camera can be trusted, from evidence (docs/critic.md): the share of
 * tracked points that moved together, how much of the frame they cover, a rival motion. Absent in
 * critiques written before issue 12, which read as measured.
 */
export const MeasuredWith = {
  /** 0..1. */
  confidence: z.number().optional(),
  /** False: the camera's move here could not be measured; nothing about it was scored. */
  measurable: z.boolean().optional(),
};

export const CameraMeasurement = z.object({
  path: z.array(CameraPathSample),
  /** Mean window-centre velocity over the clip, frame fractions per second (x right, y down). */
  velocity: z.object({ x: z.number(), y: z.number() }),
  /** Mean zoom change per second ((last − first) / duration; > 0 pushes in). */
  zoomRate: z.number(),
  /** Roll at the end of the clip, degrees clockwise (the path itself leaves roll out). */
  finalRoll: z.number(),
  /** Median frame-to-frame match (NCC) after alignment; low values mean the picture changes a lot. */
  trackingConfidence: z.number(),
  /** 0..1 over the clip (a low quantile of the frames' confidence). */
  confidence: z.number().optional(),
  /** False when the camera's path could not be measured; then `unmeasured` says why, in words. */
  measurable: z.boolean().optional(),
  unmeasured: z.string().nullable().optional(),
  /** Method, for readers of old rows: "features" (issue 12) or absent (whole-frame fit). */
  method: z.string().optional(),
});
export type CameraMeasurement = z.infer<typeof CameraMeasurement>;

export const ContinuityMeasurement = z.object({
  /** The take's first frame against the captured frame (null when no frame was given). */
  firstFrame: z
    .object({
      /** Mean local SSIM on normalised luma, 0..1 (1 = same picture). */
      similarity: z.number(),
      /** Where the captured frame sits in the take's first frame: window offset and zoom. */
      offset: z.object({ x: z.number(), y: z.number(), zoom: z.number() }),
      /** Normalised cross-correlation after that alignment. */
      alignedMatch: z.number(),
    })
    .nullable(),
  /**
   * Bridges: the take's last frame against B's captured frame (critic/bridgeEnds.ts), with how
   * early the take already matched it. Absent for other takes (and in critiques from before).
   */
  lastFrame: z
    .object({
      similarity: z.number(),
      offset: z.object({ x: z.number(), y: z.number(), zoom: z.number() }),
      alignedMatch: z.number(),
      arrivesEarly: z.number(),
    })
    .nullable()
    .optional(),
});

export const StabilityMeasurement = z.object({
  flicker: z.object({
    /** RMS of the frame-to-frame luminance wobble (mean luma minus its 0.5 s trend), % of the mean. */
    index: z.number(),
    /** Stretches where it exceeds 1 %, with their peak deviation (%). */
    spans: z.array(Span.extend({ peak: z.number() })),
  }),
  jitter: z.object({
    /** Robust spread (1.4826 · median |r|) of the path minus its local quadratic trend (±0.25 s): % of frame width / height. */
    x: z.number(),
    y: z.number(),
    /** % of zoom. */
    zoom: z.number(),
  }),
  cuts: z.array(z.object({ t: z.number(), frame: z.number() })),
  /** Stretches of identical pictures; `directedMotion` says whether the direction moves the camera there (null without one). */
  frozen: z.array(Span.extend({ directedMotion: z.boolean().nullable() })),
  black: z.array(Span),
});

export const ExposureMeasurement = z.object({
  /** The clip's transfer as ffprobe reports it, and how code values were read. */
  transfer: z.string(),
  interpretedAs: z.enum(["sdr-bt1886", "pq", "hlg", "linear-unknown"]),
  /** Luminance (cd/m²) from which a pixel counts as clipped, and below which as crushed. */
  clipAt: z.number(),
  crushAt: z.number(),
  /** Shares of all analysed pixels (0..1). */
  clippedHighlights: z.number(),
  crushedShadows: z.number(),
  /** The worst frame for each. */
  worstClipped: z.object({ t: z.number(), share: z.number() }),
  worstCrushed: z.object({ t: z.number(), share: z.number() }),
});

export const CameraMoveAdherence = z.object({
  annotationId: z.string(),
  kind: z.literal("cameraMove"),
  expected: z.object({ dx: z.number(), dy: z.number(), start: z.number(), end: z.number() }),
  measured: z.object({ dx: z.number(), dy: z.number(), start: z.number().nullable(), end: z.number().nullable() }),
  /** Angle between asked and measured move in picture space (pixels), degrees. */
  directionError: z.number(),
  /** (measured length / asked length − 1) · 100; negative = short. */
  amountError: z.number(),
  /** Measured minus asked time of half the move done (s); positive = late. */
  timingError: z.number().nullable(),
  startError: z.number().nullable(),
  endError: z.number().nullable(),
  phrase: z.string(),
  ...MeasuredWith,
});

export const FramingAdherence = z.object({
  annotationId: z.string(),
  kind: z.literal("framingBox"),
  t: z.number(),
  /** The window the box asks for and the measured one, in first-frame fractions. */
  expected: z.object({ x: z.number(), y: z.number(), zoom: z.number() }),
  measured: z.object({ x: z.number(), y: z.number(), zoom: z.number() }),
  /** Centre distance in % of frame width (picture space). */
  centreError: z.number(),
  /** (measured / asked zoom − 1) · 100. */
  zoomError: z.number(),
  /** Mean distance of window corners from the box's, % of frame width. */
  boxError: z.number(),
  /** Measured minus asked time the move to the box was half done (s), when the box moves the camera. */
  timingError: z.number().nullable(),
  phrase: z.string(),
  ...MeasuredWith,
});

/** A drawn subject path: what was under its first point, followed with the camera's move taken out. */
export const SubjectPathAdherence = z.object({
  annotationId: z.string(),
  kind: z.literal("subjectPath"),
  label: z.string(),
  /** First point to last, first-frame fractions, and the times asked. */
  expected: z.object({ dx: z.number(), dy: z.number(), start: z.number(), end: z.number() }),
  /** What the subject did over the same span (plus slack for a late one); null when it could not be followed. */
  actual: z.object({ dx: z.number(), dy: z.number(), start: z.number().nullable(), end: z.number().nullable() }).nullable(),
  directionError: z.number().nullable(),
  amountError: z.number().nullable(),
  timingError: z.number().nullable(),
  /** The followed course, first-frame fractions (camera removed), a few samples a second. */
  course: z.array(z.object({ t: z.number(), x: z.number(), y: z.number() })),
  phrase: z.string(),
  /** 0..1: the camera's confidence over the span times how much of the subject was kept. */
  confidence: z.number(),
  /** False: the subject could not be followed, or the camera under it not measured; nothing scored. */
  measurable: z.boolean(),
});

export const HoldAdherence = z.object({
  annotationId: z.string(),
  kind: z.literal("hold"),
  label: z.string(),
  /** How far the pinned region's content moved beyond the camera's own move, % of frame width. */
  maxDrift: z.number(),
  meanDrift: z.number(),
  /** Worst match of the region to how it started (NCC after alignment). */
  minMatch: z.number(),
  phrase: z.string(),
  /** Where the region's content ended up against where the camera puts it (% of frame width and height; absent before issue 12). */
  dx: z.number().optional(),
  dy: z.number().optional(),
  ...MeasuredWith,
});

export const Adherence = z.object({
  cameraMoves: z.array(CameraMoveAdherence),
  framing: z.array(FramingAdherence),
  holds: z.array(HoldAdherence),
  /** One per drawn subject path (empty in critiques before issue 12). */
  subjects: z.array(SubjectPathAdherence).default([]),
  /** When the direction asks for a static camera: how far the camera drifted (% of frame width). */
  staticDrift: z.number().nullable(),
  /** False when a static camera was asked but its stillness could not be measured. */
  staticMeasured: z.boolean().optional(),
  /** RMS distance of the measured path from the directed one, % of frame width. */
  pathError: z.number(),
  /** Annotations the critic does not measure (notes), by id. */
  notMeasured: z.array(z.string()),
});

/**
 * What a vision-language model believes about the take (issue 20), kept apart from the
 * measurements above: the critic measured those; the judge looked at a handful of frames and
 * says what it sees, each finding with the time of the frame it saw it in and its own confidence.
 */
export const JudgeArtefactKind = z.enum(["morphing", "extraLimbs", "missingLimbs", "garbledText", "pop", "identityDrift", "physics", "other"]);
export type JudgeArtefactKind = z.infer<typeof JudgeArtefactKind>;

export const JudgeFinding = z.object({
  /** Seconds from the take's start (the frame the model saw it in). */
  t: z.number(),
  kind: JudgeArtefactKind,
  /** 0..1, the model's own: a belief, not a measurement. */
  confidence: z.number().min(0).max(1),
  /** Where in the frame (fractions, origin top-left), when the model said. */
  where: z.object({ x: z.number(), y: z.number(), w: z.number(), h: z.number() }).nullable(),
  /** The model's words, shown to the editor as they came. */
  note: z.string(),
});
export type JudgeFinding = z.infer<typeof JudgeFinding>;

/** "yes" | "partly" | "no", with the model's confidence, and why in its words. */
export const JudgeVerdict = z.object({ verdict: z.enum(["yes", "partly", "no"]), confidence: z.number().min(0).max(1), note: z.string() });
export type JudgeVerdict = z.infer<typeof JudgeVerdict>;

export const JudgeSection = z.object({
  /** The service that saw the frames, and its model ("gemini", "gemini-2.5-flash"). */
  service: z.string(),
  model: z.string(),
  /** "judged": the answer below; "failed": no answer (`error` says why) and nothing was scored. */
  state: z.enum(["judged", "failed"]),
  error: z.object({ code: z.enum(["refused", "rate_limited", "timeout", "malformed", "http", "frames", "budget"]), message: z.string() }).nullable(),
  /** Does the take show what the prompt asks, and does the asked action happen. */
  subject: JudgeVerdict.nullable(),
  action: JudgeVerdict.nullable(),
  findings: z.array(JudgeFinding),
  /** Times (s) of the take's frames the model was shown. */
  frameTimes: z.array(z.number()),
  /** What the call cost: estimated before, counted from the response's usage after (still a price-table figure: `estimated` stays true until the price is confirmed). */
  cost: z.object({ usd: z.number(), estimated: z.boolean(), inputTokens: z.number(), outputTokens: z.number() }),
  /** Attempts made (a malformed answer is asked again once). */
  attempts: z.number().int(),
  latencyMs: z.number(),
  /** The score from the measurements alone, before the judge's penalties were added. */
  measuredScore: z.number(),
});
export type JudgeSection = z.infer<typeof JudgeSection>;

export const Critique = z.object({
  version: z.literal(1),
  clip: z.object({
    width: z.number(),
    height: z.number(),
    fps: z.number(),
    frames: z.number(),
    duration: z.number(),
    analysis: z.object({ width: z.number(), height: z.number() }),
    transfer: z.string(),
    primaries: z.string(),
  }),
  camera: CameraMeasurement,
  continuity: ContinuityMeasurement,
  stability: StabilityMeasurement,
  exposure: ExposureMeasurement,
  adherence: Adherence.nullable(),
  /** 0–100: 100 less the penalties listed in `penalties`. */
  score: z.number().min(0).max(100),
  penalties: z.array(z.object({ aspect: z.string(), points: z.number(), reason: z.string() })),
  /** One plain-language paragraph for the editor. */
  critique: z.string(),
  /** The same findings as a list, worst first. */
  issues: z.array(z.string()),
  /** Seconds the analysis took. */
  elapsed: z.number(),
  /** The vision-model judge's findings (issue 20); absent when no judge looked (no key, or off for the project). */
  judge: JudgeSection.optional(),
  /** Upscale takes: whether the upscale kept its source take's picture (upscaleCheck.ts). */
  upscale: UpscaleCheck.optional(),
});
export type Critique = z.infer<typeof Critique>;
export type Adherence = z.infer<typeof Adherence>;
export type CameraMoveAdherence = z.infer<typeof CameraMoveAdherence>;
export type FramingAdherence = z.infer<typeof FramingAdherence>;
export type HoldAdherence = z.infer<typeof HoldAdherence>;
export type SubjectPathAdherence = z.infer<typeof SubjectPathAdherence>;
export type StabilityMeasurement = z.infer<typeof StabilityMeasurement>;
export type ExposureMeasurement = z.infer<typeof ExposureMeasurement>;
export type ContinuityMeasurement = z.infer<typeof ContinuityMeasurement>;
