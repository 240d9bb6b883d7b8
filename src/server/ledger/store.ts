import type {
  Artifact,
  FrameContext,
  HistoryPage,
  HistoryQuery,
  Job,
  JobLogEntry,
  ProjectSettings,
  Take,
} from "../../core/schemas/index.js";

/**
 * The ledger as the director, the routes and the workers see it: one asynchronous interface, so
 * the same code runs on the embedded SQLite file (one editor, one process) and on a studio's
 * PostgreSQL (team mode: many API processes and workers at once).
 *
 * Every method is one atomic step on the database. There is deliberately no open-ended
 * "run this callback in a transaction": a transaction that awaits arbitrary work holds locks
 * across network calls in team mode. Where two writes must land together, the store has a method
 * for that pair (`recordRound`, `changeTake`, `insertJob` with a spend guard).
 */

/** A job record without its takes and log (those have their own calls). */
export type JobRecord = Omit<Job, "takes" | "log">;

/** What may change on a job record after it is made (takes and log lines have their own calls). */
export type JobChange = Partial<Pick<JobRecord, "canceled" | "loop" | "upscaleNext">>;

/** A job's changes in event order, for an SSE replay after `afterSeq`. */
export type JobReplayItem =
  | { type: "take"; seq: number; take: Take }
  | { type: "log"; seq: number; entry: JobLogEntry }
  | { type: "job"; seq: number; job: Job };

/** One row of recorded spend: UTC day, project, job, and (team mode) the editor who made the job. */
export interface SpendRow {
  day: string;
  project: string;
  jobId: string;
  /** null for jobs made without sign-in (embedded mode). */
  userId: string | null;
  usd: number;
}

/**
 * What is already spent, read inside the same transaction that would add more, so two editors
 * spending at once cannot both pass a check that only one of them fits under.
 */
export interface SpendSnapshot {
  /** All takes created on the UTC day of the new spend. */
  dayUsd: number;
  /** The job's own takes (0 for a new job). */
  jobUsd: number;
  /** Takes of the job's project (frame.sequence.projectName) created that day. */
  projectDayUsd: number;
  /** Takes of jobs made by the job's editor (createdBy.userId) that day; 0 without one. */
  userDayUsd: number;
  /** All takes created in the UTC month (YYYY-MM) of the new spend. */
  monthUsd: number;
  /** Takes of the job's project created that month. */
  projectMonthUsd: number;
  /** Takes of jobs made by the job's editor that month; 0 without one. */
  userMonthUsd: number;
  /** Whose spend the figures are: the job's project and editor (null without sign-in), so a guard can pick the admin's limits that apply. */
  project: string;
  userId: string | null;
}

/**
 * Decides, from what is spent, whether a write that adds spend may land: a refusal message (the
 * write is not made and `BudgetRefusedError` is thrown with it), or undefined to go ahead.
 * Synchronous: it runs inside the database transaction.
 */
export type SpendGuard = (spent: SpendSnapshot) => string | undefined;

/** Thrown by a guarded write that the guard refused; nothing was written. */
export class BudgetRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BudgetRefusedError";
  }
}

export interface Store {
  /** "sqlite" (embedded) or "postgres" (team). */
  readonly dialect: "sqlite" | "postgres";
  close(): Promise<void>;

  insertFrame(frame: FrameContext, imagePath: string): Promise<void>;
  getFrame(id: string): Promise<{ frame: FrameContext; imagePath: string } | undefined>;

