/**
 * The history (issue 6): how fast the ledger answers the history view's queries once it holds a
 * busy year of work — 10,000 jobs with 40,000 takes, each take carrying a realistic critique
 * (a measured camera path of 120 samples), so the figures include reading past those records.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { compileDirection } from "../../src/core/direction/index.js";
import type { HistoryQuery, Job, Take } from "../../src/core/schemas/index.js";
import { openStore } from "../../src/server/ledger/openStore.js";
import type { Store } from "../../src/server/ledger/store.js";
import type { Report } from "../bench.js";

const JOBS = 10_000;
const TAKES_PER_JOB = 4;
const WORDS = ["harbour", "dune", "rider", "forest", "mist", "canopy", "lighthouse", "truck", "road", "neon", "rain", "market", "bridge", "river", "skyline"];

export function job(i: number): Job {
  const rand = mulberry(i + 1);
  const pick = () => WORDS[Math.floor(rand() * WORDS.length)]!;
  const prompt = `The ${pick()} at dusk, ${pick()} in the distance, slow ${pick()} mood`;
  const createdAt = new Date(Date.UTC(2026, 0, 1) + i * 45 * 60_000).toISOString();
  const direction = compileDirection(
    {
      prompt,
      duration: 5,
      annotations: [
        { id: "pan", kind: "cameraMove", from: { x: 0.3, y: 0.5 }, to: { x: 0.6, y: 0.5 }, start: 0, end: 5 },
        { id: "note", kind: "note", at: { x: 0.5, y: 0.5 }, text: `keep the ${pick()}` },
      ],
    },
    { frameSize: { width: 1920, height: 1080 } },
  );
  const id = `job-${i}`;
  const takes: Take[] = Array.from({ length: TAKES_PER_JOB }, (_, index) => ({
    id: `take-${i}-${index}`,
    jobId: id,
    index,
    iteration: Math.floor(index / 2),
    providerJobId: `gen-${i}-${index}`,
    request: { model: "ray-3.2", prompt },
    state: "succeeded",
    progress: 1,
    message: "Ready",
    error: null,
    outputs: {},
    critique: {
      score: Math.round(rand() * 100),
      camera: { path: Array.from({ length: 120 }, (_, k) => ({ t: k / 24, x: 0.5 + k / 400, y: 0.5, zoom: 1 })) },
      critique: "Pan right as asked but 12% short.",
    },
    cost: { usd: 0.15, estimated: true },
    ...(rand() < 0.05 ? { starred: true, note: `client likes the ${pick()}` } : {}),
    colorSpace: "rec709",
    createdAt,
    updatedAt: createdAt,
  }));
  return {
    id,
    createdAt,
    frame: {
      frameId: `frame-${i}`,
      capturedAt: createdAt,
      image: { width: 1920, height: 1080, mediaType: "image/png", bytes: 1 },
      mode: "insert",
      sequence: {
        host: "premierepro",
        projectName: "Bench",
        sequenceName: `Sequence ${i % 40}`,
        frameSize: { width: 1920, height: 1080 },
        pixelAspect: 1,
        frameRate: { num: 24, den: 1 },
        dropFrame: false,
        colorSpace: "rec709",
        playhead: { ticks: "0", seconds: 0, frame: 0, timecode: "00:00:00:00" },
        durationSeconds: 60,
        videoTracks: [],
      },
    },
    direction,
    provider: i % 3 === 0 ? "runway" : "luma",
    model: "ray-3.2",
    mode: "draft",
    count: TAKES_PER_JOB,
    duration: 5,
    budgetUsd: null,
    canceled: false,
    takes,
  };
}

function mulberry(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function time(ledger: Store, query: Partial<HistoryQuery>, runs = 30): Promise<{ p50: number; p95: number; total: number }> {
  const full: HistoryQuery = { limit: 50, ...query };
  const walls: number[] = [];
  let total = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    total = (await ledger.history(full)).total;
    walls.push(performance.now() - t0);
  }
  walls.sort((a, b) => a - b);
  return { p50: walls[Math.floor(runs * 0.5)]!, p95: walls[Math.floor(runs * 0.95)]!, total };
}

export async function run(report: Report): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-bench-history-"));
  try {
    const ledger = await openStore({ dataDir: dir });
    const t0 = performance.now();
    for (let i = 0; i < JOBS; i++) await ledger.insertJob(job(i));
    report(`history: fill a ledger with ${JOBS} jobs, ${JOBS * TAKES_PER_JOB} takes`, `${((performance.now() - t0) / 1000).toFixed(1)} s`, "(setup)");
    report("history:   ledger file size", `${(fs.statSync(path.join(dir, "ledger.sqlite")).size / 1e6).toFixed(0)} MB`, "");

    const cases: Array<[string, Partial<HistoryQuery>]> = [
      ["first page, newest 50", {}],
      ["search one word (prefix)", { q: "lightho" }],
      ["search two words", { q: "harbour mist" }],
      ["search a take note", { q: "client likes" }],
      ["provider + best score ≥ 90", { provider: "runway", minScore: 90 }],
      ["starred only", { starred: true }],
      ["one month", { from: "2026-03-01", to: "2026-03-31" }],
      ["search + every filter", { q: "dune", provider: "luma", minScore: 50, from: "2026-02-01", to: "2026-06-30", starred: false }],
    ];
    for (const [label, query] of cases) {
      const { p50, p95, total } = await time(ledger, query);
      report(`history: ${label} (${total} match)`, `${p50.toFixed(1)} / ${p95.toFixed(1)} ms`, "p50 / p95; ≤ 50 ms p95");
    }
    // Deep paging: follow nextBefore 40 pages down.
    let before: string | undefined;
    const pageWalls: number[] = [];
    for (let i = 0; i < 40; i++) {
      const t = performance.now();
      const page = await ledger.history({ limit: 50, ...(before ? { before } : {}) });
      pageWalls.push(performance.now() - t);
      before = page.nextBefore ?? undefined;
    }
    pageWalls.sort((a, b) => a - b);
    report("history: paging 40 pages deep (per page)", `${pageWalls[20]!.toFixed(1)} / ${pageWalls[38]!.toFixed(1)} ms`, "p50 / p95; ≤ 50 ms p95");
    await ledger.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
