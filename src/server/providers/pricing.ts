import type { PriceSource } from "../../core/schemas/index.js";

/**
 * Provider prices as data, each table with where and when it was taken. Estimates are only as
 * good as these tables: the panel shows `confirmed: false` figures as such.
 */

/** Luma Ray 3.2 (Agents API): USD per 5-second block, by resolution and SDR / HDR / HDR+EXR. */
export const LUMA_RAY_3_2_PRICES = {
  pricing: {
    source: "Runware's Luma Ray 3.2 listing (https://runware.ai/docs/models/luma-ray3-2.md), via research/backends.md",
    takenOn: "2026-06-10",
    confirmed: false,
    note: "Not Luma's own list price (https://docs.agents.lumalabs.ai/guides/pricing/ publishes no table); 10 s bills as two 5 s blocks; Luma refunds failed generations.",
  } satisfies PriceSource,
  blockSeconds: 5,
  usdPerBlock: {
    "540p": { sdr: 0.15 },
    "720p": { sdr: 0.3, hdr: 0.6, hdrExr: 0.9 },
    "1080p": { sdr: 1.2, hdr: 2.4, hdrExr: 3.6 },
  } as Record<string, { sdr: number; hdr?: number; hdrExr?: number }>,
};

export type LumaDynamicRange = "sdr" | "hdr" | "hdrExr";

export function lumaPriceUsd(resolution: string, range: LumaDynamicRange, seconds: number): number {
  const row = LUMA_RAY_3_2_PRICES.usdPerBlock[resolution];
  const perBlock = row?.[range];
  if (perBlock === undefined) throw new RangeError(`No Luma price for ${resolution} ${range}.`);
  const blocks = Math.max(1, Math.ceil(seconds / LUMA_RAY_3_2_PRICES.blockSeconds - 1e-9));
  return round2(blocks * perBlock);
}

/** Runway: credits per output second by model; one credit is USD 0.01 on the developer API. */
export const RUNWAY_PRICES = {
  pricing: {
    source: "Runway developer API pricing (https://docs.dev.runwayml.com/guides/pricing/); video_to_hdr rate from @runwayml/sdk 4.20.1's doc comment",
    takenOn: "2026-06-10",
    confirmed: false,
    note: "Credits per second as published for gen4_turbo and gen4.5; ruby from the SDK (20/s, 40/s above 4 MP). Runway returns its own estimatedCost on submit, which the take then records.",
  } satisfies PriceSource,
  usdPerCredit: 0.01,
  creditsPerSecond: {
    gen4_turbo: 5,
    "gen4.5": 12,
    ruby: 20,
    ruby_above_4mp: 40,
    // Bridge models (first + last frame), audio off. UNCONFIRMED: not found on Runway's pricing
    // page in the docs corpus (2026-12-03); Runway's own estimatedCost on submit is recorded.
    "veo3.1": 20,
    "veo3.1_fast": 10,
  } as Record<string, number>,
};

export function runwayPriceUsd(model: string, seconds: number): number {
  const perSecond = RUNWAY_PRICES.creditsPerSecond[model];
  if (perSecond === undefined) throw new RangeError(`No Runway price for model ${model}.`);
  return round2(Math.ceil(seconds) * perSecond * RUNWAY_PRICES.usdPerCredit);
}

export function creditsToUsd(credits: number): number {
  return round2(credits * RUNWAY_PRICES.usdPerCredit);
}

export function round2(usd: number): number {
  return Math.round(usd * 100) / 100;
}
