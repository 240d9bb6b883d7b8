import type Database from "better-sqlite3";
import { Artifact, TERMINAL_TAKE_STATES, type HistoryPage, type HistoryQuery, type JobSummary } from "../../core/schemas/index.js";

/**
 * The history's search over the ledger: filters on indexed columns, words through the full-text
 * index (prompt, drawn notes, take notes), newest first, paged by a (createdAt, id) cursor so a
 * page never repeats or skips a job while new ones are added.
 *
 * Summaries are built from a few extracted fields of each take, never the whole record: a take's
 * critique carries its measured camera path, and a page of 50 jobs may hold hundreds of takes.
 */

interface JobRow {
  id: string;
  created_at: string;
  json: string;
}

interface TakeRow {
  job_id: string;
  id: string;
  state: string;
  iteration: number | null;
  score: number | null;
  starred: number;
  cost_usd: number;
  estimated: number | null;
  poster: string | null;
}

export function queryHistory(db: Database.Database, query: HistoryQuery): HistoryPage {
  const where: string[] = [];
  const params: unknown[] = [];
  if (query.provider) {
    where.push("j.provider = ?");
    params.push(query.provider);
  }
  if (query.from) {
    where.push("j.created_at >= ?");
    params.push(query.from);
  }
  if (query.to) {
    where.push("j.created_at < ?");
    params.push(nextDay(query.to));
  }
  if (query.minScore !== undefined) {
    where.push("j.best_score >= ?");
    params.push(query.minScore);
  }
  if (query.starred === true) where.push("j.starred > 0");
  if (query.starred === false) where.push("j.starred = 0");
  const match = matchExpression(query.q);
  if (match) {
    where.push("j.id IN (SELECT job_id FROM job_search WHERE job_search MATCH ?)");
    params.push(match);
  }
  const filter = where.length > 0 ? `WHERE ${where.join(" AND ")}` : "";
  const total = (db.prepare(`SELECT COUNT(*) AS n FROM jobs j ${filter}`).get(...params) as { n: number }).n;

  const pageWhere = [...where];
  const pageParams = [...params];
  const cursor = parseCursor(query.before);
  if (cursor) {
    pageWhere.push("(j.created_at < ? OR (j.created_at = ? AND j.id < ?))");
    pageParams.push(cursor.createdAt, cursor.createdAt, cursor.id);
  }
  const rows = db
    .prepare(
      `SELECT j.id, j.created_at, j.json FROM jobs j ${pageWhere.length > 0 ? `WHERE ${pageWhere.join(" AND ")}` : ""}
        ORDER BY j.created_at DESC, j.id DESC LIMIT ?`,
    )
    .all(...pageParams, query.limit + 1) as JobRow[];
  const more = rows.length > query.limit;
  const page = rows.slice(0, query.limit);
  const takes = takeRowsOf(db, page.map((r) => r.id));
  const last = page[page.length - 1];
  return {
    jobs: page.map((row) => summarise(row, takes.get(row.id) ?? [])),
    total,
    nextBefore: more && last ? `${last.created_at}|${last.id}` : null,
  };
}

function takeRowsOf(db: Database.Database, jobIds: string[]): Map<string, TakeRow[]> {
  const byJob = new Map<string, TakeRow[]>();
  if (jobIds.length === 0) return byJob;
  const rows = db
    .prepare(
      `SELECT job_id, id, state, json_extract(json, '$.iteration') AS iteration, score, starred, cost_usd,
              json_extract(json, '$.cost.estimated') AS estimated, json_extract(json, '$.outputs.poster') AS poster
         FROM takes WHERE job_id IN (${jobIds.map(() => "?").join(",")}) ORDER BY idx`,
    )
    .all(...jobIds) as TakeRow[];
  for (const row of rows) {
    const list = byJob.get(row.job_id) ?? [];
    list.push(row);
    byJob.set(row.job_id, list);
  }
  return byJob;
}

interface JobRecordFields {
  createdAt: string;
  provider: string;
  model: string;
  mode: "draft" | "final";
  duration: number;
  frame: { frameId: string; sequence: { projectName: string; sequenceName: string; colorSpace: JobSummary["colorSpace"] } };
  direction: { prompt: string; notes: Array<{ text: string }> };
  auto?: unknown;
  loop?: { state: string };
  enhanceOf?: JobSummary["enhanceOf"];
  upconvertOf?: JobSummary["upconvertOf"];
  upscaleOf?: JobSummary["upscaleOf"];
}

function summarise(row: JobRow, takes: TakeRow[]): JobSummary {
  const job = JSON.parse(row.json) as JobRecordFields;
  const scored = takes.filter((t) => t.score !== null && t.state === "succeeded").sort((a, b) => b.score! - a.score!);
  const best = scored[0] ?? null;
  const posterRow = (best?.poster ? best : undefined) ?? takes.find((t) => t.poster);
  const poster = posterRow?.poster ? Artifact.safeParse(JSON.parse(posterRow.poster)) : null;
  const usd = takes.reduce((sum, t) => sum + t.cost_usd, 0);
  return {
    id: row.id,
    createdAt: job.createdAt,
    provider: job.provider,
    model: job.model,
    mode: job.mode,
    prompt: job.direction.prompt,
    notes: job.direction.notes.map((n) => n.text),
    projectName: job.frame.sequence.projectName,
    sequenceName: job.frame.sequence.sequenceName,
    colorSpace: job.frame.sequence.colorSpace,
    duration: job.duration,
    frameId: job.frame.frameId,
    takes: takes.length,
    succeeded: takes.filter((t) => t.state === "succeeded").length,
    running: takes.some((t) => !TERMINAL_TAKE_STATES.has(t.state as never)) || job.loop?.state === "running",
    rounds: takes.reduce((max, t) => Math.max(max, (t.iteration ?? 0) + 1), takes.length > 0 ? 1 : 0),
    bestScore: best ? best.score : null,
    bestTakeId: best ? best.id : null,
    poster: poster?.success ? poster.data : null,
    starred: takes.filter((t) => t.starred === 1).length,
    cost: { usd: Math.round(usd * 100) / 100, estimated: takes.some((t) => t.estimated === 1) },
    auto: job.auto !== undefined,
    ...(job.enhanceOf ? { enhanceOf: job.enhanceOf } : {}),
    ...(job.upconvertOf ? { upconvertOf: job.upconvertOf } : {}),
    ...(job.upscaleOf ? { upscaleOf: job.upscaleOf } : {}),
  };
}

/**
 * The editor's words as an FTS5 query: each word a quoted prefix term, all required ("dune
 * rid" finds "The rider crests the dune"). Quoting makes FTS syntax in the input inert.
 */
export function matchExpression(q: string | undefined): string | null {
  const words = (q ?? "").match(/[\p{L}\p{N}]+/gu) ?? [];
  if (words.length === 0) return null;
  return words.slice(0, 12).map((w) => `"${w}"*`).join(" AND ");
}

/** `createdAt|id` of the last job of a page (HistoryQuery checks the shape). */
function parseCursor(before: string | undefined): { createdAt: string; id: string } | null {
  if (!before) return null;
  const bar = before.lastIndexOf("|");
  return { createdAt: before.slice(0, bar), id: before.slice(bar + 1) };
}

function nextDay(day: string): string {
  const d = new Date(`${day}T00:00:00.000Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}
