import { describe, expect, it } from "vitest";
import type { CostEstimate } from "../../../src/core/schemas/index.js";
import { createPanelStore } from "../../../src/ui/state/createPanelStore.js";
import { bridgeSpeedQuestion, suggestedBridgeLength } from "../../../src/ui/state/bridgeSelectors.js";
import { draftQuestion } from "../../../src/ui/state/selectors.js";
import { frame, provider } from "./fixtures.js";

/**
 * Draft in Bridge mode: a retime beyond 25 % is asked about once, in the same question as the
 * spend confirmation ("Spend ≈ $…?"), naming the speed change and the length that would fit.
 */

const luma = provider("luma", { bridge: { startFrame: true, endFrame: true, lengths: [5], models: ["ray-2"] } });

/** A panel that captured a gap of `frames` frames at 24 fps, with Luma (5 s bridges) chosen. */
function bridgeOf(frames: number) {
  const store = createPanelStore();
  store.getState().setProviders([luma]);
  const span = { kind: "gap" as const, trackIndex: 0, a: { name: "A", start: 0, end: 4 }, b: { name: "B", start: 4 + frames / 24, end: 12 }, start: 4, end: 4 + frames / 24, frames, startAnchor: 4 - 1 / 24, endAnchor: 4 + frames / 24 };
  store.getState().setFrame({ context: { ...frame, mode: "bridge", bridge: span }, imageUrl: "http://x/frame.png" });
  return store.getState();
}

const estimate: CostEstimate = {
  provider: "luma",
  model: "ray-2",
  perTake: { usd: 0.4, estimated: true },
  total: { usd: 1.6, estimated: true },
  budget: { jobUsd: 10, dailyCapUsd: 50, spentTodayUsd: 0, confirmAboveUsd: 2 },
  needsConfirmation: false,
};

describe("Draft confirms a bridge's big speed change before paying", () => {
  it("asks, naming the speed change and the length that fits, when the retime is beyond 25 %", () => {
    // A 3 s gap from Luma's 5 s clip plays 67 % faster; 4.0 s is the nearest span within 25 %.
    const question = bridgeSpeedQuestion(bridgeOf(72));
    expect(question).toBe("Play 67 % faster? (4.0 s fits 5 s within 25 %)");
    // Under the spend threshold, that is the whole question Draft asks.
    expect(draftQuestion(estimate, question)).toBe(question);
    expect(draftQuestion(null, question)).toBe(question); // no estimate yet: still asked
  });

  it("asks nothing about speed within 25 %, and the spend question alone stays as it was", () => {
    expect(bridgeSpeedQuestion(bridgeOf(108))).toBeNull(); // 4.5 s from 5 s: 11 % faster
    expect(draftQuestion(estimate, null)).toBeNull();
    expect(draftQuestion({ ...estimate, needsConfirmation: true }, null)).toBe("Spend ≈ $1.60?");
    expect(draftQuestion({ ...estimate, maxTotal: { usd: 4.8, estimated: false } }, null)).toBe("Spend up to $4.80?");
  });

  it("asks both at once, once, when the bridge is slow-motion and the job is above the threshold", () => {
    // 8 s from Luma's longest, 5 s: played 38 % slower; 6.7 s is the longest span within 25 %.
    const question = bridgeSpeedQuestion(bridgeOf(192));
    expect(question).toBe("Play 38 % slower? (6.7 s fits 5 s within 25 %)");
    expect(draftQuestion({ ...estimate, needsConfirmation: true }, question)).toBe("Play 38 % slower? (6.7 s fits 5 s within 25 %) Spend ≈ $1.60?");
  });

  it("suggests the nearest comfortable length among several offered", () => {
    // Veo's 4/6/8 s: a 2 s span is nearest 3.2 s (from 4 s); 10.9 s nearest 10.7 s (from 8 s).
    expect(suggestedBridgeLength(2, [4, 6, 8])).toEqual({ seconds: 3.2, generated: 4 });
    expect(suggestedBridgeLength(10.9, [4, 6, 8]).generated).toBe(8);
    expect(suggestedBridgeLength(10.9, [4, 6, 8]).seconds).toBeCloseTo(10.667, 2);
  });
});
