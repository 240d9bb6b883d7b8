import { Unzip, UnzipInflate, type UnzipFile } from "fflate";
import { BridgeError } from "../../core/bridge/index.js";
import { exrSequenceFrames, withExrSequence } from "../../core/colorTags/index.js";
import type { Artifact, ColorTags } from "../../core/schemas/index.js";
import type { BackendHttp } from "../uxp/backendHttp.js";
import { bodyChunks, bufferOf, mb, type DownloadResult } from "../uxp/download.js";
import { describe, hostError, HostErrorCode } from "../uxp/errors.js";
import { removeQuietly } from "../uxp/fileIo.js";
import { fileIn, type HostFile } from "../uxp/paths.js";
import { freeFileName, readTagsOfFile, takeBaseName, type FinishedTake } from "../uxp/takeMedia.js";
import type { UxpFolder, UxpFs } from "../uxp/types.js";

/** UXP's fs with rmdir too: an EXR sequence lives in a folder of its own. */
export type AeFs = UxpFs & { rmdir(path: string): Promise<unknown> };

/** A downloaded EXR sequence, checked, in its own folder. */
export interface ExrSequenceOnDisk {
  folder: UxpFolder;
  /** The first frame: what ImportOptions is pointed at (with `sequence` on). */
  firstFrame: HostFile;
  frames: number;
  tags: ColorTags;
  transfer: DownloadResult;
  /** Removes every frame and the folder (a failed import leaves nothing behind). */
  remove(): Promise<void>;
}

/** The take's EXR delivery when it is a zip of numbered frames (Luma, Runway); anything else is not one. */
export function exrSequenceArtifact(finished: FinishedTake): Artifact | undefined {
  const exr = finished.take.outputs.exr;
  return exr && /\.zip$/i.test(exr.fileName) ? exr : undefined;
}

/**
 * The EXR zip streamed from the backend and unpacked frame by frame into
 * "<media folder>/Retake … take N EXR/" (written as "….partial" until checked), so a long 4K
 * sequence never sits in memory. The frames must number contiguously and read as linear
 * ACES2065-1 with every carrier agreeing; otherwise nothing is kept and the editor is told why.
 */
export async function downloadVerifiedExrSequence(
  deps: { fs: AeFs; backend: BackendHttp },
  input: { mediaFolder: UxpFolder; finished: FinishedTake; artifact: Artifact; signal?: AbortSignal },
): Promise<ExrSequenceOnDisk> {
  const { job, take } = input.finished;
  const target = await freeFileName(deps.fs, input.mediaFolder, `${takeBaseName(job, take)} EXR`, "");
  const partial = fileIn(input.mediaFolder, `${target.name}.partial`);
  const removeFolder = async (dir: HostFile) => {
    const names = await deps.fs.readdir(dir.url).catch(() => [] as string[]);
    for (const name of names) await removeQuietly(deps.fs, fileIn(asFolder(dir), name).url);
    await deps.fs.rmdir(dir.url).catch(() => undefined);
  };
  // A ".partial" left by an import that never finished (After Effects quit mid-download) goes first.
  await removeFolder(partial);
  try {
    await deps.fs.mkdir(partial.url, { recursive: false });
  } catch (error) {
    throw hostError(HostErrorCode.mediaFolder, `Retake cannot create ${partial.nativePath} (${describe(error)}). The media folder may be read-only: pick another one in Settings.`);
  }

  let transfer: DownloadResult;
  let tags: ColorTags;
  let frameNames: string[];
  try {
    const { response } = await deps.backend.request(`/v1/artifacts/${encodeURIComponent(input.artifact.id)}`, input.signal ? { signal: input.signal } : {});
    transfer = await unzipInto(deps.fs, response, asFolder(partial), `take ${take.index + 1}'s EXR frames`, input.signal);
    const report = exrSequenceFrames(await deps.fs.readdir(partial.url));
    if (!report) throw hostError(HostErrorCode.importFailed, `Take ${take.index + 1}'s EXR delivery holds no numbered EXR frames. Nothing was imported.`);
    frameNames = report.frames.map((f) => f.name);
    // The provider's declaration (Luma: ACES2065-1) stands in for a missing chromaticities attribute.
    const declared = input.artifact.colorAssumption;
    tags = withExrSequence(await readTagsOfFile(deps.fs, fileIn(asFolder(partial), frameNames[0]!), frameNames[0]!, declared ? { exrAssumption: declared } : {}), report.info);
    const problems = exrProblems(tags);
    if (problems.length > 0) throw hostError(HostErrorCode.colorMismatch, `Not imported: ${problems.join(" ")}`);
  } catch (error) {
    await removeFolder(partial);
    throw error;
  }
  try {
    await deps.fs.rename(partial.url, target.url);
  } catch (error) {
    await removeFolder(partial);
    throw hostError(HostErrorCode.mediaFolder, `Retake could not finish writing ${target.nativePath} (${describe(error)}).`);
  }
  const folder = asFolder(target);
  return {
    folder,
    firstFrame: fileIn(folder, frameNames[0]!),
    frames: frameNames.length,
    tags,
    transfer,
    remove: () => removeFolder(target),
  };
}

