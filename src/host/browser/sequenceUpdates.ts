import type { HarnessApi, SequenceUpdate } from "./harnessApi.js";
import type { HarnessState } from "./harnessState.js";

export interface SequenceUpdaterOptions {
  api: Pick<HarnessApi, "updateSequence">;
  onState: (state: HarnessState) => void;
  onError: (error: unknown) => void;
  /** Nothing scheduled or in flight: the server's state is the truth again. */
  onIdle: () => void;
}

/**
 * Sends the editor's sequence changes (playhead, color space) to `PUT /harness/sequence`.
 *
 * - Debounced: a scrub produces dozens of values; only the last one in each pause is sent.
 * - One request at a time, changes merged while one is in flight: two PUTs racing on separate
 *   connections could land in either order and leave the server on an old playhead. Serialised,
 *   the value the editor stopped on is always the last one the server sees.
 * - `flush()` sends anything still waiting and resolves once the server has it, so a capture
 *   never reads the sequence from before the last scrub.
 */
export class SequenceUpdater {
  private scheduled: SequenceUpdate | null = null;
  private queued: SequenceUpdate | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | null = null;

  constructor(private readonly options: SequenceUpdaterOptions) {}

  /** Queue a change; it is sent after `delayMs` without further changes (0: at once). */
  update(change: SequenceUpdate, delayMs = 0): void {
    this.scheduled = { ...this.scheduled, ...change };
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (delayMs > 0) this.timer = setTimeout(() => this.release(), delayMs);
    else this.release();
  }

  /** Send what is waiting now and wait until the server has every change. */
  async flush(): Promise<void> {
    if (this.timer !== undefined) this.release();
    while (this.running) await this.running;
  }

  get busy(): boolean {
    return this.timer !== undefined || this.scheduled !== null || this.queued !== null || this.running !== null;
  }

  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.scheduled = null;
    this.queued = null;
  }

  private release(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.scheduled) this.queued = { ...this.queued, ...this.scheduled };
    this.scheduled = null;
    if (!this.running) this.running = this.drain();
  }

  private async drain(): Promise<void> {
    while (this.queued) {
      const change = this.queued;
      this.queued = null;
      try {
        this.options.onState(await this.options.api.updateSequence(change));
      } catch (error) {
        this.options.onError(error);
      }
    }
    this.running = null;
    if (!this.busy) this.options.onIdle();
  }
}
