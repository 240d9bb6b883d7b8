/**
 * Vitest's globalSetup for PostgreSQL (team mode's store): finds a server for the tests and hands
 * its admin URL to the workers in RETAKE_TEST_PG_URL (set here, before they fork, so
 * `test/helpers/postgres.ts` reads it). In order: RETAKE_TEST_PG_URL if set (CI's server); the
 * machine's own server on 127.0.0.1:5432 if it answers with trust auth; else a throwaway cluster
 * started by ./pgCluster.ts, stopped and deleted again in teardown.
 */
import pg from "pg";
import { startThrowawayCluster } from "./pgCluster.js";

export { startThrowawayCluster };

const LOCAL_URL = "postgres://postgres@127.0.0.1:5432/postgres";

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export default async function postgres(): Promise<(() => void) | undefined> {
  if (process.env.RETAKE_TEST_PG_URL) {
    if (!(await answers(process.env.RETAKE_TEST_PG_URL))) throw new Error("RETAKE_TEST_PG_URL is set but no PostgreSQL answers there with trust auth; fix the URL or unset it.");
    return undefined;
  }
  if (await answers(LOCAL_URL)) {
    process.env.RETAKE_TEST_PG_URL = LOCAL_URL;
    return undefined;
  }
  const cluster = await startThrowawayCluster();
  process.env.RETAKE_TEST_PG_URL = cluster.url;
  console.log(`[test setup] started a throwaway PostgreSQL at ${cluster.url}`);
  return cluster.stop;
}
