import { execFileSync } from "node:child_process";
import path from "node:path";
import { compileDirection, sampleCameraPath } from "../../../src/core/direction/index.js";
import type { AnnotationInput } from "../../../src/core/schemas/annotation.js";
import type { CameraState, Direction } from "../../../src/core/schemas/direction.js";
import type { SequenceColorSpace } from "../../../src/core/schemas/color.js";
import { renderPreviz } from "../../../src/server/providers/previz/renderPreviz.js";

export const FPS = { num: 24, den: 1 };

export function ffmpeg(args: string[]): Buffer {
  return execFileSync("ffmpeg", ["-nostdin", "-hide_banner", "-loglevel", "error", "-y", ...args], { maxBuffer: 64 << 20 });
}

/** A textured still: testsrc2's shapes and text with fine noise on top, so every region has detail. */
export function texturedStill(dir: string, width = 1280, height = 720): string {
  const out = path.join(dir, `still-${width}x${height}.png`);
  ffmpeg(["-f", "lavfi", "-i", `testsrc2=size=${width}x${height}:rate=1,noise=alls=24:allf=u`, "-frames:v", "1", out]);
  return out;
}

export function direction(annotations: AnnotationInput[], duration: number): Direction {
  return compileDirection({ prompt: "test", annotations, duration }, { frameSize: { width: 640, height: 360 } });
}

let renders = 0;
/** Renders the direction's camera path (or explicit samples) over the still as a 640×360 previz master. */
export async function renderTake(
  dir: string,
  still: string,
  what: Direction | CameraState[],
  options: { duration?: number; colorSpace?: SequenceColorSpace } = {},
): Promise<string> {
  const samples = Array.isArray(what) ? what : sampleCameraPath(what.camera.keyframes, FPS, options.duration ?? what.duration);
  const result = await renderPreviz({
    stillPath: still,
    outDir: path.join(dir, `take-${renders++}`),
    samples,
    fps: FPS,
    // Draft quality renders the master at half the sequence size: 640×360.
    width: 1280,
    height: 720,
    colorSpace: options.colorSpace ?? "rec709",
    quality: "draft",
  });
  return result.master.path;
}
