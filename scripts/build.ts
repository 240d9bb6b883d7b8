/**
 * `npm run build`: the panel UI (Vite), then each host's UXP plugin folder, which UXP Developer
 * Tool loads as is: plugin/ (Premiere Pro) and build/plugin-aftereffects/ (After Effects).
 * RETAKE_BACKEND_URL picks the backend the manifests allow (loopback default).
 */
import path from "node:path";
import { buildPlugins } from "./buildPlugin.js";

for (const { outDir, manifest } of await buildPlugins({ buildUi: true })) {
  console.log(`Built ${manifest.name} ${manifest.version} for ${manifest.host.app} ≥ ${manifest.host.minVersion} in ${path.relative(process.cwd(), outDir) || "."}/`);
  console.log(`  backend allowed by the manifest: ${(manifest.requiredPermissions.network?.domains as string[]).join(", ")}`);
}