/**
 * What keeps EXR frames out of an OCIO project: they must be readable, agree, be ACES2065-1
 * (the one EXR encoding Retake asks providers for) and number without gaps. Empty when fine.
 */
export function exrProblems(tags: ColorTags): string[] {
  const problems: string[] = [];
  if (tags.container !== "exr") problems.push("The EXR delivery's first frame is not an OpenEXR image.");
  if (!tags.agree || tags.damaged) problems.push(...(tags.problems.length > 0 ? tags.problems : ["The EXR frames' color attributes disagree."]));
  if (tags.colorSpace !== "aces2065-1") problems.push("The frames are not ACES2065-1 (AP0), so their colors cannot be interpreted with confidence; import the ProRes master instead (switch the project to Adobe color management, or conform the take).");
  return [...new Set(problems)];
}

function asFolder(file: HostFile): UxpFolder {
  return { name: file.name, url: file.url, nativePath: file.nativePath };
}

/** Only numbered frames are kept, flattened to their base names (no paths from the archive are trusted). */
function frameName(entryName: string): string | undefined {
  const base = entryName.split(/[\\/]/).pop() ?? "";
  if (entryName.endsWith("/") || base.startsWith(".") || entryName.includes("__MACOSX")) return undefined;
  return /^[\w .-]+\.exr$/i.test(base) ? base : undefined;
}

/**
 * The response body through fflate's streaming unzip: every chunk pushed in, each entry's output
 * written at a running position, and the next chunk read only when those writes are done (so
 * memory holds one chunk's worth, whatever the sequence's size).
 */
async function unzipInto(fs: UxpFs, response: Response, folder: UxpFolder, label: string, signal?: AbortSignal): Promise<DownloadResult> {
  const started = Date.now();
  /** The write chain of every entry still open, resolving to its file descriptor. */
  const open = new Map<string, Promise<number>>();
  const closing: Promise<unknown>[] = [];
  const seen = new Set<string>();
  let failure: BridgeError | undefined;
  let written = 0;

  const onFile = (entry: UnzipFile) => {
    const name = frameName(entry.name);
    if (!name || seen.has(name)) {
      if (name) failure ??= hostError(HostErrorCode.importFailed, `${label}: the archive holds ${name} twice. Nothing was imported.`);
      entry.ondata = () => undefined; // started, so the unzipper discards it rather than keeping it
      entry.start();
      return;
    }
    seen.add(name);
    let position = 0;
    open.set(name, fs.open(fileIn(folder, name).url, "w"));
    entry.ondata = (error, data, final) => {
      if (error) {
        failure ??= hostError(HostErrorCode.downloadFailed, `${label}: ${name} is damaged in the archive (${describe(error)}). Nothing was imported.`);
        return;
      }
      const at = position;
      position += data.length;
      const chain = open.get(name)!.then(async (fd) => {
        for (let offset = 0; offset < data.length; ) {
          const { bytesWritten } = await fs.write(fd, bufferOf(data), data.byteOffset + offset, data.length - offset, at + offset);
          if (!bytesWritten) throw new Error("the disk stopped accepting data");
          offset += bytesWritten;
        }
        written += data.length;
        return fd;
      });
      open.set(name, chain);
      if (final) {
        open.delete(name);
        closing.push(chain.then((fd) => fs.close(fd)));
      }
    };
    entry.start();
  };

  const drain = async () => {
    try {
      await Promise.all([...open.values(), ...closing.splice(0, closing.length)]);
    } catch (error) {
      throw hostError(HostErrorCode.mediaFolder, `Writing ${label} to the media folder failed after ${mb(written)} (${describe(error)}). Is the disk full?`);
    }
    if (failure) throw failure;
  };

  const unzip = new Unzip(onFile);
  unzip.register(UnzipInflate);
  try {
    for await (const chunk of bodyChunks(response, label, signal)) {
      try {
        unzip.push(chunk, false);
      } catch (error) {
        throw hostError(HostErrorCode.downloadFailed, `${label} is not a readable zip archive (${describe(error)}). Nothing was imported.`);
      }
      await drain();
    }
    unzip.push(new Uint8Array(0), true);
    await drain();
    if (open.size > 0) {
      throw hostError(HostErrorCode.downloadFailed, `${label} ended in the middle of ${[...open.keys()][0]}. Nothing was imported; import the take again.`);
    }
  } catch (error) {
    // Close whatever is still open so the folder can be removed.
    await Promise.all([...open.values()].map((chain) => chain.then((fd) => fs.close(fd)).catch(() => undefined)));
    throw error instanceof BridgeError ? error : hostError(HostErrorCode.downloadFailed, `Unpacking ${label} failed (${describe(error)}). Nothing was imported.`);
  }
  return { bytes: written, transferMs: Date.now() - started };
}
