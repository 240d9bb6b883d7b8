import { KyselyTeamStore } from "./teamRecords.js";
import { sql, type Kysely } from "kysely";
import {
  Artifact,
  FrameContext,
  Job,
  JobLogEntry,
  ProjectSettings,
  Take,
  TERMINAL_TAKE_STATES,
  type HistoryPage,
  type HistoryQuery,
} from "../../core/schemas/index.js";
import { takeScore as scoreOf } from "../../core/takeRanking.js";
import type { LedgerTables } from "./dbTables.js";
import {
  BudgetRefusedError,
  type JobChange,
  type JobReplayItem,
  type SpendGuard,
  type SpendRow,
  type SpendSnapshot,
  type Store,
  type TeamStore,
} from "./store.js";
import { queryStoreHistory } from "./storeHistory.js";
import { jsonText, refreshJobAggregates, reindexJobSearch, type LedgerDb, type StoreDialect } from "./storeSql.js";

/**
 * The ledger on Kysely: the same SQL for the embedded SQLite file and a studio's PostgreSQL
 * (dialect differences live in storeSql.ts, the schema in storeMigrations.ts, the history query
 * in storeHistory.ts). Open it with `openStore` (openStore.ts), which migrates first.
 *
 * Every method is one transaction. Writes on SQLite take the write lock at once (BEGIN
 * IMMEDIATE) so two backends on one file queue instead of failing to upgrade a read lock. On
 * PostgreSQL every write to a job first takes the job's next sequence number (an UPDATE of the
 * job row), so writes to one job are serialised on that row in one order, and cannot deadlock.
 */

/** Any constant shared by every Retake process: guarded (spending) writes queue on it. */
const SPEND_LOCK = 7_190_420;

/** Thrown inside changeTake's transaction when the change leaves the take as it is. */
const LEFT_AS_IS = Symbol("take left as it is");

type TakeT = Take;
type JobT = Job;
type JobLogEntryT = JobLogEntry;

export class KyselyStore implements Store, TeamStore {
  private readonly team: KyselyTeamStore;

  constructor(
    private readonly db: Kysely<LedgerTables>,
    readonly dialect: StoreDialect,
  ) {
    this.team = new KyselyTeamStore(db as unknown as Kysely<any>, dialect);
  }

  /** The schema version the database is at, read now: a readiness check (throws when the database does not answer). */
  async schemaVersion(): Promise<number> {
    if (this.dialect === "postgres") {
      const { rows } = await sql<{ version: number }>`SELECT version FROM retake_schema`.execute(this.db);
      return rows[0]?.version ?? 0;
    }
    const { rows } = await sql<{ user_version: number }>`PRAGMA user_version`.execute(this.db);
    return rows[0]?.user_version ?? 0;
  }

  /** Closes the SQLite file, or ends the PostgreSQL pool. */
  async close(): Promise<void> {
    await this.db.destroy();
  }

  /** One write transaction (see the class comment for how each database serialises it). */
  private async write<T>(fn: (db: LedgerDb) => Promise<T>): Promise<T> {
    if (this.dialect === "postgres") return this.db.transaction().execute(fn);
    return this.db.connection().execute(async (conn) => {
      await sql`BEGIN IMMEDIATE`.execute(conn);
      try {
        const result = await fn(conn);
        await sql`COMMIT`.execute(conn);
        return result;
      } catch (error) {
        await sql`ROLLBACK`.execute(conn).catch(() => undefined);
        throw error;
      }
    });
  }

  /** A read that sees one consistent state across its several queries. */
  private async read<T>(fn: (db: LedgerDb) => Promise<T>): Promise<T> {
    if (this.dialect === "postgres") return this.db.transaction().setIsolationLevel("repeatable read").execute(fn);
    // One connection, one query at a time: Kysely's SQLite driver holds it for the whole callback.
    return this.db.connection().execute(fn);
  }

  // ---- frames -----------------------------------------------------------------------------

