/**
 * Assembles the loadable UXP plugin folder: manifest (validated, narrowed to the configured
 * backend), the static shell page, the shell bundle (src/host/premiere/shell), the panel UI from
 * the Vite build (the same bundle the browser harness serves) and the icons.
 */
import fs from "node:fs";
import path from "node:path";
import { build } from "vite";
import { ensureIcons } from "./buildIcons.js";
import { iconFiles, prepareManifest, type ManifestV5 } from "./buildManifest.js";

export const REPO = path.resolve(import.meta.dirname, "..");
export const DEFAULT_BACKEND_URL = "http://127.0.0.1:5177";

export interface BuildPluginOptions {
  /** Where the plugin is written (plugin/ by default). */
  outDir?: string;
  /** The Vite output with ui/ and assets/ (build/web by default). */
  webDir?: string;
  backendUrl?: string;
  /** Run the UI's Vite build first (npm run build does; tests reuse an existing build). */
  buildUi?: boolean;
}

export async function buildUi(): Promise<void> {
  await build({ configFile: path.join(REPO, "vite.config.ts"), logLevel: "warn" });
}

/**
 * The shell as one classic script (IIFE: UXP loads it with <script src>, where `exports` does not
 * exist); premierepro/uxp/fs are reached through UXP's global `require` at run time.
 */
export async function buildShell(outFile: string, backendUrl: string): Promise<void> {
  await build({
    configFile: false,
    logLevel: "warn",
    root: REPO,
    define: { __RETAKE_BACKEND_URL__: JSON.stringify(backendUrl) },
    build: {
      outDir: path.dirname(outFile),
      emptyOutDir: false,
      minify: false,
      sourcemap: false,
      target: "es2020",
      lib: { entry: path.join(REPO, "src/host/premiere/shell/main.ts"), formats: ["iife"], name: "RetakeShell", fileName: () => path.basename(outFile) },
      rollupOptions: { external: ["premierepro", "uxp", "fs", "os"] },
    },
  });
}

function copyDir(from: string, to: string, keep: (name: string) => boolean = () => true): void {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    if (!keep(entry.name)) continue;
    const src = path.join(from, entry.name);
    const dst = path.join(to, entry.name);
    if (entry.isDirectory()) copyDir(src, dst, keep);
    else fs.copyFileSync(src, dst);
  }
}

export async function buildPlugin(options: BuildPluginOptions = {}): Promise<{ outDir: string; manifest: ManifestV5 }> {
  const outDir = options.outDir ?? path.join(REPO, "plugin");
  const webDir = options.webDir ?? path.join(REPO, "build/web");
  const backendUrl = options.backendUrl ?? process.env.RETAKE_BACKEND_URL ?? DEFAULT_BACKEND_URL;
  if (options.buildUi) await buildUi();
  if (!fs.existsSync(path.join(webDir, "ui/index.html"))) throw new Error(`No panel build in ${webDir}: run \`npm run build\` (it builds the UI first).`);

  const pkg = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")) as { version: string };
  const manifest = prepareManifest(JSON.parse(fs.readFileSync(path.join(REPO, "manifest.json"), "utf8")), { version: pkg.version, backendUrl });

  fs.mkdirSync(outDir, { recursive: true });
  // The UI is replaced whole so stale hashed bundles never linger in the plugin.
  fs.rmSync(path.join(outDir, "ui"), { recursive: true, force: true });
  copyDir(path.join(webDir, "ui"), path.join(outDir, "ui/ui"));
  // Only the panel's assets: the harness page is not part of the plugin; source maps stay out.
  copyDir(path.join(webDir, "assets"), path.join(outDir, "ui/assets"), (name) => !name.startsWith("harness") && !name.endsWith(".map"));
  if (path.resolve(outDir) !== path.join(REPO, "plugin")) {
    fs.copyFileSync(path.join(REPO, "plugin/index.html"), path.join(outDir, "index.html"));
    if (fs.existsSync(path.join(REPO, "plugin/icons"))) copyDir(path.join(REPO, "plugin/icons"), path.join(outDir, "icons"));
  }
  await buildShell(path.join(outDir, "shell.js"), backendUrl);
  ensureIcons(outDir, iconFiles(manifest));
  fs.writeFileSync(path.join(outDir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  return { outDir, manifest };
}
