/**
 * Vitest's globalSetup: makes sure the machine has what the suite drives for real — an ffmpeg with
 * every capability Retake uses, on the PATH, and a Chromium for the
 * end-to-end tests — before any test runs. As root (or with passwordless sudo) on Debian/Ubuntu it
 * installs what is missing with apt; anywhere else it stops at once with the exact command.
 */
import { buildCli, cliIsStale } from "../../scripts/buildCli.mjs";
import { checkFfmpeg, FfmpegMissingError, findOnPath } from "../../src/server/media/ffmpeg.js";
import { aptInstall, installCommand, type SystemNeed } from "../../src/server/setup/systemPackages.js";
import { findTestBrowser } from "../../src/server/setup/testBrowser.js";

async function lacking(): Promise<{ needs: SystemNeed[]; why: string[] }> {
  const needs: SystemNeed[] = [];
  const why: string[] = [];
  try {
    const check = await checkFfmpeg();
    // The tests also start ffmpeg/ffprobe by name for their fixtures, so they must be on the PATH.
    if (!findOnPath("ffmpeg") || !findOnPath("ffprobe")) why.push("ffmpeg and ffprobe must be on the PATH (the tests make fixtures with them)");
    why.push(...check.missing);
    if (why.length > 0) needs.push("ffmpeg");
  } catch (err) {
    if (!(err instanceof FfmpegMissingError)) throw err;
    needs.push("ffmpeg");
    why.push(err.message.split("\n")[0]!);
  }
  if (!findTestBrowser()) {
    needs.push("chromium");
    why.push("no Chromium for the end-to-end tests (CHROMIUM_PATH unset, none in the usual places)");
  }
  return { needs, why };
}

export default async function provision(): Promise<void> {
  let { needs, why } = await lacking();
  if (needs.length > 0 && aptInstall(needs, (line) => console.log(`[test setup] ${line}`))) ({ needs, why } = await lacking());
  if (needs.length > 0) {
    throw new Error(
      [
        "The tests cannot run on this machine yet:",
        ...why.map((w) => `  - ${w}`),
        "Install what they need, then run `npm test` again:",
        `  ${installCommand(needs)}`,
        "(As root, or with passwordless sudo, on Debian/Ubuntu, `npm test` does this itself.)",
      ].join("\n"),
    );
  }
  // Tests run the `retake` command as a person would; build it once here rather than in each worker.
  if (cliIsStale()) await buildCli();
  // The e2e tests read CHROMIUM_PATH; the workers inherit this process's environment.
  process.env.CHROMIUM_PATH ??= findTestBrowser()!.path;
}
