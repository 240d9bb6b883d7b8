/**
 * Vitest's globalSetup for PostgreSQL (team mode's store): finds a server for the tests and hands
 * its admin URL to the workers in RETAKE_TEST_PG_URL (set here, before they fork, so
 * `test/helpers/postgres.ts` reads it). In order: RETAKE_TEST_PG_URL if set (CI's server); the
 * machine's own server on 127.0.0.1:5432 if it answers with trust auth; else a throwaway cluster
 * started in a temp dir from the installed PostgreSQL binaries (installed with apt as root on
 * Debian/Ubuntu when missing), stopped and deleted again in teardown.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { aptInstall, installCommand } from "../../src/server/setup/systemPackages.js";

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

function postgresBin(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (!fs.existsSync(root)) return undefined;
  // The newest installed major version.
  const versions = fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, "bin", "initdb"))).sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(root, versions[0], "bin") : undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** initdb and pg_ctl refuse to run as root: as root, they run as the `postgres` user Debian's package made. */
function runAsOwner(cmd: string, args: string[]): void {
  const asRoot = process.getuid?.() === 0;
  const [bin, argv] = asRoot ? ["runuser", ["-u", "postgres", "--", cmd, ...args]] : [cmd, args];
  const result = spawnSync(bin, argv, { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (exit ${String(result.status ?? result.signal)}):\n${result.stdout}${result.stderr}`);
}

export async function startThrowawayCluster(): Promise<{ url: string; stop: () => void }> {
  let bin = postgresBin();
  if (!bin && aptInstall(["postgresql"], (line) => console.log(`[test setup] ${line}`))) bin = postgresBin();
  if (!bin) {
    throw new Error(
      [
        "The tests need PostgreSQL (team mode's store) and none answers on 127.0.0.1:5432.",
        `Install it (${installCommand(["postgresql"])}), or set RETAKE_TEST_PG_URL to a server's admin URL with trust auth.`,
      ].join("\n"),
    );
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-test-pg-"));
  if (process.getuid?.() === 0) spawnSync("chown", ["postgres", dir]);
  const data = path.join(dir, "data");
  const port = await freePort();
  runAsOwner(path.join(bin, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"]);
  // -F: no fsync; the cluster is deleted after the run anyway.
  runAsOwner(path.join(bin, "pg_ctl"), ["-D", data, "-l", path.join(dir, "log"), "-w", "-o", `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -F`, "start"]);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: () => {
      runAsOwner(path.join(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
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