  /**
   * Inserts a job and its initial takes in one transaction: no half-created jobs. With a guard,
   * the spend the new takes carry (their `cost.usd`) is checked against what is already spent in
   * the same transaction (serialised against other guarded writes).
   */
  insertJob(job: Job, guard?: SpendGuard): Promise<void>;
  /**
   * Adds takes to an existing job (a retry, an auto job's next round) together with the job
   * change that records it, in one transaction; guarded like insertJob. Returns each take with
   * its event sequence number, and the job change's (null when `change` is empty).
   */
  addTakes(jobId: string, takes: Take[], change?: JobChange, guard?: SpendGuard): Promise<{ takes: Array<{ seq: number; take: Take }>; jobSeq: number | null }>;
  /** An auto job's round: its log lines, its new takes and the job change, all or nothing. */
  recordRound(
    jobId: string,
    log: Array<Omit<JobLogEntry, "seq">>,
    takes: Take[],
    change: JobChange,
    guard?: SpendGuard,
  ): Promise<{ entries: JobLogEntry[]; takes: Array<{ seq: number; take: Take }>; jobSeq: number | null }>;
  /** Changes the job record (canceled, loop state); returns the change's event sequence number. */
  updateJob(id: string, change: JobChange): Promise<number>;
  /** Appends a line to the job's reasoning log; returns it with its sequence number. */
  appendLog(jobId: string, entry: Omit<JobLogEntry, "seq">): Promise<JobLogEntry>;
  logOf(jobId: string, afterSeq?: number): Promise<JobLogEntry[]>;
  getJob(id: string): Promise<Job | undefined>;
  /** Everything about a job that changed after `afterSeq`, in event order. */
  changesSince(jobId: string, afterSeq: number): Promise<JobReplayItem[]>;
  history(query: HistoryQuery): Promise<HistoryPage>;
  listJobs(limit?: number): Promise<Job[]>;

  takesOf(jobId: string): Promise<Take[]>;
  getTake(id: string): Promise<Take | undefined>;
  /** Writes a take's new state; returns its event sequence number (the SSE event id). */
  updateTake(take: Take): Promise<number>;
  /**
   * Reads the take, applies `change` to the record as it is in the database, and writes the
   * result, in one transaction (row-locked in team mode), so a worker's progress and an editor's
   * star on the same take never overwrite each other. `change` may return undefined to leave the
   * take as it is (a decision made on the record under its lock: cancel or deliver): nothing is
   * written. Undefined when there is no such take or nothing was written.
   *
   * With a guard (a retry: the take is sent again and its cost grows), the spend the change adds
   * (its new `cost.usd` less the old) is checked in the same transaction, as insertJob checks a
   * new job's; it counts on the take's own UTC day and month, where the ledger counts its cost.
   */
  changeTake(takeId: string, change: (current: Take) => Take | undefined, guard?: SpendGuard): Promise<{ take: Take; seq: number } | undefined>;
  takesChangedSince(jobId: string, afterSeq: number): Promise<Array<{ seq: number; take: Take }>>;
  /** Auto jobs whose loop had not finished when the backend last stopped. */
  runningLoops(): Promise<string[]>;
  /** Takes that were queued or running when the backend last stopped. */
  unfinishedTakes(): Promise<Take[]>;

  spendRows(): Promise<SpendRow[]>;
  /** Total cost of takes created on one UTC day ("2026-11-24"). */
  spentOn(day: string): Promise<number>;
  spentInJob(jobId: string): Promise<number>;
  /**
   * What a guard would be handed for new spend on `day` by this project and editor (and job):
   * read now, outside any write, for an estimate to say what the guarded write will decide.
   */
  spendSnapshot(of: { project: string; userId: string | null; jobId?: string }, day: string): Promise<SpendSnapshot>;

  insertArtifact(artifact: Artifact, filePath: string): Promise<void>;
  getArtifact(id: string): Promise<{ artifact: Artifact; path: string } | undefined>;

  projectSettings(project: string): Promise<ProjectSettings>;
  setProjectSettings(project: string, settings: ProjectSettings): Promise<ProjectSettings>;
}

// ---- Team mode: who is signed in, their tokens, and the budgets set on them -------------------

export interface User {
  id: string;
  /** Unique sign-in name ("ana", or the identity provider's email). */
  name: string;
  email: string | null;
  admin: boolean;
  createdAt: string;
  /** Set when an admin disables the account: its tokens stop working. */
  disabledAt: string | null;
}

