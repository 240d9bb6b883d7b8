/**
 * The previz renderer: the direction's camera move rendered over the captured still, exactly.
 * It is the reference every generative provider is judged against, so the geometry is the
 * contract — one view window per output frame, sampled with sub-pixel accuracy:
 *
 *   window centre = (x · stillWidth, y · stillHeight), window width = stillWidth / zoom,
 *   window height = window width · outHeight / outWidth, rotated `roll` degrees clockwise
 *   on the still. Output pixel centre (u, v) samples the still at
 *   centre + R(roll) · ((u − W/2) · s, (v − H/2) · s), s = window width / W.
 *
 * Where the window leaves the still the edge pixels are extended (clamped sampling), so a
 * move that runs off the frame shows smeared edges rather than black: previz shows what the
 * still has, and generative providers invent the rest (Conflict.acceptableForGenerative).
 *
 * One ffmpeg run renders everything: the still is decoded once (and pre-scaled once when the
 * output is smaller), repeated per frame, warped by `perspective` (sense=source, eval=frame:
 * the corners of every frame are computed here and handed over as a balanced if(lt(on,k))
 * tree), then split into the ProRes 422 HQ master in the sequence's color space, the SDR H.264
 * proxy and the JPEG poster. The warp runs on 8-bit full-range Y'CbCr (perspective has no deeper
 * path in ffmpeg 5.1); the still is 8-bit SDR, so nothing is lost that the still had, and the HDR
 * conversion follows in float (zscale) straight into 10-bit.
 */
import fs from "node:fs/promises";
import path from "node:path";
import type { CameraState } from "../../../core/schemas/direction.js";
import type { FrameRate } from "../../../core/schemas/frameContext.js";
import type { ClliBox, SequenceColorSpace } from "../../../core/schemas/color.js";
import {
  encoderColorArgs,
  MASTERING_DISPLAY_P3_D65_1000,
  sdrPixelLightLevel,
  sdrToColorSpaceFilter,
  writeHdr10Boxes,
  type SdrLayout,
} from "../../media/colorConvert.js";
import { ffprobeJson, runFfmpeg, type FfprobeResult } from "../../media/ffmpeg.js";
import { lengthArgs } from "../../media/audioTrack.js";
import { testSoundInput, testSoundMasterArgs, testSoundProxyArgs } from "./testSound.js";

export type PrevizQuality = "draft" | "final";

export interface PrevizInput {
  stillPath: string;
  outDir: string;
  /** One camera state per output frame. */
  samples: CameraState[];
  fps: FrameRate;
  /** The sequence frame size; the final master is rendered at it, the draft at half. */
  width: number;
  height: number;
  colorSpace: SequenceColorSpace;
  quality: PrevizQuality;
  /** Add previz's test sound (testSound.ts) to the master and the proxy. */
  sound?: boolean;
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
}

export interface RenderedFile {
  path: string;
  width: number;
  height: number;
}

export interface PrevizResult {
  master: RenderedFile;
  proxy: RenderedFile;
  poster: RenderedFile;
  frames: number;
  /** Seconds: frames / fps. */
  duration: number;
  /** HDR10 content light levels written into a PQ master (absent otherwise). */
  contentLight?: ClliBox;
}

const PROXY_MAX_WIDTH: Record<PrevizQuality, number> = { draft: 640, final: 960 };
/** ProRes quantiser. 2 ≈ Apple's HQ data rate at 1080p on natural pictures (measured 62.9 dB
 * PSNR vs 59.7 for prores_ks's own rate control at the same size) and 10× faster than letting
 * prores_ks search for the quantiser; drafts take 4. */
const PRORES_QUANT: Record<PrevizQuality, number> = { draft: 4, final: 2 };

