/**
 * The .ccx: a zip of the plugin folder with manifest.json at its root, written only after the
 * manifest validates and every file it names (main page, icons) is present. Named after the
 * manifest's host: retake-premiere-<version>.ccx, retake-aftereffects-<version>.ccx.
 */
import fs from "node:fs";
import path from "node:path";
import { zipSync, type Zippable } from "fflate";
import { HOST_TARGETS, iconFiles, validateManifest, type HostApp } from "./buildManifest.js";

export function packagePlugin(pluginDir: string, distDir: string): { file: string; entries: string[] } {
  const manifest = validateManifest(JSON.parse(fs.readFileSync(path.join(pluginDir, "manifest.json"), "utf8")));
  const required = [manifest.main, "shell.js", "ui/ui/index.html", ...iconFiles(manifest).map((i) => i.path)];
  const missing = required.filter((f) => !fs.existsSync(path.join(pluginDir, f)));
  if (missing.length > 0) throw new Error(`The plugin folder is incomplete (run npm run build): missing ${missing.join(", ")}`);

  const files: Zippable = {};
  const entries: string[] = [];
  const walk = (dir: string, prefix: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name.startsWith(".") || entry.name.endsWith(".map")) continue;
      const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(path.join(dir, entry.name), rel);
      else {
        files[rel] = new Uint8Array(fs.readFileSync(path.join(dir, entry.name)));
        entries.push(rel);
      }
    }
  };
  walk(pluginDir, "");
  fs.mkdirSync(distDir, { recursive: true });
  const file = path.join(distDir, `retake-${HOST_TARGETS[manifest.host.app as HostApp].slug}-${manifest.version}.ccx`);
  fs.writeFileSync(file, zipSync(files, { level: 9 }));
  return { file, entries };
}
