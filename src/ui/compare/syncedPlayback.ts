/**
 * Two (or more) videos played as one: one play/pause, one scrub position. The first video leads;
 * the others follow its clock. Browsers decode each video on its own clock, so followers drift;
 * a follower more than a frame off the leader is re-seeked to it. Within a frame it is left alone:
 * seeking costs a decode and a visible hitch, and a sub-frame offset cannot be seen.
 *
 * Written against the few members of HTMLMediaElement it uses, so it runs (and is tested) without
 * a DOM; the compare view calls `tick()` once per animation frame while playing.
 */

export interface MediaLike {
  currentTime: number;
  readonly duration: number;
  readonly paused: boolean;
  play(): Promise<void> | void;
  pause(): void;
}

/** Which followers (indexes into `followerTimes`) are more than `tolerance` seconds off the leader. */
export function driftedFollowers(leaderTime: number, followerTimes: readonly number[], tolerance: number): number[] {
  const out: number[] = [];
  followerTimes.forEach((t, i) => {
    if (Math.abs(t - leaderTime) > tolerance) out.push(i);
  });
  return out;
}

/**
 * The length both can play: the shorter of the known durations (a take may be a frame longer than
 * the other), or 0 while no duration is known yet.
 */
export function sharedDuration(durations: readonly number[]): number {
  const known = durations.filter((d) => Number.isFinite(d) && d > 0);
  return known.length === 0 ? 0 : Math.min(...known);
}

export interface SyncedPlayback {
  readonly playing: boolean;
  /** The shared position in seconds (the leader's clock). */
  readonly time: number;
  readonly duration: number;
  play(): void;
  pause(): void;
  toggle(): void;
  /** Put every video at `seconds` (clamped into the shared duration). */
  seek(seconds: number): void;
  /**
   * Keep them together: re-seek a follower that drifted more than a frame, and loop all of them
   * from the start when the leader reaches the end of the shared duration. Returns the time.
   */
  tick(): number;
}

export function createSyncedPlayback(media: readonly MediaLike[], options: { frameSeconds: number }): SyncedPlayback {
  if (media.length === 0) throw new Error("Synced playback needs at least one video.");
  const leader = media[0]!;
  const followers = media.slice(1);
  // A hair under a frame would re-seek on rounding noise; exactly one frame is the editor's limit.
  const tolerance = Math.max(options.frameSeconds, 1 / 120);
  let playing = false;

  const duration = () => sharedDuration(media.map((m) => m.duration));
  const clamp = (t: number) => {
    const d = duration();
    return Math.max(0, d > 0 ? Math.min(t, d) : t);
  };
  const startAll = () => {
    for (const m of media) {
      // play() rejects when the element is removed or autoplay is refused; a later toggle retries.
      void Promise.resolve(m.play()).catch(() => undefined);
    }
  };
  const align = () => {
    const t = leader.currentTime;
    for (const i of driftedFollowers(t, followers.map((f) => f.currentTime), tolerance)) followers[i]!.currentTime = t;
  };

  const playback: SyncedPlayback = {
    get playing() {
      return playing;
    },
    get time() {
      return leader.currentTime;
    },
    get duration() {
      return duration();
    },
    play() {
      const d = duration();
      if (d > 0 && leader.currentTime >= d - tolerance) playback.seek(0);
      else align();
      playing = true;
      startAll();
    },
    pause() {
      playing = false;
      for (const m of media) m.pause();
      align();
    },
    toggle() {
      if (playing) playback.pause();
      else playback.play();
    },
    seek(seconds) {
      const t = clamp(seconds);
      for (const m of media) m.currentTime = t;
    },
    tick() {
      const d = duration();
      if (playing && d > 0 && leader.currentTime >= d - tolerance / 2) {
        playback.seek(0);
        // A video that reached its own end stops; start it again from the top.
        if (media.some((m) => m.paused)) startAll();
        return 0;
      }
      if (playing) align();
      return leader.currentTime;
    },
  };
  return playback;
}
