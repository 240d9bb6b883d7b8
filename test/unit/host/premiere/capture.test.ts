import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { FrameContext } from "../../../../src/core/schemas/index.js";
import { makeStillPng, startTestBackend } from "../../../helpers/backend.js";
import { clip, secondsTicks } from "./fake/fakePremiere.js";
import { listFiles, setupHost } from "./setup.js";

const TOKEN = "capture-test-token";
const auth = { authorization: `Bearer ${TOKEN}` };
let backend: Awaited<ReturnType<typeof startTestBackend>>;
let still: Buffer;
let env: Awaited<ReturnType<typeof setupHost>> | undefined;

beforeAll(async () => {
  backend = await startTestBackend({ token: TOKEN });
  still = makeStillPng(320, 180);
});
afterAll(async () => {
  await backend.close();
});
afterEach(() => env?.cleanup());

const sequence = { width: 320, height: 180, playhead: secondsTicks(1), tracks: [{ name: "Video 1", clips: [clip("Shot", 0, 4)] }] };

describe("host.captureFrame", () => {
  it("copes with the doubled extension, uploads the frame as multipart and cleans the temp folder", async () => {
    env = await setupHost({ backendUrl: backend.url, backendToken: TOKEN, fake: { stillPng: still, sequence } });
    const frame = await env.client.call("host.captureFrame", { mode: "insert" });
    expect(frame.image).toEqual({ width: 320, height: 180, mediaType: "image/png", bytes: still.length });
    expect(frame.sequence.host).toBe("premierepro");
    expect(frame.mode).toBe("insert");
    // The backend holds exactly the pixels Premiere exported.
    const stored = Buffer.from(await (await fetch(`${backend.url}/v1/frames/${frame.frameId}/image`, { headers: auth })).arrayBuffer());
    expect(stored.equals(still)).toBe(true);
    expect(FrameContext.parse(await (await fetch(`${backend.url}/v1/frames/${frame.frameId}`, { headers: auth })).json()).sequence.sequenceName).toBe("Sequence 01");
    expect(env.fake.log.some((l) => /exportSequenceFrame \d+ retake-frame-[a-z0-9-]+\.png 320x180/.test(l))).toBe(true);
    expect(listFiles(env.fs.tempFolder.nativePath)).toEqual([]);
  });

  it("refuses a frame the exporter reported but never wrote", async () => {
    env = await setupHost({ backendUrl: backend.url, backendToken: TOKEN, fake: { stillPng: still, sequence, exportMode: "silent" } });
    await expect(env.client.call("host.captureFrame", { mode: "insert" })).rejects.toMatchObject({
      code: "capture_failed",
      message: expect.stringMatching(/said the frame was exported but wrote no complete image/),
    });
  });

  it("waits for a frame that lands after the export resolved, and cleans it up", async () => {
    env = await setupHost({ backendUrl: backend.url, backendToken: TOKEN, fake: { stillPng: still, sequence, exportDelayMs: 600 } });
    const frame = await env.client.call("host.captureFrame", { mode: "insert" });
    expect(frame.image.bytes).toBe(still.length);
    expect(listFiles(env.fs.tempFolder.nativePath)).toEqual([]);
  });

  it("refuses a frame of another size than the sequence's", async () => {
    env = await setupHost({ backendUrl: backend.url, backendToken: TOKEN, fake: { stillPng: still, sequence: { ...sequence, width: 640, height: 360 } } });
    await expect(env.client.call("host.captureFrame", { mode: "insert" })).rejects.toMatchObject({ code: "capture_failed", message: expect.stringMatching(/320×180 frame for a 640×360 sequence/) });
    expect(listFiles(env.fs.tempFolder.nativePath)).toEqual([]);
  });

  it("in Extend, exports the shot's last frame, not the playhead's", async () => {
    env = await setupHost({ backendUrl: backend.url, backendToken: TOKEN, fake: { stillPng: still, sequence } });
    const frame = await env.client.call("host.captureFrame", { mode: "extend" });
    expect(frame.mode).toBe("extend");
    const lastFrameStart = (secondsTicks(4) - 10_584_000_000n).toString();
    expect(env.fake.log.find((l) => l.startsWith("exportSequenceFrame"))).toContain(` ${lastFrameStart} `);
  });

  it("says what is wrong with an empty sequence, a playhead past the end, or a gap", async () => {
    env = await setupHost({ backendUrl: backend.url, backendToken: TOKEN, fake: { stillPng: still, sequence: { ...sequence, tracks: [{ name: "Video 1", clips: [] }] } } });
    await expect(env.client.call("host.captureFrame", { mode: "insert" })).rejects.toMatchObject({ code: "no_clips", message: expect.stringMatching(/has no clips/) });
    env.cleanup();
    env = await setupHost({ backendUrl: backend.url, backendToken: TOKEN, fake: { stillPng: still, sequence: { ...sequence, playhead: secondsTicks(7) } } });
    await expect(env.client.call("host.captureFrame", { mode: "insert" })).rejects.toMatchObject({ code: "playhead_beyond_end", message: expect.stringMatching(/past the end/) });
    env.cleanup();
    env = await setupHost({ backendUrl: backend.url, backendToken: TOKEN, fake: { stillPng: still, sequence: { ...sequence, playhead: secondsTicks(5), tracks: [{ name: "Video 1", clips: [clip("A", 0, 4), clip("B", 6, 8)] }] } } });
    await expect(env.client.call("host.captureFrame", { mode: "extend" })).rejects.toMatchObject({ code: "no_placement", message: expect.stringMatching(/No shot under the playhead/) });
    expect(env.fake.log.filter((l) => l.startsWith("exportSequenceFrame"))).toEqual([]);
  });

  it("a missing or wrong token says to check Settings", async () => {
    env = await setupHost({ backendUrl: backend.url, backendToken: "not-the-token", fake: { stillPng: still, sequence } });
    await expect(env.client.call("host.captureFrame", { mode: "insert" })).rejects.toMatchObject({
      code: "backend_unreachable",
      message: expect.stringMatching(/token is wrong.*Check the token in Settings/),
    });
  });

  it("tells a backend that is down from one that answers garbage", async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((r) => closed.close(() => r()));
    env = await setupHost({ backendUrl: deadUrl, fake: { stillPng: still, sequence } });
    await expect(env.client.call("host.captureFrame", { mode: "insert" })).rejects.toMatchObject({
      code: "backend_unreachable",
      message: expect.stringContaining(`cannot reach its backend at ${deadUrl}`),
    });
    env.cleanup();

    const garbage = http.createServer((_req, res) => res.writeHead(201, { "content-type": "application/json" }).end('{"hello":"world"}'));
    await new Promise<void>((r) => garbage.listen(0, "127.0.0.1", r));
    try {
      env = await setupHost({ backendUrl: `http://127.0.0.1:${(garbage.address() as AddressInfo).port}`, fake: { stillPng: still, sequence } });
      await expect(env.client.call("host.captureFrame", { mode: "insert" })).rejects.toMatchObject({
        code: "backend_garbage",
        message: expect.stringMatching(/does not understand/),
      });
    } finally {
      await new Promise<void>((r) => garbage.close(() => r()));
    }
  });
});
