/**
 * The judge's labelled set (issue 20): real footage (test/fixtures/footage, © Intel Corporation,
 * CC BY 4.0) cut to 3 s, and the same cuts with one obvious artefact made by editing the picture
 * with ffmpeg — a frozen region, a warped face-sized patch, a popped object — each with where and
 * from when, so a test can check the edit is really in the file. The recorded answers that go
 * with them are in test/fixtures/judge/answers.json.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const FOOTAGE = path.resolve("test/fixtures/footage");

export interface LabelledClip {
  name: string;
  /** The clean clip it was made from (itself for a clean one). */
  cleanOf: string;
  label: "clean" | "frozen region" | "warped face" | "popped object";
  /** The edited region in pixels (640-wide frames) and when the edit starts (s). */
  region?: { x: number; y: number; w: number; h: number; from: number };
  source: string;
  /** Input options and the filter graph that makes it from the source. */
  input: string[];
  filter?: string;
}

const SIGNER = ["-t", "3", "-i", path.join(FOOTAGE, "asl-walk.mkv")];
const BOTTLES = ["-ss", "10", "-t", "3", "-i", path.join(FOOTAGE, "bottle-detection.mp4")];

export const LABELLED_SET: LabelledClip[] = [
  { name: "signer-clean", cleanOf: "signer-clean", label: "clean", source: "asl-walk.mkv 0–3 s", input: SIGNER },
  {
    name: "signer-frozen-hands",
    cleanOf: "signer-clean",
    label: "frozen region",
    region: { x: 180, y: 200, w: 240, h: 130, from: 1 },
    source: "asl-walk.mkv 0–3 s; the hands' region held on its first frame from 1 s",
    input: SIGNER,
    filter: "[0:v]split[a][b];[b]crop=240:130:180:200,trim=end_frame=1,loop=loop=-1:size=1:start=0,setpts=N/30/TB[f];[a][f]overlay=180:200:enable='gte(t,1)':shortest=1",
  },
  {
    name: "signer-warped-face",
    cleanOf: "signer-clean",
    label: "warped face",
    region: { x: 250, y: 80, w: 100, h: 110, from: 1 },
    source: "asl-walk.mkv 0–3 s; the face's 100×110 patch rippled by a moving displacement from 1 s",
    input: SIGNER,
    filter:
      // Converted to limited-range yuv420p first: on the source's yuvj420p the overlay drops the geq branch.
      "[0:v]format=yuv420p,split[a][b];[b]crop=100:110:250:80,geq=lum='lum(X+9*sin(Y/6+T*9),Y+9*cos(X/6+T*7))':cb='cb(X+4*sin(Y/3+T*9),Y+4*cos(X/3+T*7))':cr='cr(X+4*sin(Y/3+T*9),Y+4*cos(X/3+T*7))'[w];[a][w]overlay=250:80:enable='gte(t,1)'",
  },
  { name: "bottles-clean", cleanOf: "bottles-clean", label: "clean", source: "bottle-detection.mp4 10–13 s", input: BOTTLES },
  {
    name: "bottles-popped",
    cleanOf: "bottles-clean",
    label: "popped object",
    region: { x: 500, y: 100, w: 75, h: 220, from: 1.5 },
    source: "bottle-detection.mp4 10–13 s; the right-hand bottle painted over with the wall and table beside it from 1.5 s",
    input: BOTTLES,
    filter: "[0:v]split[a][b];[b]crop=75:220:425:100[p];[a][p]overlay=500:100:enable='gte(t,1.5)'",
  },
];

/** Makes every clip of the set in `dir` (H.264, 640 wide), once; returns their paths by name. */
export function buildLabelledSet(dir: string): Record<string, string> {
  fs.mkdirSync(dir, { recursive: true });
  const out: Record<string, string> = {};
  for (const clip of LABELLED_SET) {
    const file = path.join(dir, `${clip.name}.mp4`);
    if (!fs.existsSync(file)) {
      const graph = clip.filter ? ["-filter_complex", `${clip.filter},format=yuv420p[v]`, "-map", "[v]"] : ["-map", "0:v", "-vf", "format=yuv420p"];
      execFileSync("ffmpeg", ["-v", "error", "-y", ...clip.input, ...graph, "-an", "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-t", "3", file]);
    }
    out[clip.name] = file;
  }
  return out;
}

/** The grey values of one region of the frame at `t`, for checking that an edit is in the file. */
export function regionGrey(file: string, t: number, r: { x: number; y: number; w: number; h: number }): Uint8Array {
  return new Uint8Array(execFileSync("ffmpeg", ["-v", "error", "-ss", t.toFixed(3), "-i", file, "-frames:v", "1", "-vf", `crop=${r.w}:${r.h}:${r.x}:${r.y},format=gray`, "-f", "rawvideo", "-"]));
}

export function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}
