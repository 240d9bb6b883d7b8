import type { Placement } from "./schemas/bridge.js";
import type { BridgeSpan, FrameRate, TrackClip, VideoTrack } from "./schemas/frameContext.js";

/**
 * Where a take lands on the timeline. Pure: shared by the browser harness (server side) and the
 * Premiere / After Effects hosts, so every host places takes by the same rule. Never moves or
 * trims anything already on the timeline: a take goes on a free stretch of track, or on a new
 * track above everything.
 *
 * Times are seconds from the sequence start; every range is half-open [start, end), so a clip
 * ending at 4 s and a take starting at 4 s touch but do not overlap.
 */

/**
 * Seconds treated as "the same instant". Seconds come from ticks or frame maths in floating point
 * (a clip ending at 100/24 s may read 4.166666666666667 on one side and ...666 on the other), so
 * exact comparison would call touching edges an overlap. 1 µs is far below one frame at any rate.
 */
export const TIME_EPSILON = 1e-6;

/** The result of an extend: where the take goes, and the shot it continues. */
export type ExtendPlacement = Placement & {
  extendsClip: { trackIndex: number; name: string; end: number };
};

export const NO_SHOT_TO_EXTEND_MESSAGE = "No shot under the playhead to extend: park the playhead on a clip, or use Insert.";

/**
 * True when the clip and [start, end) share more than an instant (touching ends do not count;
 * a zero-length clip, which a host can report for a marker-like item, covers nothing).
 */
export function clipOverlaps(clip: TrackClip, start: number, end: number): boolean {
  if (clip.end - clip.start <= TIME_EPSILON) return false;
  return clip.start < end - TIME_EPSILON && start < clip.end - TIME_EPSILON;
}

/** True when no clip on the track overlaps [start, end). */
export function isTrackFree(track: VideoTrack, start: number, end: number): boolean {
  return !track.clips.some((clip) => clipOverlaps(clip, start, end));
}

function checkRange(start: number, duration: number): void {
  if (!Number.isFinite(start)) throw new RangeError(`Placement start must be a finite number of seconds (got ${start}).`);
  if (!Number.isFinite(duration) || duration <= 0) {
    throw new RangeError(`A take's duration must be a positive number of seconds (got ${duration}).`);
  }
}

/** How many track slots the sequence has: indices run 0..count-1, so a new track gets `count`. */
function trackCount(tracks: VideoTrack[]): number {
  return tracks.reduce((count, track) => Math.max(count, track.index + 1), tracks.length);
}

/**
 * Insert: the take goes at `start` on the first video track above every track that has a clip
 * in [start, start + duration). With nothing in that range the take goes on V1 (index 0). Because
 * it sits above the highest occupied track, the next track up is free by construction; when there
 * is no such track, the host must add one (`newTrack: true`, `trackIndex` = current track count).
 *
 * Going above the occupied tracks (rather than into a lower gap) keeps the take visible: in
 * Premiere the topmost clip wins in the Program monitor.
 */
export function findPlacement(tracks: VideoTrack[], start: number, duration: number): Placement {
  checkRange(start, duration);
  const end = start + duration;
  let highestOccupied = -1;
  for (const track of tracks) {
    if (track.index > highestOccupied && !isTrackFree(track, start, end)) highestOccupied = track.index;
  }
  const trackIndex = highestOccupied + 1;
  const exists = tracks.some((track) => track.index === trackIndex);
  return exists
    ? { trackIndex, start, end, newTrack: false }
    : { trackIndex: trackCount(tracks), start, end, newTrack: true };
}

/**
 * The shot under the playhead: the clip containing it ([clip.start, clip.end)) on the highest
 * track that has one, i.e. the shot the editor sees in the Program monitor. Undefined when the
 * playhead is over empty timeline on every track.
 */
export function findShotUnderPlayhead(
  tracks: VideoTrack[],
  playheadSeconds: number,
): { trackIndex: number; clip: TrackClip } | undefined {
  let found: { trackIndex: number; clip: TrackClip } | undefined;
  for (const track of tracks) {
    if (found && track.index <= found.trackIndex) continue;
    const clip = track.clips.find(
      (c) => c.start <= playheadSeconds + TIME_EPSILON && playheadSeconds < c.end - TIME_EPSILON,
    );
    if (clip) found = { trackIndex: track.index, clip };
  }
  return found;
}

/**
 * Extend: the take continues the shot under the playhead, starting at that shot's end. It goes on
 * the shot's own track when [end, end + duration) is free there; otherwise on the first free track
 * above, by the same rule as Insert for the range starting at the shot's end.
 *
 * @throws Error when no clip is under the playhead (the message tells the editor what to do).
 */
export function findExtendPlacement(tracks: VideoTrack[], playheadSeconds: number, duration: number): ExtendPlacement {
  const shot = findShotUnderPlayhead(tracks, playheadSeconds);
  if (!shot) throw new Error(NO_SHOT_TO_EXTEND_MESSAGE);
  const start = shot.clip.end;
  checkRange(start, duration);
  const extendsClip = { trackIndex: shot.trackIndex, name: shot.clip.name, end: shot.clip.end };
  const ownTrack = tracks.find((track) => track.index === shot.trackIndex);
  if (ownTrack && isTrackFree(ownTrack, start, start + duration)) {
    return { trackIndex: shot.trackIndex, start, end: start + duration, newTrack: false, extendsClip };
  }
  return { ...findPlacement(tracks, start, duration), extendsClip };
}

