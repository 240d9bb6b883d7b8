import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CostEstimate, CreateJobRequest, type Job, type Take } from "../../../src/core/schemas/index.js";
import { Director, DirectorError } from "../../../src/server/director/director.js";
import { JobEvents } from "../../../src/server/director/jobEvents.js";
import type { KyselyStore } from "../../../src/server/ledger/kyselyStore.js";
import { LumaProvider } from "../../../src/server/providers/luma/lumaProvider.js";
import { ProviderRegistry } from "../../../src/server/providers/provider.js";
import { makeStillPng } from "../../helpers/backend.js";
import { DIALECTS, makeJob, testStore, type TestStore } from "../../helpers/stores.js";
import { FAST, LUMA_BASE, LUMA_KEY } from "../../contract/providerHarness.js";

/**
 * No path around the admin's budgets (team mode; the embedded store keeps them too): a retry is a
 * guarded write like a new job, so two API processes retrying at once land exactly what fits and
 * refuse the rest with the figures; and the estimate answers with the same guard for this editor
 * and project, listing the limits that apply, so it never says yes where creation says no.
 * On both databases, the director on each over a real store; Luma is msw at HTTP.
 */

const server = setupServer(
  http.post(`${LUMA_BASE}/generations`, () => HttpResponse.json({ id: `gen-${Math.random().toString(36).slice(2)}`, state: "queued" })),
  // Retried takes stay queued at Luma: their spend is what the test reads, never a delivery.
  http.get(`${LUMA_BASE}/generations/:id`, ({ params }) => HttpResponse.json({ id: params.id, state: "queued" })),
);
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterAll(() => server.close());

