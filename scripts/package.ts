/** `npm run package`: build the plugin, then dist/retake-premiere-<version>.ccx. */
import path from "node:path";
import { buildPlugin, REPO } from "./buildPlugin.js";
import { packagePlugin } from "./packagePlugin.js";

const { outDir } = await buildPlugin({ buildUi: true });
const { file, entries } = packagePlugin(outDir, path.join(REPO, "dist"));
console.log(`Packaged ${entries.length} files into ${path.relative(process.cwd(), file)}`);
