/**
 * Google's Gemini API as msw plays it, from its documented shapes
 * (ai.google.dev/api/generate-content): `POST /v1beta/models/{model}:generateContent` answers
 * `{candidates: [{content: {parts: [{text}], role: "model"}, finishReason}], usageMetadata,
 * modelVersion}`; a blocked prompt answers `promptFeedback.blockReason` and no candidates; a rate
 * limit is HTTP 429 `{error: {code: 429, status: "RESOURCE_EXHAUSTED", details: [RetryInfo]}}`.
 * Used by the contract tests, the labelled set and `npm run bench -- judge`.
 */
import { delay, http, HttpResponse, type HttpHandler } from "msw";

export const GEMINI_TEST_BASE = "https://gemini.test/v1beta";
export const GEMINI_TEST_KEY = "test-gemini-key-do-not-log";

export interface GeminiCall {
  model: string;
  apiKey: string | null;
  body: {
    contents: Array<{ role: string; parts: Array<{ text?: string; inlineData?: { mimeType: string; data: string } }> }>;
    generationConfig: Record<string, unknown> & { responseSchema?: unknown; responseMimeType?: string };
  };
}

/** A documented success: the JSON answer as the candidate's text part, usage as the service counts it. */
export function geminiAnswer(answer: unknown, usage = { promptTokenCount: 2100, candidatesTokenCount: 180, thoughtsTokenCount: 420 }) {
  const text = typeof answer === "string" ? answer : JSON.stringify(answer);
  return {
    candidates: [{ content: { parts: [{ text }], role: "model" }, finishReason: "STOP", index: 0 }],
    usageMetadata: { ...usage, totalTokenCount: usage.promptTokenCount + usage.candidatesTokenCount + usage.thoughtsTokenCount },
    modelVersion: "gemini-2.5-flash",
  };
}

export type GeminiReply = { status?: number; json: unknown; delayMs?: number };

/** Answers each call with the next reply (the last repeats); records every call. */
export function geminiHandlers(replies: GeminiReply[] | ((call: GeminiCall, n: number) => GeminiReply), calls: GeminiCall[] = []): HttpHandler[] {
  return [
    http.post(`${GEMINI_TEST_BASE}/models/:modelAction`, async ({ request, params }) => {
      const [model] = String(params.modelAction).split(":");
      const call: GeminiCall = { model: model!, apiKey: request.headers.get("x-goog-api-key"), body: (await request.json()) as GeminiCall["body"] };
      calls.push(call);
      const reply = typeof replies === "function" ? replies(call, calls.length) : replies[Math.min(calls.length - 1, replies.length - 1)]!;
      if (reply.delayMs) await delay(reply.delayMs);
      return HttpResponse.json(reply.json as Record<string, unknown>, { status: reply.status ?? 200 });
    }),
  ];
}

export const RATE_LIMITED: GeminiReply = {
  status: 429,
  json: {
    error: {
      code: 429,
      message: "You exceeded your current quota, please check your plan and billing details.",
      status: "RESOURCE_EXHAUSTED",
      details: [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "27s" }],
    },
  },
};

export const PROMPT_BLOCKED: GeminiReply = { json: { promptFeedback: { blockReason: "SAFETY", safetyRatings: [] }, usageMetadata: { promptTokenCount: 2100, totalTokenCount: 2100 } } };

export const ANSWER_BLOCKED: GeminiReply = {
  json: { candidates: [{ finishReason: "SAFETY", index: 0, safetyRatings: [{ category: "HARM_CATEGORY_DANGEROUS_CONTENT", probability: "HIGH" }] }], usageMetadata: { promptTokenCount: 2100, candidatesTokenCount: 0, totalTokenCount: 2100 } },
};
