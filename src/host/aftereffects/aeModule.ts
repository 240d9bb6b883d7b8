import { hostError, HostErrorCode } from "../uxp/errors.js";
import type { AeApp, AeCompItem, AeFolderItem, AeImportOptions, AeImportOptionsClass, AeItem, AfterEffectsModule } from "./types.js";

/** The Application object: the module itself (Adobe's example) or its `app` (plugins seen in the wild). */
export function appOf(ae: AfterEffectsModule): AeApp {
  return "app" in ae && ae.app ? ae.app : (ae as AeApp);
}

/**
 * A composition, told apart by class when the module exports CompItem, else by what only a comp
 * has (typeName is localized, so it is never compared).
 */
export function isComp(ae: AfterEffectsModule, item: AeItem): item is AeCompItem {
  if (typeof ae.CompItem === "function") return item instanceof ae.CompItem;
  const candidate = item as Partial<AeCompItem>;
  return typeof candidate.saveFrameToPng === "function" && typeof candidate.layers === "object";
}

/** A folder in the Project panel (by class when exported, else by its item collection). */
export function isFolder(ae: AfterEffectsModule, item: AeItem): item is AeFolderItem {
  if (typeof ae.FolderItem === "function") return item instanceof ae.FolderItem;
  const candidate = item as Partial<AeFolderItem>;
  return typeof candidate.items === "object" && typeof candidate.numItems === "number" && typeof (candidate as Partial<AeCompItem>).layers !== "object";
}

/** `new ImportOptions(path)` with `file` set again (the constructor's argument form is unconfirmed). */
export function importOptionsFor(ae: AfterEffectsModule, nativePath: string, sequence: boolean): AeImportOptions {
  const ImportOptions: AeImportOptionsClass | undefined = ae.ImportOptions ?? (globalThis as { ImportOptions?: AeImportOptionsClass }).ImportOptions;
  if (typeof ImportOptions !== "function") {
    throw hostError(HostErrorCode.importFailed, "This After Effects build exposes no ImportOptions, so Retake cannot import. Use After Effects (Beta) 27.0 or later.");
  }
  let options: AeImportOptions;
  try {
    options = new ImportOptions(nativePath);
  } catch {
    options = new ImportOptions();
  }
  if (options.file !== nativePath) options.file = nativePath;
  options.sequence = sequence;
  return options;
}

/** One undo group around `edit`, closed whatever happens (an unclosed group would swallow the editor's next actions). */
export function inUndoGroup<T>(app: AeApp, label: string, edit: () => T): T {
  app.beginUndoGroup(label);
  try {
    return edit();
  } finally {
    app.endUndoGroup();
  }
}
