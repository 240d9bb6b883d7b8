/** `npm run package`: build every host's plugin, then dist/retake-premiere-<version>.ccx and dist/retake-aftereffects-<version>.ccx. */
import path from "node:path";
import { buildPlugins, REPO } from "./buildPlugin.js";
import { packagePlugin } from "./packagePlugin.js";

for (const { outDir } of await buildPlugins({ buildUi: true })) {
  const { file, entries } = packagePlugin(outDir, path.join(REPO, "dist"));
  console.log(`Packaged ${entries.length} files into ${path.relative(process.cwd(), file)}`);
}