export async function renderPreviz(input: PrevizInput): Promise<PrevizResult> {
  const { samples, fps, quality, colorSpace } = input;
  validate(input);
  await fs.mkdir(input.outDir, { recursive: true });

  const still = await probeStill(input.stillPath, input.signal);
  const master = masterSize(input.width, input.height, quality);
  const proxy = fitWidth(master, PROXY_MAX_WIDTH[quality]);
  const canvas = canvasSize(still, master, samples, quality);
  const frames = samples.length;
  const duration = (frames * fps.den) / fps.num;
  const mid = Math.floor(frames / 2);

  const files = {
    master: path.join(input.outDir, "master.mov"),
    proxy: path.join(input.outDir, "proxy.mp4"),
    poster: path.join(input.outDir, "poster.jpg"),
    graph: path.join(input.outDir, "previz-graph.txt"),
    canvasRgb: path.join(input.outDir, "previz-canvas.rgb"),
  };
  const pq = colorSpace === "rec2100-pq";
  const corners = samples.map((s) => frameCorners(s, still, canvas, master));

  // The warp runs on full-range 8-bit Y'CbCr (Rec.709 matrix), cubic 4:2:2 for finals — the
  // master's own subsampling, chroma co-sited, so vf_perspective maps it exactly — and bilinear
  // 4:2:0 for drafts. Fewer planes than R'G'B' make it a third cheaper; against an R'G'B' warp
  // the master differs by 59 dB PSNR (Rec.709) and 62 dB (HLG): nothing visible.
  const final = quality === "final";
  const warp: SdrLayout = { matrix: "709", range: "full" };
  const zfilter = final ? "bicubic" : "bilinear";
  const prescale = canvas.width !== still.width || canvas.height !== still.height;
  const cropped = canvas.width !== master.width || canvas.height !== master.height;
  const graph = [
    `[0:v]trim=end_frame=1,format=gbrp` +
      (prescale ? `,zscale=w=${canvas.width}:h=${canvas.height}:f=${final ? "spline36" : "bilinear"}` : "") +
      (pq ? `,split=2[still][raw];[raw]format=rgb24[canvasrgb];[still]` : ",") +
      `zscale=min=gbr:rin=full:m=709:r=full,format=${final ? "yuv422p" : "yuv420p"},` +
      `loop=loop=${frames - 1}:size=1:start=0,settb=expr=${fps.den}/${fps.num},setpts=N,` +
      perspectiveChain(corners, final ? "cubic" : "linear", canvas) +
      (cropped ? `,crop=${master.width}:${master.height}:0:0` : "") +
      `,split=3[m][p][q]`,
    `[m]${sdrToColorSpaceFilter(colorSpace, { from: warp })}[master]`,
    `[p]${sdrToColorSpaceFilter("rec709", { pixFmt: "yuv420p", resize: { ...proxy, filter: zfilter }, from: warp })}[proxy]`,
    // JPEG/JFIF is BT.601 full range, whatever the picture.
    `[q]select='eq(n,${mid})',zscale=w=${proxy.width}:h=${proxy.height}:f=${zfilter}:min=${warp.matrix}:rin=${warp.range}:m=170m:r=full,format=yuvj420p[poster]`,
  ].join(";\n");
  await fs.writeFile(files.graph, graph);

  const rate = `${fps.num}/${fps.den}`;
  const args = [
    "-y",
    "-i", input.stillPath,
    ...(input.sound ? testSoundInput(duration) : []),
    "-filter_complex_script", files.graph,
    // With sound, `-t` cuts the picture (ffmpeg 5 ends the whole output at `-frames:v`, cutting the sound short).
    "-map", "[master]", ...lengthArgs(frames, fps, input.sound === true), "-r", rate,
    "-c:v", "prores_ks", "-profile:v", "hq", "-vendor", "apl0", "-qscale:v", String(PRORES_QUANT[quality]), "-pix_fmt", "yuv422p10le",
    ...encoderColorArgs(colorSpace), ...(input.sound ? testSoundMasterArgs(1, duration) : []), "-f", "mov", files.master,
    "-map", "[proxy]", ...(input.sound ? testSoundProxyArgs(1, duration) : []), ...lengthArgs(frames, fps, input.sound === true), "-r", rate,
    "-c:v", "libx264", "-preset", final ? "veryfast" : "ultrafast", "-crf", final ? "20" : "23",
    "-pix_fmt", "yuv420p", ...encoderColorArgs("rec709"), "-movflags", "+faststart", "-f", "mp4", files.proxy,
    "-map", "[poster]", "-frames:v", "1", "-c:v", "mjpeg", "-q:v", "3", "-f", "image2", "-update", "1", files.poster,
    ...(pq ? ["-map", "[canvasrgb]", "-frames:v", "1", "-f", "rawvideo", files.canvasRgb] : []),
  ];

  const outputs = [files.master, files.proxy, files.poster];
  try {
    await runFfmpeg(args, {
      signal: input.signal,
      durationSeconds: duration,
      onProgress: input.onProgress ? (f) => input.onProgress?.(Math.min(f, 0.99)) : undefined,
    });
    let contentLight: ClliBox | undefined;
    if (pq) {
      contentLight = await contentLightLevels(files.canvasRgb, canvas, master, corners);
      await writeHdr10Boxes(files.master, { mdcv: MASTERING_DISPLAY_P3_D65_1000, clli: contentLight });
    }
    input.onProgress?.(1);
    return {
      master: { path: files.master, ...master },
      proxy: { path: files.proxy, ...proxy },
      poster: { path: files.poster, ...proxy },
      frames,
      duration,
      ...(contentLight ? { contentLight } : {}),
    };
  } catch (err) {
    await Promise.all(outputs.map((f) => fs.rm(f, { force: true })));
    throw err;
  } finally {
    await Promise.all([fs.rm(files.graph, { force: true }), fs.rm(files.canvasRgb, { force: true })]);
  }
}

