import { BridgeError } from "../../core/bridge/index.js";
import { SequenceColorSpace, type SequenceContext, type TrackClip, type VideoTrack } from "../../core/schemas/index.js";
import { frameRateFromTicksPerFrame, frameToTimecode, isDropFrameRate, ticksToFrame, ticksToSeconds, timePointAt } from "../../core/time.js";
import type { FrameRate, TimePoint } from "../../core/schemas/frameContext.js";
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
  return (await readFullContext(ppro, project, sequence)).live;
}

/** Everything the cheap poll needs to tell "nothing changed" and to describe a new playhead. */
interface ContextSnapshot {
  live: LiveSequence;
  identity: string;
  zeroTicks: string;
}

async function readFullContext(ppro: PremiereApi, project: PProject, sequence: PSequence): Promise<ContextSnapshot> {
  try {
    const settings = await sequence.getSettings();
    const [frameRect, pixelAspect, frameRate, playhead, end, maxBitDepth, compositeInLinear, colorSpace, videoTracks, zeroPoint] = await Promise.all([
      sequence.getFrameSize(),
      settings.getVideoPixelAspectRatio().then(parsePixelAspect, () => 1),
      readFrameRate(sequence, settings),
      sequence.getPlayerPosition(),
      sequence.getEndTime(),
      settings.getMaximumBitDepth().catch(() => undefined),
      settings.getCompositeInLinearColor().catch(() => undefined),
      readColorSpace(ppro, sequence),
      readVideoTracks(ppro, sequence),
      readZeroPoint(sequence),
    ]);
    const dropFrame = await readDropFrame(ppro, sequence, frameRate);
    const context: SequenceContext = {
      host: "premierepro",
      projectName: project.name.replace(/\.prproj$/i, ""),
      sequenceName: sequence.name,
      frameSize: { width: Math.round(frameRect.width), height: Math.round(frameRect.height) },
      pixelAspect,
      frameRate,
      dropFrame,
      colorSpace: colorSpace.value,
      ...(colorSpace.assumed ? { colorSpaceAssumed: true as const } : {}),
      ...(maxBitDepth === undefined ? {} : { maxBitDepth }),
      ...(compositeInLinear === undefined ? {} : { compositeInLinear }),
      playhead: playheadPoint(playhead.ticks, frameRate, dropFrame, zeroPoint),
      durationSeconds: Math.max(0, ticksToSeconds(end.ticks)),
      videoTracks,
    };
    return { live: { project, sequence, context }, identity: identityOf(project, sequence, end.ticks, videoTracks.length), zeroTicks: zeroPoint };
  } catch (error) {
    if (error instanceof BridgeError) throw error;
    throw hostError(PremiereErrorCode.internal, `Premiere did not describe the sequence "${sequence.name}": ${describe(error)}`);
  }
}

/**
 * The playhead as the panel shows it: ticks, seconds and frame from the sequence's start (what
 * getPlayerPosition gives, as ExtendScript's did: live check), and the timecode Premiere displays,
 * which starts at the sequence's zero point (often 01:00:00:00).
 */
export function playheadPoint(ticks: string, rate: FrameRate, dropFrame: boolean, zeroTicks: string): TimePoint {
  const point = timePointAt(ticks, rate, dropFrame);
  const zeroFrame = ticksToFrame(zeroTicks, rate, "nearest");
  return zeroFrame === 0 ? point : { ...point, timecode: frameToTimecode(point.frame + zeroFrame, rate, dropFrame) };
}

async function readZeroPoint(sequence: PSequence): Promise<string> {
  if (typeof sequence.getZeroPoint !== "function") return "0";
  try {
    return (await sequence.getZeroPoint()).ticks;
  } catch {
    return "0";
  }
}

/**
 * Drop-frame as the sequence displays it: 29.97 and 59.94 sequences can be set to non-drop
 * (SequenceSettings.VIDEO_DISPLAY_FORMAT_2997_NON_DROP); without the getter, drop-frame is
 * assumed for those rates, as before.
 */
async function readDropFrame(ppro: PremiereApi, sequence: PSequence, rate: FrameRate): Promise<boolean> {
  if (!isDropFrameRate(rate)) return false;
  const nonDrop = ppro.SequenceSettings?.VIDEO_DISPLAY_FORMAT_2997_NON_DROP;
  if (nonDrop === undefined || typeof sequence.getSequenceVideoTimeDisplayFormat !== "function") return true;
  try {
    return (await sequence.getSequenceVideoTimeDisplayFormat()).type !== nonDrop;
  } catch {
    return true;
  }
}

function identityOf(project: PProject, sequence: PSequence, endTicks: string, trackCount: number): string {
  return JSON.stringify([project.path, sequence.name, endTicks, trackCount]);
}

/** How long a described sequence is trusted while its identity (name, end, track count) stays the same. */
export const CONTEXT_MAX_AGE_MS = 5_000;

/**
 * host.context, light on Premiere: every call to Premiere runs on its main thread, and a full
 * description costs about three calls per clip. The panel polls often, so a poll first asks the
 * cheap things (project, sequence, playhead, end, track count: five calls) and answers from the
 * last full description when none of the identity changed and it is younger than maxAgeMs; any
 * change (another sequence, an edit that moves the end or adds a track) or age reads in full.
 * Capture and import always read in full (readSequenceContext), so they never act on a stale view.
 */
export function createContextReader(ppro: PremiereApi, options: { maxAgeMs?: number; now?: () => number } = {}) {
  const maxAge = options.maxAgeMs ?? CONTEXT_MAX_AGE_MS;
  const now = options.now ?? Date.now;
  let cached: (ContextSnapshot & { at: number }) | undefined;
  return {
    async read(): Promise<SequenceContext> {
      const { project, sequence } = await activeProjectAndSequence(ppro);
      if (cached && now() - cached.at < maxAge) {
        try {
          const [playhead, end, count] = await Promise.all([sequence.getPlayerPosition(), sequence.getEndTime(), sequence.getVideoTrackCount()]);
          if (identityOf(project, sequence, end.ticks, count) === cached.identity) {
            const { context } = cached.live;
            return { ...context, playhead: playheadPoint(playhead.ticks, context.frameRate, context.dropFrame, cached.zeroTicks) };
          }
        } catch {
          // fall through to a full read, which says what failed
        }
      }
      const snapshot = await readFullContext(ppro, project, sequence);
      cached = { ...snapshot, at: now() };
      return snapshot.live.context;
    },
    /** Forget the last description (after an edit of our own). */
    invalidate(): void {
      cached = undefined;
    },
  };
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

/**
 * The color space set for Retake on the sequence, or Rec.709 *assumed*: the sequence's own settings
 * cannot tell HDR (26.3's SequenceSettings has bit depth and linear compositing, which SDR
 * sequences use too, and no working or output color space), so without the property the panel
 * is told it is a guess rather than shown Rec.709 as fact.
 */
async function readColorSpace(ppro: PremiereApi, sequence: PSequence): Promise<{ value: SequenceColorSpace; assumed: boolean }> {
  try {
    const props = await ppro.Properties.getProperties(sequence);
    if (!props.hasValue(COLOR_SPACE_PROPERTY)) return { value: "rec709", assumed: true };
    const parsed = SequenceColorSpace.safeParse(props.getValue(COLOR_SPACE_PROPERTY));
    return parsed.success ? { value: parsed.data, assumed: false } : { value: "rec709", assumed: true };
  } catch {
    return { value: "rec709", assumed: true };
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
