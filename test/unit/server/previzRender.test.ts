import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CameraState, SequenceColorSpace } from "../../../src/core/schemas/index.js";
import { readColorTagsFromFile } from "../../../src/server/files/fileRangedRead.js";
import { MASTERING_DISPLAY_P3_D65_1000, writeHdr10Boxes } from "../../../src/server/media/colorConvert.js";
import { isAbortError } from "../../../src/server/media/ffmpeg.js";
import { extractFrame } from "../../../src/server/media/sampleClip.js";
import { renderPreviz, type PrevizInput, type PrevizResult } from "../../../src/server/providers/previz/renderPreviz.js";

// Small on purpose: 320×180, 1–2 s at 24 fps keeps every render well under a second.
const W = 320;
const H = 180;
const FPS = { num: 24, den: 1 };
const DOT = { x: 100.5, y: 60.5 }; // continuous still coordinates of the dot's centre (a pixel centre, so it peaks at white)

let dir: string;
let dotStill: string;
let bigDotStill: string;
let whiteStill: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-"));
  dotStill = path.join(dir, "dot.png");
  whiteStill = path.join(dir, "white.png");
  // A dark still with a soft white dot centred on a known point (Gaussian sampled at pixel centres,
  // so the centroid of the samples is the point itself).
  const blob = `16+239*exp(-((X+0.5-${DOT.x})^2+(Y+0.5-${DOT.y})^2)/4.5)`;
  ffmpeg(["-f", "lavfi", "-i", `color=c=black:s=${W}x${H}:d=1,format=rgb24,geq=r='${blob}':g='${blob}':b='${blob}'`, "-frames:v", "1", dotStill]);
  ffmpeg(["-f", "lavfi", "-i", `color=c=white:s=${W}x${H}:d=1,format=rgb24`, "-frames:v", "1", whiteStill]);
  // The same picture at twice the resolution: the dot at the same fractions of the frame.
  bigDotStill = path.join(dir, "dot-2x.png");
  const big = `16+239*exp(-((X+0.5-${2 * DOT.x})^2+(Y+0.5-${2 * DOT.y})^2)/18)`;
  ffmpeg(["-f", "lavfi", "-i", `color=c=black:s=${2 * W}x${2 * H}:d=1,format=rgb24,geq=r='${big}':g='${big}':b='${big}'`, "-frames:v", "1", bigDotStill]);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function ffmpeg(args: string[]): Buffer {
  return execFileSync("ffmpeg", ["-nostdin", "-hide_banner", "-loglevel", "error", "-y", ...args], { maxBuffer: 64 << 20 });
}

function probe(file: string, args: string[]): any {
  return JSON.parse(execFileSync("ffprobe", ["-v", "error", "-of", "json", ...args, file]).toString());
}

let renderCount = 0;
function render(overrides: Partial<PrevizInput> & Pick<PrevizInput, "samples">): Promise<PrevizResult> {
  return renderPreviz({
    stillPath: dotStill,
    outDir: path.join(dir, `render-${renderCount++}`),
    fps: FPS,
    width: W,
    height: H,
    colorSpace: "rec709",
    quality: "final",
    ...overrides,
  });
}

const path_ = (n: number, at: (t: number) => CameraState): CameraState[] => Array.from({ length: n }, (_, k) => at(n === 1 ? 0 : k / (n - 1)));
const still = (n: number): CameraState[] => path_(n, () => ({ x: 0.5, y: 0.5, zoom: 1, roll: 0 }));

/** Decodes frame `n` of a movie to 8-bit gray and returns the centroid of the bright dot. */
function dotCentroid(movie: string, n: number): { x: number; y: number; width: number; height: number } {
  const s = probe(movie, ["-select_streams", "v:0", "-show_entries", "stream=width,height"]).streams[0];
  const gray = ffmpeg(["-i", movie, "-vf", `select='eq(n,${n})'`, "-frames:v", "1", "-pix_fmt", "gray", "-f", "rawvideo", "pipe:1"]);
  expect(gray.length).toBe(s.width * s.height);
  let sw = 0, sx = 0, sy = 0;
  for (let y = 0; y < s.height; y++) {
    for (let x = 0; x < s.width; x++) {
      const w = Math.max(0, gray[y * s.width + x]! - 40);
      sw += w;
      sx += w * (x + 0.5);
      sy += w * (y + 0.5);
    }
  }
  expect(sw).toBeGreaterThan(0);
  return { x: sx / sw, y: sy / sw, width: s.width, height: s.height };
}

