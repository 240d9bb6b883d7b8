/**
 * The one place the backend starts ffmpeg and ffprobe: finding the binaries, running them with
 * progress and cancellation, and turning their failures into errors an editor can act on.
 *
 * Binaries: `RETAKE_FFMPEG` / `RETAKE_FFPROBE` (full paths) win; otherwise the PATH is searched.
 * No ffmpeg comes from npm: the only registry packages that carry the binaries in their tarballs
 * (@ffmpeg-installer/*) hold a 2018 build (4.1) without the EXR encoder, the `gradients` filter
 * or a colr box by default, so Retake's masters would come out untagged. `npm start` and
 * `npm test` install the system's ffmpeg where they have the rights to (see setup/), and
 * `checkFfmpeg` judges any ffmpeg by what it can do, not by its version string.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

export type MediaTool = "ffmpeg" | "ffprobe";
/** Where a binary came from: the env override or the PATH. */
export type ToolOrigin = "override" | "system";

const ENV_VAR: Record<MediaTool, string> = { ffmpeg: "RETAKE_FFMPEG", ffprobe: "RETAKE_FFPROBE" };

export const FFMPEG_INSTALL_HINT = [
  "Install ffmpeg (it includes ffprobe), then start Retake again:",
  "  Debian/Ubuntu:  sudo apt-get install ffmpeg",
  "  macOS:          brew install ffmpeg",
  "  Windows:        winget install Gyan.FFmpeg",
  "Or point RETAKE_FFMPEG and RETAKE_FFPROBE at the full paths of the binaries.",
].join("\n");

/** The one command that installs a full ffmpeg on this platform (Debian's when on Linux). */
export function ffmpegInstallCommand(platform: NodeJS.Platform = process.platform, isRoot = process.getuid?.() === 0): string {
  if (platform === "darwin") return "brew install ffmpeg";
  if (platform === "win32") return "winget install Gyan.FFmpeg";
  return `${isRoot ? "" : "sudo "}apt-get install ffmpeg`;
}

/**
 * ffmpeg or ffprobe is not installed (or the override points nowhere). The message is the whole
 * story, install commands included; the stack is trimmed to the message because this is an
 * environment problem, not a bug, and must never reach the editor as a trace.
 */
export class FfmpegMissingError extends Error {
  override readonly name = "FfmpegMissingError";
  constructor(
    readonly tool: MediaTool,
    readonly searched: string,
  ) {
    super(`Retake needs ${tool}, which was not found (${searched}).\n${FFMPEG_INSTALL_HINT}`);
    this.stack = `${this.name}: ${this.message}`;
  }
}

/** Bytes of stderr kept from a run: enough for the context of an error, bounded for long runs. */
export const STDERR_TAIL_BYTES = 16 * 1024;

/**
 * ffmpeg/ffprobe ran and failed. `message` is ffmpeg's own last error line (what it would have
 * told a person at a terminal); `stderrTail` keeps the bounded tail for logs and the ledger.
 */
export class FfmpegError extends Error {
  override readonly name = "FfmpegError";
  constructor(
    message: string,
    readonly tool: MediaTool,
    readonly exitCode: number | null,
    readonly exitSignal: NodeJS.Signals | null,
    readonly stderrTail: string,
  ) {
    super(message);
  }
}

/** The error a canceled run rejects with (name "AbortError", like fetch and timers/promises). */
export class FfmpegAbortError extends Error {
  override readonly name = "AbortError";
  readonly code = "ABORT_ERR";
  constructor(message = "The ffmpeg run was canceled.", options?: { cause?: unknown }) {
    super(message, options);
  }
}

export const isAbortError = (err: unknown): boolean => err instanceof Error && err.name === "AbortError";

/** Resolves the binary for `tool`: the env override if set (it must exist), else a PATH search. */
export function locateTool(tool: MediaTool, env: NodeJS.ProcessEnv = process.env): string {
  return locateToolWithOrigin(tool, env).path;
}

/** As locateTool, also saying where the binary came from (for `retake doctor`). */
export function locateToolWithOrigin(tool: MediaTool, env: NodeJS.ProcessEnv = process.env): { path: string; origin: ToolOrigin } {
  const override = env[ENV_VAR[tool]]?.trim();
  if (override) {
    if (isExecutableFile(override)) return { path: override, origin: "override" };
    throw new FfmpegMissingError(tool, `${ENV_VAR[tool]} is set to ${override}, which is not an executable file`);
  }
  const onPath = findOnPath(tool, env);
  if (onPath) return { path: onPath, origin: "system" };
  throw new FfmpegMissingError(tool, `not on the PATH and ${ENV_VAR[tool]} is not set`);
}

