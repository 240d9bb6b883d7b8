import fs from "node:fs";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArtifactLink, Job, type Job as JobT } from "../../../src/core/schemas/index.js";
import { startBackend, type RunningBackend } from "../../../src/server/backend.js";
import { loadConfig } from "../../../src/server/config.js";
import { LINK_SECRET_FILE, resolveLinkSecret, signedQuery } from "../../../src/server/http/artifactLinks.js";
import { makeLoopbackCertificate } from "../../../src/server/http/loopbackTls.js";
import { makeStillPng, sequenceContext, waitFor } from "../../helpers/backend.js";

/**
 * Signed artifact links through the real Fastify app, with a token required as in production: the
 * panel asks for a link with its token, and the link alone (what the system browser gets) opens
 * that one file, with Range, until it expires; nothing else.
 */
const TOKEN = "links-test-token-0123456789";
const auth = { authorization: `Bearer ${TOKEN}` };
let backend: RunningBackend & { dataDir: string };
let certPem: string;
/** Every line the backend printed (its start-up log). */
const logLines: string[] = [];
let job: JobT;

beforeAll(async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-links-"));
  certPem = fs.readFileSync((await makeLoopbackCertificate(dataDir)).cert, "utf8");
  const config = loadConfig({}, { port: 0, dataDir, harness: false, token: TOKEN });
  backend = Object.assign(await startBackend(config, { log: (line) => logLines.push(line) }), { dataDir });
  const form = new FormData();
  form.append("context", JSON.stringify({ sequence: sequenceContext(), mode: "insert" }));
  form.append("image", new Blob([new Uint8Array(makeStillPng(320, 180))], { type: "image/png" }), "frame.png");
  const frame = await fetch(`${backend.url}/v1/frames`, { method: "POST", headers: auth, body: form });
  expect(frame.status).toBe(201);
  const { frameId } = (await frame.json()) as { frameId: string };
  const created = await fetch(`${backend.url}/v1/jobs`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({ frameId, duration: 2, count: 1, prompt: "slow push in" }),
  });
  expect(created.status).toBe(201);
  const id = Job.parse(await created.json()).id;
  job = await waitFor(async () => {
    const current = Job.parse(await (await fetch(`${backend.url}/v1/jobs/${id}`, { headers: auth })).json());
    return current.takes.every((t) => ["succeeded", "failed", "canceled"].includes(t.state)) ? current : undefined;
  }, 150_000);
  expect(job.takes[0]!.state).toBe("succeeded");
}, 180_000);

afterAll(async () => {
  await backend?.close();
  fs.rmSync(backend.dataDir, { recursive: true, force: true });
});

const master = () => job.takes[0]!.outputs.master!;
const proxy = () => job.takes[0]!.outputs.proxy!;

async function linkFor(artifactId: string): Promise<ArtifactLink> {
  const res = await fetch(`${backend.url}/v1/artifacts/${artifactId}/link`, { method: "POST", headers: auth });
  expect(res.status).toBe(200);
  expect(res.headers.get("cache-control")).toBe("no-store");
  return ArtifactLink.parse(await res.json());
}

