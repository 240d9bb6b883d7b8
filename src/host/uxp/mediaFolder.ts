import { utf8Decode, utf8Encode } from "./bytes.js";
import { describe, hostError, HostErrorCode } from "./errors.js";
import { readWholeFile, removeQuietly } from "./fileIo.js";
import { parentNativePath } from "./paths.js";
import type { Secrets } from "./secrets.js";
import type { UxpApi, UxpFolder, UxpFs } from "./types.js";

export const DEFAULT_MEDIA_FOLDER_NAME = "Retake Media";

/** A native path as a UXP fs URL (UXP treats scheme-less paths as file: too; be explicit). */
export function fileUrl(nativePath: string): string {
  const slashed = nativePath.replace(/\\/g, "/");
  return `file:${slashed.startsWith("/") ? "" : "/"}${slashed}`;
}

/**
 * Where imported takes are written: the folder the editor picked once (kept as a persistent
 * token under `tokenKey` in secure storage), else "Retake Media" beside the project file. Media
 * must outlive the plugin, so never the plugin's own data or temp folders. Missing or unusable
 * folders are a clear error.
 */
export async function resolveMediaFolder(
  deps: { uxp: UxpApi; fs: UxpFs; secrets: Secrets; tokenKey: string },
  projectPath: string,
): Promise<UxpFolder> {
  const token = await deps.secrets.get(deps.tokenKey);
  if (!token) {
    // Secure storage "can be lost" (Adobe): a folder the editor picked must not silently turn
    // into "beside the project". The plugin's own data folder remembers that a choice was made.
    const forgotten = await readPickedMarker(deps.fs, deps.tokenKey);
    if (forgotten) {
      throw hostError(
        HostErrorCode.mediaFolder,
        `The media folder you picked for Retake (${forgotten}) was forgotten: UXP's secure storage, which keeps that choice, was reset (an OS account or keychain change does this). Pick it again, or another folder, in Settings.`,
      );
    }
  }
  if (token) {
    try {
      const folder = await deps.uxp.storage.localFileSystem.getEntryForPersistentToken(token);
      // Entry.url's format is undocumented (it may be percent-encoded); fs is given a file: URL
      // built from the native path, the same form as the default folder's.
      if (folder?.nativePath) return { name: folder.name, nativePath: folder.nativePath, url: fileUrl(folder.nativePath) };
    } catch {
      // fall through: the folder moved or was deleted
    }
    throw hostError(
      HostErrorCode.mediaFolder,
      "The media folder you picked for Retake is missing or no longer reachable. Pick it again in Settings.",
    );
  }
  if (!projectPath) {
    throw hostError(HostErrorCode.mediaFolder, "The project has not been saved yet, so Retake has no place for media beside it. Save the project, or pick a media folder in Settings.");
  }
  const nativePath = `${parentNativePath(projectPath)}${projectPath.includes("\\") ? "\\" : "/"}${DEFAULT_MEDIA_FOLDER_NAME}`;
  const folder: UxpFolder = { name: DEFAULT_MEDIA_FOLDER_NAME, nativePath, url: fileUrl(nativePath) };
  try {
    await deps.fs.mkdir(folder.url, { recursive: true });
  } catch (error) {
    const exists = await deps.fs.lstat(folder.url).then(
      (s) => !s.isFile(),
      () => false,
    );
    if (!exists) {
      throw hostError(HostErrorCode.mediaFolder, `Retake cannot create its media folder ${nativePath} (${describe(error)}). The project folder may be read-only: pick a media folder in Settings.`);
    }
  }
  return folder;
}

/** host.pickMediaFolder: the OS folder picker; the choice is remembered (a persistent token under `tokenKey`). */
export async function pickMediaFolder(deps: { uxp: UxpApi; secrets: Secrets; tokenKey: string; fs?: UxpFs }): Promise<{ path: string | null }> {
  let folder;
  try {
    folder = await deps.uxp.storage.localFileSystem.getFolder({});
  } catch (error) {
    throw hostError(HostErrorCode.mediaFolder, `The folder picker failed: ${describe(error)}`);
  }
  if (!folder) return { path: null }; // cancelled: keep the previous choice
  const token = await deps.uxp.storage.localFileSystem.createPersistentToken(folder);
  await deps.secrets.set(deps.tokenKey, token);
  if (deps.fs) await writePickedMarker(deps.fs, deps.tokenKey, folder.nativePath);
  return { path: folder.nativePath };
}

/** plugin-data:/ is the plugin's own folder: reachable under any file-system permission, and it outlives secure storage resets. */
const markerUrl = (tokenKey: string) => `plugin-data:/${tokenKey}.picked`;

async function writePickedMarker(fs: UxpFs, tokenKey: string, nativePath: string): Promise<void> {
  try {
    const bytes = utf8Encode(nativePath);
    const fd = await fs.open(markerUrl(tokenKey), "w");
    try {
      await fs.write(fd, bytes.slice().buffer, 0, bytes.length, 0);
    } finally {
      await fs.close(fd);
    }
  } catch {
    await removeQuietly(fs, markerUrl(tokenKey)); // best effort: only the "forgotten" message depends on it
  }
}

async function readPickedMarker(fs: UxpFs, tokenKey: string): Promise<string | undefined> {
  try {
    const text = utf8Decode(await readWholeFile(fs, markerUrl(tokenKey)));
    return text || undefined;
  } catch {
    return undefined;
  }
}
