import { sql, type RawBuilder } from "kysely";
import { Artifact, TERMINAL_TAKE_STATES, type HistoryPage, type HistoryQuery, type JobSummary } from "../../core/schemas/index.js";
import { searchCondition, searchWords, type LedgerDb, type StoreDialect } from "./storeSql.js";

/**
 * The history's search over the store: filters on indexed columns, words through the full-text
 * index (prompt, drawn notes, take notes), newest first, paged by a (createdAt, id) cursor so a
 * page never repeats or skips a job while new ones are added. Same answers on SQLite and PostgreSQL.
 *
 * Summaries are built from a take's columns, never its record (schema v6): a take's critique
 * carries its measured camera path, a page of 50 jobs may hold hundreds of takes, and PostgreSQL
 * parses a whole record to read any field of it.
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
  iteration: number;
  score: number | null;
  starred: number;
  cost_usd: number;
  estimated: boolean;
  poster: string | null;
}

export async function queryStoreHistory(db: LedgerDb, dialect: StoreDialect, query: HistoryQuery): Promise<HistoryPage> {
  const where: RawBuilder<unknown>[] = [];
  if (query.provider) where.push(sql`j.provider = ${query.provider}`);
  if (query.from) where.push(sql`j.created_at >= ${query.from}`);
  if (query.to) where.push(sql`j.created_at < ${nextDay(query.to)}`);
  if (query.minScore !== undefined) where.push(sql`j.best_score >= ${query.minScore}`);
  if (query.starred === true) where.push(sql`j.starred > 0`);
  if (query.starred === false) where.push(sql`j.starred = 0`);
  const words = searchWords(query.q);
  if (words.length > 0) where.push(searchCondition(dialect, words));
  const filter = (conditions: RawBuilder<unknown>[]) => (conditions.length > 0 ? sql`WHERE ${sql.join(conditions, sql` AND `)}` : sql``);

  const counted = await sql<{ n: number | string }>`SELECT COUNT(*) AS n FROM jobs j ${filter(where)}`.execute(db);
  const total = Number(counted.rows[0]!.n);

  const pageWhere = [...where];
  const cursor = parseCursor(query.before);
  // The bare `created_at <=` bound is what lets both databases start the index scan at the
  // cursor: behind an OR alone, PostgreSQL walks every newer job and filters (24 ms at 500 deep).
  if (cursor) pageWhere.push(sql`j.created_at <= ${cursor.createdAt} AND (j.created_at < ${cursor.createdAt} OR j.id < ${cursor.id})`);
  const { rows } = await sql<JobRow>`SELECT j.id, j.created_at, j.json FROM jobs j ${filter(pageWhere)}
      ORDER BY j.created_at DESC, j.id DESC LIMIT ${query.limit + 1}`.execute(db);
  const more = rows.length > query.limit;
  const page = rows.slice(0, query.limit);
  const takes = await takeRowsOf(db, page.map((r) => r.id));
  const last = page[page.length - 1];
  return {
    jobs: page.map((row) => summarise(row, takes.get(row.id) ?? [])),
    total,
    nextBefore: more && last ? `${last.created_at}|${last.id}` : null,
  };
}

async function takeRowsOf(db: LedgerDb, jobIds: string[]): Promise<Map<string, TakeRow[]>> {
  const byJob = new Map<string, TakeRow[]>();
  if (jobIds.length === 0) return byJob;
  const rows = await db
    .selectFrom("takes")
    .select(["job_id", "id", "state", "iteration", "score", "starred", "cost_usd", "cost_estimated", "poster"])
    .where("job_id", "in", jobIds)
    .orderBy("idx")
    .execute();
  for (const row of rows) {
    const list = byJob.get(row.job_id) ?? [];
    // Number(): the two drivers need not agree on how a number column comes back (pg gives BIGINT and NUMERIC as text).
    list.push({
      job_id: row.job_id,
      id: row.id,
      state: row.state,
      iteration: Number(row.iteration),
      score: row.score === null ? null : Number(row.score),
      starred: Number(row.starred),
      cost_usd: Number(row.cost_usd),
      estimated: Number(row.cost_estimated) === 1,
      poster: row.poster,
    });
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
    rounds: takes.reduce((max, t) => Math.max(max, t.iteration + 1), takes.length > 0 ? 1 : 0),
    bestScore: best ? best.score : null,
    bestTakeId: best ? best.id : null,
    poster: poster?.success ? poster.data : null,
    starred: takes.filter((t) => t.starred === 1).length,
    cost: { usd: Math.round(usd * 100) / 100, estimated: takes.some((t) => t.estimated) },
    auto: job.auto !== undefined,
    ...(job.enhanceOf ? { enhanceOf: job.enhanceOf } : {}),
    ...(job.upconvertOf ? { upconvertOf: job.upconvertOf } : {}),
    ...(job.upscaleOf ? { upscaleOf: job.upscaleOf } : {}),
  };
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
