import { describe, hostError, HostErrorCode } from "./errors.js";
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
export async function pickMediaFolder(deps: { uxp: UxpApi; secrets: Secrets; tokenKey: string }): Promise<{ path: string | null }> {
  let folder;
  try {
    folder = await deps.uxp.storage.localFileSystem.getFolder({});
  } catch (error) {
    throw hostError(HostErrorCode.mediaFolder, `The folder picker failed: ${describe(error)}`);
  }
  if (!folder) return { path: null }; // cancelled: keep the previous choice
  const token = await deps.uxp.storage.localFileSystem.createPersistentToken(folder);
  await deps.secrets.set(deps.tokenKey, token);
  return { path: folder.nativePath };
}
