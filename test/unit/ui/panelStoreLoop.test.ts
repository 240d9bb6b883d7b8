import { describe, expect, it } from "vitest";
import { createPanelStore } from "../../../src/ui/state/createPanelStore.js";
import { autoSettingsOf, comparedTakes, currentTakes } from "../../../src/ui/state/selectors.js";
import { job, logEntry, provider, scored, take } from "./fixtures.js";

/** The store's side of issue 6: auto settings, later rounds arriving, the log, compare picks, the history. */

describe("auto-refine settings", () => {
  it("switching Auto-refine on makes the count 4 takes a round (the provider's maximum when lower)", () => {
    const store = createPanelStore();
    const s = () => store.getState();
    s().setProviders([provider("previz")]);
    expect(s().count).toBe(2);
    s().setAuto({ enabled: true });
    expect(s().count).toBe(4);
    expect(autoSettingsOf(s())).toEqual({ target: 80, rounds: 2 });
    s().setCount(3);
    s().setAuto({ target: 90 }); // changing a setting keeps the editor's count
    expect(s().count).toBe(3);

    const small = createPanelStore();
    small.getState().setProviders([provider("luma", { maxCount: 2 })]);
    small.getState().setAuto({ enabled: true });
    expect(small.getState().count).toBe(2);
  });

  it("keeps target and rounds inside what the backend accepts, and sends auto only with drafts", () => {
    const store = createPanelStore();
    const s = () => store.getState();
    s().setProviders([provider("previz")]);
    s().setAuto({ enabled: true, target: 140, rounds: 9 });
    expect(s().auto).toEqual({ enabled: true, target: 100, rounds: 4 });
    s().setAuto({ target: 0, rounds: -2.4 });
    expect(s().auto).toMatchObject({ target: 1, rounds: 0 });
    s().setMode("final");
    expect(autoSettingsOf(s())).toBeUndefined();
    s().setMode("draft");
    s().setAuto({ enabled: false });
    expect(autoSettingsOf(s())).toBeUndefined();
  });
});

describe("an auto job's rounds, log and loop arriving over time", () => {
  it("adds a later round's takes the panel has not seen, and keeps the first round's", () => {
    const store = createPanelStore();
    const s = () => store.getState();
    s().startJob(job([scored("r1a", 40), scored("r1b", 55, { index: 1 })], { auto: { target: 80, rounds: 2 }, loop: { state: "running", round: 0, best: null } }));
    s().applyJobEvent({ type: "take", seq: 9, take: take({ id: "r2a", index: 2, iteration: 1, state: "queued" }) });
    expect(currentTakes(s()).map((t) => [t.id, t.iteration])).toEqual([
      ["r1a", 0],
      ["r1b", 0],
      ["r2a", 1],
    ]);
  });

  it("merges log events and job snapshots, replays included, newest line last", () => {
    const store = createPanelStore();
    const s = () => store.getState();
    s().startJob(job([], { log: [logEntry(1, "Round 1: drafting 4 takes")] }));
    s().applyJobEvent({ type: "log", seq: 3, entry: logEntry(3, "Take 2 scored 55") });
    s().applyJobEvent({ type: "log", seq: 3, entry: logEntry(3, "Take 2 scored 55") }); // replayed after a reconnect
    s().applyJobEvent({ type: "job", seq: 2, job: job([], { log: [logEntry(1, "Round 1: drafting 4 takes"), logEntry(2, "Take 1 scored 40")], loop: { state: "running", round: 0, best: null } }) });
    expect(s().job?.log?.map((e) => e.text)).toEqual(["Round 1: drafting 4 takes", "Take 1 scored 40", "Take 2 scored 55"]);
    s().applyJobEvent({ type: "job", seq: 20, job: job([], { loop: { state: "done", round: 1, stop: "target", best: { takeId: "t", score: 84 } } }) });
    s().applyJobEvent({ type: "job", seq: 12, job: job([], { loop: { state: "running", round: 1, best: null } }) }); // trailing
    expect(s().job?.loop).toMatchObject({ state: "done", stop: "target" });
    expect(s().job?.log).toHaveLength(3);
  });
});

describe("compare picks", () => {
  it("picks at most two takes per view; a third replaces the oldest; a new job clears the direct picks", () => {
    const store = createPanelStore();
    const s = () => store.getState();
    s().startJob(job([scored("a", 50), scored("b", 60, { index: 1 }), scored("c", 70, { index: 2 })]));
    s().toggleCompare("direct", "a");
    expect(comparedTakes(s(), "direct")).toBeNull(); // one is not a pair
    s().toggleCompare("direct", "b");
    expect(comparedTakes(s(), "direct")?.map((t) => t.id)).toEqual(["a", "b"]);
    s().toggleCompare("direct", "c");
    expect(s().compare.direct).toEqual(["b", "c"]);
    s().toggleCompare("direct", "b");
    expect(s().compare.direct).toEqual(["c"]);
    s().toggleCompare("history", "x");
    s().startJob(job([take({ id: "z", jobId: "job-2" })], { id: "job-2" }));
    expect(s().compare).toEqual({ direct: [], history: ["x"] });
  });
});

