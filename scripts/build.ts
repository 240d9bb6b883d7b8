/**
 * `npm run build`: the panel UI (Vite), then the UXP plugin folder in plugin/ that UXP Developer
 * Tool loads as is. RETAKE_BACKEND_URL picks the backend the manifest allows (loopback default).
 */
import path from "node:path";
import { buildPlugin } from "./buildPlugin.js";

const { outDir, manifest } = await buildPlugin({ buildUi: true });
console.log(`Built ${manifest.name} ${manifest.version} for ${manifest.host.app} ≥ ${manifest.host.minVersion} in ${path.relative(process.cwd(), outDir) || "."}/`);
console.log(`Backend allowed by the manifest: ${(manifest.requiredPermissions.network?.domains as string[]).join(", ")}`);