  async insertFrame(frame: FrameContext, imagePath: string): Promise<void> {
    const valid = FrameContext.parse(frame);
    await this.db.insertInto("frames").values({ id: valid.frameId, created_at: valid.capturedAt, image_path: imagePath, json: JSON.stringify(valid) }).execute();
  }

  async getFrame(id: string): Promise<{ frame: FrameContext; imagePath: string } | undefined> {
    const row = await this.db.selectFrom("frames").select(["image_path", "json"]).where("id", "=", id).executeTakeFirst();
    return row ? { frame: FrameContext.parse(JSON.parse(row.json)), imagePath: row.image_path } : undefined;
  }

  // ---- jobs and takes ---------------------------------------------------------------------

  async insertJob(job: JobT, guard?: SpendGuard): Promise<void> {
    const valid = Job.parse(job);
    const { takes, log: _log, ...record } = valid;
    await this.write(async (db) => {
      if (guard) {
        await this.checkSpend(db, guard, takes, { jobId: null, project: record.frame.sequence.projectName, userId: record.createdBy?.userId ?? null });
      }
      await db
        .insertInto("jobs")
        .values({ id: record.id, created_at: record.createdAt, provider: record.provider, json: JSON.stringify(record), last_seq: 0, job_seq: 0, best_score: null, user_id: record.createdBy?.userId ?? null })
        .execute();
      for (const take of takes) await this.insertTakeRow(db, take);
      await refreshJobAggregates(db, record.id);
      await reindexJobSearch(db, this.dialect, record.id);
    });
  }

  async addTakes(jobId: string, takes: TakeT[], change: JobChange = {}, guard?: SpendGuard): Promise<{ takes: Array<{ seq: number; take: TakeT }>; jobSeq: number | null }> {
    const valid = takes.map((t) => Take.parse(t));
    return this.write(async (db) => {
      if (guard) await this.checkSpendOfJob(db, guard, jobId, valid);
      const added: Array<{ seq: number; take: TakeT }> = [];
      for (const take of valid) added.push({ seq: await this.insertTakeRow(db, take), take });
      await refreshJobAggregates(db, jobId);
      return { takes: added, jobSeq: Object.keys(change).length > 0 ? await this.changeJob(db, jobId, change) : null };
    });
  }

  async recordRound(
    jobId: string,
    log: Array<Omit<JobLogEntryT, "seq">>,
    takes: TakeT[],
    change: JobChange,
    guard?: SpendGuard,
  ): Promise<{ entries: JobLogEntryT[]; takes: Array<{ seq: number; take: TakeT }>; jobSeq: number | null }> {
    const valid = takes.map((t) => Take.parse(t));
    return this.write(async (db) => {
      if (guard) await this.checkSpendOfJob(db, guard, jobId, valid);
      const entries: JobLogEntryT[] = [];
      for (const entry of log) entries.push(await this.insertLog(db, jobId, entry));
      const added: Array<{ seq: number; take: TakeT }> = [];
      for (const take of valid) added.push({ seq: await this.insertTakeRow(db, take), take });
      if (valid.length > 0) await refreshJobAggregates(db, jobId);
      return { entries, takes: added, jobSeq: Object.keys(change).length > 0 ? await this.changeJob(db, jobId, change) : null };
    });
  }

  private async insertTakeRow(db: LedgerDb, take: TakeT): Promise<number> {
    const seq = await this.nextSeq(db, take.jobId);
    await db
      .insertInto("takes")
      .values({
        id: take.id,
        job_id: take.jobId,
        idx: take.index,
        state: take.state,
        seq,
        updated_at: take.updatedAt,
        json: JSON.stringify(take),
        score: scoreOf(take),
        starred: take.starred ? 1 : 0,
        cost_usd: take.cost.usd,
        ...historyColumns(take),
      })
      .execute();
    return seq;
  }