interface Size {
  width: number;
  height: number;
}

function validate(input: PrevizInput): void {
  if (input.samples.length === 0) throw new RangeError("A previz render needs at least one camera sample (one per frame).");
  for (const [i, s] of input.samples.entries()) {
    if (![s.x, s.y, s.zoom, s.roll].every(Number.isFinite) || s.zoom <= 0) {
      throw new RangeError(`Camera sample ${i} is not a usable view window (x ${s.x}, y ${s.y}, zoom ${s.zoom}, roll ${s.roll}).`);
    }
  }
  const { num, den } = input.fps;
  if (!(Number.isInteger(num) && Number.isInteger(den) && num > 0 && den > 0)) throw new RangeError(`The frame rate ${num}/${den} is not a positive rational.`);
  for (const [name, v] of [["width", input.width], ["height", input.height]] as const) {
    if (!Number.isInteger(v) || v < 2) throw new RangeError(`The sequence ${name} ${v} is not a frame size.`);
  }
  if (input.quality === "final" && (input.width % 2 !== 0 || input.height % 2 !== 0)) {
    throw new RangeError(`The sequence is ${input.width}×${input.height}; a ProRes 4:2:2 master and an H.264 proxy need even sizes.`);
  }
}

/** The still's size: read from the PNG/JPEG header (no process to start), else asked of ffprobe. */
async function probeStill(stillPath: string, signal?: AbortSignal): Promise<Size> {
  const fromHeader = await imageHeaderSize(stillPath);
  if (fromHeader) return fromHeader;
  const probe = await ffprobeJson<FfprobeResult>(stillPath, ["-select_streams", "v:0", "-show_entries", "stream=width,height"], { signal });
  const s = probe.streams?.[0];
  if (!s?.width || !s.height) throw new Error(`${path.basename(stillPath)} is not an image ffmpeg can read.`);
  return { width: s.width, height: s.height };
}

async function imageHeaderSize(file: string): Promise<Size | undefined> {
  const fh = await fs.open(file, "r");
  try {
    const head = Buffer.alloc(64 * 1024);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    const b = head.subarray(0, bytesRead);
    // PNG: signature, then IHDR with width and height as big-endian u32.
    if (b.length >= 24 && b.readUInt32BE(0) === 0x89504e47 && b.toString("latin1", 12, 16) === "IHDR") {
      return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
    }
    // JPEG: walk the markers to the first start-of-frame (SOF0–SOF15 but DHT, JPG and DAC).
    if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8) {
      for (let p = 2; p + 9 < b.length; ) {
        if (b[p] !== 0xff) return undefined;
        const marker = b[p + 1]!;
        if (marker === 0xff) { p++; continue; }
        const len = b.readUInt16BE(p + 2);
        if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
          return { width: b.readUInt16BE(p + 7), height: b.readUInt16BE(p + 5) };
        }
        p += 2 + len;
      }
    }
    return undefined;
  } finally {
    await fh.close();
  }
}

