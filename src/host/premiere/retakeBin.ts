import type { BridgeError } from "../../core/bridge/index.js";
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
  const find = async (root: PFolderItem) => {
    const items = await root.getItems();
    const item = items.find((i) => i.name === BIN_NAME && i.type === ppro.ProjectItem.TYPE_BIN);
    // FolderItem.cast returns null for a non-bin on real builds (bolt-uxp #62); the fake throws.
    const folder = item ? ppro.FolderItem.cast(item) : undefined;
    return item && folder ? { item, folder } : undefined;
  };
  const root = await project.getRootItem();
  const existing = await find(root);
  if (existing) return existing;
  let ok = false;
  project.lockedAccess(() => {
    ok = project.executeTransaction((compound) => {
      compound.addAction(root.createBinAction(BIN_NAME, false));
    }, "Retake: create bin");
  });
  // Premiere may invalidate script objects after a transaction: fetch the root again.
  const created = ok ? await find(await project.getRootItem()) : undefined;
  if (!created) throw hostError(PremiereErrorCode.importFailed, `Premiere did not create the "${BIN_NAME}" bin. Create a bin named ${BIN_NAME} at the project root and import again.`);
  return created;
}

/** How long the new item may take to show up in the bin after importFiles resolved (nothing documents that it is there at once). */
export const IMPORT_SETTLE_MS = 5_000;
const SETTLE_POLL_MS = 100;

/**
 * Errors raised after Premiere said it imported the file: the file is now media of a project item,
 * so it must never be deleted (that would leave an offline clip in the Retake bin).
 */
const keptByHost = new WeakSet<object>();
export function fileHeldByPremiere(error: unknown): boolean {
  return typeof error === "object" && error !== null && keptByHost.has(error);
}
function heldError(error: BridgeError): BridgeError {
  keptByHost.add(error);
  return error;
}

/**
 * importFiles into the bin, then find what it added. importFiles answers only a boolean, and
 * nothing documents that the item is in the bin when it resolves or that getMediaFilePath gives
 * the path back as passed. So the bin is looked at until a new item appears (up to
 * IMPORT_SETTLE_MS); the new item whose media path is the file is taken, else the single new clip
 * when there is exactly one (the path came back in another spelling: NFD, a symlink, a UNC path).
 */
export async function importIntoBin(
  ppro: PremiereApi,
  project: PProject,
  bin: RetakeBin,
  nativePath: string,
  options: { settleMs?: number } = {},
): Promise<PProjectItem> {
  const before = new Set((await bin.folder.getItems()).map((i) => i.getId()));
  let ok: boolean;
  try {
    ok = await project.importFiles([nativePath], true, bin.item, false);
  } catch (error) {
    throw hostError(PremiereErrorCode.importFailed, `Premiere refused to import ${nativePath}: ${describe(error)}`);
  }
  if (!ok) throw hostError(PremiereErrorCode.importFailed, `Premiere could not import ${nativePath} (it reported failure; the format may be unsupported on this machine).`);

  const deadline = Date.now() + (options.settleMs ?? IMPORT_SETTLE_MS);
  for (;;) {
    const clips = await newClips(ppro, bin, before);
    const exact = clips.find((c) => samePath(c.path, nativePath));
    if (exact) return exact.item;
    if (clips.length === 1) return clips[0]!.item;
    if (clips.length > 1) {
      throw heldError(
        hostError(
          PremiereErrorCode.importFailed,
          `Premiere imported ${nativePath}, but ${clips.length} new items appeared in the "${BIN_NAME}" bin and none names that file, so Retake cannot tell which to place. The file is kept; drag it from the bin onto the timeline.`,
        ),
      );
    }
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
  }
  throw heldError(
    hostError(
      PremiereErrorCode.importFailed,
      `Premiere said it imported ${nativePath} but no new item appeared in the "${BIN_NAME}" bin. The file is kept; import it by hand (File › Import) if it is not in the project.`,
    ),
  );
}

/** Items the bin did not have before, that are clips (a bin made meanwhile is not), with their media path. */
async function newClips(ppro: PremiereApi, bin: RetakeBin, before: Set<string>): Promise<{ item: PProjectItem; path: string }[]> {
  const added = (await bin.folder.getItems()).filter((i) => !before.has(i.getId()) && i.type !== ppro.ProjectItem.TYPE_BIN);
  const out: { item: PProjectItem; path: string }[] = [];
  for (const item of added) {
    try {
      const clip = ppro.ClipProjectItem.cast(item);
      if (clip) out.push({ item, path: await clip.getMediaFilePath() });
    } catch {
      // not a clip: keep looking
    }
  }
  return out;
}
