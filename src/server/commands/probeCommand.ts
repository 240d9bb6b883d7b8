import fs from "node:fs";
import path from "node:path";
import { readColorTagsFromFile } from "../files/fileRangedRead.js";

/** `retake probe <file> [--json]`: the color tags of a video or EXR file, with a verdict. */
export async function probeCommand(args: string[]): Promise<number> {
  const file = args.find((a) => !a.startsWith("--"));
  if (!file) {
    process.stderr.write("Usage: retake probe <file> --json\n");
    return 1;
  }
  if (!fs.existsSync(file)) {
    process.stderr.write(`No such file: ${file}\n`);
    return 1;
  }
  const tags = await readColorTagsFromFile(file);
  if (args.includes("--json")) process.stdout.write(`${JSON.stringify(tags, null, 2)}\n`);
  else {
    process.stdout.write(`${path.basename(file)}: ${tags.colorSpace}${tags.agree ? " (tags agree)" : ""}\n`);
    for (const problem of tags.problems) process.stdout.write(`  - ${problem}\n`);
  }
  return tags.agree ? 0 : 2;
}
