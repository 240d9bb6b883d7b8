import fs from "node:fs";
import path from "node:path";
import { zipSync, type Zippable } from "fflate";
import { execFileSync } from "node:child_process";
import type { Artifact, ColorAssumption, Job } from "../../../../src/core/schemas/index.js";
import { conformMaster } from "../../../../src/server/conform/index.js";
import type { startTestBackend } from "../../../helpers/backend.js";

/**
 * Gives a finished take an EXR delivery as Luma and Runway send one: a zip of numbered
 * ACES2065-1 frames, made from the take's own master by Retake's conform (ffmpeg + its own EXR header writer),
 * registered in the real backend's ledger so `/v1/artifacts/:id` serves it. `drop` leaves frames
 * out, for a sequence with a hole.
 */
export async function addExrDelivery(
  backend: Awaited<ReturnType<typeof startTestBackend>>,
  job: Job,
  opts: { frames: number; drop?: number[]; lumaStyle?: { declared?: ColorAssumption } },
): Promise<Artifact> {
  const take = job.takes[0]!;
  const master = (await backend.ledger.getArtifact(take.outputs.master!.id))!;
  const dir = path.join(backend.dataDir, "exr-fixtures", take.id);
  const framesDir = path.join(dir, "take");
  fs.mkdirSync(framesDir, { recursive: true });
  const seq = job.frame.sequence;
  // Luma's own frames: half float with no chromaticities attribute (ffmpeg's EXR encoder writes
  // none either); what they are is only in Luma's declaration, recorded on the artifact.
  if (opts.lumaStyle) {
    execFileSync("ffmpeg", ["-v", "error", "-y", "-i", master.path, "-frames:v", String(opts.frames), "-vf", "format=gbrpf32le",
      "-c:v", "exr", "-format", "half", "-compression", "zip16", "-start_number", "0", path.join(framesDir, "luma_%06d.exr")]);
  }
  const result = opts.lumaStyle ? { frames: fs.readdirSync(framesDir).sort().map((n) => path.join(framesDir, n)) } : await conformMaster({
    inputPath: master.path,
    outputPath: framesDir,
    format: "exr-aces",
    target: { colorSpace: seq.colorSpace, width: seq.frameSize.width, height: seq.frameSize.height, frameRate: seq.frameRate, duration: opts.frames / (seq.frameRate.num / seq.frameRate.den), pixelAspect: 1 },
  });
  const files: Zippable = {};
  result.frames!.forEach((frame, i) => {
    if (!opts.drop?.includes(i)) files[`take/${path.basename(frame)}`] = new Uint8Array(fs.readFileSync(frame));
  });
  files["take/README.txt"] = new TextEncoder().encode("EXR frames, ACES2065-1");
  const zipPath = path.join(dir, "take_exr.zip");
  fs.writeFileSync(zipPath, zipSync(files, { level: 6 }));
  const artifact: Artifact = {
    id: `art_exr_${take.id}`,
    takeId: take.id,
    kind: "exr",
    fileName: "take_exr.zip",
    mediaType: "application/zip",
    bytes: fs.statSync(zipPath).size,
    ...(opts.lumaStyle?.declared ? { colorAssumption: opts.lumaStyle.declared } : {}),
    createdAt: new Date().toISOString(),
  };
  await backend.ledger.insertArtifact(artifact, zipPath);
  await backend.ledger.changeTake(take.id, (current) => ({ ...current, outputs: { ...current.outputs, exr: artifact } }));
  return artifact;
}
