/**
 * The parts of `uxp` and `fs` every Retake host uses (Premiere and After Effects alike), as narrow
 * structural types: the adapters run against in-memory fakes in tests, and the official
 * `@adobe/cc-ext-uxp-types` cannot join this project's type-check (its ambient "fs" module and
 * global fetch collide with Node's). test/unit/host/premiere/officialTypes.test.ts proves the
 * official UXP declarations fit these types in a separate program.
 */

/** A UXP storage Folder: `nativePath` for the host app, `url` (plugin-temp:/…, file:/…) for `fs`. */
export interface UxpFolder {
  readonly name: string;
  readonly nativePath: string;
  readonly url: string;
}

export interface UxpSecureStorage {
  setItem(key: string, value: string | ArrayBuffer | Uint8Array): Promise<void>;
  getItem(key: string): Promise<Uint8Array | null | undefined>;
  removeItem(key: string): Promise<void>;
}

export interface UxpLocalFileSystem {
  getTemporaryFolder(): Promise<UxpFolder>;
  getEntryForPersistentToken(token: string): Promise<UxpFolder>;
  /** The OS folder picker; null when the editor cancels. */
  getFolder(options: { initialDomain?: symbol }): Promise<UxpFolder | null | undefined>;
  createPersistentToken(entry: UxpFolder): Promise<string>;
}

/**
 * The slice of `require("uxp")`. The typings put `secureStorage` at the module's top level, the
 * docs under `storage`; the adapter accepts either.
 */
export interface UxpApi {
  storage: { localFileSystem: UxpLocalFileSystem; secureStorage?: UxpSecureStorage };
  secureStorage?: UxpSecureStorage;
  /** `uxp.shell`: opening a URL needs the manifest's `launchProcess` permission for its scheme. */
  shell?: { openExternal(url: string, developerText?: string): Promise<unknown> };
}

export interface UxpStats {
  size: number;
  isFile(): boolean;
}

/**
 * The slice of UXP's Node-style `require("fs")`, in its promise form. The typings mark each
 * callback as required, while the doc comments in the same file say "if not provided, this
 * function will return Promise object"; the shell wraps the real module (see plugin shell) so
 * the adapter only ever sees promises. UXP's read/write take an ArrayBuffer, not a view.
 */
export interface UxpFs {
  open(path: string, flag: string): Promise<number>;
  close(fd: number): Promise<unknown>;
  read(fd: number, buffer: ArrayBuffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  write(fd: number, buffer: ArrayBuffer, offset: number, length: number, position: number): Promise<{ bytesWritten: number }>;
  lstat(path: string): Promise<UxpStats>;
  unlink(path: string): Promise<unknown>;
  rename(oldPath: string, newPath: string): Promise<unknown>;
  mkdir(path: string, options: { recursive?: boolean }): Promise<unknown>;
  readdir(path: string): Promise<string[]>;
}

/** The fetch the adapter uses: the UXP global in the host, Node's in tests. */
export type FetchLike = (input: string, init?: { method?: string; headers?: Record<string, string>; body?: ArrayBuffer | string; signal?: AbortSignal }) => Promise<Response>;
