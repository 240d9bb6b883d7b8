import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError, loadConfig } from "./config.js";
import { PortInUseError, startBackend } from "./backend.js";
import { probeCommand } from "./commands/probeCommand.js";
import { criticCommand } from "./commands/criticCommand.js";
import { certCommand } from "./commands/certCommand.js";
import { checkFfmpeg, FfmpegMissingError } from "./media/ffmpeg.js";

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

const USAGE = `Usage: retake <command>

  start                 build the UI if needed, then serve the backend and the browser harness
  serve                 serve the backend only (RETAKE_HARNESS=1 to add the harness)
  probe <file> --json   color tags of a video or EXR file, with a verdict
  critic <clip> [--direction <json>] [--frame <png>] --json   measure a take (camera, stability, exposure) against its direction
  cert [--renew] [--no-trust]   make and trust the loopback HTTPS certificate (Premiere on macOS refuses http://)
`;

/** Returns the process exit code; never throws a stack trace at the editor. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "start":
        return await serve({ buildUi: true, harness: true });
      case "serve":
        return await serve({ buildUi: false, harness: process.env.RETAKE_HARNESS === "1" });
      case "probe":
        return await probeCommand(rest);
      case "critic":
        return await criticCommand(rest);
      case "cert":
        return await certCommand(rest);
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
    if (error instanceof FfmpegMissingError || error instanceof PortInUseError || error instanceof ConfigError) {
      process.stderr.write(`\n${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

async function serve(options: { buildUi: boolean; harness: boolean }): Promise<number> {
  await checkFfmpeg(); // throws FfmpegMissingError with install instructions
  if (options.buildUi) buildUiIfStale();
  const config = loadConfig(process.env, { harness: options.harness, webDir: path.join(projectRoot, "build/web") });
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
