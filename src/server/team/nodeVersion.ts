/**
 * Team mode's queue (pg-boss 12) needs Node 22.12 or newer; embedded mode runs on the machine's
 * Node 20. This module says so clearly before pg-boss is loaded (loading it on Node 20 fails deep
 * inside with a syntax or API error nobody can act on), and finds a newer Node for the bench.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

export const TEAM_NODE_MINIMUM = "22.12.0";

/** True when `version` ("v22.12.0" or "22.12.0") is at least `minimum`. */
export function nodeAtLeast(version: string, minimum = TEAM_NODE_MINIMUM): boolean {
  const a = version.replace(/^v/, "").split(".").map(Number);
  const b = minimum.split(".").map(Number);
  for (let i = 0; i < 3; i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  }
  return true;
}

export class TeamNodeError extends Error {
  constructor(version: string) {
    super(
      `Team mode needs Node ${TEAM_NODE_MINIMUM.replace(/\.0$/, "")} or newer; this is ${version.replace(/^v/, "")}. ` +
        "Its job queue (pg-boss 12) does not run on older Node. Install Node 22 LTS (or 24) and start `retake` with it; " +
        "single-machine (embedded) mode still runs on this Node.",
    );
    this.name = "TeamNodeError";
  }
}

/** Throws TeamNodeError unless this process's Node can run the team queue. */
export function assertTeamNode(version = process.version): void {
  if (!nodeAtLeast(version)) throw new TeamNodeError(version);
}

/** A `node` binary ≥ 22.12: `RETAKE_NODE22`, this process's own, or the first on PATH. */
export function findNode22(env: NodeJS.ProcessEnv = process.env): { path: string; version: string } | null {
  const candidates = [env.RETAKE_NODE22, process.execPath, ...(env.PATH ?? "").split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, "node"))];
  for (const candidate of candidates) {
    if (!candidate || !fs.existsSync(candidate)) continue;
    try {
      const version = execFileSync(candidate, ["--version"], { encoding: "utf8", timeout: 10_000 }).trim();
      if (nodeAtLeast(version)) return { path: candidate, version };
    } catch {
      // Not runnable: try the next.
    }
  }
  return null;
}
