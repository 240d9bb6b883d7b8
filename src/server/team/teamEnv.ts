import { ConfigError } from "../config.js";
import { TeamNodeError, assertTeamNode } from "./nodeVersion.js";

/**
 * What `retake serve` and `retake worker` need before anything starts: the team database
 * (RETAKE_DATABASE_URL) and a Node that runs the queue. Each problem is a ConfigError the CLI
 * prints as one sentence with what to do.
 */
export function teamDatabaseUrl(command: "serve" | "worker", env: NodeJS.ProcessEnv = process.env): string {
  const url = env.RETAKE_DATABASE_URL?.trim();
  if (!url) {
    throw new ConfigError(
      `retake ${command} is team mode, and team mode needs RETAKE_DATABASE_URL (the studio's PostgreSQL, postgres://user@host:5432/retake) ` +
        "and RETAKE_DATA_DIR set to the same shared folder on every serve and worker (frames, takes and conforms live there); " +
        "for one editor run `npm start` (or `retake start --api-only` for the backend alone, which `retake serve` was before team mode).",
    );
  }
  if (!/^postgres(ql)?:\/\//i.test(url)) throw new ConfigError("RETAKE_DATABASE_URL must be a PostgreSQL URL (postgres://…).");
  requireTeamNode();
  return url;
}

/** A Node that runs the team queue (≥ 22.12), or a ConfigError saying what to install. */
export function requireTeamNode(): void {
  try {
    assertTeamNode();
  } catch (error) {
    if (error instanceof TeamNodeError) throw new ConfigError(error.message);
    throw error;
  }
}
