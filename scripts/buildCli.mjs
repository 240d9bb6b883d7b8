/**
 * The compiled `retake` command: esbuild bundles src/server/cli.ts (and what it imports of src/)
 * into build/cli/, one chunk per command, so `retake probe` loads the probe's code and not the
 * web server's. Packages stay in node_modules (better-sqlite3 is native; the rest load as they are).
 *
 * Plain JavaScript, not TypeScript, because bin/retake.mjs calls it before anything could
 * compile TypeScript: at install (`prepare`) and again at a start that finds the bundle stale.
 * Staleness is read from build/cli/inputs.json, the source files that went into the bundle with
 * their modification times, so checking costs one stat per source file (~2 ms) and no esbuild.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const cliDir = path.join(projectRoot, "build/cli");
export const cliEntry = path.join(cliDir, "cli.mjs");
const inputsFile = path.join(cliDir, "inputs.json");

/** True when the bundle is missing or any file it was built from changed, appeared or vanished since. */
export function cliIsStale() {
  let recorded;
  try {
    recorded = JSON.parse(fs.readFileSync(inputsFile, "utf8"));
  } catch {
    return true;
  }
  if (!fs.existsSync(cliEntry)) return true;
  for (const [file, mtimeMs] of Object.entries(recorded.inputs)) {
    try {
      if (fs.statSync(path.join(projectRoot, file)).mtimeMs !== mtimeMs) return true;
    } catch {
      return true;
    }
  }
  return false;
}

/** Every dependency but zod, with its subpaths (`fastify/…`), as esbuild externals. */
function externalPackages() {
  const pkg = JSON.parse(fs.readFileSync(path.join(projectRoot, "package.json"), "utf8"));
  const names = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies, ...pkg.optionalDependencies }).filter((n) => n !== "zod");
  return names.flatMap((n) => [n, `${n}/*`]);
}

/** Bundles the CLI (about a second) and records its inputs. */
export async function buildCli() {
  const esbuild = await import("esbuild");
  // Built beside and swapped in whole, so a retake starting meanwhile never sees half a bundle.
  const fresh = `${cliDir}.new-${process.pid}`;
  const old = `${cliDir}.old-${process.pid}`;
  fs.rmSync(fresh, { recursive: true, force: true });
  const result = await esbuild.build({
    entryPoints: { cli: path.join(projectRoot, "src/server/cli.ts") },
    outdir: fresh,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    // Packages stay in node_modules, except zod: loading its ~90 ES modules one by one took
    // ~70 ms of every start, while bundled it parses in a few. Not minified: stack traces stay readable.
    external: externalPackages(),
    sourcemap: "linked",
    metafile: true,
    logLevel: "warning",
    absWorkingDir: projectRoot,
  });
  // Our sources by file; the bundled package (zod) by the lockfile, which changes when it does.
  const inputs = {};
  for (const file of [...Object.keys(result.metafile.inputs).filter((f) => !f.startsWith("node_modules/")), "package-lock.json"].filter((f) => fs.existsSync(path.join(projectRoot, f)))) {
    inputs[file] = fs.statSync(path.join(projectRoot, file)).mtimeMs;
  }
  fs.writeFileSync(path.join(fresh, "inputs.json"), `${JSON.stringify({ builtAt: new Date().toISOString(), inputs }, null, 1)}\n`);
  try {
    if (fs.existsSync(cliDir)) fs.renameSync(cliDir, old);
  } catch {
    // another process moved it first
  }
  try {
    fs.renameSync(fresh, cliDir);
  } catch {
    fs.rmSync(fresh, { recursive: true, force: true }); // another process swapped in the same build first
  }
  fs.rmSync(old, { recursive: true, force: true });
  return { inputs: Object.keys(inputs).length };
}

// `node scripts/buildCli.mjs` (the `prepare` and `build:cli` scripts).
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  const { inputs } = await buildCli();
  console.log(`Built the retake command in ${path.relative(process.cwd(), cliDir) || "."}/ from ${inputs} sources in ${Math.round(performance.now() - started)} ms`);
}
