import type { Artifact, FrameContext, HistoryPage, HistoryQuery, Job, JobLogEntry, ProjectSettings, Take } from "../../core/schemas/index.js";
import type { Ledger } from "./ledger.js";
import { BudgetRefusedError, type JobChange, type JobReplayItem, type SpendGuard, type SpendRow, type Store } from "./store.js";

/**
 * The async `Store` over today's synchronous SQLite `Ledger`, so the director and the routes can
 * be written against `Store` now. Temporary: at merge the Kysely store (SQLite + Postgres), which
 * implements the same interface, replaces it.
 *
 * The pairs that must land together (`recordRound`, `changeTake`, a guarded insert) run inside
 * one `ledger.atomically` transaction. better-sqlite3 is synchronous, so nothing else in this
 * process can run between the guard's read of the spend and the write it allows.
 */
export class SyncLedgerStore implements Store {
  readonly dialect = "sqlite" as const;

  constructor(readonly ledger: Ledger) {}

  async close(): Promise<void> {
    this.ledger.close();
  }

  async insertFrame(frame: FrameContext, imagePath: string): Promise<void> {
    this.ledger.insertFrame(frame, imagePath);
  }

  async getFrame(id: string): Promise<{ frame: FrameContext; imagePath: string } | undefined> {
    return this.ledger.getFrame(id);
  }

  async insertJob(job: Job, guard?: SpendGuard): Promise<void> {
    this.ledger.atomically(() => {
      if (guard) this.check(guard, { jobId: job.id, newJob: job, takes: job.takes });
      this.ledger.insertJob(job);
    });
  }

  async addTakes(jobId: string, takes: Take[], change: JobChange = {}, guard?: SpendGuard) {
    return this.ledger.atomically(() => {
      if (guard) this.check(guard, { jobId, takes });
      return this.ledger.addTakes(jobId, takes, change);
    });
  }

  async recordRound(jobId: string, log: Array<Omit<JobLogEntry, "seq">>, takes: Take[], change: JobChange, guard?: SpendGuard) {
    return this.ledger.atomically(() => {
      if (guard) this.check(guard, { jobId, takes });
      const entries = log.map((line) => this.ledger.appendLog(jobId, line));
      return { entries, ...this.ledger.addTakes(jobId, takes, change) };
    });
  }

  async updateJob(id: string, change: JobChange): Promise<number> {
    return this.ledger.updateJob(id, change);
  }

  async appendLog(jobId: string, entry: Omit<JobLogEntry, "seq">): Promise<JobLogEntry> {
    return this.ledger.appendLog(jobId, entry);
  }

  async logOf(jobId: string, afterSeq?: number): Promise<JobLogEntry[]> {
    return this.ledger.logOf(jobId, afterSeq);
  }

  async getJob(id: string): Promise<Job | undefined> {
    return this.ledger.getJob(id);
  }

  async changesSince(jobId: string, afterSeq: number): Promise<JobReplayItem[]> {
    return this.ledger.changesSince(jobId, afterSeq);
  }

  async history(query: HistoryQuery): Promise<HistoryPage> {
    return this.ledger.history(query);
  }

  async listJobs(limit?: number): Promise<Job[]> {
    return this.ledger.listJobs(limit);
  }

  async takesOf(jobId: string): Promise<Take[]> {
    return this.ledger.takesOf(jobId);
  }

  async getTake(id: string): Promise<Take | undefined> {
    return this.ledger.getTake(id);
  }

  async updateTake(take: Take): Promise<number> {
    return this.ledger.updateTake(take);
  }

  async changeTake(takeId: string, change: (current: Take) => Take): Promise<{ take: Take; seq: number } | undefined> {
    return this.ledger.atomically(() => {
      const current = this.ledger.getTake(takeId);
      if (!current) return undefined;
      const take = change(current);
      return { take, seq: this.ledger.updateTake(take) };
    });
  }

  async takesChangedSince(jobId: string, afterSeq: number): Promise<Array<{ seq: number; take: Take }>> {
    return this.ledger.takesChangedSince(jobId, afterSeq);
  }

  async runningLoops(): Promise<string[]> {
    return this.ledger.runningLoops();
  }

  async unfinishedTakes(): Promise<Take[]> {
    return this.ledger.unfinishedTakes();
  }

  async spendRows(): Promise<SpendRow[]> {
    return this.ledger.spendRows();
  }

  async spentOn(day: string): Promise<number> {
    return this.ledger.spentOn(day);
  }

  async spentInJob(jobId: string): Promise<number> {
    return this.ledger.spentInJob(jobId);
  }

  async insertArtifact(artifact: Artifact, filePath: string): Promise<void> {
    this.ledger.insertArtifact(artifact, filePath);
  }

  async getArtifact(id: string): Promise<{ artifact: Artifact; path: string } | undefined> {
    return this.ledger.getArtifact(id);
  }

  async projectSettings(project: string): Promise<ProjectSettings> {
    return this.ledger.projectSettings(project);
  }

  async setProjectSettings(project: string, settings: ProjectSettings): Promise<ProjectSettings> {
    return this.ledger.setProjectSettings(project, settings);
  }

  /**
   * Runs a guard on the spend as it is inside the open transaction; throws (rolling it back)
   * when refused. The day is the new takes' creation day; project and editor are the job's.
   */
  private check(guard: SpendGuard, input: { jobId: string; takes: Take[]; newJob?: Job }): void {
    const job = input.newJob ?? this.ledger.getJob(input.jobId);
    if (!job) throw new Error(`No job ${input.jobId} in the ledger.`);
    const day = (input.takes[0]?.createdAt ?? new Date().toISOString()).slice(0, 10);
    const spent = this.ledger.spendSnapshot({
      day,
      jobId: input.jobId,
      project: job.frame.sequence.projectName ?? "",
      userId: job.createdBy?.userId ?? null,
    });
    const refusal = guard(spent);
    if (refusal !== undefined) throw new BudgetRefusedError(refusal);
  }
}
