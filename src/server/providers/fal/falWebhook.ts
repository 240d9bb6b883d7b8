import crypto from "node:crypto";
import { z } from "zod";

/**
 * fal's webhook deliveries, verified and kept once per request id. fal POSTs
 * `{request_id, gateway_request_id, status: "OK" | "ERROR", payload, error, payload_error}` to the
 * URL given at submit (`?fal_webhook=`), retrying a failed delivery for two hours
 * (docs.fal.ai/model-apis/model-endpoints/webhooks). Each delivery is signed with Ed25519 over
 * `request_id \n user_id \n timestamp \n sha256hex(body)`; the hex signature and the three values
 * come in `x-fal-webhook-*` headers and the public keys from fal's JWKS (research/providers-2.md
 * §3). A delivery only tells the provider what its next status poll would learn, so polling
 * stays the fallback: a backend fal cannot reach loses nothing.
 */

export const FAL_JWKS_DEFAULT = "https://rest.alpha.fal.ai/.well-known/jwks.json";
/** Deliveries older or newer than this are refused (replays). */
const MAX_SKEW_S = 5 * 60;
const JWKS_TTL_MS = 24 * 60 * 60_000;

const Delivery = z.object({
  request_id: z.string().min(1),
  status: z.enum(["OK", "ERROR"]),
  payload: z.unknown().optional(),
  error: z.string().nullish(),
  payload_error: z.string().nullish(),
});
export type FalDelivery = z.infer<typeof Delivery>;

const Jwks = z.object({ keys: z.array(z.object({ kty: z.literal("OKP"), crv: z.literal("Ed25519"), x: z.string().min(1) }).passthrough()) });

export type WebhookVerdict = { ok: true; delivery: FalDelivery; duplicate: boolean } | { ok: false; status: number; reason: string };

export class FalWebhookInbox {
  private keys?: { at: number; keys: crypto.KeyObject[] };
  private readonly deliveries = new Map<string, FalDelivery>();
  /** Every request id ever accepted (fal retries a delivery for 2 h): a repeat is acknowledged, never applied twice. */
  private readonly seen = new Set<string>();

  constructor(private readonly options: { jwksUrl?: string; now?: () => number } = {}) {}

  /** Verifies one POST (headers + the exact body bytes) and keeps it; a second delivery of the same request id changes nothing. */
  async receive(headers: Record<string, string | string[] | undefined>, body: Buffer): Promise<WebhookVerdict> {
    const header = (name: string) => {
      const v = headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const requestId = header("x-fal-webhook-request-id");
    const userId = header("x-fal-webhook-user-id");
    const timestamp = header("x-fal-webhook-timestamp");
    const signature = header("x-fal-webhook-signature");
    if (!requestId || !userId || !timestamp || !signature) return { ok: false, status: 401, reason: "not a signed fal webhook (x-fal-webhook-* headers missing)" };
    const seconds = Number(timestamp);
    const now = (this.options.now?.() ?? Date.now()) / 1000;
    if (!Number.isFinite(seconds) || Math.abs(now - seconds) > MAX_SKEW_S) return { ok: false, status: 401, reason: "the delivery's timestamp is more than 5 minutes off" };
    if (!/^[0-9a-f]+$/i.test(signature)) return { ok: false, status: 401, reason: "the signature is not hex" };
    const message = Buffer.from(`${requestId}\n${userId}\n${timestamp}\n${crypto.createHash("sha256").update(body).digest("hex")}`, "utf8");
    const sig = Buffer.from(signature, "hex");
    let keys: crypto.KeyObject[];
    try {
      keys = await this.publicKeys();
    } catch (error) {
      return { ok: false, status: 503, reason: `fal's signing keys could not be read (${error instanceof Error ? error.message : "error"}); fal retries the delivery` };
    }
    if (!keys.some((key) => crypto.verify(null, message, key, sig))) return { ok: false, status: 401, reason: "the signature does not verify" };
    let parsed: FalDelivery;
    try {
      const json = Delivery.safeParse(JSON.parse(body.toString("utf8")));
      if (!json.success) return { ok: false, status: 400, reason: "the delivery is not in fal's webhook shape" };
      parsed = json.data;
    } catch {
      return { ok: false, status: 400, reason: "the delivery is not JSON" };
    }
    if (parsed.request_id !== requestId) return { ok: false, status: 401, reason: "the signed request id and the body's differ" };
    const duplicate = this.seen.has(requestId);
    if (!duplicate) {
      this.seen.add(requestId);
      this.deliveries.set(requestId, parsed);
    }
    return { ok: true, delivery: this.deliveries.get(requestId) ?? parsed, duplicate };
  }

  /** What fal delivered for a request, if anything. */
  delivered(requestId: string): FalDelivery | undefined {
    return this.deliveries.get(requestId);
  }

  /** The take is delivered: drop the payload, keep the id so a late repeat is still a duplicate. */
  forget(requestId: string): void {
    this.deliveries.delete(requestId);
  }

  private async publicKeys(): Promise<crypto.KeyObject[]> {
    if (this.keys && Date.now() - this.keys.at < JWKS_TTL_MS) return this.keys.keys;
    const res = await fetch(this.options.jwksUrl ?? FAL_JWKS_DEFAULT, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const jwks = Jwks.parse(await res.json());
    const keys = jwks.keys.map((k) => crypto.createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: k.x }, format: "jwk" }));
    this.keys = { at: Date.now(), keys };
    return keys;
  }
}