/** Mean 10-bit luma code of frame 0 of a movie. */
function meanLuma10(movie: string): number {
  const s = probe(movie, ["-select_streams", "v:0", "-show_entries", "stream=width,height"]).streams[0];
  const raw = ffmpeg(["-i", movie, "-frames:v", "1", "-pix_fmt", "yuv422p10le", "-f", "rawvideo", "pipe:1"]);
  let sum = 0;
  const n = s.width * s.height;
  for (let i = 0; i < n; i++) sum += raw.readUInt16LE(2 * i);
  return sum / n;
}

const EXPECTED: Record<SequenceColorSpace, { primaries: string; transfer: string; space: string }> = {
  rec709: { primaries: "bt709", transfer: "bt709", space: "bt709" },
  "rec2100-pq": { primaries: "bt2020", transfer: "smpte2084", space: "bt2020nc" },
  "rec2100-hlg": { primaries: "bt2020", transfer: "arib-std-b67", space: "bt2020nc" },
};

describe("renderPreviz outputs", () => {
  for (const colorSpace of ["rec709", "rec2100-pq", "rec2100-hlg"] as const) {
    for (const quality of ["draft", "final"] as const) {
      it(`${colorSpace} ${quality}: ProRes 422 HQ master tagged and frame-tagged alike, SDR H.264 proxy, poster`, async () => {
        const frames = 24; // 1 s
        const progress: number[] = [];
        const result = await render({ samples: still(frames), colorSpace, quality, onProgress: (f) => progress.push(f) });
        expect(progress.at(-1)).toBe(1);
        for (let i = 1; i < progress.length; i++) expect(progress[i]!).toBeGreaterThanOrEqual(progress[i - 1]!);
        const exp = EXPECTED[colorSpace];
        const size = quality === "final" ? { width: W, height: H } : { width: W / 2, height: H / 2 };
        expect(result.master).toMatchObject(size);
        expect(result.frames).toBe(frames);
        expect(result.duration).toBeCloseTo(1, 9);

        const m = probe(result.master.path, [
          "-count_frames", "-select_streams", "v:0",
          "-show_entries", "stream=codec_name,profile,codec_tag_string,pix_fmt,width,height,color_range,color_primaries,color_transfer,color_space,nb_read_frames,duration,r_frame_rate:stream_side_data_list",
        ]).streams[0];
        expect(m).toMatchObject({
          codec_name: "prores", profile: "HQ", codec_tag_string: "apch", pix_fmt: "yuv422p10le", ...size,
          color_range: "tv", color_primaries: exp.primaries, color_transfer: exp.transfer, color_space: exp.space,
          nb_read_frames: String(frames), r_frame_rate: "24/1",
        });
        expect(Number(m.duration)).toBeCloseTo(1, 6);
        // The ProRes frame header says the same as colr (setparams before the encoder).
        const f = probe(result.master.path, ["-select_streams", "v:0", "-read_intervals", "%+#1", "-show_entries", "frame=color_range,color_primaries,color_transfer,color_space"]).frames[0];
        expect(f).toEqual({ color_range: "tv", color_primaries: exp.primaries, color_transfer: exp.transfer, color_space: exp.space });

        const sideData = (m.side_data_list ?? []).map((d: { side_data_type: string }) => d.side_data_type);
        const tags = await readColorTagsFromFile(result.master.path);
        expect(tags.agree).toBe(true);
        expect(tags.colorSpace).toBe(colorSpace);
        if (colorSpace === "rec2100-pq") {
          expect(sideData).toEqual(expect.arrayContaining(["Mastering display metadata", "Content light level metadata"]));
          expect(tags.mdcv).toMatchObject({ gx: 13250, gy: 34500, bx: 7500, by: 3000, rx: 34000, ry: 16000, wx: 15635, wy: 16450, maxLum: 10_000_000, minLum: 1 });
          // A dark still with one white dot: the dot reaches SDR white (203 cd/m²); the frame average is dark.
          // The draft samples a half-size still, where the dot is softer and never quite white.
          if (quality === "final") expect(tags.clli?.maxCLL).toBe(203);
          else expect(tags.clli?.maxCLL).toBeGreaterThan(20);
          expect(tags.clli?.maxCLL).toBeLessThanOrEqual(203);
          expect(tags.clli?.maxFALL).toBeLessThan(5);
          expect(result.contentLight).toEqual(tags.clli);
        } else {
          expect(sideData).not.toContain("Mastering display metadata");
        }

        const p = probe(result.proxy.path, ["-count_frames", "-select_streams", "v:0", "-show_entries", "stream=codec_name,pix_fmt,width,height,color_primaries,color_transfer,color_space,nb_read_frames"]).streams[0];
        expect(p).toMatchObject({ codec_name: "h264", pix_fmt: "yuv420p", color_primaries: "bt709", color_transfer: "bt709", color_space: "bt709", nb_read_frames: String(frames) });
        expect(p.width).toBeLessThanOrEqual(quality === "draft" ? 640 : 960);
        expect(result.proxy).toMatchObject({ width: p.width, height: p.height });
        // faststart: moov before mdat, so the proxy streams over HTTP before it has fully loaded.
        const head = fs.readFileSync(result.proxy.path).subarray(0, 64 * 1024).toString("latin1");
        expect(head.indexOf("moov")).toBeGreaterThan(-1);
        expect(head.indexOf("moov")).toBeLessThan(head.indexOf("mdat"));

        const poster = probe(result.poster.path, ["-show_entries", "stream=codec_name,width,height"]).streams[0];
        expect(poster).toMatchObject({ codec_name: "mjpeg", width: result.poster.width, height: result.poster.height });
        // Only the three outputs are left in the directory (no graph scripts, no scratch).
        expect(fs.readdirSync(path.dirname(result.master.path)).sort()).toEqual(["master.mov", "poster.jpg", "proxy.mp4"]);
      });
    }
  }
});

