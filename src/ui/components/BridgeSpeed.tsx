import { BRIDGE_SPEED_WARN, speedWords } from "../../core/bridgeFit.js";
import type { BridgeRetime } from "../../core/schemas/index.js";

/** A bridge take's fit on the card: generated length, placed length and the speed change. */
export function BridgeSpeed({ retime }: { retime: BridgeRetime }) {
  const warn = Math.abs(retime.speed - 1) > BRIDGE_SPEED_WARN + 1e-9;
  return (
    <>
      <dt>Speed</dt>
      <dd className={warn ? "text-warning" : ""} data-testid="bridge-speed">
        {speedWords(retime.speed)} ({retime.generatedFrames} generated frames fitted to {retime.placedFrames}; first and last kept)
      </dd>
    </>
  );
}
