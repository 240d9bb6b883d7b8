/**
 * The seam for a vision-language judge (issue 20): one service per file behind this interface, so
 * adding OpenAI's or Anthropic's is one more file and a line in createJudge.ts. A judge only
 * talks to its service: frames, the prompt and the retry-once rule are runJudge.ts's.
 */
import type { PriceSource } from "../../../core/schemas/index.js";
import type { JudgeAnswer } from "./judgeAnswer.js";

export interface JudgeImage {
  /** What the picture is, said to the model before it ("frame at 1.2 s", "the captured start frame"). */
  label: string;
  /** Seconds from the take's start; null for the captured frame. */
  t: number | null;
  mimeType: "image/jpeg";
  /** Base64 without a data: prefix. */
  data: string;
  width: number;
  height: number;
}

export interface JudgeRequest {
  /** The instruction: what to look for and how to answer (prompt.ts). */
  instruction: string;
  images: JudgeImage[];
  signal?: AbortSignal;
}

export interface JudgeUsage {
  inputTokens: number;
  outputTokens: number;
}

export interface JudgeReply {
  /** The model's answer, checked against JudgeAnswer (zod). */
  answer: JudgeAnswer;
  usage: JudgeUsage;
}

export type JudgeErrorCode = "refused" | "rate_limited" | "timeout" | "malformed" | "http";

/** A judge call that gave no usable answer; `usage` is what it still cost (a malformed answer is billed). */
export class JudgeError extends Error {
  override name = "JudgeError";
  constructor(
    readonly code: JudgeErrorCode,
    message: string,
    readonly usage: JudgeUsage = { inputTokens: 0, outputTokens: 0 },
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export interface Judge {
  /** "gemini": the service that sees the frames (the settings name it to the editor). */
  readonly service: string;
  /** Shown in settings and on every finding ("Google Gemini API"). */
  readonly label: string;
  readonly model: string;
  /** Tokens an image of this size counts as input, by the service's documented rule. */
  imageTokens(width: number, height: number): number;
  /** Where and when its prices were taken; costs are estimates while `confirmed` is false. */
  readonly pricing: PriceSource;
  /** USD for these tokens, from the dated price table (judgePrices.ts). */
  priceUsd(usage: JudgeUsage): number;
  /** Output tokens to budget for one answer (the most the request allows, so an estimate is an upper bound). */
  readonly maxOutputTokens: number;
  /** One call. Throws JudgeError with a code for every failure the service documents. */
  judge(request: JudgeRequest): Promise<JudgeReply>;
}