describe("renderPreviz camera geometry", () => {
  it("a pan right moves the content left by exactly the window's travel (final, full size)", async () => {
    // 72 frames: long enough that the warp is split into runs (60 + 12), so the seam is checked too.
    const n = 72;
    const r = await render({ samples: path_(n, (t) => ({ x: 0.5 + 0.1 * t, y: 0.5, zoom: 1, roll: 0 })) });
    const first = dotCentroid(r.master.path, 0);
    const last = dotCentroid(r.master.path, n - 1);
    // Frame 0 is the still itself (window = whole still); the last window is 0.1·320 = 32 px right.
    expect(Math.abs(first.x - DOT.x)).toBeLessThan(0.5);
    expect(Math.abs(first.y - DOT.y)).toBeLessThan(0.5);
    expect(first.x - last.x).toBeGreaterThan(32 - 1.5);
    expect(first.x - last.x).toBeLessThan(32 + 1.5);
    expect(Math.abs(last.y - first.y)).toBeLessThan(0.5);
    // Sub-pixel: frames land where the linear path says, not on whole pixels, either side of the seam.
    for (const k of [7, 59, 60, 61]) {
      const mid = dotCentroid(r.master.path, k);
      expect({ k, error: Math.abs(first.x - mid.x - (32 * k) / (n - 1)) < 0.25 }).toEqual({ k, error: true });
    }
    // The poster is the middle frame.
    const poster = dotCentroid(r.poster.path, 0);
    const middle = dotCentroid(r.master.path, n / 2);
    expect(Math.abs(poster.x - middle.x)).toBeLessThan(0.5);
    expect(Math.abs(poster.y - middle.y)).toBeLessThan(0.5);
  });

  it("the draft renders the same move at half size", async () => {
    const n = 24;
    const r = await render({ quality: "draft", samples: path_(n, (t) => ({ x: 0.5 + 0.1 * t, y: 0.5, zoom: 1, roll: 0 })) });
    const first = dotCentroid(r.master.path, 0);
    const last = dotCentroid(r.master.path, n - 1);
    expect(first).toMatchObject({ width: W / 2, height: H / 2 });
    expect(first.x).toBeCloseTo(DOT.x / 2, 0);
    expect(first.x - last.x).toBeGreaterThan(16 - 1.5);
    expect(first.x - last.x).toBeLessThan(16 + 1.5);
  });

  it("a centred push-in to zoom 2 doubles the dot's distance from the centre", async () => {
    const n = 24;
    const r = await render({ samples: path_(n, (t) => ({ x: 0.5, y: 0.5, zoom: 1 + t, roll: 0 })) });
    const c = { x: W / 2, y: H / 2 };
    const first = dotCentroid(r.master.path, 0);
    const last = dotCentroid(r.master.path, n - 1);
    const d0 = Math.hypot(first.x - c.x, first.y - c.y);
    const d1 = Math.hypot(last.x - c.x, last.y - c.y);
    expect(d1 / d0).toBeGreaterThan(1.97);
    expect(d1 / d0).toBeLessThan(2.03);
    // Same direction from the centre, twice as far: (100.5, 60.5) → (41, 31).
    expect(Math.abs(last.x - 41)).toBeLessThan(1.5);
    expect(Math.abs(last.y - 31)).toBeLessThan(1.5);
  });

  it("roll turns the window clockwise on the still, so the content turns counter-clockwise", async () => {
    const r = await render({ samples: [{ x: 0.5, y: 0.5, zoom: 1, roll: 90 }] });
    const d = dotCentroid(r.master.path, 0);
    // The dot sits 59.5 px left of and 29.5 px above the centre; after the content turns 90°
    // counter-clockwise it sits 29.5 px left and 59.5 px below: (160 − 29.5, 90 + 59.5).
    expect(Math.abs(d.x - 130.5)).toBeLessThan(1);
    expect(Math.abs(d.y - 149.5)).toBeLessThan(1);
  });

  it("a still larger than the frame keeps its own resolution for a push-in, with the same geometry", async () => {
    const n = 12;
    const r = await render({ stillPath: bigDotStill, samples: path_(n, (t) => ({ x: 0.5, y: 0.5, zoom: 1 + t, roll: 0 })) });
    expect(r.master).toMatchObject({ width: W, height: H });
    const first = dotCentroid(r.master.path, 0);
    const last = dotCentroid(r.master.path, n - 1);
    expect(Math.abs(first.x - DOT.x)).toBeLessThan(0.5);
    expect(Math.abs(first.y - DOT.y)).toBeLessThan(0.5);
    expect(Math.abs(last.x - 41)).toBeLessThan(0.5);
    expect(Math.abs(last.y - 31)).toBeLessThan(0.5);
  });

  it("renders NTSC rates exactly: 23.976 fps, one frame per sample", async () => {
    const r = await render({ fps: { num: 24000, den: 1001 }, samples: still(30) });
    const m = probe(r.master.path, ["-count_frames", "-select_streams", "v:0", "-show_entries", "stream=r_frame_rate,nb_read_frames,duration"]).streams[0];
    expect(m.r_frame_rate).toBe("24000/1001");
    expect(m.nb_read_frames).toBe("30");
    expect(Number(m.duration)).toBeCloseTo((30 * 1001) / 24000, 4);
    expect(r.duration).toBeCloseTo((30 * 1001) / 24000, 9);
  });

  it("a window that leaves the still shows the still's edges extended, not black", async () => {
    const r = await render({ colorSpace: "rec709", stillPath: whiteStill, samples: [{ x: 0.9, y: 0.5, zoom: 1, roll: 0 }] });
    expect(meanLuma10(r.master.path)).toBeGreaterThan(930);
  });
});

