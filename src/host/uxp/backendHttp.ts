import type { z } from "zod";
import { ApiError } from "../../core/schemas/index.js";
import type { BackendConnection } from "./backendSettings.js";
import { cancelledError } from "./cancel.js";
import { describe, hostError, HostErrorCode } from "./errors.js";
import type { FetchLike } from "./types.js";

/**
 * One place that turns "the backend is down", "it said no" and "it answered garbage" into
 * messages an editor can act on. Every JSON answer is checked with the core zod schema.
 */
export function createBackendHttp(fetchFn: FetchLike, connection: () => Promise<BackendConnection>, onUnreachable?: () => Promise<void>) {
  async function request(path: string, init: Parameters<FetchLike>[1] = {}): Promise<{ response: Response; url: string }> {
    const backend = await connection();
    const url = `${backend.url}${path}`;
    const headers = { ...(init.headers ?? {}), ...(backend.token ? { authorization: `Bearer ${backend.token}` } : {}) };
    let response: Response;
    try {
      response = await fetchFn(url, { ...init, headers });
    } catch (error) {
      if (init.signal?.aborted) throw cancelledError(init.signal, `the request to ${path} was stopped`);
      await onUnreachable?.().catch(() => undefined); // the route is probed again next time
      throw hostError(
        HostErrorCode.backendUnreachable,
        `Retake cannot reach its backend at ${backend.url} (${describe(error)}). Start it (npm start) or fix the URL in Settings.`,
      );
    }
    if (!response.ok) throw await failure(response, backend.url);
    return { response, url };
  }

  async function json<T extends z.ZodType>(schema: T, path: string, init?: Parameters<FetchLike>[1]): Promise<z.infer<T>> {
    const { response } = await request(path, init);
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      throw garbage(path, "not JSON");
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw garbage(path, `${issue?.path.join(".") || "body"}: ${issue?.message ?? "invalid"}`);
    }
    return parsed.data;
  }

  return { request, json };
}
export type BackendHttp = ReturnType<typeof createBackendHttp>;

function garbage(path: string, why: string) {
  return hostError(
    HostErrorCode.backendGarbage,
    `The backend answered ${path} with something Retake does not understand (${why}). Is the URL in Settings a Retake backend of the same version?`,
  );
}

async function failure(response: Response, baseUrl: string) {
  let text = "";
  try {
    text = await response.text();
  } catch {
    // body unreadable: the status says enough
  }
  let parsed: ReturnType<typeof ApiError.safeParse> | undefined;
  try {
    parsed = ApiError.safeParse(JSON.parse(text));
  } catch {
    parsed = undefined;
  }
  if (parsed?.success) {
    const code = response.status === 401 || response.status === 403 ? HostErrorCode.backendUnreachable : HostErrorCode.importFailed;
    const hint = code === HostErrorCode.backendUnreachable ? " Check the token in Settings." : "";
    return hostError(code, `${parsed.data.error.message}${hint}`);
  }
  return hostError(
    response.status >= 500 ? HostErrorCode.backendUnreachable : HostErrorCode.backendGarbage,
    `The backend at ${baseUrl} answered ${response.status} ${response.statusText || ""}`.trim() + " without a Retake error; is it a Retake backend?",
  );
}
