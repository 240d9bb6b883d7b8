import {
  BridgeErrorCode,
  BridgeMethods,
  BridgeResponse,
  type BridgeMethod,
  type BridgeParams,
  type BridgeRequest,
  type BridgeResult,
} from "../schemas/bridge.js";

/** How a bridge endpoint sends and receives raw messages (postMessage in a webview or iframe). */
export interface BridgeTransport {
  send(message: unknown): void;
  /** Subscribe to incoming messages; returns an unsubscribe function. */
  onMessage(listener: (message: unknown) => void): () => void;
}

/** A structured bridge failure: `code` for the program, `message` for the editor. */
export class BridgeError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "BridgeError";
  }
}

/** Per-method timeouts: capture and import involve renders and downloads, context is instant. */
const DEFAULT_TIMEOUTS_MS: Partial<Record<BridgeMethod, number>> = {
  "host.context": 10_000,
  "host.captureFrame": 60_000,
  "host.importTake": 15 * 60_000,
  // A folder picker waits on the editor; the host gives up a little earlier with a clear error.
  "host.pickMediaFolder": 11 * 60_000,
};

export interface BridgeClientOptions {
  timeoutsMs?: Partial<Record<BridgeMethod, number>>;
  defaultTimeoutMs?: number;
  newId?: () => string;
}

/**
 * The UI's side of the bridge. Params are checked before sending and results after receiving,
 * so a host that answers with the wrong shape is a clear error rather than a crash later.
 */
export function createBridgeClient(transport: BridgeTransport, options: BridgeClientOptions = {}) {
  let counter = 0;
  const newId = options.newId ?? (() => `req-${Date.now().toString(36)}-${(counter++).toString(36)}`);
  const pending = new Map<string, { resolve: (value: unknown) => void; reject: (error: BridgeError) => void }>();

  const unsubscribe = transport.onMessage((raw) => {
    const parsed = BridgeResponse.safeParse(raw);
    if (!parsed.success) return; // not a bridge response (other messages share the channel)
    const entry = pending.get(parsed.data.id);
    if (!entry) return;
    pending.delete(parsed.data.id);
    if ("error" in parsed.data) entry.reject(new BridgeError(parsed.data.error.code, parsed.data.error.message));
    else entry.resolve(parsed.data.result);
  });

  async function call<M extends BridgeMethod>(method: M, params?: BridgeParams<M>): Promise<BridgeResult<M>> {
    const spec = BridgeMethods[method];
    const checkedParams = spec.params.safeParse(params ?? {});
    if (!checkedParams.success) {
      throw new BridgeError(BridgeErrorCode.badRequest, `${method}: ${checkedParams.error.issues[0]?.message ?? "invalid params"}`);
    }
    const id = newId();
    const timeoutMs = options.timeoutsMs?.[method] ?? DEFAULT_TIMEOUTS_MS[method] ?? options.defaultTimeoutMs ?? 30_000;
    const raw = await new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new BridgeError(BridgeErrorCode.timeout, `The host did not answer ${method} within ${Math.round(timeoutMs / 1000)} s.`));
      }, timeoutMs);
      pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      const request: BridgeRequest = { id, method, params: checkedParams.data };
      transport.send(request);
    });
    const checkedResult = spec.result.safeParse(raw);
    if (!checkedResult.success) {
      const issue = checkedResult.error.issues[0];
      throw new BridgeError(
        BridgeErrorCode.internal,
        `The host answered ${method} with an unexpected shape (${issue?.path.join(".") || "result"}: ${issue?.message ?? "invalid"}).`,
      );
    }
    return checkedResult.data as BridgeResult<M>;
  }

  function dispose() {
    unsubscribe();
    for (const [id, entry] of pending) {
      entry.reject(new BridgeError(BridgeErrorCode.internal, "The panel closed the bridge."));
      pending.delete(id);
    }
  }

  return { call, dispose };
}
export type BridgeClient = ReturnType<typeof createBridgeClient>;
