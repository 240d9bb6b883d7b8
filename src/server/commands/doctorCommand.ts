/**
 * `retake doctor`: what this machine has for Retake, and the fix for each thing it lacks — Node,
 * ffmpeg and ffprobe (version, capabilities, where they came from), the browser for the tests,
 * the data folder, the port, and which providers have keys (never their values). `npm start`
 * runs the same checks (less the test browser and the port, which the backend reports itself)
 * and prints only what is wrong.
 */
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import type { ServerConfig } from "../config.js";
import { checkFfmpeg, FFMPEG_FEATURES, FfmpegMissingError, type FfmpegCheck, type FfmpegFeature } from "../media/ffmpeg.js";
import { installCommand } from "../setup/systemPackages.js";
import { findTestBrowser } from "../setup/testBrowser.js";

export type CheckState = "ok" | "problem" | "note";
export interface Check {
  what: string;
  state: CheckState;
  found: string;
  /** What to do about a problem, as a command or a sentence. */
  fix?: string;
}

/** The Node versions `engines` promises, in words and as a test. */
export const SUPPORTED_NODE = "20.19+ (end of life since 2026-04-30), 22 or 24 LTS";
export function nodeSupported(version: string): boolean {
  const [major = 0, minor = 0] = version.replace(/^v/, "").split(".").map(Number);
  return (major === 20 && minor >= 19) || major >= 22;
}

export function checkNode(version = process.version): Check {
  if (!nodeSupported(version)) {
    return { what: "Node.js", state: "problem", found: version, fix: `Install Node.js 22 or 24 LTS (supported: ${SUPPORTED_NODE}).` };
  }
  const eol = version.startsWith("v20.");
  return { what: "Node.js", state: "ok", found: `${version}${eol ? " (Node 20 is past its end of life; 22 or 24 LTS is recommended)" : ""}` };
}

/** ffmpeg and ffprobe: one line each, plus one problem per missing capability. */
export async function checkMedia(): Promise<{ checks: Check[]; ffmpeg?: FfmpegCheck }> {
  let ffmpeg: FfmpegCheck;
  try {
    ffmpeg = await checkFfmpeg();
  } catch (err) {
    if (!(err instanceof FfmpegMissingError)) throw err;
    return {
      checks: [{ what: err.tool, state: "problem", found: `not found (${err.searched})`, fix: `${installCommand(["ffmpeg"])}, or set RETAKE_FFMPEG and RETAKE_FFPROBE to the binaries` }],
    };
  }
  const origin = (o: string, variable: string) => (o === "override" ? `from ${variable}` : "the system's");
  const have = (Object.keys(ffmpeg.features) as FfmpegFeature[]).filter((f) => ffmpeg.features[f]);
  const checks: Check[] = [
    { what: "ffmpeg", state: "ok", found: `${ffmpeg.ffmpeg.version}, ${origin(ffmpeg.ffmpeg.origin, "RETAKE_FFMPEG")} (${ffmpeg.ffmpeg.path}); has ${have.map((f) => FFMPEG_FEATURES[f].what.replace(/^the /, "")).join(", ") || "none of what Retake uses"}` },
    { what: "ffprobe", state: "ok", found: `${ffmpeg.ffprobe.version}, ${origin(ffmpeg.ffprobe.origin, "RETAKE_FFPROBE")} (${ffmpeg.ffprobe.path})` },
  ];
  for (const sentence of ffmpeg.missing) {
    checks.push({ what: "ffmpeg", state: "problem", found: sentence, fix: `install a newer ffmpeg (${installCommand(["ffmpeg"])}, or a static build) and point RETAKE_FFMPEG and RETAKE_FFPROBE at it` });
  }
  return { checks, ffmpeg };
}

/** The data folder exists or can be made, and a file can be written and removed in it. */
export function checkDataDir(dataDir: string): Check {
  try {
    fs.mkdirSync(dataDir, { recursive: true });
    const probe = path.join(dataDir, `.doctor-${process.pid}`);
    fs.writeFileSync(probe, "");
    fs.rmSync(probe);
    return { what: "data folder", state: "ok", found: `${dataDir} is writable` };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    return { what: "data folder", state: "problem", found: `${dataDir} is not writable (${code})`, fix: "Set RETAKE_DATA_DIR to a folder you can write to, or fix the folder's permissions." };
  }
}

