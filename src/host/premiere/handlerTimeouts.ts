import type { HostHandlers } from "../../core/bridge/index.js";
import type { BridgeMethod } from "../../core/schemas/bridge.js";
import { HOST_TIMEOUTS_MS, withStepTimeouts, type StepWords } from "../uxp/handlerTimeouts.js";

export { HOST_TIMEOUTS_MS };

const PREMIERE_STEPS: StepWords = {
  app: "Premiere",
  steps: {
    "host.context": "describe the sequence",
    "host.backend": "read the backend settings",
    "host.captureFrame": "export the frame",
    "host.importTake": "import the take",
    "host.cancelImport": "cancel the import",
    "host.pickMediaFolder": "pick the media folder",
    "host.setSequenceColorSpace": "set the sequence's color space",
    "host.openExternal": "open the link in the browser",
    "host.secrets.get": "read secure storage",
    "host.secrets.set": "write secure storage",
  },
};

/** The Premiere host's handlers with deadlines ("Premiere did not export the frame within 55 s."). */
export function withTimeouts(handlers: HostHandlers, timeouts: Partial<Record<BridgeMethod, number>> = HOST_TIMEOUTS_MS): HostHandlers {
  return withStepTimeouts(handlers, PREMIERE_STEPS, timeouts);
}