const even = (v: number) => Math.max(2, 2 * Math.round(v / 2));

function masterSize(width: number, height: number, quality: PrevizQuality): Size {
  return quality === "final" ? { width, height } : { width: even(width / 2), height: even(height / 2) };
}

function fitWidth(size: Size, maxWidth: number): Size {
  if (size.width <= maxWidth) return size;
  return { width: even(maxWidth), height: even((size.height * maxWidth) / size.width) };
}

/**
 * The frame `perspective` works on (it outputs what it inputs, so it must cover the master):
 * the still itself, or the still scaled once. Drafts shrink it to the master's scale at zoom 1;
 * finals keep enough of the still's own resolution for the deepest push-in, never upscaling
 * beyond what the master needs.
 */
function canvasSize(still: Size, master: Size, samples: CameraState[], quality: PrevizQuality): Size {
  const base = Math.max(master.width / still.width, master.height / still.height);
  const maxZoom = Math.max(...samples.map((s) => s.zoom));
  const f = quality === "final" ? Math.max(base, Math.min(1, base * maxZoom)) : base;
  return {
    // Even, because the warp runs on chroma-subsampled frames.
    width: Math.max(master.width, even(still.width * f)),
    height: Math.max(master.height, even(still.height * f)),
  };
}

type Corners = [number, number, number, number, number, number, number, number];

/**
 * Source positions (canvas pixel indices) for the destination corners (0,0), (W,0), (0,H),
 * (W,H) of the canvas-sized frame `perspective` produces; pixel (i, j) of that frame samples
 * x0 + (x1 − x0)·i/W + (x2 − x0)·j/H (vf_perspective's bilinear corner map). We want it to
 * sample the continuous still point under output pixel centre (i + ½, j + ½), converted to
 * canvas pixel indices (continuous − ½). The map is affine, so the corners are exact.
 */
export function frameCorners(s: CameraState, still: Size, canvas: Size, master: Size): Corners {
  const scale = still.width / s.zoom / master.width; // still px per output px
  const th = (s.roll * Math.PI) / 180;
  const cos = Math.cos(th) * scale;
  const sin = Math.sin(th) * scale;
  const cx = s.x * still.width;
  const cy = s.y * still.height;
  const kx = canvas.width / still.width;
  const ky = canvas.height / still.height;
  const at = (i: number, j: number): [number, number] => {
    const du = i + 0.5 - master.width / 2;
    const dv = j + 0.5 - master.height / 2;
    // Clockwise on screen (y down): (du, dv) → (du·cos − dv·sin, du·sin + dv·cos).
    const px = cx + du * cos - dv * sin;
    const py = cy + du * sin + dv * cos;
    return [px * kx - 0.5, py * ky - 0.5];
  };
  return [...at(0, 0), ...at(canvas.width, 0), ...at(0, canvas.height), ...at(canvas.width, canvas.height)] as Corners;
}

const CORNER_NAMES = ["x0", "y0", "x1", "y1", "x2", "y2", "x3", "y3"] as const;

/** Frames per perspective filter (see perspectiveChain), and the memory all their maps may take. */
const FRAMES_PER_WARP = 60;
const WARP_MAP_BUDGET_BYTES = 256 * 1024 * 1024;

/**
 * The warp as a chain of perspective filters, each enabled for its own run of frames and passing
 * the others through untouched. vf_perspective re-parses its expressions on every frame, so one
 * filter holding a 600-frame tree spent longer parsing than warping (a 10 s 59.94 draft took
 * 18 s); in runs of 60 the per-frame cost stays that of a short take. Each filter holds a
 * w·h·8-byte coordinate map, so runs grow when many of them would exceed 256 MB.
 * Within a run the corner values are a balanced if(lt(on,k)) tree, O(log n) to evaluate.
 * `on` counts every frame through the filter, passed-through ones too, from 1 (outlink
 * frame_count_in + 1; measured), so frame k is on = k + 1.
 */
