import { z } from "zod";

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
});

export const CameraMeasurement = z.object({
  path: z.array(CameraPathSample),
  /** Mean window-centre velocity over the clip, frame fractions per second (x right, y down). */
  velocity: z.object({ x: z.number(), y: z.number() }),
  /** Mean zoom change per second ((last − first) / duration; > 0 pushes in). */
  zoomRate: z.number(),
  /** Roll at the end of the clip, degrees clockwise (the path itself leaves roll out). */
  finalRoll: z.number(),
  /** Median frame-to-anchor match (NCC) of the tracking; low values mean the path is less reliable. */
  trackingConfidence: z.number(),
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
});

export const Adherence = z.object({
  cameraMoves: z.array(CameraMoveAdherence),
  framing: z.array(FramingAdherence),
  holds: z.array(HoldAdherence),
  /** When the direction asks for a static camera: how far the camera drifted (% of frame width). */
  staticDrift: z.number().nullable(),
  /** RMS distance of the measured path from the directed one, % of frame width. */
  pathError: z.number(),
  /** Annotations the critic cannot measure yet (subjects, notes), by id. */
  notMeasured: z.array(z.string()),
});

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
});
export type Critique = z.infer<typeof Critique>;
export type Adherence = z.infer<typeof Adherence>;
export type CameraMoveAdherence = z.infer<typeof CameraMoveAdherence>;
export type FramingAdherence = z.infer<typeof FramingAdherence>;
export type HoldAdherence = z.infer<typeof HoldAdherence>;
export type StabilityMeasurement = z.infer<typeof StabilityMeasurement>;
export type ExposureMeasurement = z.infer<typeof ExposureMeasurement>;
export type ContinuityMeasurement = z.infer<typeof ContinuityMeasurement>;
