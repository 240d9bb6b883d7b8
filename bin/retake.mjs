#!/usr/bin/env node
// The `retake` command. It runs compiled JavaScript: build/cli/, bundled by scripts/buildCli.mjs
// at install (`prepare`) and again here whenever a source file changed since, which takes about
// a second. Loading TypeScript through tsx on every start cost ~0.7 s; the bundle loads in tens of
// milliseconds. RETAKE_TSX=1 runs the sources through tsx instead (development, or a read-only
// install whose bundle is stale).
import module from "node:module";
import { pathToFileURL } from "node:url";
import { buildCli, cliEntry, cliIsStale } from "../scripts/buildCli.mjs";

// Node 22+ keeps compiled code between runs (Node 20 has no such cache; there this is skipped).
module.enableCompileCache?.();

let main;
if (process.env.RETAKE_TSX !== "1" && (!cliIsStale() || (await rebuilt()))) {
  ({ main } = await import(pathToFileURL(cliEntry).href));
} else {
  const { register } = await import("tsx/esm/api");
  register();
  ({ main } = await import("../src/server/cli.ts"));
}
process.exitCode = await main(process.argv.slice(2));

async function rebuilt() {
  try {
    await buildCli();
    return true;
  } catch (err) {
    process.stderr.write(`(Could not rebuild the retake command, running the sources through tsx: ${err instanceof Error ? err.message.split("\n")[0] : String(err)})\n`);
    return false;
  }
}