/** A binary of that name in one of the PATH's folders (with PATHEXT on Windows). */
export function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dirs = (env.PATH ?? env.Path ?? "").split(path.delimiter).filter(Boolean);
  const exts = process.platform === "win32" ? (env.PATHEXT ?? ".EXE;.CMD;.BAT").split(";").filter(Boolean) : [""];
  for (const dir of dirs) {
    for (const ext of exts) {
      const candidate = path.join(dir, name + ext);
      if (isExecutableFile(candidate)) return candidate;
    }
  }
  return undefined;
}

function isExecutableFile(p: string): boolean {
  try {
    if (!fs.statSync(p).isFile()) return false;
    fs.accessSync(p, process.platform === "win32" ? fs.constants.F_OK : fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export interface RunFfmpegOptions {
  signal?: AbortSignal;
  /** Called with 0..1 as ffmpeg reports `out_time_us`; needs `durationSeconds`. Ends with 1. */
  onProgress?: (fraction: number) => void;
  /** Length of the output being written, used to turn out_time into a fraction. */
  durationSeconds?: number;
  cwd?: string;
}

export interface RunFfmpegResult {
  /** The bounded stderr tail (at -loglevel error it is usually empty on success). */
  stderr: string;
}

/**
 * Runs ffmpeg with `args` (everything after the global options). Always adds
 * `-nostdin -hide_banner -loglevel error -progress pipe:1`, so stdout carries only progress
 * key=value lines and stderr only errors. Rejects with FfmpegError (ffmpeg's last error line),
 * FfmpegAbortError (after the process is gone) or FfmpegMissingError.
 */
export function runFfmpeg(args: readonly string[], opts: RunFfmpegOptions = {}): Promise<RunFfmpegResult> {
  const fullArgs = ["-nostdin", "-hide_banner", "-loglevel", "error", "-progress", "pipe:1", "-nostats", ...args];
  let lastFraction = 0;
  const report = (fraction: number) => {
    if (!opts.onProgress) return;
    const f = Math.min(1, Math.max(lastFraction, fraction));
    if (f === lastFraction && fraction !== 1) return;
    lastFraction = f;
    opts.onProgress(f);
  };
  let pending = "";
  return runTool("ffmpeg", fullArgs, {
    signal: opts.signal,
    cwd: opts.cwd,
    onStdout: (chunk) => {
      pending += chunk;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        const eq = line.indexOf("=");
        if (eq < 0) continue;
        const key = line.slice(0, eq).trim();
        const value = line.slice(eq + 1).trim();
        if (key === "out_time_us" && opts.durationSeconds && opts.durationSeconds > 0) {
          const us = Number(value);
          if (Number.isFinite(us) && us >= 0) report(us / 1e6 / opts.durationSeconds);
        } else if (key === "progress" && value === "end") {
          report(1);
        }
      }
    },
  }).then(({ stderr }) => {
    report(1);
    return { stderr };
  });
}

/** Runs ffprobe with JSON output over `file`; `args` picks what to show (e.g. -show_streams). */
export async function ffprobeJson<T = FfprobeResult>(
  file: string,
  args: readonly string[] = ["-show_format", "-show_streams"],
  opts: { signal?: AbortSignal } = {},
): Promise<T> {
  const { stdout } = await runTool("ffprobe", ["-v", "error", "-hide_banner", "-of", "json", ...args, file], {
    signal: opts.signal,
    keepStdout: true,
  });
  try {
    return JSON.parse(stdout) as T;
  } catch {
    throw new FfmpegError(`ffprobe printed something that is not JSON for ${path.basename(file)}.`, "ffprobe", 0, null, stdout.slice(-STDERR_TAIL_BYTES));
  }
}

/** The parts of ffprobe's JSON the backend reads (all optional: ffprobe omits what it lacks). */
export interface FfprobeStream {
  index: number;
  codec_type?: string;
  codec_name?: string;
  codec_tag_string?: string;
  profile?: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  color_range?: string;
  color_space?: string;
  color_transfer?: string;
  color_primaries?: string;
  r_frame_rate?: string;
  avg_frame_rate?: string;
  time_base?: string;
  start_time?: string;
  duration?: string;
  nb_frames?: string;
  nb_read_frames?: string;
  side_data_list?: Array<Record<string, unknown> & { side_data_type?: string }>;
}
export interface FfprobeResult {
  streams?: FfprobeStream[];
  format?: { format_name?: string; duration?: string; size?: string; start_time?: string };
  frames?: Array<Record<string, unknown>>;
}

/** What Retake's renders and conforms ask of ffmpeg, by capability rather than by version. */
export type FfmpegFeature = "libx264" | "libx265_10bit" | "prores_ks" | "zscale" | "perspective" | "gradients" | "exr" | "mov_colr";

/** For each capability: what it is, and the feature of Retake that needs it (said when it is missing). */
export const FFMPEG_FEATURES: Record<FfmpegFeature, { what: string; neededFor: string }> = {
  libx264: { what: "the libx264 encoder", neededFor: "Previews and proxies (H.264)" },
  libx265_10bit: { what: "the libx265 encoder with 10-bit output", neededFor: "HEVC HDR10 delivery" },
  prores_ks: { what: "the prores_ks encoder", neededFor: "ProRes masters (every delivery for Premiere)" },
  zscale: { what: "the zscale filter (zimg)", neededFor: "HDR color conversion (PQ, HLG, ACES)" },
  perspective: { what: "the perspective filter", neededFor: "Previz camera moves" },
  gradients: { what: "the gradients filter (ffmpeg 4.4 or newer)", neededFor: "The browser harness's sample clip" },
  exr: { what: "the OpenEXR encoder (ffmpeg 4.4 or newer)", neededFor: "EXR delivery" },
  // Before 4.3 the mov/mp4 muxer wrote `colr` only when asked (-movflags +write_colr), so a
  // master came out without the box that Premiere and the import gate read its color from.
  mov_colr: { what: "a mov/mp4 muxer that writes the colr box (ffmpeg 4.3 or newer)", neededFor: "Color-tagged masters (conform, Import)" },
};

export interface FfmpegCheck {
  ffmpeg: { path: string; version: string; origin: ToolOrigin };
  ffprobe: { path: string; version: string; origin: ToolOrigin };
  /** What Retake's renders and conforms rely on. */
  features: Record<FfmpegFeature, boolean>;
  /** One sentence per missing capability, naming the feature it stops ("EXR delivery needs …"); empty when all are there. */
  missing: string[];
}

/** "EXR delivery needs the OpenEXR encoder (…), which the system's ffmpeg 4.2.7 (/usr/bin/ffmpeg) lacks." */
export function missingFeatureSentence(feature: FfmpegFeature, ffmpeg: FfmpegCheck["ffmpeg"]): string {
  const { what, neededFor } = FFMPEG_FEATURES[feature];
  const which = ffmpeg.origin === "override" ? "RETAKE_FFMPEG's ffmpeg" : "the system's ffmpeg";
  return `${neededFor} needs ${what}, which ${which} ${ffmpeg.version} (${ffmpeg.path}) lacks.`;
}

/** A feature was asked of an ffmpeg that cannot do it: the message names the feature and the fix. */
export class FfmpegFeatureMissingError extends Error {
  override readonly name = "FfmpegFeatureMissingError";
  constructor(
    readonly feature: FfmpegFeature,
    sentence: string,
  ) {
    super(`${sentence} Install a newer ffmpeg (${ffmpegInstallCommand()}, or a static build) or point RETAKE_FFMPEG at one, then try again.`);
    this.stack = `${this.name}: ${this.message}`;
  }
}

const checks = new Map<string, Promise<FfmpegCheck>>();

/**
 * Finds both binaries and asks ffmpeg what it can do (once per binary and process). Throws
 * FfmpegMissingError when either binary is absent; a build lacking features is reported in
 * `missing`, not thrown, so the server can still start and say which features will not work.
 */
export async function checkFfmpeg(opts: { signal?: AbortSignal } = {}): Promise<FfmpegCheck> {
  const ffmpeg = locateToolWithOrigin("ffmpeg");
  const ffprobe = locateToolWithOrigin("ffprobe");
  const key = `${ffmpeg.path}\n${ffprobe.path}`;
  let check = checks.get(key);
  if (!check) {
    check = inspect(ffmpeg, ffprobe, opts.signal);
    checks.set(key, check);
    check.catch(() => checks.delete(key));
  }
  return check;
}

async function inspect(ffmpeg: { path: string; origin: ToolOrigin }, ffprobe: { path: string; origin: ToolOrigin }, signal: AbortSignal | undefined): Promise<FfmpegCheck> {
  const run = (tool: MediaTool, args: string[]) => runTool(tool, args, { signal, keepStdout: true }).then((r) => r.stdout);
  const [ffmpegVersion, ffprobeVersion, encoders, filters, x265, movMuxer] = await Promise.all([
    run("ffmpeg", ["-hide_banner", "-version"]),
    run("ffprobe", ["-hide_banner", "-version"]),
    run("ffmpeg", ["-hide_banner", "-encoders"]),
    run("ffmpeg", ["-hide_banner", "-filters"]),
    run("ffmpeg", ["-hide_banner", "-h", "encoder=libx265"]),
    run("ffmpeg", ["-hide_banner", "-h", "muxer=mov"]),
  ]);
  const features = ffmpegFeatures({ encoders, filters, x265, movMuxer });
  const ffmpegInfo = { ...ffmpeg, version: parseVersion(ffmpegVersion) };
  return {
    ffmpeg: ffmpegInfo,
    ffprobe: { ...ffprobe, version: parseVersion(ffprobeVersion) },
    features,
    missing: (Object.keys(features) as FfmpegFeature[]).filter((k) => !features[k]).map((k) => missingFeatureSentence(k, ffmpegInfo)),
  };
}

/** What ffmpeg's own listings say it can do: `-encoders`, `-filters`, `-h encoder=libx265`, `-h muxer=mov`. */
export function ffmpegFeatures(out: { encoders: string; filters: string; x265: string; movMuxer: string }): Record<FfmpegFeature, boolean> {
  const has = (list: string, name: string) => new RegExp(`^\\s*\\S+\\s+${name}\\s`, "m").test(list);
  return {
    libx264: has(out.encoders, "libx264"),
    libx265_10bit: has(out.encoders, "libx265") && /pixel formats:.*\byuv420p10le\b/i.test(out.x265),
    prores_ks: has(out.encoders, "prores_ks"),
    zscale: has(out.filters, "zscale"),
    perspective: has(out.filters, "perspective"),
    gradients: has(out.filters, "gradients"),
    exr: has(out.encoders, "exr"),
    // 4.3+ describes write_colr as writing the box "even if the color info is unspecified":
    // before, the box was written only when asked for.
    mov_colr: /write_colr\s.*even if/.test(out.movMuxer),
  };
}

/** Throws FfmpegFeatureMissingError before a run that the ffmpeg in use cannot do. */
export async function requireFfmpegFeatures(features: readonly FfmpegFeature[], opts: { signal?: AbortSignal } = {}): Promise<void> {
  const check = await checkFfmpeg(opts);
  const lacking = features.find((f) => !check.features[f]);
  if (lacking) throw new FfmpegFeatureMissingError(lacking, missingFeatureSentence(lacking, check.ffmpeg));
}

const parseVersion = (out: string): string => /version\s+(\S+)/.exec(out)?.[1] ?? "unknown";

interface RunToolOptions {
  signal?: AbortSignal | undefined;
  cwd?: string | undefined;
  onStdout?: (chunk: string) => void;
  /** Collect stdout (ffprobe JSON, -version); ffmpeg's progress stream is not kept. */
  keepStdout?: boolean;
}

/** Spawns a tool and settles after the process has exited (also when canceled). */
function runTool(tool: MediaTool, args: readonly string[], opts: RunToolOptions): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) {
      reject(new FfmpegAbortError(`The ${tool} run was canceled before it started.`, { cause: opts.signal.reason }));
      return;
    }
    let bin: string;
    try {
      bin = locateTool(tool);
    } catch (err) {
      reject(err);
      return;
    }
    const child = spawn(bin, args, { cwd: opts.cwd, stdio: ["ignore", "pipe", "pipe"], windowsHide: true });
    const stdoutParts: string[] = [];
    let stderrTail = "";
    let aborted = false;
    let spawnError: NodeJS.ErrnoException | undefined;

    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      if (opts.keepStdout) stdoutParts.push(chunk);
      opts.onStdout?.(chunk);
    });
    child.stderr.on("data", (chunk: string) => {
      stderrTail = (stderrTail + chunk).slice(-STDERR_TAIL_BYTES);
    });

    const onAbort = () => {
      aborted = true;
      // SIGKILL, not SIGTERM: on SIGTERM ffmpeg keeps going long enough to finalize the file.
      child.kill("SIGKILL");
    };
    opts.signal?.addEventListener("abort", onAbort, { once: true });

    child.on("error", (err: NodeJS.ErrnoException) => {
      spawnError = err;
    });
    child.on("close", (code, sig) => {
      opts.signal?.removeEventListener("abort", onAbort);
      if (aborted) {
        reject(new FfmpegAbortError(`The ${tool} run was canceled.`, { cause: opts.signal?.reason }));
        return;
      }
      if (spawnError) {
        if (spawnError.code === "ENOENT" || spawnError.code === "EACCES") {
          reject(new FfmpegMissingError(tool, `${bin} could not be started (${spawnError.code})`));
        } else {
          reject(new FfmpegError(`${tool} could not be started: ${spawnError.message}`, tool, null, null, stderrTail));
        }
        return;
      }
      if (code === 0) {
        resolve({ stdout: stdoutParts.join(""), stderr: stderrTail });
        return;
      }
      const last = lastLine(stderrTail);
      const message = last ?? (sig ? `${tool} was killed by ${sig}.` : `${tool} exited with code ${String(code)} and printed no error.`);
      reject(new FfmpegError(message, tool, code, sig, stderrTail));
    });
  });
}

function lastLine(text: string): string | undefined {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  return lines.at(-1);
}
