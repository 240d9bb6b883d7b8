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
});
export type TrackClip = z.infer<typeof TrackClip>;

export const VideoTrack = z.object({
  index: z.number().int().nonnegative(),
  name: z.string(),
  clips: z.array(TrackClip),
});
export type VideoTrack = z.infer<typeof VideoTrack>;

/** Where a take goes: at the playhead (insert) or right after the shot under it (extend). */
export const PlacementMode = z.enum(["insert", "extend"]);
export type PlacementMode = z.infer<typeof PlacementMode>;

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
});
export type FrameContext = z.infer<typeof FrameContext>;