describe.each(DIALECTS)("the admin's limits on retries and estimates on %s", (dialect) => {
  let t: TestStore;
  let store: KyselyStore;
  /** A second API process on PostgreSQL (its own store and director); the same store on SQLite. */
  let other: KyselyStore;
  let directors: Director[];
  let dataDir: string;
  let framePath: string;
  let ana: { userId: string; name: string };
  let perTakeUsd: number;
  const budget = { perJobUsd: 10, dailyCapUsd: 100, confirmAboveUsd: 5 };

  const director = (on: KyselyStore) =>
    new Director({
      store: on,
      providers: new ProviderRegistry([new LumaProvider({ apiKey: LUMA_KEY, baseUrl: LUMA_BASE, ...FAST })]),
      events: new JobEvents(),
      dataDir,
      budget,
    });

  beforeAll(async () => {
    t = await testStore(dialect);
    store = t.store;
    other = dialect === "postgres" ? await t.reopen() : store;
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-limits-"));
    framePath = path.join(dataDir, "frame.png");
    fs.writeFileSync(framePath, makeStillPng());
    directors = [director(store), director(other)];
    const user = await store.createUser({ name: "ana" });
    ana = { userId: user.id, name: user.name };
    perTakeUsd = new LumaProvider({ apiKey: LUMA_KEY, baseUrl: LUMA_BASE }).estimateCost({ mode: "draft", model: "ray-3.2", duration: 2 }).usd;
    expect(perTakeUsd).toBeGreaterThan(0);
  });
  afterAll(async () => {
    for (const d of directors ?? []) d.stopAll();
    for (const d of directors ?? []) await d.settle(3000);
    if (other !== store) await other?.close();
    await t?.dispose();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** Today's jobs by ana in `project`, each with one take that failed before it was sent (it cost nothing; a retry is offered). */
  async function failedTakes(project: string, count: number): Promise<Take[]> {
    const now = new Date().toISOString();
    const takes: Take[] = [];
    for (let i = 0; i < count; i++) {
      const job: Job = makeJob({
        createdAt: now,
        project,
        createdBy: ana,
        takes: [{ state: "failed", providerJobId: null, message: "Failed", error: { code: "rate_limited", message: "Luma kept answering 429.", retryable: true }, cost: { usd: 0, estimated: false } }],
      });
      await store.insertFrame(job.frame, framePath);
      await store.insertJob(job);
      takes.push(job.takes[0]!);
    }
    return takes;
  }

  const usd = (v: number) => `$${v.toFixed(2)}`;

  it("lands exactly the retries that fit under the studio's daily limit when two API processes retry at once, and refuses the rest with the figures", async () => {
    const takes = await failedTakes("Retry race", 6);
    const fits = 3;
    const limitUsd = Math.round((fits + 0.5) * perTakeUsd * 100) / 100;
    await store.setBudget({ scope: "studio", key: "", period: "day", limitUsd, updatedAt: new Date().toISOString() });
    try {
      const results = await Promise.allSettled(takes.map((take, i) => directors[i % 2]!.retryTake(take.id)));
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(fits);
      for (const r of results.filter((r): r is PromiseRejectedResult => r.status === "rejected")) {
        expect(r.reason).toBeInstanceOf(DirectorError);
        expect(r.reason.status).toBe(402);
        expect(r.reason.message).toBe(
          `The studio's daily budget is ${usd(limitUsd)}; ${usd(fits * perTakeUsd)} is spent today; this job would cost ${usd(perTakeUsd)}. Ask an admin to raise it, or wait for the next day (UTC).`,
        );
      }
      // What the ledger holds: the retried takes carry one attempt's cost each; the refused ones are still failed, unchanged.
      const after = await Promise.all(takes.map(async (take) => (await store.getTake(take.id))!));
      expect(after.filter((x) => x.attempt === 1).map((x) => x.cost.usd)).toEqual(Array(fits).fill(perTakeUsd));
      expect(after.filter((x) => x.state === "failed" && x.attempt === undefined)).toHaveLength(takes.length - fits);
      const spent = (await store.spendRows()).filter((r) => r.project === "Retry race").reduce((sum, r) => sum + r.usd, 0);
      expect(spent).toBeCloseTo(fits * perTakeUsd, 9);
    } finally {
      await store.removeBudget("studio", "", "day");
    }
  });

  it("refuses a retry over the editor's monthly limit with the figures, and sends a take retried twice at once only once", async () => {
    const [spentTake, overTake, twiceTake] = await failedTakes("Editor limit", 3);
    // ana's month: one retry fits under her limit, a second does not.
    const monthSpent = (await store.spendRows()).filter((r) => r.userId === ana.userId && r.day.slice(0, 7) === new Date().toISOString().slice(0, 7)).reduce((s, r) => s + r.usd, 0);
    const limitUsd = Math.round((monthSpent + 1.5 * perTakeUsd) * 100) / 100;
    await store.setBudget({ scope: "user", key: ana.userId, period: "month", limitUsd, updatedAt: new Date().toISOString() });
    try {
      await directors[0]!.retryTake(spentTake!.id);
      const refused = await directors[1]!.retryTake(overTake!.id).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(DirectorError);
      expect(refused).toMatchObject({ status: 402, code: "over_budget" });
      expect((refused as Error).message).toBe(
        `ana's monthly budget is ${usd(limitUsd)}; ${usd(monthSpent + perTakeUsd)} is spent this month; this job would cost ${usd(perTakeUsd)}. Ask an admin to raise it, or wait for the next month (UTC).`,
      );
      expect(await store.getTake(overTake!.id)).toMatchObject({ state: "failed", cost: { usd: 0 } });
    } finally {
      await store.removeBudget("user", ana.userId, "month");
    }
    // Two clicks (or two panels) on one failed take: one retry is sent, the other told it is on its way.
    const both = await Promise.allSettled([directors[0]!.retryTake(twiceTake!.id), directors[1]!.retryTake(twiceTake!.id)]);
    expect(both.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    const second = both.find((r): r is PromiseRejectedResult => r.status === "rejected")!.reason;
    expect(second).toMatchObject({ status: 409, code: "not_retryable" });
    expect(await store.getTake(twiceTake!.id)).toMatchObject({ attempt: 1, cost: { usd: perTakeUsd } });
  });

  it("shows this editor the limits that apply with what is spent, and refuses in advance exactly as creation then refuses", async () => {
    const project = "Estimate limits";
    const [take] = await failedTakes(project, 1);
    await directors[0]!.retryTake(take!.id);
    const now = new Date().toISOString();
    await store.setBudget({ scope: "studio", key: "", period: "month", limitUsd: 500, updatedAt: now });
    await store.setBudget({ scope: "project", key: project, period: "day", limitUsd: 1000, updatedAt: now });
    await store.setBudget({ scope: "project", key: "Another film", period: "day", limitUsd: 0.01, updatedAt: now });
    // ana's day: one more take fits, two do not.
    const anaToday = (await store.spendRows()).filter((r) => r.userId === ana.userId && r.day === now.slice(0, 10)).reduce((s, r) => s + r.usd, 0);
    const anaLimitUsd = Math.round((anaToday + 1.5 * perTakeUsd) * 100) / 100;
    await store.setBudget({ scope: "user", key: ana.userId, period: "day", limitUsd: anaLimitUsd, updatedAt: now });
    try {
      const request = { provider: "luma", mode: "draft" as const, duration: 2, count: 1, projectName: project };
      const yes = CostEstimate.parse(await directors[1]!.estimate(request, ana));
      expect(yes.refusal).toBeUndefined();
      const monthUsd = (await store.spendRows()).filter((r) => r.day.slice(0, 7) === now.slice(0, 7)).reduce((s, r) => s + r.usd, 0);
      // Studio, then the editor's project, then the editor; another project's limit is not theirs.
      expect(yes.budget.limits).toEqual([
        { scope: "studio", period: "month", limitUsd: 500, spentUsd: expect.closeTo(monthUsd, 4) },
        { scope: "project", name: project, period: "day", limitUsd: 1000, spentUsd: expect.closeTo(perTakeUsd, 4) },
        { scope: "user", name: "ana", period: "day", limitUsd: anaLimitUsd, spentUsd: expect.closeTo(anaToday, 4) },
      ]);
      // Someone without a sign-in (embedded mode) has no editor's limit.
      expect((await directors[1]!.estimate(request)).budget.limits?.map((l) => l.scope)).toEqual(["studio", "project"]);

      // Two takes would pass ana's daily limit: the estimate refuses with creation's own words.
      const over = CostEstimate.parse(await directors[1]!.estimate({ ...request, count: 2 }, ana));
      expect(over.refusal).toBe(
        `ana's daily budget is ${usd(anaLimitUsd)}; ${usd(anaToday)} is spent today; this job would cost ${usd(2 * perTakeUsd)}. Ask an admin to raise it, or wait for the next day (UTC).`,
      );
      const frame = makeJob({ project }).frame;
      await store.insertFrame(frame, framePath);
      const created = await directors[0]!.createJob(CreateJobRequest.parse({ frameId: frame.frameId, provider: "luma", mode: "draft", duration: 2, count: 2 }), ana).catch((e: unknown) => e);
      expect(created).toMatchObject({ status: 402, code: "over_budget", message: over.refusal });
    } finally {
      await store.removeBudget("studio", "", "month");
      await store.removeBudget("project", project, "day");
      await store.removeBudget("project", "Another film", "day");
      await store.removeBudget("user", ana.userId, "day");
    }
  });
});
