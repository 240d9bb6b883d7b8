import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureSampleClip, extractFrame, SAMPLE_CLIP_NAME } from "../../../src/server/media/sampleClip.js";

let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function ffmpeg(args: string[]): Buffer {
  return execFileSync("ffmpeg", ["-nostdin", "-hide_banner", "-loglevel", "error", "-y", ...args], { maxBuffer: 64 << 20 });
}

/**
 * A clip whose frame n is a flat gray of luma 20 + 4n, coded losslessly as H.264 with B-frames
 * and a short GOP, so seeking has to decode from a keyframe and reorder, and each frame can be
 * told from its pixels alone.
 */
function numberedClip(name: string, rate: string, frames: number): string {
  const out = path.join(dir, name);
  ffmpeg([
    "-f", "lavfi", "-i", `nullsrc=s=64x36:r=${rate},format=yuv420p,geq=lum='20+4*N':cb=128:cr=128`,
    "-frames:v", String(frames), "-c:v", "libx264", "-qp", "0", "-g", "12", "-bf", "2", "-pix_fmt", "yuv420p",
    "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", out,
  ]);
  return out;
}

/** Decodes an 8-bit RGB PNG (no interlace) in-process: IHDR, IDAT, inflate, undo row filters. */
function readPngRgb(file: string): { width: number; height: number; rgb: Uint8Array } {
  const b = fs.readFileSync(file);
  let width = 0, height = 0;
  const idat: Buffer[] = [];
  for (let p = 8; p < b.length; ) {
    const len = b.readUInt32BE(p);
    const type = b.toString("latin1", p + 4, p + 8);
    const data = b.subarray(p + 8, p + 8 + len);
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect([data[8], data[9], data[12]]).toEqual([8, 2, 0]); // 8-bit, truecolour, not interlaced
    } else if (type === "IDAT") idat.push(data);
    p += 12 + len;
  }
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * 3;
  const rgb = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    for (let x = 0; x < stride; x++) {
      const v = raw[y * (stride + 1) + 1 + x]!;
      const a = x >= 3 ? rgb[y * stride + x - 3]! : 0;
      const up = y > 0 ? rgb[(y - 1) * stride + x]! : 0;
      const c = x >= 3 && y > 0 ? rgb[(y - 1) * stride + x - 3]! : 0;
      const pa = Math.abs(up - c), pb = Math.abs(a - c), pc = Math.abs(a + up - 2 * c);
      const paeth = pa <= pb && pa <= pc ? a : pb <= pc ? up : c;
      const pred = [0, a, up, (a + up) >> 1, paeth][filter]!;
      rgb[y * stride + x] = (v + pred) & 0xff;
    }
  }
  return { width, height, rgb };
}

/** Which frame a PNG written by extractFrame shows (full-range RGB back to the coded luma). */
function frameShown(png: string): number {
  const { width, height, rgb } = readPngRgb(png);
  const r = rgb[((height >> 1) * width + (width >> 1)) * 3]!;
  const luma = (r * 219) / 255 + 16;
  return Math.round((luma - 20) / 4);
}

