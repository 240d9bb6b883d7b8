import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HistoryPage, Job, Take, type Job as JobT } from "../../../src/core/schemas/index.js";
import { newId } from "../../../src/server/ids.js";
import { sequenceContext, startTestBackend, uploadFrame, waitFor } from "../../helpers/backend.js";

/**
 * The history over the ledger, through the HTTP API: search by prompt, drawn notes and take
 * notes; filters by provider, score, day and star; pages that never repeat or skip a job; a
 * star and a note that survive a restart. One real previz job is made through the API; the rest
 * of the ledger's history is that job's record copied with other prompts, days and scores.
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

/** The real job's record again, as another job: other prompt, day, provider, scores. */
function copyJob(input: { prompt: string; createdAt: string; provider?: string; scores: Array<number | null>; starred?: boolean }): JobT {
  const id = newId("job");
  const takes = input.scores.map((score, index): Take => {
    const source = base.takes[0]!;
    return {
      ...source,
      id: newId("take"),
      jobId: id,
      index,
      state: score === null ? "failed" : "succeeded",
      critique: score === null ? null : { ...(source.critique as object), score },
      cost: { usd: 0.15, estimated: true },
      ...(input.starred && index === 0 ? { starred: true } : {}),
      createdAt: input.createdAt,
      updatedAt: input.createdAt,
    };
  });
  const job: JobT = {
    ...base,
    id,
    createdAt: input.createdAt,
    provider: input.provider ?? "luma",
    direction: { ...base.direction, prompt: input.prompt, notes: [] },
    takes,
  };
  backend.ledger.insertJob(job);
  return job;
}

describe("history", () => {
  let jobs: Record<string, JobT>;
  beforeAll(() => {
    jobs = {
      harbour: copyJob({ prompt: "Harbour lights at night, slow push in", createdAt: "2026-11-02T10:00:00.000Z", scores: [72, 91], starred: true }),
      desert: copyJob({ prompt: "Desert road, truck passes left to right", createdAt: "2026-11-10T10:00:00.000Z", provider: "runway", scores: [55] }),
      forest: copyJob({ prompt: "Forest floor, mist, tilt up to the canopy", createdAt: "2026-11-20T10:00:00.000Z", scores: [null, 64] }),
    };
  });

  it("lists every job newest first, with what the list shows", async () => {
    const page = await history();
    expect(page.total).toBe(4);
    expect(page.jobs.map((j) => j.id)).toEqual([base.id, jobs.forest!.id, jobs.desert!.id, jobs.harbour!.id]);
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
    expect(harbour.poster?.kind).toBe("poster");
    const real = page.jobs[0]!;
    expect(real.notes).toEqual(["keep the lighthouse beam"]);
    expect(real.bestScore).toBe((base.takes[0]!.critique as { score: number }).score);
  });

  it("finds jobs by words of the prompt (prefixes too) and of the notes drawn on the frame", async () => {
    expect((await history({ q: "harbour" })).jobs.map((j) => j.id)).toEqual([jobs.harbour!.id]);
    expect((await history({ q: "tru righ" })).jobs.map((j) => j.id)).toEqual([jobs.desert!.id]);
    expect((await history({ q: "lighthouse beam" })).jobs.map((j) => j.id)).toEqual([base.id]);
    expect((await history({ q: "mist harbour" })).total).toBe(0);
    // FTS syntax typed by the editor is just words.
    expect((await history({ q: 'forest" OR "desert' })).jobs.map((j) => j.id)).toEqual([]);
    expect((await history({ q: "  !!  " })).total).toBe(4);
  });

  it("filters by provider, best score, day and star, together with search", async () => {
    expect((await history({ provider: "runway" })).jobs.map((j) => j.id)).toEqual([jobs.desert!.id]);
    const baseScore = (base.takes[0]!.critique as { score: number }).score;
    expect((await history({ minScore: 90 })).jobs.map((j) => j.id)).toEqual([...(baseScore >= 90 ? [base.id] : []), jobs.harbour!.id]);
    expect((await history({ minScore: 60, provider: "luma" })).jobs.map((j) => j.id)).toEqual([jobs.forest!.id, jobs.harbour!.id]);
    expect((await history({ from: "2026-11-10", to: "2026-11-20" })).jobs.map((j) => j.id)).toEqual([jobs.forest!.id, jobs.desert!.id]);
    expect((await history({ to: "2026-11-02" })).jobs.map((j) => j.id)).toEqual([jobs.harbour!.id]);
    expect((await history({ starred: true })).jobs.map((j) => j.id)).toEqual([jobs.harbour!.id]);
    expect((await history({ provider: "luma", minScore: 60, q: "canopy" })).jobs.map((j) => j.id)).toEqual([jobs.forest!.id]);
  });

  it("pages without repeating or skipping a job, even when a new one arrives between pages", async () => {
    const first = await history({ limit: 2 });
    expect(first.jobs).toHaveLength(2);
    expect(first.nextBefore).not.toBeNull();
    copyJob({ prompt: "Arrived while paging", createdAt: new Date().toISOString(), scores: [80] });
    const second = await history({ limit: 2, before: first.nextBefore! });
    expect(second.nextBefore).toBeNull();
    const seen = [...first.jobs, ...second.jobs].map((j) => j.id);
    expect(seen).toEqual([base.id, jobs.forest!.id, jobs.desert!.id, jobs.harbour!.id]);
  });

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
