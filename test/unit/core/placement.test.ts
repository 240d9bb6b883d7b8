import { describe, expect, it } from "vitest";
import {
  findExtendPlacement,
  findPlacement,
  findShotUnderPlayhead,
  NO_SHOT_TO_EXTEND_MESSAGE,
} from "../../../src/core/placement.js";
import type { VideoTrack } from "../../../src/core/schemas/index.js";

/**
 * Timelines written bottom track first: each track is a list of [start, end] clips, named
 * "V<n>.<k>" (V1.1 is the first clip on V1), so a test reads like the timeline it describes.
 */
type Layout = Array<Array<[number, number]>>;
function timeline(layout: Layout): VideoTrack[] {
  return layout.map((clips, index) => ({
    index,
    name: `V${index + 1}`,
    clips: clips.map(([start, end], k) => ({ name: `V${index + 1}.${k + 1}`, start, end })),
  }));
}

describe("findPlacement (Insert)", () => {
  const cases: Array<{ name: string; layout: Layout; start: number; duration: number; track: number; newTrack: boolean }> = [
    { name: "sequence with no tracks: a new V1", layout: [], start: 0, duration: 5, track: 0, newTrack: true },
    { name: "one empty track: V1", layout: [[]], start: 2, duration: 5, track: 0, newTrack: false },
    { name: "three empty tracks: V1", layout: [[], [], []], start: 2, duration: 5, track: 0, newTrack: false },
    { name: "one clip under the range, only V1: a new V2", layout: [[[0, 10]]], start: 2, duration: 5, track: 1, newTrack: true },
    { name: "one clip under the range, V2 exists: V2", layout: [[[0, 10]], []], start: 2, duration: 5, track: 1, newTrack: false },
    { name: "clip overlaps only the take's tail: above it", layout: [[[6, 10]], []], start: 2, duration: 5, track: 1, newTrack: false },
    { name: "clip overlaps only the take's head: above it", layout: [[[0, 3]], []], start: 2, duration: 5, track: 1, newTrack: false },
    { name: "clip inside the range: above it", layout: [[[3, 4]], []], start: 2, duration: 5, track: 1, newTrack: false },
    { name: "clip ends where the take starts (touching): V1", layout: [[[0, 2]], []], start: 2, duration: 5, track: 0, newTrack: false },
    { name: "clip starts where the take ends (touching): V1", layout: [[[7, 9]], []], start: 2, duration: 5, track: 0, newTrack: false },
    { name: "clips touching both ends, gap exactly the take: V1", layout: [[[0, 2], [7, 9]]], start: 2, duration: 5, track: 0, newTrack: false },
    { name: "gap one frame too short: a new V2", layout: [[[0, 2], [6.96, 9]]], start: 2, duration: 5, track: 1, newTrack: true },
    { name: "clips elsewhere on the timeline only: V1", layout: [[[0, 1], [20, 30]], [[40, 50]]], start: 5, duration: 5, track: 0, newTrack: false },
    { name: "V1 free, V2 occupied in range: above V2, not the gap in V1", layout: [[], [[4, 6]], []], start: 2, duration: 5, track: 2, newTrack: false },
    { name: "V1 and V3 occupied, V2 free: above V3", layout: [[[0, 10]], [], [[5, 6]], []], start: 2, duration: 5, track: 3, newTrack: false },
    { name: "crowded: every track occupied: a new track on top", layout: [[[0, 10]], [[1, 3]], [[6, 8]]], start: 2, duration: 5, track: 3, newTrack: true },
    { name: "crowded, top track free: the top track", layout: [[[0, 10]], [[1, 3]], [[6, 8]], [[20, 25]]], start: 2, duration: 5, track: 3, newTrack: false },
    {
      name: "touching edges stay free despite float noise (100/24 vs 4.1666…)",
      layout: [[[0, 100 / 24]], []],
      start: 4.166666666666666,
      duration: 2,
      track: 0,
      newTrack: false,
    },
    { name: "zero-length clip in range is not an obstacle", layout: [[[3, 3]]], start: 2, duration: 5, track: 0, newTrack: false },
  ];

  it.each(cases)("$name", ({ layout, start, duration, track, newTrack }) => {
    const placement = findPlacement(timeline(layout), start, duration);
    expect(placement).toEqual({ trackIndex: track, start, end: start + duration, newTrack });
  });

  it("never changes the tracks it is given", () => {
    const tracks = timeline([[[0, 10]], [[1, 3]]]);
    const before = structuredClone(tracks);
    findPlacement(tracks, 2, 5);
    findExtendPlacement(tracks, 5, 5);
    expect(tracks).toEqual(before);
  });

  it("uses each track's own index, whatever order the tracks come in", () => {
    const tracks = timeline([[[0, 10]], [], []]).reverse();
    expect(findPlacement(tracks, 2, 5)).toMatchObject({ trackIndex: 1, newTrack: false });
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])("refuses a duration of %s", (duration) => {
    expect(() => findPlacement(timeline([[]]), 0, duration)).toThrow(/duration must be a positive number/);
  });
});

