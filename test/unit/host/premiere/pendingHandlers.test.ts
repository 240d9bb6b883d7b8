import fs from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Job } from "../../../../src/core/schemas/index.js";
import { pickMediaFolder, setSequenceColorSpace } from "../../../../src/host/premiere/pendingHandlers.js";
import { createSecrets } from "../../../../src/host/uxp/secrets.js";
import { startTestBackend } from "../../../helpers/backend.js";
import { finishedJob } from "./backendJobs.js";
import { clip, secondsTicks } from "./fake/fakePremiere.js";
import { listFiles, setupHost } from "./setup.js";

const TOKEN = "pending-test-token";
let backend: Awaited<ReturnType<typeof startTestBackend>>;
let job: Job;
let env: Awaited<ReturnType<typeof setupHost>> | undefined;

beforeAll(async () => {
  backend = await startTestBackend({ token: TOKEN });
  job = await finishedJob(backend.url, TOKEN, { colorSpace: "rec2100-hlg" });
}, 90_000);
afterAll(async () => {
  await backend.close();
});
afterEach(() => env?.cleanup());

describe("host actions waiting for their bridge methods", () => {
  it("a picked media folder is remembered and imports go there; cancelling keeps it", async () => {
    env = await setupHost({ backendUrl: backend.url, backendToken: TOKEN, fake: { sequence: { properties: { "Retake.ColorSpace": "rec2100-hlg" }, playhead: secondsTicks(1), tracks: [{ name: "Video 1", clips: [clip("A", 0, 8)] }] } } });
    const picked = path.join(env.root, "Shared media");
    fs.mkdirSync(picked);
    env.picker.next = { name: "Shared media", nativePath: picked, url: "(the fake picker answers a percent-encoded url)" };
    const secrets = createSecrets(env.uxp);
    expect(await pickMediaFolder({ uxp: env.uxp, secrets })).toEqual({ path: picked });
    env.picker.next = null;
    expect(await pickMediaFolder({ uxp: env.uxp, secrets })).toEqual({ path: null });
    const result = await env.client.call("host.importTake", { jobId: job.id, takeId: job.takes[0]!.id, mode: "insert" });
    expect(path.dirname(result.mediaPath)).toBe(picked);
    expect(result.colorTags.colorSpace).toBe("rec2100-hlg");
    expect(listFiles(env.mediaDir)).toEqual([]);
  });

  it("a picked folder that secure storage lost is said, not silently swapped for the folder beside the project", async () => {
    env = await setupHost({ backendUrl: backend.url, backendToken: TOKEN, fake: { sequence: { properties: { "Retake.ColorSpace": "rec2100-hlg" }, playhead: secondsTicks(1), tracks: [{ name: "Video 1", clips: [clip("A", 0, 8)] }] } } });
    const picked = path.join(env.root, "Shared media");
    fs.mkdirSync(picked);
    env.picker.next = { name: "Shared media", nativePath: picked, url: "(unused)" };
    expect(await env.client.call("host.pickMediaFolder")).toEqual({ path: picked });
    env.lose(); // an OS keychain reset: the token, the backend URL and its token are gone
    const handlers = env.handlers;
    await handlers["host.secrets.set"]!({ key: "backend.url", value: backend.url });
    await handlers["host.secrets.set"]!({ key: "backend.token", value: TOKEN });
    await expect(env.client.call("host.importTake", { jobId: job.id, takeId: job.takes[0]!.id, mode: "insert" })).rejects.toMatchObject({
      code: "media_folder",
      message: expect.stringContaining(`(${picked}) was forgotten`),
    });
    expect(listFiles(env.mediaDir)).toEqual([]);
  });

  it("the sequence color space is stored on the sequence in one undoable step and read back by host.context", async () => {
    // An undo made in Premiere is seen at the next full read (contextMaxAgeMs; 0 here, 5 s in use).
    env = await setupHost({ contextMaxAgeMs: 0 });
    expect((await env.client.call("host.context")).colorSpace).toBe("rec709");
    const context = await env.client.call("host.setSequenceColorSpace", { colorSpace: "rec2100-pq" });
    expect(context.colorSpace).toBe("rec2100-pq");
    expect((await env.client.call("host.context")).colorSpace).toBe("rec2100-pq");
    expect(env.fake.undoLabels).toEqual(["Retake: sequence color space"]);
    env.fake.undo();
    expect((await env.client.call("host.context")).colorSpace).toBe("rec709");
  });
});
