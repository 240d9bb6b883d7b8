import { z } from "zod";
import { Annotation, Ease, Point, Rect } from "./annotation.js";

/**
 * The view window of the camera over the captured still at one instant:
 * centre (x, y) in fractions of the frame, zoom = frame width / window width (1 = whole frame,
 * 2 = pushed in twofold), roll in degrees (clockwise positive).
 */
export const CameraState = z.object({
  x: z.number(),
  y: z.number(),
  zoom: z.number().positive(),
  roll: z.number(),
});
export type CameraState = z.infer<typeof CameraState>;

/** A keyframe; `ease` shapes the segment that arrives at this keyframe from the previous one. */
export const CameraKeyframe = CameraState.extend({
  t: z.number().nonnegative(),
  ease: Ease,
});
export type CameraKeyframe = z.infer<typeof CameraKeyframe>;

export const Conflict = z.object({
  code: z.enum([
    "opposing-moves",
    "box-outside-frame",
    "path-times-out-of-order",
    "leaves-frame",
    "beyond-duration",
  ]),
  message: z.string(),
  annotationIds: z.array(z.string()),
  /** Generative providers can invent the missing pixels; previz shows them as edge-extended. */
  acceptableForGenerative: z.boolean(),
  /**
   * Set (true) when the editor accepted an acceptable-for-generative conflict on every drawing it
   * names: it stays listed so nothing is hidden, but no longer asks for attention.
   */
  accepted: z.boolean().optional(),
});
export type Conflict = z.infer<typeof Conflict>;

/** The compiled, provider-neutral direction. Every provider renders from this. */
export const Direction = z.object({
  prompt: z.string(),
  duration: z.number().positive(),
  annotations: z.array(Annotation),
  camera: z.object({ keyframes: z.array(CameraKeyframe).min(1) }),
  framing: z.array(z.object({ t: z.number(), rect: Rect, annotationId: z.string(), endFraming: z.boolean() })),
  subjects: z.array(z.object({ annotationId: z.string(), label: z.string(), points: z.array(Point.extend({ t: z.number() })) })),
  holds: z.array(z.object({ annotationId: z.string(), label: z.string(), rect: Rect, shape: z.enum(["point", "region"]).optional() })),
  notes: z.array(z.object({ annotationId: z.string(), at: Point, text: z.string() })),
  summary: z.string(),
  conflicts: z.array(Conflict),
});
export type Direction = z.infer<typeof Direction>;
