/**
 * A stand-in for Luma's Agents API, run as its own process by the team bench
 * (`tsx lumaStandIn.ts <mp4> [generationMs]`), speaking the API as our Luma provider uses it
 * (src/server/providers/luma/lumaClient.ts): POST /generations, GET /generations/:id, and the
 * presigned output URL. A generation takes `generationMs` (± 25 %), queued for the first 10 %.
 *
 * Double submits: our provider sends no idempotency key (Luma's API has none), so one take
 * submitted twice is two POSTs with the same body. The bench tags every job's prompt with
 * `[bench <editor> <job>]` and asks one take per job, so the tag names the take; submits are
 * counted per tag (and per body hash for an untagged body). `GET /_counts` returns the counts and,
 * per generation, the client port of its latest poll (so the bench can tell which worker process
 * is polling it: the port is that process's keep-alive socket).
 *
 * Prints `{"ready":port}` on stdout once listening.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";

const [mp4Path, generationMsArg] = process.argv.slice(2) as [string, string | undefined];
const generationMs = Number(generationMsArg ?? 4000);
const mp4 = fs.readFileSync(mp4Path);
const TAG = /\[bench [^\]]+\]/;

interface Generation {
  id: string;
  key: string;
  createdAt: number;
  durationMs: number;
  polls: number;
  lastPollPort: number | null;
  lastPollAt: number | null;
  downloads: number;
}

const generations = new Map<string, Generation>();
const submitsByKey = new Map<string, number>();
let requests = 0;
let unauthorized = 0;

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

function view(g: Generation, base: string): object {
  const elapsed = Date.now() - g.createdAt;
  const common = { id: g.id, created_at: new Date(g.createdAt).toISOString(), model: "ray-3.2", type: "video", failure_code: null, failure_reason: null };
  if (elapsed < g.durationMs * 0.1) return { ...common, state: "queued", output: null, progress: 0 };
  if (elapsed < g.durationMs) return { ...common, state: "processing", output: null, progress: Math.round((elapsed / g.durationMs) * 100) / 100 };
  return { ...common, state: "completed", progress: 1, output: [{ type: "video", url: `${base}/files/${g.id}.mp4` }] };
}

const server = http.createServer((req, res) => {
  requests++;
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  if (req.method === "GET" && url.pathname === "/_counts") {
    const perKey = Object.fromEntries(submitsByKey);
    return send(res, 200, {
      requests,
      unauthorized,
      submits: [...submitsByKey.values()].reduce((a, b) => a + b, 0),
      doubles: Object.entries(perKey).filter(([, n]) => n > 1).map(([key, n]) => ({ key, n })),
      perKey,
      generations: [...generations.values()].map((g) => ({ id: g.id, key: g.key, polls: g.polls, lastPollPort: g.lastPollPort, lastPollAt: g.lastPollAt, downloads: g.downloads, done: Date.now() - g.createdAt >= g.durationMs })),
    });
  }
  const file = /^\/files\/([^/]+)\.mp4$/.exec(url.pathname);
  if (req.method === "GET" && file) {
    // Presigned: no Authorization expected (our client must not send the key here).
    const g = generations.get(file[1]!);
    if (!g) return send(res, 404, { detail: "no such file" });
    g.downloads++;
    res.writeHead(200, { "Content-Type": "video/mp4", "Content-Length": mp4.length });
    return void res.end(mp4);
  }
  if (!/^Bearer \S+/.test(req.headers.authorization ?? "")) {
    unauthorized++;
    return send(res, 401, { detail: "Invalid API key" });
  }
  if (req.method === "POST" && url.pathname === "/generations") {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      let body: { prompt?: unknown; model?: unknown; type?: unknown; video?: { start_frame?: unknown } };
      try {
        body = JSON.parse(raw.toString("utf8")) as typeof body;
      } catch {
        return send(res, 400, { detail: "body is not JSON" });
      }
      if (body.type !== "video" || typeof body.prompt !== "string" || !body.video?.start_frame) return send(res, 422, { detail: "expected a video generation with a prompt and a start_frame" });
      const key = TAG.exec(body.prompt)?.[0] ?? `sha256:${crypto.createHash("sha256").update(raw).digest("hex").slice(0, 16)}`;
      submitsByKey.set(key, (submitsByKey.get(key) ?? 0) + 1);
      const g: Generation = { id: crypto.randomUUID(), key, createdAt: Date.now(), durationMs: Math.round(generationMs * (0.75 + Math.random() * 0.5)), polls: 0, lastPollPort: null, lastPollAt: null, downloads: 0 };
      generations.set(g.id, g);
      send(res, 201, view(g, base));
    });
    return;
  }
  const gen = /^\/generations\/([^/]+)$/.exec(url.pathname);
  if (req.method === "GET" && gen) {
    const g = generations.get(decodeURIComponent(gen[1]!));
    if (!g) return send(res, 404, { detail: "Generation not found" });
    g.polls++;
    g.lastPollPort = req.socket.remotePort ?? null;
    g.lastPollAt = Date.now();
    return send(res, 200, view(g, base));
  }
  send(res, 404, { detail: `no route ${req.method} ${url.pathname}` });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${JSON.stringify({ ready: (server.address() as { port: number }).port })}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
