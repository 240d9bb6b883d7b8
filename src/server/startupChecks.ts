/**
 * What `retake start` / `serve` check before serving: the same checks as `retake doctor` (less the
 * test browser, and the port, which the backend reports itself), printing only what is wrong.
 * `start` (the README's command) also installs Debian's full ffmpeg when Retake runs with the
 * rights to and has only the bundled one, which lacks the EXR encoder.
 */
import type { ServerConfig } from "./config.js";
import { checkDataDir, checkMedia, checkNode, formatChecks, type Check } from "./commands/doctorCommand.js";
import { aptAccess, aptInstall } from "./setup/systemPackages.js";

export async function startupProblems(config: ServerConfig, opts: { install: boolean }): Promise<{ fatal: boolean; problems: Check[] }> {
  let media = await checkMedia();
  const noFfmpeg = !media.ffmpeg;
  const onlyBundled = media.ffmpeg?.ffmpeg.origin === "bundled" && media.ffmpeg.missing.length > 0;
  // An override is the person's own choice of binary: apt would not change what is used.
  const overridden = Boolean(process.env.RETAKE_FFMPEG?.trim() || process.env.RETAKE_FFPROBE?.trim());
  if (opts.install && !overridden && (noFfmpeg || onlyBundled) && aptAccess()) {
    aptInstall(["ffmpeg"]);
    media = await checkMedia();
  }
  const dataDir = checkDataDir(config.dataDir);
  const problems = [checkNode(), ...media.checks, dataDir].filter((c) => c.state === "problem");
  if (problems.length > 0) {
    process.stderr.write(`\nRetake found ${problems.length === 1 ? "one thing" : `${problems.length} things`} to fix (\`npm run doctor\` shows the whole picture):\n${formatChecks(problems)}\n\n`);
  }
  // Without ffmpeg nothing renders, and without a data folder nothing is kept: those stop the start.
  return { fatal: !media.ffmpeg || dataDir.state === "problem", problems };
}
