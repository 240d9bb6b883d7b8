/**
 * A throwaway PostgreSQL cluster in a temp dir, from the installed PostgreSQL binaries (installed
 * with apt as root on Debian/Ubuntu when missing). Used by the tests' global setup when no server
 * answers (test/setup/postgres.ts) and by `npm run bench -- team`, which owns its cluster so it
 * may restart it mid-run (`restart()`: `pg_ctl restart -m fast`).
 */
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { aptInstall, installCommand } from "../../src/server/setup/systemPackages.js";

function postgresBin(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (!fs.existsSync(root)) return undefined;
  // The newest installed major version.
  const versions = fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, "bin", "initdb"))).sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(root, versions[0], "bin") : undefined;
}

export function freePort(): Promise<number> {
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

function runAsOwnerAsync(cmd: string, args: string[]): Promise<void> {
  const asRoot = process.getuid?.() === 0;
  const [bin, argv] = asRoot ? ["runuser", ["-u", "postgres", "--", cmd, ...args]] : [cmd, args];
  return new Promise((resolve, reject) => {
    const child = spawn(bin, argv, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (out += c.toString()));
    child.once("error", reject);
    child.once("exit", (code, signal) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(" ")} failed (exit ${String(code ?? signal)}):\n${out}`))));
  });
}

export interface ThrowawayCluster {
  /** Admin URL (user postgres, trust auth, database postgres). */
  url: string;
  port: number;
  /** The server's log file. */
  logFile: string;
  /**
   * `pg_ctl restart -m fast`: every connection is dropped; resolves once the server accepts
   * connections again. Asynchronous, so the caller's event loop keeps running meanwhile.
   */
  restart(): Promise<void>;
  /** Stops the server at once and deletes the cluster. */
  stop(): void;
}

export interface ClusterOptions {
  /** Extra `-c name=value` server settings (e.g. max_connections for a bench with many processes). */
  settings?: Record<string, string | number>;
  /** Prefix of the temp dir's name. */
  label?: string;
}

export async function startThrowawayCluster(options: ClusterOptions = {}): Promise<ThrowawayCluster> {
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
  const pgBin = bin;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${options.label ?? "retake-test-pg"}-`));
  if (process.getuid?.() === 0) spawnSync("chown", ["postgres", dir]);
  const data = path.join(dir, "data");
  const logFile = path.join(dir, "log");
  const port = await freePort();
  runAsOwner(path.join(pgBin, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"]);
  const extra = Object.entries(options.settings ?? {}).map(([k, v]) => ` -c ${k}=${v}`).join("");
  // -F: no fsync; the cluster is deleted after the run anyway.
  const serverOptions = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -F${extra}`;
  runAsOwner(path.join(pgBin, "pg_ctl"), ["-D", data, "-l", logFile, "-w", "-o", serverOptions, "start"]);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    logFile,
    restart: () => runAsOwnerAsync(path.join(pgBin, "pg_ctl"), ["-D", data, "-l", logFile, "-m", "fast", "-w", "-o", serverOptions, "restart"]),
    stop: () => {
      runAsOwner(path.join(pgBin, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
