/**
 * The team bench's child processes: the Luma stand-in, `retake serve`, `retake worker` ×N and
 * `retake token create`. Team mode runs on Node ≥ 22.12 (`RETAKE_NODE22`, see
 * src/server/team/nodeVersion.ts); the bench itself runs on the machine's Node. Every child's
 * stdout and stderr go to a log file in the run's directory (and are kept in memory, line by line
 * with the time they arrived, so faults can pick victims and figures can read structured logs).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
import { buildCli, cliIsStale, projectRoot } from "../../buildCli.mjs";

export interface LogLine {
  at: number;
  line: string;
}

export interface Child {
  name: string;
  proc: ChildProcess;
  pid: number;
  lines: LogLine[];
  logFile: string;
  startedAt: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first line `test` accepts (or rejects when the process exits first / after timeoutMs). */
  waitForLine(test: (line: string) => boolean, timeoutMs: number): Promise<string>;
}

export function startChild(name: string, command: string, args: string[], env: NodeJS.ProcessEnv, logDir: string): Child {
  const logFile = path.join(logDir, `${name}.log`);
  const out = fs.createWriteStream(logFile, { flags: "a" });
  const proc = spawn(command, args, { cwd: projectRoot, env, stdio: ["ignore", "pipe", "pipe"] });
  const lines: LogLine[] = [];
  const watchers: Array<(line: string) => void> = [];
  for (const stream of [proc.stdout!, proc.stderr!]) {
    readline.createInterface({ input: stream }).on("line", (line) => {
      const at = Date.now();
      lines.push({ at, line });
      out.write(`${new Date(at).toISOString()} ${line}\n`);
      for (const w of [...watchers]) w(line);
    });
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once("exit", (code, signal) => {
      out.write(`${new Date().toISOString()} [bench] exited code=${code} signal=${signal}\n`);
      resolve({ code, signal });
    }),
  );
  const child: Child = {
    name,
    proc,
    pid: proc.pid!,
    lines,
    logFile,
    startedAt: Date.now(),
    exited,
    waitForLine: (test, timeoutMs) =>
      new Promise((resolve, reject) => {
        const done = (fn: () => void) => {
          clearTimeout(timer);
          const i = watchers.indexOf(watch);
          if (i >= 0) watchers.splice(i, 1);
          fn();
        };
        const watch = (line: string) => {
          if (test(line)) done(() => resolve(line));
        };
        const timer = setTimeout(() => done(() => reject(new Error(`${name}: no expected line within ${timeoutMs / 1000} s (log: ${logFile})`))), timeoutMs);
        const earlier = lines.find((l) => test(l.line));
        if (earlier) return done(() => resolve(earlier.line));
        watchers.push(watch);
        void exited.then(({ code, signal }) => done(() => reject(new Error(`${name} exited (${code ?? signal}) before it was ready; last lines:\n${lines.slice(-8).map((l) => l.line).join("\n")}`))));
      }),
  };
  return child;
}

export function stopChild(child: Child, signal: NodeJS.Signals = "SIGTERM"): Promise<unknown> {
  if (child.proc.exitCode === null && child.proc.signalCode === null) child.proc.kill(signal);
  const hard = setTimeout(() => {
    if (child.proc.exitCode === null && child.proc.signalCode === null) child.proc.kill("SIGKILL");
  }, 8000);
  return child.exited.finally(() => clearTimeout(hard));
}

/** The `retake` command's bundle, built once here so several processes starting together do not all rebuild it. */
export async function ensureCliBuilt(): Promise<void> {
  if (cliIsStale()) await buildCli();
}

export const retakeBin = path.join(projectRoot, "bin", "retake.mjs");

/** `retake token create --user NAME [--admin]` → the token it prints on stdout. */
export function createToken(node: string, env: NodeJS.ProcessEnv, user: string, admin = false): string {
  const result = spawnSync(node, [retakeBin, "token", "create", "--user", user, ...(admin ? ["--admin"] : []), "--label", "bench"], { cwd: projectRoot, env, encoding: "utf8", timeout: 60_000 });
  const token = result.stdout.trim().split("\n").pop()?.trim() ?? "";
  if (result.status !== 0 || !token) throw new Error(`retake token create --user ${user} failed (exit ${result.status ?? result.signal}): ${result.stderr.trim().split("\n").slice(-3).join(" | ")}`);
  return token;
}

/** Polls `url` until it answers 200 (or throws after timeoutMs). */
export async function waitForHttp(url: string, timeoutMs: number, child?: Child): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (child && (child.proc.exitCode !== null || child.proc.signalCode !== null)) {
      throw new Error(`${child.name} exited (${child.proc.exitCode ?? child.proc.signalCode}) before ${url} answered; last lines:\n${child.lines.slice(-8).map((l) => l.line).join("\n")}`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return Date.now() - start;
    } catch {
      // Not up yet.
    }
    if (Date.now() - start > timeoutMs) throw new Error(`${url} did not answer 200 within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
