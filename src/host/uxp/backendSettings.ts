import type { Secrets } from "./secrets.js";

/** Keys under which the panel's Settings keep the backend connection (secure storage). */
export const SETTING_BACKEND_URL = "backend.url";
export const SETTING_BACKEND_TOKEN = "backend.token";
/**
 * Persistent token of the media folder the editor picked (see mediaFolder.ts), one key per host
 * (each plugin has its own secure storage; the names say whose it is).
 */
export const SETTING_MEDIA_FOLDER_TOKEN = "premiere.mediaFolderToken";
export const SETTING_AE_MEDIA_FOLDER_TOKEN = "aftereffects.mediaFolderToken";

/** Loopback by default, like `npm start`; the manifest allows this origin (and only the configured one). */
export const DEFAULT_BACKEND_URL = "http://127.0.0.1:5177";

export interface BackendConnection {
  url: string;
  token?: string;
}

/** host.backend: the URL and token the panel and the host talk to. */
export async function readBackend(secrets: Secrets, fallbackUrl = DEFAULT_BACKEND_URL): Promise<BackendConnection> {
  const [url, token] = await Promise.all([secrets.get(SETTING_BACKEND_URL), secrets.get(SETTING_BACKEND_TOKEN)]);
  const clean = (url ?? fallbackUrl).trim().replace(/\/+$/, "");
  return token ? { url: clean, token } : { url: clean };
}
