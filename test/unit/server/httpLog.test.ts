import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startBackend, type RunningBackend } from "../../../src/server/backend.js";
import { loadConfig } from "../../../src/server/config.js";

/**
 * The embedded backend with Fastify's request log on: the panel puts its token in the URL of
 * every EventSource and <video> (`?token=`), and a log file travels to whoever helps debug. The
 * log keeps its request lines, but neither the real token nor a wrong one ever reaches it.
 */

const TOKEN = "log-test-token-5f1c0a9e7d3b";
const WRONG = "someone-elses-token-84be20";

let backend: RunningBackend;
let dataDir: string;
const lines: string[] = [];

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-httplog-"));
  backend = await startBackend(loadConfig({}, { port: 0, dataDir, harness: false, token: TOKEN }), { httpLog: { stream: { write: (line) => void lines.push(line) } } });
});
afterAll(async () => {
  await backend?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

it("logs each request's method, path and query, with ?token= redacted (accepted, refused, or to an unknown route)", async () => {
  expect((await fetch(`${backend.url}/v1/health?token=${TOKEN}&view=full`)).status).toBe(200);
  expect((await fetch(`${backend.url}/v1/health?token=${WRONG}`)).status).toBe(401);
  expect((await fetch(`${backend.url}/v1/no-such-route?token=${TOKEN}`)).status).toBe(404);

  const log = lines.join("");
  expect(log).not.toContain(TOKEN);
  expect(log).not.toContain(WRONG);
  const urls = lines.map((line) => (JSON.parse(line) as { req?: { url?: string } }).req?.url).filter(Boolean);
  expect(urls).toEqual(["/v1/health?token=redacted&view=full", "/v1/health?token=redacted", "/v1/no-such-route?token=redacted"]);
  expect(log).toContain("Route GET:/v1/no-such-route?token=redacted not found");
});
