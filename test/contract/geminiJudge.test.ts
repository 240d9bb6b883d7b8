import path from "node:path";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { compileDirection } from "../../src/core/direction/index.js";
import { GeminiJudge } from "../../src/server/critic/judge/geminiJudge.js";
import { runJudge } from "../../src/server/critic/judge/runJudge.js";
import { ANSWER_BLOCKED, GEMINI_TEST_BASE, GEMINI_TEST_KEY, geminiAnswer, geminiHandlers, PROMPT_BLOCKED, RATE_LIMITED, type GeminiCall } from "../helpers/geminiStandIn.js";

/**
 * The Gemini judge against the documented generateContent contract (msw at the HTTP boundary),
 * with real frames from real footage (ffmpeg): what it sends, how a good answer becomes findings,
 * and that a malformed answer is asked once more and then reported, never guessed; refusals, rate
 * limits and timeouts are reported with what they cost and the take is left to its measurements.
 */

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const CLIP = path.resolve("test/fixtures/footage/asl-walk.mkv");
const direction = compileDirection({ prompt: "A woman signs the word walk to the camera", annotations: [], duration: 3 }, { frameSize: { width: 640, height: 480 } });
const judge = (timeoutMs = 30_000) => new GeminiJudge({ apiKey: GEMINI_TEST_KEY, baseUrl: GEMINI_TEST_BASE, timeoutMs });

const GOOD = {
  subject: { verdict: "yes", confidence: 0.9, note: "a woman signing faces the camera" },
  action: { verdict: "partly", confidence: 0.7, note: "the hands move but the sign is unclear" },
  artefacts: [{ t: 1.75, kind: "morphing", confidence: 0.8, x: 0.4, y: 0.2, w: 0.2, h: 0.3, note: "the left hand melts into the sleeve" }],
};

