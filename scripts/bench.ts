/**
 * `npm run bench`: the speed figures the issues ask for, printed, never asserted (timed tests
 * flake; figures in a bench are read by people and compared across changes).
 *
 * Each area keeps its figures in `scripts/bench/<area>.ts`, exporting `run(report)`; this runner
 * runs them all, or only those named on the command line (`npm run bench -- previz`).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export type Report = (name: string, figure: string, target: string) => void;

const report: Report = (name, figure, target) => console.log(`${name.padEnd(58)} ${figure.padStart(12)}   ${target}`);
const benchDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "bench");
const only = process.argv.slice(2);
const modules = fs.readdirSync(benchDir).filter((f) => f.endsWith(".ts")).sort().filter((f) => only.length === 0 || only.includes(f.replace(/\.ts$/, "")));

console.log(`Retake bench — ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? "cpu"}, ${new Date().toISOString()}\n`);
console.log(`${"measure".padEnd(58)} ${"figure".padStart(12)}   target`);
for (const file of modules) {
  const mod = (await import(pathToFileURL(path.join(benchDir, file)).href)) as { run: (report: Report) => Promise<void> };
  console.log(`\n[${file.replace(/\.ts$/, "")}]`);
  await mod.run(report);
}
