import { describe, expect, it } from "vitest";
import { applyVariant, compileDirection, renderForProvider } from "../../../src/core/direction/index.js";
import type { AnnotationInput, Job, Take } from "../../../src/core/schemas/index.js";
import { decideAfterRound, type RoundContext } from "../../../src/server/director/autoLoop.js";
import { firstRoundVariants, planRefinement, plainVariant } from "../../../src/server/director/refinePlan.js";
import type { Critique } from "../../../src/server/critic/critiqueSchema.js";
import { sequenceContext } from "../../helpers/backend.js";

/**
 * The director's reasoning without providers or ffmpeg: critiques written by hand (the shapes
 * the critic produces), and the requests and decisions they must lead to.
 */

const PAN: AnnotationInput = { id: "pan", kind: "cameraMove", from: { x: 0.3, y: 0.5 }, to: { x: 0.65, y: 0.5 }, start: 1, end: 4 };
const BOX: AnnotationInput = { id: "box", kind: "framingBox", rect: { x: 0.25, y: 0.25, w: 0.5, h: 0.5 }, time: 4 };
const HOLD: AnnotationInput = { id: "hold", kind: "hold", label: "sign", rect: { x: 0.1, y: 0.1, w: 0.2, h: 0.2 } };
const direction = compileDirection({ prompt: "Dunes", annotations: [PAN, BOX, HOLD], duration: 5 }, { frameSize: { width: 1920, height: 1080 } });

type Moves = Critique["adherence"] extends infer A ? NonNullable<A> : never;

function critique(parts: { moves?: Partial<Moves["cameraMoves"][number]>[]; framing?: Partial<Moves["framing"][number]>[]; holds?: Partial<Moves["holds"][number]>[]; stability?: Partial<Critique["stability"]>; similarity?: number; score?: number; staticDrift?: number | null }): Critique {
  return {
    version: 1,
    clip: { width: 640, height: 360, fps: 24, frames: 120, duration: 5, analysis: { width: 128, height: 72 }, transfer: "bt709", primaries: "bt709" },
    camera: { path: [], velocity: { x: 0, y: 0 }, zoomRate: 0, finalRoll: 0, trackingConfidence: 0.9 },
    continuity: { firstFrame: { similarity: parts.similarity ?? 0.97, offset: { x: 0.5, y: 0.5, zoom: 1 }, alignedMatch: 0.95 } },
    stability: { flicker: { index: 0.1, spans: [] }, jitter: { x: 0.02, y: 0.02, zoom: 0.01 }, cuts: [], frozen: [], black: [], ...parts.stability },
    exposure: { transfer: "bt709", interpretedAs: "sdr-bt1886", clipAt: 100, crushAt: 0.1, clippedHighlights: 0, crushedShadows: 0, worstClipped: { t: 0, share: 0 }, worstCrushed: { t: 0, share: 0 } },
    adherence: {
      cameraMoves: (parts.moves ?? []).map((m) => ({
        annotationId: "pan",
        kind: "cameraMove" as const,
        expected: { dx: 0.35, dy: 0, start: 1, end: 4 },
        measured: { dx: 0.2, dy: 0, start: 1, end: 4 },
        directionError: 1,
        amountError: 0,
        timingError: 0,
        startError: 0,
        endError: 0,
        phrase: "pan right",
        ...m,
      })),
      framing: (parts.framing ?? []).map((f) => ({
        annotationId: "box",
        kind: "framingBox" as const,
        t: 4,
        expected: { x: 0.5, y: 0.5, zoom: 2 },
        measured: { x: 0.5, y: 0.5, zoom: 2 },
        centreError: 0,
        zoomError: 0,
        boxError: 0,
        timingError: 0,
        phrase: "push in",
        ...f,
      })),
      holds: (parts.holds ?? []).map((h) => ({ annotationId: "hold", kind: "hold" as const, label: "sign", maxDrift: 0, meanDrift: 0, minMatch: 0.95, phrase: "sign held", ...h })),
      subjects: [],
      staticDrift: parts.staticDrift ?? null,
      pathError: 1,
      notMeasured: [],
    },
    score: parts.score ?? 60,
    penalties: [],
    critique: "Pan right as asked but 40% short.",
    issues: [],
    elapsed: 0.5,
  };
}

