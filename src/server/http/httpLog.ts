import type { FastifyServerOptions } from "fastify";
import { loggableUrl } from "../team/jsonLog.js";

/**
 * Fastify's own logger for the embedded backend, when it is on: its request lines as usual, but
 * never the token. The panel's EventSource and <video> URLs carry it as `?token=` (a browser
 * cannot set a header there), and a log file is read by whoever is helping debug. Team mode logs
 * its requests itself, through the same `loggableUrl` (serveCommand.ts).
 */
export type HttpLogSetting = boolean | { stream: { write(line: string): void } };

export function httpLoggerOptions(setting: HttpLogSetting | undefined): FastifyServerOptions["logger"] {
  if (!setting) return false;
  return {
    ...(typeof setting === "object" ? { stream: setting.stream } : {}),
    serializers: {
      // Fastify's default request fields, the URL without its secrets.
      req: (request: { method: string; url: string; host?: string; ip?: string; socket?: { remotePort?: number } }) => ({
        method: request.method,
        url: loggableUrl(request.url),
        host: request.host,
        remoteAddress: request.ip,
        remotePort: request.socket?.remotePort,
      }),
    },
    hooks: {
      // Some of Fastify's messages quote the raw URL in their text ("Route GET:/v1/x?token=… not found").
      logMethod(args, method) {
        method.apply(this, args.map((arg) => (typeof arg === "string" ? redactUrlsIn(arg) : arg)) as Parameters<typeof method>);
      },
    },
  };
}

/** Every URL-looking run of text ("/path?query") with its query's secrets redacted. */
function redactUrlsIn(text: string): string {
  return text.replace(/\S*\?\S+/g, (url) => loggableUrl(url));
}
