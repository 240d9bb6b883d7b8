import type { Generated } from "kysely";

/**
 * The ledger's tables as Kysely sees them (schema v7), one definition for SQLite and PostgreSQL.
 * Records are validated JSON text in `json`; the other columns are the few the ledger queries on.
 * Times are ISO-8601 text on both databases, so ordering and day prefixes behave the same.
 */
export interface FramesTable {
  id: string;
  created_at: string;
  image_path: string;
  json: string;
}

export interface JobsTable {
  id: string;
  created_at: string;
  provider: string;
  json: string;
  /** The job's event sequence: take changes, log lines and job changes share it. */
  last_seq: Generated<number>;
  /** When the job record itself last changed (an event of that sequence). */
  job_seq: Generated<number>;
  best_score: number | null;
  starred: Generated<number>;
  /** Who made the job (team mode), from `job.createdBy.userId`; null without sign-in. */
  user_id: string | null;
}

export interface TakesTable {
  id: string;
  job_id: string;
  idx: number;
  state: string;
  seq: number;
  updated_at: string;
  json: string;
  score: number | null;
  starred: Generated<number>;
  cost_usd: Generated<number>;
  /** The refinement round (`take.iteration`), 1 when `take.cost.estimated`, and `take.outputs.poster` as JSON text: what a history page shows (v6). */
  iteration: Generated<number>;
  cost_estimated: Generated<number>;
  poster: string | null;
}

export interface JobLogTable {
  job_id: string;
  seq: number;
  json: string;
}

export interface ArtifactsTable {
  id: string;
  take_id: string;
  kind: string;
  path: string;
  json: string;
}

export interface ProjectSettingsTable {
  project: string;
  updated_at: string;
  json: string;
}

export interface UsersTable {
  id: string;
  name: string;
  email: string | null;
  admin: number;
  created_at: string;
  disabled_at: string | null;
}

export interface ApiTokensTable {
  id: string;
  user_id: string;
  hash: string;
  label: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface BudgetsTable {
  scope: string;
  key: string;
  period: string;
  limit_usd: number;
  updated_at: string;
}

export interface PairingsTable {
  code: string;
  created_at: string;
  expires_at: string;
  flow: string;
  token: string | null;
  claimed_at: string | null;
}

export interface LedgerTables {
  frames: FramesTable;
  jobs: JobsTable;
  takes: TakesTable;
  job_log: JobLogTable;
  artifacts: ArtifactsTable;
  project_settings: ProjectSettingsTable;
  users: UsersTable;
  api_tokens: ApiTokensTable;
  budgets: BudgetsTable;
  pairings: PairingsTable;
}
