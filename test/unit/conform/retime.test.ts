import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { gateImport } from "../../../src/core/colorTags/index.js";
import { readColorTagsFromFile } from "../../../src/server/files/fileRangedRead.js";
import { retimeMaster } from "../../../src/server/conform/retime.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-retime-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A ProRes master whose frame k is a flat grey of luma 16 + 3k (8-bit scale), Rec.709-tagged. */
function rampMaster(frames: number): string {
  const out = path.join(dir, `ramp-${frames}.mov`);
  execFileSync("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", `nullsrc=s=64x36:r=24,format=yuv444p,geq=lum='16+3*N':cb=128:cr=128`,
    "-frames:v", String(frames), "-c:v", "prores_ks", "-profile:v", "hq", "-pix_fmt", "yuv422p10le",
    "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", out]);
  return out;
}

/** The mean luma (8-bit scale) of every frame of a movie. */
function lumaPerFrame(file: string): number[] {
  const raw = execFileSync("ffmpeg", ["-v", "error", "-i", file, "-f", "rawvideo", "-pix_fmt", "yuv444p", "-"], { maxBuffer: 1 << 26 });
  const size = 64 * 36;
  const out: number[] = [];
  for (let f = 0; f * size * 3 < raw.length; f++) {
    let sum = 0;
    for (let i = 0; i < size; i++) sum += raw[f * size * 3 + i]!;
    out.push(sum / size);
  }
  return out;
}

describe("retimeMaster", () => {
  it("fits 72 generated frames into a 60-frame gap: exact length, first and last frames kept, blends between", async () => {
    const source = rampMaster(72);
    const output = path.join(dir, "fitted.mov");
    const result = await retimeMaster({ inputPath: source, outputPath: output, frames: 60, frameRate: { num: 24, den: 1 }, colorSpace: "rec709" });
    expect(result.sourceFrames).toBe(72);
    expect(result.speed).toBeCloseTo(1.2, 5);
    const luma = lumaPerFrame(output);
    expect(luma).toHaveLength(60);
    expect(luma[0]).toBeCloseTo(16, 0);
    expect(luma[59]).toBeCloseTo(16 + 3 * 71, 0);
    // Output 30 sits at source position 30·71/59 ≈ 36.10: a blend, not a dropped or repeated frame.
    expect(luma[30]).toBeCloseTo(16 + 3 * ((30 * 71) / 59), 0);
    const tags = await readColorTagsFromFile(output);
    expect(tags.colorSpace).toBe("rec709");
    expect(tags.sampleEntry).toBe("apch");
    // Every carrier agrees (colr and the ProRes frame header), so the hosts' import gate takes it.
    expect(gateImport(tags, "rec709")).toMatchObject({ ok: true });
  });

  it("slows a clip down when the span is longer than what was generated", async () => {
    const source = rampMaster(24);
    const output = path.join(dir, "slow.mov");
    const result = await retimeMaster({ inputPath: source, outputPath: output, frames: 47, frameRate: { num: 24, den: 1 }, colorSpace: "rec709" });
    const luma = lumaPerFrame(output);
    expect(luma).toHaveLength(47);
    expect(result.speed).toBeLessThan(1);
    expect(luma[0]).toBeCloseTo(16, 0);
    expect(luma[46]).toBeCloseTo(16 + 3 * 23, 0);
    expect(luma[1]).toBeCloseTo(16 + 1.5, 0);
  });
});
