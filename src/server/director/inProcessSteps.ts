import { stepKey, type Step, type StepHandler, type StepOptions, type StepRunner } from "./steps.js";

/**
 * The embedded step runner: runs each step in this process at once, one AbortController per step
 * key. Team mode plugs a queue-backed runner into the same seam (steps.ts).
 *
 * A step started while the same step (same key) is running is not run beside it: the running one
 * goes round once more when it ends. A handler reads what to do from the store, so the second
 * pass sees what changed meanwhile — two takes of an auto round settling together still lead to
 * one decision on the complete round, never two rounds, and never none.
 */
export class InProcessSteps implements StepRunner {
  private readonly running = new Map<string, { controller: AbortController; again: boolean }>();
  /** Every step's run until it has written its last change (for settle()). */
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly handler: StepHandler,
    private readonly log?: (message: string) => void,
  ) {}

  async start(step: Step, _options: StepOptions): Promise<void> {
    // Shutting down: the store keeps the work, and the next start resumes it.
    if (this.stopped) return;
    const key = stepKey(step);
    const current = this.running.get(key);
    if (current) {
      current.again = true;
      return;
    }
    const entry = { controller: new AbortController(), again: false };
    this.running.set(key, entry);
    const run = (async () => {
      try {
        do {
          entry.again = false;
          await this.handler(step, { signal: entry.controller.signal });
        } while (entry.again && !entry.controller.signal.aborted);
      } catch (error) {
        if (!entry.controller.signal.aborted) this.log?.(`step ${key} failed: ${error instanceof Error ? error.message : String(error)}`);
      } finally {
        if (this.running.get(key) === entry) this.running.delete(key);
      }
    })();
    const tracked: Promise<void> = run.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  /** Aborts the step if it runs here (a take being canceled): its handler stops at the next check. */
  async cancel(step: Step): Promise<void> {
    const entry = this.running.get(stepKey(step));
    if (!entry) return;
    entry.controller.abort();
    // A start after the cancel (a retry) runs afresh rather than waiting on the aborted run.
    this.running.delete(stepKey(step));
  }

  /** Stops every running step (on shutdown); the store keeps the takes for resumption. */
  stopAll(): void {
    this.stopped = true;
    for (const entry of this.running.values()) entry.controller.abort();
    this.running.clear();
  }

  /**
   * Waits (at most `ms`) for stopped steps to wind down, so what is in flight lands in the store
   * before it closes — above all a submit the provider is still answering: its generation id must
   * be recorded, or a restart would submit (and pay for) the take again.
   */
  async settle(ms: number): Promise<void> {
    if (this.inFlight.size === 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([Promise.allSettled([...this.inFlight]), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
    clearTimeout(timer);
  }
}
