import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { makeStillPng, startTestBackend } from "../../../helpers/backend.js";
import { clip, secondsTicks } from "./fake/fakePremiere.js";
import { setupHost } from "./setup.js";

/** Bridge capture in Premiere (fake with the official API's shapes): A, B and the gap from clip items. */
const TOKEN = "bridge-capture-token";
const auth = { authorization: `Bearer ${TOKEN}` };
let backend: Awaited<ReturnType<typeof startTestBackend>>;
let env: Awaited<ReturnType<typeof setupHost>> | undefined;
const FRAME_TICKS = 10_584_000_000n; // one frame at 24 fps

beforeAll(async () => {
  backend = await startTestBackend({ token: TOKEN });
});
afterAll(async () => {
  await backend.close();
});
afterEach(() => env?.cleanup());

const tracks = [{ name: "Video 1", clips: [clip("A", 0, 4), clip("B", 6.5, 10)] }];

describe("host.captureFrame in Bridge mode (Premiere)", () => {
  it("in a gap, exports B's first frame then A's last, and uploads A's with the span naming B's", async () => {
    env = await setupHost({ backendUrl: backend.url, backendToken: TOKEN, fake: { stillPng: makeStillPng(320, 180), sequence: { width: 320, height: 180, playhead: secondsTicks(5), tracks } } });
    const frame = await env.client.call("host.captureFrame", { mode: "bridge" });
    expect(frame.mode).toBe("bridge");
    expect(frame.bridge).toMatchObject({ kind: "gap", trackIndex: 0, a: { name: "A" }, b: { name: "B" }, start: 4, end: 6.5, frames: 60 });
    const exports = env.fake.log.filter((l) => l.startsWith("exportSequenceFrame"));
    expect(exports).toHaveLength(2);
    expect(exports[0]).toContain(` ${secondsTicks(6.5).toString()} `);
    expect(exports[1]).toContain(` ${(secondsTicks(4) - FRAME_TICKS).toString()} `);
    const end = await fetch(`${backend.url}/v1/frames/${frame.bridge!.endFrameId}`, { headers: auth });
    expect(end.status).toBe(200);
    expect(((await end.json()) as { mode: string }).mode).toBe("bridge");
  });

  it("on a cut, covers d around it; off both, says where to park", async () => {
    const cut = [{ name: "Video 1", clips: [clip("A", 0, 5), clip("B", 5, 10)] }];
    env = await setupHost({ backendUrl: backend.url, backendToken: TOKEN, fake: { stillPng: makeStillPng(320, 180), sequence: { width: 320, height: 180, playhead: secondsTicks(5), tracks: cut } } });
    const frame = await env.client.call("host.captureFrame", { mode: "bridge", bridgeSeconds: 3 });
    expect(frame.bridge).toMatchObject({ kind: "cut", start: 3.5, end: 6.5, frames: 72 });
    env.cleanup();
    env = await setupHost({ backendUrl: backend.url, backendToken: TOKEN, fake: { stillPng: makeStillPng(320, 180), sequence: { width: 320, height: 180, playhead: secondsTicks(2), tracks: cut } } });
    await expect(env.client.call("host.captureFrame", { mode: "bridge" })).rejects.toMatchObject({ code: "no_placement", message: expect.stringMatching(/gap between two clips/) });
  });
});