function take(index: number, overrides: Partial<Take> = {}): Take {
  return {
    id: `take-${index}`,
    jobId: "job-1",
    index,
    iteration: 0,
    providerJobId: `p-${index}`,
    request: {},
    state: "succeeded",
    progress: 1,
    message: "Ready",
    error: null,
    outputs: {},
    critique: critique({ score: 50 + index }),
    cost: { usd: 0.15, estimated: true },
    colorSpace: "rec709",
    createdAt: "2026-12-01T00:00:00.000Z",
    updatedAt: "2026-12-01T00:00:00.000Z",
    ...overrides,
  };
}

let seed = 100;
const seeds = () => seed++;
const luma = { seed: false, keyframes: true };
const runway = { seed: true, keyframes: false };

describe("refinement plan", () => {
  it("round 1 rotates the wording and gives every take its own seed", () => {
    const variants = firstRoundVariants({ direction, capabilities: runway, count: 4, randomSeed: seeds });
    expect(variants.map((v) => v.wording)).toEqual(["plain", "cameraFirst", "explicit", "plain"]);
    expect(new Set(variants.map((v) => v.seed)).size).toBe(4);
    expect(variants[1]!.changes).toEqual(["camera directive first"]);
    expect(variants.every((v) => v.emphasis.length === 0 && v.guards.length === 0)).toBe(true);
  });

  it("a pan 40% short and 1.2 s late is asked 1/0.6 as strong and 1.2 s earlier, bracketed across the round", () => {
    const best = take(2, { critique: critique({ moves: [{ amountError: -40, timingError: 1.2 }] }), variant: { ...plainVariant(), seed: 7 } });
    const plan = planRefinement({ direction, capabilities: runway, count: 4, randomSeed: seeds }, { take: best, number: 3 });
    const amounts = plan.variants.map((v) => v.emphasis.find((e) => e.annotationId === "pan")!.amount);
    const leads = plan.variants.map((v) => v.emphasis.find((e) => e.annotationId === "pan")!.lead);
    expect(amounts[0]).toBeCloseTo(1 / 0.6, 2);
    expect(amounts[1]).toBeCloseTo(Math.pow(1 / 0.6, 1.25), 2);
    expect(amounts[2]).toBeCloseTo(Math.pow(1 / 0.6, 0.8), 2);
    expect(amounts[3]).toBeCloseTo(Math.pow(1 / 0.6, 1.5), 2);
    // ×1.5 would be 1.8 s: capped at 1.75 s, where the move keeps half its length.
    expect(leads).toEqual([1.2, 1.5, 0.96, 1.75]);
    // Take 1 keeps the parent's seed (Runway takes seeds), so it differs only by the corrections.
    expect(plan.variants[0]!.seed).toBe(7);
    expect(plan.variants.slice(1).every((v) => v.seed !== 7)).toBe(true);
    expect(plan.variants.every((v) => v.refines === "take-2")).toBe(true);
    expect(plan.variants[0]!.changes).toEqual([
      // Drawn 1–4 s: half done at 2.5 s; asked half done at 1.3 s, which leaves room for 2.6 s of move.
      "the pan right asked 67% stronger than drawn (take 3 moved 40% short); the pan right asked 1.2 s earlier than drawn, over 2.6 s instead of 3.0 s (0.0–2.6 s) (take 3 was 1.2 s late)",
      "same seed as take 3",
    ]);
    expect(plan.summary[0]).toContain("asked 67% stronger than drawn");

    // What the provider is then sent: a longer arrow, earlier, in the compiled direction.
    const sent = applyVariant(direction, plan.variants[0]!, { width: 1920, height: 1080 });
    const pan = sent.annotations.find((a) => a.id === "pan")!;
    expect(pan.kind === "cameraMove" && [pan.to.x, pan.start, pan.end]).toEqual([expect.closeTo(0.3 + 0.35 / 0.6, 3), 0, 2.6]);
    expect(renderForProvider(sent, "prompt").text).toMatch(/pan right \(58% of frame\) from 0\.0 s to 2\.6 s/);
    // With room in the take, the move keeps its length: 0.5 s earlier is 0.5–3.5 s.
    const nudged = applyVariant(direction, { ...plan.variants[0]!, emphasis: [{ annotationId: "pan", amount: 1, lead: 0.5 }] });
    expect(nudged.annotations.find((a) => a.id === "pan")).toMatchObject({ start: 0.5, end: 3.5 });
    // The job's own direction is untouched.
    expect(direction.annotations.find((a) => a.id === "pan")).toMatchObject({ to: { x: 0.65 }, start: 1 });
  });

  it("corrections compound: a take that was asked 1.6× and still came up 20% short is asked 2×", () => {
    const parent = { ...plainVariant(), emphasis: [{ annotationId: "pan", amount: 1.6, lead: 0.5 }] };
    const best = take(0, { variant: parent, critique: critique({ moves: [{ amountError: -20, timingError: 0.1 }] }) });
    const plan = planRefinement({ direction, capabilities: luma, count: 1, randomSeed: seeds }, { take: best, number: 1 });
    expect(plan.variants[0]!.emphasis).toEqual([{ annotationId: "pan", amount: 2, lead: 0.5 }]);
  });

  it("asks no more lead than the take has room for while the move keeps half its length", () => {
    // Drawn 1–4 s (half done at 2.5 s) and 4 s late: 1.75 s earlier leaves it 0–1.5 s.
    const late = take(0, { critique: critique({ moves: [{ amountError: 0, timingError: 4 }] }) });
    const plan = planRefinement({ direction, capabilities: luma, count: 4, randomSeed: seeds }, { take: late, number: 1 });
    expect(plan.variants.map((v) => v.emphasis[0]!.lead)).toEqual([1.75, 1.75, 1.75, 1.75]);
    expect(plan.variants[0]!.changes[0]).toContain("asked 1.8 s earlier than drawn, over 1.5 s instead of 3.0 s (0.0–1.5 s)");
    const sent = applyVariant(direction, plan.variants[0]!).annotations.find((a) => a.id === "pan")!;
    expect(sent).toMatchObject({ start: 0, end: 1.5 });
  });

  it("an overshoot is asked gentler, and nothing is asked beyond 3× or under 0.4× of the drawing", () => {
    const over = planRefinement({ direction, capabilities: luma, count: 1, randomSeed: seeds }, { take: take(0, { critique: critique({ moves: [{ amountError: 60 }] }) }), number: 1 });
    expect(over.variants[0]!.emphasis[0]!.amount).toBeCloseTo(1 / 1.6, 3);
    expect(over.variants[0]!.changes[0]).toContain("asked 38% gentler than drawn (take 1 overshot by 60%)");
    const still = planRefinement({ direction, capabilities: luma, count: 4, randomSeed: seeds }, { take: take(0, { critique: critique({ moves: [{ amountError: -98 }] }) }), number: 1 });
    expect(still.variants.map((v) => v.emphasis[0]!.amount)).toEqual([3, 3, expect.closeTo(Math.pow(3, 0.8), 3), 3]);
    const wild = planRefinement({ direction, capabilities: luma, count: 1, randomSeed: seeds }, { take: take(0, { critique: critique({ moves: [{ amountError: 300 }] }) }), number: 1 });
    expect(wild.variants[0]!.emphasis[0]!.amount).toBe(0.4);
  });

  it("a move in the wrong direction is reworded explicitly, and Luma also gets the directed path as keyframes", () => {
    const wrong = take(0, { critique: critique({ moves: [{ directionError: 40, amountError: 0, timingError: 0 }] }) });
    const onLuma = planRefinement({ direction, capabilities: luma, count: 2, randomSeed: seeds }, { take: wrong, number: 1 });
    expect(onLuma.variants.map((v) => [v.wording, v.pathKeyframes])).toEqual([
      ["explicit", true],
      ["explicit", true],
    ]);
    expect(onLuma.summary).toEqual(["the pan right reworded explicitly: take 1 moved 40° off its direction", "the directed camera path added as keyframes"]);
    const onRunway = planRefinement({ direction, capabilities: runway, count: 1, randomSeed: seeds }, { take: wrong, number: 1 });
    expect(onRunway.variants[0]!.pathKeyframes).toBe(false);
    expect(renderForProvider(direction, "prompt", { wording: "explicit" }).text).toContain("pan right (35% of frame) from 1.0 s to 4.0 s, ease in-out, so the scene slides left across the frame");
  });

  it("a push-in that reached 1.5× of 2× is asked twice the push; its box grows around the same centre", () => {
    const short = take(0, { critique: critique({ framing: [{ measured: { x: 0.5, y: 0.5, zoom: 1.5 }, zoomError: -25 }] }) });
    const plan = planRefinement({ direction, capabilities: runway, count: 1, randomSeed: seeds }, { take: short, number: 1 });
    const e = plan.variants[0]!.emphasis.find((x) => x.annotationId === "box")!;
    expect(e.amount).toBeCloseTo(2, 5);
    const sent = applyVariant(direction, plan.variants[0]!);
    const box = sent.annotations.find((a) => a.id === "box")!;
    // 2× asked as 3×: a box a third of the frame, still centred.
    expect(box.kind === "framingBox" && box.rect).toMatchObject({ w: expect.closeTo(1 / 3, 5), h: expect.closeTo(1 / 3, 5), x: expect.closeTo(1 / 3, 5) });
    expect(plan.variants[0]!.changes[0]).toBe("the framing asked 100% stronger than drawn (take 1 reached 1.5× of 2.0×)");

    // A box drawn off-centre near the edge: asked stronger, it stays inside the frame.
    const edge = compileDirection({ prompt: "", annotations: [{ id: "box", kind: "framingBox", rect: { x: 0.6, y: 0.55, w: 0.35, h: 0.35 }, time: 4 }], duration: 5 });
    for (const amount of [1.3, 2, 3]) {
      const corrected = applyVariant(edge, { ...plainVariant(), emphasis: [{ annotationId: "box", amount, lead: 0 }] });
      const r = (corrected.annotations[0] as Extract<(typeof corrected.annotations)[number], { kind: "framingBox" }>).rect;
      expect(r.x).toBeGreaterThanOrEqual(0);
      expect(r.x + r.w).toBeLessThanOrEqual(1 + 1e-9);
      expect(r.y + r.h).toBeLessThanOrEqual(1 + 1e-9);
      expect(corrected.conflicts.filter((c) => c.code === "box-outside-frame")).toEqual([]);
    }
  });

  it("cuts, flicker, shake, a stall, a drifting hold and a first frame off the capture each add their guard once", () => {
    const messy = take(0, {
      critique: critique({
        stability: {
          cuts: [{ t: 2.3, frame: 55 }],
          flicker: { index: 3, spans: [{ start: 3, end: 5, peak: 4 }] },
          jitter: { x: 0.4, y: 0.1, zoom: 0 },
          frozen: [{ start: 1, end: 2, directedMotion: true }],
        },
        holds: [{ maxDrift: 4.2 }],
        similarity: 0.7,
      }),
    });
    const plan = planRefinement({ direction, capabilities: runway, count: 2, randomSeed: seeds }, { take: messy, number: 1 });
    expect([...plan.variants[0]!.guards].sort()).toEqual(["continuous", "keepMoving", "pinned", "startOnFrame", "steadyCamera", "steadyExposure"]);
    expect(plan.summary).toContain("one continuous shot asked: take 1 cuts at 2.3 s");
    expect(plan.summary).toContain("held regions asked for firmly: take 1 let one drift up to 4% of the frame");
    const text = renderForProvider(direction, "prompt", { guards: plan.variants[0]!.guards }).text;
    expect(text).toContain("One continuous shot: no cuts, no scene changes.");
    expect(text.match(/no flicker/g)).toHaveLength(1);
    // A guard the parent already had is not announced as a change again.
    const child = planRefinement({ direction, capabilities: runway, count: 1, randomSeed: seeds }, { take: take(0, { critique: messy.critique, variant: plan.variants[0]! }), number: 1 });
    expect(child.summary.join(" ")).not.toContain("continuous shot asked");
  });

  it("corrects only what the critic measured with confidence: an unmeasured pan, push-in, hold or static camera asks for nothing", () => {
    const unmeasured = critique({
      moves: [{ amountError: -40, timingError: 1.2, directionError: 40, measurable: false, confidence: 0.1 }],
      framing: [{ zoomError: -30, measured: { x: 0.5, y: 0.5, zoom: 1.4 }, timingError: 1, centreError: 9, measurable: false, confidence: 0.2 }],
      holds: [{ maxDrift: 8, measurable: false }],
      staticDrift: 12,
    });
    unmeasured.adherence!.staticMeasured = false;
    const plan = planRefinement({ direction, capabilities: luma, count: 2, randomSeed: seeds }, { take: take(0, { critique: unmeasured }), number: 1 });
    expect(plan.variants.every((v) => v.emphasis.length === 0 && v.guards.length === 0 && !v.pathKeyframes && v.wording === "plain")).toBe(true);
    expect(plan.summary).toEqual(["nothing in take 1's critique a request can change; other seeds and wording"]);
    // The same findings measured with confidence are corrected (the filter is what made the difference).
    const measured = critique({ moves: [{ amountError: -40, measurable: true, confidence: 0.9 }], framing: [{ zoomError: -30, measured: { x: 0.5, y: 0.5, zoom: 1.4 } }] });
    const acted = planRefinement({ direction, capabilities: luma, count: 1, randomSeed: seeds }, { take: take(0, { critique: measured }), number: 1 });
    expect(acted.variants[0]!.emphasis.map((e) => e.annotationId).sort()).toEqual(["box", "pan"]);
  });

  it("says so when the critique holds nothing a request can change", () => {
    const plan = planRefinement({ direction, capabilities: luma, count: 1, randomSeed: seeds }, { take: take(0, { critique: critique({}) }), number: 2 });
    expect(plan.summary).toEqual(["nothing in take 2's critique a request can change; other seeds and wording"]);
    const unreadable = planRefinement({ direction, capabilities: luma, count: 1, randomSeed: seeds }, { take: take(0, { critique: { score: 40 } }), number: 2 });
    expect(unreadable.summary).toEqual(["take 2 has no readable critique; other seeds and wording"]);
  });
});