function perspectiveChain(corners: Corners[], interpolation: "linear" | "cubic", canvas: Size): string {
  const maxRuns = Math.max(1, Math.floor(WARP_MAP_BUDGET_BYTES / (canvas.width * canvas.height * 8)));
  const runLength = Math.max(FRAMES_PER_WARP, Math.ceil(corners.length / maxRuns));
  const tree = (vals: number[], lo: number, hi: number): string => {
    if (hi - lo === 1) return fmt(vals[lo]!);
    // Runs of equal values (holds) collapse to one leaf.
    if (vals.slice(lo, hi).every((v) => v === vals[lo])) return fmt(vals[lo]!);
    const m = (lo + hi) >> 1;
    return `if(lt(on,${m + 1}),${tree(vals, lo, m)},${tree(vals, m, hi)})`;
  };
  const filters: string[] = [];
  for (let start = 0; start < corners.length; start += runLength) {
    const end = Math.min(corners.length, start + runLength);
    // Quoted, so the commas inside stay part of the value when ffmpeg splits the graph.
    const args = CORNER_NAMES.map((name, c) => `${name}='${tree(corners.map((k) => k[c] ?? 0), start, end)}'`).join(":");
    const only = corners.length > runLength ? `:enable='between(n,${start},${end - 1})'` : "";
    filters.push(`perspective=${args}:sense=source:eval=frame:interpolation=${interpolation}${only}`);
  }
  return filters.join(",");
}

const fmt = (v: number) => {
  const s = v.toFixed(4);
  return s === "-0.0000" ? "0" : s.replace(/\.?0+$/, "") || "0";
};

/**
 * CTA-861.3 levels for a PQ master made from the still: MaxCLL is the brightest pixel of the
 * (pre-scaled) still — sampling and edge extension cannot exceed it — and MaxFALL the
 * brightest frame average, estimated by sampling each frame's view window on a 64×36 grid.
 * SDR white maps to 203 cd/m², so a still that reaches white gives MaxCLL 203.
 */
async function contentLightLevels(rgbPath: string, canvas: Size, master: Size, corners: Corners[]): Promise<ClliBox> {
  const rgb = await fs.readFile(rgbPath);
  const n = canvas.width * canvas.height;
  if (rgb.length < n * 3) throw new Error("The decoded still is shorter than expected; cannot compute HDR light levels.");
  const levels = new Float32Array(n);
  const cache = new Map<number, number>();
  let maxCll = 0;
  for (let i = 0, o = 0; i < n; i++, o += 3) {
    const key = (rgb[o]! << 16) | (rgb[o + 1]! << 8) | rgb[o + 2]!;
    let l = cache.get(key);
    if (l === undefined) {
      l = sdrPixelLightLevel(rgb[o]!, rgb[o + 1]!, rgb[o + 2]!);
      cache.set(key, l);
    }
    levels[i] = l;
    if (l > maxCll) maxCll = l;
  }
  const GX = 64;
  const GY = 36;
  let maxFall = 0;
  for (const c of corners) {
    let sum = 0;
    for (let gy = 0; gy < GY; gy++) {
      for (let gx = 0; gx < GX; gx++) {
        // Output position as a fraction of the canvas-sized perspective frame (the master is its top-left).
        const fu = (((gx + 0.5) / GX) * master.width) / canvas.width;
        const fv = (((gy + 0.5) / GY) * master.height) / canvas.height;
        const sx = c[0] + (c[2] - c[0]) * fu + (c[4] - c[0]) * fv;
        const sy = c[1] + (c[3] - c[1]) * fu + (c[5] - c[1]) * fv;
        const ix = Math.min(canvas.width - 1, Math.max(0, Math.round(sx)));
        const iy = Math.min(canvas.height - 1, Math.max(0, Math.round(sy)));
        sum += levels[iy * canvas.width + ix]!;
      }
    }
    maxFall = Math.max(maxFall, sum / (GX * GY));
  }
  return { maxCLL: Math.ceil(maxCll - 1e-9), maxFALL: Math.ceil(maxFall - 1e-9) };
}