  /** The job's next event sequence number (take changes, log lines and job changes share it); locks the job row on PostgreSQL. */
  private async nextSeq(db: LedgerDb, jobId: string): Promise<number> {
    const row = await db
      .updateTable("jobs")
      .set((eb) => ({ last_seq: eb("last_seq", "+", 1) }))
      .where("id", "=", jobId)
      .returning("last_seq")
      .executeTakeFirst();
    if (!row) throw new Error(`No job ${jobId} in the ledger.`);
    return Number(row.last_seq);
  }

  async updateJob(id: string, change: JobChange): Promise<number> {
    return this.write((db) => this.changeJob(db, id, change));
  }

  private async changeJob(db: LedgerDb, id: string, change: JobChange): Promise<number> {
    const seq = await this.nextSeq(db, id);
    const row = await db.selectFrom("jobs").select("json").where("id", "=", id).executeTakeFirstOrThrow();
    await db.updateTable("jobs").set({ json: JSON.stringify({ ...JSON.parse(row.json), ...change }), job_seq: seq }).where("id", "=", id).execute();
    return seq;
  }

  async appendLog(jobId: string, entry: Omit<JobLogEntryT, "seq">): Promise<JobLogEntryT> {
    return this.write((db) => this.insertLog(db, jobId, entry));
  }

  private async insertLog(db: LedgerDb, jobId: string, entry: Omit<JobLogEntryT, "seq">): Promise<JobLogEntryT> {
    const written = JobLogEntry.parse({ ...entry, seq: await this.nextSeq(db, jobId) });
    await db.insertInto("job_log").values({ job_id: jobId, seq: written.seq, json: JSON.stringify(written) }).execute();
    return written;
  }

  async logOf(jobId: string, afterSeq = 0): Promise<JobLogEntryT[]> {
    return this.logIn(this.db, jobId, afterSeq);
  }

  private async logIn(db: LedgerDb, jobId: string, afterSeq: number): Promise<JobLogEntryT[]> {
    const rows = await db.selectFrom("job_log").select("json").where("job_id", "=", jobId).where("seq", ">", afterSeq).orderBy("seq").execute();
    return rows.map((r) => JobLogEntry.parse(JSON.parse(r.json)));
  }

  async getJob(id: string): Promise<JobT | undefined> {
    return this.read((db) => this.jobIn(db, id));
  }

  private async jobIn(db: LedgerDb, id: string): Promise<JobT | undefined> {
    const row = await db.selectFrom("jobs").select("json").where("id", "=", id).executeTakeFirst();
    if (!row) return undefined;
    const log = await this.logIn(db, id, 0);
    return Job.parse({ ...JSON.parse(row.json), takes: await this.takesIn(db, id), ...(log.length > 0 ? { log } : {}) });
  }

  async changesSince(jobId: string, afterSeq: number): Promise<JobReplayItem[]> {
    return this.read(async (db) => {
      const items: JobReplayItem[] = [
        ...(await this.takesChangedIn(db, jobId, afterSeq)).map(({ seq, take }) => ({ type: "take" as const, seq, take })),
        ...(await this.logIn(db, jobId, afterSeq)).map((entry) => ({ type: "log" as const, seq: entry.seq, entry })),
      ];
      const row = await db.selectFrom("jobs").select("job_seq").where("id", "=", jobId).executeTakeFirst();
      if (row && Number(row.job_seq) > afterSeq) {
        const job = await this.jobIn(db, jobId);
        if (job) items.push({ type: "job", seq: Number(row.job_seq), job });
      }
      return items.sort((a, b) => a.seq - b.seq);
    });
  }

  async history(query: HistoryQuery): Promise<HistoryPage> {
    return this.read((db) => queryStoreHistory(db, this.dialect, query));
  }

  async listJobs(limit = 50): Promise<JobT[]> {
    return this.read(async (db) => {
      const { rows } = await sql<{ id: string }>`SELECT id FROM jobs ORDER BY created_at DESC, rowid DESC LIMIT ${limit}`.execute(db);
      const jobs: JobT[] = [];
      for (const { id } of rows) {
        const job = await this.jobIn(db, id);
        if (job) jobs.push(job);
      }
      return jobs;
    });
  }