describe("extractFrame", () => {
  for (const [rate, num, den] of [["24", 24, 1], ["24000/1001", 24000, 1001]] as const) {
    it(`writes exactly the frame shown at a time, at ${rate} fps`, async () => {
      const clip = numberedClip(`numbered-${num}.mp4`, rate, 48);
      const cases: Array<[number, number]> = [];
      for (const k of [0, 1, 12, 13, 47]) {
        const start = (k * den) / num;
        const next = ((k + 1) * den) / num;
        cases.push([start, k]); // exactly on the frame's start (float as computed by a caller)
        cases.push([start + 0.25 * (next - start), k]); // inside the frame
        if (k < 47) cases.push([next - 1e-4, k]); // just before the next frame
      }
      for (const [t, expected] of cases) {
        const out = path.join(dir, `f-${num}-${t.toFixed(6)}.png`);
        const r = await extractFrame(clip, t, out);
        expect({ t, frame: r.frame }).toEqual({ t, frame: expected });
        expect({ t, shown: frameShown(out) }).toEqual({ t, shown: expected });
        expect(r.seconds).toBeCloseTo((expected * den) / num, 9);
      }
    });
  }

  it("resizes to the size asked for, as 8-bit RGB PNG, and refuses a time past the end", async () => {
    const clip = numberedClip("numbered-resize.mp4", "24", 24);
    const out = path.join(dir, "resized.png");
    const r = await extractFrame(clip, 0.5, out, { width: 32, height: 18 });
    expect(r).toMatchObject({ width: 32, height: 18, frame: 12 });
    const s = JSON.parse(execFileSync("ffprobe", ["-v", "error", "-of", "json", "-show_entries", "stream=codec_name,width,height,pix_fmt", out]).toString()).streams[0];
    expect(s).toEqual({ codec_name: "png", width: 32, height: 18, pix_fmt: "rgb24" });
    expect(fs.readdirSync(dir).filter((f) => f.includes(".tmp"))).toEqual([]);
    await expect(extractFrame(clip, 1.0, path.join(dir, "past.png"))).rejects.toThrow(/has 24 frames/);
  });
});

describe("ensureSampleClip", () => {
  it("makes a 1920×1080 24 fps 12 s Rec.709 H.264 clip once, then reuses it", { timeout: 180_000 }, async () => {
    const sampleDir = path.join(dir, "sample");
    const [a, b] = await Promise.all([ensureSampleClip(sampleDir), ensureSampleClip(sampleDir)]);
    expect(a).toEqual({ path: path.join(sampleDir, SAMPLE_CLIP_NAME), width: 1920, height: 1080, fps: { num: 24, den: 1 }, duration: 12 });
    expect(b).toEqual(a);
    expect(fs.readdirSync(sampleDir)).toEqual([SAMPLE_CLIP_NAME]); // no temp files left

    const s = JSON.parse(
      execFileSync("ffprobe", ["-v", "error", "-of", "json", "-count_packets", "-show_entries",
        "stream=codec_name,pix_fmt,width,height,r_frame_rate,nb_read_packets,duration,color_primaries,color_transfer,color_space,color_range", a.path]).toString(),
    ).streams[0];
    expect(s).toMatchObject({
      codec_name: "h264", pix_fmt: "yuv420p", width: 1920, height: 1080, r_frame_rate: "24/1", nb_read_packets: "288",
      color_primaries: "bt709", color_transfer: "bt709", color_space: "bt709", color_range: "tv",
    });
    expect(Number(s.duration)).toBeCloseTo(12, 6);
    // faststart: the index comes before the media.
    const head = fs.readFileSync(a.path).subarray(0, 64 * 1024).toString("latin1");
    expect(head.indexOf("moov")).toBeGreaterThan(-1);
    expect(head.indexOf("moov")).toBeLessThan(head.indexOf("mdat"));

    const mtime = fs.statSync(a.path).mtimeMs;
    await ensureSampleClip(sampleDir);
    expect(fs.statSync(a.path).mtimeMs).toBe(mtime); // made once, then reused

    // It moves: the camera trucks right, so consecutive frames differ, and it is textured, not flat.
    const f0 = path.join(dir, "s0.png");
    const f1 = path.join(dir, "s1.png");
    await extractFrame(a.path, 0, f0, { width: 480, height: 270 });
    await extractFrame(a.path, 6, f1, { width: 480, height: 270 });
    const p0 = ffmpeg(["-i", f0, "-f", "rawvideo", "-pix_fmt", "gray", "pipe:1"]);
    const p1 = ffmpeg(["-i", f1, "-f", "rawvideo", "-pix_fmt", "gray", "pipe:1"]);
    let diff = 0;
    for (let i = 0; i < p0.length; i++) diff += Math.abs(p0[i]! - p1[i]!);
    expect(diff / p0.length).toBeGreaterThan(4);
    const mean = p0.reduce((s, v) => s + v, 0) / p0.length;
    const sd = Math.sqrt(p0.reduce((s, v) => s + (v - mean) ** 2, 0) / p0.length);
    expect(sd).toBeGreaterThan(15);
  });
});
