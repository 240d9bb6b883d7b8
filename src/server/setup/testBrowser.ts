/**
 * The Chromium that the end-to-end tests drive through playwright-core: `CHROMIUM_PATH` when set,
 * else the first of the usual places (Debian's /usr/bin/chromium first). Playwright's own browser
 * download is never used: it fetches from outside the package registries.
 */
import fs from "node:fs";
import { findOnPath } from "../media/ffmpeg.js";

const KNOWN_PLACES: Partial<Record<NodeJS.Platform, string[]>> = {
  linux: ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome", "/usr/bin/google-chrome-stable"],
  darwin: ["/Applications/Chromium.app/Contents/MacOS/Chromium", "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"],
  win32: [
    "C:\\Program Files\\Chromium\\Application\\chrome.exe",
    "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
    "C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe",
  ],
};

export interface TestBrowser {
  path: string;
  origin: "CHROMIUM_PATH" | "found";
}

/**
 * The browser for the e2e tests, or undefined. A CHROMIUM_PATH that points nowhere is an error
 * (the person meant that browser), not a reason to pick another one.
 */
export function findTestBrowser(env: NodeJS.ProcessEnv = process.env): TestBrowser | undefined {
  const chosen = env.CHROMIUM_PATH?.trim();
  if (chosen) {
    if (!fs.existsSync(chosen)) throw new Error(`CHROMIUM_PATH is set to ${chosen}, which does not exist.`);
    return { path: chosen, origin: "CHROMIUM_PATH" };
  }
  for (const place of KNOWN_PLACES[process.platform] ?? []) if (fs.existsSync(place)) return { path: place, origin: "found" };
  const onPath = findOnPath("chromium", env) ?? findOnPath("chromium-browser", env);
  return onPath ? { path: onPath, origin: "found" } : undefined;
}
