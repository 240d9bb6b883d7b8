import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { unzipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { manifestForHost, validateManifest } from "../../../../scripts/buildManifest.js";
import { buildPlugin, buildUi, REPO } from "../../../../scripts/buildPlugin.js";
import { packagePlugin } from "../../../../scripts/packagePlugin.js";
import { utf8Decode } from "../../../../src/host/uxp/bytes.js";
import { createFakeUxp } from "../premiere/fake/fakeUxp.js";
import { createNodeUxpFs } from "../premiere/fake/nodeUxpFs.js";
import { createFakeAfterEffects } from "./fake/fakeAfterEffects.js";
import { fsModuleOf, runBuiltShell } from "./shellVm.js";

let dir: string;
let outDir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-ae-package-"));
  outDir = path.join(dir, "plugin-aftereffects");
  if (!fs.existsSync(path.join(REPO, "build/web/ui/index.html"))) await buildUi();
  await buildPlugin({ host: "aftereffects", outDir, backendUrl: "https://retake.example.com:8443/" });
}, 120_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const committed = () => JSON.parse(fs.readFileSync(path.join(REPO, "manifest.json"), "utf8"));

describe("the After Effects plugin", () => {
  it("has its own manifest, derived from the committed one: its id, host aftereffects ≥ 27.0.0 (the beta API), the same panel, permissions and icons", () => {
    const derived = manifestForHost(committed(), "aftereffects");
    const source = validateManifest(committed());
    expect(derived).toEqual({ ...source, id: "dev.retake.aftereffects", host: { app: "aftereffects", minVersion: "27.0.0" } });
    const built = validateManifest(JSON.parse(fs.readFileSync(path.join(outDir, "manifest.json"), "utf8")), "aftereffects");
    expect(built.requiredPermissions.network).toEqual({ domains: ["https://retake.example.com:8443"] });
    expect(built.requiredPermissions.webview?.domains).toEqual(["https://retake.example.com:8443"]);
    // A manifest claiming one host with the other's id, or checked against the wrong host, is refused.
    expect(() => validateManifest({ ...built, id: "dev.retake.premiere" })).toThrow(/After Effects \(beta UXP\) plugin's id is "dev.retake.aftereffects"/);
    expect(() => validateManifest(built, "premierepro")).toThrow(/not a premierepro one/);
  });

  it("is built with the After Effects shell, which creates the webview and answers host.context from the active comp", async () => {
    for (const f of ["index.html", "shell.js", "ui/ui/index.html", "icons/panel-dark@2x.png"]) expect(fs.existsSync(path.join(outDir, f)), f).toBe(true);
    const shellSource = fs.readFileSync(path.join(outDir, "shell.js"), "utf8");
    expect(shellSource).toContain('require("aftereffects")');
    expect(shellSource).not.toContain('require("premierepro")');

    const fake = createFakeAfterEffects({ layers: [{ name: "Plate", inPoint: 0, outPoint: 4 }] });
    const uxpFs = createNodeUxpFs({ root: path.join(dir, "shell-fs") });
    const { uxp } = createFakeUxp(uxpFs);
    const shell = runBuiltShell(path.join(outDir, "shell.js"), {
      aftereffects: fake.ae,
      uxp,
      fs: { ...fsModuleOf(uxpFs, ["open", "close", "read", "write", "lstat", "unlink", "rename", "mkdir", "readdir"]), rmdir: async () => undefined },
    });
    expect(shell.root.children).toEqual([shell.webview]);
    expect(shell.webview.attrs.src).toBe("plugin:/ui/ui/index.html");
    const answer = (await shell.request({ id: "c1", method: "host.context", params: {} })) as { result: { host: string; sequenceName: string } };
    expect(answer.result).toMatchObject({ host: "aftereffects", sequenceName: "Shot 010" });
    expect(await shell.request({ id: "b1", method: "host.backend", params: {} })).toEqual({ id: "b1", result: { url: "https://retake.example.com:8443" } });
  });

  it("a shell on a UXP without fs.rmdir says so on the panel instead of failing later", () => {
    const fake = createFakeAfterEffects();
    const uxpFs = createNodeUxpFs({ root: path.join(dir, "shell-fs-2") });
    const { uxp } = createFakeUxp(uxpFs);
    const shell = runBuiltShell(path.join(outDir, "shell.js"), { aftereffects: fake.ae, uxp, fs: fsModuleOf(uxpFs, ["open", "close", "read", "write", "lstat", "unlink", "rename", "mkdir", "readdir"]) });
    expect(shell.root.children).toEqual([]);
    expect(shell.root.textContent).toMatch(/Retake could not start: UXP's fs module has no rmdir\(\)/);
  });

  it("packages as retake-aftereffects-<version>.ccx with its manifest at the root", () => {
    const { file, entries } = packagePlugin(outDir, path.join(dir, "dist"));
    expect(path.basename(file)).toBe("retake-aftereffects-0.1.0.ccx");
    const zip = unzipSync(new Uint8Array(fs.readFileSync(file)));
    expect(Object.keys(zip).sort()).toEqual([...entries].sort());
    expect(JSON.parse(utf8Decode(zip["manifest.json"]!))).toMatchObject({ id: "dev.retake.aftereffects", host: { app: "aftereffects", minVersion: "27.0.0" } });
    expect(utf8Decode(zip["shell.js"]!)).toContain('require("aftereffects")');
  });
});