describe("renderPreviz SDR white in HDR (BT.2408)", () => {
  it("rec709 white is 10-bit code 940", async () => {
    const r = await render({ stillPath: whiteStill, samples: still(2) });
    expect(Math.abs(meanLuma10(r.master.path) - 940)).toBeLessThan(2);
  });

  it("PQ: SDR white lands at 203 cd/m² (PQ 0.58, 10-bit limited ≈ 572)", async () => {
    const r = await render({ stillPath: whiteStill, colorSpace: "rec2100-pq", samples: still(2) });
    expect(Math.abs(meanLuma10(r.master.path) - 572)).toBeLessThanOrEqual(6);
    expect(r.contentLight).toEqual({ maxCLL: 203, maxFALL: 203 });
  });

  it("HLG: SDR white lands at 75% HLG (10-bit limited ≈ 721)", async () => {
    const r = await render({ stillPath: whiteStill, colorSpace: "rec2100-hlg", samples: still(2) });
    expect(Math.abs(meanLuma10(r.master.path) - 721)).toBeLessThanOrEqual(8);
  });
});

describe("renderPreviz HDR round trip", () => {
  it("a frame of the PQ master, brought back to SDR, is the still", async () => {
    const r = await render({ colorSpace: "rec2100-pq", samples: still(2) });
    const png = path.join(dir, "pq-frame0.png");
    await extractFrame(r.master.path, 0, png);
    const a = ffmpeg(["-i", png, "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"]);
    const b = ffmpeg(["-i", dotStill, "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"]);
    expect(a.length).toBe(b.length);
    let diff = 0;
    let max = 0;
    for (let i = 0; i < a.length; i++) {
      const d = Math.abs(a[i]! - b[i]!);
      diff += d;
      max = Math.max(max, d);
    }
    expect(diff / a.length).toBeLessThan(1);
    expect(max).toBeLessThan(12);
  });
});

