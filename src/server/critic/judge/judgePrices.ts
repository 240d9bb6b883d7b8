import type { PriceSource } from "../../../core/schemas/index.js";

/**
 * Judge prices as data, with where and when they were taken (like providers/pricing.ts). Not
 * re-checked on the day this was written (the session had no web access): `confirmed: false`, so
 * every judge cost is shown as an estimate until someone checks the page and flips it.
 */
export const GEMINI_PRICES = {
  pricing: {
    source: "Google Gemini API pricing, paid tier (https://ai.google.dev/gemini-api/docs/pricing)",
    takenOn: "2025-09-01",
    confirmed: false,
    note: "gemini-2.5-flash, prompts of any length: input (text, image, video) $0.30 and output (thinking included) $2.50 per 1M tokens. From the published page as known to the author on that date; check it before trusting the figures.",
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
