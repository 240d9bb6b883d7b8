import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  ARTIFACT_LINK_TTL_SECONDS,
  ArtifactLinks,
  LINK_SECRET_FILE,
  resolveLinkSecret,
  signArtifactLink,
  verifyArtifactLink,
} from "../../../src/server/http/artifactLinks.js";

const secret = Buffer.alloc(32, 7);
const NOW = Date.parse("2026-01-01T12:00:00Z");

/** What the browser sends back for a link: the path and query of its URL. */
function requestOf(url: string, method = "GET") {
  const parsed = new URL(url);
  return { method, pathname: parsed.pathname, query: Object.fromEntries(parsed.searchParams) };
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe("signed artifact links", () => {
  const links = new ArtifactLinks(secret, { now: () => NOW });

  it("make a link that opens its artifact for GET and HEAD until it expires, with no token in it", () => {
    const link = links.create("http://127.0.0.1:5177/", "art_1");
    expect(link.url).toMatch(/^http:\/\/127\.0\.0\.1:5177\/v1\/artifacts\/art_1\?expires=\d+&sig=[\w-]{43}$/);
    expect(link.url).not.toMatch(/token/);
    expect(Date.parse(link.expiresAt) - NOW).toBe(ARTIFACT_LINK_TTL_SECONDS * 1000);
    expect(verifyArtifactLink(secret, requestOf(link.url), NOW)).toEqual({ ok: true, artifactId: "art_1" });
    expect(verifyArtifactLink(secret, requestOf(link.url, "HEAD"), NOW + ARTIFACT_LINK_TTL_SECONDS * 1000 - 1).ok).toBe(true);
  });

  it("refuse an expired link, saying so and to open it again from the panel", () => {
    const link = links.create("http://127.0.0.1:5177", "art_1");
    const verdict = verifyArtifactLink(secret, requestOf(link.url), Date.parse(link.expiresAt));
    expect(verdict).toMatchObject({ ok: false, code: "link_expired" });
    expect(!verdict.ok && verdict.message).toMatch(/expired at 2026-01-01T12:10:00Z.*open the file again from the Retake panel/i);
  });

  it("refuse a link whose expiry or signature was altered, as not valid (not as expired)", () => {
    const url = new URL(links.create("http://127.0.0.1:5177", "art_1").url);
    const later = new URL(url);
    later.searchParams.set("expires", String(Number(url.searchParams.get("expires")) + 3600));
    expect(verifyArtifactLink(secret, requestOf(later.href), NOW)).toMatchObject({ ok: false, code: "link_invalid" });
    const sig = url.searchParams.get("sig")!;
    const flipped = new URL(url);
    flipped.searchParams.set("sig", `${sig.slice(0, -1)}${sig.endsWith("A") ? "B" : "A"}`);
    expect(verifyArtifactLink(secret, requestOf(flipped.href), NOW)).toMatchObject({ ok: false, code: "link_invalid" });
    const missing = new URL(url);
    missing.searchParams.delete("sig");
    expect(verifyArtifactLink(secret, requestOf(missing.href), NOW)).toMatchObject({ ok: false, code: "link_invalid" });
    // Even an expired, altered link says "not valid": the expiry is only read once the signature holds.
    expect(verifyArtifactLink(secret, requestOf(later.href), NOW + 10 * 3600_000)).toMatchObject({ code: "link_invalid" });
    const message = (verifyArtifactLink(secret, requestOf(later.href), NOW) as { message: string }).message;
    expect(message).toMatch(/not valid.*open the file again from the Retake panel/i);
    expect(message).not.toContain(sig);
  });

  it("open only the artifact they were made for", () => {
    const url = new URL(links.create("http://127.0.0.1:5177", "art_1").url);
    const other = new URL(url);
    other.pathname = "/v1/artifacts/art_2";
    expect(verifyArtifactLink(secret, requestOf(other.href), NOW)).toMatchObject({ ok: false, code: "link_invalid" });
    for (const pathname of ["/v1/artifacts/art_1/link", "/v1/jobs", "/v1/frames/art_1/image"]) {
      const elsewhere = new URL(url);
      elsewhere.pathname = pathname;
      expect(verifyArtifactLink(secret, requestOf(elsewhere.href), NOW)).toMatchObject({ ok: false, code: "link_read_only" });
    }
  });

  it("only read: any other method needs the token", () => {
    const url = links.create("http://127.0.0.1:5177", "art_1").url;
    for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
      const verdict = verifyArtifactLink(secret, requestOf(url, method), NOW);
      expect(verdict).toMatchObject({ ok: false, code: "link_read_only" });
      expect(!verdict.ok && verdict.message).toMatch(new RegExp(`${method} needs the backend token`));
    }
  });

  it("made with another secret (another backend, or a replaced secret) are not valid", () => {
    const url = new ArtifactLinks(Buffer.alloc(32, 8), { now: () => NOW }).create("http://127.0.0.1:5177", "art_1").url;
    expect(verifyArtifactLink(secret, requestOf(url), NOW)).toMatchObject({ ok: false, code: "link_invalid" });
  });

  it("sign ids that need escaping as the route sees them (decoded)", () => {
    const url = links.create("http://127.0.0.1:5177", "art 1/ü");
    expect(url.url).toContain("/v1/artifacts/art%201%2F%C3%BC?");
    expect(verifyArtifactLink(secret, requestOf(url.url), NOW)).toEqual({ ok: true, artifactId: "art 1/ü" });
    expect(signArtifactLink(secret, "art 1/ü", 1)).not.toBe(signArtifactLink(secret, "art%201%2F%C3%BC", 1));
  });
});

describe("the link secret", () => {
  it("is made once in the data dir with mode 0600 and kept across restarts", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-links-"));
    dirs.push(dir);
    const first = resolveLinkSecret(dir);
    expect(first.length).toBe(32);
    const file = path.join(dir, LINK_SECRET_FILE);
    if (process.platform !== "win32") expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(resolveLinkSecret(dir).equals(first)).toBe(true);
  });

  it("replaces a damaged file (too short) with a fresh secret, still 0600", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-links-"));
    dirs.push(dir);
    const file = path.join(dir, LINK_SECRET_FILE);
    fs.writeFileSync(file, "short\n", { mode: 0o644 });
    const secretNow = resolveLinkSecret(dir);
    expect(secretNow.length).toBe(32);
    if (process.platform !== "win32") expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });
});
