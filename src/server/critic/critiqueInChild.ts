import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Critique } from "./critiqueSchema.js";
import type { CritiqueOptions } from "./analyseClip.js";

/**
 * The critic in a child process (`retake critic … --json`), for team workers. Measuring a take is
 * seconds of synchronous pixel work; in the worker's own event loop it would stall the queue's
 * one-second heartbeat and the step could be taken away and run twice. A child costs ~0.1 s to
 * start, which a take of minutes does not notice. Cancel (the step's signal) kills the child.
 */
export function critiqueInChild(retakeBin: string): (clipPath: string, options?: CritiqueOptions) => Promise<Critique> {
  return async (clipPath, options = {}) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-critic-"));
    try {
      const args = [retakeBin, "critic", clipPath, "--json"];
      if (options.direction) {
        const file = path.join(dir, "direction.json");
        fs.writeFileSync(file, JSON.stringify(options.direction));
        args.push("--direction", file);
      }
      if (options.framePath) args.push("--frame", options.framePath);
      if (options.endFramePath) args.push("--end-frame", options.endFramePath);
      const stdout = await run(process.execPath, args, options.signal);
      return JSON.parse(stdout) as Critique;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
}

function run(command: string, args: string[], signal: AbortSignal | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], ...(signal ? { signal } : {}) });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`the critic process ended with ${code}: ${err.trim().split("\n").slice(-1)[0] ?? ""}`));
    });
  });
}