describe("POST /v1/artifacts/:id/link", () => {
  it("needs the token like every route, and names unknown artifacts", async () => {
    expect((await fetch(`${backend.url}/v1/artifacts/${master().id}/link`, { method: "POST" })).status).toBe(401);
    const missing = await fetch(`${backend.url}/v1/artifacts/art_nope/link`, { method: "POST", headers: auth });
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.code).toBe("artifact_not_found");
  });

  it("answers a link on this backend, without the token, expiring in 10 minutes", async () => {
    const before = Date.now();
    const link = await linkFor(master().id);
    expect(link.url.startsWith(`${backend.url}/v1/artifacts/${master().id}?`)).toBe(true);
    expect(link.url).not.toContain(TOKEN);
    expect(link.url).not.toMatch(/token=/);
    const ttl = Date.parse(link.expiresAt) - before;
    expect(ttl).toBeGreaterThan(9 * 60_000);
    expect(ttl).toBeLessThanOrEqual(10 * 60_000 + 1000);
  });

  it("the link alone opens the file whole, by Range and by HEAD", async () => {
    const { url } = await linkFor(master().id);
    const whole = await fetch(url);
    expect(whole.status).toBe(200);
    const bytes = Buffer.from(await whole.arrayBuffer());
    expect(bytes.length).toBe(master().bytes);
    const part = await fetch(url, { headers: { range: "bytes=100-199" } });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe(`bytes 100-199/${master().bytes}`);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(bytes.subarray(100, 200));
    const head = await fetch(url, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(master().bytes));
  });

  it("the link opens no other artifact, and nothing but reading", async () => {
    const { url } = await linkFor(master().id);
    const query = new URL(url).search;
    const other = await fetch(`${backend.url}/v1/artifacts/${proxy().id}${query}`);
    expect(other.status).toBe(403);
    expect((await other.json()).error).toMatchObject({ code: "link_invalid", message: expect.stringMatching(/not valid.*open the file again from the Retake panel/i) });
    for (const [method, path] of [
      ["GET", `/v1/jobs/${job.id}`],
      ["POST", `/v1/artifacts/${master().id}/link`],
      ["POST", `/v1/takes/${job.takes[0]!.id}/retry`],
      ["GET", `/v1/frames/${job.frame.frameId}/image`],
    ] as const) {
      const res = await fetch(`${backend.url}${path}${query}`, { method });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect((await res.json()).error.code).toBe("link_read_only");
    }
  });

  it("an altered link is refused as not valid, an expired one as expired, each with what to do", async () => {
    const url = new URL((await linkFor(master().id)).url);
    url.searchParams.set("expires", String(Number(url.searchParams.get("expires")) + 86_400));
    const altered = await fetch(url);
    expect(altered.status).toBe(403);
    expect((await altered.json()).error.code).toBe("link_invalid");

    // A link as this backend makes them (its own secret, from the data dir) whose time is up.
    const secret = resolveLinkSecret(backend.dataDir);
    const expires = Math.floor(Date.now() / 1000) - 1;
    const expired = await fetch(`${backend.url}/v1/artifacts/${master().id}?${signedQuery(secret, master().id, expires)}`);
    expect(expired.status).toBe(403);
    const body = await expired.json();
    expect(body.error.code).toBe("link_expired");
    expect(body.error.message).toMatch(/expired at .*open the file again from the Retake panel/i);
    // Nothing was served: the range of a refused link is not honoured either.
    const ranged = await fetch(`${backend.url}/v1/artifacts/${master().id}?${signedQuery(secret, master().id, expires)}`, { headers: { range: "bytes=0-9" } });
    expect(ranged.status).toBe(403);
  });

  it("without the link or the token the file stays closed (401), as before", async () => {
    expect((await fetch(`${backend.url}/v1/artifacts/${master().id}`)).status).toBe(401);
  });

  it("asked over the HTTPS twin (Premiere on macOS), the link is an https one that opens", async () => {
    expect(backend.tlsUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const httpsRequest = (url: string, init: { method?: string; headers?: Record<string, string> } = {}) =>
      new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
        const req = https.request(url, { method: init.method ?? "GET", headers: init.headers ?? {}, ca: certPem }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        });
        req.on("error", reject);
        req.end();
      });
    const answer = await httpsRequest(`${backend.tlsUrl}/v1/artifacts/${master().id}/link`, { method: "POST", headers: auth });
    expect(answer.status).toBe(200);
    const link = ArtifactLink.parse(JSON.parse(answer.body.toString("utf8")));
    expect(link.url.startsWith(`${backend.tlsUrl}/v1/artifacts/`)).toBe(true);
    const file = await httpsRequest(link.url, { headers: { range: "bytes=0-99" } });
    expect(file.status).toBe(206);
    expect(file.body.length).toBe(100);
  });

  it("keeps its secret in the data dir (0600), out of every answer and log", async () => {
    const file = `${backend.dataDir}/${LINK_SECRET_FILE}`;
    if (process.platform !== "win32") expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const secretText = fs.readFileSync(file, "utf8").trim();
    const { url } = await linkFor(master().id);
    expect(url).not.toContain(secretText);
    expect(logLines.length).toBeGreaterThan(0);
    for (const line of logLines) expect(line).not.toContain(secretText);
  });
});
