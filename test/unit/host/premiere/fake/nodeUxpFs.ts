/**
 * UXP's fs and storage folders, backed by real files in a temp directory: plugin-temp:/ and
 * plugin-data:/ map to folders under `root`, file:/abs and bare paths are native paths. It keeps
 * UXP's rules the adapter must live with: read/write take an ArrayBuffer (a typed-array view is a
 * TypeError, as on UXP), lstat rejects for a missing file, folders can be made read-only.
 */
import fs from "node:fs";
import path from "node:path";
import type { UxpFs, UxpFolder, UxpStats } from "../../../../../src/host/uxp/types.js";

export interface NodeUxpFsOptions {
  root: string;
  /** Native folders where opening a file for writing fails with EACCES (a read-only volume). */
  readOnly?: string[];
  /**
   * The manifest's localFileSystem permission, enforced as Adobe documents it: `file:` URLs and
   * bare native paths (an arbitrary location) need "fullAccess"; plugin-temp:/ and plugin-data:/
   * work under any. Defaults to what the committed manifest.json asks for.
   */
  permission?: "plugin" | "request" | "fullAccess";
}

/** The committed manifest's localFileSystem permission (what the shipped plugin gets). */
export function manifestFileSystemPermission(): "plugin" | "request" | "fullAccess" {
  const manifest = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, "../../../../../manifest.json"), "utf8")) as {
    requiredPermissions?: { localFileSystem?: "plugin" | "request" | "fullAccess" };
  };
  return manifest.requiredPermissions?.localFileSystem ?? "plugin";
}

export interface NodeUxpFs extends UxpFs {
  native(url: string): string;
  tempFolder: UxpFolder;
  dataFolder: UxpFolder;
  stats: { bytesRead: number; bytesWritten: number; largestWrite: number };
}

export function createNodeUxpFs(options: NodeUxpFsOptions): NodeUxpFs {
  const tempDir = path.join(options.root, "plugin-temp");
  const dataDir = path.join(options.root, "plugin-data");
  fs.mkdirSync(tempDir, { recursive: true });
  fs.mkdirSync(dataDir, { recursive: true });
  const stats = { bytesRead: 0, bytesWritten: 0, largestWrite: 0 };

  const permission = options.permission ?? manifestFileSystemPermission();
  const native = (url: string): string => {
    if (!url.startsWith("plugin-temp:/") && !url.startsWith("plugin-data:/") && permission !== "fullAccess") {
      throw Object.assign(new Error(`Permission denied: ${url} is outside the plugin's folders, which needs localFileSystem "fullAccess" (the manifest asks for "${permission}")`), {
        code: "EPERM",
      });
    }
    if (url.startsWith("plugin-temp:/")) return path.join(tempDir, url.slice("plugin-temp:/".length));
    if (url.startsWith("plugin-data:/")) return path.join(dataDir, url.slice("plugin-data:/".length));
    if (url.startsWith("file:")) return url.slice("file:".length).replace(/^\/+/, "/");
    return url;
  };
  const requireArrayBuffer = (buffer: unknown) => {
    if (!(buffer instanceof ArrayBuffer)) throw new TypeError("UXP fs expects an ArrayBuffer, not a typed-array view");
  };

  const api: NodeUxpFs = {
    native,
    stats,
    tempFolder: { name: "plugin-temp", nativePath: tempDir, url: "plugin-temp:/" },
    dataFolder: { name: "plugin-data", nativePath: dataDir, url: "plugin-data:/" },
    async open(url, flag) {
      const p = native(url);
      if (flag !== "r" && (options.readOnly ?? []).some((dir) => p.startsWith(dir))) {
        throw Object.assign(new Error(`EACCES: permission denied, open '${p}'`), { code: "EACCES" });
      }
      return fs.openSync(p, flag);
    },
    async close(fd) {
      fs.closeSync(fd);
      return 0;
    },
    async read(fd, buffer, offset, length, position) {
      requireArrayBuffer(buffer);
      const bytesRead = fs.readSync(fd, new Uint8Array(buffer), offset, length, position);
      stats.bytesRead += bytesRead;
      return { bytesRead };
    },
    async write(fd, buffer, offset, length, position) {
      requireArrayBuffer(buffer);
      const bytesWritten = fs.writeSync(fd, new Uint8Array(buffer), offset, length, position);
      stats.bytesWritten += bytesWritten;
      stats.largestWrite = Math.max(stats.largestWrite, bytesWritten);
      return { bytesWritten };
    },
    async lstat(url): Promise<UxpStats> {
      const s = fs.lstatSync(native(url));
      return { size: s.size, isFile: () => s.isFile() };
    },
    async unlink(url) {
      fs.unlinkSync(native(url));
      return 0;
    },
    async rename(from, to) {
      fs.renameSync(native(from), native(to));
      return 0;
    },
    async mkdir(url, opts) {
      const p = native(url);
      if ((options.readOnly ?? []).some((dir) => p.startsWith(dir) && p !== dir && !fs.existsSync(p))) {
        throw Object.assign(new Error(`EACCES: permission denied, mkdir '${p}'`), { code: "EACCES" });
      }
      fs.mkdirSync(p, { recursive: opts.recursive ?? false });
      return 0;
    },
    async readdir(url) {
      return fs.readdirSync(native(url));
    },
  };
  return api;
}
