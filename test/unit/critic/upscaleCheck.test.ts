import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyUpscaleCheck, checkUpscale, UPSCALE_PENALTY, UpscaleCheck } from "../../../src/server/critic/upscaleCheck.js";

// Real footage (test/fixtures/footage, CC BY 4.0 © Intel Corporation): a person signing, hands
// moving before a static room. The "source take" is 2 s of it as a ProRes master; each upscale
// is made from it with real ffmpeg, as an upscaler would hand it back (ProRes, twice the size).
const footage = path.resolve("test/fixtures/footage");
let dir: string;
let source: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-upscale-"));
  source = path.join(dir, "source.mov");
  ffmpeg(["-i", path.join(footage, "asl-walk.mkv"), "-t", "2", ...prores(), source]);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function ffmpeg(args: string[]): void {
  execFileSync("ffmpeg", ["-y", "-v", "error", ...args]);
}
function prores(): string[] {
  return ["-an", "-c:v", "prores_ks", "-profile:v", "hq", "-pix_fmt", "yuv422p10le", "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709"];
}
/** The upscale as a near-lossless H.264 (an upscaler's ProRes would do as well; this encodes 10× faster on a busy machine). */
function upscale(name: string, filter: string, input = source, extra: string[] = []): string {
  const out = path.join(dir, `${name}.mp4`);
  ffmpeg(["-i", input, ...extra, "-vf", filter, "-an", "-c:v", "libx264", "-preset", "ultrafast", "-crf", "12", out]);
  return out;
}

describe("the critic checks that an upscale kept the picture (real footage)", () => {
  it("passes a true resize (Lanczos, 2×): every frame, same framing, same structure", async () => {
    const check = await checkUpscale(source, upscale("resize", "scale=1280:960:flags=lanczos"));
    expect(UpscaleCheck.parse(check)).toEqual(check);
    expect(check.reasons).toEqual([]);
    expect(check.passed).toBe(true);
    expect(check.upscaled).toMatchObject({ width: 1280, height: 960, frames: 60 });
    expect(check.source.frames).toBe(60);
    expect(check.ssim.mean).toBeGreaterThan(0.95);
    expect(check.worstRegions).toBeGreaterThan(0.8);
    expect(Math.abs(check.framing.shiftX)).toBeLessThan(0.3);
    expect(Math.abs(check.framing.scale - 1)).toBeLessThan(0.005);
    expect(check.summary).toMatch(/kept the picture: all 60 frames/);
  });

  it("fails a shifted crop, saying how far the framing moved", async () => {
    // 90 % of the frame, taken from the right: the upscaler reframed the shot.
    const check = await checkUpscale(source, upscale("crop", "crop=576:432:60:20,scale=1280:960:flags=lanczos"));
    expect(check.passed).toBe(false);
    expect(check.reasons[0]).toMatch(/framing is not the source's: the picture is moved .*right.* and cropped in/);
    expect(check.framing.scale).toBeGreaterThan(1.08);
    expect(check.framing.shiftX).toBeGreaterThan(2);
  });

  it("fails another take of the same setup (same room, another gesture)", async () => {
    const other = upscale("other", "scale=1280:960:flags=lanczos", path.join(footage, "asl-book.mkv"), ["-t", "2"]);
    const check = await checkUpscale(source, other);
    expect(check.passed).toBe(false);
    // The same room and framing, another gesture: the frame as a whole is alike, the signing is not.
    expect(check.reasons.join(" ")).toMatch(/picture differs from the source's in places .* a different take/);
    expect(check.worstRegions).toBeLessThan(0.3);
    expect(check.framing.match).toBeGreaterThan(0.8);
  });

  it("fails a version with dropped frames, counting them", async () => {
    const dropped = upscale("dropped", "select='not(eq(n\\,20)+eq(n\\,40))',setpts=N/FRAME_RATE/TB,scale=1280:960:flags=lanczos", source, []);
    const check = await checkUpscale(source, dropped);
    expect(check.passed).toBe(false);
    expect(check.upscaled.frames).toBe(58);
    expect(check.reasons[0]).toBe("it has 58 frames where the source has 60 (2 dropped): it would run short and drift out of sync on the timeline.");
  });
});

describe("an upscale's verdict in its take's critique", () => {
  const base = { score: 82, penalties: [], issues: ["The pan ran 10% short."], critique: "…" };
  const check = (passed: boolean): UpscaleCheck => ({
    passed,
    summary: passed ? "The upscale kept the picture." : "The upscale did not keep the picture: it has 58 frames where the source has 60 (2 dropped): …",
    reasons: passed ? [] : ["it has 58 frames where the source has 60 (2 dropped): it would run short and drift out of sync on the timeline."],
    source: { width: 640, height: 480, frames: 60, fps: 30 },
    upscaled: { width: 1280, height: 960, frames: passed ? 60 : 58, fps: 30 },
    ssim: { mean: 0.98, min: 0.97, worstFrame: 3 },
    worstRegions: 0.9,
    edges: 0.99,
    framing: { shiftX: 0, shiftY: 0, scale: 1, match: 1 },
    elapsed: 1,
  });

  it("ranks a failed upscale under a faithful one and leads its issues with why", () => {
    const failed = applyUpscaleCheck(base, check(false)) as typeof base & { upscale: UpscaleCheck };
    expect(failed.score).toBe(82 - UPSCALE_PENALTY);
    expect(failed.issues[0]).toBe("Upscale: it has 58 frames where the source has 60 (2 dropped): it would run short and drift out of sync on the timeline.");
    expect(failed.upscale.passed).toBe(false);
    const kept = applyUpscaleCheck(base, check(true)) as typeof base & { upscale: UpscaleCheck };
    expect(kept.score).toBe(82);
    expect(kept.issues).toEqual(base.issues);
  });

  it("keeps the check when the critic itself could not run", () => {
    expect(applyUpscaleCheck(null, check(false))).toEqual({ upscale: check(false) });
  });
});