/** A per-user API token as stored: only a SHA-256 hash of the secret, never the secret. */
export interface ApiTokenRecord {
  id: string;
  userId: string;
  /** hex SHA-256 of the token's secret. */
  hash: string;
  /** What the token is for ("panel on ana-mac", "worker 2"). */
  label: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** A spending limit an admin set: for the whole studio, one project, or one editor, per UTC day or month. */
export interface BudgetLimit {
  scope: "studio" | "project" | "user";
  /** "" for the studio; the project name; the user id. */
  key: string;
  period: "day" | "month";
  limitUsd: number;
  updatedAt: string;
}

/**
 * A browser sign-in in progress (OIDC, issue 19): the panel shows `code`, the editor signs in in
 * the system browser, and the panel polls until the service attaches a token to the pairing.
 * Kept in the database so any API process behind a load balancer can answer the poll.
 */
export interface Pairing {
  code: string;
  createdAt: string;
  expiresAt: string;
  /** The OIDC state/nonce/PKCE verifier, as JSON text; opaque to the store. */
  flow: string;
  /** Set once signed in: the secret token for the panel, handed over exactly once. */
  token: string | null;
  claimedAt: string | null;
  /** Why the sign-in was refused, in words for the editor (schema v5); the panel's claim says it. */
  failure?: string | null;
  /** The client address that started it (schema v7), for the sign-in rate limit. */
  client?: string | null;
}

/** The identity provider's account a user signs in as: its issuer URL and its `sub` claim. */
export interface IdpSubject {
  issuer: string;
  subject: string;
}

export interface TeamStore {
  createUser(user: { name: string; email?: string | null; admin?: boolean; idp?: IdpSubject }): Promise<User>;
  findUserByName(name: string): Promise<User | undefined>;
  /** The user signed in as this IdP account before (schema v5). */
  findUserBySubject(idp: IdpSubject): Promise<{ user: User } | undefined>;
  /**
   * The user named by this email or holding it, and whether an IdP account is linked to them
   * yet: browser sign-in links an admin-made user by email once, never a linked one again.
   */
  findUserByEmail(email: string): Promise<{ user: User; linked: boolean } | undefined>;
  /** Links the IdP account to a user that has none yet; false if one is linked already. */
  linkUserSubject(userId: string, idp: IdpSubject): Promise<boolean>;
  getUser(id: string): Promise<User | undefined>;
  listUsers(): Promise<User[]>;
  setUserDisabled(id: string, disabledAt: string | null): Promise<void>;

  insertToken(token: ApiTokenRecord): Promise<void>;
  /** The live (not revoked, user not disabled) token with this hash, and its user. */
  tokenByHash(hash: string): Promise<{ token: ApiTokenRecord; user: User } | undefined>;
  /**
   * The token with this hash whatever its state (revoked, user disabled), so a refusal can say
   * "revoked" rather than "unknown". Never use it to let a request in: that is `tokenByHash`.
   */
  tokenRecordByHash(hash: string): Promise<{ token: ApiTokenRecord; user: User } | undefined>;
  touchToken(id: string, at: string): Promise<void>;
  /** True when a live token was revoked now; false when unknown or already revoked. */
  revokeToken(id: string, at: string): Promise<boolean>;
  listTokens(userId?: string): Promise<ApiTokenRecord[]>;

  setBudget(limit: BudgetLimit): Promise<void>;
  removeBudget(scope: BudgetLimit["scope"], key: string, period: BudgetLimit["period"]): Promise<void>;
  listBudgets(): Promise<BudgetLimit[]>;

  insertPairing(pairing: Pairing): Promise<void>;
  /** When the newest `limit` pairings this client address started after `since` were made, newest first. */
  recentPairingTimes(client: string, since: string, limit: number): Promise<string[]>;
  getPairing(code: string): Promise<Pairing | undefined>;
  /** Attaches the signed-in token to a live pairing; false if expired, unknown or already done. */
  completePairing(code: string, token: string, at: string): Promise<boolean>;
  /** Records why a live pairing's sign-in was refused; false if it is done, expired or unknown. */
  failPairing(code: string, failure: string, at: string): Promise<boolean>;
  /** Hands the token over once: returns it and clears it; undefined if not (yet) there. */
  claimPairing(code: string, at: string): Promise<string | undefined>;
}
