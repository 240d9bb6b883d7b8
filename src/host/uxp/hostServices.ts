import type { HostHandlers } from "../../core/bridge/index.js";
import { createBackendHttp, type BackendHttp } from "./backendHttp.js";
import { createBackendRoute } from "./backendRoute.js";
import { DEFAULT_BACKEND_URL, readBackend, type BackendConnection } from "./backendSettings.js";
import { openExternal } from "./openExternal.js";
import { createSecrets, type Secrets } from "./secrets.js";
import type { FetchLike, UxpApi } from "./types.js";

export interface HostServices {
  secrets: Secrets;
  /** The backend URL and token as Settings keep them (read fresh on every call). */
  connection: () => Promise<BackendConnection>;
  backend: BackendHttp;
  /** host.backend, host.openExternal and host.secrets.get|set, the same in every UXP host. */
  handlers: Pick<HostHandlers, "host.backend" | "host.secrets.get" | "host.secrets.set" | "host.openExternal">;
}

/** What every UXP host builds first: secure storage, the backend connection and its HTTP client. */
export function createHostServices(deps: { uxp: UxpApi; fetch?: FetchLike; defaultBackendUrl?: string; backendHttpsPort?: number }): HostServices {
  const fetchFn: FetchLike = deps.fetch ?? ((input, init) => globalThis.fetch(input, init as RequestInit));
  const secrets = createSecrets(deps.uxp);
  const route = createBackendRoute(fetchFn, deps.backendHttpsPort);
  // Settings' URL, switched to loopback HTTPS when this host refuses plain http (backendRoute.ts).
  const connection = async () => route.resolve(await readBackend(secrets, deps.defaultBackendUrl ?? DEFAULT_BACKEND_URL));
  const backend = createBackendHttp(fetchFn, connection, async () => route.forget((await readBackend(secrets, deps.defaultBackendUrl ?? DEFAULT_BACKEND_URL)).url));
  return {
    secrets,
    connection,
    backend,
    handlers: {
      // The panel's own fetches use this URL: the route that works when one does, else the URL
      // as configured (the panel then reports its own failure; host requests name both routes).
      "host.backend": async () => connection().catch(() => readBackend(secrets, deps.defaultBackendUrl ?? DEFAULT_BACKEND_URL)),
      "host.openExternal": async ({ url, purpose }) => openExternal(deps.uxp, url, purpose),
      "host.secrets.get": async ({ key }) => ({ value: await secrets.get(key) }),
      "host.secrets.set": async ({ key, value }) => {
        await secrets.set(key, value);
        return { ok: true as const };
      },
    },
  };
}
