import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { waitFor } from "./backend.js";

/**
 * Team mode's processes as a studio starts them: `retake serve` and `retake worker` as real child
 * processes of bin/retake.mjs, their JSON log lines kept for the test to read (a `ready` line gives
 * the API's URL), and one-shot `retake …` commands. pg-boss needs Node ≥ 22.12: these run on the
 * Node that runs the test (PATH=/work/node24/package/bin:$PATH locally; CI's Node 24 pass).
 */
export const RETAKE_BIN = path.resolve(import.meta.dirname, "../../bin/retake.mjs");
const ROOT = path.resolve(import.meta.dirname, "../..");

export interface TeamProcess {
  name: string;
  child: ChildProcess;
  /** Every stdout line, parsed; a line that is not JSON is kept as `{ msg: "(not JSON)", line }`. */
  lines: Array<Record<string, unknown>>;
  /** Everything it wrote to stderr. */
  stderr: () => string;
  /** The API's address, from its `ready` line (serve only). */
  url?: string;
}

/** Starts `retake <command>` with `env` (the whole environment: pass process.env's parts you want). */
export function startTeamProcess(name: string, command: "serve" | "worker", env: NodeJS.ProcessEnv): TeamProcess {
  const child = spawn(process.execPath, [RETAKE_BIN, command], { env, cwd: ROOT });
  let err = "";
  const proc: TeamProcess = { name, child, lines: [], stderr: () => err };
  let pending = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    pending += chunk.toString();
    const parts = pending.split("\n");
    pending = parts.pop()!;
    for (const line of parts) {
      try {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        proc.lines.push(parsed);
        if (parsed.msg === "ready" && typeof parsed.url === "string") proc.url = parsed.url;
      } catch {
        proc.lines.push({ msg: "(not JSON)", line });
      }
    }
  });
  child.stderr!.on("data", (chunk: Buffer) => (err += chunk.toString()));
  child.on("exit", (code) => {
    if (code && code !== 0) process.stderr.write(`[${name}] exited ${code}: ${err}\n`);
  });
  return proc;
}

/** Waits for the process's `ready` line; fails at once, with what it said, if it exits first. */
export function untilReady(proc: TeamProcess, timeoutMs = 60_000): Promise<true> {
  return waitFor(() => {
    if (proc.lines.some((l) => l.msg === "ready")) return true;
    if (proc.child.exitCode !== null) return Promise.reject(new Error(`${proc.name} exited ${proc.child.exitCode} before it was ready: ${proc.stderr()}`));
    return undefined;
  }, timeoutMs);
}

/** SIGTERMs every process still running and waits for each to exit. */
export async function stopTeamProcesses(procs: TeamProcess[]): Promise<void> {
  const running = procs.filter((p) => p.child.exitCode === null && p.child.signalCode === null);
  const exited = running.map((p) => new Promise((resolve) => p.child.once("exit", resolve)));
  for (const p of running) p.child.kill("SIGTERM");
  await Promise.all(exited);
}

/** Runs one `retake …` command to its end. */
export function runRetake(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [RETAKE_BIN, ...args], { env, cwd: ROOT });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}