/** The backend's address can be bound (it is released again at once). */
export function checkPort(host: string, port: number): Promise<Check> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", (err: NodeJS.ErrnoException) => {
      const why = err.code === "EADDRINUSE" ? "is in use (another Retake, or another program)" : `cannot be bound (${err.code ?? err.message})`;
      resolve({ what: "port", state: "problem", found: `${host}:${port} ${why}`, fix: "Stop what holds it, or set RETAKE_PORT to another port." });
    });
    server.listen({ host, port, exclusive: true }, () => {
      server.close(() => resolve({ what: "port", state: "ok", found: `${host}:${port} is free` }));
    });
  });
}

/** Which providers can run: previz always; hosted ones when their key is set (the value is never shown). */
export function checkProviders(providers: ServerConfig["providers"]): Check {
  const parts = [
    "previz (built in)",
    `Luma: ${providers.luma.apiKey ? "LUMA_API_KEY set" : "LUMA_API_KEY not set"}`,
    `Runway: ${providers.runway.apiKey ? "RUNWAY_API_KEY set" : "RUNWAY_API_KEY not set"}`,
    `fal: ${providers.fal?.apiKey ? "FAL_KEY set" : "FAL_KEY not set"}`,
  ];
  return { what: "providers", state: "note", found: parts.join("; ") };
}

export function checkTestBrowser(): Check {
  try {
    const browser = findTestBrowser();
    if (browser) return { what: "test browser", state: "ok", found: `${browser.path}${browser.origin === "CHROMIUM_PATH" ? " (CHROMIUM_PATH)" : ""}` };
    return {
      what: "test browser",
      state: "problem",
      found: "no Chromium found (only `npm test` needs it)",
      fix: `${installCommand(["chromium"])} (npm test runs this itself as root on Debian/Ubuntu), or set CHROMIUM_PATH`,
    };
  } catch (err) {
    return { what: "test browser", state: "problem", found: (err as Error).message, fix: "Point CHROMIUM_PATH at a Chromium or Chrome binary, or unset it." };
  }
}

/** The vision-model judge (issue 20): whether there is a key (never its value), and that it is per project. */
export function checkJudge(judge: ServerConfig["judge"]): Check {
  const found = judge?.gemini.apiKey
    ? `GEMINI_API_KEY set: ${judge.gemini.model ?? "gemini-2.5-flash"} judges takes of projects where the editor turns it on (off by default)`
    : "GEMINI_API_KEY not set: no vision-model judge (scores are the measurements alone)";
  return { what: "judge", state: "note", found };
}

/** Every check `retake doctor` makes, in the order it prints them. */
export async function doctorChecks(config: ServerConfig): Promise<Check[]> {
  const media = await checkMedia();
  return [checkNode(), ...media.checks, checkTestBrowser(), checkDataDir(config.dataDir), await checkPort(config.host, config.port), checkProviders(config.providers), checkJudge(config.judge)];
}

const MARK: Record<CheckState, string> = { ok: "ok  ", problem: "FIX ", note: "    " };

export function formatChecks(checks: readonly Check[]): string {
  const width = Math.max(...checks.map((c) => c.what.length));
  return checks
    .map((c) => `  ${MARK[c.state]}${c.what.padEnd(width)}  ${c.found}${c.fix ? `\n      ${" ".repeat(width)}  → ${c.fix}` : ""}`)
    .join("\n");
}

export async function doctorCommand(config: ServerConfig): Promise<number> {
  const checks = await doctorChecks(config);
  const problems = checks.filter((c) => c.state === "problem").length;
  process.stdout.write(`Retake doctor\n\n${formatChecks(checks)}\n\n${problems === 0 ? "Nothing to fix." : `${problems} thing${problems === 1 ? "" : "s"} to fix (marked FIX).`}\n`);
  return problems === 0 ? 0 : 1;
}
