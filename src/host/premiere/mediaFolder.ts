import { SETTING_MEDIA_FOLDER_TOKEN } from "./backendSettings.js";
import { describe, hostError, PremiereErrorCode } from "./errors.js";
import { parentNativePath } from "./paths.js";
import type { Secrets } from "./secrets.js";
import type { PProject, UxpApi, UxpFolder, UxpFs } from "./types.js";

export const DEFAULT_MEDIA_FOLDER_NAME = "Retake Media";

/** A native path as a UXP fs URL (UXP treats scheme-less paths as file: too; be explicit). */
export function fileUrl(nativePath: string): string {
  const slashed = nativePath.replace(/\\/g, "/");
  return `file:${slashed.startsWith("/") ? "" : "/"}${slashed}`;
}

/**
 * Where imported takes are written: the folder the editor picked once (kept as a persistent
 * token), else "Retake Media" beside the project file. Media must outlive the plugin, so never
 * the plugin's own data or temp folders. Missing or unusable folders are a clear error.
 */
export async function resolveMediaFolder(deps: { uxp: UxpApi; fs: UxpFs; secrets: Secrets }, project: PProject): Promise<UxpFolder> {
  const token = await deps.secrets.get(SETTING_MEDIA_FOLDER_TOKEN);
  if (token) {
    try {
      const folder = await deps.uxp.storage.localFileSystem.getEntryForPersistentToken(token);
      if (folder?.nativePath) return folder;
    } catch {
      // fall through: the folder moved or was deleted
    }
    throw hostError(
      PremiereErrorCode.mediaFolder,
      "The media folder you picked for Retake is missing or no longer reachable. Pick it again in Settings.",
    );
  }
  if (!project.path) {
    throw hostError(PremiereErrorCode.mediaFolder, "The project has not been saved yet, so Retake has no place for media beside it. Save the project, or pick a media folder in Settings.");
  }
  const nativePath = `${parentNativePath(project.path)}${project.path.includes("\\") ? "\\" : "/"}${DEFAULT_MEDIA_FOLDER_NAME}`;
  const folder: UxpFolder = { name: DEFAULT_MEDIA_FOLDER_NAME, nativePath, url: fileUrl(nativePath) };
  try {
    await deps.fs.mkdir(folder.url, { recursive: true });
  } catch (error) {
    const exists = await deps.fs.lstat(folder.url).then(
      (s) => !s.isFile(),
      () => false,
    );
    if (!exists) {
      throw hostError(PremiereErrorCode.mediaFolder, `Retake cannot create its media folder ${nativePath} (${describe(error)}). The project folder may be read-only: pick a media folder in Settings.`);
    }
  }
  return folder;
}
