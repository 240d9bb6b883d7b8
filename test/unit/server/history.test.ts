import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HistoryPage, Job, Take, type HistoryQuery, type Job as JobT } from "../../../src/core/schemas/index.js";
import type { KyselyStore } from "../../../src/server/ledger/kyselyStore.js";
import { sequenceContext, startTestBackend, uploadFrame, waitFor } from "../../helpers/backend.js";
import { DIALECTS, makeJob, poster, testId, testStore, type TestStore } from "../../helpers/stores.js";

/**
 * The history. Through the HTTP API: a bad query refused with its field, and a star and a note
 * that are searchable and survive a restart, on one real previz job. Over the store, on SQLite
 * and PostgreSQL alike ("history on …" below): search by prompt, drawn notes and take notes;
 * filters by provider, score, day and star; pages that never repeat or skip a job.
 */

let backend: Awaited<ReturnType<typeof startTestBackend>>;
let base: JobT;

beforeAll(async () => {
  backend = await startTestBackend();
  const { frameId } = await uploadFrame(backend.url, sequenceContext());
  const res = await post("/v1/jobs", {
    frameId,
    duration: 2,
    prompt: "The rider crests the dune",
    annotations: [{ id: "n1", kind: "note", at: { x: 0.5, y: 0.2 }, text: "keep the lighthouse beam" }],
  });
  const created = Job.parse(await res.json());
  base = await waitFor(async () => {
    const job = Job.parse(await (await fetch(`${backend.url}/v1/jobs/${created.id}`)).json());
    return job.takes.every((t) => t.state === "succeeded") ? job : undefined;
  }, 120_000);
});
afterAll(async () => {
  await backend?.close();
  fs.rmSync(backend.dataDir, { recursive: true, force: true });
});

