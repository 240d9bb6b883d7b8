import { ApiError, createFalClient, ValidationError, type FalClient } from "@fal-ai/client";
import { ProviderRequestError } from "../../director/providerExtras.js";

/** The hosts @fal-ai/client 1.10.1 hard-codes (src/request.js buildUrl, src/config.js getRestApiUrl). */
export const FAL_QUEUE_DEFAULT = "https://queue.fal.run";
export const FAL_REST_DEFAULT = "https://rest.fal.ai";
export const FAL_API_DEFAULT = "https://api.fal.ai";

export interface FalUrls {
  queueUrl: string;
  restUrl: string;
}

/**
 * The official client, with its hosts rewritten to FAL_QUEUE_URL / FAL_REST_URL so a proxy or a
 * stand-in (msw in the contract tests) can answer. The client has no base-URL option: its
 * `proxyUrl` sends everything to one URL with an x-fal-target-url header (a proxy protocol, not a
 * stand-in), so a request middleware swaps the origin instead. The client's own retries
 * (429/502/503/504 and network errors, 3× with backoff; src/retry.js) stay on.
 */
export function makeFalClient(key: string, urls: FalUrls): FalClient {
  const rewrite = (url: string): string => {
    if (url.startsWith(FAL_QUEUE_DEFAULT)) return trimSlash(urls.queueUrl) + url.slice(FAL_QUEUE_DEFAULT.length);
    if (url.startsWith(FAL_REST_DEFAULT)) return trimSlash(urls.restUrl) + url.slice(FAL_REST_DEFAULT.length);
    return url;
  };
  return createFalClient({
    credentials: key,
    suppressLocalCredentialsWarning: true,
    requestMiddleware: async (request) => ({ ...request, url: rewrite(request.url) }),
  });
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}

/**
 * A fal client error as an editor-readable ProviderRequestError. A 422 names the fields fal
 * refused (Pydantic's `detail[].loc`), so the editor knows what to change. The key is never in
 * a message: the client's errors carry only status, body and request id.
 */
export function falError(error: unknown, what: string): ProviderRequestError {
  if (error instanceof ProviderRequestError) return error;
  if (error instanceof ValidationError) {
    const fields = error.fieldErrors.map((e) => `${e.loc.filter((l) => l !== "body").join(".") || "input"}: ${e.msg}`);
    return new ProviderRequestError("invalid_request", `fal refused ${what} (422): ${fields.join("; ") || error.message}. Change that setting or pick another model.`, {
      status: 422,
      raw: JSON.stringify(error.body).slice(0, 1000),
    });
  }
  if (error instanceof ApiError) {
    const status = error.status;
    const detail = detailOf(error.body);
    const said = detail ? ` fal said: ${detail.slice(0, 300)}` : "";
    if (status === 401) return new ProviderRequestError("unauthorized", "fal refused the key (401): check FAL_KEY (fal.ai dashboard → API keys) and restart the backend.", { status });
    if (status === 402 || (status === 403 && /balance|credit|locked/i.test(detail))) {
      return new ProviderRequestError("insufficient_credits", `Your fal balance is too low for ${what} (${status}): add credits at fal.ai/dashboard/billing, then retry.${said}`, { status, retryable: true });
    }
    if (status === 403) return new ProviderRequestError("forbidden", `fal refused access to ${what} (403).${said}`, { status });
    if (status === 404) return new ProviderRequestError("not_found", `fal does not know ${what} (404); the request may have expired from its queue.`, { status });
    if (status === 429) return new ProviderRequestError("rate_limited", "fal's limit is reached (429); retry shortly.", { status, retryable: true });
    if (error.isUserTimeout) return new ProviderRequestError("start_timeout", `fal could not start ${what} in time (504).`, { status, retryable: true });
    if (status >= 500) return new ProviderRequestError("provider_unavailable", `fal answered HTTP ${status} for ${what}.${said}`, { status, retryable: true });
    return new ProviderRequestError("provider_error", `fal answered HTTP ${status} for ${what}.${said}`, { status, raw: detail || undefined });
  }
  if (error instanceof TypeError) return new ProviderRequestError("provider_unreachable", `fal could not be reached for ${what}.`, { retryable: true });
  return new ProviderRequestError("provider_error", `${what} failed at fal: ${error instanceof Error ? error.message : String(error)}`);
}

/** fal's error bodies: `{detail: string}`, `{detail: [{loc, msg}]}` or `{message}`. */
export function detailOf(body: unknown): string {
  if (!body || typeof body !== "object") return typeof body === "string" ? body : "";
  const b = body as { detail?: unknown; message?: unknown; error?: unknown };
  if (typeof b.detail === "string") return b.detail;
  if (Array.isArray(b.detail)) {
    return b.detail
      .map((d: { loc?: unknown[]; msg?: string }) => `${(d.loc ?? []).filter((l) => l !== "body").join(".")}: ${d.msg ?? ""}`)
      .join("; ");
  }
  if (typeof b.message === "string") return b.message;
  if (typeof b.error === "string") return b.error;
  return "";
}
