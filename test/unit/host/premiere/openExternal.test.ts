import { afterEach, describe, expect, it } from "vitest";
import { setupHost } from "./setup.js";

let env: Awaited<ReturnType<typeof setupHost>> | undefined;
afterEach(() => env?.cleanup());

describe("host.openExternal (links the webview cannot follow)", () => {
  it("opens an https link in the system browser through uxp.shell", async () => {
    env = await setupHost();
    expect(await env.client.call("host.openExternal", { url: "https://127.0.0.1:5178/v1/artifacts/a1" })).toEqual({ ok: true });
    expect(env.opened).toEqual(["https://127.0.0.1:5178/v1/artifacts/a1"]);
  });

  it("refuses file: and other schemes with a clear error, launching nothing", async () => {
    env = await setupHost();
    await expect(env.client.call("host.openExternal", { url: "file:///etc/passwd" })).rejects.toThrow(/only http and https/);
    await expect(env.client.call("host.openExternal", { url: "not a url" })).rejects.toThrow(/not a URL/);
    expect(env.opened).toEqual([]);
  });
});
