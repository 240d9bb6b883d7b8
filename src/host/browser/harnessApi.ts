import type { z } from "zod";
import { BridgeError } from "../../core/bridge/bridgeClient.js";
import { BridgeErrorCode, ImportTakeResult, type ImportTakeParams } from "../../core/schemas/bridge.js";
import { SequenceColorSpace } from "../../core/schemas/color.js";
import { FrameContext, type PlacementMode } from "../../core/schemas/frameContext.js";
import { ApiError } from "../../core/schemas/job.js";
import { HarnessState } from "./harnessState.js";

/**
 * Typed calls to the dev-harness routes (docs/http-api.md, "Dev-harness routes"). Every answer is
 * parsed with its zod schema; every failure is a BridgeError, so the browser host can hand it to
 * the panel unchanged and the editor reads the server's own message.
 */

export type SequenceUpdate = { colorSpace?: SequenceColorSpace; playheadSeconds?: number };

export interface HarnessApi {
  state(): Promise<HarnessState>;
  updateSequence(update: SequenceUpdate): Promise<HarnessState>;
  capture(mode: PlacementMode, bridgeSeconds?: number): Promise<FrameContext>;
  importTake(params: z.infer<typeof ImportTakeParams>): Promise<ImportTakeResult>;
  reset(): Promise<HarnessState>;
}

/** `baseUrl` is "" for same-origin (the page is served by the backend it talks to). */
export function createHarnessApi(baseUrl = "", fetchImpl: typeof fetch = (...args) => fetch(...args)): HarnessApi {
  async function request<S extends z.ZodType>(method: string, path: string, schema: S, body?: unknown): Promise<z.infer<S>> {
    let response: Response;
    try {
      response = await fetchImpl(`${baseUrl}${path}`, {
        method,
        headers: body === undefined ? undefined : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new BridgeError(
        BridgeErrorCode.backendUnreachable,
        `The Retake backend is not answering (${method} ${path}). Is \`npm start\` still running?`,
      );
    }
    const text = await response.text();
    let json: unknown = undefined;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON (a proxy's HTML error page, say): reported below with the status.
    }
    if (!response.ok) {
      const apiError = ApiError.safeParse(json);
      if (apiError.success) throw new BridgeError(apiError.data.error.code, apiError.data.error.message);
      throw new BridgeError(
        BridgeErrorCode.internal,
        `The harness route ${method} ${path} answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}.`,
      );
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new BridgeError(
        BridgeErrorCode.internal,
        `The harness route ${method} ${path} answered with an unexpected shape (${issue?.path.join(".") || "body"}: ${issue?.message ?? "invalid"}).`,
      );
    }
    return parsed.data;
  }

  return {
    state: () => request("GET", "/harness/state", HarnessState),
    updateSequence: (update) => request("PUT", "/harness/sequence", HarnessState, update),
    capture: (mode, bridgeSeconds) => request("POST", "/harness/capture", FrameContext, { mode, ...(bridgeSeconds !== undefined ? { bridgeSeconds } : {}) }),
    importTake: (params) => request("POST", "/harness/import", ImportTakeResult, params),
    reset: () => request("POST", "/harness/reset", HarnessState),
  };
}
