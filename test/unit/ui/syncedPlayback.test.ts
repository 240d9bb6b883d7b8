import { describe, expect, it } from "vitest";
import { createSyncedPlayback, driftedFollowers, sharedDuration, type MediaLike } from "../../../src/ui/compare/syncedPlayback.js";

/**
 * The compare view's sync rule on media that keep their own clocks, as browser videos do: each
 * fake advances by its own rate when the test moves time on, so drift happens as it would.
 */
class Clocked implements MediaLike {
  currentTime = 0;
  paused = true;
  seeks = 0;
  constructor(
    readonly duration: number,
    /** How fast this one's decoder runs against the wall clock (1.02: two percent fast). */
    private readonly rate = 1,
  ) {
    let t = 0;
    Object.defineProperty(this, "currentTime", {
      get: () => t,
      set: (value: number) => {
        t = value;
        this.seeks += 1;
      },
    });
  }
  play() {
    this.paused = false;
  }
  pause() {
    this.paused = true;
  }
  /** Wall-clock seconds pass; a playing video moves on (and stops at its end, as a video does). */
  advance(seconds: number) {
    if (this.paused) return;
    const next = Math.min(this.duration, this.currentTime + seconds * this.rate);
    const seeks = this.seeks;
    this.currentTime = next;
    this.seeks = seeks; // playing is not seeking
    if (next >= this.duration) this.paused = true;
  }
}

const FRAME = 1 / 24;

describe("synced playback of two takes", () => {
  it("finds the followers more than the tolerance off the leader", () => {
    expect(driftedFollowers(2, [2.01, 2.2, 1.9], FRAME)).toEqual([1, 2]);
    expect(sharedDuration([5.04, 5, Number.NaN])).toBe(5);
    expect(sharedDuration([Number.NaN])).toBe(0);
  });

  it("plays and pauses both with one control", () => {
    const [a, b] = [new Clocked(5), new Clocked(5)];
    const p = createSyncedPlayback([a, b], { frameSeconds: FRAME });
    p.toggle();
    expect([a.paused, b.paused, p.playing]).toEqual([false, false, true]);
    p.toggle();
    expect([a.paused, b.paused, p.playing]).toEqual([true, true, false]);
  });

  it("one scrub puts both at the same time, clamped to the shorter take", () => {
    const [a, b] = [new Clocked(5), new Clocked(4.5)];
    const p = createSyncedPlayback([a, b], { frameSeconds: FRAME });
    p.seek(2.5);
    expect([a.currentTime, b.currentTime]).toEqual([2.5, 2.5]);
    p.seek(9);
    expect([a.currentTime, b.currentTime]).toEqual([4.5, 4.5]);
    p.seek(-1);
    expect([a.currentTime, b.currentTime]).toEqual([0, 0]);
  });

  it("re-seeks a follower that drifts more than a frame, and leaves a sub-frame offset alone", () => {
    const a = new Clocked(10);
    const b = new Clocked(10, 1.03); // three percent fast: a frame off after ~1.4 s
    const p = createSyncedPlayback([a, b], { frameSeconds: FRAME });
    p.play();
    let worst = 0;
    let corrections = 0;
    for (let i = 0; i < 240; i++) {
      a.advance(1 / 60);
      b.advance(1 / 60);
      const before = b.seeks;
      p.tick();
      corrections += b.seeks - before;
      worst = Math.max(worst, Math.abs(a.currentTime - b.currentTime));
    }
    expect(worst).toBeLessThanOrEqual(FRAME);
    // Four seconds at 3% fast is ~0.12 s of drift: a few corrections, not one per tick.
    expect(corrections).toBeGreaterThanOrEqual(2);
    expect(corrections).toBeLessThan(10);
    expect(a.seeks).toBe(0); // the leader is never pulled about
  });

  it("without ticks the same videos drift apart (the rule is what keeps them together)", () => {
    const a = new Clocked(10);
    const b = new Clocked(10, 1.03);
    createSyncedPlayback([a, b], { frameSeconds: FRAME }).play();
    for (let i = 0; i < 240; i++) {
      a.advance(1 / 60);
      b.advance(1 / 60);
    }
    expect(Math.abs(a.currentTime - b.currentTime)).toBeGreaterThan(FRAME);
  });

  it("loops both from the start when the leader reaches the shared end", () => {
    const [a, b] = [new Clocked(2), new Clocked(2)];
    const p = createSyncedPlayback([a, b], { frameSeconds: FRAME });
    p.play();
    for (let i = 0; i < 130; i++) {
      a.advance(1 / 60);
      b.advance(1 / 60);
      p.tick();
    }
    // 130/60 s is past the 2 s end: both went back to the top and kept playing.
    expect(a.currentTime).toBeLessThan(0.5);
    expect(Math.abs(a.currentTime - b.currentTime)).toBeLessThanOrEqual(FRAME);
    expect([a.paused, b.paused]).toEqual([false, false]);
  });

  it("pausing lines the follower up on the leader's frame", () => {
    const [a, b] = [new Clocked(5), new Clocked(5)];
    const p = createSyncedPlayback([a, b], { frameSeconds: FRAME });
    p.play();
    a.advance(1);
    b.advance(1.2);
    p.pause();
    expect(b.currentTime).toBe(a.currentTime);
  });
});
