import type { UxpFolder } from "./types.js";

/**
 * A file inside a UXP folder, named both ways: `url` for UXP's `fs` (plugin-temp:/…, file:/…) and
 * `nativePath` for the host app, which takes OS paths (Premiere importFiles/exportSequenceFrame,
 * After Effects ImportOptions/saveFrameToPng).
 */
export interface HostFile {
  name: string;
  url: string;
  nativePath: string;
}

export function fileIn(folder: Pick<UxpFolder, "url" | "nativePath">, name: string): HostFile {
  const url = folder.url.endsWith("/") ? folder.url + name : `${folder.url}/${name}`;
  const sep = folder.nativePath.includes("\\") && !folder.nativePath.includes("/") ? "\\" : "/";
  const nativePath = folder.nativePath.endsWith(sep) ? folder.nativePath + name : `${folder.nativePath}${sep}${name}`;
  return { name, url, nativePath };
}

/** Paths compared the way the OS would (a host may hand back either slash on Windows). */
export function samePath(a: string, b: string): boolean {
  const norm = (p: string) => p.replace(/\\/g, "/").replace(/\/+$/, "");
  const win = /^[a-zA-Z]:/.test(a) || a.includes("\\");
  return win ? norm(a).toLowerCase() === norm(b).toLowerCase() : norm(a) === norm(b);
}

export function parentNativePath(nativePath: string): string {
  const i = Math.max(nativePath.lastIndexOf("/"), nativePath.lastIndexOf("\\"));
  return i > 0 ? nativePath.slice(0, i) : nativePath;
}

/** A file name safe on macOS and Windows. */
export function safeFileName(name: string): string {
  return name.replace(/[\\/:*?"<>|\u0000-\u001f]+/g, "-").replace(/\s+/g, " ").trim().slice(0, 120) || "take";
}
