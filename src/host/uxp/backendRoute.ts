import type { BackendConnection } from "./backendSettings.js";
import { describe, hostError, HostErrorCode } from "./errors.js";
import type { FetchLike } from "./types.js";

/**
 * Which way the panel reaches a backend on this machine. Premiere documents that it disallows
 * http:// on macOS (ppro-docs recipes/network:55 and :336); whether loopback is exempt is
 * unconfirmed, and a port-specific http domain has been refused on one build and allowed on a
 * later one. So for a loopback http URL the host tries it, and when the request itself is refused
 * (a network error, not an HTTP answer) it tries the same backend over HTTPS on the next port
 * (or the port the plugin was built with, RETAKE_HTTPS_PORT),
 * which `retake cert` sets up (src/server/http/loopbackTls.ts). The route that answered is kept
 * until a request on it fails. Any other URL is used as it is.
 */

const LOOPBACK = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\]):(\d+)$/i;
const PROBE_TIMEOUT_MS = 3_000;

/** The HTTPS twin of a loopback http URL (on `tlsPort`, else port + 1), or undefined for any other URL. */
export function loopbackTlsTwin(url: string, tlsPort?: number): string | undefined {
  const m = LOOPBACK.exec(url);
  if (!m) return undefined;
  return `https://${m[1]}:${tlsPort ?? Number(m[2]) + 1}`;
}

/** `tlsPort`: the backend's HTTPS port as the plugin was built (RETAKE_HTTPS_PORT); port + 1 when absent. */
export function createBackendRoute(fetchFn: FetchLike, tlsPort?: number) {
  /** settings URL → the URL that answered. */
  const chosen = new Map<string, string>();

  async function reachable(base: string): Promise<string | undefined> {
    const controller = typeof AbortController === "function" ? new AbortController() : undefined;
    const timer = setTimeout(() => controller?.abort(), PROBE_TIMEOUT_MS);
    try {
      // Any HTTP answer means the route is open (health needs no token); only a refused request is not.
      await fetchFn(`${base}/v1/health`, controller ? { signal: controller.signal } : {});
      return undefined;
    } catch (error) {
      return describe(error);
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    /** The connection with the URL that works from this host (probing once per settings URL). */
    async resolve(connection: BackendConnection): Promise<BackendConnection> {
      const twin = loopbackTlsTwin(connection.url, tlsPort);
      if (!twin) return connection;
      const known = chosen.get(connection.url);
      if (known) return { ...connection, url: known };
      const plainProblem = await reachable(connection.url);
      if (plainProblem === undefined) {
        chosen.set(connection.url, connection.url);
        return connection;
      }
      const tlsProblem = await reachable(twin);
      if (tlsProblem === undefined) {
        chosen.set(connection.url, twin);
        return { ...connection, url: twin };
      }
      throw hostError(
        HostErrorCode.backendUnreachable,
        `Retake cannot reach its backend at ${connection.url} (${plainProblem}) nor at ${twin} (${tlsProblem}). Start it (npm start). ` +
          `On a Mac, Premiere may refuse http://: run \`npx retake cert\` once, restart the backend, then reopen this panel.`,
      );
    },
    /** Forget the route for a settings URL (a request on it failed: probe again next time). */
    forget(url: string): void {
      chosen.delete(url);
    },
  };
}
