import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The UXP half of "typed with the official declarations". @adobe/cc-ext-uxp-types declares
 * ambient modules ("fs", a global fetch) that clash with Node's types, so it cannot join the
 * project's own type-check; this test compiles a small program with only those declarations and
 * our narrow types, and fails if the official UXP types stop fitting what the adapter assumes.
 * (The premierepro half is checked in the main program: see OfficialPremiereFits in types.ts.)
 */
const repo = path.resolve(import.meta.dirname, "../../../..");

const CHECK = `
/// <reference path="${repo}/node_modules/@adobe/cc-ext-uxp-types/uxp/index.d.ts" />
import type { storage } from "uxp";
import type { UxpFolder, UxpLocalFileSystem, UxpSecureStorage, UxpFs } from "${repo}/src/host/uxp/types.js";
type UxpModule = typeof import("uxp");
type OfficialFs = typeof import("fs");

export const folder: UxpFolder = null as unknown as storage.Folder;
export const provider: UxpLocalFileSystem = null as unknown as storage.FileSystemProvider;
export const secure: UxpSecureStorage = null as unknown as UxpModule["secureStorage"];

// fs: same leading parameters as the official methods (the callback, declared required but
// documented optional, is left off; the promise form is what the docs describe).
type Lead<F, N extends number> = F extends (...args: infer A) => unknown ? TakeN<A, N> : never;
type TakeN<A extends unknown[], N extends number, Acc extends unknown[] = []> = Acc["length"] extends N ? Acc : A extends [infer H, ...infer R] ? TakeN<R, N, [...Acc, H]> : Acc;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const checks: [
  Same<Lead<OfficialFs["read"], 5>, Parameters<UxpFs["read"]>>,
  Same<Lead<OfficialFs["write"], 5>, Parameters<UxpFs["write"]>>,
  Same<Lead<OfficialFs["lstat"], 1>, Parameters<UxpFs["lstat"]>>,
  Same<Lead<OfficialFs["unlink"], 1>, Parameters<UxpFs["unlink"]>>,
  Same<Lead<OfficialFs["rename"], 2>, Parameters<UxpFs["rename"]>>,
  Same<Lead<OfficialFs["close"], 1>, Parameters<UxpFs["close"]>>,
  Parameters<UxpFs["open"]> extends [Parameters<OfficialFs["open"]>[0], NonNullable<Parameters<OfficialFs["open"]>[1]>] ? true : false,
] = [true, true, true, true, true, true, true];
`;

describe("official UXP declarations", () => {
  it("fit the narrow UXP types the adapter is written against", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-uxp-types-"));
    try {
      fs.writeFileSync(path.join(dir, "check.ts"), CHECK);
      fs.writeFileSync(
        path.join(dir, "tsconfig.json"),
        JSON.stringify({
          compilerOptions: {
            target: "ES2022",
            module: "ESNext",
            moduleResolution: "Bundler",
            lib: ["ES2023", "DOM"],
            strict: true,
            noEmit: true,
            skipLibCheck: true,
            types: [],
            allowImportingTsExtensions: false,
            typeRoots: [],
            baseUrl: repo,
            paths: { "@adobe/premierepro": [`${repo}/node_modules/@adobe/premierepro/src/premierepro.d.ts`] },
          },
          files: ["check.ts"],
        }),
      );
      // tsc once hung asleep under Node 24 in CI (no CPU, never returned; it had passed in every
      // run before), and a synchronous child that never returns stalls the whole suite, since
      // vitest's own timeout cannot fire. So: a bound on the run, one more try after a hang, and
      // libuv's io_uring off for the child (a suspected cause of sleeping hangs in sandboxes).
      const tsc = () => execFileSync(process.execPath, [path.join(repo, "node_modules/typescript/bin/tsc"), "-p", dir], {
        encoding: "utf8",
        stdio: "pipe",
        timeout: 240_000,
        env: { ...process.env, UV_USE_IO_URING: "0" },
      });
      let output = "ok";
      for (let attempt = 1; attempt <= 2; attempt++) {
        try {
          tsc();
          output = "ok";
          break;
        } catch (error) {
          const e = error as { stdout?: string; stderr?: string; message: string; code?: string };
          output = e.code === "ETIMEDOUT" ? `tsc did not finish within 240 s (attempt ${attempt})` : `${e.stdout ?? ""}${e.stderr ?? ""}` || e.message;
          if (e.code !== "ETIMEDOUT") break;
        }
      }
      expect(output).toBe("ok");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
