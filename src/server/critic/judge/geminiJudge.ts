/**
 * The judge on Google's Gemini API (plain HTTP, no SDK): `POST {base}/models/{model}:generateContent`
 * with the key in `x-goog-api-key`, images as `inlineData` parts, and the answer constrained by
 * `generationConfig.responseMimeType: "application/json"` + `responseSchema`.
 *
 * Documented outcomes mapped to JudgeError codes:
 * - `promptFeedback.blockReason` (prompt blocked), or a candidate whose `finishReason` is SAFETY,
 *   PROHIBITED_CONTENT, BLOCKLIST, SPII, RECITATION or IMAGE_SAFETY → "refused";
 * - HTTP 429 RESOURCE_EXHAUSTED (with an optional RetryInfo `retryDelay`) → "rate_limited";
 * - no answer within `timeoutMs` → "timeout";
 * - text that is not JSON, or JSON that fails JudgeAnswer (zod), or MAX_TOKENS → "malformed";
 * - any other HTTP error → "http" (with the service's own message, never the key).
 * Usage is read from `usageMetadata` (promptTokenCount; candidatesTokenCount + thoughtsTokenCount,
 * both billed as output).
 */
import { JudgeAnswer, JUDGE_RESPONSE_SCHEMA } from "./judgeAnswer.js";
import { GEMINI_PRICES, geminiPriceUsd } from "./judgePrices.js";
import { JudgeError, type Judge, type JudgeReply, type JudgeRequest, type JudgeUsage } from "./judge.js";

export interface GeminiJudgeOptions {
  apiKey: string;
  /** `GEMINI_BASE_URL`, default https://generativelanguage.googleapis.com/v1beta. */
  baseUrl: string;
  model?: string;
  timeoutMs?: number;
  /** Thinking tokens allowed (gemini-2.5-flash: 0 turns thinking off). */
  thinkingBudget?: number;
}

export const GEMINI_DEFAULT_MODEL = "gemini-2.5-flash";
const REFUSAL_REASONS = new Set(["SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "RECITATION", "IMAGE_SAFETY"]);

interface GenerateContentResponse {
  candidates?: Array<{ content?: { parts?: Array<{ text?: string; thought?: boolean }> }; finishReason?: string }>;
  promptFeedback?: { blockReason?: string };
  usageMetadata?: { promptTokenCount?: number; candidatesTokenCount?: number; thoughtsTokenCount?: number };
  error?: { code?: number; message?: string; status?: string; details?: Array<{ "@type"?: string; retryDelay?: string }> };
}

export class GeminiJudge implements Judge {
  readonly service = "gemini";
  readonly label = "Google Gemini API";
  readonly model: string;
  readonly maxOutputTokens: number;
  readonly pricing = GEMINI_PRICES.pricing;
  private readonly thinkingBudget: number;

  constructor(private readonly options: GeminiJudgeOptions) {
    this.model = options.model ?? GEMINI_DEFAULT_MODEL;
    this.thinkingBudget = options.thinkingBudget ?? 1024;
    // Room for the thinking plus an answer of 20 findings.
    this.maxOutputTokens = this.thinkingBudget + 2048;
  }

  /**
   * Gemini 2.x: an image with both sides ≤ 384 px counts 258 tokens; a larger one is tiled in
   * 768×768 tiles of 258 tokens each (ai.google.dev "Image understanding", token calculation).
   */
  imageTokens(width: number, height: number): number {
    if (width <= 384 && height <= 384) return 258;
    return Math.ceil(width / 768) * Math.ceil(height / 768) * 258;
  }

  priceUsd(usage: JudgeUsage): number {
    return geminiPriceUsd(this.model, usage);
  }

  async judge(request: JudgeRequest): Promise<JudgeReply> {
    const parts: unknown[] = [{ text: request.instruction }];
    for (const image of request.images) {
      parts.push({ text: image.label }, { inlineData: { mimeType: image.mimeType, data: image.data } });
    }
    const body = {
      contents: [{ role: "user", parts }],
      generationConfig: {
        responseMimeType: "application/json",
        responseSchema: JUDGE_RESPONSE_SCHEMA,
        temperature: 0,
        maxOutputTokens: this.maxOutputTokens,
        thinkingConfig: { thinkingBudget: this.thinkingBudget },
      },
    };
    const timeoutMs = this.options.timeoutMs ?? 60_000;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
    const url = `${this.options.baseUrl.replace(/\/+$/, "")}/models/${encodeURIComponent(this.model)}:generateContent`;
    let res: Response;
    let json: GenerateContentResponse;
    try {
      res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", "x-goog-api-key": this.options.apiKey }, body: JSON.stringify(body), signal });
      json = (await res.json().catch(() => ({}))) as GenerateContentResponse;
    } catch (error) {
      if (timeout.aborted && !request.signal?.aborted) throw new JudgeError("timeout", `${this.label} gave no answer within ${(timeoutMs / 1000).toFixed(timeoutMs < 10_000 ? 1 : 0)} s.`);
      if (request.signal?.aborted) throw error;
      throw new JudgeError("http", `${this.label} could not be reached: ${(error as Error).message}.`);
    }
    const usage: JudgeUsage = {
      inputTokens: json.usageMetadata?.promptTokenCount ?? 0,
      outputTokens: (json.usageMetadata?.candidatesTokenCount ?? 0) + (json.usageMetadata?.thoughtsTokenCount ?? 0),
    };
    if (res.status === 429) {
      const delay = json.error?.details?.find((d) => d.retryDelay)?.retryDelay;
      const retryAfterMs = delay ? Math.round(parseFloat(delay) * 1000) : Number(res.headers.get("retry-after") ?? NaN) * 1000 || undefined;
      throw new JudgeError("rate_limited", `${this.label} is rate-limiting this key (429 ${json.error?.status ?? "RESOURCE_EXHAUSTED"})${retryAfterMs ? `; it asks to wait ${Math.round(retryAfterMs / 1000)} s` : ""}. The take is kept, judged by measurements only.`, usage, retryAfterMs);
    }
    if (!res.ok) {
      throw new JudgeError("http", `${this.label} answered ${res.status}${json.error?.status ? ` ${json.error.status}` : ""}: ${(json.error?.message ?? "no message").replace(/\.$/, "")}.`, usage);
    }
    const block = json.promptFeedback?.blockReason;
    if (block) throw new JudgeError("refused", `${this.label} refused to look at the frames (blocked: ${block}).`, usage);
    const candidate = json.candidates?.[0];
    if (!candidate) throw new JudgeError("malformed", `${this.label} answered with no candidate.`, usage);
    if (candidate.finishReason && REFUSAL_REASONS.has(candidate.finishReason)) {
      throw new JudgeError("refused", `${this.label} stopped its answer for ${candidate.finishReason}.`, usage);
    }
    if (candidate.finishReason === "MAX_TOKENS") throw new JudgeError("malformed", `${this.label}'s answer was cut off at ${this.maxOutputTokens} tokens.`, usage);
    const text = (candidate.content?.parts ?? []).filter((p) => !p.thought && typeof p.text === "string").map((p) => p.text).join("");
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw new JudgeError("malformed", `${this.label}'s answer is not JSON (${text.length} characters starting "${text.slice(0, 40)}").`, usage);
    }
    const parsed = JudgeAnswer.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new JudgeError("malformed", `${this.label}'s answer does not follow the schema (${issue.path.join(".") || "answer"}: ${issue.message}).`, usage);
    }
    return { answer: parsed.data, usage };
  }
}
