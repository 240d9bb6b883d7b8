import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBackend, type RunningBackend } from "../../../src/server/backend.js";
import { loadConfig } from "../../../src/server/config.js";
import { parseHostHeader, resolveToken } from "../../../src/server/http/security.js";

const TOKEN = "test-token-0123456789abcdef";

/** A raw request, so the test controls Host and Origin exactly as a browser or attacker would. */
function request(
  url: string,
  pathName: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port: Number(port), path: pathName, method: options.method ?? "GET", headers: { host: `127.0.0.1:${port}`, ...options.headers } },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    if (options.body) req.write(options.body);
    req.end();
  });
}

let backend: RunningBackend;
let dataDir: string;
let port: string;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-"));
  backend = await startBackend(loadConfig({}, { port: 0, dataDir, harness: false, token: TOKEN }));
  port = new URL(backend.url).port;
});
afterAll(async () => {
  await backend?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const auth = { authorization: `Bearer ${TOKEN}` };

describe("token", () => {
  it("refuses a /v1 request without the token, and says where to find it", async () => {
    const res = await request(backend.url, "/v1/providers");
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body).error.message).toMatch(/token/);
    expect(res.body).not.toContain(TOKEN);
  });

  it("refuses a wrong token", async () => {
    expect((await request(backend.url, "/v1/jobs", { headers: { authorization: "Bearer nope" } })).status).toBe(401);
    expect((await request(backend.url, `/v1/jobs?token=${TOKEN}x`)).status).toBe(401);
  });

  it("accepts the token as a Bearer header or as ?token= (img, video and EventSource cannot send headers)", async () => {
    expect((await request(backend.url, "/v1/providers", { headers: auth })).status).toBe(200);
    expect((await request(backend.url, `/v1/providers?token=${encodeURIComponent(TOKEN)}`)).status).toBe(200);
  });

  it("guards every /v1 route, writes included", async () => {
    const res = await request(backend.url, "/v1/jobs", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(res.status).toBe(401);
  });
});

describe("Host (DNS rebinding)", () => {
  it("refuses a request naming another host, even with the token", async () => {
    const res = await request(backend.url, "/v1/providers", { headers: { ...auth, host: `evil.example:${port}` } });
    expect(res.status).toBe(421);
  });

  it("refuses the right name on the wrong port", async () => {
    expect((await request(backend.url, "/v1/providers", { headers: { ...auth, host: "127.0.0.1:1" } })).status).toBe(421);
    expect((await request(backend.url, "/v1/providers", { headers: { ...auth, host: "127.0.0.1" } })).status).toBe(421);
  });

  it("accepts every loopback spelling of a loopback backend", async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `LOCALHOST:${port}`]) {
      expect((await request(backend.url, "/v1/providers", { headers: { ...auth, host } })).status, host).toBe(200);
    }
  });

  it("guards non-API pages too", async () => {
    expect((await request(backend.url, "/", { headers: { host: `rebind.attacker.test:${port}` } })).status).toBe(421);
  });
});