// ---------------------------------------------------------------------------------------------
// Bridge: between two clips, anchored on both.

export const NO_BRIDGE_MESSAGE =
  "Nothing to bridge here: park the playhead inside a gap between two clips, or on a cut between two touching clips, on the same track.";

/** How near a cut the playhead must be (seconds) for Bridge to cover that cut. */
export const CUT_SNAP_SECONDS = 0.5;
/** The transition length offered for a cut when the editor has not picked one. */
export const DEFAULT_CUT_BRIDGE_SECONDS = 2;

/** The whole number of frames closest to `seconds` at `rate` (frame rate as num/den). */
function toFrames(seconds: number, rate: FrameRate): number {
  return Math.round((seconds * rate.num) / rate.den - 1e-9);
}

function toSeconds(frames: number, rate: FrameRate): number {
  return (frames * rate.den) / rate.num;
}

/**
 * Finds what Bridge would cover at the playhead, on the highest track that has something to
 * bridge there (the track the editor sees):
 * - a gap: the playhead is inside [A.end, B.start) with A and B on the same track → the take fills
 *   the gap exactly; A's anchor is its last frame, B's its first;
 * - a cut: A ends where B starts, within CUT_SNAP_SECONDS of the playhead → the take covers
 *   [cut − d/2, cut + d/2) (d rounded to whole frames, both halves too); A's anchor is its frame
 *   at the take's start, B's the frame right after the take's end, so neither is covered twice.
 *
 * @throws Error with NO_BRIDGE_MESSAGE when there is neither, or a message saying why a cut
 * cannot take d (A or B too short).
 */
export function findBridgeSpan(
  tracks: VideoTrack[],
  playheadSeconds: number,
  rate: FrameRate,
  cutSeconds: number = DEFAULT_CUT_BRIDGE_SECONDS,
): BridgeSpan {
  const frame = toSeconds(1, rate);
  const ordered = [...tracks].sort((x, y) => y.index - x.index);
  for (const track of ordered) {
    const clips = track.clips.filter((c) => c.end - c.start > TIME_EPSILON).sort((x, y) => x.start - y.start);
    for (let i = 0; i + 1 < clips.length; i++) {
      const a = clips[i]!;
      const b = clips[i + 1]!;
      const gap = b.start - a.end;
      const ref = (c: TrackClip) => ({ name: c.name, start: c.start, end: c.end });
      if (gap > TIME_EPSILON && playheadSeconds >= a.end - TIME_EPSILON && playheadSeconds < b.start - TIME_EPSILON) {
        const frames = toFrames(gap, rate);
        if (frames < 1) continue;
        return {
          kind: "gap",
          trackIndex: track.index,
          a: ref(a),
          b: ref(b),
          start: a.end,
          end: b.start,
          frames,
          startAnchor: a.end - frame,
          endAnchor: b.start,
        };
      }
      if (Math.abs(gap) <= TIME_EPSILON && Math.abs(playheadSeconds - a.end) <= CUT_SNAP_SECONDS + TIME_EPSILON) {
        const half = Math.max(1, toFrames(cutSeconds / 2, rate));
        const cutFrame = toFrames(a.end, rate);
        const start = toSeconds(cutFrame - half, rate);
        const end = toSeconds(cutFrame + half, rate);
        if (start < a.start - TIME_EPSILON) {
          throw new Error(`${a.name} is shorter than half the bridge (${(half * frame).toFixed(2)} s): pick a shorter bridge for this cut.`);
        }
        if (end + frame > b.end + TIME_EPSILON) {
          throw new Error(`${b.name} is shorter than half the bridge (${(half * frame).toFixed(2)} s): pick a shorter bridge for this cut.`);
        }
        return { kind: "cut", trackIndex: track.index, a: ref(a), b: ref(b), start, end, frames: 2 * half, startAnchor: start, endAnchor: end };
      }
    }
  }
  throw new Error(NO_BRIDGE_MESSAGE);
}

/**
 * Where a bridge take lands. A gap: on A and B's own track, exactly [A.end, B.start), which must
 * still be free (the editor may have moved something into it since the capture). A cut: on the
 * first free track above everything in [start, end), by Insert's rule, so A and B stay untouched.
 *
 * @throws Error when the gap has been filled meanwhile.
 */
export function findBridgePlacement(tracks: VideoTrack[], span: BridgeSpan): Placement {
  checkRange(span.start, span.end - span.start);
  if (span.kind === "cut") return findPlacement(tracks, span.start, span.end - span.start);
  const track = tracks.find((t) => t.index === span.trackIndex);
  if (!track) throw new Error(`The bridge's track (V${span.trackIndex + 1}) is gone: capture the bridge again.`);
  if (!isTrackFree(track, span.start, span.end)) {
    throw new Error(`The gap between ${span.a.name} and ${span.b.name} is no longer empty: capture the bridge again.`);
  }
  return { trackIndex: span.trackIndex, start: span.start, end: span.end, newTrack: false };
}
