import type { Placement } from "../../core/schemas/index.js";
import { ticksToSeconds } from "../../core/time.js";
import type { PProjectItem, PremiereApi, PSequence } from "./types.js";

/**
 * Where a take's sound goes in Premiere. The placement edit itself carries it: insert and
 * overwrite take a video and an audio track index, and a project item with both picture and
 * sound lands as a video clip and its audio clip, linked, as a drag from the bin does (what the
 * 26.3 declarations offer: there is no separate "link" call, and no way to read a link back, so
 * the link is on the README's live-check list).
 *
 * The audio track is chosen so the editor's own sound is never overwritten:
 *  - a take going onto a new video track (an insert past the last track) gets a new audio track
 *    too, the index past the last one, which the declarations document as creating it;
 *  - a take overwritten onto an existing video track goes onto the first audio track that is free
 *    over its span; when none is, onto the index past the last (undocumented for overwrite: the
 *    read-back below then says whether Premiere made the track or placed no sound).
 */
export async function chooseAudioTrack(ppro: PremiereApi, sequence: PSequence, placement: Placement, halfFrameSeconds: number): Promise<number> {
  const count = await sequence.getAudioTrackCount();
  if (placement.newTrack) return count;
  for (let index = 0; index < count; index++) {
    const track = await sequence.getAudioTrack(index);
    const spans = await Promise.all(
      track.getTrackItems(ppro.Constants.TrackItemType.CLIP, false).map(async (clip) => {
        const [start, end] = await Promise.all([clip.getStartTime(), clip.getEndTime()]);
        return { start: ticksToSeconds(start.ticks), end: ticksToSeconds(end.ticks) };
      }),
    );
    const busy = spans.some((s) => s.start < placement.end - halfFrameSeconds && s.end > placement.start + halfFrameSeconds);
    if (!busy) return index;
  }
  return count;
}

/**
 * The take's audio clip as it is on the timeline after the edit: on `trackIndex`, of this project
 * item, starting with the picture (within half a frame). Undefined when it is not there.
 */
export async function readBackSound(
  ppro: PremiereApi,
  sequence: PSequence,
  item: PProjectItem,
  trackIndex: number,
  start: number,
  halfFrameSeconds: number,
): Promise<{ trackIndex: number; start: number; end: number } | undefined> {
  if (trackIndex >= (await sequence.getAudioTrackCount())) return undefined;
  const track = await sequence.getAudioTrack(trackIndex);
  const id = item.getId();
  for (const clip of track.getTrackItems(ppro.Constants.TrackItemType.CLIP, false)) {
    const [s, e, projectItem] = await Promise.all([clip.getStartTime(), clip.getEndTime(), clip.getProjectItem()]);
    const startSeconds = ticksToSeconds(s.ticks);
    if (projectItem?.getId() === id && Math.abs(startSeconds - start) <= halfFrameSeconds) {
      return { trackIndex, start: startSeconds, end: ticksToSeconds(e.ticks) };
    }
  }
  return undefined;
}
