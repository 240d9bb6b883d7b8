import { BackendError, type BackendClient } from "../api/backendClient.js";

/**
 * The panel's side of browser sign-in to a studio service (docs/team.md "Signing in and
 * tokens"): after the browser was sent to the pairing's sign-in URL, ask for the token until the
 * editor has signed in there, the pairing expires, or the editor cancels. The service says
 * "Retry-After: 2"; the panel starts a little faster (the editor may be signed in at the IdP
 * already) and backs off to five seconds, so ten minutes of waiting is about 130 requests.
 */
export const FIRST_POLL_MS = 1000;
export const MAX_POLL_MS = 5000;

export interface SignedIn {
  token: string;
  user: { name: string; admin: boolean };
}

/** Rejects with a BackendError (410 pairing_expired, 404, 0 unreachable …) or an AbortError on cancel. */
export async function waitForSignIn(
  client: Pick<BackendClient, "claimPairing">,
  code: string,
  signal: AbortSignal,
  sleep: (ms: number, signal: AbortSignal) => Promise<void> = abortableSleep,
): Promise<SignedIn> {
  let delay = FIRST_POLL_MS;
  let unreachable = 0;
  for (;;) {
    await sleep(delay, signal);
    let answer;
    try {
      answer = await client.claimPairing(code);
    } catch (error) {
      // A blip on the studio's network is not the end of a sign-in; three in a row are.
      if (error instanceof BackendError && error.status === 0 && ++unreachable < 3) continue;
      throw error;
    }
    unreachable = 0;
    if (signal.aborted) throw abortError();
    if ("token" in answer) return answer;
    delay = Math.min(MAX_POLL_MS, Math.round(delay * 1.5));
  }
}

function abortError(): Error {
  return new DOMException("The sign-in was cancelled.", "AbortError");
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortError());
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError());
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** What the editor reads when a sign-in did not finish. */
export function signInFailureWords(error: unknown): string {
  if (error instanceof BackendError) {
    if (error.code === "pairing_expired") return "The sign-in expired before it finished (a sign-in lasts ten minutes). Sign in again.";
    if (error.code === "pairing_claimed" || error.code === "pairing_unknown") return "This sign-in is no longer known to the studio service. Sign in again.";
    if (error.code === "sign_in_refused") return `The studio's sign-in refused your account: ${error.message}`;
    if (error.code === "sign_in_unavailable") return error.message;
    if (error.status === 0) return `${error.message} Check the service URL, then sign in again.`;
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}