describe("HDR10 boxes written into an existing movie", () => {
  for (const faststart of [false, true]) {
    it(`${faststart ? "moov before mdat (chunk offsets shift)" : "moov at the end"}: boxes readable, pictures untouched, rewrite replaces`, async () => {
      const mov = path.join(dir, `boxes-${faststart}.mov`);
      ffmpeg([
        "-f", "lavfi", "-i", "testsrc2=size=160x90:rate=24:duration=0.5",
        "-vf", "setparams=color_primaries=bt2020:color_trc=smpte2084:colorspace=bt2020nc:range=tv,format=yuv422p10le",
        "-c:v", "prores_ks", "-profile:v", "hq", "-color_primaries", "bt2020", "-color_trc", "smpte2084", "-colorspace", "bt2020nc",
        ...(faststart ? ["-movflags", "+faststart"] : []), mov,
      ]);
      const before = ffmpeg(["-i", mov, "-f", "framemd5", "-"]).toString();
      await writeHdr10Boxes(mov, { mdcv: MASTERING_DISPLAY_P3_D65_1000, clli: { maxCLL: 180, maxFALL: 40 } });
      await writeHdr10Boxes(mov, { mdcv: MASTERING_DISPLAY_P3_D65_1000, clli: { maxCLL: 203, maxFALL: 60 } });
      expect(ffmpeg(["-i", mov, "-f", "framemd5", "-"]).toString()).toBe(before);
      const tags = await readColorTagsFromFile(mov);
      expect(tags).toMatchObject({ colorSpace: "rec2100-pq", agree: true, clli: { maxCLL: 203, maxFALL: 60 }, mdcv: MASTERING_DISPLAY_P3_D65_1000 });
      const sd = probe(mov, ["-select_streams", "v:0", "-show_entries", "stream_side_data_list"]).streams[0].side_data_list;
      expect(sd.filter((d: { side_data_type: string }) => d.side_data_type === "Content light level metadata")).toEqual([
        expect.objectContaining({ max_content: 203, max_average: 60 }),
      ]);
    });
  }
});

describe("renderPreviz cancellation and input errors", () => {
  it("an abort stops ffmpeg, rejects with an AbortError and leaves no outputs", async () => {
    const controller = new AbortController();
    const outDir = path.join(dir, "aborted");
    const pending = renderPreviz({
      stillPath: dotStill, outDir, fps: FPS, width: 1920, height: 1080, colorSpace: "rec2100-pq", quality: "final",
      samples: path_(240, (t) => ({ x: 0.5, y: 0.5, zoom: 1 + t, roll: 10 * t })),
      signal: controller.signal,
      onProgress: (f) => { if (f > 0) controller.abort(); },
    });
    setTimeout(() => controller.abort(), 800);
    const err = await pending.then(() => undefined, (e: unknown) => e);
    expect(isAbortError(err)).toBe(true);
    expect(fs.existsSync(path.join(outDir, "master.mov"))).toBe(false);
    expect(fs.readdirSync(outDir)).toEqual([]);
  });

  it("refuses an empty camera path and odd final sizes with a sentence", async () => {
    await expect(render({ samples: [] })).rejects.toThrow(/at least one camera sample/);
    await expect(render({ samples: still(2), width: 321 })).rejects.toThrow(/even sizes/);
  });
});
