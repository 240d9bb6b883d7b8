import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createBackendClient } from "../../../src/ui/api/backendClient.js";
import { signInFailureWords, waitForSignIn } from "../../../src/ui/controller/studioSignIn.js";

/**
 * The panel waiting for a browser sign-in, against a studio service mocked at the HTTP boundary:
 * how often it asks, what it hands back, and the words the editor reads when it does not finish.
 * Time is the injected `sleep` (recording each wait), not a stubbed part of the flow.
 */
const SERVICE = "https://retake.studio.test";
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

/** The service's claim endpoint answering these in turn ("down": the network drops the request). */
function claimAnswers(...answers: Array<"pending" | "ready" | "down" | { status: number; code: string; message: string }>) {
  let n = 0;
  server.use(
    http.post(`${SERVICE}/v1/auth/pairings/:code/claim`, ({ params }) => {
      expect(params.code).toBe("pair-1");
      const answer = answers[Math.min(n++, answers.length - 1)]!;
      if (answer === "down") return HttpResponse.error();
      if (answer === "pending") return HttpResponse.json({ status: "pending", expiresAt: "2026-12-03T18:00:00.000Z" }, { status: 202 });
      if (answer === "ready") return HttpResponse.json({ token: "rtk_secret", user: { name: "ana@studio.test", admin: false } });
      return HttpResponse.json({ error: { code: answer.code, message: answer.message } }, { status: answer.status });
    }),
  );
  return () => n;
}

const waits: number[] = [];
const sleep = async (ms: number, signal: AbortSignal) => {
  if (signal.aborted) throw new DOMException("cancelled", "AbortError");
  waits.push(ms);
};
afterEach(() => void waits.splice(0));

describe("waiting for a browser sign-in", () => {
  it("asks until the token is there, backing off from 1 s to 5 s, and rides out a network blip", async () => {
    const asked = claimAnswers("pending", "pending", "down", "pending", "pending", "pending", "pending", "ready");
    const signedIn = await waitForSignIn(createBackendClient({ url: SERVICE }), "pair-1", new AbortController().signal, sleep);
    expect(signedIn).toEqual({ token: "rtk_secret", user: { name: "ana@studio.test", admin: false } });
    expect(asked()).toBe(8);
    expect(waits).toEqual([1000, 1500, 2250, 2250, 3375, 5000, 5000, 5000]);
  });

  it("stops on an expired or refused sign-in with words that say what to do", async () => {
    claimAnswers("pending", { status: 410, code: "pairing_expired", message: "This sign-in expired before it finished: start again from the panel." });
    const expired = await waitForSignIn(createBackendClient({ url: SERVICE }), "pair-1", new AbortController().signal, sleep).catch((e: unknown) => e);
    expect(signInFailureWords(expired)).toBe("The sign-in expired before it finished (a sign-in lasts ten minutes). Sign in again.");

    claimAnswers({ status: 403, code: "sign_in_refused", message: "mallory@gmail.com may not sign in to this Retake service: only @studio.test accounts may." });
    const refused = await waitForSignIn(createBackendClient({ url: SERVICE }), "pair-1", new AbortController().signal, sleep).catch((e: unknown) => e);
    expect(signInFailureWords(refused)).toBe("The studio's sign-in refused your account: mallory@gmail.com may not sign in to this Retake service: only @studio.test accounts may.");
  });

  it("tells the editor how long to wait when the service will not start another sign-in from this address (429)", async () => {
    const message =
      "Too many sign-ins were started from this address (30 in 10 minutes). Wait 540 seconds, then sign in again from the panel. " +
      "If everyone reaches this service through one proxy, ask your Retake admin to set RETAKE_TRUST_PROXY so each editor's own address counts.";
    server.use(
      http.post(`${SERVICE}/v1/auth/pairings`, () =>
        HttpResponse.json({ error: { code: "too_many_sign_ins", message } }, { status: 429, headers: { "Retry-After": "540" } }),
      ),
    );
    const refused = await createBackendClient({ url: SERVICE }).startPairing().catch((e: unknown) => e);
    expect(signInFailureWords(refused)).toBe(message);
  });

  it("gives up after three unreachable tries in a row, and stops at once when cancelled", async () => {
    claimAnswers("down");
    const down = await waitForSignIn(createBackendClient({ url: SERVICE }), "pair-1", new AbortController().signal, sleep).catch((e: unknown) => e);
    expect(signInFailureWords(down)).toMatch(/Cannot reach .* Check the service URL, then sign in again\.$/);

    const asked = claimAnswers("pending");
    const cancel = new AbortController();
    cancel.abort();
    await expect(waitForSignIn(createBackendClient({ url: SERVICE }), "pair-1", cancel.signal, sleep)).rejects.toThrow(/cancelled/);
    expect(asked()).toBe(0);
  });
});
