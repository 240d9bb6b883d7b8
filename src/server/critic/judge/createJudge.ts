/**
 * Which judge this backend has, from its settings: a Gemini judge when GEMINI_API_KEY is set,
 * none otherwise (then nothing about scoring changes). Another service is one file beside
 * geminiJudge.ts and one branch here.
 */
import { GeminiJudge } from "./geminiJudge.js";
import type { Judge } from "./judge.js";
import { GEMINI_PRICES } from "./judgePrices.js";

export interface JudgeSettings {
  gemini: { apiKey?: string; baseUrl: string; model?: string; timeoutMs?: number };
}

export const GEMINI_DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com/v1beta";

export function judgeSettingsFromEnv(env: NodeJS.ProcessEnv): JudgeSettings {
  return {
    gemini: {
      apiKey: env.GEMINI_API_KEY || undefined,
      baseUrl: env.GEMINI_BASE_URL || GEMINI_DEFAULT_BASE_URL,
      ...(env.RETAKE_JUDGE_MODEL ? { model: env.RETAKE_JUDGE_MODEL } : {}),
    },
  };
}

export function createJudge(settings: JudgeSettings | undefined): Judge | undefined {
  const g = settings?.gemini;
  if (g?.model && !GEMINI_PRICES.usdPerMillion[g.model]) {
    throw new Error(`RETAKE_JUDGE_MODEL "${g.model}" has no price in Retake's table; use one of ${Object.keys(GEMINI_PRICES.usdPerMillion).join(", ")}.`);
  }
  if (g?.apiKey) return new GeminiJudge({ apiKey: g.apiKey, baseUrl: g.baseUrl, ...(g.model ? { model: g.model } : {}), ...(g.timeoutMs ? { timeoutMs: g.timeoutMs } : {}) });
  return undefined;
}
