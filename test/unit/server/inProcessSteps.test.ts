import { describe, expect, it } from "vitest";
import { InProcessSteps } from "../../../src/server/director/inProcessSteps.js";
import type { Step, StepContext } from "../../../src/server/director/steps.js";

/**
 * The embedded step runner's promises: a step is never run twice at once (a start while it runs
 * makes it go round once more, so a change it had already read past is not missed), a cancel
 * aborts it, and settle() waits for what stopAll() stopped to finish writing.
 */

const draft = { priority: "draft", editor: null } as const;
const loop: Step = { kind: "loop", jobId: "job_1" };
const take: Step = { kind: "take", jobId: "job_1", takeId: "take_1" };

/** A gate a handler waits at until the test opens it. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe("InProcessSteps", () => {
  it("runs a step started while it runs once more afterwards, never beside itself", async () => {
    let running = 0;
    let most = 0;
    let runs = 0;
    const first = gate();
    const steps = new InProcessSteps(async () => {
      runs++;
      running++;
      most = Math.max(most, running);
      if (runs === 1) await first.opened;
      running--;
    });
    await steps.start(loop, draft);
    await steps.start(loop, draft);
    await steps.start(loop, draft);
    expect(runs).toBe(1);
    first.open();
    await steps.settle(1000);
    // Two starts during the first run fold into one more pass over the (then current) record.
    expect(runs).toBe(2);
    expect(most).toBe(1);
  });

  it("runs different steps side by side", async () => {
    const both = gate();
    const seen: string[] = [];
    const steps = new InProcessSteps(async (step) => {
      seen.push(step.kind);
      await both.opened;
    });
    await steps.start(loop, draft);
    await steps.start(take, draft);
    expect(seen).toEqual(["loop", "take"]);
    both.open();
    await steps.settle(1000);
  });

  it("aborts a canceled step, and a start after the cancel runs afresh", async () => {
    const signals: AbortSignal[] = [];
    const steps = new InProcessSteps(async (_step, { signal }: StepContext) => {
      signals.push(signal);
      await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
    });
    await steps.start(take, draft);
    await steps.cancel(take);
    expect(signals[0]!.aborted).toBe(true);
    await steps.start(take, draft);
    expect(signals).toHaveLength(2);
    expect(signals[1]!.aborted).toBe(false);
    steps.stopAll();
    await steps.settle(1000);
    expect(signals[1]!.aborted).toBe(true);
  });

  it("stopAll aborts every step, settle waits for them to write their last change, and nothing starts after", async () => {
    const written: string[] = [];
    const steps = new InProcessSteps(async (_step, { signal }) => {
      await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
      // A submit the provider was still answering: recorded after the abort, before the store closes.
      await new Promise((resolve) => setTimeout(resolve, 50));
      written.push("provider job id");
    });
    await steps.start(take, draft);
    steps.stopAll();
    await steps.settle(2000);
    expect(written).toEqual(["provider job id"]);
    await steps.start(loop, draft);
    await steps.settle(100);
    expect(written).toHaveLength(1);
  });

  it("keeps running after a step throws, and says which step failed", async () => {
    const logged: string[] = [];
    const ran: string[] = [];
    const steps = new InProcessSteps(async (step) => {
      ran.push(step.kind);
      if (step.kind === "loop" && ran.length === 1) throw new Error("store unreachable");
    }, (line) => logged.push(line));
    await steps.start(loop, draft);
    await steps.settle(1000);
    expect(logged).toEqual(["step loop:job_1 failed: store unreachable"]);
    await steps.start(take, draft);
    await steps.start(loop, draft);
    await steps.settle(1000);
    expect(ran).toEqual(["loop", "take", "loop"]);
  });
});
