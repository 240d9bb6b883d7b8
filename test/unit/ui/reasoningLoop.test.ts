import { describe, expect, it } from "vitest";
import { autoInWords, loopInWords, roundHeading, spentInWords } from "../../../src/ui/loopWords.js";
import { appendLogEntry, mergeJob, mergeLog, mergeLoop } from "../../../src/ui/state/jobMerge.js";
import { bestTakeId, groupTakesByRound, takeNames } from "../../../src/ui/state/takeGroups.js";
import { confirmationAmount, enhanceProviderFor, jobRunning } from "../../../src/ui/state/selectors.js";
import { job, logEntry, provider, scored, take } from "./fixtures.js";

/** How an auto job's rounds, log and loop state are merged, laid out and worded for the editor. */

describe("takes grouped by round, best first", () => {
  it("groups by iteration in round order; within a round scored takes by score, then unscored, then rendering, then failed", () => {
    const takes = [
      take({ id: "fail", index: 0, state: "failed" }),
      scored("s60", 60, { index: 1 }),
      take({ id: "running", index: 2, state: "running" }),
      scored("s85", 85, { index: 3 }),
      take({ id: "canceled", index: 4, state: "canceled" }),
      take({ id: "unscored", index: 5, state: "succeeded" }),
      scored("r2-70", 70, { index: 0, iteration: 1 }),
      scored("r2-90", 90, { index: 1, iteration: 1 }),
    ];
    const groups = groupTakesByRound(takes);
    expect(groups.map((g) => g.iteration)).toEqual([0, 1]);
    expect(groups[0]!.takes.map((t) => t.id)).toEqual(["s85", "s60", "unscored", "running", "fail", "canceled"]);
    expect(groups[1]!.takes.map((t) => t.id)).toEqual(["r2-90", "r2-70"]);
  });

  it("keeps the backend's numbering between equal scores, so cards do not swap while scores arrive", () => {
    const groups = groupTakesByRound([scored("b", 80, { index: 1 }), scored("a", 80, { index: 0 })]);
    expect(groups[0]!.takes.map((t) => t.id)).toEqual(["a", "b"]);
  });

  it("marks the loop's best take; a plain job's highest score once two are scored; none for one take", () => {
    const takes = [scored("a", 70), scored("b", 88, { index: 1 })];
    expect(bestTakeId(job(takes, { loop: { state: "done", round: 1, stop: "target", best: { takeId: "a", score: 70 } } }), takes)).toBe("a");
    expect(bestTakeId(job(takes, { loop: { state: "running", round: 0, best: null } }), takes)).toBeNull();
    expect(bestTakeId(job(takes), takes)).toBe("b");
    expect(bestTakeId(job([takes[0]!]), [takes[0]!])).toBeNull();
  });

  it("names takes by the backend's numbers, adding the round only when two rounds number alike", () => {
    expect([...takeNames([take({ id: "a", index: 0 }), take({ id: "b", index: 4, iteration: 1 })]).values()]).toEqual(["Take 1", "Take 5"]);
    expect([...takeNames([take({ id: "a", index: 0 }), take({ id: "b", index: 0, iteration: 1 })]).values()]).toEqual(["Take 1", "Take 1 · round 2"]);
  });

  it("heads each round for the editor, counting rounds from 1", () => {
    expect(roundHeading(0, 4)).toBe("Round 1 · 4 drafts");
    expect(roundHeading(0, 1)).toBe("Round 1 · 1 draft");
    expect(roundHeading(1, 4)).toBe("Round 2 · refined");
  });
});

describe("merging job updates (SSE replays, trailing snapshots)", () => {
  it("keeps every log line once, oldest first, whatever order and how often they arrive", () => {
    const merged = mergeLog([logEntry(3, "c"), logEntry(5, "e")], [logEntry(4, "d"), logEntry(3, "c"), logEntry(1, "a")]);
    expect(merged.map((e) => e.text)).toEqual(["a", "c", "d", "e"]);
    const held = [logEntry(1, "a")];
    expect(mergeLog(held, [logEntry(1, "a")])).toBe(held); // nothing new: same array, no re-render
    const j = job([], { log: held });
    expect(appendLogEntry(j, logEntry(1, "a"))).toBe(j);
    expect(appendLogEntry(j, logEntry(2, "b")).log?.map((e) => e.seq)).toEqual([1, 2]);
  });

  it("never moves the loop backwards: a done loop stays done, the round never decreases", () => {
    const running2 = { state: "running" as const, round: 1, best: null };
    const done = { state: "done" as const, round: 1, stop: "target" as const, best: { takeId: "t", score: 90 } };
    expect(mergeLoop(running2, { state: "running", round: 0, best: null })).toBe(running2);
    expect(mergeLoop(done, running2)).toBe(done);
    expect(mergeLoop(running2, done)).toBe(done);
    const better = { ...running2, best: { takeId: "x", score: 60 } };
    expect(mergeLoop(running2, better)).toBe(better);
  });

  it("a trailing snapshot keeps the log lines and loop already held, and a cancel", () => {
    const held = job([], { log: [logEntry(1, "a"), logEntry(2, "b")], loop: { state: "running", round: 1, best: null }, canceled: true });
    const stale = job([], { log: [logEntry(1, "a")], loop: { state: "running", round: 0, best: null }, canceled: false, budgetLimitUsd: 10 });
    const merged = mergeJob(held, stale);
    expect(merged.log?.map((e) => e.text)).toEqual(["a", "b"]);
    expect(merged.loop?.round).toBe(1);
    expect(merged.canceled).toBe(true);
    expect(merged.budgetLimitUsd).toBe(10);
    expect(mergeJob(held, { ...stale, id: "job-2" }).id).toBe("job-2"); // another job: taken whole
  });

  it("a job is still running between rounds, when every take is done but the loop is not", () => {
    const takes = [scored("a", 40)];
    expect(jobRunning(job(takes, { loop: { state: "running", round: 0, best: null } }), takes)).toBe(true);
    expect(jobRunning(job(takes, { loop: { state: "done", round: 2, stop: "rounds", best: null } }), takes)).toBe(false);
    expect(jobRunning(job(takes), [take({ id: "b", state: "running" })])).toBe(true);
  });
});

