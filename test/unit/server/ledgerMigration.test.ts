import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { Ledger } from "../../../src/server/ledger/ledger.js";
import { LEDGER_VERSION } from "../../../src/server/ledger/migrations.js";
import { sequenceContext } from "../../helpers/backend.js";

/**
 * A ledger written by the Retake before the reasoning loop (schema v1, no user_version) holds
 * paid takes: opening it with this Retake must bring it forward in place and lose nothing.
 */

const V1_SCHEMA = `
CREATE TABLE frames (id TEXT PRIMARY KEY, created_at TEXT NOT NULL, image_path TEXT NOT NULL, json TEXT NOT NULL);
CREATE TABLE jobs (id TEXT PRIMARY KEY, created_at TEXT NOT NULL, provider TEXT NOT NULL, json TEXT NOT NULL);
CREATE INDEX jobs_created ON jobs(created_at DESC);
CREATE TABLE takes (id TEXT PRIMARY KEY, job_id TEXT NOT NULL REFERENCES jobs(id), idx INTEGER NOT NULL, state TEXT NOT NULL, seq INTEGER NOT NULL, updated_at TEXT NOT NULL, json TEXT NOT NULL);
CREATE INDEX takes_job ON takes(job_id, idx);
CREATE INDEX takes_state ON takes(state);
CREATE TABLE artifacts (id TEXT PRIMARY KEY, take_id TEXT NOT NULL REFERENCES takes(id), kind TEXT NOT NULL, path TEXT NOT NULL, json TEXT NOT NULL);
`;

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-ledger-"));
  dirs.push(dir);
  return dir;
}

const now = "2026-10-30T09:00:00.000Z";
const frame = { frameId: "frame-1", capturedAt: now, image: { width: 320, height: 180, mediaType: "image/png" as const, bytes: 10 }, mode: "insert" as const, sequence: sequenceContext() };
const direction = {
  prompt: "Harbour at dawn",
  duration: 2,
  annotations: [{ id: "n1", kind: "note", at: { x: 0.5, y: 0.5 }, text: "gulls overhead" }],
  camera: { keyframes: [{ t: 0, x: 0.5, y: 0.5, zoom: 1, roll: 0, ease: "linear" }] },
  framing: [],
  subjects: [],
  holds: [],
  notes: [{ annotationId: "n1", at: { x: 0.5, y: 0.5 }, text: "gulls overhead" }],
  summary: "",
  conflicts: [],
};
// A job and its paid take exactly as the v1 Retake wrote them (no variant, attempt, log, budgetLimitUsd).
const v1Job = { id: "job-old", createdAt: now, frame, direction, provider: "luma", model: "ray-3.2", mode: "draft", count: 1, duration: 2, budgetUsd: null, canceled: false };
const v1Take = {
  id: "take-old",
  jobId: "job-old",
  index: 0,
  iteration: 1,
  providerJobId: "gen-paid-123",
  request: { model: "ray-3.2" },
  state: "succeeded",
  progress: 1,
  message: "Ready",
  error: null,
  outputs: {},
  critique: { score: 83 },
  cost: { usd: 0.15, estimated: true },
  colorSpace: "rec709",
  createdAt: now,
  updatedAt: now,
};

function writeV1(dir: string): void {
  const db = new Database(path.join(dir, "ledger.sqlite"));
  db.exec(V1_SCHEMA);
  db.prepare("INSERT INTO jobs VALUES (?, ?, ?, ?)").run(v1Job.id, now, "luma", JSON.stringify(v1Job));
  db.prepare("INSERT INTO takes VALUES (?, ?, ?, ?, ?, ?, ?)").run(v1Take.id, v1Take.jobId, 0, "succeeded", 7, now, JSON.stringify(v1Take));
  db.close();
}

describe("ledger migrations", () => {
  it("brings a v1 ledger forward in place: its paid take intact, searchable, and its event sequence carried on", () => {
    const dir = tempDir();
    writeV1(dir);
    const ledger = Ledger.open(dir);
    try {
      const job = ledger.getJob("job-old")!;
      expect(job.takes[0]).toMatchObject({ id: "take-old", providerJobId: "gen-paid-123", state: "succeeded", cost: { usd: 0.15 } });
      // v1 counted its one retry in `iteration`: now an attempt, in round 0 (v1 had no refinement rounds).
      expect(job.takes[0]).toMatchObject({ iteration: 0, attempt: 1 });
      expect(ledger.history({ limit: 10 }).jobs[0]!.rounds).toBe(1);
      expect(job.log).toBeUndefined();
      expect(ledger.spentInJob("job-old")).toBe(0.15);
      const page = ledger.history({ q: "gulls", limit: 10, minScore: 80 });
      expect(page.jobs.map((j) => [j.id, j.bestScore])).toEqual([["job-old", 83]]);
      // The next change continues the job's sequence (7 was its last), so an SSE replay holds.
      const seq = ledger.updateTake({ ...job.takes[0]!, note: "hero shot" });
      expect(seq).toBe(8);
      expect(ledger.appendLog("job-old", { at: now, round: 0, kind: "resume", text: "x" }).seq).toBe(9);
      expect(ledger.history({ q: "hero", limit: 10 }).total).toBe(1);
    } finally {
      ledger.close();
    }
    const raw = new Database(path.join(dir, "ledger.sqlite"));
    expect(raw.pragma("user_version", { simple: true })).toBe(LEDGER_VERSION);
    raw.close();
    // Opening again runs nothing twice.
    const again = Ledger.open(dir);
    expect(again.getJob("job-old")!.takes[0]!.note).toBe("hero shot");
    again.close();
  });

  it("refuses a ledger from a newer Retake, saying what to do, and leaves it untouched", () => {
    const dir = tempDir();
    writeV1(dir);
    const db = new Database(path.join(dir, "ledger.sqlite"));
    db.pragma("user_version = 99");
    db.close();
    const before = fs.readFileSync(path.join(dir, "ledger.sqlite"));
    expect(() => Ledger.open(dir)).toThrow(/written by a newer Retake \(schema 99; this one knows \d\)\. Update Retake, or point RETAKE_DATA_DIR at another folder\./);
    expect(fs.readFileSync(path.join(dir, "ledger.sqlite")).equals(before)).toBe(true);
  });
});
