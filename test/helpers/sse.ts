import net from "node:net";

/**
 * Reads a server-sent event stream over a plain socket until an event named `until` (or the
 * timeout). A plain socket, because msw — which plays the providers in the same process — also
 * intercepts the test's own fetch and http calls, and holds a passed-through response until it
 * ends; an event stream never ends by itself.
 */
export interface SseEvent {
  event: string;
  id?: string;
  data: string;
}

export function readSse(
  baseUrl: string,
  path: string,
  options: { headers?: Record<string, string>; until?: string; timeoutMs?: number; /** Keep listening this long after `until`, to see what else comes. */ lingerMs?: number } = {},
): Promise<SseEvent[]> {
  const url = new URL(path, baseUrl);
  const until = options.until ?? "done";
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname);
    const events: SseEvent[] = [];
    let raw = Buffer.alloc(0);
    let headerDone = false;
    let body = "";
    let pending = Buffer.alloc(0);
    let lingering = false;
    const timer = setTimeout(() => finish(new Error(`no "${until}" event within ${options.timeoutMs ?? 240_000} ms; got ${events.map((e) => e.event).join(", ")}`)), options.timeoutMs ?? 240_000);
    function finish(error?: Error) {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(events);
    }
    socket.on("connect", () => {
      const headers = { Host: url.host, Accept: "text/event-stream", ...(options.headers ?? {}) };
      socket.write(`GET ${url.pathname}${url.search} HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join("\r\n")}\r\n\r\n`);
    });
    socket.on("error", (error) => finish(error));
    socket.on("data", (chunk: Buffer) => {
      if (!headerDone) {
        raw = Buffer.concat([raw, chunk]);
        const end = raw.indexOf("\r\n\r\n");
        if (end < 0) return;
        const head = raw.subarray(0, end).toString("latin1");
        if (!/^HTTP\/1\.1 200/.test(head)) return finish(new Error(`event stream answered: ${head.split("\r\n")[0]}`));
        headerDone = true;
        chunk = raw.subarray(end + 4);
      }
      // Chunked transfer encoding: "<hex size>\r\n<bytes>\r\n"…
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const line = pending.indexOf("\r\n");
        if (line < 0) break;
        const size = parseInt(pending.subarray(0, line).toString("latin1"), 16);
        if (!Number.isFinite(size)) return finish(new Error("bad chunk"));
        if (pending.length < line + 2 + size + 2) break;
        body += pending.subarray(line + 2, line + 2 + size).toString("utf8");
        pending = pending.subarray(line + 2 + size + 2);
        if (size === 0) return finish();
      }
      let cut: number;
      while ((cut = body.indexOf("\n\n")) >= 0) {
        const block = body.slice(0, cut);
        body = body.slice(cut + 2);
        const event = /^event: (.+)$/m.exec(block)?.[1];
        if (!event) continue;
        const id = /^id: (.+)$/m.exec(block)?.[1];
        events.push({ event, ...(id ? { id } : {}), data: /^data: (.*)$/m.exec(block)?.[1] ?? "" });
        if (event === until && !lingering) {
          if (!options.lingerMs) return finish();
          lingering = true;
          setTimeout(() => finish(), options.lingerMs);
        }
      }
    });
  });
}