describe("a job opened in the history", () => {
  const summary = (id: string, starred = 0) => ({
    id,
    createdAt: "2025-01-01T00:00:00.000Z",
    provider: "previz",
    model: "previz-1",
    mode: "draft" as const,
    prompt: "dune crest",
    notes: [],
    projectName: "P",
    sequenceName: "S",
    colorSpace: "rec709" as const,
    duration: 5,
    frameId: "frame-1",
    takes: 2,
    succeeded: 2,
    running: false,
    rounds: 1,
    bestScore: 70,
    bestTakeId: "h1",
    poster: null,
    starred,
    cost: { usd: 0, estimated: false },
    auto: false,
  });

  it("takes a star from the backend's answer into the opened job and its row, not into the current job", () => {
    const store = createPanelStore();
    const s = () => store.getState();
    s().startJob(job([take({ id: "t1" })]));
    s().historyAnswered({ jobs: [summary("job-old")], total: 1, nextBefore: null }, "loading", s().jobHistory.filters);
    s().openingJob("job-old");
    s().openedJobLoaded(job([scored("h1", 70, { jobId: "job-old" })], { id: "job-old" }));
    s().applyTake(scored("h1", 70, { jobId: "job-old", starred: true, updatedAt: "2025-01-01T00:01:00.000Z" }));
    const opened = s().openedJob;
    expect(opened?.status === "ready" && opened.takes.h1?.starred).toBe(true);
    expect(s().jobHistory.jobs[0]?.starred).toBe(1);
    expect(Object.keys(s().takes)).toEqual(["t1"]);

    // With no current job at all (after a reload), a history take stays in the history.
    const fresh = createPanelStore();
    fresh.getState().openingJob("job-old");
    fresh.getState().openedJobLoaded(job([scored("h1", 70, { jobId: "job-old" })], { id: "job-old" }));
    fresh.getState().applyTake(scored("h1", 70, { jobId: "job-old", note: "keep", updatedAt: "2025-01-01T00:01:00.000Z" }));
    expect(fresh.getState().takes).toEqual({});
    const reopened = fresh.getState().openedJob;
    expect(reopened?.status === "ready" && reopened.takes.h1?.note).toBe("keep");
  });

  it("appends the next page without repeating a job, and drops a job loaded for a row no longer open", () => {
    const store = createPanelStore();
    const s = () => store.getState();
    const f = s().jobHistory.filters;
    s().historyAnswered({ jobs: [summary("j3"), summary("j2")], total: 3, nextBefore: "c1" }, "loading", f);
    s().historyAnswered({ jobs: [summary("j2"), summary("j1")], total: 3, nextBefore: null }, "more", f);
    expect(s().jobHistory.jobs.map((j) => j.id)).toEqual(["j3", "j2", "j1"]);
    expect(s().jobHistory.nextBefore).toBeNull();
    s().openingJob("j3");
    s().openingJob("j2");
    s().openedJobLoaded(job([], { id: "j3" })); // the slower answer for the row left
    expect(s().openedJob).toEqual({ jobId: "j2", status: "loading" });
  });

  it("a refreshed copy of a running opened job adds its new round and never reopens a finished take", () => {
    const store = createPanelStore();
    const s = () => store.getState();
    s().openingJob("job-old");
    s().openedJobLoaded(job([scored("h1", 40, { jobId: "job-old", updatedAt: "2025-01-01T00:01:00.000Z" })], { id: "job-old", loop: { state: "running", round: 0, best: null } }));
    s().openedJobRefreshed(
      job([take({ id: "h1", jobId: "job-old", state: "running" }), take({ id: "h2", jobId: "job-old", index: 1, iteration: 1, state: "running" })], {
        id: "job-old",
        loop: { state: "running", round: 1, best: { takeId: "h1", score: 40 } },
      }),
    );
    const opened = s().openedJob;
    if (opened?.status !== "ready") throw new Error("the job should be open");
    expect(Object.values(opened.takes).map((t) => [t.id, t.state])).toEqual([
      ["h1", "succeeded"],
      ["h2", "running"],
    ]);
    expect(opened.job.loop?.round).toBe(1);
    s().openedJobRefreshed(job([], { id: "job-other" })); // not the open job: ignored
    expect(s().openedJob).toBe(opened);
  });

  it("restores a job's settings with its direction: provider, quality, count and auto", () => {
    const store = createPanelStore();
    const s = () => store.getState();
    s().setProviders([provider("previz"), provider("luma", { maxCount: 3, durations: { min: 5, max: 10, step: 5 } })]);
    s().restoreDirection({
      frame: { context: job([]).frame, imageUrl: "http://x/f" },
      annotations: [],
      prompt: "again",
      duration: 2,
      provider: "luma",
      mode: "draft",
      count: 4,
      auto: { target: 90, rounds: 1 },
    });
    expect(s()).toMatchObject({ providerId: "luma", mode: "draft", count: 3, duration: 5, auto: { enabled: true, target: 90, rounds: 1 }, prompt: "again" });
    s().restoreDirection({ frame: { context: job([]).frame, imageUrl: "http://x/f" }, annotations: [], prompt: "", duration: 5, provider: "gone", auto: null });
    expect(s().providerId).toBe("luma"); // an unavailable provider is not taken
    expect(s().auto.enabled).toBe(false);
  });
});
