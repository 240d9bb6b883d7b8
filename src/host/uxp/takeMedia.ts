import { gateImport, readColorTags } from "../../core/colorTags/index.js";
import { Job, type Artifact, type ColorAssumption, type ColorTags, type SequenceColorSpace, type Take } from "../../core/schemas/index.js";
import type { BackendHttp } from "./backendHttp.js";
import { throwIfCancelled } from "./cancel.js";
import { streamToFile, type DownloadResult } from "./download.js";
import { describe, hostError, HostErrorCode } from "./errors.js";
import { openRangedRead, removeQuietly } from "./fileIo.js";
import { fileIn, safeFileName, type HostFile } from "./paths.js";
import type { UxpFolder, UxpFs } from "./types.js";

/** A take the backend has finished, with the artifact to import. */
export interface FinishedTake {
  job: Job;
  take: Take;
  master: Artifact;
}

/** The job and take from the backend; refuses a take that is missing or has no master yet. */
export async function fetchFinishedTake(backend: BackendHttp, params: { jobId: string; takeId: string }, signal?: AbortSignal): Promise<FinishedTake> {
  const job = await backend.json(Job, `/v1/jobs/${encodeURIComponent(params.jobId)}`, signal ? { signal } : undefined);
  const take = job.takes.find((t) => t.id === params.takeId);
  if (!take) throw hostError(HostErrorCode.takeNotReady, `The backend has no take ${params.takeId} in job ${params.jobId}.`);
  const master = take.outputs.master;
  if (take.state !== "succeeded" || !master) {
    throw hostError(HostErrorCode.takeNotReady, `Take ${take.index + 1} has no master yet (it is ${take.state}). Import it once it has finished.`);
  }
  return { job, take, master };
}

/** "Retake 1a2b3c take 2": the name an imported take's file (and layer or clip) goes by. */
export function takeBaseName(job: Job, take: Take): string {
  return safeFileName(`Retake ${job.id.slice(-6)} take ${take.index + 1}`);
}

/** A name in the folder that nothing (file or folder) has yet: "base.ext", "base (2).ext", … */
export async function freeFileName(fs: UxpFs, folder: UxpFolder, base: string, extension: string): Promise<HostFile> {
  for (let n = 1; n < 1000; n++) {
    const candidate = fileIn(folder, n === 1 ? `${base}${extension}` : `${base} (${n})${extension}`);
    const taken = await fs.lstat(candidate.url).then(
      () => true,
      () => false,
    );
    if (!taken) return candidate;
  }
  throw hostError(HostErrorCode.mediaFolder, `The media folder already holds a thousand files named ${base}; tidy it up.`);
}

/** The color tags of a written file, read through ranged reads (only its boxes / header). */
export async function readTagsOfFile(fs: UxpFs, file: HostFile, fileName: string, opts: { exrAssumption?: ColorAssumption } = {}): Promise<ColorTags> {
  try {
    const ranged = await openRangedRead(fs, file.url);
    try {
      return await readColorTags(ranged.read, ranged.size, { ...opts, fileName });
    } finally {
      await ranged.close();
    }
  } catch (error) {
    throw hostError(HostErrorCode.importFailed, `Retake could not read back the downloaded take (${describe(error)}). Nothing was imported.`);
  }
}

/** The shared gate: the same verdict the harness and every host give for the same file. */
export function refuseUnlessImportable(tags: ColorTags, colorSpace: SequenceColorSpace): void {
  const gate = gateImport(tags, colorSpace);
  if (!gate.ok) throw hostError(HostErrorCode.colorMismatch, `Not imported: ${gate.reasons.join(" ")} ${gate.suggestion}`.trim());
}

/**
 * The master streamed into the media folder as `<name>.partial`, its tags checked against the
 * sequence's (or comp's) color space, then renamed into place. On any failure what was written
 * is removed, so the take can simply be imported again.
 */
export async function downloadVerifiedMaster(
  deps: { fs: UxpFs; backend: BackendHttp },
  input: { folder: UxpFolder; finished: FinishedTake; colorSpace: SequenceColorSpace; signal?: AbortSignal },
): Promise<{ target: HostFile; tags: ColorTags; transfer: DownloadResult }> {
  const signal = input.signal;
  const { job, take, master } = input.finished;
  const extension = /\.[a-z0-9]{2,5}$/i.exec(master.fileName)?.[0] ?? ".mov";
  const target = await freeFileName(deps.fs, input.folder, takeBaseName(job, take), extension);
  const partial = fileIn(input.folder, `${target.name}.partial`);

  const { response } = await deps.backend.request(`/v1/artifacts/${encodeURIComponent(master.id)}`, signal ? { signal } : {});
  const transfer = await streamToFile(deps.fs, response, partial.url, `take ${take.index + 1}`, signal);
  let tags: ColorTags;
  try {
    tags = await readTagsOfFile(deps.fs, partial, target.name);
    refuseUnlessImportable(tags, input.colorSpace);
    throwIfCancelled(signal, "the take was downloaded but not imported");
  } catch (error) {
    await removeQuietly(deps.fs, partial.url);
    throw error;
  }
  try {
    await deps.fs.rename(partial.url, target.url);
  } catch (error) {
    await removeQuietly(deps.fs, partial.url);
    throw hostError(HostErrorCode.mediaFolder, `Retake could not finish writing ${target.nativePath} (${describe(error)}).`);
  }
  return { target, tags, transfer };
}
