import { z } from "zod";
import { SequenceColorSpace } from "./color.js";

/** Premiere ticks travel as decimal strings: they are what the host hands out, and exact. */
export const TicksString = z.string().regex(/^-?\d+$/, "ticks must be an integer written as a decimal string");

/** Frame rate as an exact rational (24000/1001 for 23.976). */
export const FrameRate = z.object({
  num: z.number().int().positive(),
  den: z.number().int().positive(),
});
export type FrameRate = z.infer<typeof FrameRate>;

export const TimePoint = z.object({
  ticks: TicksString,
  seconds: z.number(),
  frame: z.number().int(),
  timecode: z.string(),
});
export type TimePoint = z.infer<typeof TimePoint>;

export const TrackClip = z.object({
  name: z.string(),
  /** Seconds from the sequence start; end is exclusive. */
  start: z.number(),
  end: z.number(),
  mediaPath: z.string().optional(),
  /** Seconds into the media where the clip starts (its in point); absent means 0. */
  sourceIn: z.number().nonnegative().optional(),
});
export type TrackClip = z.infer<typeof TrackClip>;

export const VideoTrack = z.object({
  index: z.number().int().nonnegative(),
  name: z.string(),
  clips: z.array(TrackClip),
});
export type VideoTrack = z.infer<typeof VideoTrack>;

/**
 * Where a take goes: at the playhead (insert), right after the shot under it (extend), or between
 * two clips, anchored on both (bridge: fills a gap, or covers a cut on the track above).
 */
export const PlacementMode = z.enum(["insert", "extend", "bridge"]);
export type PlacementMode = z.infer<typeof PlacementMode>;

/** A clip a bridge is anchored on, as it sat on the timeline when the frames were captured. */
export const BridgeClip = z.object({ name: z.string(), start: z.number(), end: z.number() });
export type BridgeClip = z.infer<typeof BridgeClip>;

/**
 * The stretch of timeline a bridge covers, found by the host (core/placement findBridgeSpan):
 * - `gap`: clip A ends, nothing, clip B starts on the same track; the take fills [A.end, B.start)
 *   exactly, on that track.
 * - `cut`: A and B touch; the take covers [cut − d/2, cut + d/2) as a transition, on the first
 *   free track above, so nothing under it is touched.
 * The take's first frame is A's picture at `startAnchor` and its last B's at `endAnchor` (sequence
 * seconds of the captured frames). `frames` is the exact length in sequence frames.
 */
export const BridgeSpan = z.object({
  kind: z.enum(["gap", "cut"]),
  trackIndex: z.number().int().nonnegative(),
  a: BridgeClip,
  b: BridgeClip,
  start: z.number(),
  end: z.number(),
  frames: z.number().int().positive(),
  startAnchor: z.number(),
  endAnchor: z.number(),
  /** The captured end frame (B's picture); the FrameContext holding this span is A's. */
  endFrameId: z.string().min(1).optional(),
});
export type BridgeSpan = z.infer<typeof BridgeSpan>;

/**
 * After Effects: the project's color settings (File › Project Settings › Color), and where the
 * context's `colorSpace` came from: the working space itself, the choice Retake keeps in the
 * project (OCIO, or a working space that is none of Rec.709 / PQ / HLG), or Rec.709 by default.
 */
export const ProjectColorSettings = z.object({
  engine: z.enum(["adobe", "ocio"]),
  /** The working space's name as After Effects lists it ("" is None). */
  workingSpace: z.string(),
  bitsPerChannel: z.number().int().positive(),
  linearize: z.boolean(),
  /** The OCIO configuration file (OCIO only). */
  ocioConfig: z.string().optional(),
  colorSpaceFrom: z.enum(["working-space", "project-setting", "default"]),
});
export type ProjectColorSettings = z.infer<typeof ProjectColorSettings>;

/** After Effects: a layer of the comp, in comp seconds; index 1 is the top of the stack. */
export const CompLayer = z.object({
  index: z.number().int().positive(),
  name: z.string(),
  inPoint: z.number(),
  outPoint: z.number(),
});
export type CompLayer = z.infer<typeof CompLayer>;

/**
 * What the host says about the sequence the editor is working in. In After Effects the
 * "sequence" is the active composition, its current time is the playhead, and each layer is a
 * track of its own (bottom layer = index 0), holding one clip from its in point to its out point.
 */
export const SequenceContext = z.object({
  host: z.enum(["premierepro", "aftereffects", "browser"]),
  projectName: z.string(),
  sequenceName: z.string(),
  frameSize: z.object({ width: z.number().int().positive(), height: z.number().int().positive() }),
  pixelAspect: z.number().positive(),
  frameRate: FrameRate,
  dropFrame: z.boolean(),
  colorSpace: SequenceColorSpace,
  /**
   * True when the host cannot read the sequence's color space and the editor has not set one for
   * Retake (Premiere: no `Retake.ColorSpace` on the sequence, and its UXP API has no working color
   * space getter; After Effects: OCIO or an unlisted working space, with no kept choice).
   * `colorSpace` is then Rec.709 by assumption, wrong for an HDR sequence: the panel says so and
   * offers the choice (host.setSequenceColorSpace).
   */
  colorSpaceAssumed: z.literal(true).optional(),
  maxBitDepth: z.boolean().optional(),
  compositeInLinear: z.boolean().optional(),
  playhead: TimePoint,
  durationSeconds: z.number().nonnegative(),
  videoTracks: z.array(VideoTrack),
  /** After Effects: the selected layer (Extend continues it; Insert goes above it). */
  selectedLayer: CompLayer.optional(),
  /** After Effects: the project's color settings. */
  projectColor: ProjectColorSettings.optional(),
});
export type SequenceContext = z.infer<typeof SequenceContext>;

/** A captured still plus the context it was captured in. */
export const FrameContext = z.object({
  frameId: z.string().min(1),
  capturedAt: z.string(),
  image: z.object({
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    mediaType: z.enum(["image/png", "image/jpeg"]),
    bytes: z.number().int().nonnegative(),
  }),
  mode: PlacementMode,
  sequence: SequenceContext,
  /** Bridge only: the span the take covers and the end frame (this frame is the start, A's). */
  bridge: BridgeSpan.optional(),
});
export type FrameContext = z.infer<typeof FrameContext>;
