import { describe, hostError, HostErrorCode as PremiereErrorCode } from "../uxp/errors.js";
import { samePath } from "../uxp/paths.js";
import type { PFolderItem, PProject, PProjectItem, PremiereApi } from "./types.js";

export const BIN_NAME = "Retake";

/**
 * The "Retake" bin at the project root, created once. Creating a bin is an Action, so it runs in
 * its own lockedAccess → executeTransaction (one small undo step the first time only).
 */
export interface RetakeBin {
  item: PProjectItem;
  folder: PFolderItem;
}

export async function ensureRetakeBin(ppro: PremiereApi, project: PProject): Promise<RetakeBin> {
  const root = await project.getRootItem();
  const find = async () => {
    const items = await root.getItems();
    const item = items.find((i) => i.name === BIN_NAME && i.type === ppro.ProjectItem.TYPE_BIN);
    return item ? { item, folder: ppro.FolderItem.cast(item) } : undefined;
  };
  const existing = await find();
  if (existing) return existing;
  let ok = false;
  project.lockedAccess(() => {
    ok = project.executeTransaction((compound) => {
      compound.addAction(root.createBinAction(BIN_NAME, false));
    }, "Retake: create bin");
  });
  const created = ok ? await find() : undefined;
  if (!created) throw hostError(PremiereErrorCode.importFailed, `Premiere did not create the "${BIN_NAME}" bin. Create a bin named ${BIN_NAME} at the project root and import again.`);
  return created;
}

/**
 * importFiles into the bin, then find what it added: importFiles answers only a boolean, so the
 * new item is the one the bin did not have before whose media path is the file just written.
 */
export async function importIntoBin(
  ppro: PremiereApi,
  project: PProject,
  bin: RetakeBin,
  nativePath: string,
): Promise<PProjectItem> {
  const before = new Set((await bin.folder.getItems()).map((i) => i.getId()));
  let ok: boolean;
  try {
    ok = await project.importFiles([nativePath], true, bin.item, false);
  } catch (error) {
    throw hostError(PremiereErrorCode.importFailed, `Premiere refused to import ${nativePath}: ${describe(error)}`);
  }
  if (!ok) throw hostError(PremiereErrorCode.importFailed, `Premiere could not import ${nativePath} (it reported failure; the format may be unsupported on this machine).`);
  const added = (await bin.folder.getItems()).filter((i) => !before.has(i.getId()));
  for (const item of added) {
    try {
      const path = await ppro.ClipProjectItem.cast(item).getMediaFilePath();
      if (samePath(path, nativePath)) return item;
    } catch {
      // not a clip (a bin someone made meanwhile): keep looking
    }
  }
  throw hostError(PremiereErrorCode.importFailed, `Premiere said it imported ${nativePath} but no new item in the "${BIN_NAME}" bin points at it.`);
}
