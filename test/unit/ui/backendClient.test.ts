import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BackendError, createBackendClient } from "../../../src/ui/api/backendClient.js";

/** A tiny real HTTP server answering the way the backend's contract says (docs/http-api.md). */
let server: http.Server;
let url = "";
const seen: Array<{ method?: string; url?: string; auth?: string; body: string }> = [];

beforeAll(async () => {
  server = http.createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    seen.push({ method: req.method, url: req.url, auth: req.headers.authorization, body });
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(value));
    };
    if (req.url === "/v1/health") return json(200, { ok: true, version: "0.1.0" });
    if (req.url === "/v1/providers") return json(200, { providers: [{ id: "previz" }] }); // missing fields
    if (req.url === "/v1/jobs" && req.method === "POST")
      return json(400, { error: { code: "invalid_request", message: "duration must be between 2 and 10 seconds", field: "duration" } });
    if (req.url === "/v1/jobs/nope") {
      res.writeHead(502, "Bad Gateway", { "content-type": "text/html" });
      return res.end("<h1>proxy error</h1>");
    }
    json(404, { error: { code: "not_found", message: "No such route." } });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("backend client", () => {
  it("sends the host's token as a bearer header and parses the answer", async () => {
    const client = createBackendClient({ url: `${url}/`, token: "s3cret" });
    await expect(client.health()).resolves.toEqual({ ok: true, version: "0.1.0" });
    expect(seen.at(-1)).toMatchObject({ url: "/v1/health", auth: "Bearer s3cret" });
  });

  it("sends no Authorization header without a token", async () => {
    await createBackendClient({ url }).health();
    expect(seen.at(-1)?.auth).toBeUndefined();
  });

  it("turns an API error into a BackendError carrying the server's message and field", async () => {
    const client = createBackendClient({ url });
    const error = await client.createJob({ frameId: "f", duration: 20 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect(error).toMatchObject({ status: 400, code: "invalid_request", field: "duration", message: "duration must be between 2 and 10 seconds" });
    expect(JSON.parse(seen.at(-1)!.body)).toEqual({ frameId: "f", duration: 20 });
  });

  it("explains a non-JSON error page by its status", async () => {
    const error = await createBackendClient({ url }).getJob("nope").catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 502, code: "http_error", message: "The backend answered GET /v1/jobs/nope with 502 Bad Gateway." });
  });

  it("refuses an answer that does not match the schema, naming the field", async () => {
    const error = await createBackendClient({ url }).providers().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "bad_response" });
    expect((error as Error).message).toMatch(/providers\.0\.label/);
  });

  it("says the backend cannot be reached when nothing listens", async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await createBackendClient({ url: `http://127.0.0.1:${port}` }).health().catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 0, code: "backend_unreachable" });
    expect((error as Error).message).toContain(`http://127.0.0.1:${port}`);
  });

  it("puts the token on URLs the browser loads by itself, and only when there is one", () => {
    expect(createBackendClient({ url }).artifactUrl("art 1")).toBe(`${url}/v1/artifacts/art%201`);
    expect(createBackendClient({ url, token: "a&b" }).artifactUrl("x")).toBe(`${url}/v1/artifacts/x?token=a%26b`);
    expect(createBackendClient({ url, token: "t" }).frameImageUrl("f1")).toBe(`${url}/v1/frames/f1/image?token=t`);
  });
});