function autoJob(takes: Take[], overrides: Partial<Job> = {}): Job {
  return {
    id: "job-1",
    createdAt: "2026-12-01T00:00:00.000Z",
    frame: {
      frameId: "f",
      capturedAt: "2026-12-01T00:00:00.000Z",
      image: { width: 1920, height: 1080, mediaType: "image/png", bytes: 1 },
      mode: "insert",
      sequence: sequenceContext({ frameSize: { width: 1920, height: 1080 } }),
    },
    direction,
    provider: "luma",
    model: "ray-3.2",
    mode: "draft",
    count: 2,
    duration: 5,
    budgetUsd: null,
    budgetLimitUsd: 10,
    auto: { target: 80, rounds: 2 },
    loop: { state: "running", round: 0, best: null },
    canceled: false,
    takes,
    ...overrides,
  };
}

const ctx = (job: Job, overrides: Partial<RoundContext> = {}): RoundContext => ({
  job,
  providerLabel: "Luma Ray 3.2",
  capabilities: luma,
  perTakeUsd: 0.15,
  budgetLeftUsd: 5,
  dailyLeftUsd: 40,
  randomSeed: seeds,
  ...overrides,
});

describe("auto loop decisions", () => {
  it("waits while a take of the round is still rendering", () => {
    expect(decideAfterRound(ctx(autoJob([take(0), take(1, { state: "running", critique: null })]))).kind).toBe("wait");
  });

  it("stops on the target, naming the take; refines under it, from the best take of any round", () => {
    const reached = decideAfterRound(ctx(autoJob([take(0, { critique: critique({ score: 91 }) }), take(1)])));
    expect(reached).toMatchObject({ kind: "stop", loop: { state: "done", stop: "target", best: { takeId: "take-0", score: 91 } } });
    expect(reached.kind === "stop" && reached.log.at(-1)!.text).toBe("Done: take 1 scores 91, at or over the target of 80.");

    const earlier = take(0, { critique: critique({ score: 70, moves: [{ amountError: -30 }] }) });
    const worse = [take(2, { iteration: 1, critique: critique({ score: 40 }) }), take(3, { iteration: 1, critique: critique({ score: 45 }) })];
    const again = decideAfterRound(ctx(autoJob([earlier, take(1), ...worse], { loop: { state: "running", round: 1, best: null } })));
    expect(again.kind).toBe("refine");
    if (again.kind !== "refine") return;
    expect(again.loop).toEqual({ state: "running", round: 2, best: { takeId: "take-0", score: 70 } });
    expect(again.variants.every((v) => v.refines === "take-0")).toBe(true);
    expect(again.log.map((l) => l.kind)).toEqual(["score", "refine"]);
    expect(again.log[0]!.text).toBe("Round 2 scored: take 4 45 (Pan right as asked but 40% short); take 3 40.");
    expect(again.log[1]!.text).toMatch(/^Round 3 refines take 1 \(70, target 80\): the pan right asked 43% stronger than drawn \(take 1 moved 30% short\)\. Drafting 2 takes on Luma Ray 3\.2\.$/);
  });

  it("stops when the rounds are used, when a whole round failed, and when nothing could be scored", () => {
    const used = decideAfterRound(ctx(autoJob([take(0), take(1)], { auto: { target: 80, rounds: 0 } })));
    expect(used).toMatchObject({ kind: "stop", loop: { stop: "rounds" } });
    expect(used.kind === "stop" && used.log.at(-1)!.text).toBe("Done: 0 refinement rounds used; the best is take 2 at 51, under the target of 80.");

    const moderated = { code: "content_moderated", message: "Luma's moderation refused this frame or prompt." };
    const failed = decideAfterRound(ctx(autoJob([take(0, { state: "failed", error: moderated, critique: null }), take(1, { state: "failed", error: moderated, critique: null })])));
    expect(failed.kind === "stop" && failed.loop.stop).toBe("failed");
    expect(failed.kind === "stop" && failed.log.at(-1)!.text).toBe(
      "Stopped: every take of round 1 failed (Luma's moderation refused this frame or prompt); drafting again would likely fail the same way. Change the request, or retry the takes.",
    );

    const unscored = decideAfterRound(ctx(autoJob([take(0, { critique: null }), take(1, { state: "canceled", critique: null })])));
    expect(unscored.kind === "stop" && unscored.loop.stop).toBe("unscored");
  });

  it("shrinks a round to what the budget or the day's cap allows, and stops when not one more take fits", () => {
    const shrunk = decideAfterRound(ctx(autoJob([take(0), take(1)]), { budgetLeftUsd: 0.2 }));
    expect(shrunk.kind === "refine" && shrunk.variants).toHaveLength(1);
    expect(shrunk.kind === "refine" && shrunk.log[1]!.text).toBe("The budget allows 1 of 2 takes in round 2 ($0.15 each, $0.20 left).");

    const broke = decideAfterRound(ctx(autoJob([take(0), take(1)]), { dailyLeftUsd: 0.1 }));
    expect(broke).toMatchObject({ kind: "stop", loop: { stop: "budget" } });
    expect(broke.kind === "stop" && broke.log.at(-1)!.text).toBe("Stopped: another take costs $0.15 and the day's cap leaves $0.10; the best is take 2 at 51.");

    // Free takes (previz) are never limited by money.
    expect(decideAfterRound(ctx(autoJob([take(0), take(1)]), { perTakeUsd: 0, budgetLeftUsd: 0 })).kind).toBe("refine");
  });

  it("sizes a round to the admin's tightest limit in team mode, and stops naming it rather than being refused", () => {
    const shrunk = decideAfterRound(ctx(autoJob([take(0), take(1)]), { adminLeft: { leftUsd: 0.2, name: "the editor's daily budget" } }));
    expect(shrunk.kind === "refine" && shrunk.variants).toHaveLength(1);
    expect(shrunk.kind === "refine" && shrunk.log[1]!.text).toBe("The budget allows 1 of 2 takes in round 2 ($0.15 each, $0.20 left).");

    const stopped = decideAfterRound(ctx(autoJob([take(0), take(1)]), { adminLeft: { leftUsd: 0.05, name: "the studio's monthly budget" } }));
    expect(stopped).toMatchObject({ kind: "stop", loop: { stop: "budget" } });
    expect(stopped.kind === "stop" && stopped.log.at(-1)!.text).toBe("Stopped: another take costs $0.15 and the studio's monthly budget leaves $0.05; the best is take 2 at 51.");
  });

  it("does nothing for a job that is not auto, or whose loop is done; a canceled job stops", () => {
    expect(decideAfterRound(ctx(autoJob([take(0)], { auto: undefined, loop: undefined }))).kind).toBe("wait");
    expect(decideAfterRound(ctx(autoJob([take(0)], { loop: { state: "done", round: 0, best: null, stop: "target" } }))).kind).toBe("wait");
    expect(decideAfterRound(ctx(autoJob([take(0)], { canceled: true })))).toMatchObject({ kind: "stop", loop: { stop: "canceled" } });
  });
});
