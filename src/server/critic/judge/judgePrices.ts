import type { PriceSource } from "../../../core/schemas/index.js";

/**
 * Judge prices as data, with where and when they were taken (like providers/pricing.ts). Checked
 * against a dated transcription of Google's pricing page, not the page itself (this machine cannot
 * reach it): `confirmed: false`, so every judge cost is shown as an estimate until someone checks
 * the page and flips it.
 */
export const GEMINI_PRICES = {
  pricing: {
    source: "Google Gemini API pricing, paid tier (https://ai.google.dev/gemini-api/docs/pricing)",
    takenOn: "2026-09-20",
    confirmed: false,
    note: "gemini-2.5-flash, prompts of any length: input (text, image, video) $0.30 and output (thinking included) $2.50 per 1M tokens. Input rates of 2.5 Flash ($0.30), 2.5 Pro ($1.25) and Flash-Lite's output ($0.40) match a transcription of Google's page dated 2026-09-20; 2.5 Flash's output rate is from a third-party table of April 2026. Check the page before trusting the figures.",
  } satisfies PriceSource,
  usdPerMillion: {
    "gemini-2.5-flash": { input: 0.3, output: 2.5 },
    "gemini-2.5-flash-lite": { input: 0.1, output: 0.4 },
    "gemini-2.5-pro": { input: 1.25, output: 10 },
  } as Record<string, { input: number; output: number }>,
};

export function geminiPriceUsd(model: string, usage: { inputTokens: number; outputTokens: number }): number {
  const row = GEMINI_PRICES.usdPerMillion[model];
  if (!row) throw new RangeError(`No Gemini price for model ${model}; add it to judgePrices.ts.`);
  return (usage.inputTokens * row.input + usage.outputTokens * row.output) / 1e6;
}
