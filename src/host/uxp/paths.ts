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

/**
 * Paths compared the way the OS would. A host may hand back a path in another spelling than the
 * one it was given: either slash on Windows (and any case), Unicode NFD where we wrote NFC (macOS
 * file systems), or macOS's /private/var for /var (and /private/tmp for /tmp). Spellings this
 * cannot see through (a UNC path for a mapped drive, an 8.3 name, a symlinked folder) are left
 * to the caller's fallback: the single new item of an import.
 */
export function samePath(a: string, b: string): boolean {
  const win = /^[a-zA-Z]:/.test(a) || a.includes("\\") || /^[a-zA-Z]:/.test(b) || b.includes("\\");
  const norm = (p: string) => {
    let out = p.normalize("NFC").replace(/\\/g, "/").replace(/\/+$/, "");
    if (!win) out = out.replace(/^\/private(?=\/(?:var|tmp|etc)\/)/, "");
    return win ? out.toLowerCase() : out;
  };
  return norm(a) === norm(b);
}

export function parentNativePath(nativePath: string): string {
  const i = Math.max(nativePath.lastIndexOf("/"), nativePath.lastIndexOf("\\"));
  return i > 0 ? nativePath.slice(0, i) : nativePath;
}

/** A file name safe on macOS and Windows. */
export function safeFileName(name: string): string {
  return name.replace(/[\\/:*?"<>|\u0000-\u001f]+/g, "-").replace(/\s+/g, " ").trim().slice(0, 120) || "take";
}
