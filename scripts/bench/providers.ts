/** Hosted providers (issue 5): what it costs us locally to send a frame inline. */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { inlineImage } from "../../src/server/providers/luma/inlineImage.js";
import type { Report } from "../bench.js";

/** Runway's data-URI cap is 5 MB of base64, so ~3.7 MB of image; Luma's inline cap here is 10 MB. */
const RUNWAY_IMAGE_BYTES = Math.floor(((5 * 1024 * 1024 - 64) * 3) / 4);

export async function run(report: Report): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "retake-bench-"));
  try {
    for (const [w, h] of [[1920, 1080], [3840, 2160]] as const) {
      // Film-grain-like noise over a test pattern: the worst case for PNG size.
      const still = path.join(tmp, `frame-${w}x${h}.png`);
      execFileSync("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", `testsrc2=size=${w}x${h}:rate=1`, "-vf", "noise=alls=40:allf=t", "-frames:v", "1", still]);
      const pngMb = fs.statSync(still).size / 1e6;
      const started = performance.now();
      const image = await inlineImage(still, tmp, { maxBytes: RUNWAY_IMAGE_BYTES });
      const ms = performance.now() - started;
      report(`inline frame ${w}×${h} (PNG ${pngMb.toFixed(1)} MB) → Runway data URI`, `${ms.toFixed(0)} ms`, `${(image.data.length / 1e6).toFixed(2)} MB ${image.reencoded ? "JPEG" : "as is"}, ≤ 3.9 MB`);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
