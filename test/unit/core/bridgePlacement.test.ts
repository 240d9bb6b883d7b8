import { describe, expect, it } from "vitest";
import { fitBridge, retimeTaps, directionForGeneratedLength, speedWords } from "../../../src/core/bridgeFit.js";
import { compileDirection } from "../../../src/core/direction/index.js";
import { findBridgePlacement, findBridgeSpan, NO_BRIDGE_MESSAGE } from "../../../src/core/placement.js";
import { FrameContext, Take, type VideoTrack } from "../../../src/core/schemas/index.js";

const R24 = { num: 24, den: 1 };
const R2997 = { num: 30000, den: 1001 };
const clip = (name: string, start: number, end: number) => ({ name, start, end });
const tracks = (...v: Array<Array<ReturnType<typeof clip>>>): VideoTrack[] => v.map((clips, index) => ({ index, name: `V${index + 1}`, clips }));

describe("findBridgeSpan", () => {
  it("finds the gap around the playhead: fills it exactly, A's last frame to B's first", () => {
    const span = findBridgeSpan(tracks([clip("A", 0, 4), clip("B", 6.5, 10)]), 5, R24);
    expect(span).toMatchObject({ kind: "gap", trackIndex: 0, start: 4, end: 6.5, frames: 60, endAnchor: 6.5 });
    expect(span.startAnchor).toBeCloseTo(4 - 1 / 24, 12);
  });

  it("covers a cut near the playhead with d split into whole frames either side", () => {
    const span = findBridgeSpan(tracks([clip("A", 0, 5), clip("B", 5, 10)]), 5.3, R24, 2);
    expect(span).toMatchObject({ kind: "cut", start: 4, end: 6, frames: 48, startAnchor: 4, endAnchor: 6 });
  });

  it("keeps frame-exact lengths at 29.97", () => {
    const a = 100 / (30000 / 1001);
    const b = 175 / (30000 / 1001);
    const span = findBridgeSpan(tracks([clip("A", 0, a), clip("B", b, 10)]), a + 0.5, R2997);
    expect(span.frames).toBe(75);
  });

  it("prefers the track the editor sees (the highest with something to bridge)", () => {
    const span = findBridgeSpan(tracks([clip("A", 0, 4), clip("B", 6, 10)], [clip("C", 0, 3), clip("D", 7, 9)]), 5, R24);
    expect(span).toMatchObject({ trackIndex: 1, a: { name: "C" }, b: { name: "D" } });
  });

  it("refuses where there is nothing to bridge, and a cut whose clips are too short for d", () => {
    expect(() => findBridgeSpan(tracks([clip("A", 0, 10)]), 5, R24)).toThrow(NO_BRIDGE_MESSAGE);
    expect(() => findBridgeSpan(tracks([clip("A", 0, 4), clip("B", 6, 10)]), 8, R24)).toThrow(NO_BRIDGE_MESSAGE);
    expect(() => findBridgeSpan(tracks([clip("A", 0, 0.5), clip("B", 0.5, 10)]), 0.5, R24, 2)).toThrow(/A is shorter than half the bridge/);
  });
});

describe("findBridgePlacement", () => {
  it("a gap goes on its own track, exactly; a cut on the first free track above, nothing moved", () => {
    const t = tracks([clip("A", 0, 4), clip("B", 6.5, 10)], []);
    expect(findBridgePlacement(t, findBridgeSpan(t, 5, R24))).toEqual({ trackIndex: 0, start: 4, end: 6.5, newTrack: false });
    const cut = tracks([clip("A", 0, 5), clip("B", 5, 10)]);
    expect(findBridgePlacement(cut, findBridgeSpan(cut, 5, R24, 2))).toEqual({ trackIndex: 1, start: 4, end: 6, newTrack: true });
  });

  it("refuses a gap that was filled after the capture", () => {
    const t = tracks([clip("A", 0, 4), clip("B", 6.5, 10)]);
    const span = findBridgeSpan(t, 5, R24);
    t[0]!.clips.push(clip("X", 5, 5.5));
    expect(() => findBridgePlacement(t, span)).toThrow(/no longer empty/);
  });
});

describe("fitBridge and retimeTaps", () => {
  it("generates the shortest offered length at or above the span; the longest (slowed) when none is", () => {
    expect(fitBridge(2.5, [4, 6, 8])).toMatchObject({ generatedSeconds: 4, warn: true });
    expect(fitBridge(3.5, [4, 6, 8])).toMatchObject({ generatedSeconds: 4, warn: false });
    expect(fitBridge(9, [4, 6, 8])).toMatchObject({ generatedSeconds: 8 });
    expect(fitBridge(9, [4, 6, 8]).speed).toBeLessThan(1);
    expect(speedWords(1.2)).toBe("20 % faster");
    expect(speedWords(0.8)).toBe("20 % slower");
  });

  it("keeps the first and last source frames exactly", () => {
    const taps = retimeTaps(120, 72);
    expect(taps[0]).toEqual({ from: 0, to: 0, weight: 0 });
    expect(taps.at(-1)).toEqual({ from: 119, to: 119, weight: 0 });
    expect(taps).toHaveLength(72);
    for (let i = 1; i < taps.length; i++) expect(taps[i]!.from + taps[i]!.weight).toBeGreaterThan(taps[i - 1]!.from + taps[i - 1]!.weight);
  });

  it("stretches a direction drawn on the span to the generated length", () => {
    const direction = compileDirection({ prompt: "", annotations: [{ id: "m", kind: "cameraMove", from: { x: 0.45, y: 0.5 }, to: { x: 0.55, y: 0.5 }, start: 0.5, end: 2 }], duration: 2.5 }, { frameSize: { width: 1920, height: 1080 } });
    const stretched = directionForGeneratedLength(direction, 3);
    expect(stretched.duration).toBe(3);
    expect(stretched.camera.keyframes.map((k) => k.t)).toEqual(direction.camera.keyframes.map((k) => k.t * 1.2));
  });
});

describe("bridge schemas keep old rows valid", () => {
  it("a frame and a take from before Bridge still parse", () => {
    const now = new Date().toISOString();
    expect(
      FrameContext.safeParse({
        frameId: "f",
        capturedAt: now,
        image: { width: 2, height: 2, mediaType: "image/png", bytes: 1 },
        mode: "extend",
        sequence: {
          host: "browser", projectName: "p", sequenceName: "s", frameSize: { width: 2, height: 2 }, pixelAspect: 1, frameRate: R24, dropFrame: false, colorSpace: "rec709",
          playhead: { ticks: "0", seconds: 0, frame: 0, timecode: "00:00:00:00" }, durationSeconds: 1, videoTracks: [],
        },
      }).success,
    ).toBe(true);
    expect(
      Take.safeParse({ id: "t", jobId: "j", index: 0, iteration: 0, providerJobId: null, request: {}, state: "queued", progress: 0, message: "", error: null, outputs: {}, critique: null, cost: { usd: 0, estimated: false }, colorSpace: "rec709", createdAt: now, updatedAt: now }).success,
    ).toBe(true);
  });
});