  async takesOf(jobId: string): Promise<TakeT[]> {
    return this.takesIn(this.db, jobId);
  }

  private async takesIn(db: LedgerDb, jobId: string): Promise<TakeT[]> {
    const rows = await db.selectFrom("takes").select("json").where("job_id", "=", jobId).orderBy("idx").execute();
    return rows.map((r) => Take.parse(JSON.parse(r.json)));
  }

  async getTake(id: string): Promise<TakeT | undefined> {
    const row = await this.db.selectFrom("takes").select("json").where("id", "=", id).executeTakeFirst();
    return row ? Take.parse(JSON.parse(row.json)) : undefined;
  }

  async updateTake(take: TakeT): Promise<number> {
    const valid = Take.parse(take);
    return this.write(async (db) => {
      const seq = await this.nextSeq(db, valid.jobId);
      const before = await this.lockedTake(db, valid.id);
      if (!before) throw new Error(`No take ${valid.id} in the ledger.`);
      await this.writeTake(db, before, valid, seq);
      return seq;
    });
  }

  async changeTake(takeId: string, change: (current: TakeT) => TakeT | undefined, guard?: SpendGuard): Promise<{ take: TakeT; seq: number } | undefined> {
    try {
      return await this.write(async (db) => {
        // A take never moves to another job, so its job id can be read before any lock.
        const owner = await db.selectFrom("takes").select("job_id").where("id", "=", takeId).executeTakeFirst();
        if (!owner) return undefined;
        // A guarded change takes the spend lock before the job's row, in the order every guarded write does (no deadlock).
        if (guard && this.dialect === "postgres") await sql`SELECT pg_advisory_xact_lock(${SPEND_LOCK})`.execute(db);
        const seq = await this.nextSeq(db, owner.job_id);
        const before = (await this.lockedTake(db, takeId))!;
        const current = Take.parse(JSON.parse(before.json));
        const changed = change(current);
        // Left as it is: rolled back, so the sequence number taken for it is not spent either.
        if (!changed) throw LEFT_AS_IS;
        const next = Take.parse(changed);
        if (next.id !== takeId || next.jobId !== owner.job_id) throw new Error(`A take change may not change the take's id or job (${takeId}).`);
        // Checked on what is spent without the change: the take's present cost is in the sums already.
        if (guard && next.cost.usd > current.cost.usd) await this.checkSpendOfJob(db, guard, owner.job_id, [current]);
        await this.writeTake(db, before, next, seq);
        return { take: next, seq };
      });
    } catch (error) {
      if (error === LEFT_AS_IS) return undefined;
      throw error;
    }
  }

  /** The take's row, locked until the transaction ends on PostgreSQL (SQLite's write lock covers it). */
  private async lockedTake(db: LedgerDb, id: string) {
    let query = db.selectFrom("takes").select(["json", "state", "score", "starred"]).where("id", "=", id);
    if (this.dialect === "postgres") query = query.forUpdate();
    return query.executeTakeFirst();
  }

  private async writeTake(db: LedgerDb, before: { json: string; state: string; score: number | null; starred: number }, valid: TakeT, seq: number): Promise<void> {
    const score = scoreOf(valid);
    const starred = valid.starred ? 1 : 0;
    await db
      .updateTable("takes")
      .set({ state: valid.state, seq, updated_at: valid.updatedAt, json: JSON.stringify(valid), score, starred, cost_usd: valid.cost.usd, ...historyColumns(valid) })
      .where("id", "=", valid.id)
      .execute();
    // Progress updates come several times a second per take: the job's best score and starred
    // count only change when a take's state, score or star does.
    const beforeScore = before.score === null ? null : Number(before.score);
    if (before.state !== valid.state || beforeScore !== score || Number(before.starred) !== starred) await refreshJobAggregates(db, valid.jobId);
    const beforeNote = (JSON.parse(before.json) as { note?: string }).note ?? "";
    if (beforeNote !== (valid.note ?? "")) await reindexJobSearch(db, this.dialect, valid.jobId);
  }

