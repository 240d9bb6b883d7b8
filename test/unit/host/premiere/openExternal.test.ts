import fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { createPanelController } from "../../../../src/ui/controller/createPanelController.js";
import { createPanelStore } from "../../../../src/ui/state/createPanelStore.js";
import { startTestBackend } from "../../../helpers/backend.js";
import { finishedJob } from "./backendJobs.js";
import { setupHost } from "./setup.js";

let env: Awaited<ReturnType<typeof setupHost>> | undefined;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  env?.cleanup();
  env = undefined;
  for (const c of cleanups.splice(0)) await c();
});

describe("host.openExternal (links the webview cannot follow)", () => {
  it("opens an https link in the system browser through uxp.shell", async () => {
    env = await setupHost();
    expect(await env.client.call("host.openExternal", { url: "https://127.0.0.1:5178/v1/artifacts/a1" })).toEqual({ ok: true });
    expect(env.opened).toEqual(["https://127.0.0.1:5178/v1/artifacts/a1"]);
  });

  it("asks the editor's consent in words that say what opens: a take's file, or the studio's sign-in page", async () => {
    env = await setupHost();
    await env.client.call("host.openExternal", { url: "https://127.0.0.1:5178/v1/artifacts/a1" });
    await env.client.call("host.openExternal", { url: "https://retake.studio.test/auth/login?pair=abc", purpose: "signIn" });
    expect(env.consent).toEqual(["Retake opens this take's file in your browser.", "Retake opens your studio's sign-in page in your browser."]);
  });

  it("refuses file: and other schemes with a clear error, launching nothing", async () => {
    env = await setupHost();
    await expect(env.client.call("host.openExternal", { url: "file:///etc/passwd" })).rejects.toThrow(/only http and https/);
    await expect(env.client.call("host.openExternal", { url: "not a url" })).rejects.toThrow(/not a URL/);
    expect(env.opened).toEqual([]);
  });

  it("a take's file opened from the panel reaches the browser as a signed link that plays without the token", async () => {
    const token = "premiere-open-token-0123456789";
    const backend = await startTestBackend({ token });
    cleanups.push(async () => {
      await backend.close();
      fs.rmSync(backend.dataDir, { recursive: true, force: true });
    });
    const master = (await finishedJob(backend.url, token)).takes[0]!.outputs.master!;
    env = await setupHost({ backendUrl: backend.url, backendToken: token });
    const controller = createPanelController({ bridge: env.client, store: createPanelStore() });
    cleanups.push(() => controller.dispose());
    await controller.connect();

    const { url, opened } = await controller.openArtifact(master.id);
    expect(opened).toBe(true);
    expect(env.opened).toEqual([url]);
    expect(url).not.toContain(token);
    // What the system browser does with it: no token, no cookie, just the URL; and seeking (Range).
    const whole = await fetch(env.opened[0]!);
    expect(whole.status).toBe(200);
    expect(whole.headers.get("content-type")).toBe(master.mediaType);
    expect((await whole.arrayBuffer()).byteLength).toBe(master.bytes);
    const seek = await fetch(env.opened[0]!, { headers: { range: "bytes=1000-" } });
    expect(seek.status).toBe(206);
    expect((await seek.arrayBuffer()).byteLength).toBe(master.bytes - 1000);
    // The same address without the signature is what the browser used to get: refused.
    expect((await fetch(url.split("?")[0]!)).status).toBe(401);
  });

  it("says why a file cannot be opened when the backend refuses the link, and opens nothing", async () => {
    const token = "premiere-open-token-0123456789";
    const backend = await startTestBackend({ token });
    cleanups.push(async () => {
      await backend.close();
      fs.rmSync(backend.dataDir, { recursive: true, force: true });
    });
    env = await setupHost({ backendUrl: backend.url, backendToken: token });
    const controller = createPanelController({ bridge: env.client, store: createPanelStore() });
    cleanups.push(() => controller.dispose());
    await controller.connect();
    await expect(controller.openArtifact("art_gone")).rejects.toThrow(/No artifact art_gone/);
    expect(env.opened).toEqual([]);
  });
});
