import { sql, type Kysely, type RawBuilder } from "kysely";
import type { LedgerTables } from "./dbTables.js";

/**
 * The few places where SQLite and PostgreSQL need different SQL, in one file: reading a field of
 * a record's JSON text, and the history's full-text index (FTS5 on SQLite, a `tsvector` on
 * PostgreSQL). Everything else the store writes is the same SQL on both.
 */
export type StoreDialect = "sqlite" | "postgres";
export type LedgerDb = Kysely<LedgerTables>;

/** A text field of a JSON-text column: `json_extract(col, '$.a.b')` / `(col::jsonb #>> '{a,b}')`. */
export function jsonText(dialect: StoreDialect, column: string, path: string[]): RawBuilder<string | null> {
  for (const key of path) if (!/^[A-Za-z0-9_]+$/.test(key)) throw new Error(`Bad JSON path key ${key}`);
  if (dialect === "sqlite") return sql<string | null>`json_extract(${sql.ref(column)}, ${`$.${path.join(".")}`})`;
  return sql<string | null>`(${sql.ref(column)}::jsonb #>> ${`{${path.join(",")}}`})`;
}

/** Lower-case, accents folded ("Café" → "cafe"), so PostgreSQL's search matches as FTS5's `remove_diacritics` does, without the `unaccent` extension. */
export function foldText(text: string): string {
  return text.normalize("NFKD").replace(/\p{M}+/gu, "").toLowerCase();
}

/**
 * A job's best score and starred takes, from its takes (after every take write). One pass over
 * the job's own takes: filtering on `state` in the WHERE clause would let SQLite pick the
 * state index and walk every succeeded take in the ledger instead.
 */
export async function refreshJobAggregates(db: LedgerDb, jobId: string): Promise<void> {
  await sql`UPDATE jobs SET (best_score, starred) = (
       SELECT MAX(CASE WHEN state = 'succeeded' THEN score END), COUNT(CASE WHEN starred = 1 THEN 1 END)
         FROM takes WHERE job_id = ${jobId})
     WHERE id = ${jobId}`.execute(db);
}

/**
 * Rewrites one job's row in the full-text index from its record and takes: the prompt, the notes
 * drawn on the frame, and the editor's notes on its takes.
 */
export async function reindexJobSearch(db: LedgerDb, dialect: StoreDialect, jobId: string): Promise<void> {
  const job = await db.selectFrom("jobs").select("json").where("id", "=", jobId).executeTakeFirst();
  if (!job) return;
  const record = JSON.parse(job.json) as { direction?: { prompt?: string; notes?: Array<{ text?: string }> } };
  const takeNotes = await db.selectFrom("takes").select(jsonText(dialect, "json", ["note"]).as("note")).where("job_id", "=", jobId).execute();
  const body = [record.direction?.prompt ?? "", ...(record.direction?.notes ?? []).map((n) => n.text ?? ""), ...takeNotes.map((t) => t.note ?? "")]
    .filter((s) => s.trim().length > 0)
    .join("\n");
  if (dialect === "sqlite") {
    await sql`DELETE FROM job_search WHERE job_id = ${jobId}`.execute(db);
    await sql`INSERT INTO job_search (job_id, body) VALUES (${jobId}, ${body})`.execute(db);
  } else {
    await sql`INSERT INTO job_search (job_id, body, tsv) VALUES (${jobId}, ${body}, to_tsvector('simple', ${foldText(body)}))
      ON CONFLICT (job_id) DO UPDATE SET body = excluded.body, tsv = excluded.tsv`.execute(db);
  }
}

/** The editor's words: letters and digits only (so any query syntax typed is inert), at most 12. */
export function searchWords(q: string | undefined): string[] {
  return ((q ?? "").match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, 12);
}

/**
 * "Jobs whose text has every word as a prefix" ("dune rid" finds "The rider crests the dune"):
 * an FTS5 MATCH of quoted prefix terms, or a `tsquery` of `word:*` terms over folded words.
 */
export function searchCondition(dialect: StoreDialect, words: string[]): RawBuilder<boolean> {
  if (dialect === "sqlite") {
    const match = words.map((w) => `"${w}"*`).join(" AND ");
    return sql<boolean>`j.id IN (SELECT job_id FROM job_search WHERE job_search MATCH ${match})`;
  }
  const folded = words.flatMap((w) => foldText(w).match(/[\p{L}\p{N}]+/gu) ?? []);
  const query = folded.map((w) => `${w}:*`).join(" & ");
  return sql<boolean>`j.id IN (SELECT job_id FROM job_search WHERE tsv @@ to_tsquery('simple', ${query}))`;
}