describe("Gemini judge: the documented contract", () => {
  it("sends the frames inline as JPEG with the answer's schema, and turns a good answer into findings with times, places and counted cost", async () => {
    const calls: GeminiCall[] = [];
    server.use(...geminiHandlers([{ json: geminiAnswer(GOOD) }], calls));
    const out = await runJudge({ judge: judge(), clip: CLIP, direction, roomUsd: 1 });

    expect(out.state).toBe("judged");
    expect(calls).toHaveLength(1);
    const call = calls[0]!;
    expect(call.model).toBe("gemini-2.5-flash");
    expect(call.apiKey).toBe(GEMINI_TEST_KEY);
    const parts = call.body.contents[0]!.parts;
    const images = parts.filter((p) => p.inlineData);
    expect(images).toHaveLength(6);
    for (const p of images) {
      expect(p.inlineData!.mimeType).toBe("image/jpeg");
      // A real JPEG (SOI marker) from the real clip, not a placeholder.
      expect(Buffer.from(p.inlineData!.data, "base64").subarray(0, 2).toString("hex")).toBe("ffd8");
    }
    expect(parts[0]!.text).toContain("A woman signs the word walk");
    expect(call.body.generationConfig.responseMimeType).toBe("application/json");
    expect(call.body.generationConfig.responseSchema).toMatchObject({ type: "OBJECT", required: ["subject", "action", "artefacts"] });

    expect(out.frameTimes).toHaveLength(6);
    expect(out.subject).toEqual(GOOD.subject);
    // 1.75 s names the frame at 1.73 s (the fourth of six over this 2.97 s clip): snapped to it.
    expect(out.frameTimes[3]).toBeCloseTo(1.73, 2);
    expect(out.findings).toEqual([{ t: out.frameTimes[3], kind: "morphing", confidence: 0.8, where: { x: 0.4, y: 0.2, w: 0.2, h: 0.3 }, note: "the left hand melts into the sleeve" }]);
    // Counted from usageMetadata: 2100 in, 180 + 420 thinking out, at $0.30 / $2.50 per million.
    expect(out.cost).toEqual({ usd: 0.00213, estimated: true, inputTokens: 2100, outputTokens: 600 });
    expect(out.attempts).toBe(1);
  });

  it("asks again once when the answer is not JSON, and uses the second answer", async () => {
    const calls: GeminiCall[] = [];
    server.use(...geminiHandlers([{ json: geminiAnswer("Sure! The take looks fine.") }, { json: geminiAnswer(GOOD) }], calls));
    const out = await runJudge({ judge: judge(), clip: CLIP, direction, roomUsd: 1 });
    expect(out.state).toBe("judged");
    expect(out.attempts).toBe(2);
    expect(calls).toHaveLength(2);
    // Both answers were billed.
    expect(out.cost.inputTokens).toBe(4200);
  });

  it("reports an answer that breaks the schema twice, and guesses nothing from it", async () => {
    const bad = { ...GOOD, artefacts: [{ ...GOOD.artefacts[0], confidence: 3 }] };
    const calls: GeminiCall[] = [];
    server.use(...geminiHandlers([{ json: geminiAnswer(bad) }], calls));
    const out = await runJudge({ judge: judge(), clip: CLIP, direction, roomUsd: 1 });
    expect(calls).toHaveLength(2);
    expect(out).toMatchObject({ state: "failed", subject: null, action: null, findings: [], attempts: 2 });
    expect(out.error?.code).toBe("malformed");
    expect(out.error?.message).toMatch(/artefacts\.0\.confidence.*Asked twice/);
  });

  it("reports a blocked prompt and a blocked answer as refusals, without asking again", async () => {
    for (const reply of [PROMPT_BLOCKED, ANSWER_BLOCKED]) {
      const calls: GeminiCall[] = [];
      server.use(...geminiHandlers([reply], calls));
      const out = await runJudge({ judge: judge(), clip: CLIP, direction, roomUsd: 1 });
      expect(calls).toHaveLength(1);
      expect(out.state).toBe("failed");
      expect(out.error?.code).toBe("refused");
      expect(out.error?.message).toContain("SAFETY");
      expect(out.cost.inputTokens).toBe(2100);
    }
  });

  it("reports a 429 with the wait the service asked for, once, and never the key", async () => {
    const calls: GeminiCall[] = [];
    server.use(...geminiHandlers([RATE_LIMITED], calls));
    const out = await runJudge({ judge: judge(), clip: CLIP, direction, roomUsd: 1 });
    expect(calls).toHaveLength(1);
    expect(out.error?.code).toBe("rate_limited");
    expect(out.error?.message).toContain("27 s");
    expect(JSON.stringify(out)).not.toContain(GEMINI_TEST_KEY);
  });

  it("reports a rejected key with the service's own words, and an answer cut off at the token limit as malformed", async () => {
    server.use(...geminiHandlers([{ status: 400, json: { error: { code: 400, message: "API key not valid. Please pass a valid API key.", status: "INVALID_ARGUMENT" } } }]));
    const rejected = await runJudge({ judge: judge(), clip: CLIP, direction, roomUsd: 1 });
    expect(rejected.error).toEqual({ code: "http", message: "Google Gemini API answered 400 INVALID_ARGUMENT: API key not valid. Please pass a valid API key." });

    const cut = geminiAnswer('{"subject": {"verdict": "yes", "confid');
    cut.candidates[0]!.finishReason = "MAX_TOKENS";
    const calls: GeminiCall[] = [];
    server.use(...geminiHandlers([{ json: cut }], calls));
    const out = await runJudge({ judge: judge(), clip: CLIP, direction, roomUsd: 1 });
    expect(calls).toHaveLength(2);
    expect(out.error?.code).toBe("malformed");
    expect(out.error?.message).toContain("cut off at 3072 tokens");
  });

  it("gives up after its timeout and says so", async () => {
    server.use(...geminiHandlers([{ json: geminiAnswer(GOOD), delayMs: 5_000 }]));
    const out = await runJudge({ judge: judge(400), clip: CLIP, direction, roomUsd: 1 });
    expect(out.error).toEqual({ code: "timeout", message: "Google Gemini API gave no answer within 0.4 s." });
  });

  it("does not call the service when the job cannot afford the judge", async () => {
    const calls: GeminiCall[] = [];
    server.use(...geminiHandlers([{ json: geminiAnswer(GOOD) }], calls));
    const out = await runJudge({ judge: judge(), clip: CLIP, direction, roomUsd: 0.0001 });
    expect(calls).toHaveLength(0);
    expect(out.error?.code).toBe("budget");
    expect(out.cost.usd).toBe(0);
  });
});
