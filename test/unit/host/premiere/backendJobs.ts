import http from "node:http";
import type { AddressInfo } from "node:net";
import { Job, type SequenceColorSpace } from "../../../../src/core/schemas/index.js";
import { makeStillPng, sequenceContext, waitFor } from "../../../helpers/backend.js";

/** A finished previz take on a real backend: frame upload → job → wait until the master exists. */
export async function finishedJob(url: string, token: string, opts: { colorSpace?: SequenceColorSpace; prompt?: string; duration?: number; audio?: boolean } = {}): Promise<Job> {
  const auth = { authorization: `Bearer ${token}` };
  const sequence = sequenceContext({}, opts.colorSpace ?? "rec709");
  const form = new FormData();
  form.append("context", JSON.stringify({ sequence, mode: "insert" }));
  form.append("image", new Blob([new Uint8Array(makeStillPng(320, 180))], { type: "image/png" }), "frame.png");
  const frameRes = await fetch(`${url}/v1/frames`, { method: "POST", body: form, headers: auth });
  if (frameRes.status !== 201) throw new Error(`frame upload: ${frameRes.status} ${await frameRes.text()}`);
  const { frameId } = (await frameRes.json()) as { frameId: string };
  const created = await fetch(`${url}/v1/jobs`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({ frameId, duration: opts.duration ?? 2, prompt: opts.prompt ?? "slow push toward the ridge", provider: "previz", ...(opts.audio !== undefined ? { audio: opts.audio } : {}) }),
  });
  if (created.status !== 201) throw new Error(`job: ${created.status} ${await created.text()}`);
  const { id } = Job.parse(await created.json());
  return waitFor(async () => {
    const job = Job.parse(await (await fetch(`${url}/v1/jobs/${id}`, { headers: auth })).json());
    if (job.takes.some((t) => t.state === "failed")) throw new Error(`take failed: ${JSON.stringify(job.takes[0]?.error)}`);
    return job.takes.every((t) => t.state === "succeeded" && t.outputs.master) ? job : undefined;
  }, 60_000);
}

/** A finished previz bridge take on a real backend, made from a frame a host's Bridge capture uploaded. */
export async function finishedBridgeJob(url: string, token: string, frameId: string, spanSeconds: number): Promise<Job> {
  const auth = { authorization: `Bearer ${token}` };
  const created = await fetch(`${url}/v1/jobs`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({ frameId, duration: spanSeconds, prompt: "cross from A to B", provider: "previz" }),
  });
  if (created.status !== 201) throw new Error(`bridge job: ${created.status} ${await created.text()}`);
  const { id } = Job.parse(await created.json());
  return waitFor(async () => {
    const job = Job.parse(await (await fetch(`${url}/v1/jobs/${id}`, { headers: auth })).json());
    if (job.takes.some((t) => t.state === "failed")) throw new Error(`bridge take failed: ${JSON.stringify(job.takes[0]?.error)}`);
    return job.takes.every((t) => t.state === "succeeded" && t.outputs.master) ? job : undefined;
  }, 60_000);
}

/**
 * Fetches `req` from `target` whole and writes its status and headers to `res` (the full
 * Content-Length, as the backend sent it); the body is the caller's to send, all or in part.
 */
async function relayHead(target: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<Buffer> {
  const upstream = await fetch(`${target}${req.url}`, { method: req.method, headers: req.headers.authorization ? { authorization: req.headers.authorization } : {} });
  const body = Buffer.from(await upstream.arrayBuffer());
  const headers: Record<string, string> = {};
  upstream.headers.forEach((v, k) => (headers[k] = v));
  delete headers["content-encoding"];
  delete headers["transfer-encoding"];
  headers["content-length"] = String(body.length);
  res.writeHead(upstream.status, headers);
  return body;
}

/**
 * A proxy in front of the backend that, when `cut` is on, sends the artifact's full
 * Content-Length, half the bytes, and then drops the connection: a download cut halfway.
 */
export async function startCuttingProxy(target: string) {
  const state = { cut: false };
  const server = http.createServer(async (req, res) => {
    const body = await relayHead(target, req, res);
    if (state.cut && req.url?.startsWith("/v1/artifacts/")) {
      res.write(body.subarray(0, Math.floor(body.length / 2)), () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    state,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/**
 * A proxy that sends an artifact's first half at once and holds the rest for `holdMs`: a slow
 * link, long enough for a deadline or a cancel to land in the middle of the download.
 */
export async function startSlowProxy(target: string, holdMs: number) {
  const requests: string[] = [];
  const server = http.createServer(async (req, res) => {
    requests.push(req.url ?? "");
    const body = await relayHead(target, req, res);
    if (!req.url?.startsWith("/v1/artifacts/")) return void res.end(body);
    const half = Math.floor(body.length / 2);
    res.write(body.subarray(0, half));
    const timer = setTimeout(() => res.end(body.subarray(half)), holdMs);
    res.on("close", () => clearTimeout(timer));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
