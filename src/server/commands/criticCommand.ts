import fs from "node:fs";
import path from "node:path";
import { Direction } from "../../core/schemas/direction.js";
import { critiqueClip } from "../critic/analyseClip.js";

const USAGE = "Usage: retake critic <clip> [--direction <json file>] [--frame <png>] [--end-frame <png>] [--json]\n";

/**
 * `retake critic <clip> [--direction <file>] [--frame <png>] [--json]`: measures a take (camera
 * path, continuity, stability, exposure) and, with a direction, how well it follows it.
 * The direction file holds a compiled Direction, or a job/take record with one under `direction`.
 */
export async function criticCommand(args: string[]): Promise<number> {
  let clip: string | undefined;
  let directionFile: string | undefined;
  let frame: string | undefined;
  let endFrame: string | undefined;
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--json") json = true;
    else if (a === "--direction") directionFile = args[++i];
    else if (a === "--frame") frame = args[++i];
    else if (a === "--end-frame") endFrame = args[++i];
    else if (a.startsWith("--")) {
      process.stderr.write(`Unknown option ${a}.\n${USAGE}`);
      return 1;
    } else clip ??= a;
  }
  if (!clip) {
    process.stderr.write(USAGE);
    return 1;
  }
  for (const [what, file] of [["clip", clip], ["direction", directionFile], ["frame", frame], ["end frame", endFrame]] as const) {
    if (file !== undefined && !fs.existsSync(file)) {
      process.stderr.write(`No such ${what} file: ${file}\n`);
      return 1;
    }
  }
  let direction: Direction | undefined;
  if (directionFile) {
    let raw: unknown;
    try {
      raw = JSON.parse(fs.readFileSync(directionFile, "utf8"));
    } catch {
      process.stderr.write(`${directionFile} is not JSON.\n`);
      return 1;
    }
    const candidate = raw && typeof raw === "object" && "direction" in raw ? (raw as { direction: unknown }).direction : raw;
    const parsed = Direction.safeParse(candidate);
    if (!parsed.success) {
      process.stderr.write(`${directionFile} does not hold a compiled direction: ${parsed.error.issues[0]?.path.join(".")} ${parsed.error.issues[0]?.message}\n`);
      return 1;
    }
    direction = parsed.data;
  }
  const critique = await critiqueClip(clip, { direction, framePath: frame, ...(endFrame ? { endFramePath: endFrame } : {}) });
  if (json) process.stdout.write(`${JSON.stringify(critique, null, 2)}\n`);
  else {
    // A move that could not be measured costs nothing: say so beside the number, so it does not read as perfect.
    const partial = critique.camera.measurable === false ? " (over what could be measured: camera not measured)" : "";
    process.stdout.write(`${path.basename(clip)}: ${critique.score}/100${partial}\n${critique.critique}\n`);
    const c = critique.camera;
    const trust = c.measurable === false ? `could not be measured: ${c.unmeasured ?? "the background could not be seen well enough"}` : "measured";
    process.stdout.write(`camera: ${trust} (confidence ${(c.confidence ?? 1).toFixed(2)}); velocity x ${c.velocity.x.toFixed(3)}/s, y ${c.velocity.y.toFixed(3)}/s, zoom ${c.zoomRate.toFixed(3)}/s\n`);
    for (const s of critique.adherence?.subjects ?? []) {
      process.stdout.write(`subject "${s.label || s.annotationId}": ${s.phrase.replace(/^("[^"]*"|the subject)('s)? ?/, "")}\n`);
    }
    for (const p of critique.penalties) process.stdout.write(`  −${p.points} ${p.aspect}: ${p.reason}\n`);
  }
  return 0;
}