  async takesChangedSince(jobId: string, afterSeq: number): Promise<Array<{ seq: number; take: TakeT }>> {
    return this.takesChangedIn(this.db, jobId, afterSeq);
  }

  private async takesChangedIn(db: LedgerDb, jobId: string, afterSeq: number): Promise<Array<{ seq: number; take: TakeT }>> {
    const rows = await db.selectFrom("takes").select(["seq", "json"]).where("job_id", "=", jobId).where("seq", ">", afterSeq).orderBy("seq").execute();
    return rows.map((r) => ({ seq: Number(r.seq), take: Take.parse(JSON.parse(r.json)) }));
  }

  async runningLoops(): Promise<string[]> {
    const { rows } = await sql<{ id: string }>`SELECT id FROM jobs WHERE ${jsonText(this.dialect, "json", ["loop", "state"])} = 'running' ORDER BY created_at`.execute(this.db);
    return rows.map((r) => r.id);
  }

  async unfinishedTakes(): Promise<TakeT[]> {
    const rows = await this.db.selectFrom("takes").select("json").where("state", "not in", [...TERMINAL_TAKE_STATES]).orderBy("updated_at").execute();
    return rows.map((r) => Take.parse(JSON.parse(r.json)));
  }

  // ---- spend ------------------------------------------------------------------------------

  /** The UTC day of a take's creation, as SQL over its record. */
  private takeDay(column = "json") {
    return sql<string>`substr(${jsonText(this.dialect, column, ["createdAt"])}, 1, 10)`;
  }

  async spendRows(): Promise<SpendRow[]> {
    const { rows } = await sql<{ day: string; project: string; jobId: string; userId: string | null; usd: number }>`
      SELECT ${this.takeDay("t.json")} AS day,
             COALESCE(${jsonText(this.dialect, "j.json", ["frame", "sequence", "projectName"])}, '') AS project,
             t.job_id AS "jobId", j.user_id AS "userId",
             COALESCE(SUM(t.cost_usd), 0) AS usd
        FROM takes t JOIN jobs j ON j.id = t.job_id
       GROUP BY 1, 2, t.job_id, j.user_id`.execute(this.db);
    return rows.map((r) => ({ ...r, usd: Number(r.usd) }));
  }

  async spentOn(day: string): Promise<number> {
    return this.spentOnIn(this.db, day);
  }

  private async spentOnIn(db: LedgerDb, day: string): Promise<number> {
    const { rows } = await sql<{ usd: number }>`SELECT COALESCE(SUM(cost_usd), 0) AS usd FROM takes WHERE ${this.takeDay()} = ${day}`.execute(db);
    return Number(rows[0]!.usd);
  }

  async spentInJob(jobId: string): Promise<number> {
    return this.spentInJobIn(this.db, jobId);
  }

  private async spentInJobIn(db: LedgerDb, jobId: string): Promise<number> {
    const { rows } = await sql<{ usd: number }>`SELECT COALESCE(SUM(cost_usd), 0) AS usd FROM takes WHERE job_id = ${jobId}`.execute(db);
    return Number(rows[0]!.usd);
  }

  private async checkSpendOfJob(db: LedgerDb, guard: SpendGuard, jobId: string, takes: TakeT[]): Promise<void> {
    const job = await db.selectFrom("jobs").select(["json", "user_id"]).where("id", "=", jobId).executeTakeFirst();
    if (!job) throw new Error(`No job ${jobId} in the ledger.`);
    const project = (JSON.parse(job.json) as { frame?: { sequence?: { projectName?: string } } }).frame?.sequence?.projectName ?? "";
    await this.checkSpend(db, guard, takes, { jobId, project, userId: job.user_id });
  }

