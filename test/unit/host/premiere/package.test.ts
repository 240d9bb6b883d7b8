import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { unzipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backendOrigin, iconFiles, prepareManifest, validateManifest } from "../../../../scripts/buildManifest.js";
import { buildPlugin, buildUi, httpsPortFromEnv, REPO } from "../../../../scripts/buildPlugin.js";
import { packagePlugin } from "../../../../scripts/packagePlugin.js";
import { utf8Decode } from "../../../../src/host/uxp/bytes.js";
import { createFakePremiere } from "./fake/fakePremiere.js";
import { createFakeUxp } from "./fake/fakeUxp.js";
import { createNodeUxpFs } from "./fake/nodeUxpFs.js";
import { fsModuleOf, runBuiltShell } from "../aftereffects/shellVm.js";

let dir: string;
let outDir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-package-"));
  outDir = path.join(dir, "plugin");
  if (!fs.existsSync(path.join(REPO, "build/web/ui/index.html"))) await buildUi();
  await buildPlugin({ outDir, backendUrl: "https://retake.example.com:8443/" });
}, 120_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("manifest", () => {
  const source = () => JSON.parse(fs.readFileSync(path.join(REPO, "manifest.json"), "utf8"));

  it("the committed manifest is a valid v5 Premiere manifest with only the permissions Retake needs", () => {
    const m = validateManifest(source());
    expect(m.manifestVersion).toBe(5);
    expect(m.host).toEqual({ app: "premierepro", minVersion: "25.6.0" });
    expect(m.requiredPermissions).toEqual({
      network: { domains: ["http://127.0.0.1:5177", "https://127.0.0.1:5178"] },
      localFileSystem: "fullAccess",
      // Links open in the system browser (uxp.shell.openExternal), http/https only.
      launchProcess: { schemes: ["http", "https"], extensions: [] },
      webview: { allow: "yes", domains: ["http://127.0.0.1:5177", "https://127.0.0.1:5178"], allowLocalRendering: "yes", enableMessageBridge: "localOnly" },
    });
    const themes = (m.entrypoints[0]!.icons ?? []).flatMap((i) => i.theme ?? []);
    expect(themes).toEqual(expect.arrayContaining(["light", "dark"]));
  });

  it("is narrowed to the configured backend's origin, and refuses wider or malformed ones", () => {
    const m = prepareManifest(source(), { version: "1.2.3", backendUrl: "https://retake.example.com/api" });
    expect(m.version).toBe("1.2.3");
    expect(m.requiredPermissions.network).toEqual({ domains: ["https://retake.example.com"] });
    expect(backendOrigin("http://127.0.0.1:5177/")).toBe("http://127.0.0.1:5177");
    expect(() => validateManifest({ ...source(), requiredPermissions: { ...source().requiredPermissions, network: { domains: "all" } } })).toThrow(/not "all"/);
    expect(() => validateManifest({ ...source(), manifestVersion: 6 })).toThrow(/manifestVersion/);
    expect(() => validateManifest({ ...source(), host: [source().host] })).toThrow(/host/);
    expect(() => validateManifest({ ...source(), requiredPermissions: { ...source().requiredPermissions, localFileSystem: "request" } })).toThrow(/fullAccess/);
    expect(() => prepareManifest(source(), { version: "1.0.0", backendUrl: "ftp://x" })).toThrow(/http/);
  });

  it("allows the loopback backend's HTTPS twin on the port it is built with (RETAKE_HTTPS_PORT), and only that one", () => {
    const m = prepareManifest(source(), { version: "1.0.0", backendUrl: "http://127.0.0.1:5177", httpsPort: 8443 });
    expect(m.requiredPermissions.network).toEqual({ domains: ["http://127.0.0.1:5177", "https://127.0.0.1:8443"] });
    expect(m.requiredPermissions.webview?.domains).toEqual(["http://127.0.0.1:5177", "https://127.0.0.1:8443"]);
    // A twin on another host is not a twin.
    const other = { ...source().requiredPermissions, network: { domains: ["http://127.0.0.1:5177", "https://example.com:8443"] } };
    expect(() => validateManifest({ ...source(), requiredPermissions: other })).toThrow(/exactly the configured backend/);
    expect(() => httpsPortFromEnv("5178x")).toThrow(/RETAKE_HTTPS_PORT must be a port number/);
    expect(httpsPortFromEnv("")).toBeUndefined();
  });
});

