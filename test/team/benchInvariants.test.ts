import { describe, expect, it } from "vitest";
import type { EditorStats, JobRecord } from "../../scripts/bench/team/editors.js";
import { checkInvariants, type LedgerTake, type StandInCounts } from "../../scripts/bench/team/invariants.js";

/**
 * The team bench's verdict: each invariant must fail on the breakage it names, or a green bench
 * proves nothing.
 */

const take = (over: Partial<LedgerTake> = {}): LedgerTake => ({
  jobId: "job1", takeId: "take1", tag: "[bench e1 j001]", userName: "e1", provider: "luma", state: "succeeded",
  errorMessage: null, providerJobId: "gen1", costUsd: 0.15, createdAt: "", updatedAt: "", ...over,
});
const job = (over: Partial<JobRecord> = {}): JobRecord => ({ editor: "e1", provider: "luma", tag: "[bench e1 j001]", jobId: "job1", sentAt: 0, createdAt: 0, takeIds: ["take1"], seen: [], streamDrops: 0, ...over });
const stats = (jobs: JobRecord[], over: Partial<EditorStats> = {}): EditorStats => ({ jobs, refusedOverBudget: 0, refusedEditors: [], failedPosts: [], ambiguousTags: [], ...over });
const counts = (perKey: Record<string, number>, generations = [{ id: "gen1", key: "[bench e1 j001]" }]): StandInCounts => ({
  requests: 0, unauthorized: 0, submits: Object.values(perKey).reduce((a, b) => a + b, 0),
  doubles: Object.entries(perKey).filter(([, n]) => n > 1).map(([key, n]) => ({ key, n })), perKey,
  generations: generations.map((g) => ({ ...g, polls: 1, downloads: 1, done: true, lastPollPort: null, lastPollAt: null })),
});
const verdict = (checks: ReturnType<typeof checkInvariants>) => Object.fromEntries(checks.map((c) => [c.name.split(" ").slice(0, 2).join(" "), c.ok]));

describe("team bench invariants", () => {
  it("pass on a clean run", () => {
    const checks = checkInvariants([take()], stats([job()]), counts({ "[bench e1 j001]": 1 }), new Map([["e1", 0.3]]));
    expect(checks.every((c) => c.ok)).toBe(true);
  });

  it("catch a take left running, and a failure without a reason", () => {
    expect(verdict(checkInvariants([take({ state: "running" })], stats([job()]), counts({ "[bench e1 j001]": 1 }), new Map()))["every take"]).toBe(false);
    expect(verdict(checkInvariants([take({ state: "failed", errorMessage: null })], stats([job()]), counts({ "[bench e1 j001]": 1 }), new Map()))["every take"]).toBe(false);
    expect(verdict(checkInvariants([take({ state: "failed", errorMessage: "Luma refused it" })], stats([job()]), counts({ "[bench e1 j001]": 1 }), new Map()))["every take"]).toBe(true);
  });

  it("catch a job an editor was answered 201 for that the ledger lacks", () => {
    const v = verdict(checkInvariants([take()], stats([job(), job({ jobId: "job2", tag: "[bench e1 j002]" })]), counts({ "[bench e1 j001]": 1 }), new Map()));
    expect(v["no take"]).toBe(false);
  });

  it("catch a take submitted twice, and a generation no take recorded", () => {
    expect(verdict(checkInvariants([take()], stats([job()]), counts({ "[bench e1 j001]": 2 }), new Map()))["nothing paid"]).toBe(false);
    const orphan = counts({ "[bench e1 j001]": 1, "[bench e1 j002]": 1 }, [{ id: "gen1", key: "[bench e1 j001]" }, { id: "gen2", key: "[bench e1 j002]" }]);
    expect(verdict(checkInvariants([take()], stats([job()]), orphan, new Map()))["nothing paid"]).toBe(false);
  });

  it("catch an editor's spend above their budget", () => {
    const ledger = [take(), take({ jobId: "job2", takeId: "take2", tag: "[bench e1 j002]", providerJobId: "gen2" }), take({ jobId: "job3", takeId: "take3", tag: "[bench e1 j003]", providerJobId: "gen3" })];
    const jobs = ledger.map((t) => job({ jobId: t.jobId, tag: t.tag, takeIds: [t.takeId] }));
    const c = counts({ "[bench e1 j001]": 1, "[bench e1 j002]": 1, "[bench e1 j003]": 1 }, ledger.map((t) => ({ id: t.providerJobId!, key: t.tag })));
    expect(verdict(checkInvariants(ledger, stats(jobs), c, new Map([["e1", 0.3]])))["no editor's"]).toBe(false);
    expect(verdict(checkInvariants(ledger, stats(jobs), c, new Map([["e1", 0.45]])))["no editor's"]).toBe(true);
  });
});
