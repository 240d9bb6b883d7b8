import fs from "node:fs";
import https from "node:https";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { loopbackTlsFiles, makeLoopbackCertificate, readLoopbackCertificate, trustCommand } from "../../../../src/server/http/loopbackTls.js";
import { createHostServices } from "../../../../src/host/uxp/hostServices.js";
import type { FetchLike } from "../../../../src/host/uxp/types.js";
import { startBackend } from "../../../../src/server/backend.js";
import { loadConfig } from "../../../../src/server/config.js";
import { startTestBackend } from "../../../helpers/backend.js";
import { createFakeUxp } from "../premiere/fake/fakeUxp.js";
import { createNodeUxpFs } from "../premiere/fake/nodeUxpFs.js";

/**
 * Premiere on macOS as its docs describe it: http:// refused (the request fails before any HTTP),
 * https:// allowed when the certificate is trusted. Node's https with the loopback certificate as
 * the trusted root stands in for the macOS keychain after `retake cert`.
 */
function macLikeFetch(trustedCert: string | undefined): FetchLike {
  return (input, init = {}) => {
    if (input.startsWith("http://")) return Promise.reject(new TypeError("Network request failed (http:// is not allowed on macOS)"));
    return new Promise((resolve, reject) => {
      const req = https.request(input, { method: init.method ?? "GET", headers: init.headers ?? {}, ...(trustedCert ? { ca: trustedCert } : {}), ...(init.signal ? { signal: init.signal } : {}) }, (res) => {
        const headers = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === "string") headers.set(k, v);
        resolve(new Response(Readable.toWeb(res) as ReadableStream, { status: res.statusCode ?? 500, headers }));
      });
      req.on("error", reject);
      if (init.body) req.write(typeof init.body === "string" ? init.body : Buffer.from(init.body));
      req.end();
    });
  };
}

/** A port P with P + 1 free too (the TLS twin's port). */
async function freePortPair(): Promise<number> {
  const tryListen = (port: number) =>
    new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once("error", () => resolve(false));
      server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
    });
  for (let i = 0; i < 20; i++) {
    const server = net.createServer();
    const port = await new Promise<number>((r) => server.listen(0, "127.0.0.1", () => r((server.address() as net.AddressInfo).port)));
    await new Promise((r) => server.close(r));
    if (port < 65535 && (await tryListen(port)) && (await tryListen(port + 1))) return port;
  }
  throw new Error("no free port pair");
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function hostServices(fetch: FetchLike, url: string, backendHttpsPort?: number) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "retake-route-"));
  cleanups.push(() => fs.rmSync(root, { recursive: true, force: true }));
  const { uxp } = createFakeUxp(createNodeUxpFs({ root }));
  return createHostServices({ uxp, fetch, defaultBackendUrl: url, ...(backendHttpsPort ? { backendHttpsPort } : {}) });
}

/** A free port (closed again, so the backend can take it). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  const port = await new Promise<number>((r) => server.listen(0, "127.0.0.1", () => r((server.address() as net.AddressInfo).port)));
  await new Promise((r) => server.close(r));
  return port;
}

describe("reaching the backend whichever rule the host applies to loopback", () => {
  it("where http:// is refused (Premiere on macOS), the panel switches to https on the next port, with the certificate `retake cert` made", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-tls-"));
    const made = await makeLoopbackCertificate(dataDir);
    const port = await freePortPair();
    const backend = await startTestBackend({ port, dataDir });
    cleanups.push(() => backend.close());
    expect(backend.tlsUrl).toBe(`https://127.0.0.1:${port + 1}`);

    const services = hostServices(macLikeFetch(fs.readFileSync(made.cert, "utf8")), backend.url);
    expect(await services.handlers["host.backend"]!({})).toEqual({ url: backend.tlsUrl });
    const { response } = await services.backend.request("/v1/health");
    expect(await response.json()).toMatchObject({ ok: true });

    // Where http:// is allowed (Windows, or a macOS build that exempts loopback), nothing changes.
    const plain = hostServices((input, init) => fetch(input, init as RequestInit), backend.url);
    expect(await plain.handlers["host.backend"]!({})).toEqual({ url: backend.url });
  });

  it("with RETAKE_HTTPS_PORT the backend serves its twin on that port, and a panel built with it goes there", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-tls-"));
    const made = await makeLoopbackCertificate(dataDir);
    const httpsPort = await freePort();
    const config = loadConfig({ RETAKE_HTTPS_PORT: String(httpsPort) }, { port: 0, dataDir, harness: false, token: null });
    const backend = await startBackend(config);
    cleanups.push(async () => {
      await backend.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });
    expect(backend.tlsUrl).toBe(`https://127.0.0.1:${httpsPort}`);
    const services = hostServices(macLikeFetch(fs.readFileSync(made.cert, "utf8")), backend.url, httpsPort);
    expect(await services.handlers["host.backend"]!({})).toEqual({ url: backend.tlsUrl });
    const { response } = await services.backend.request("/v1/health");
    expect(await response.json()).toMatchObject({ ok: true });
  });

  it("refuses a RETAKE_HTTPS_PORT that is not a port, or is the plain port, saying which", () => {
    expect(() => loadConfig({ RETAKE_HTTPS_PORT: "https" })).toThrow(/RETAKE_HTTPS_PORT must be a port number between 1 and 65535, not "https"/);
    expect(() => loadConfig({ RETAKE_PORT: "6000", RETAKE_HTTPS_PORT: "6000" })).toThrow(/must differ from RETAKE_PORT/);
    expect(loadConfig({}).httpsPort).toBeUndefined();
  });

  it("when neither route works, the message says what to run", async () => {
    const port = await freePortPair();
    const backend = await startTestBackend({ port }); // no certificate: plain http only
    cleanups.push(() => backend.close());
    expect(backend.tlsUrl).toBeUndefined();
    const services = hostServices(macLikeFetch(undefined), backend.url);
    // host.backend still answers the configured URL (the panel shows its own failure)…
    expect(await services.handlers["host.backend"]!({})).toEqual({ url: backend.url });
    // …and every host request says what is wrong and what to run.
    await expect(services.backend.request("/v1/health")).rejects.toMatchObject({
      code: "backend_unreachable",
      message: expect.stringMatching(new RegExp(`cannot reach its backend at ${backend.url} .* nor at https://127\\.0\\.0\\.1:${port + 1} .*npx retake cert`)),
    });
  });

  it("the certificate is valid for loopback only, for 825 days at most (macOS's limit); an expired one is not served; the trust command is per user", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-tls-"));
    cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    const made = await makeLoopbackCertificate(dataDir);
    const { X509Certificate } = await import("node:crypto");
    const cert = new X509Certificate(fs.readFileSync(made.cert));
    expect(cert.subjectAltName).toContain("IP Address:127.0.0.1");
    expect(cert.checkHost("example.com")).toBeUndefined();
    expect(new Date(cert.validTo).getTime() - Date.now()).toBeLessThanOrEqual(825 * 86_400_000 + 60_000);
    expect((fs.statSync(loopbackTlsFiles(dataDir).key).mode & 0o077) === 0).toBe(true);
    expect(readLoopbackCertificate(dataDir, new Date(Date.now() + 900 * 86_400_000))).toEqual({ missing: expect.stringMatching(/expired/) });
    expect(trustCommand(made.cert, "darwin")).toMatchObject({ command: "security", args: expect.arrayContaining(["add-trusted-cert", made.cert]) });
    expect(trustCommand(made.cert, "win32")).toEqual({ command: "certutil", args: ["-user", "-addstore", "Root", made.cert] });
  });
});
