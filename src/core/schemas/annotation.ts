import { z } from "zod";

/**
 * Annotations are what the editor draws. Conventions (DESIGN.md):
 * - coordinates are fractions of the frame, 0..1, origin top-left (values outside 0..1 are
 *   allowed so a conflict can be reported rather than silently clamped);
 * - times are seconds from the take's start.
 */
export const Point = z.object({ x: z.number(), y: z.number() });
export type Point = z.infer<typeof Point>;

export const Rect = z.object({
  x: z.number(),
  y: z.number(),
  w: z.number().positive(),
  h: z.number().positive(),
});
export type Rect = z.infer<typeof Rect>;

export const Ease = z.enum(["linear", "ease-in", "ease-out", "ease-in-out"]);
export type Ease = z.infer<typeof Ease>;

const base = { id: z.string().min(1) };

/**
 * The camera's own move. An arrow pointing right means "camera pans right": the view window
 * travels right over the scene, so picture content travels left.
 */
export const CameraMoveAnnotation = z.object({
  ...base,
  kind: z.literal("cameraMove"),
  from: Point,
  to: Point,
  start: z.number().nonnegative(),
  end: z.number().nonnegative(),
  ease: Ease.default("ease-in-out"),
  /**
   * The editor accepted that this move needs picture beyond the still's edges (a generative
   * provider invents it). Its "leaves-frame" conflict is then reported as accepted, not dropped.
   */
  acceptInvented: z.boolean().optional(),
});

/** The region that must fill the frame at `time` (a push-in when smaller than the frame). */
export const FramingBoxAnnotation = z.object({
  ...base,
  kind: z.literal("framingBox"),
  rect: Rect,
  time: z.number().nonnegative(),
  ease: Ease.default("ease-in-out"),
  endFraming: z.boolean().default(false),
  /** As on a camera move: the editor accepted invented picture for this box. */
  acceptInvented: z.boolean().optional(),
});

export const SubjectPathAnnotation = z.object({
  ...base,
  kind: z.literal("subjectPath"),
  label: z.string().default(""),
  points: z.array(Point.extend({ t: z.number().nonnegative().optional() })).min(2),
});

/** Whether a hold pins one spot (the rect's centre; the rect is only its hit area) or a region. */
export const HoldShape = z.enum(["point", "region"]);
export type HoldShape = z.infer<typeof HoldShape>;

export const HoldAnnotation = z.object({
  ...base,
  kind: z.literal("hold"),
  label: z.string().default(""),
  rect: Rect,
  /** Absent means "region" (the skeleton's only kind of hold). */
  shape: HoldShape.optional(),
});

export const NoteAnnotation = z.object({
  ...base,
  kind: z.literal("note"),
  at: Point,
  text: z.string().min(1),
});

export const Annotation = z.discriminatedUnion("kind", [
  CameraMoveAnnotation,
  FramingBoxAnnotation,
  SubjectPathAnnotation,
  HoldAnnotation,
  NoteAnnotation,
]);
export type Annotation = z.infer<typeof Annotation>;
export type AnnotationInput = z.input<typeof Annotation>;
export type CameraMoveAnnotation = z.infer<typeof CameraMoveAnnotation>;
export type FramingBoxAnnotation = z.infer<typeof FramingBoxAnnotation>;
export type SubjectPathAnnotation = z.infer<typeof SubjectPathAnnotation>;
export type HoldAnnotation = z.infer<typeof HoldAnnotation>;
export type NoteAnnotation = z.infer<typeof NoteAnnotation>;
