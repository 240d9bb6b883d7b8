/**
 * Assembles the loadable UXP plugin folder of each host: manifest (derived for the host,
 * validated, narrowed to the configured backend), the static shell page, the host's shell bundle
 * (src/host/<host>/shell), the panel UI from the Vite build (the same bundle the browser harness
 * serves) and the icons.
 *
 * Folders: Premiere's is plugin/ (its index.html and icons are committed there); After Effects'
 * is build/plugin-aftereffects/, assembled from the same page and icons. Two folders because a
 * packaged manifest names one host, and so that neither .ccx carries the other's shell.
 */
import fs from "node:fs";
import path from "node:path";
import { build } from "vite";
import { ensureIcons } from "./buildIcons.js";
import { HOST_APPS, iconFiles, prepareManifest, type HostApp, type ManifestV5 } from "./buildManifest.js";

export const REPO = path.resolve(import.meta.dirname, "..");
export const DEFAULT_BACKEND_URL = "http://127.0.0.1:5177";

/** Where each host's plugin folder is written, and the shell that runs in it. */
export const PLUGIN_DIRS: Record<HostApp, string> = {
  premierepro: path.join(REPO, "plugin"),
  aftereffects: path.join(REPO, "build/plugin-aftereffects"),
};
const SHELLS: Record<HostApp, { entry: string; module: string }> = {
  premierepro: { entry: "src/host/premiere/shell/main.ts", module: "premierepro" },
  aftereffects: { entry: "src/host/aftereffects/shell/main.ts", module: "aftereffects" },
};

export interface BuildPluginOptions {
  /** premierepro (default) or aftereffects. */
  host?: HostApp;
  /** Where the plugin is written (PLUGIN_DIRS[host] by default). */
  outDir?: string;
  /** The Vite output with ui/ and assets/ (build/web by default). */
  webDir?: string;
  backendUrl?: string;
  /** The backend's loopback HTTPS port (RETAKE_HTTPS_PORT; the next port after the backend's by default). */
  httpsPort?: number;
  /** Run the UI's Vite build first (npm run build does; tests reuse an existing build). */
  buildUi?: boolean;
}

/** RETAKE_HTTPS_PORT at build time: the same setting the backend is started with. */
export function httpsPortFromEnv(text: string | undefined): number | undefined {
  if (text === undefined || text === "") return undefined;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`RETAKE_HTTPS_PORT must be a port number between 1 and 65535, not "${text}".`);
  return port;
}

export async function buildUi(): Promise<void> {
  await build({ configFile: path.join(REPO, "vite.config.ts"), logLevel: "warn" });
}

/**
 * The shell as one classic script (IIFE: UXP loads it with <script src>, where `exports` does not
 * exist); the host's module, uxp and fs are reached through UXP's global `require` at run time.
 */
export async function buildShell(outFile: string, backendUrl: string, host: HostApp = "premierepro", httpsPort?: number): Promise<void> {
  const shell = SHELLS[host];
  await build({
    configFile: false,
    logLevel: "warn",
    root: REPO,
    define: { __RETAKE_BACKEND_URL__: JSON.stringify(backendUrl), __RETAKE_HTTPS_PORT__: JSON.stringify(httpsPort ?? null) },
    build: {
      outDir: path.dirname(outFile),
      emptyOutDir: false,
      minify: false,
      sourcemap: false,
      target: "es2020",
      lib: { entry: path.join(REPO, shell.entry), formats: ["iife"], name: "RetakeShell", fileName: () => path.basename(outFile) },
      rollupOptions: { external: [shell.module, "uxp", "fs", "os"] },
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
  const host = options.host ?? "premierepro";
  const outDir = options.outDir ?? PLUGIN_DIRS[host];
  const webDir = options.webDir ?? path.join(REPO, "build/web");
  const backendUrl = options.backendUrl ?? process.env.RETAKE_BACKEND_URL ?? DEFAULT_BACKEND_URL;
  const httpsPort = options.httpsPort ?? httpsPortFromEnv(process.env.RETAKE_HTTPS_PORT);
  if (options.buildUi) await buildUi();
  if (!fs.existsSync(path.join(webDir, "ui/index.html"))) throw new Error(`No panel build in ${webDir}: run \`npm run build\` (it builds the UI first).`);

  const pkg = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")) as { version: string };
  const manifest = prepareManifest(JSON.parse(fs.readFileSync(path.join(REPO, "manifest.json"), "utf8")), { version: pkg.version, backendUrl, host, ...(httpsPort ? { httpsPort } : {}) });

  fs.mkdirSync(outDir, { recursive: true });
  // The UI is replaced whole so stale hashed bundles never linger in the plugin.
  fs.rmSync(path.join(outDir, "ui"), { recursive: true, force: true });
  copyDir(path.join(webDir, "ui"), path.join(outDir, "ui/ui"));
  // Only the panel's assets: the harness page is not part of the plugin; source maps stay out.
  copyDir(path.join(webDir, "assets"), path.join(outDir, "ui/assets"), (name) => !name.startsWith("harness") && !name.endsWith(".map"));
  if (path.resolve(outDir) !== PLUGIN_DIRS.premierepro) {
    fs.copyFileSync(path.join(REPO, "plugin/index.html"), path.join(outDir, "index.html"));
    if (fs.existsSync(path.join(REPO, "plugin/icons"))) copyDir(path.join(REPO, "plugin/icons"), path.join(outDir, "icons"));
  }
  await buildShell(path.join(outDir, "shell.js"), backendUrl, host, httpsPort);
  ensureIcons(outDir, iconFiles(manifest));
  fs.writeFileSync(path.join(outDir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  return { outDir, manifest };
}

/** Every host's plugin folder, the UI built once first. */
export async function buildPlugins(options: Omit<BuildPluginOptions, "host" | "outDir"> = {}): Promise<{ outDir: string; manifest: ManifestV5 }[]> {
  if (options.buildUi) await buildUi();
  const built = [];
  for (const host of HOST_APPS) built.push(await buildPlugin({ ...options, buildUi: false, host }));
  return built;
}