  /**
   * Reads what is spent and asks the guard, inside the write's transaction and after taking the
   * spend lock (SQLite's BEGIN IMMEDIATE already is one), so two guarded writes at once are
   * checked one after the other, each seeing the other's spend.
   */
  private async checkSpend(db: LedgerDb, guard: SpendGuard, takes: TakeT[], of: { jobId: string | null; project: string; userId: string | null }): Promise<void> {
    if (this.dialect === "postgres") await sql`SELECT pg_advisory_xact_lock(${SPEND_LOCK})`.execute(db);
    const day = (takes[0]?.createdAt ?? new Date().toISOString()).slice(0, 10);
    const refusal = guard(await this.snapshotIn(db, day, of));
    if (refusal !== undefined) throw new BudgetRefusedError(refusal);
  }

  async spendSnapshot(of: { project: string; userId: string | null; jobId?: string }, day: string): Promise<SpendSnapshot> {
    return this.read((db) => this.snapshotIn(db, day, { jobId: of.jobId ?? null, project: of.project, userId: of.userId }));
  }

  /** What is spent on `day` and its month, in all, in the job, by the project and by the editor. */
  private async snapshotIn(db: LedgerDb, day: string, of: { jobId: string | null; project: string; userId: string | null }): Promise<SpendSnapshot> {
    const projectOf = jsonText(this.dialect, "j.json", ["frame", "sequence", "projectName"]);
    const sumOf = async (query: ReturnType<typeof sql<{ usd: number }>>) => Number((await query.execute(db)).rows[0]!.usd);
    const month = day.slice(0, 7);
    const takeMonth = (column: string) => sql<string>`substr(${jsonText(this.dialect, column, ["createdAt"])}, 1, 7)`;
    const spent: SpendSnapshot = {
      dayUsd: await this.spentOnIn(db, day),
      jobUsd: of.jobId ? await this.spentInJobIn(db, of.jobId) : 0,
      projectDayUsd: await sumOf(
        sql<{ usd: number }>`SELECT COALESCE(SUM(t.cost_usd), 0) AS usd FROM takes t JOIN jobs j ON j.id = t.job_id
          WHERE ${this.takeDay("t.json")} = ${day} AND COALESCE(${projectOf}, '') = ${of.project}`,
      ),
      userDayUsd: of.userId
        ? await sumOf(
            sql<{ usd: number }>`SELECT COALESCE(SUM(t.cost_usd), 0) AS usd FROM takes t JOIN jobs j ON j.id = t.job_id
              WHERE j.user_id = ${of.userId} AND ${this.takeDay("t.json")} = ${day}`,
          )
        : 0,
      monthUsd: await sumOf(sql<{ usd: number }>`SELECT COALESCE(SUM(cost_usd), 0) AS usd FROM takes WHERE ${takeMonth("json")} = ${month}`),
      projectMonthUsd: await sumOf(
        sql<{ usd: number }>`SELECT COALESCE(SUM(t.cost_usd), 0) AS usd FROM takes t JOIN jobs j ON j.id = t.job_id
          WHERE ${takeMonth("t.json")} = ${month} AND COALESCE(${projectOf}, '') = ${of.project}`,
      ),
      userMonthUsd: of.userId
        ? await sumOf(
            sql<{ usd: number }>`SELECT COALESCE(SUM(t.cost_usd), 0) AS usd FROM takes t JOIN jobs j ON j.id = t.job_id
              WHERE j.user_id = ${of.userId} AND ${takeMonth("t.json")} = ${month}`,
          )
        : 0,
      project: of.project,
      userId: of.userId,
    };
    return spent;
  }

  // ---- artifacts and settings -------------------------------------------------------------

  async insertArtifact(artifact: Artifact, filePath: string): Promise<void> {
    const valid = Artifact.parse(artifact);
    const row = { id: valid.id, take_id: valid.takeId, kind: valid.kind, path: filePath, json: JSON.stringify(valid) };
    // INSERT OR REPLACE, in SQL both databases speak.
    await this.db
      .insertInto("artifacts")
      .values(row)
      .onConflict((oc) => oc.column("id").doUpdateSet({ take_id: row.take_id, kind: row.kind, path: row.path, json: row.json }))
      .execute();
  }

