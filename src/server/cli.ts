import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError, loadConfig } from "./config.js";
import { FfmpegFeatureMissingError, FfmpegMissingError } from "./media/ffmpeg.js";

// Each command's code is imported when that command runs, so `retake probe` loads the probe and
// not the web server (the compiled CLI is split into one chunk per command).
const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

const USAGE = `Usage: retake <command>

  start                 build the UI if needed, then serve the backend and the browser harness
  start --api-only      the embedded backend alone, no harness or UI build (RETAKE_HARNESS=1 adds the harness)
  serve                 team mode: one API process (RETAKE_DATABASE_URL; run any number behind a load balancer)
  worker                team mode: runs takes from the queue (RETAKE_DATABASE_URL; run any number)
  doctor                what this machine has for Retake, and how to fix what it lacks
  probe <file> --json   color tags of a video or EXR file, with a verdict
                        (--decode: also compare ffprobe's first decoded frame on every file)
                        (--assume-aces: EXR without chromaticities is ACES2065-1, as Luma declares)
  critic <clip> [--direction <json>] [--frame <png>] --json   measure a take (camera, stability, exposure) against its direction
  comfyui check [workflow.json …]   what each ComfyUI server in COMFYUI_URL lacks for each workflow
  cert [--renew] [--no-trust]   make and trust the loopback HTTPS certificate (Premiere on macOS refuses http://)
  token create --user NAME [--admin] [--label L] | revoke ID | list   team mode: per-user tokens (RETAKE_DATABASE_URL)
  queue dead | redrive ID   team mode: steps the service gave up on, and running one again (RETAKE_DATABASE_URL)
`;

/** Returns the process exit code; never throws a stack trace at the editor. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "start":
        if (rest.includes("--api-only")) return await serve({ buildUi: false, harness: process.env.RETAKE_HARNESS === "1", install: false });
        return await serve({ buildUi: true, harness: true, install: true });
      case "serve": {
        // Team mode. Imported here only: it loads pg-boss and pg, never better-sqlite3 (built for one Node).
        const { serveCommand } = await import("./commands/serveCommand.js");
        return await serveCommand({ webDir: path.join(projectRoot, "build/web") });
      }
      case "worker": {
        const { workerCommand } = await import("./commands/workerCommand.js");
        return await workerCommand({ retakeBin: path.join(projectRoot, "bin/retake.mjs") });
      }
      case "doctor": {
        const { doctorCommand } = await import("./commands/doctorCommand.js");
        return await doctorCommand(loadConfig(process.env));
      }
      case "probe": {
        const { probeCommand } = await import("./commands/probeCommand.js");
        return await probeCommand(rest);
      }
      case "critic": {
        const { criticCommand } = await import("./commands/criticCommand.js");
        return await criticCommand(rest);
      }
      case "comfyui": {
        const { comfyuiCheckCommand } = await import("./providers/comfyui/checkCommand.js");
        if (rest[0] === "check") return await comfyuiCheckCommand(rest.slice(1));
        process.stderr.write(`Usage: retake comfyui check [workflow.json …]\n`);
        return 1;
      }
      case "token": {
        const { tokenCommand } = await import("./commands/tokenCommand.js");
        return await tokenCommand(rest);
      }
      case "queue": {
        const { queueCommand } = await import("./commands/queueCommand.js");
        return await queueCommand(rest);
      }
      case "cert": {
        const { certCommand } = await import("./commands/certCommand.js");
        return await certCommand(rest);
      }
      case undefined:
      case "help":
      case "--help":
      case "-h":
        process.stdout.write(USAGE);
        return command === undefined ? 1 : 0;
      default:
        process.stderr.write(`Unknown command "${command}".\n\n${USAGE}`);
        return 1;
    }
  } catch (error) {
    if (error instanceof FfmpegMissingError || error instanceof FfmpegFeatureMissingError || error instanceof ConfigError || (error instanceof Error && error.name === "PortInUseError")) {
      process.stderr.write(`\n${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

async function serve(options: { buildUi: boolean; harness: boolean; install: boolean }): Promise<number> {
  const config = loadConfig(process.env, { harness: options.harness, webDir: path.join(projectRoot, "build/web") });
  const { startupProblems } = await import("./startupChecks.js");
  const problems = await startupProblems(config, { install: options.install });
  if (problems.fatal) return 1;
  if (options.buildUi) buildUiIfStale();
  const { startBackend } = await import("./backend.js");
  const backend = await startBackend(config, { log: (line) => process.stdout.write(`${line}\n`) });
  process.stdout.write(
    [
      "",
      `  Retake backend ready at ${backend.url}`,
      options.harness ? `  Open ${backend.url}/ for the panel beside a simulated Premiere sequence.` : `  API: ${backend.url}/v1 (OpenAPI at ${backend.url}/v1/openapi.json)`,
      `  Data: ${config.dataDir}`,
      `  Providers: ${backend.providers.list().map((p) => `${p.id}${p.available ? "" : ` (unavailable: ${p.reason})`}`).join(", ")}`,
      "",
    ].join("\n"),
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await backend.close();
  return 0;
}

/** Rebuilds the web pages when any source they are built from is newer than the build. */
function buildUiIfStale(): void {
  const built = path.join(projectRoot, "build/web/ui/index.html");
  const builtAt = fs.existsSync(built) ? fs.statSync(built).mtimeMs : 0;
  const newest = newestMtime([path.join(projectRoot, "src/ui"), path.join(projectRoot, "src/host/browser"), path.join(projectRoot, "src/core")]);
  if (builtAt >= newest) return;
  process.stdout.write("Building the UI…\n");
  const vite = path.join(projectRoot, "node_modules/vite/bin/vite.js");
  const result = spawnSync(process.execPath, [vite, "build", "--config", path.join(projectRoot, "vite.config.ts"), "--logLevel", "warn"], {
    cwd: projectRoot,
    stdio: "inherit",
  });
  if (result.status !== 0) throw new Error("The UI build failed (see above).");
}

function newestMtime(dirs: string[]): number {
  let newest = 0;
  const walk = (p: string) => {
    const stat = fs.statSync(p);
    if (stat.isDirectory()) for (const entry of fs.readdirSync(p)) walk(path.join(p, entry));
    else newest = Math.max(newest, stat.mtimeMs);
  };
  for (const dir of dirs) if (fs.existsSync(dir)) walk(dir);
  return newest;
}
