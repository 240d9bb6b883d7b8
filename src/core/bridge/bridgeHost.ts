import {
  BridgeErrorCode,
  BridgeMethods,
  BridgeRequest,
  type BridgeMethod,
  type BridgeResponse,
  type BridgeResult,
} from "../schemas/bridge.js";
import { BridgeError, type BridgeTransport } from "./bridgeClient.js";
import type { z } from "zod";

/** A host adapter: one handler per bridge method, receiving already-validated params. */
export type HostHandlers = {
  [M in BridgeMethod]?: (params: z.infer<(typeof BridgeMethods)[M]["params"]>) => Promise<BridgeResult<M>>;
};

/**
 * The host's side of the bridge (UXP shell or browser harness). Checks each request, runs the
 * handler, checks the result against the schema and always answers: a handler that throws
 * becomes `{error: {code, message}}`, never a silent drop.
 */
export function serveBridge(transport: BridgeTransport, handlers: HostHandlers): () => void {
  return transport.onMessage(async (raw) => {
    const request = BridgeRequest.safeParse(raw);
    if (!request.success) return; // not a bridge request
    const { id, method, params } = request.data;
    const reply = (response: BridgeResponse) => transport.send(response);
    const spec = (BridgeMethods as Record<string, (typeof BridgeMethods)[BridgeMethod]>)[method];
    const handler = (handlers as Record<string, ((p: unknown) => Promise<unknown>) | undefined>)[method];
    if (!spec || !handler) {
      reply({ id, error: { code: BridgeErrorCode.unknownMethod, message: `This host does not support ${method}.` } });
      return;
    }
    const checked = spec.params.safeParse(params);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      reply({
        id,
        error: { code: BridgeErrorCode.badRequest, message: `${method}: ${issue?.path.join(".") || "params"} ${issue?.message ?? "invalid"}` },
      });
      return;
    }
    try {
      const result = await handler(checked.data);
      const out = spec.result.safeParse(result);
      if (!out.success) {
        const issue = out.error.issues[0];
        reply({
          id,
          error: { code: BridgeErrorCode.internal, message: `${method} produced an invalid result (${issue?.path.join(".")}: ${issue?.message}).` },
        });
        return;
      }
      reply({ id, result: out.data });
    } catch (error) {
      if (error instanceof BridgeError) reply({ id, error: { code: error.code, message: error.message } });
      else reply({ id, error: { code: BridgeErrorCode.internal, message: error instanceof Error ? error.message : String(error) } });
    }
  });
}
