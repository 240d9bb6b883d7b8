import { z } from "zod";
import type { Money, PriceSource } from "../../../core/schemas/index.js";
import { round2 } from "../pricing.js";
import { FAL_CATALOGUE, type FalModel, type FalPrice } from "./catalogue.js";

/**
 * fal prices: the account's own, read from fal's pricing API (GET {FAL_API_URL}/v1/models/pricing
 * ?endpoint_id=a,b — fal.ai/docs/platform-apis/v1/models/pricing), cached with the day they were
 * read; the catalogue's dated table where the API has not answered (marked estimated). fal bills
 * only successful outputs (fal.ai/docs/documentation/model-apis/pricing), so a failed take costs 0.
 */

/** One row of the pricing answer: `{prices: [{endpoint_id, unit_price, unit, currency}], next_cursor, has_more}`. */
const PricingAnswer = z.object({
  prices: z.array(z.object({ endpoint_id: z.string(), unit_price: z.number().nonnegative(), unit: z.string(), currency: z.string() })),
});

interface AccountPrice {
  unit: FalPrice["unit"];
  usd: number;
  rawUnit: string;
}

/** How often the account's prices are read again. */
const REFRESH_MS = 6 * 60 * 60_000;

export interface PriceAsk {
  seconds: number;
  resolution?: string;
  audio?: boolean;
  /** Upscales: output megapixels (width × height × frames / 1e6). */
  megapixels?: number;
}

export class FalPricing {
  private account = new Map<string, AccountPrice>();
  private readAt?: Date;
  private lastProblem?: string;
  private inFlight?: Promise<void>;

  constructor(private readonly options: { apiUrl: string; key?: string; log?: (line: string) => void }) {}

  /** Reads the account's prices (at most one read at a time); failures keep the table and say why. */
  refresh(): Promise<void> {
    if (!this.options.key) return Promise.resolve();
    this.inFlight ??= this.read().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  /** Starts a read when the cache is missing or older than REFRESH_MS; never waits for it. */
  refreshIfStale(): void {
    if (!this.readAt || Date.now() - this.readAt.getTime() > REFRESH_MS) void this.refresh();
  }

  private async read(): Promise<void> {
    const ids = FAL_CATALOGUE.map((m) => m.id);
    const url = `${this.options.apiUrl.replace(/\/+$/, "")}/v1/models/pricing?endpoint_id=${ids.map(encodeURIComponent).join(",")}`;
    try {
      const res = await fetch(url, { headers: { authorization: `Key ${this.options.key}`, accept: "application/json" }, signal: AbortSignal.timeout(15_000) });
      if (!res.ok) {
        this.lastProblem = `fal's pricing API answered HTTP ${res.status}`;
        this.options.log?.(`fal pricing: ${this.lastProblem}; using the dated catalogue prices.`);
        return;
      }
      const parsed = PricingAnswer.safeParse(await res.json());
      if (!parsed.success) {
        this.lastProblem = "fal's pricing API answered in an unexpected shape";
        return;
      }
      const next = new Map<string, AccountPrice>();
      for (const row of parsed.data.prices) {
        const unit = unitOf(row.unit);
        if (!unit || row.currency.toUpperCase() !== "USD") continue;
        next.set(row.endpoint_id, { unit, usd: row.unit_price, rawUnit: row.unit });
      }
      this.account = next;
      this.readAt = new Date();
      this.lastProblem = undefined;
    } catch (error) {
      this.lastProblem = `fal's pricing API could not be read (${error instanceof Error ? error.name : "error"})`;
    }
  }

  /** What the panel shows about where prices come from. */
  source(): PriceSource {
    const failed = "fal charges only successful outputs: a failed take costs nothing.";
    if (this.readAt && this.account.size > 0) {
      const missing = FAL_CATALOGUE.filter((m) => !this.priceFromAccount(m)).map((m) => m.label);
      return {
        source: "fal's pricing API (your account's prices, GET /v1/models/pricing)",
        takenOn: this.readAt.toISOString().slice(0, 10),
        confirmed: true,
        note: `${failed}${missing.length ? ` Not priced by the API, from Retake's dated table (estimated): ${missing.join(", ")}.` : ""} Sound on/off and size differences are scaled from the table.`,
      };
    }
    return {
      source: "Retake's fal catalogue (fal's per-model llms.txt and research notes)",
      takenOn: "2026-12-03",
      confirmed: false,
      note: `${failed} ${this.lastProblem ? `${this.lastProblem}; ` : ""}${this.options.key ? "" : "Set FAL_KEY to read your account's prices; "}these are dated list prices, some UNCONFIRMED (docs/fal.md).`,
    };
  }

  /** What one take of `model` costs for the ask. `estimated: false` only when fal's own figure applies unscaled. */
  price(model: FalModel, ask: PriceAsk): Money {
    const table = model.price;
    const row = ask.resolution ? table.byResolution?.[ask.resolution] : undefined;
    const soundOff = model.audio !== undefined && ask.audio === false;
    // The table's figure for exactly this ask, and for the model's default (sound on, base size).
    const tableAsked = soundOff ? (row?.usdWithoutAudio ?? table.usdWithoutAudio ?? row?.usd ?? table.usd) : (row?.usd ?? table.usd);
    const tableDefault = table.usd;
    const account = this.priceFromAccount(model);
    let unitUsd = tableAsked;
    let estimated = true;
    if (account) {
      // fal quotes the default configuration; other sizes and sound-off scale by the table's ratio.
      const scale = tableDefault > 0 ? tableAsked / tableDefault : 1;
      unitUsd = account.usd * scale;
      estimated = scale !== 1;
    }
    const unit = account?.unit ?? table.unit;
    const units = unit === "second" ? Math.ceil(ask.seconds - 1e-6) : unit === "video" ? 1 : (ask.megapixels ?? 0);
    // Megapixels depend on the source's exact frames: always an estimate.
    return { usd: round2(unitUsd * units), estimated: estimated || unit === "megapixel" };
  }

  private priceFromAccount(model: FalModel): AccountPrice | undefined {
    const price = this.account.get(model.id);
    // A per-megapixel figure cannot price a per-second model, nor the other way round: the table stands in.
    if (!price || (price.unit === "megapixel") !== (model.price.unit === "megapixel")) return undefined;
    return price;
  }
}

/** fal's billing unit names ("second", "video seconds", "video", "megapixels"…) as ours. */
function unitOf(unit: string): FalPrice["unit"] | undefined {
  const u = unit.toLowerCase();
  if (u.includes("megapixel")) return "megapixel";
  if (u.includes("second")) return "second";
  if (u.includes("video") || u.includes("request") || u.includes("generation")) return "video";
  return undefined;
}
