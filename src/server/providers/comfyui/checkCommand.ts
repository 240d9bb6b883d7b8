import fs from "node:fs";
import path from "node:path";
import { loadConfig } from "../../config.js";
import { ComfyUIProvider } from "./comfyuiProvider.js";
import { parseWorkflow, type Workflow } from "./workflow.js";

/**
 * `retake comfyui check [workflow.json …]`: asks every server in COMFYUI_URL what it has and
 * explains, per workflow (built-in, COMFYUI_WORKFLOWS, and the files named), every problem that
 * would stop it: unknown nodes, inputs not mapped by the naming rule, wrong types, model files not
 * on disk. Exit 0 when every named workflow (or, with none named, at least one) can run somewhere.
 */
export async function comfyuiCheckCommand(args: string[], env: NodeJS.ProcessEnv = process.env, out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<number> {
  const files = args.filter((a) => !a.startsWith("--"));
  const config = loadConfig(env);
  const extra: Workflow[] = [];
  for (const file of files) {
    if (!fs.existsSync(file)) {
      out(`No such file: ${file}`);
      return 1;
    }
    const id = path.basename(file).replace(/\.json$/, "");
    const sidecar = path.join(path.dirname(file), `${id}.retake.json`);
    extra.push(parseWorkflow(id, fs.readFileSync(file, "utf8"), fs.existsSync(sidecar) ? fs.readFileSync(sidecar, "utf8") : undefined));
  }
  const provider = new ComfyUIProvider({ ...config.providers.comfyui, extraWorkflows: extra });
  try {
    await provider.refresh();
    const info = provider.info();
    if (!config.providers.comfyui.url) {
      out(`ComfyUI: ${info.reason}`);
      return 1;
    }
    const report = provider.describe().filter((w) => files.length === 0 || extra.some((e) => e.id === w.workflow));
    let usable = 0;
    for (const w of report) {
      const okOn = w.servers.filter((s) => s.problems.length === 0).map((s) => s.server);
      if (okOn.length) usable++;
      out(`${w.workflow} (${w.label}): ${okOn.length ? `runs on ${okOn.join(", ")}` : "cannot run"}`);
      for (const s of w.servers) for (const p of s.problems) out(`  - ${w.servers.length > 1 ? `${s.server}: ` : ""}${p}`);
    }
    return (files.length ? usable === report.length : usable > 0) ? 0 : 2;
  } finally {
    provider.close();
  }
}
