import type { UxpFs } from "./types.js";

const METHODS = ["open", "close", "read", "write", "lstat", "unlink", "rename", "mkdir", "readdir"] as const;

/**
 * UXP's `require("fs")` as the promise-form UxpFs. The official typings declare each callback as
 * required, but the doc comments in the same declarations (and Adobe's examples) call these without
 * one and await the returned Promise; we do the same, and check at load that each method exists.
 * A host that needs more of the module (After Effects: rmdir) names the extra methods.
 */
export function uxpFsFromModule<Extra extends string = never>(mod: unknown, extra: readonly Extra[] = []): UxpFs & Record<Extra, (...args: unknown[]) => Promise<unknown>> {
  const source = mod as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const name of [...METHODS, ...extra]) {
    const fn = source[name];
    if (typeof fn !== "function") throw new Error(`UXP's fs module has no ${name}(); this host build is older than Retake supports.`);
    out[name] = (...args: unknown[]) => Promise.resolve((fn as (...a: unknown[]) => unknown).apply(source, args));
  }
  return out as unknown as UxpFs & Record<Extra, (...args: unknown[]) => Promise<unknown>>;
}
