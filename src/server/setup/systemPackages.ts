/**
 * Installing what Retake needs from the system's package manager, where the process has the
 * rights to (Debian/Ubuntu as root or with passwordless sudo), and otherwise the one exact
 * command for this platform. Used by `npm start` (a full ffmpeg) and by the test setup (ffmpeg,
 * Chromium and a font); nothing is ever downloaded from anywhere but the distribution's archive.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { findOnPath } from "../media/ffmpeg.js";

/** What each need is called by each package manager. */
export const SYSTEM_PACKAGES = {
  ffmpeg: { apt: ["ffmpeg"], brew: "ffmpeg", winget: "Gyan.FFmpeg" },
  chromium: { apt: ["chromium", "fonts-dejavu-core"], brew: "--cask chromium", winget: "Hibbiki.Chromium" },
  // The tests' throwaway PostgreSQL server (team mode's store), when the machine runs none.
  postgresql: { apt: ["postgresql"], brew: "postgresql@16", winget: "PostgreSQL.PostgreSQL.16" },
} as const;
export type SystemNeed = keyof typeof SYSTEM_PACKAGES;

/** How apt can be run here: as root, through passwordless sudo, or not at all. */
export function aptAccess(): "root" | "sudo" | undefined {
  if (process.platform !== "linux" || !fs.existsSync("/etc/debian_version") || !findOnPath("apt-get")) return undefined;
  if (process.getuid?.() === 0) return "root";
  if (!findOnPath("sudo")) return undefined;
  return spawnSync("sudo", ["-n", "true"], { stdio: "ignore" }).status === 0 ? "sudo" : undefined;
}

/** The exact command that installs `needs` on this platform, for a person to run. */
export function installCommand(needs: readonly SystemNeed[]): string {
  if (process.platform === "darwin") return needs.map((n) => `brew install ${SYSTEM_PACKAGES[n].brew}`).join(" && ");
  if (process.platform === "win32") return needs.map((n) => `winget install ${SYSTEM_PACKAGES[n].winget}`).join(" && ");
  const sudo = process.getuid?.() === 0 ? "" : "sudo ";
  return `${sudo}apt-get install ${needs.flatMap((n) => SYSTEM_PACKAGES[n].apt).join(" ")}`;
}

/**
 * Installs `needs` with apt when allowed (prints what it does, apt's own output included).
 * Returns false, having changed nothing, where apt cannot be run; throws when apt itself fails.
 */
export function aptInstall(needs: readonly SystemNeed[], log: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): boolean {
  const access = aptAccess();
  if (!access) return false;
  const packages = needs.flatMap((n) => SYSTEM_PACKAGES[n].apt);
  const run = (args: string[]) => {
    const [cmd, argv] = access === "root" ? [args[0]!, args.slice(1)] : ["sudo", ["-n", ...args]];
    const result = spawnSync(cmd, argv, { stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
    if (result.status !== 0) throw new Error(`${args.join(" ")} failed (exit ${String(result.status ?? result.signal)}); run it yourself to see why: ${installCommand(needs)}`);
  };
  log(`Installing Debian's ${packages.join(", ")} with apt-get (Retake is running ${access === "root" ? "as root" : "with sudo"})…`);
  run(["apt-get", "update", "-qq"]);
  run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", ...packages]);
  return true;
}
