/**
 * HTTPS on loopback, for hosts that refuse plain http:// (Premiere documents that macOS does:
 * "Premiere disallows http:// URLs on macOS", ppro-docs recipes/network:336, and it is unconfirmed
 * whether loopback is exempt). The way local development tools do it: a certificate made on this
 * machine, never sent anywhere, trusted once by the editor with one command (`retake cert`), and
 * served beside the plain listener on the next port (5177 → 5178; RETAKE_HTTPS_PORT picks another). The panel tries http first and
 * falls back to https by itself (src/host/uxp/backendRoute.ts).
 *
 * Why `selfsigned` (pure JS over @peculiar/x509 and WebCrypto): node:crypto cannot issue X.509
 * certificates, and openssl is not on every Windows machine; this works offline on Node 20+ on
 * macOS, Windows and Linux alike.
 */
import fs from "node:fs";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import { X509Certificate } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { generate } from "selfsigned";

export interface LoopbackTlsFiles {
  dir: string;
  cert: string;
  key: string;
}

/** Where the certificate lives: in the backend's data dir, beside its token. */
export function loopbackTlsFiles(dataDir: string): LoopbackTlsFiles {
  const dir = path.join(dataDir, "tls");
  return { dir, cert: path.join(dir, "loopback-cert.pem"), key: path.join(dir, "loopback-key.pem") };
}

/**
 * The HTTPS port beside a plain one: RETAKE_HTTPS_PORT when set, else the next port (a random
 * plain port gives a random TLS port).
 */
export function tlsPortFor(httpPort: number, httpsPort?: number): number {
  if (httpsPort !== undefined) return httpsPort;
  return httpPort === 0 ? 0 : httpPort + 1;
}

/** macOS rejects TLS server certificates valid for more than 825 days. */
const VALID_DAYS = 825;

export function isLoopbackHost(host: string): boolean {
  return host === "127.0.0.1" || host === "localhost" || host === "::1";
}

/**
 * Makes (or remakes) the loopback certificate: an EC P-256 key, valid for 127.0.0.1, ::1 and
 * localhost, for server authentication only, 825 days. The key is written 0600.
 */
export async function makeLoopbackCertificate(dataDir: string, now = new Date()): Promise<LoopbackTlsFiles & { validTo: string; fingerprint: string }> {
  const files = loopbackTlsFiles(dataDir);
  const pems = await generate([{ name: "commonName", value: `Retake loopback (${os.hostname()})` }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: new Date(now.getTime() + VALID_DAYS * 86_400_000),
    extensions: [
      { name: "basicConstraints", cA: false, critical: true },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      { name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.1" }, { type: 7, ip: "::1" }, { type: 2, value: "localhost" }] },
    ],
  });
  fs.mkdirSync(files.dir, { recursive: true });
  fs.writeFileSync(files.key, pems.private, { mode: 0o600 });
  fs.writeFileSync(files.cert, pems.cert);
  const x509 = new X509Certificate(pems.cert);
  return { ...files, validTo: x509.validTo, fingerprint: x509.fingerprint256 };
}

/** The certificate and key when both are there and the certificate is still valid; else why not. */
export function readLoopbackCertificate(dataDir: string, now = new Date()): { cert: string; key: string } | { missing: string } {
  const files = loopbackTlsFiles(dataDir);
  if (!fs.existsSync(files.cert) || !fs.existsSync(files.key)) return { missing: "no certificate yet (run `retake cert`)" };
  const cert = fs.readFileSync(files.cert, "utf8");
  const x509 = new X509Certificate(cert);
  if (new Date(x509.validTo).getTime() <= now.getTime()) return { missing: `the certificate expired on ${x509.validTo} (run \`retake cert\` again)` };
  return { cert, key: fs.readFileSync(files.key, "utf8") };
}

/** The one command that makes this OS trust the certificate for the current user, or undefined where none is needed. */
export function trustCommand(certPath: string, platform: NodeJS.Platform = process.platform): { command: string; args: string[] } | undefined {
  if (platform === "darwin") {
    // The login keychain of the current user: no sudo, macOS asks for the password once.
    return { command: "security", args: ["add-trusted-cert", "-r", "trustRoot", "-p", "ssl", "-k", path.join(os.homedir(), "Library/Keychains/login.keychain-db"), certPath] };
  }
  if (platform === "win32") return { command: "certutil", args: ["-user", "-addstore", "Root", certPath] };
  return undefined;
}

/**
 * Serves the same Fastify app over HTTPS on loopback when a valid certificate exists. Nothing is
 * served (and the reason is logged) when the backend does not listen on loopback or there is no
 * certificate: plain http stays as it was.
 */
export async function startLoopbackTls(
  app: FastifyInstance,
  options: { host: string; port: number; httpsPort?: number; dataDir: string; log?: (line: string) => void },
): Promise<{ url: string; close(): Promise<void> } | undefined> {
  const log = options.log ?? (() => undefined);
  if (!isLoopbackHost(options.host)) return undefined;
  const found = readLoopbackCertificate(options.dataDir);
  if ("missing" in found) {
    log(`HTTPS on loopback: off, ${found.missing}. Only Premiere on macOS may need it.`);
    return undefined;
  }
  const server = https.createServer({ cert: found.cert, key: found.key }, (req, res) => app.routing(req, res));
  const port = tlsPortFor(options.port, options.httpsPort);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, options.host, () => resolve());
    });
  } catch (error) {
    log(`HTTPS on loopback: port ${port} is taken (${(error as Error).message}); serving plain http only. Free it, or set RETAKE_HTTPS_PORT (and build the plugin with the same).`);
    return undefined;
  }
  const address = server.address();
  const bound = typeof address === "object" && address ? address.port : port;
  const url = `https://${options.host.includes(":") ? `[${options.host}]` : options.host}:${bound}`;
  log(`HTTPS on loopback: ${url} (for hosts that refuse http://).`);
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