describe("findExtendPlacement (Extend)", () => {
  const cases: Array<{
    name: string;
    layout: Layout;
    playhead: number;
    duration: number;
    track: number;
    newTrack: boolean;
    start: number;
    extends: { trackIndex: number; name: string; end: number };
  }> = [
    {
      name: "lone clip, room after it: same track, from its end",
      layout: [[[0, 10]]],
      playhead: 4,
      duration: 5,
      track: 0,
      newTrack: false,
      start: 10,
      extends: { trackIndex: 0, name: "V1.1", end: 10 },
    },
    {
      name: "playhead on the clip's first frame",
      layout: [[[2, 6]]],
      playhead: 2,
      duration: 3,
      track: 0,
      newTrack: false,
      start: 6,
      extends: { trackIndex: 0, name: "V1.1", end: 6 },
    },
    {
      name: "next clip touches the end of the take: same track",
      layout: [[[0, 4], [9, 12]]],
      playhead: 1,
      duration: 5,
      track: 0,
      newTrack: false,
      start: 4,
      extends: { trackIndex: 0, name: "V1.1", end: 4 },
    },
    {
      name: "next clip follows straight on: first free track above (existing V2)",
      layout: [[[0, 4], [4, 12]], []],
      playhead: 1,
      duration: 5,
      track: 1,
      newTrack: false,
      start: 4,
      extends: { trackIndex: 0, name: "V1.1", end: 4 },
    },
    {
      name: "next clip follows straight on, only V1: a new V2",
      layout: [[[0, 4], [4, 12]]],
      playhead: 1,
      duration: 5,
      track: 1,
      newTrack: true,
      start: 4,
      extends: { trackIndex: 0, name: "V1.1", end: 4 },
    },
    {
      name: "stacked shots: extends the top one, on its own track",
      layout: [[[0, 20]], [[3, 6]]],
      playhead: 4,
      duration: 2,
      track: 1,
      newTrack: false,
      start: 6,
      extends: { trackIndex: 1, name: "V2.1", end: 6 },
    },
    {
      name: "stacked shots, top track busy after the shot: above everything in that range",
      layout: [[[0, 20]], [[3, 6], [7, 9]], [[10, 12]], []],
      playhead: 4,
      duration: 2,
      track: 2,
      newTrack: false,
      start: 6,
      extends: { trackIndex: 1, name: "V2.1", end: 6 },
    },
    {
      name: "higher tracks with clips away from the playhead do not count as the shot",
      layout: [[[0, 10]], [[20, 30]]],
      playhead: 5,
      duration: 3,
      track: 0,
      newTrack: false,
      start: 10,
      extends: { trackIndex: 0, name: "V1.1", end: 10 },
    },
    {
      name: "playhead exactly at a cut: the incoming clip is the shot",
      layout: [[[0, 4], [4, 8]]],
      playhead: 4,
      duration: 2,
      track: 0,
      newTrack: false,
      start: 8,
      extends: { trackIndex: 0, name: "V1.2", end: 8 },
    },
  ];

  it.each(cases)("$name", ({ layout, playhead, duration, track, newTrack, start, extends: extendsClip }) => {
    expect(findExtendPlacement(timeline(layout), playhead, duration)).toEqual({
      trackIndex: track,
      start,
      end: start + duration,
      newTrack,
      extendsClip,
    });
  });

  const noShot: Array<{ name: string; layout: Layout; playhead: number }> = [
    { name: "no tracks", layout: [], playhead: 0 },
    { name: "empty tracks", layout: [[], []], playhead: 3 },
    { name: "playhead in a gap", layout: [[[0, 2], [5, 8]]], playhead: 3 },
    { name: "playhead at the very end of the last clip", layout: [[[0, 10]]], playhead: 10 },
    { name: "playhead past the end of the timeline", layout: [[[0, 10]]], playhead: 42 },
  ];

  it.each(noShot)("no shot under the playhead ($name): tells the editor what to do", ({ layout, playhead }) => {
    expect(() => findExtendPlacement(timeline(layout), playhead, 5)).toThrow(NO_SHOT_TO_EXTEND_MESSAGE);
    expect(NO_SHOT_TO_EXTEND_MESSAGE).toBe("No shot under the playhead to extend: park the playhead on a clip, or use Insert.");
  });
});

describe("findShotUnderPlayhead", () => {
  it("picks the clip on the highest track that has one at the playhead", () => {
    const shot = findShotUnderPlayhead(timeline([[[0, 10]], [[2, 5]], [[8, 9]]]), 3);
    expect(shot).toMatchObject({ trackIndex: 1, clip: { name: "V2.1" } });
  });
});
