import { execFile } from "node:child_process";
import crypto from "node:crypto";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KyselyStore } from "../../../src/server/ledger/kyselyStore.js";
import { BudgetRefusedError, type SpendGuard, type SpendSnapshot } from "../../../src/server/ledger/store.js";
import { DIALECTS, makeJob, makeTake, testId, testStore, type TestStore } from "../../helpers/stores.js";

/**
 * The store on both databases: what a user would notice if it went wrong — an SSE replay out of
 * order, a star lost to a progress write, a budget overspent by two editors at once, a sign-in
 * token handed to two panels, a take forgotten across a restart.
 */
describe.each(DIALECTS)("store on %s", (dialect) => {
  let t: TestStore;
  let store: KyselyStore;
  /** A second store on the same database: another API process (PostgreSQL), another backend on the file (SQLite). */
  let other: KyselyStore;
  beforeAll(async () => {
    t = await testStore(dialect);
    store = t.store;
    // SQLite: one backend process owns the file, and better-sqlite3 is synchronous, so a second
    // store in this same process would block the event loop waiting for the first one's lock.
    // Two backends on one file are serialised by BEGIN IMMEDIATE across processes instead.
    other = dialect === "postgres" ? await t.reopen() : store;
  });
  afterAll(async () => {
    if (other !== store) await other?.close();
    await t?.dispose();
  });

  it("numbers take changes, log lines and job changes in one sequence, and replays them in order", async () => {
    const job = makeJob({ takes: [{}, {}] });
    await store.insertJob(job);
    const [a, b] = job.takes;
    expect((await store.takesChangedSince(job.id, 0)).map((x) => [x.take.id, x.seq])).toEqual([[a!.id, 1], [b!.id, 2]]);
    expect(await store.updateTake({ ...a!, state: "running", progress: 0.5 })).toBe(3);
    expect((await store.appendLog(job.id, { at: job.createdAt, round: 0, kind: "round", text: "Round 1" })).seq).toBe(4);
    expect(await store.updateJob(job.id, { loop: { state: "running", round: 0, best: null } })).toBe(5);
    const added = await store.addTakes(job.id, [makeTake(job.id, 2)], { loop: { state: "running", round: 1, best: null } });
    expect(added.takes.map((x) => x.seq)).toEqual([6]);
    expect(added.jobSeq).toBe(7);
    const round = await store.recordRound(job.id, [{ at: job.createdAt, round: 1, kind: "refine", text: "Tighter pan" }], [makeTake(job.id, 3)], { loop: { state: "running", round: 2, best: null } });
    expect([round.entries[0]!.seq, round.takes[0]!.seq, round.jobSeq]).toEqual([8, 9, 10]);

    const replay = await store.changesSince(job.id, 2);
    expect(replay.map((i) => [i.type, i.seq])).toEqual([["take", 3], ["log", 4], ["take", 6], ["log", 8], ["take", 9], ["job", 10]]);
    const last = replay.at(-1)!;
    expect(last.type === "job" && last.job.loop?.round).toBe(2);
    expect(last.type === "job" && last.job.takes).toHaveLength(4);
    expect(await store.changesSince(job.id, 10)).toEqual([]);

    // Another process (or a restart) sees the same job and carries the sequence on.
    const seen = (await other.getJob(job.id))!;
    expect(seen.takes.map((x) => x.state)).toEqual(["running", "queued", "queued", "queued"]);
    expect(seen.log!.map((e) => e.text)).toEqual(["Round 1", "Tighter pan"]);
    expect(await other.updateTake({ ...seen.takes[1]!, state: "failed" })).toBe(11);
    expect(await other.runningLoops()).toContain(job.id);
  });

  it("keeps a star and a stream of progress writes from overwriting each other (changeTake, two processes at once)", async () => {
    const job = makeJob({ takes: [{ state: "running" }] });
    await store.insertJob(job);
    const id = job.takes[0]!.id;
    const writes = Array.from({ length: 20 }, (_, i) =>
      (i % 2 === 0 ? store : other).changeTake(id, (current) => ({
        ...current,
        progress: Math.max(current.progress, (i + 1) / 20),
        notes: [...(current.notes ?? []), `w${i}`],
        ...(i === 7 ? { starred: true } : {}),
      })),
    );
    const results = await Promise.all(writes);
    const seqs = results.map((r) => r!.seq).sort((x, y) => x - y);
    expect(seqs).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
    const final = (await store.getTake(id))!;
    expect(final.notes!.slice().sort()).toEqual(Array.from({ length: 20 }, (_, i) => `w${i}`).sort());
    expect(final.starred).toBe(true);
    expect(final.progress).toBe(1);
    // The job's starred count followed the star.
    expect((await store.history({ limit: 50, starred: true })).jobs.map((j) => j.id)).toContain(job.id);
    expect(await store.changeTake("take-none", (c) => c)).toBeUndefined();
  });

  it("hands a guard what is spent that day, in the job, the project and by the editor, and writes nothing it refuses", async () => {
    const day = "2026-12-01";
    const at = `${day}T09:00:00.000Z`;
    const ana = { userId: testId("user"), name: "ana" };
    const first = makeJob({ createdAt: at, project: "Guarded", createdBy: ana, takes: [{ cost: { usd: 1.25, estimated: true } }] });
    await store.insertJob(first);
    await store.insertJob(makeJob({ createdAt: at, project: "Elsewhere", takes: [{ cost: { usd: 0.5, estimated: true } }] }));
    await store.insertJob(makeJob({ createdAt: "2026-11-30T23:59:59.000Z", project: "Guarded", createdBy: ana, takes: [{ cost: { usd: 9, estimated: true } }] }));

    const seen: SpendSnapshot[] = [];
    const refuse: SpendGuard = (spent) => {
      seen.push(spent);
      return "Over the studio's daily budget.";
    };
    const retry = makeTake(first.id, 1, { createdAt: at, updatedAt: at, cost: { usd: 2, estimated: true } });
    await expect(store.addTakes(first.id, [retry], { canceled: false }, refuse)).rejects.toThrow(BudgetRefusedError);
    expect(seen[0]).toMatchObject({ dayUsd: 1.75, jobUsd: 1.25, projectDayUsd: 1.25, userDayUsd: 1.25, monthUsd: 1.75, projectMonthUsd: 1.25, userMonthUsd: 1.25, project: "Guarded", userId: ana.userId });
    expect((await store.getJob(first.id))!.takes).toHaveLength(1);
    expect(await store.spentInJob(first.id)).toBe(1.25);

    const blocked = makeJob({ createdAt: at, project: "Guarded", createdBy: { userId: testId("user"), name: "bo" }, takes: [{ cost: { usd: 3, estimated: true } }] });
    await expect(store.insertJob(blocked, refuse)).rejects.toThrow("Over the studio's daily budget.");
    expect(seen[1]).toMatchObject({ dayUsd: 1.75, jobUsd: 0, projectDayUsd: 1.25, userDayUsd: 0, monthUsd: 1.75, projectMonthUsd: 1.25, userMonthUsd: 0, project: "Guarded", userId: blocked.createdBy!.userId });
    expect(await store.getJob(blocked.id)).toBeUndefined();
    expect(await store.spentOn(day)).toBe(1.75);

    // Allowed: lands with its spend, and the next snapshot counts it.
    const round = await store.recordRound(first.id, [{ at, round: 1, kind: "round", text: "Round 2" }], [retry], {}, () => undefined);
    expect(round.takes).toHaveLength(1);
    let after: SpendSnapshot | undefined;
    await store.addTakes(first.id, [makeTake(first.id, 2, { createdAt: at, updatedAt: at, cost: { usd: 0, estimated: false } })], {}, (spent) => {
      after = spent;
      return undefined;
    });
    expect(after).toEqual({ dayUsd: 3.75, jobUsd: 3.25, projectDayUsd: 3.25, userDayUsd: 3.25, monthUsd: 3.75, projectMonthUsd: 3.25, userMonthUsd: 3.25, project: "Guarded", userId: ana.userId });

    const rows = (await store.spendRows()).filter((r) => r.day === day);
    expect(rows.find((r) => r.jobId === first.id)).toEqual({ day, project: "Guarded", jobId: first.id, userId: ana.userId, usd: 3.25 });
    expect(rows.find((r) => r.project === "Elsewhere")).toMatchObject({ userId: null, usd: 0.5 });
  });

  it("lets exactly as many of 20 simultaneous guarded jobs land as the cap allows (two processes on PostgreSQL)", async () => {
    const day = "2026-12-02";
    const project = `Race ${dialect}`;
    const capUsd = 7;
    const guard: SpendGuard = (spent) => (spent.projectDayUsd + 1 > capUsd ? `Project ${project} is at its $${capUsd} daily cap.` : undefined);
    const jobs = Array.from({ length: 20 }, () => makeJob({ createdAt: `${day}T12:00:00.000Z`, project, takes: [{ cost: { usd: 1, estimated: true } }] }));
    const results = await Promise.allSettled(jobs.map((job, i) => (i % 2 === 0 ? store : other).insertJob(job, guard)));
    const landed = results.filter((r) => r.status === "fulfilled").length;
    expect(landed).toBe(capUsd);
    for (const r of results) if (r.status === "rejected") expect(r.reason).toBeInstanceOf(BudgetRefusedError);
    const spent = (await store.spendRows()).filter((r) => r.project === project).reduce((sum, r) => sum + r.usd, 0);
    expect(spent).toBe(capUsd);
  });

  it.runIf(dialect === "sqlite")("lets exactly as many guarded jobs land as the cap allows when two backend processes share the file", async () => {
    const dataDir = (t.location as { dataDir: string }).dataDir;
    const project = "Two backends";
    // Both start writing at the same moment, well after both have had time to start.
    const startAt = String(Date.now() + 8000);
    const run = () => promisify(execFile)(process.execPath, ["--import", "tsx", "test/helpers/guardedWriter.ts", dataDir, "20", project, "15", startAt], { env: process.env });
    const outputs = await Promise.all([run(), run()]);
    const landed = outputs.map((o) => Number(o.stdout.trim()));
    expect(landed[0]! + landed[1]!).toBe(15);
    const spent = (await store.spendRows()).filter((r) => r.project === project).reduce((sum, r) => sum + r.usd, 0);
    expect(spent).toBe(15);
  });

  it("finds takes left running and auto loops left unfinished, for a restart to resume", async () => {
    const job = makeJob({ takes: [{ state: "succeeded" }, { state: "running", updatedAt: "2026-11-24T10:00:05.000Z" }, { state: "queued", updatedAt: "2026-11-24T10:00:01.000Z" }] });
    await store.insertJob(job);
    await store.updateJob(job.id, { loop: { state: "running", round: 1, best: null } });
    const again = await t.reopen();
    try {
      const unfinished = (await again.unfinishedTakes()).filter((x) => x.jobId === job.id);
      expect(unfinished.map((x) => x.index)).toEqual([2, 1]);
      expect(await again.runningLoops()).toContain(job.id);
      await again.updateJob(job.id, { loop: { state: "done", round: 1, best: null } });
      expect(await again.runningLoops()).not.toContain(job.id);
    } finally {
      await again.close();
    }
  });

  it("keeps frames, artifacts and project settings", async () => {
    const job = makeJob();
    await store.insertFrame(job.frame, "/data/frames/f.png");
    expect(await store.getFrame(job.frame.frameId)).toEqual({ frame: job.frame, imagePath: "/data/frames/f.png" });
    await store.insertJob(job);
    const artifact = { id: testId("art"), takeId: job.takes[0]!.id, kind: "master" as const, fileName: "m.mov", mediaType: "video/quicktime", bytes: 5, createdAt: job.createdAt };
    await store.insertArtifact(artifact, "/a/m.mov");
    await store.insertArtifact({ ...artifact, bytes: 6 }, "/b/m.mov");
    expect(await store.getArtifact(artifact.id)).toEqual({ artifact: { ...artifact, bytes: 6 }, path: "/b/m.mov" });
    const project = `Settings ${dialect}`;
    expect(await store.projectSettings(project)).toEqual({ judge: false });
    await store.setProjectSettings(project, { judge: true });
    expect(await other.projectSettings(project)).toEqual({ judge: true });
  });

  it("keeps users, tokens by hash, and budgets", async () => {
    const ana = await store.createUser({ name: `ana-${dialect}`, email: "ana@studio.example", admin: true });
    const bo = await store.createUser({ name: `bo-${dialect}` });
    await expect(store.createUser({ name: `ana-${dialect}` })).rejects.toThrow();
    expect(await other.findUserByName(`ana-${dialect}`)).toEqual(ana);
    expect(await store.getUser(bo.id)).toMatchObject({ admin: false, email: null, disabledAt: null });

    const hash = crypto.createHash("sha256").update("secret-a").digest("hex");
    const token = { id: testId("tok"), userId: bo.id, hash, label: "panel on bo-mac", createdAt: "2026-12-01T00:00:00.000Z", lastUsedAt: null, revokedAt: null };
    await store.insertToken(token);
    expect(await other.tokenByHash(hash)).toEqual({ token, user: bo });
    await store.touchToken(token.id, "2026-12-01T01:00:00.000Z");
    expect((await store.listTokens(bo.id))[0]!.lastUsedAt).toBe("2026-12-01T01:00:00.000Z");
    // A disabled editor's tokens stop working, and work again when re-enabled.
    await store.setUserDisabled(bo.id, "2026-12-01T02:00:00.000Z");
    expect(await store.tokenByHash(hash)).toBeUndefined();
    await store.setUserDisabled(bo.id, null);
    expect(await store.tokenByHash(hash)).toBeDefined();
    expect(await store.revokeToken(token.id, "2026-12-01T03:00:00.000Z")).toBe(true);
    expect(await store.revokeToken(token.id, "2026-12-01T04:00:00.000Z")).toBe(false);
    expect(await store.tokenByHash(hash)).toBeUndefined();
    expect((await store.listTokens(bo.id))[0]!.revokedAt).toBe("2026-12-01T03:00:00.000Z");
    expect((await store.listUsers()).map((u) => u.name)).toEqual(expect.arrayContaining([`ana-${dialect}`, `bo-${dialect}`]));

    await store.setBudget({ scope: "studio", key: "", period: "day", limitUsd: 50.125, updatedAt: "2026-12-01T00:00:00.000Z" });
    await store.setBudget({ scope: "user", key: bo.id, period: "month", limitUsd: 200, updatedAt: "2026-12-01T00:00:00.000Z" });
    await other.setBudget({ scope: "studio", key: "", period: "day", limitUsd: 75.3, updatedAt: "2026-12-02T00:00:00.000Z" });
    expect(await store.listBudgets()).toEqual([
      { scope: "studio", key: "", period: "day", limitUsd: 75.3, updatedAt: "2026-12-02T00:00:00.000Z" },
      { scope: "user", key: bo.id, period: "month", limitUsd: 200, updatedAt: "2026-12-01T00:00:00.000Z" },
    ]);
    await store.removeBudget("user", bo.id, "month");
    expect((await store.listBudgets()).map((b) => b.scope)).toEqual(["studio"]);
  });

  it("hands a sign-in's token over exactly once, even to two panels polling at once, and never to an expired pairing", async () => {
    const code = testId("pair");
    await store.insertPairing({ code, createdAt: "2026-12-01T00:00:00.000Z", expiresAt: "2026-12-01T00:10:00.000Z", flow: '{"state":"s"}', token: null, claimedAt: null });
    expect(await store.claimPairing(code, "2026-12-01T00:01:00.000Z")).toBeUndefined();
    const [one, two] = await Promise.all([store.completePairing(code, "tok-1", "2026-12-01T00:02:00.000Z"), other.completePairing(code, "tok-2", "2026-12-01T00:02:00.000Z")]);
    expect([one, two].filter(Boolean)).toHaveLength(1);
    const claims = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? store : other).claimPairing(code, "2026-12-01T00:03:00.000Z")));
    expect(claims.filter((c) => c !== undefined)).toEqual([one ? "tok-1" : "tok-2"]);
    expect(await store.getPairing(code)).toMatchObject({ token: null, claimedAt: "2026-12-01T00:03:00.000Z", flow: '{"state":"s"}' });
    expect(await store.completePairing(code, "tok-3", "2026-12-01T00:04:00.000Z")).toBe(false);

    const late = testId("pair");
    await store.insertPairing({ code: late, createdAt: "2026-12-01T00:00:00.000Z", expiresAt: "2026-12-01T00:10:00.000Z", flow: "{}", token: null, claimedAt: null });
    expect(await store.completePairing(late, "tok-4", "2026-12-01T00:10:00.000Z")).toBe(false);
    expect(await store.completePairing("no-such-code", "tok-5", "2026-12-01T00:00:00.000Z")).toBe(false);
  });
});
