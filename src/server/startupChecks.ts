/**
 * What `retake start` / `serve` check before serving: the same checks as `retake doctor` (less the
 * test browser, and the port, which the backend reports itself), printing only what is wrong.
 * `start` (the README's command) also installs Debian's ffmpeg when there is none and Retake runs
 * with the rights to (root or passwordless sudo on Debian/Ubuntu).
 */
import type { ServerConfig } from "./config.js";
import { checkDataDir, checkMedia, checkNode, formatChecks, type Check } from "./commands/doctorCommand.js";
import { aptAccess, aptInstall } from "./setup/systemPackages.js";

export async function startupProblems(config: ServerConfig, opts: { install: boolean }): Promise<{ fatal: boolean; problems: Check[] }> {
  let media = await checkMedia();
  // An override is the person's own choice of binary: apt would not change what is used.
  const overridden = Boolean(process.env.RETAKE_FFMPEG?.trim() || process.env.RETAKE_FFPROBE?.trim());
  if (opts.install && !media.ffmpeg && !overridden && aptAccess()) {
    aptInstall(["ffmpeg"]);
    media = await checkMedia();
  }
  const dataDir = checkDataDir(config.dataDir);
  const problems = [checkNode(), ...media.checks, dataDir].filter((c) => c.state === "problem");
  if (problems.length > 0) {
    process.stderr.write(`\nRetake found ${problems.length === 1 ? "one thing" : `${problems.length} things`} to fix (\`npm run doctor\` shows the whole picture):\n${formatChecks(problems)}\n\n`);
  }
  // Without ffmpeg nothing renders, without a data folder nothing is kept, and the harness opens
  // on a sample clip that ffmpeg draws: those stop the start; anything else is said and served.
  const noSampleClip = config.harness && media.ffmpeg?.features.gradients === false;
  return { fatal: !media.ffmpeg || dataDir.state === "problem" || noSampleClip, problems };
}
