import { spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Job, JobEvent, type Job as JobT } from "../../../src/core/schemas/index.js";
import { loadConfig } from "../../../src/server/config.js";
import { Critique } from "../../../src/server/critic/critiqueSchema.js";
import { startBackend, type RunningBackend } from "../../../src/server/backend.js";
import { makeStillPng, sequenceContext, startTestBackend, uploadFrame, waitFor } from "../../helpers/backend.js";

let backend: RunningBackend & { dataDir: string };
let url: string;

beforeAll(async () => {
  backend = await startTestBackend();
  url = backend.url;
});
afterAll(async () => {
  await backend?.close();
  fs.rmSync(backend.dataDir, { recursive: true, force: true });
});

const postJob = (body: unknown) =>
  fetch(`${url}/v1/jobs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

async function finishedJob(id: string): Promise<JobT> {
  return waitFor(async () => {
    const job = Job.parse(await (await fetch(`${url}/v1/jobs/${id}`)).json());
    return job.takes.every((t) => ["succeeded", "failed", "canceled"].includes(t.state)) ? job : undefined;
  }, 150_000);
}

/** Reads SSE events from a fetch stream until `stop` says so or the stream ends. */
async function readEvents(path: string, headers: Record<string, string>, stop: (events: { id?: string; event: string; data: string }[]) => boolean) {
  const controller = new AbortController();
  const res = await fetch(`${url}${path}`, { headers, signal: controller.signal });
  expect(res.headers.get("content-type")).toMatch(/text\/event-stream/);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const events: { id?: string; event: string; data: string }[] = [];
  while (!stop(events)) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let index;
    while ((index = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, index);
      buffer = buffer.slice(index + 2);
      const fields: Record<string, string> = {};
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 1).trim();
      }
      if (fields.event) events.push({ id: fields.id, event: fields.event, data: fields.data ?? "" });
    }
  }
  controller.abort();
  return events;
}

describe("frames", () => {
  it("stores an uploaded frame with the size read from the image itself", async () => {
    const { frameId } = await uploadFrame(url, sequenceContext());
    const frame = await (await fetch(`${url}/v1/frames/${frameId}`)).json();
    expect(frame.image).toMatchObject({ width: 320, height: 180, mediaType: "image/png" });
    const image = await fetch(`${url}/v1/frames/${frameId}/image`);
    expect(image.headers.get("content-type")).toBe("image/png");
    const bytes = Buffer.from(await image.arrayBuffer());
    expect(bytes.subarray(1, 4).toString()).toBe("PNG");
    // HEAD says the image's real size (Fastify's automatic HEAD route said 0).
    const head = await fetch(`${url}/v1/frames/${frameId}/image`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get("content-length"))).toBe(bytes.length);
  });

  it("refuses an upload that is not an image, saying what to send", async () => {
    const form = new FormData();
    form.append("context", JSON.stringify({ sequence: sequenceContext() }));
    form.append("image", new Blob([new Uint8Array(Buffer.from("hello"))], { type: "image/png" }), "x.png");
    const res = await fetch(`${url}/v1/frames`, { method: "POST", body: form });
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toMatch(/PNG or JPEG/);
  });

  it("names the bad field of a malformed frame context", async () => {
    const form = new FormData();
    form.append("context", JSON.stringify({ sequence: { ...sequenceContext(), colorSpace: "p3" } }));
    form.append("image", new Blob([new Uint8Array(makeStillPng())], { type: "image/png" }), "x.png");
    const res = await fetch(`${url}/v1/frames`, { method: "POST", body: form });
    expect(res.status).toBe(400);
    expect((await res.json()).error.field).toBe("sequence.colorSpace");
  });
});

describe("jobs", () => {
  it("answers a malformed job with 400 naming the offending field", async () => {
    const { frameId } = await uploadFrame(url, sequenceContext());
    const res = await postJob({ frameId, duration: 30 });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error.field).toBe("duration");
    expect(body.error.message).toMatch(/duration/);
    const count = await postJob({ frameId, duration: 2, count: 9 });
    expect((await count.json()).error.field).toBe("count");
  });

  it("answers a job for an unknown frame with 404", async () => {
    const res = await postJob({ frameId: "frame_nope", duration: 2 });
    expect(res.status).toBe(404);
    expect((await res.json()).error.message).toMatch(/capture the frame again/);
  });

  it("drafts takes whose master, proxy and poster are served with HTTP Range", async () => {
    const { frameId } = await uploadFrame(url, sequenceContext());
    const res = await postJob({
      frameId,
      duration: 2,
      count: 2,
      prompt: "slow pan",
      annotations: [{ id: "a1", kind: "cameraMove", from: { x: 0.4, y: 0.5 }, to: { x: 0.6, y: 0.5 }, start: 0, end: 2 }],
    });
    expect(res.status).toBe(201);
    const created = Job.parse(await res.json());
    expect(created.takes).toHaveLength(2);
    expect(created.direction.summary).toMatch(/pan/i);
    const job = await finishedJob(created.id);
    for (const take of job.takes) {
      expect(take.state).toBe("succeeded");
      expect(take.cost.usd).toBe(0);
      expect(take.outputs.master?.colorTags?.colorSpace).toBe("rec709");
      expect(take.outputs.master?.colorTags?.agree).toBe(true);
      expect(take.outputs.proxy?.mediaType).toBe("video/mp4");
      expect(take.outputs.poster?.mediaType).toBe("image/jpeg");
    }
    // Every take arrives already measured against the direction (the critic runs before "Ready").
    const critique = Critique.parse(job.takes[0]!.critique);
    expect(Math.abs(critique.adherence!.cameraMoves[0]!.directionError)).toBeLessThan(5);
    expect(critique.score).toBeGreaterThan(70);
    expect(critique.critique).toMatch(/pan/i);
    const master = job.takes[0]!.outputs.master!;
    const whole = await fetch(`${url}/v1/artifacts/${master.id}`);
    expect(whole.status).toBe(200);
    expect(whole.headers.get("accept-ranges")).toBe("bytes");
    const wholeBytes = Buffer.from(await whole.arrayBuffer());
    expect(wholeBytes.length).toBe(master.bytes);
    const part = await fetch(`${url}/v1/artifacts/${master.id}`, { headers: { range: "bytes=100-199" } });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe(`bytes 100-199/${master.bytes}`);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(wholeBytes.subarray(100, 200));
    const beyond = await fetch(`${url}/v1/artifacts/${master.id}`, { headers: { range: `bytes=${master.bytes + 10}-` } });
    expect(beyond.status).toBe(416);
  });

  it("lists jobs newest first and cancels unfinished takes", async () => {
    const { frameId } = await uploadFrame(url, sequenceContext({ frameSize: { width: 640, height: 360 } }));
    const created = Job.parse(await (await postJob({ frameId, duration: 10, count: 4, mode: "final" })).json());
    const cancel = await fetch(`${url}/v1/jobs/${created.id}/cancel`, { method: "POST" });
    expect(cancel.status).toBe(200);
    const job = await finishedJob(created.id);
    expect(job.canceled).toBe(true);
    expect(job.takes.some((t) => t.state === "canceled")).toBe(true);
    const list = await (await fetch(`${url}/v1/jobs?limit=1`)).json();
    expect(list.jobs[0].id).toBe(created.id);
  });

  it("marks a take failed with ffmpeg's last error line when the render fails, and keeps serving", async () => {
    const { frameId } = await uploadFrame(url, sequenceContext());
    // Corrupt the stored still behind the backend's back: the render must fail, not the server.
    const frame = (await backend.ledger.getFrame(frameId))!;
    fs.writeFileSync(frame.imagePath, Buffer.from("\x89PNG\r\n\x1a\n not really a png"));
    const created = Job.parse(await (await postJob({ frameId, duration: 2 })).json());
    const job = await finishedJob(created.id);
    const take = job.takes[0]!;
    expect(take.state).toBe("failed");
    expect(take.error?.message).toBeTruthy();
    expect(take.error?.message).not.toMatch(/\n/);
    expect(take.error?.message.length).toBeLessThan(400);
    expect((await fetch(`${url}/v1/health`)).status).toBe(200);
  });
});

function takeEvent(data: string) {
  const event = JobEvent.parse(JSON.parse(data));
  if (event.type !== "take") throw new Error(`expected a take event, got ${event.type}`);
  return event;
}

describe("job events (SSE)", () => {
  it("streams take states to the end, and a reconnect with Last-Event-ID replays only what was missed", async () => {
    const { frameId } = await uploadFrame(url, sequenceContext());
    const created = Job.parse(await (await postJob({ frameId, duration: 2, count: 1 })).json());
    const all = await readEvents(`/v1/jobs/${created.id}/events`, {}, (events) => events.some((e) => e.event === "done"));
    const takeEvents = all.filter((e) => e.event === "take").map((e) => takeEvent(e.data));
    expect(takeEvents.at(-1)?.take.state).toBe("succeeded");
    const seqs = takeEvents.map((e) => e.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);

    // A client that saw only the first event reconnects: it gets the latest state it missed.
    const first = seqs[0]!;
    const replay = await readEvents(`/v1/jobs/${created.id}/events`, { "last-event-id": String(first) }, (events) => events.some((e) => e.event === "done"));
    const replayed = replay.filter((e) => e.event === "take").map((e) => takeEvent(e.data));
    expect(replayed.length).toBeGreaterThan(0);
    expect(replayed.every((e) => e.seq > first)).toBe(true);
    expect(replayed.at(-1)?.take.state).toBe("succeeded");
  });

  it("keeps a job running when its only listener drops", async () => {
    const { frameId } = await uploadFrame(url, sequenceContext());
    const created = Job.parse(await (await postJob({ frameId, duration: 2 })).json());
    await readEvents(`/v1/jobs/${created.id}/events`, {}, (events) => events.length >= 1);
    const job = await finishedJob(created.id);
    expect(job.takes[0]!.state).toBe("succeeded");
  });
});

describe("providers and openapi", () => {
  it("lists previz as available with its capabilities", async () => {
    const { providers } = await (await fetch(`${url}/v1/providers`)).json();
    const previz = providers.find((p: { id: string }) => p.id === "previz");
    expect(previz.available).toBe(true);
    expect(previz.capabilities.colorSpaces).toEqual(["rec709", "rec2100-pq", "rec2100-hlg"]);
  });

  it("describes every /v1 route in an OpenAPI document generated from the schemas", async () => {
    const doc = await (await fetch(`${url}/v1/openapi.json`)).json();
    expect(doc.openapi).toBe("3.1.0");
    // Every /v1 route the server registers must be described.
    const registered = (backend.app as unknown as { registeredRoutes: string[] }).registeredRoutes;
    const routes = registered.filter((r) => r.startsWith("/v1/")).map((r) => r.replace(/:(\w+)/g, "{$1}"));
    expect(routes.length).toBeGreaterThan(12);
    for (const p of new Set(routes)) {
      if (p === "/v1/openapi.json") continue;
      expect(doc.paths[p], p).toBeDefined();
    }
    for (const p of ["/v1/frames", "/v1/jobs", "/v1/jobs/{id}", "/v1/jobs/{id}/cancel", "/v1/jobs/{id}/events", "/v1/artifacts/{id}", "/v1/providers"]) {
      expect(doc.paths[p], p).toBeDefined();
    }
    expect(doc.components.schemas.CreateJobRequest.properties.duration).toMatchObject({ minimum: 2, maximum: 10 });
  });
});

describe("ledger and server lifecycle", () => {
  it("keeps jobs across a restart of the backend", async () => {
    const dataDir = backend.dataDir;
    const { frameId } = await uploadFrame(url, sequenceContext());
    const created = Job.parse(await (await postJob({ frameId, duration: 2 })).json());
    await finishedJob(created.id);
    const second = await startBackend(loadConfig({}, { port: 0, dataDir, harness: false, token: null }));
    try {
      const job = Job.parse(await (await fetch(`${second.url}/v1/jobs/${created.id}`)).json());
      expect(job.takes[0]!.state).toBe("succeeded");
      expect(fs.existsSync(`${dataDir}/ledger.sqlite`)).toBe(true);
    } finally {
      await second.close();
    }
  });

  it("says the port is taken when another server holds it", async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      await expect(startBackend(loadConfig({}, { port, dataDir: backend.dataDir + "-2", harness: false, token: null }))).rejects.toThrow(
        new RegExp(`Port ${port} .* already taken`),
      );
    } finally {
      blocker.close();
    }
  });

  it("the retake command says the port is taken, without a stack trace", async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const result = spawnSync("node", ["bin/retake.mjs", "start", "--api-only"], {
        env: { ...process.env, RETAKE_PORT: String(port), RETAKE_DATA_DIR: backend.dataDir + "-3" },
        encoding: "utf8",
        timeout: 30_000,
      });
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`Port ${port} on 127.0.0.1 is already taken`));
      expect(result.stderr).not.toMatch(/\n\s+at /);
    } finally {
      blocker.close();
    }
  });

  it("the retake command says how to install ffmpeg when it is missing, without a stack trace", () => {
    const result = spawnSync("node", ["bin/retake.mjs", "start", "--api-only"], {
      env: { ...process.env, RETAKE_FFMPEG: "/nonexistent/ffmpeg", RETAKE_PORT: "0", RETAKE_DATA_DIR: backend.dataDir + "-4" },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    // This platform's one command (Debian's here), and the override that was wrong.
    expect(result.stderr).toMatch(/apt-get install ffmpeg/);
    expect(result.stderr).toMatch(/RETAKE_FFMPEG is set to \/nonexistent\/ffmpeg/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("binds to loopback by default", () => {
    expect(loadConfig({}).host).toBe("127.0.0.1");
    expect(loadConfig({}).port).toBe(5177);
  });
});
