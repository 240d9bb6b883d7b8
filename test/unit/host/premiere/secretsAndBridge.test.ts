import { afterEach, describe, expect, it } from "vitest";
import { createBridgeClient, serveBridge } from "../../../../src/core/bridge/index.js";
import { utf8Decode, utf8Encode } from "../../../../src/host/uxp/bytes.js";
import { withTimeouts } from "../../../../src/host/premiere/handlerTimeouts.js";
import { createWebviewTransport, type MessageTarget } from "../../../../src/host/uxp/webviewTransport.js";
import { setupHost } from "./setup.js";

let env: Awaited<ReturnType<typeof setupHost>> | undefined;
afterEach(() => env?.cleanup());

describe("host.secrets and host.backend", () => {
  it("round-trips secrets through secure storage bytes, decoded without TextDecoder", async () => {
    env = await setupHost();
    const value = "sk-ünïcødé-密钥-🎬";
    // UXP has neither TextDecoder nor (promised) TextEncoder: take Node's away for the round trip,
    // so an adapter that reaches for them fails here as it would in Premiere.
    const { TextDecoder: decoder, TextEncoder: encoder } = globalThis;
    Reflect.deleteProperty(globalThis, "TextDecoder");
    Reflect.deleteProperty(globalThis, "TextEncoder");
    try {
      expect(typeof (globalThis as { TextDecoder?: unknown }).TextDecoder).toBe("undefined");
      await env.client.call("host.secrets.set", { key: "luma.key", value });
      expect(env.store.get("luma.key")).toEqual(Uint8Array.from(Buffer.from(value, "utf8")));
      expect(await env.client.call("host.secrets.get", { key: "luma.key" })).toEqual({ value });
      await env.client.call("host.secrets.set", { key: "luma.key", value: null });
      expect(await env.client.call("host.secrets.get", { key: "luma.key" })).toEqual({ value: null });
    } finally {
      Object.assign(globalThis, { TextDecoder: decoder, TextEncoder: encoder });
    }
  });

  it("after an OS account change (storage lost) keys read as null and the backend falls back to loopback", async () => {
    env = await setupHost({ backendUrl: "http://10.0.0.5:5177/", backendToken: "t0k" });
    expect(await env.client.call("host.backend")).toEqual({ url: "http://10.0.0.5:5177", token: "t0k" });
    env.lose();
    expect(await env.client.call("host.secrets.get", { key: "backend.token" })).toEqual({ value: null });
    expect(await env.client.call("host.backend")).toEqual({ url: "http://127.0.0.1:5177" });
  });

  it("utf8 encode/decode agree with Node on awkward input", () => {
    for (const s of ["", "a", "é", "€", "𝄞", "mixed 🎥 text ✓"]) {
      expect(Buffer.from(utf8Encode(s)).equals(Buffer.from(s, "utf8"))).toBe(true);
      expect(utf8Decode(Uint8Array.from(Buffer.from(s, "utf8")))).toBe(s);
    }
    expect(utf8Decode(Uint8Array.from([0x61, 0xff, 0x62]))).toBe("a\ufffdb");
  });
});

describe("webview bridge (shell side)", () => {
  /** A webview and the plugin window as UXP presents them: strings in, objects out. */
  function fakeWebview() {
    const toPage: unknown[] = [];
    const listeners = new Set<(e: { data: unknown }) => void>();
    const target: MessageTarget = { addEventListener: (_t, l) => listeners.add(l), removeEventListener: (_t, l) => listeners.delete(l) };
    const pageListeners = new Set<(m: unknown) => void>();
    return {
      webview: { postMessage: (m: unknown) => (toPage.push(m), queueMicrotask(() => pageListeners.forEach((l) => l(JSON.parse(JSON.stringify(m)))))) },
      target,
      toPage,
      // The page's side: window.uxpHost.postMessage delivers a JSON string to the plugin window.
      page: {
        send: (m: unknown) => queueMicrotask(() => listeners.forEach((l) => l({ data: JSON.stringify(m) }))),
        onMessage: (l: (m: unknown) => void) => (pageListeners.add(l), () => pageListeners.delete(l)),
      },
    };
  }

  it("serves host.context to the panel over the webview, and refuses oversized answers with a structured error", async () => {
    env = await setupHost();
    const wv = fakeWebview();
    const stop = serveBridge(createWebviewTransport(wv.webview, wv.target, 4096), {
      ...withTimeouts(env.handlers),
      "host.secrets.get": async () => ({ value: "x".repeat(10_000) }),
    });
    const client = createBridgeClient(wv.page);
    try {
      const ctx = await client.call("host.context");
      expect(ctx.host).toBe("premierepro");
      await expect(client.call("host.secrets.get", { key: "big" })).rejects.toMatchObject({ code: "internal", message: expect.stringMatching(/over the bridge's 4 KB limit/) });
    } finally {
      stop();
      client.dispose();
    }
  });

  it("a host call that hangs answers with a timeout naming the step", async () => {
    const handlers = withTimeouts({ "host.context": () => new Promise(() => undefined) }, { "host.context": 50 });
    await expect(handlers["host.context"]!({})).rejects.toMatchObject({ code: "timeout", message: "Premiere did not describe the sequence within 50 ms." });
  });
});
