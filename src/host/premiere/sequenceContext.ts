import { BridgeError } from "../../core/bridge/index.js";
import { SequenceColorSpace, type SequenceContext, type TrackClip, type VideoTrack } from "../../core/schemas/index.js";
import { frameRateFromTicksPerFrame, isDropFrameRate, ticksToSeconds, timePointAt } from "../../core/time.js";
import type { FrameRate } from "../../core/schemas/frameContext.js";
import { activeProjectAndSequence } from "./activeSequence.js";
import { describe, hostError, HostErrorCode as PremiereErrorCode } from "../uxp/errors.js";
import type { PProject, PremiereApi, PSequence, PSequenceSettings } from "./types.js";

/**
 * Sequence property that says which color space the sequence works in. Premiere's UXP API (26.3)
 * has no working/output color-space getter, so the panel's choice is kept on the sequence itself
 * (persistent, travels with the project); absent means Rec.709, Premiere's default.
 */
export const COLOR_SPACE_PROPERTY = "Retake.ColorSpace";

/** What the host knows about the sequence, plus the live objects the edit steps need. */
export interface LiveSequence {
  project: PProject;
  sequence: PSequence;
  context: SequenceContext;
}

export async function readSequenceContext(ppro: PremiereApi): Promise<LiveSequence> {
  const { project, sequence } = await activeProjectAndSequence(ppro);
  try {
    const settings = await sequence.getSettings();
    const [frameRect, pixelAspect, frameRate, playhead, end, maxBitDepth, compositeInLinear, colorSpace, videoTracks] = await Promise.all([
      sequence.getFrameSize(),
      settings.getVideoPixelAspectRatio().then(parsePixelAspect, () => 1),
      readFrameRate(sequence, settings),
      sequence.getPlayerPosition(),
      sequence.getEndTime(),
      settings.getMaximumBitDepth().catch(() => undefined),
      settings.getCompositeInLinearColor().catch(() => undefined),
      readColorSpace(ppro, sequence),
      readVideoTracks(ppro, sequence),
    ]);
    const dropFrame = isDropFrameRate(frameRate);
    const context: SequenceContext = {
      host: "premierepro",
      projectName: project.name.replace(/\.prproj$/i, ""),
      sequenceName: sequence.name,
      frameSize: { width: Math.round(frameRect.width), height: Math.round(frameRect.height) },
      pixelAspect,
      frameRate,
      dropFrame,
      colorSpace,
      ...(maxBitDepth === undefined ? {} : { maxBitDepth }),
      ...(compositeInLinear === undefined ? {} : { compositeInLinear }),
      playhead: timePointAt(playhead.ticks, frameRate, dropFrame),
      durationSeconds: Math.max(0, ticksToSeconds(end.ticks)),
      videoTracks,
    };
    return { project, sequence, context };
  } catch (error) {
    if (error instanceof BridgeError) throw error;
    throw hostError(PremiereErrorCode.internal, `Premiere did not describe the sequence "${sequence.name}": ${describe(error)}`);
  }
}

/** `getVideoFrameRate` (26.2+) when present, else the timebase (ticks per frame) everywhere. */
async function readFrameRate(sequence: PSequence, settings: PSequenceSettings): Promise<FrameRate> {
  if (typeof settings.getVideoFrameRate === "function") {
    try {
      const rate = settings.getVideoFrameRate();
      if (rate && rate.ticksPerFrame > 0) return frameRateFromTicksPerFrame(BigInt(Math.round(rate.ticksPerFrame)));
    } catch {
      // fall through to the timebase, which every version has
    }
  }
  return frameRateFromTicksPerFrame(await sequence.getTimebase());
}

/** Premiere reports pixel aspect as a string: "1", "1.0", "0.9091", "10:11" or "10/11". */
export function parsePixelAspect(raw: string): number {
  const ratio = /^\s*(\d+(?:\.\d+)?)\s*[:/]\s*(\d+(?:\.\d+)?)\s*$/.exec(raw);
  const value = ratio ? Number(ratio[1]) / Number(ratio[2]) : Number(raw);
  return Number.isFinite(value) && value > 0 ? value : 1;
}

async function readColorSpace(ppro: PremiereApi, sequence: PSequence) {
  try {
    const props = await ppro.Properties.getProperties(sequence);
    if (!props.hasValue(COLOR_SPACE_PROPERTY)) return "rec709" as const;
    const parsed = SequenceColorSpace.safeParse(props.getValue(COLOR_SPACE_PROPERTY));
    return parsed.success ? parsed.data : ("rec709" as const);
  } catch {
    return "rec709" as const;
  }
}

async function readVideoTracks(ppro: PremiereApi, sequence: PSequence): Promise<VideoTrack[]> {
  const count = await sequence.getVideoTrackCount();
  const tracks: VideoTrack[] = [];
  for (let index = 0; index < count; index++) {
    const track = await sequence.getVideoTrack(index);
    const items = track.getTrackItems(ppro.Constants.TrackItemType.CLIP, false);
    const clips: TrackClip[] = await Promise.all(
      items.map(async (item) => {
        const [name, start, end] = await Promise.all([item.getName(), item.getStartTime(), item.getEndTime()]);
        return { name, start: ticksToSeconds(start.ticks), end: ticksToSeconds(end.ticks) };
      }),
    );
    clips.sort((a, b) => a.start - b.start);
    tracks.push({ index, name: track.name || `V${index + 1}`, clips });
  }
  return tracks;
}