describe("Origin (CSRF) and CORS", () => {
  it("refuses a foreign page before any route runs, even a write it could not read", async () => {
    const res = await request(backend.url, "/v1/jobs", {
      method: "POST",
      headers: { ...auth, origin: "https://evil.example", "content-type": "application/json" },
      body: "{}",
    });
    expect(res.status).toBe(403);
    expect(res.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("refuses a look-alike of the backend's own origin (other port, other scheme)", async () => {
    for (const origin of [`http://127.0.0.1:1`, `http://127.0.0.1.evil.example:${port}`, `file://`, `chrome-extension://abc`]) {
      expect((await request(backend.url, "/v1/providers", { headers: { ...auth, origin } })).status, origin).toBe(403);
    }
  });

  it("allows the backend's own pages (harness, /panel/) with CORS headers naming them", async () => {
    for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`]) {
      const res = await request(backend.url, "/v1/providers", { headers: { ...auth, origin } });
      expect(res.status, origin).toBe(200);
      expect(res.headers["access-control-allow-origin"]).toBe(origin);
      expect(res.headers.vary).toMatch(/Origin/);
    }
  });

  it("allows the UXP webview's local page (null or plugin: origin) on /v1, still only with the token", async () => {
    for (const origin of ["null", "plugin://com.retake.panel"]) {
      const ok = await request(backend.url, "/v1/providers", { headers: { ...auth, origin } });
      expect(ok.status, origin).toBe(200);
      expect(ok.headers["access-control-allow-origin"]).toBe(origin);
      expect((await request(backend.url, "/v1/providers", { headers: { origin } })).status, origin).toBe(401);
    }
  });

  it("answers a preflight from an allowed origin without the token, and refuses one from a foreign origin", async () => {
    const ok = await request(backend.url, "/v1/jobs", {
      method: "OPTIONS",
      headers: { origin: "null", "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" },
    });
    expect(ok.status).toBe(204);
    expect(ok.headers["access-control-allow-headers"]).toMatch(/Authorization/);
    expect(ok.headers["access-control-allow-methods"]).toMatch(/POST/);
    const bad = await request(backend.url, "/v1/jobs", {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
    });
    expect(bad.status).toBe(403);
    expect(bad.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("allows an origin listed in RETAKE_ALLOWED_ORIGINS", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-"));
    const other = await startBackend(
      loadConfig({ RETAKE_ALLOWED_ORIGINS: "https://studio.example, http://10.0.0.5:8080" }, { port: 0, dataDir: dir, harness: false, token: TOKEN }),
    );
    try {
      const res = await request(other.url, "/v1/providers", { headers: { ...auth, origin: "https://studio.example" } });
      expect(res.status).toBe(200);
      expect(res.headers["access-control-allow-origin"]).toBe("https://studio.example");
    } finally {
      await other.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the generated token", () => {
  it("is made on first start into the data dir (0600), kept across restarts, and required", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-"));
    try {
      const first = await startBackend(loadConfig({}, { port: 0, dataDir: dir, harness: false }));
      const file = path.join(dir, "token");
      const token = fs.readFileSync(file, "utf8").trim();
      expect(token.length).toBeGreaterThanOrEqual(32);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect((await request(first.url, "/v1/providers")).status).toBe(401);
      expect((await request(first.url, "/v1/providers", { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
      await first.close();
      expect(resolveToken(undefined, dir)).toBe(token);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("is shown to the harness page (same origin) so the editor never types it there", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-"));
    const harnessed = await startBackend(loadConfig({}, { port: 0, dataDir: dir, harness: true }));
    try {
      const p = new URL(harnessed.url).port;
      const own = await request(harnessed.url, "/harness/state", { headers: { origin: `http://127.0.0.1:${p}` } });
      expect(JSON.parse(own.body).token).toBe(fs.readFileSync(path.join(dir, "token"), "utf8").trim());
      // A foreign page, and even a sandboxed (null-origin) frame, gets nothing.
      expect((await request(harnessed.url, "/harness/state", { headers: { origin: "https://evil.example" } })).status).toBe(403);
      expect((await request(harnessed.url, "/harness/state", { headers: { origin: "null" } })).status).toBe(403);
    } finally {
      await harnessed.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("can be switched off only through config (token: null), for tests", () => {
    expect(resolveToken(null, "/nonexistent")).toBeNull();
    expect(loadConfig({ RETAKE_TOKEN: "" }).token).toBeUndefined();
  });
});

describe("parseHostHeader", () => {
  it("reads names and ports, IPv6 included", () => {
    expect(parseHostHeader("127.0.0.1:5177")).toEqual({ name: "127.0.0.1", port: 5177 });
    expect(parseHostHeader("[::1]:5177")).toEqual({ name: "::1", port: 5177 });
    expect(parseHostHeader("Example.COM")).toEqual({ name: "example.com", port: undefined });
    expect(parseHostHeader("a:b:c")).toBeUndefined();
  });
});