function post(path: string, body: unknown, method = "POST") {
  return fetch(`${backend.url}${path}`, { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}

async function history(query: Record<string, string | number | boolean> = {}): Promise<HistoryPage> {
  const search = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
  const res = await fetch(`${backend.url}/v1/history?${search}`);
  expect(res.status, await res.clone().text()).toBe(200);
  return HistoryPage.parse(await res.json());
}

describe("history over the HTTP API", () => {
  it("refuses a bad query with the field and what to send", async () => {
    for (const [query, field] of [
      ["minScore=high", "minScore"],
      ["from=1st%20Nov", "from"],
      ["limit=0", "limit"],
      ["starred=yes", "starred"],
      ["before=nonsense", "before"],
    ] as const) {
      const res = await fetch(`${backend.url}/v1/history?${query}`);
      expect(res.status, query).toBe(400);
      expect((await res.json()).error.field, query).toBe(field);
    }
  });
});

describe("stars and notes on takes", () => {
  it("a star and a note are kept, searchable, and survive a restart", async () => {
    const take = base.takes[0]!;
    const res = await post(`/v1/takes/${take.id}`, { starred: true, note: "  Client's pick: use for the open  " }, "PATCH");
    expect(res.status, await res.clone().text()).toBe(200);
    const marked = Take.parse(await res.json());
    expect(marked).toMatchObject({ starred: true, note: "Client's pick: use for the open", state: "succeeded" });
    // A change like any other: newer than every snapshot read before it, so none can undo it.
    expect(Date.parse(marked.updatedAt)).toBeGreaterThan(Date.parse(take.updatedAt));

    expect((await history({ q: "client pick" })).jobs.map((j) => j.id)).toEqual([base.id]);
    expect((await history({ starred: true })).jobs.map((j) => j.id)).toContain(base.id);

    // Unstar, note kept.
    const unstarred = Take.parse(await (await post(`/v1/takes/${take.id}`, { starred: false }, "PATCH")).json());
    expect(unstarred).toMatchObject({ starred: false, note: "Client's pick: use for the open" });

    const dataDir = backend.dataDir;
    await backend.close();
    backend = await startTestBackend({ dataDir });
    const again = Job.parse(await (await fetch(`${backend.url}/v1/jobs/${base.id}`)).json());
    expect(again.takes[0]).toMatchObject({ starred: false, note: "Client's pick: use for the open" });
    expect((await history({ q: "open" })).jobs.map((j) => j.id)).toEqual([base.id]);
  });

  it("refuses an empty change, a note over 2000 characters, and an unknown take", async () => {
    const take = base.takes[0]!;
    const empty = await post(`/v1/takes/${take.id}`, {}, "PATCH");
    expect(empty.status).toBe(400);
    expect((await empty.json()).error.message).toBe("Take change: send starred, note, or both.");
    expect((await post(`/v1/takes/${take.id}`, { note: "x".repeat(2001) }, "PATCH")).status).toBe(400);
    expect((await post("/v1/takes/take-nope", { starred: true }, "PATCH")).status).toBe(404);
  });
});

describe.each(DIALECTS)("history on %s", (dialect) => {
  let t: TestStore;
  let store: KyselyStore;
  let jobs: Record<string, JobT>;

  /** A job with takes scored (null: failed), each with a poster, the first starred if asked. */
  function scoredJob(input: { prompt: string; note?: string; createdAt: string; provider?: string; scores: Array<number | null>; starred?: boolean }): JobT {
    const id = testId("job");
    return makeJob({
      id,
      prompt: input.prompt,
      note: input.note,
      createdAt: input.createdAt,
      provider: input.provider,
      takes: input.scores.map((score, index) => {
        const takeId = testId("take");
        return {
          id: takeId,
          state: score === null ? "failed" : "succeeded",
          progress: 1,
          critique: score === null ? null : { score },
          outputs: { poster: poster(takeId) },
          ...(input.starred && index === 0 ? { starred: true } : {}),
        };
      }),
    });
  }

  async function ids(query: Partial<HistoryQuery>): Promise<string[]> {
    return (await store.history({ limit: 50, ...query })).jobs.map((j) => j.id);
  }

  beforeAll(async () => {
    t = await testStore(dialect);
    store = t.store;
    jobs = {
      harbour: scoredJob({ prompt: "Harbour lights at night, slow push in", createdAt: "2026-11-02T10:00:00.000Z", scores: [72, 91], starred: true }),
      desert: scoredJob({ prompt: "Desert road, truck passes left to right", createdAt: "2026-11-10T10:00:00.000Z", provider: "runway", scores: [55] }),
      forest: scoredJob({ prompt: "Forest floor, mist, tilt up to the canopy", createdAt: "2026-11-20T10:00:00.000Z", scores: [null, 64] }),
      cafe: scoredJob({ prompt: "Café terrace in the rain", note: "keep the lighthouse beam", createdAt: "2026-11-25T10:00:00.000Z", scores: [80] }),
    };
    for (const job of Object.values(jobs)) await store.insertJob(job);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("lists every job newest first, with what the list shows", async () => {
    const page = await store.history({ limit: 50 });
    expect(page.total).toBe(4);
    expect(page.jobs.map((j) => j.id)).toEqual([jobs.cafe!.id, jobs.forest!.id, jobs.desert!.id, jobs.harbour!.id]);
    const harbour = page.jobs.find((j) => j.id === jobs.harbour!.id)!;
    expect(harbour).toMatchObject({
      prompt: "Harbour lights at night, slow push in",
      provider: "luma",
      takes: 2,
      succeeded: 2,
      rounds: 1,
      bestScore: 91,
      bestTakeId: jobs.harbour!.takes[1]!.id,
      starred: 1,
      cost: { usd: 0.3, estimated: true },
      running: false,
      sequenceName: "Test sequence",
    });
    expect(harbour.poster).toEqual(poster(jobs.harbour!.takes[1]!.id));
    expect(page.jobs[0]!.notes).toEqual(["keep the lighthouse beam"]);
  });

  it("finds jobs by words of the prompt (prefixes too, accents folded) and of the notes drawn on the frame", async () => {
    expect(await ids({ q: "harbour" })).toEqual([jobs.harbour!.id]);
    expect(await ids({ q: "tru righ" })).toEqual([jobs.desert!.id]);
    expect(await ids({ q: "lighthouse beam" })).toEqual([jobs.cafe!.id]);
    expect(await ids({ q: "cafe" })).toEqual([jobs.cafe!.id]);
    expect(await ids({ q: "CAFÉ TERR" })).toEqual([jobs.cafe!.id]);
    expect((await store.history({ limit: 50, q: "mist harbour" })).total).toBe(0);
    // Search syntax typed by the editor is just words.
    expect(await ids({ q: 'forest" OR "desert' })).toEqual([]);
    expect(await ids({ q: "forest & ! desert:*" })).toEqual([]);
    expect((await store.history({ limit: 50, q: "  !!  " })).total).toBe(4);
  });

  it("filters by provider, best score, day and star, together with search", async () => {
    expect(await ids({ provider: "runway" })).toEqual([jobs.desert!.id]);
    expect(await ids({ minScore: 90 })).toEqual([jobs.harbour!.id]);
    expect(await ids({ minScore: 60, provider: "luma" })).toEqual([jobs.cafe!.id, jobs.forest!.id, jobs.harbour!.id]);
    expect(await ids({ from: "2026-11-10", to: "2026-11-20" })).toEqual([jobs.forest!.id, jobs.desert!.id]);
    expect(await ids({ to: "2026-11-02" })).toEqual([jobs.harbour!.id]);
    expect(await ids({ starred: true })).toEqual([jobs.harbour!.id]);
    expect(await ids({ starred: false, provider: "luma" })).toEqual([jobs.cafe!.id, jobs.forest!.id]);
    expect(await ids({ provider: "luma", minScore: 60, q: "canopy" })).toEqual([jobs.forest!.id]);
  });

  it("pages without repeating or skipping a job, even when a new one arrives between pages", async () => {
    const first = await store.history({ limit: 2 });
    expect(first.jobs).toHaveLength(2);
    expect(first.nextBefore).not.toBeNull();
    const arrived = scoredJob({ prompt: "Arrived while paging", createdAt: "2026-12-01T10:00:00.000Z", scores: [80] });
    await store.insertJob(arrived);
    const second = await store.history({ limit: 2, before: first.nextBefore! });
    expect(second.nextBefore).toBeNull();
    expect([...first.jobs, ...second.jobs].map((j) => j.id)).toEqual([jobs.cafe!.id, jobs.forest!.id, jobs.desert!.id, jobs.harbour!.id]);
    // Jobs made in the same millisecond page by id, none lost.
    const twins = [scoredJob({ prompt: "Twin", createdAt: "2026-10-01T00:00:00.000Z", scores: [1] }), scoredJob({ prompt: "Twin", createdAt: "2026-10-01T00:00:00.000Z", scores: [1] })];
    for (const twin of twins) await store.insertJob(twin);
    const a = await store.history({ limit: 1, q: "twin" });
    const b = await store.history({ limit: 1, q: "twin", before: a.nextBefore! });
    expect([...a.jobs, ...b.jobs].map((j) => j.id).sort()).toEqual(twins.map((j) => j.id).sort());
    expect(b.nextBefore).toBeNull();
  });

  it("a star and a note are searchable and filterable at once, and kept when the store is opened again", async () => {
    const take = jobs.desert!.takes[0]!;
    await store.changeTake(take.id, (current) => ({ ...current, starred: true, note: "Client's pick: use for the open" }));
    expect(await ids({ q: "client pick" })).toEqual([jobs.desert!.id]);
    expect(await ids({ starred: true })).toEqual([jobs.desert!.id, jobs.harbour!.id]);
    // A better score on the job's take lifts its best score.
    await store.updateTake({ ...(await store.getTake(take.id))!, critique: { score: 97 } });
    expect(await ids({ minScore: 95 })).toEqual([jobs.desert!.id]);
    await store.changeTake(take.id, (current) => ({ ...current, starred: false, note: "Alternate opening" }));
    const again = await t.reopen();
    try {
      expect((await again.history({ limit: 50, q: "client" })).total).toBe(0);
      expect((await again.history({ limit: 50, q: "alternate" })).jobs.map((j) => j.id)).toEqual([jobs.desert!.id]);
      expect((await again.history({ limit: 50, starred: true })).jobs.map((j) => j.id)).toEqual([jobs.harbour!.id]);
      expect(await again.getTake(take.id)).toMatchObject({ starred: false, note: "Alternate opening" });
    } finally {
      await again.close();
    }
  });
});