describe("the loop in words", () => {
  const auto = { target: 80, rounds: 2 };
  const best = { name: "Take 3", score: 86.4 };

  it("says which round runs, of how many", () => {
    expect(loopInWords({ state: "running", round: 1, best: null }, auto, null)).toBe("Round 2 of 3 running…");
    expect(loopInWords({ state: "running", round: 1, best: { takeId: "t", score: 61 } }, auto, { name: "Take 2", score: 61 })).toBe(
      "Round 2 of 3 running… So far best: Take 2, score 61.",
    );
  });

  it("says why it stopped", () => {
    const done = (stop: "target" | "rounds" | "budget" | "canceled" | "failed" | "unscored", round = 0) => loopInWords({ state: "done", round, stop, best: null }, auto, best);
    expect(done("target")).toBe("Done: target 80 reached in round 1; best: Take 3, score 86.");
    expect(done("rounds", 2)).toBe("Done: every refinement round used, still under the target 80; best: Take 3, score 86.");
    expect(done("budget", 1)).toBe("Stopped: the budget leaves no room for another take; best: Take 3, score 86.");
    expect(done("canceled")).toBe("Canceled; best: Take 3, score 86.");
    expect(loopInWords({ state: "done", round: 1, stop: "failed", best: null }, auto, null)).toBe(
      "Stopped in round 2: it could not go on (the reasoning log says why).",
    );
    // Team mode: the studio service gave up deciding the next round; not the loop's own verdict.
    expect(loopInWords({ state: "done", round: 1, stop: "failed", stoppedOnService: true, best: null }, auto, best)).toBe(
      "Stopped on the studio service after round 2: an admin can retry it (the reasoning log says why); best: Take 3, score 86.",
    );
    expect(loopInWords({ state: "done", round: 0, stop: "unscored", best: null }, auto, null)).toBe(
      "Stopped: the critic could not score round 1, so there was nothing to refine from.",
    );
  });

  it("words the cost against the budget and the auto setup", () => {
    expect(spentInWords({ usd: 0.4, estimated: false }, 10)).toBe("Spent $0.40 of $10.00");
    expect(spentInWords({ usd: 1.2, estimated: true }, 10)).toBe("Spent ~$1.20 (est.) of $10.00");
    expect(spentInWords({ usd: 0, estimated: false }, undefined)).toBe("Spent $0.00");
    expect(autoInWords(4, auto)).toBe("4 takes a round, up to 2 refinements, stop at 80");
    expect(autoInWords(1, { target: 90, rounds: 0 })).toBe("1 take a round, no refinement (ranked only), stop at 90");
  });
});

describe("spending and enhancing", () => {
  const estimate = {
    provider: "luma",
    model: "ray",
    perTake: { usd: 0.4, estimated: true },
    total: { usd: 1.6, estimated: true },
    budget: { jobUsd: 10, dailyCapUsd: 50, spentTodayUsd: 0, confirmAboveUsd: 2 },
    needsConfirmation: false,
  };

  it("asks to confirm the most an auto job can spend when that is above the threshold", () => {
    expect(confirmationAmount(estimate)).toBeNull();
    expect(confirmationAmount({ ...estimate, maxTotal: { usd: 4.8, estimated: true } })).toEqual({ usd: 4.8, estimated: true });
    expect(confirmationAmount({ ...estimate, needsConfirmation: true })).toEqual(estimate.total);
  });

  it("renders finals on the editor's pick, else the job's provider, else the first that renders finals", () => {
    const previz = provider("previz");
    const luma = provider("luma");
    const draftsOnly = provider("sketch", { modes: ["draft"] });
    expect(enhanceProviderFor({ provider: "previz" }, [previz, luma], null)?.id).toBe("previz");
    expect(enhanceProviderFor({ provider: "previz" }, [previz, luma], "luma")?.id).toBe("luma");
    expect(enhanceProviderFor({ provider: "sketch" }, [draftsOnly, luma], null)?.id).toBe("luma");
    expect(enhanceProviderFor({ provider: "sketch" }, [draftsOnly, provider("luma", {}, false)], "luma")).toBeNull();
  });
});
