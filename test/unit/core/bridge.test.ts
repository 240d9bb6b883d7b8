import { describe, expect, it } from "vitest";
import { BridgeError, createBridgeClient, serveBridge } from "../../../src/core/bridge/index.js";
import type { SequenceContext } from "../../../src/core/schemas/index.js";
import { bridgePipe } from "../../helpers/bridgePipe.js";


const context: SequenceContext = {
  host: "browser",
  projectName: "P",
  sequenceName: "S",
  frameSize: { width: 1920, height: 1080 },
  pixelAspect: 1,
  frameRate: { num: 24, den: 1 },
  dropFrame: false,
  colorSpace: "rec709",
  playhead: { ticks: "0", seconds: 0, frame: 0, timecode: "00:00:00:00" },
  durationSeconds: 10,
  videoTracks: [],
};

describe("bridge", () => {
  it("round-trips a call with validated params and result", async () => {
    const [ui, host] = bridgePipe();
    serveBridge(host, { "host.context": async () => context });
    const client = createBridgeClient(ui);
    await expect(client.call("host.context")).resolves.toEqual(context);
  });

  it("turns a handler's failure into a structured error with the host's message", async () => {
    const [ui, host] = bridgePipe();
    serveBridge(host, {
      "host.context": async () => {
        throw new BridgeError("no_sequence", "Open a sequence in Premiere, then capture again.");
      },
    });
    const client = createBridgeClient(ui);
    await expect(client.call("host.context")).rejects.toMatchObject({ code: "no_sequence", message: /Open a sequence/ });
  });

  it("rejects a result of the wrong shape instead of passing it on", async () => {
    const [ui, host] = bridgePipe();
    // A host that lies about its result: serveBridge itself checks, so fake a raw responder.
    host.onMessage((raw) => {
      const req = raw as { id: string };
      host.send({ id: req.id, result: { sequenceName: 42 } });
    });
    const client = createBridgeClient(ui);
    await expect(client.call("host.context")).rejects.toMatchObject({ code: "internal", message: /unexpected shape/ });
  });

  it("answers unknown methods and bad params with clear codes", async () => {
    const [ui, host] = bridgePipe();
    serveBridge(host, {});
    const client = createBridgeClient(ui);
    await expect(client.call("host.context")).rejects.toMatchObject({ code: "unknown_method" });
    await expect(client.call("host.importTake", { jobId: "j" } as never)).rejects.toMatchObject({ code: "bad_request" });
  });

  it("times out a host that never answers, naming the method", async () => {
    const [ui] = bridgePipe();
    const client = createBridgeClient(ui, { timeoutsMs: { "host.context": 30 } });
    await expect(client.call("host.context")).rejects.toMatchObject({ code: "timeout", message: /host\.context/ });
  });
});
