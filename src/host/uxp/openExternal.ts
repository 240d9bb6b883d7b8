import type { UxpApi } from "./types.js";

/**
 * Opens a link in the system browser through `uxp.shell.openExternal` (a UXP webview ignores
 * `target="_blank"`). Only http/https: the manifest's `launchProcess` allows just those schemes,
 * and anything else (file:, a custom scheme) would launch a local program.
 */
/** What UXP's consent prompt says before the browser opens. */
const CONSENT = {
  file: "Retake opens this take's file in your browser.",
  signIn: "Retake opens your studio's sign-in page in your browser.",
} as const;

export async function openExternal(uxp: UxpApi, url: string, purpose: keyof typeof CONSENT = "file"): Promise<{ ok: true }> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`Cannot open "${url}": it is not a URL. Only http and https links open in the browser.`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new Error(`Cannot open a ${parsed.protocol} link: only http and https links open in the browser.`);
  }
  if (!uxp.shell) throw new Error("This host cannot open links in the browser (uxp.shell is missing): copy the link instead.");
  // UXP answers a string (empty on success, else why it did not open) in some versions; treat
  // a non-empty one as a refusal so the editor learns why nothing happened.
  const answer = await uxp.shell.openExternal(parsed.href, CONSENT[purpose]);
  if (typeof answer === "string" && answer.length > 0) throw new Error(`The browser did not open: ${answer}`);
  return { ok: true };
}
