import type { HostHandlers } from "../../core/bridge/index.js";
import type { BridgeMethod } from "../../core/schemas/bridge.js";
import { HOST_TIMEOUTS_MS, withStepTimeouts, type StepWords } from "../uxp/handlerTimeouts.js";

const AE_STEPS: StepWords = {
  app: "After Effects",
  steps: {
    "host.context": "describe the composition",
    "host.backend": "read the backend settings",
    "host.captureFrame": "render the frame",
    "host.importTake": "import the take",
    "host.cancelImport": "cancel the import",
    "host.pickMediaFolder": "pick the media folder",
    "host.setSequenceColorSpace": "set the delivery color space",
    "host.openExternal": "open the link in the browser",
    "host.secrets.get": "read secure storage",
    "host.secrets.set": "write secure storage",
  },
};

/** The After Effects host's handlers with deadlines ("After Effects did not render the frame within 55 s."). */
export function withTimeouts(handlers: HostHandlers, timeouts: Partial<Record<BridgeMethod, number>> = HOST_TIMEOUTS_MS): HostHandlers {
  return withStepTimeouts(handlers, AE_STEPS, timeouts);
}
