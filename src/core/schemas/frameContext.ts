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

/** What the host says about the sequence the editor is working in. */
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
