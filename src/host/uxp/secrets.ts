import { utf8Decode, utf8Encode } from "./bytes.js";
import { describe, hostError, HostErrorCode } from "./errors.js";
import type { UxpApi, UxpSecureStorage } from "./types.js";

/**
 * host.secrets.get|set over UXP secureStorage. It is encrypted with the OS user's credentials and
 * documented as a cache that can be lost (an OS account change, a reinstall): a missing key reads
 * as null and the panel asks again, never an error.
 */
export function secureStorageOf(uxp: UxpApi): UxpSecureStorage {
  const storage = uxp.storage.secureStorage ?? uxp.secureStorage;
  if (!storage) throw hostError(HostErrorCode.internal, "This host offers no secure storage, so Retake cannot keep keys.");
  return storage;
}

export function createSecrets(uxp: UxpApi) {
  async function get(key: string): Promise<string | null> {
    let bytes: Uint8Array | null | undefined;
    try {
      bytes = await secureStorageOf(uxp).getItem(key);
    } catch {
      return null; // absent keys throw on some builds; lost ones too: both mean "ask again"
    }
    if (bytes == null) return null;
    // UXP documents a Uint8Array; accept an ArrayBuffer or a string in case a build differs.
    if (typeof bytes === "string") return bytes;
    const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes as ArrayBuffer);
    return view.length === 0 ? null : utf8Decode(view);
  }

  async function set(key: string, value: string | null): Promise<void> {
    const storage = secureStorageOf(uxp);
    try {
      if (value === null || value === "") await storage.removeItem(key);
      // Bytes we encode ourselves: which bytes a string becomes in setItem is undocumented, and
      // get() decodes UTF-8, so the adapter owns both ends.
      else await storage.setItem(key, utf8Encode(value));
    } catch (error) {
      if (value === null) return; // removing what is not there is fine
      throw hostError(HostErrorCode.internal, `Could not save ${key} in secure storage: ${describe(error)}`);
    }
  }

  return { get, set };
}
export type Secrets = ReturnType<typeof createSecrets>;