  async getArtifact(id: string): Promise<{ artifact: Artifact; path: string } | undefined> {
    const row = await this.db.selectFrom("artifacts").select(["path", "json"]).where("id", "=", id).executeTakeFirst();
    return row ? { artifact: Artifact.parse(JSON.parse(row.json)), path: row.path } : undefined;
  }

  async projectSettings(project: string): Promise<ProjectSettings> {
    const row = await this.db.selectFrom("project_settings").select("json").where("project", "=", project).executeTakeFirst();
    return ProjectSettings.parse(row ? JSON.parse(row.json) : {});
  }

  async setProjectSettings(project: string, settings: ProjectSettings): Promise<ProjectSettings> {
    const valid = ProjectSettings.parse(settings);
    const updatedAt = new Date().toISOString();
    await this.db
      .insertInto("project_settings")
      .values({ project, updated_at: updatedAt, json: JSON.stringify(valid) })
      .onConflict((oc) => oc.column("project").doUpdateSet({ updated_at: updatedAt, json: JSON.stringify(valid) }))
      .execute();
    return valid;
  }

  // ---- team: users, tokens, budgets, pairings (teamRecords.ts, on the same connection) ----------

  readonly createUser: TeamStore["createUser"] = (...args) => this.team.createUser(...args);
  readonly findUserByName: TeamStore["findUserByName"] = (...args) => this.team.findUserByName(...args);
  readonly findUserBySubject: TeamStore["findUserBySubject"] = (...args) => this.team.findUserBySubject(...args);
  readonly findUserByEmail: TeamStore["findUserByEmail"] = (...args) => this.team.findUserByEmail(...args);
  readonly linkUserSubject: TeamStore["linkUserSubject"] = (...args) => this.team.linkUserSubject(...args);
  readonly getUser: TeamStore["getUser"] = (...args) => this.team.getUser(...args);
  readonly listUsers: TeamStore["listUsers"] = (...args) => this.team.listUsers(...args);
  readonly setUserDisabled: TeamStore["setUserDisabled"] = (...args) => this.team.setUserDisabled(...args);
  readonly insertToken: TeamStore["insertToken"] = (...args) => this.team.insertToken(...args);
  readonly tokenByHash: TeamStore["tokenByHash"] = (...args) => this.team.tokenByHash(...args);
  readonly tokenRecordByHash: TeamStore["tokenRecordByHash"] = (...args) => this.team.tokenRecordByHash(...args);
  readonly touchToken: TeamStore["touchToken"] = (...args) => this.team.touchToken(...args);
  readonly revokeToken: TeamStore["revokeToken"] = (...args) => this.team.revokeToken(...args);
  readonly listTokens: TeamStore["listTokens"] = (...args) => this.team.listTokens(...args);
  readonly setBudget: TeamStore["setBudget"] = (...args) => this.team.setBudget(...args);
  readonly removeBudget: TeamStore["removeBudget"] = (...args) => this.team.removeBudget(...args);
  readonly listBudgets: TeamStore["listBudgets"] = (...args) => this.team.listBudgets(...args);
  readonly insertPairing: TeamStore["insertPairing"] = (...args) => this.team.insertPairing(...args);
  readonly recentPairingTimes: TeamStore["recentPairingTimes"] = (...args) => this.team.recentPairingTimes(...args);
  readonly getPairing: TeamStore["getPairing"] = (...args) => this.team.getPairing(...args);
  readonly completePairing: TeamStore["completePairing"] = (...args) => this.team.completePairing(...args);
  readonly failPairing: TeamStore["failPairing"] = (...args) => this.team.failPairing(...args);
  readonly claimPairing: TeamStore["claimPairing"] = (...args) => this.team.claimPairing(...args);
}

/** What a history page shows of a take besides score, star and cost (schema v6), so it never reads the take's JSON. */
function historyColumns(take: TakeT): { iteration: number; cost_estimated: number; poster: string | null } {
  return { iteration: take.iteration, cost_estimated: take.cost.estimated ? 1 : 0, poster: take.outputs.poster ? JSON.stringify(take.outputs.poster) : null };
}
