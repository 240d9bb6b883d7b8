import { describe, expect, it } from "vitest";
import { applyVariant, compileDirection, renderForProvider } from "../../../src/core/direction/index.js";
import type { Take } from "../../../src/core/schemas/index.js";
import type { Critique, JudgeSection } from "../../../src/server/critic/critiqueSchema.js";
import { foldJudge, JUDGE_CAP } from "../../../src/server/critic/score.js";
import { planRefinement, plainVariant } from "../../../src/server/director/refinePlan.js";

/**
 * The judge folded in: its findings sit apart from the measurements, cost points by the documented
 * weights (confidence-scaled, ignored under 0.5, capped), and turn into the next round's requests
 * (prompt first, negative words in the text, other seeds), each said as the judge's belief.
 */

const measured: Critique = {
  version: 1,
  clip: { width: 640, height: 360, fps: 24, frames: 120, duration: 5, analysis: { width: 128, height: 72 }, transfer: "bt709", primaries: "bt709" },
  camera: { path: [], velocity: { x: 0, y: 0 }, zoomRate: 0, finalRoll: 0, trackingConfidence: 0.9 },
  continuity: { firstFrame: null },
  stability: { flicker: { index: 0.1, spans: [] }, jitter: { x: 0.02, y: 0.02, zoom: 0.01 }, cuts: [], frozen: [], black: [] },
  exposure: { transfer: "bt709", interpretedAs: "sdr-bt1886", clipAt: 100, crushAt: 0.1, clippedHighlights: 0, crushedShadows: 0, worstClipped: { t: 0, share: 0 }, worstCrushed: { t: 0, share: 0 } },
  adherence: null,
  score: 96,
  penalties: [{ aspect: "jitter", points: 4, reason: "shaky camera (jitter 0.35% of the frame)" }],
  critique: "Shaky camera (jitter 0.35% of the frame).",
  issues: ["shaky camera (jitter 0.35% of the frame)"],
  elapsed: 1,
};

const yes = { verdict: "yes" as const, confidence: 0.9, note: "a dog on a beach" };
function judged(parts: Partial<JudgeSection> = {}): Omit<JudgeSection, "measuredScore"> {
  return { service: "gemini", model: "gemini-2.5-flash", state: "judged", error: null, subject: yes, action: yes, findings: [], frameTimes: [0.4, 1.2], cost: { usd: 0.004, estimated: true, inputTokens: 2000, outputTokens: 600 }, attempts: 1, latencyMs: 900, ...parts };
}
const morph = { t: 2.1, kind: "morphing" as const, confidence: 0.8, where: { x: 0.4, y: 0.2, w: 0.2, h: 0.3 }, note: "the face melts" };

describe("the judge folded into the score", () => {
  it("a clean verdict keeps the measured score and critique, with the judge's section beside them", () => {
    const out = foldJudge(measured, judged());
    expect(out.score).toBe(96);
    expect(out.critique).toBe(measured.critique);
    expect(out.judge).toMatchObject({ state: "judged", measuredScore: 96, findings: [] });
  });

  it("a morphing face at 80% costs 15 × 0.8 = 12 points, named as the judge's belief with its time", () => {
    const out = foldJudge(measured, judged({ findings: [morph] }));
    expect(out.score).toBe(84);
    expect(out.penalties[0]).toEqual({ aspect: "judge morphing", points: 12, reason: "the judge believes a face or body morphs at 2.1 s (80%): the face melts" });
    expect(out.critique).toContain("A vision model (gemini-2.5-flash) believes: a face or body morphs at 2.1 s");
    // The measurement's own penalty is still there, apart.
    expect(out.penalties.map((p) => p.aspect)).toEqual(["judge morphing", "jitter"]);
  });

  it("ignores findings under 0.5 confidence in the score, but keeps them in the section", () => {
    const out = foldJudge(measured, judged({ findings: [{ ...morph, confidence: 0.3 }] }));
    expect(out.score).toBe(96);
    expect(out.judge!.findings).toHaveLength(1);
  });

  it("caps the judge's points so its beliefs never outweigh every measurement", () => {
    const many = [morph, { ...morph, kind: "extraLimbs" as const, confidence: 1 }, { ...morph, kind: "pop" as const, confidence: 1 }];
    const out = foldJudge(measured, judged({ subject: { verdict: "no", confidence: 1, note: "no dog" }, action: { verdict: "no", confidence: 1, note: "nothing runs" }, findings: many }));
    const judgePoints = out.penalties.filter((p) => p.aspect.startsWith("judge")).reduce((s, p) => s + p.points, 0);
    expect(judgePoints).toBeCloseTo(JUDGE_CAP, 0);
    expect(out.score).toBe(46);
  });

  it("a failed judge changes nothing but says why in its section", () => {
    const out = foldJudge(measured, judged({ state: "failed", error: { code: "rate_limited", message: "429" }, subject: null, action: null }));
    expect(out.score).toBe(96);
    expect(out.judge!.error!.code).toBe("rate_limited");
  });
});

describe("the judge's findings in the next round's requests", () => {
  const direction = compileDirection({ prompt: "A dog runs along the beach", annotations: [], duration: 5 }, { frameSize: { width: 1920, height: 1080 } });
  const take = (critique: Critique): Take => ({
    id: "take-3", jobId: "job-1", index: 2, iteration: 0, providerJobId: "p", request: {}, state: "succeeded", progress: 1, message: "Ready", error: null, outputs: {},
    critique, cost: { usd: 0.15, estimated: true }, colorSpace: "rec709", createdAt: "2026-12-01T00:00:00.000Z", updatedAt: "2026-12-01T00:00:00.000Z",
    variant: { ...plainVariant(), wording: "cameraFirst", seed: 7 },
  });

  it("a missing subject and a morphing face become a prompt-first reword, negative words in the prompt text, and new seeds, said as the judge's", () => {
    const critique = foldJudge(measured, judged({ subject: { verdict: "no", confidence: 0.8, note: "no dog, only sand" }, findings: [morph] }));
    let n = 500;
    const plan = planRefinement({ direction, capabilities: { seed: true, keyframes: false }, count: 2, randomSeed: () => n++ }, { take: take(critique), number: 3 });
    expect(plan.summary).toContain("asked to show what the prompt describes: the judge (gemini-2.5-flash) believes take 3 does not show what the prompt asks");
    expect(plan.summary).toContain("negative words against morphing and extra limbs: the judge (gemini-2.5-flash) believes take 3 shows a face or body morphs at 2.1 s");
    expect(plan.summary).toContain("new seeds for every take: take 3's artefacts may come from its seed");
    expect(plan.variants[0]!.seed).not.toBe(7);
    expect(plan.variants[0]!.wording).toBe("plain");
    const sent = renderForProvider(applyVariant(direction, plan.variants[0]!), "prompt", { wording: plan.variants[0]!.wording, guards: plan.variants[0]!.guards }).text;
    expect(sent.startsWith("A dog runs along the beach")).toBe(true);
    expect(sent).toContain("Avoid: morphing, melting faces, extra fingers, extra or missing limbs.");
    expect(sent).toContain("make the described action happen on screen");
  });

  it("a take the judge found clean keeps its seed for take 1, as before", () => {
    const plan = planRefinement({ direction, capabilities: { seed: true, keyframes: false }, count: 1, randomSeed: () => 1 }, { take: take(foldJudge(measured, judged())), number: 3 });
    expect(plan.variants[0]!.seed).toBe(7);
    expect(plan.variants[0]!.guards).not.toContain("stableAnatomy");
  });
});
