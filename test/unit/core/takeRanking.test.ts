import { describe, expect, it } from "vitest";
import type { Take } from "../../../src/core/schemas/index.js";
import { bestTake, rankTakes, somethingUnmeasured } from "../../../src/core/takeRanking.js";

const NOW = "2026-12-03T12:00:00.000Z";
function take(index: number, state: Take["state"], critique: unknown): Take {
  return {
    id: `t${index}`, jobId: "j", index, iteration: 0, providerJobId: null, request: {}, state, progress: 1, message: "", error: null,
    outputs: {}, critique, cost: { usd: 0, estimated: false }, colorSpace: "rec709", createdAt: NOW, updatedAt: NOW,
  };
}
const measured = (score: number) => ({ score, camera: { measurable: true }, adherence: { cameraMoves: [{ measurable: true }], framing: [], holds: [], subjects: [] } });
const cameraUnseen = (score: number) => ({ score, camera: { measurable: false }, adherence: { cameraMoves: [{ measurable: false }], framing: [], holds: [], subjects: [] } });
const subjectUnseen = (score: number) => ({ score, camera: { measurable: true }, adherence: { cameraMoves: [], framing: [], holds: [], subjects: [{ measurable: false }] } });

describe("take ranking", () => {
  it("a take whose camera could not be measured never wins over one that was measured, whatever its score", () => {
    const takes = [take(0, "succeeded", cameraUnseen(100)), take(1, "succeeded", measured(72)), take(2, "succeeded", measured(64))];
    expect(bestTake(takes)!.id).toBe("t1");
    expect(rankTakes(takes).map((t) => t.id)).toEqual(["t1", "t2", "t0"]);
  });

  it("ranks by score among unmeasured takes when none could be measured (a plain sky, say)", () => {
    const takes = [take(0, "succeeded", cameraUnseen(80)), take(1, "succeeded", subjectUnseen(95))];
    expect(bestTake(takes)!.id).toBe("t1");
  });

  it("keeps the order: measured, unmeasured, unscored, rendering, failed", () => {
    const takes = [take(0, "failed", null), take(1, "running", null), take(2, "succeeded", null), take(3, "succeeded", subjectUnseen(99)), take(4, "succeeded", measured(10))];
    expect(rankTakes(takes).map((t) => t.id)).toEqual(["t4", "t3", "t2", "t1", "t0"]);
  });

  it("reads older critiques without the measured fields as measured", () => {
    expect(somethingUnmeasured(take(0, "succeeded", { score: 90 }))).toBe(false);
    expect(somethingUnmeasured(take(0, "succeeded", { score: 90, adherence: { staticMeasured: false } }))).toBe(true);
  });
});
