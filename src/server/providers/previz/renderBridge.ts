/**
 * Previz bridge: the honest preview of a shot between A and B, with no key. A's picture makes the
 * directed camera move; B's picture makes the same move arriving at its own exact framing; one
 * dissolves into the other (smoothstep weights, 0 on the first frame, 1 on the last). So the
 * first frame is A's captured picture, the last is B's, and the move in between is the one
 * drawn. It is a dissolve over camera moves, not an invented shot: previz says so in the card.
 *
 * Both halves are rendered by the one previz renderer (renderPreviz: the same geometry every
 * provider is judged against) and blended in one ffmpeg run into the ProRes master, in the
 * sequence's color, tagged like every master.
 */
import fs from "node:fs/promises";
import path from "node:path";
import type { CameraState } from "../../../core/schemas/direction.js";
import type { ClliBox } from "../../../core/schemas/color.js";
import { encoderColorArgs, MASTERING_DISPLAY_P3_D65_1000, writeHdr10Boxes } from "../../media/colorConvert.js";
import { runFfmpeg } from "../../media/ffmpeg.js";
import { lengthArgs } from "../../media/audioTrack.js";
import { testSoundInput, testSoundMasterArgs } from "./testSound.js";
import { renderPreviz, type PrevizInput, type RenderedFile } from "./renderPreviz.js";

const IDENTITY: CameraState = { x: 0.5, y: 0.5, zoom: 1, roll: 0 };
const PRORES_QUANT = { draft: 4, final: 2 } as const;

export interface BridgeRenderInput extends Omit<PrevizInput, "stillPath" | "outDir"> {
  startStillPath: string;
  endStillPath: string;
  outDir: string;
}

export interface BridgeRenderResult {
  master: RenderedFile;
  frames: number;
  contentLight?: ClliBox;
}

/**
 * B's camera: from where A's move ends back to the whole frame, eased, so B's last frame is B's
 * picture exactly and B travels with A while the two are mixed.
 */
export function arrivingSamples(samples: readonly CameraState[]): CameraState[] {
  const from = samples.at(-1) ?? IDENTITY;
  const n = samples.length;
  return samples.map((_, i) => {
    const t = n <= 1 ? 1 : i / (n - 1);
    const w = t * t * (3 - 2 * t);
    const mix = (a: number, b: number) => a + (b - a) * w;
    return { x: mix(from.x, IDENTITY.x), y: mix(from.y, IDENTITY.y), zoom: mix(from.zoom, IDENTITY.zoom), roll: mix(from.roll, IDENTITY.roll) };
  });
}

export async function renderBridge(input: BridgeRenderInput): Promise<BridgeRenderResult> {
  const frames = input.samples.length;
  const progress = (offset: number) => (fraction: number) => input.onProgress?.(offset + fraction * 0.4);
  const common = { fps: input.fps, width: input.width, height: input.height, colorSpace: input.colorSpace, quality: input.quality, sound: false, ...(input.signal ? { signal: input.signal } : {}) };
  // The sound goes on the blended master only (A's and B's renders are picture scratch).
  const a = await renderPreviz({ ...common, stillPath: input.startStillPath, outDir: path.join(input.outDir, "a"), samples: input.samples, onProgress: progress(0) });
  const b = await renderPreviz({ ...common, stillPath: input.endStillPath, outDir: path.join(input.outDir, "b"), samples: arrivingSamples(input.samples), onProgress: progress(0.4) });
  const master = path.join(input.outDir, "bridge.mov");
  const last = Math.max(1, frames - 1);
  // w = smoothstep(N / (frames − 1)): exactly 0 on the first frame and 1 on the last.
  const expr = `st(0,N/${last});st(1,ld(0)*ld(0)*(3-2*ld(0)));A+(B-A)*ld(1)`;
  const rate = `${input.fps.num}/${input.fps.den}`;
  await runFfmpeg(
    [
      "-y", "-i", a.master.path, "-i", b.master.path, ...(input.sound ? testSoundInput((frames * input.fps.den) / input.fps.num) : []),
      "-filter_complex", `[0:v][1:v]blend=all_expr='${expr}',format=yuv422p10le[m]`,
      "-map", "[m]", ...lengthArgs(frames, input.fps, input.sound === true), "-r", rate,
      "-c:v", "prores_ks", "-profile:v", "hq", "-vendor", "apl0", "-qscale:v", String(PRORES_QUANT[input.quality]), "-pix_fmt", "yuv422p10le",
      ...encoderColorArgs(input.colorSpace), ...(input.sound ? testSoundMasterArgs(2, (frames * input.fps.den) / input.fps.num) : ["-an"]), "-f", "mov", master,
    ],
    { ...(input.signal ? { signal: input.signal } : {}), durationSeconds: (frames * input.fps.den) / input.fps.num, onProgress: (f: number) => input.onProgress?.(0.8 + f * 0.2) },
  );
  // A mix of two pictures is never brighter than the brighter of them.
  let contentLight: ClliBox | undefined;
  if (input.colorSpace === "rec2100-pq") {
    const levels = [a.contentLight, b.contentLight].filter((c): c is ClliBox => c !== undefined);
    contentLight = { maxCLL: Math.max(0, ...levels.map((c) => c.maxCLL)), maxFALL: Math.max(0, ...levels.map((c) => c.maxFALL)) };
    await writeHdr10Boxes(master, { mdcv: MASTERING_DISPLAY_P3_D65_1000, clli: contentLight });
  }
  await Promise.all([fs.rm(path.join(input.outDir, "a"), { recursive: true, force: true }), fs.rm(path.join(input.outDir, "b"), { recursive: true, force: true })]);
  return { master: { path: master, width: a.master.width, height: a.master.height }, frames, ...(contentLight ? { contentLight } : {}) };
}