describe("build and package", () => {
  it("writes a loadable plugin folder: manifest, shell page and bundle, panel UI, every icon", () => {
    const manifest = validateManifest(JSON.parse(fs.readFileSync(path.join(outDir, "manifest.json"), "utf8")));
    expect(manifest.requiredPermissions.network).toEqual({ domains: ["https://retake.example.com:8443"] });
    for (const f of ["index.html", "shell.js", "ui/ui/index.html", ...iconFiles(manifest).map((i) => i.path)]) expect(fs.existsSync(path.join(outDir, f)), f).toBe(true);
    // The panel page's scripts resolve inside the plugin (relative URLs, no harness code).
    const html = fs.readFileSync(path.join(outDir, "ui/ui/index.html"), "utf8");
    for (const src of [...html.matchAll(/(?:src|href)="(\.\.\/assets\/[^"]+)"/g)].map((m) => m[1]!)) {
      expect(fs.existsSync(path.join(outDir, "ui/ui", src)), src).toBe(true);
    }
    expect(fs.readdirSync(path.join(outDir, "ui/assets")).some((f) => f.startsWith("harness"))).toBe(false);
    const icon = fs.readFileSync(path.join(outDir, "icons/panel-dark@2x.png"));
    expect(icon.readUInt32BE(16)).toBe(46);
  });

  it("packages a .ccx (zip) with manifest.json at its root and every plugin file", () => {
    const { file, entries } = packagePlugin(outDir, path.join(dir, "dist"));
    expect(path.basename(file)).toBe("retake-premiere-0.1.0.ccx");
    const zip = unzipSync(new Uint8Array(fs.readFileSync(file)));
    expect(Object.keys(zip).sort()).toEqual([...entries].sort());
    expect(JSON.parse(utf8Decode(zip["manifest.json"]!)).id).toBe("dev.retake.premiere");
    for (const f of ["index.html", "shell.js", "ui/ui/index.html", "icons/plugin-light@1x.png"]) expect(zip[f], f).toBeDefined();
    expect(Object.keys(zip).some((f) => f.endsWith(".map"))).toBe(false);
  });

  it("refuses to package a folder with an invalid manifest or missing files", () => {
    const broken = path.join(dir, "broken");
    fs.cpSync(outDir, broken, { recursive: true });
    fs.rmSync(path.join(broken, "icons/panel-light@2x.png"));
    expect(() => packagePlugin(broken, path.join(dir, "dist2"))).toThrow(/missing icons\/panel-light@2x.png/);
    fs.writeFileSync(path.join(broken, "manifest.json"), JSON.stringify({ manifestVersion: 5 }));
    expect(() => packagePlugin(broken, path.join(dir, "dist2"))).toThrow(/not a valid UXP v5 manifest/);
    expect(fs.existsSync(path.join(dir, "dist2"))).toBe(false);
  });

  it("the built shell creates the webview on the panel and answers bridge requests from it", async () => {
    const fake = createFakePremiere();
    const uxpFs = createNodeUxpFs({ root: path.join(dir, "shell-fs") });
    const { uxp } = createFakeUxp(uxpFs);
    const fsModule = fsModuleOf(uxpFs, ["open", "close", "read", "write", "lstat", "unlink", "rename", "mkdir", "readdir"]);
    const shell = runBuiltShell(path.join(outDir, "shell.js"), { premierepro: fake.ppro, uxp, fs: fsModule });
    expect(shell.root.children).toEqual([shell.webview]);
    expect(shell.webview.attrs.src).toBe("plugin:/ui/ui/index.html");
    expect(await shell.request({ id: "r1", method: "host.backend", params: {} })).toEqual({ id: "r1", result: { url: "https://retake.example.com:8443" } });
    expect(shell.posted).toHaveLength(1);
    // Delivered on the element only, and on both targets at once: answered, and exactly once.
    expect(await shell.request({ id: "r2", method: "host.backend", params: {} }, 50, "webview")).toMatchObject({ id: "r2" });
    expect(await shell.request({ id: "r3", method: "host.backend", params: {} }, 50, "both")).toMatchObject({ id: "r3" });
    expect(shell.posted.map((m) => (m as { id: string }).id)).toEqual(["r1", "r2", "r3"]);
  });
});
