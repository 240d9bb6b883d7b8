import type { ModeLimits, Money, ProviderInfo } from "../../core/schemas/index.js";
import type { Provider, ProviderStatus, SubmitInput } from "../providers/provider.js";

/**
 * What the director understands beyond the base Provider interface (provider.ts), for hosted,
 * paid providers. Every member is optional, so previz and any other provider keep working.
 */
export interface SubmitExtras {
  /** Finals: also deliver an EXR master where the provider can. */
  exr: boolean;
}

export type HostedSubmitInput = SubmitInput & SubmitExtras;

/** A status that may carry what the provider actually charged (Runway's task `cost.credits`). */
export interface HostedStatus extends ProviderStatus {
  actualCost?: Money;
  /** `retryable`: sending the same take again may well work (a transient provider failure). */
  failure?: { code: string; message: string; raw?: string; retryable?: boolean };
}

export interface HostedProviderExtras {
  /** A failed generation costs nothing (Luma refunds failures). */
  readonly refundsFailures?: boolean;
  /** What a canceled take's card says, where the provider's cancel is only a request (fal). */
  readonly cancelMessage?: string;
}

/**
 * A failure a provider can name: the code the panel shows, whether sending the take again may
 * work, and (for 429) how long to wait. Messages never contain keys or inline media.
 */
export class ProviderRequestError extends Error {
  override name = "ProviderRequestError";
  constructor(
    readonly code: string,
    message: string,
    readonly options: { status?: number; retryable?: boolean; retryAfterMs?: number; raw?: string } = {},
  ) {
    super(message);
  }
  get retryable(): boolean {
    return this.options.retryable ?? false;
  }
}

export function cancelMessage(provider: Provider | undefined): string {
  return (provider as (Provider & HostedProviderExtras) | undefined)?.cancelMessage ?? "Canceled";
}

export function refundsFailures(provider: Provider): boolean {
  return (provider as Provider & HostedProviderExtras).refundsFailures === true;
}

/** The limits for one mode, when the provider declares them. */
export function limitsFor(info: ProviderInfo, mode: "draft" | "final"): ModeLimits | undefined {
  return info.capabilities.limits?.[mode];
}

/** Why a request does not fit the provider's declared limits, in the editor's words; undefined if it fits. */
export function checkAgainstLimits(info: ProviderInfo, request: { mode: "draft" | "final"; duration: number; exr?: boolean }): { message: string; field: string } | undefined {
  const limits = limitsFor(info, request.mode);
  if (!limits) return undefined;
  const { min, max } = limits.durations;
  if (request.duration < min - 1e-9 || request.duration > max + 1e-9) {
    return {
      field: "duration",
      message: `${info.label} ${request.mode}s last ${min === max ? `${max} s` : `${min}–${max} s`}${limits.note ? ` (${limits.note})` : ""}; ${request.duration} s was asked.`,
    };
  }
  if (request.exr && !limits.exr) {
    return { field: "exr", message: `${info.label} cannot deliver EXR for ${request.mode} takes.` };
  }
  return undefined;
}
