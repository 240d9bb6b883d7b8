import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createBridgeClient, serveBridge, type HostHandlers } from "../../../src/core/bridge/index.js";
import type { HistoryPage, Job, JobSummary, SequenceContext } from "../../../src/core/schemas/index.js";
import type { EventSourceLike } from "../../../src/ui/api/backendClient.js";
import { createPanelController } from "../../../src/ui/controller/createPanelController.js";
import { createPanelStore } from "../../../src/ui/state/createPanelStore.js";
import { currentTakes } from "../../../src/ui/state/selectors.js";
import { bridgePipe } from "../../helpers/bridgePipe.js";
import { frame, job, logEntry, provider, scored, take } from "./fixtures.js";

/**
 * The panel's issue-6 flows (auto drafts, enhance, star and note, history, retake) against a real
 * HTTP server answering as the backend's contract says (src/core/schemas/job.ts), through a real
 * bridge to a host. Only EventSource is stood in for: Node has none, and the test drives it.
 */

const sequence: SequenceContext = frame.sequence;
const requests: Array<{ method: string; url: string; body: unknown }> = [];
let server: http.Server;
let url = "";
/** The job GET /v1/jobs/:id answers, per id (tests set it). */
const jobs = new Map<string, Job[]>();
let refuse: { status: number; code: string; message: string } | null = null;

const summary = (id: string, prompt: string): JobSummary => ({
  id,
  createdAt: "2025-01-01T00:00:00.000Z",
  provider: "previz",
  model: "previz-1",
  mode: "draft",
  prompt,
  notes: [],
  projectName: "P",
  sequenceName: "S",
  colorSpace: "rec709",
  duration: 5,
  frameId: "frame-1",
  takes: 1,
  succeeded: 1,
  running: false,
  rounds: 1,
  bestScore: 70,
  bestTakeId: null,
  poster: null,
  starred: 0,
  cost: { usd: 0, estimated: false },
  auto: false,
});

beforeAll(async () => {
  server = http.createServer(async (req, res) => {
    let raw = "";
    for await (const chunk of req) raw += chunk;
    const body = raw ? JSON.parse(raw) : undefined;
    const path = req.url ?? "";
    requests.push({ method: req.method ?? "", url: path, body });
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(value));
    };
    if (refuse && req.method !== "GET") return json(refuse.status, { error: { code: refuse.code, message: refuse.message } });
    if (path === "/v1/providers") return json(200, { providers: [provider("previz"), provider("luma"), provider("sketch", { modes: ["draft"] })] });
    if (path === "/v1/jobs" && req.method === "POST")
      return json(201, job([take({ id: "a1" })], { id: "job-1", count: body.count ?? 4, ...(body.auto ? { auto: body.auto, loop: { state: "running", round: 0, best: null } } : {}) }));
    const enhance = path.match(/^\/v1\/jobs\/([^/]+)\/enhance$/);
    if (enhance && req.method === "POST")
      return json(
        201,
        job([take({ id: "final-1", jobId: "job-final" })], {
          id: "job-final",
          mode: "final",
          count: 1,
          enhanceOf: { jobId: enhance[1]!, takeId: body.takeId ?? "a1" },
          ...(body.size ? { upscaleNext: { provider: "previz", model: "previz-resize", size: body.size, usd: 0 } } : {}),
        }),
      );
    const patch = path.match(/^\/v1\/takes\/([^/]+)$/);
    if (patch && req.method === "PATCH")
      return json(200, scored(patch[1]!, 70, { jobId: patch[1] === "h1" ? "job-old" : "job-1", ...body, updatedAt: "2025-01-01T00:05:00.000Z" }));
    const get = path.match(/^\/v1\/jobs\/([^/?]+)$/);
    if (get && req.method === "GET") {
      const answers = jobs.get(get[1]!);
      if (!answers?.length) return json(404, { error: { code: "job_not_found", message: `No job ${get[1]}.` } });
      return json(200, answers.length > 1 ? answers.shift() : answers[0]);
    }
    if (path.startsWith("/v1/history")) {
      const q = new URL(path, "http://x").searchParams;
      // A slow answer, to prove an older search never replaces a newer one.
      if (q.get("q") === "slow") await new Promise((r) => setTimeout(r, 150));
      const page: HistoryPage = q.get("before")
        ? { jobs: [summary("j1", "first")], total: 3, nextBefore: null }
        : { jobs: [summary("j3", q.get("q") ?? "third"), summary("j2", "second")], total: 3, nextBefore: "cursor-j2" };
      return json(200, page);
    }
    json(404, { error: { code: "not_found", message: `No route ${req.method} ${path}` } });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  requests.length = 0;
  refuse = null;
  jobs.clear();
});

class FakeEventSource implements EventSourceLike {
  static last: FakeEventSource | null = null;
  readyState = 0;
  onopen: ((event: Event) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  private listeners = new Map<string, Array<(event: MessageEvent) => void>>();
  constructor(readonly url: string) {
    FakeEventSource.last = this;
  }
  addEventListener(type: string, listener: (event: MessageEvent) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  close() {
    this.readyState = 2;
  }
  emit(type: string, data: unknown) {
    for (const l of this.listeners.get(type) ?? []) l(new MessageEvent(type, { data: JSON.stringify(data) }));
  }
}

async function setup(handlers: HostHandlers = {}, jobPollMs = 2000) {
  const [ui, host] = bridgePipe();
  serveBridge(host, {
    "host.backend": async () => ({ url }),
    "host.context": async () => sequence,
    "host.captureFrame": async () => ({ ...frame }),
    ...handlers,
  });
  const store = createPanelStore();
  const controller = createPanelController({ bridge: createBridgeClient(ui), store, jobPollMs, backendOptions: { eventSource: (u) => new FakeEventSource(u) } });
  await controller.connect();
  return { store, controller, s: () => store.getState() };
}

const bodyOf = (method: string, prefix: string) => requests.filter((r) => r.method === method && r.url.startsWith(prefix)).at(-1)?.body;

describe("auto drafts", () => {
  it("sends auto with four takes a round, and takes the later round, the log and the loop off the stream", async () => {
    const { controller, s } = await setup();
    await controller.capture();
    s().setAuto({ enabled: true, target: 85, rounds: 1 });
    await controller.draft();
    expect(bodyOf("POST", "/v1/jobs")).toMatchObject({ count: 4, auto: { target: 85, rounds: 1 } });

    const events = FakeEventSource.last!;
    events.emit("take", { type: "take", seq: 1, take: scored("a1", 50, { updatedAt: "2025-01-01T00:00:03.000Z" }) });
    events.emit("log", { type: "log", seq: 2, entry: logEntry(2, "Best so far: take 1 at 50, under 85: refining.") });
    events.emit("take", { type: "take", seq: 3, take: take({ id: "b1", index: 1, iteration: 1, state: "running" }) });
    expect(currentTakes(s()).map((t) => `${t.id}@${t.iteration}`)).toEqual(["a1@0", "b1@1"]);
    expect(s().job?.log?.map((e) => e.text)).toEqual(["Best so far: take 1 at 50, under 85: refining."]);
    expect(s().stream).not.toBe("done");
    controller.dispose();
  });

  it("keeps polling between rounds when the stream is lost: every take done is not the job done", async () => {
    const { controller, s } = await setup({}, 20);
    await controller.capture();
    s().setAuto({ enabled: true });
    await controller.draft();
    const between = job([scored("a1", 50)], { id: "job-1", auto: { target: 80, rounds: 2 }, loop: { state: "running", round: 0, best: { takeId: "a1", score: 50 } } });
    const settled = job([scored("a1", 50), scored("b1", 91, { index: 1, iteration: 1 })], {
      id: "job-1",
      auto: { target: 80, rounds: 2 },
      loop: { state: "done", round: 1, stop: "target", best: { takeId: "b1", score: 91 } },
    });
    jobs.set("job-1", [between, between, settled]);
    const events = FakeEventSource.last!;
    events.readyState = 2;
    events.onerror?.(new Event("error"));
    expect(s().stream).toBe("failed");
    await expect.poll(() => s().stream, { timeout: 3000 }).toBe("done");
    expect(requests.filter((r) => r.url === "/v1/jobs/job-1").length).toBe(3);
    expect(currentTakes(s()).map((t) => t.id)).toEqual(["a1", "b1"]);
    expect(s().job?.loop).toMatchObject({ state: "done", stop: "target" });
    controller.dispose();
  });
});

describe("enhance", () => {
  it("Enhance best sends no take; the final becomes the current job, is followed, and the direct view shows it", async () => {
    const { controller, s } = await setup();
    await controller.capture();
    await controller.draft();
    s().setView("history");
    await controller.enhance("job-1");
    expect(bodyOf("POST", "/v1/jobs/job-1/enhance")).toEqual({});
    expect(s().job).toMatchObject({ id: "job-final", mode: "final", enhanceOf: { jobId: "job-1", takeId: "a1" } });
    expect(FakeEventSource.last!.url).toBe(`${url}/v1/jobs/job-final/events`);
    expect(s().view).toBe("direct");
    expect(s().busy.enhancing).toBe(false);
    controller.dispose();
  });

  it("one take on another provider names both; the backend's refusal is shown as said", async () => {
    const { controller, s } = await setup();
    await controller.capture();
    await controller.draft();
    s().setEnhanceProvider("luma");
    await controller.enhance("job-1", "a1");
    expect(bodyOf("POST", "/v1/jobs/job-1/enhance")).toEqual({ takeId: "a1", provider: "luma" });

    s().startJob(job([scored("a1", 70)], { id: "job-1" }));
    refuse = { status: 402, code: "over_budget", message: "A Luma final costs $1.60; $0.40 of today's $50.00 cap is left." };
    await controller.enhance("job-1", "a1");
    expect(s().notices.map((n) => n.message)).toEqual(["A Luma final costs $1.60; $0.40 of today's $50.00 cap is left."]);
    expect(s().takeActions.a1).toBeUndefined();
    expect(s().job?.id).toBe("job-1");
    controller.dispose();
  });
});

describe("enhance at a size", () => {
  it("sends the size; when the final is done the panel follows the upscale job the backend started", async () => {
    const { controller, s } = await setup();
    await controller.capture();
    await controller.draft();
    s().setEnhanceSize("2160p");
    await controller.enhance("job-1", "a1");
    expect(bodyOf("POST", "/v1/jobs/job-1/enhance")).toEqual({ takeId: "a1", size: "2160p" });
    const next = { provider: "previz", model: "previz-resize", size: "2160p" as const, usd: 0 };
    jobs.set("job-final", [
      job([scored("final-1", 80, { jobId: "job-final" })], { id: "job-final", mode: "final", count: 1, upscaleNext: next }),
      job([scored("final-1", 80, { jobId: "job-final" })], { id: "job-final", mode: "final", count: 1, upscaleNext: { ...next, jobId: "job-up" } }),
    ]);
    jobs.set("job-up", [job([take({ id: "up-1", jobId: "job-up" })], { id: "job-up", mode: "final", count: 1, upscaleOf: { takeId: "final-1", size: "2160p" }, targetSize: "2160p" })]);
    FakeEventSource.last!.emit("done", {});
    await waitUntil(() => s().job?.id === "job-up");
    expect(s().job).toMatchObject({ upscaleOf: { takeId: "final-1", size: "2160p" } });
    expect(FakeEventSource.last!.url).toBe(`${url}/v1/jobs/job-up/events`);
    controller.dispose();
  });

  it("says why when the backend could not start the upscale, keeping the final", async () => {
    const { controller, s } = await setup();
    await controller.capture();
    await controller.draft();
    s().setEnhanceSize("2160p");
    await controller.enhance("job-1", "a1");
    const refused = "This job would cost $1.00; $49.50 is already spent today, and the daily cap is $50.00 (RETAKE_DAILY_CAP_USD).";
    jobs.set("job-final", [
      job([scored("final-1", 80, { jobId: "job-final" })], { id: "job-final", mode: "final", count: 1, upscaleNext: { provider: "fal", model: "seedvr2", size: "2160p", usd: 1, refused } }),
    ]);
    FakeEventSource.last!.emit("done", {});
    await waitUntil(() => s().notices.length > 0);
    expect(s().notices.map((n) => n.message)).toEqual([`The final is kept; its upscale was not started: ${refused}`]);
    expect(s().job?.id).toBe("job-final");
    controller.dispose();
  });
});

async function waitUntil(ok: () => boolean, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > until) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("star and note", () => {
  it("patches the take and shows what the backend stored; a refused note says why on the card", async () => {
    const { controller, s } = await setup();
    await controller.capture();
    await controller.draft();
    await controller.setStarred("a1", true);
    expect(bodyOf("PATCH", "/v1/takes/a1")).toEqual({ starred: true });
    expect(s().takes.a1?.starred).toBe(true);
    await controller.saveNote("a1", "  keep the flare  ");
    expect(bodyOf("PATCH", "/v1/takes/a1")).toEqual({ note: "keep the flare" });
    expect(s().takes.a1?.note).toBe("keep the flare");
    expect(s().marks.a1).toEqual({ state: "saved", field: "note" });

    refuse = { status: 400, code: "invalid_request", message: "A note is at most 2000 characters." };
    await controller.saveNote("a1", "x".repeat(3000));
    expect(s().marks.a1).toEqual({ state: "failed", field: "note", message: "A note is at most 2000 characters." });
    expect(s().takes.a1?.note).toBe("keep the flare");
    controller.dispose();
  });
});

describe("history", () => {
  it("searches with the filters, pages with nextBefore, and never lets a slow older search win", async () => {
    const { controller, s } = await setup();
    s().setHistoryFilters({ q: "dune", minScore: 80, starredOnly: true });
    await controller.searchHistory();
    expect(requests.at(-1)?.url).toBe("/v1/history?q=dune&minScore=80&starred=true&limit=30");
    expect(s().jobHistory).toMatchObject({ total: 3, nextBefore: "cursor-j2", status: "ready" });
    await controller.loadMoreHistory();
    expect(requests.at(-1)?.url).toBe("/v1/history?q=dune&minScore=80&starred=true&limit=30&before=cursor-j2");
    expect(s().jobHistory.jobs.map((j) => j.id)).toEqual(["j3", "j2", "j1"]);

    s().setHistoryFilters({ q: "slow", minScore: null, starredOnly: false });
    const slow = controller.searchHistory();
    s().setHistoryFilters({ q: "fast" });
    await controller.searchHistory();
    await slow;
    expect(s().jobHistory.jobs[0]?.prompt).toBe("fast");
    expect(s().jobHistory.shownFilters.q).toBe("fast");
    controller.dispose();
  });

  it("opens a job, imports one of its takes through the host, and retakes it into the direct view", async () => {
    const imported: unknown[] = [];
    const { controller, s } = await setup({
      "host.importTake": async (params) => {
        imported.push(params);
        return { mediaPath: "/m/t.mov", binName: "Retake", placement: { trackIndex: 1, start: 0, end: 5, newTrack: false }, colorTags: { container: "mov", colorSpace: "rec709", agree: true, problems: [] } };
      },
    });
    const annotations = [{ id: "n1", kind: "note" as const, at: { x: 0.5, y: 0.5 }, text: "sunrise" }];
    const old = job([scored("h1", 70, { jobId: "job-old" })], {
      id: "job-old",
      provider: "luma",
      count: 3,
      duration: 5,
      auto: { target: 90, rounds: 1 },
      direction: { ...job([]).direction, prompt: "dune crest at dawn", annotations },
    });
    jobs.set("job-old", [old]);
    s().setView("history");
    await controller.openHistoryJob("job-old");
    expect(s().openedJob?.status).toBe("ready");

    await controller.importTake("h1");
    expect(imported).toEqual([{ jobId: "job-old", takeId: "h1", mode: "insert" }]);
    expect(s().imports.h1).toMatchObject({ state: "placed" });

    await controller.reopen("job-old");
    expect(s()).toMatchObject({
      view: "direct",
      prompt: "dune crest at dawn",
      annotations,
      providerId: "luma",
      count: 3,
      auto: { enabled: true, target: 90, rounds: 1 },
      frame: { imageUrl: `${url}/v1/frames/frame-1/image` },
    });
    s().undo(); // the drawings came back as one undo step
    expect(s().annotations).toEqual([]);
    controller.dispose();
  });

  it("asks again for a running job opened in the history; a failed refresh keeps what is shown", async () => {
    const { controller, s } = await setup();
    const running = job([take({ id: "r1", jobId: "job-run", state: "running" })], { id: "job-run", auto: { target: 80, rounds: 1 }, loop: { state: "running", round: 0, best: null } });
    const later = job([scored("r1", 50, { jobId: "job-run", updatedAt: "2025-01-01T00:02:00.000Z" }), take({ id: "r2", jobId: "job-run", index: 1, iteration: 1, state: "queued" })], {
      id: "job-run",
      auto: { target: 80, rounds: 1 },
      loop: { state: "running", round: 1, best: { takeId: "r1", score: 50 } },
      log: [logEntry(4, "Round 2 refines take 1 (50, target 80).")],
    });
    jobs.set("job-run", [running, later]);
    await controller.openHistoryJob("job-run");
    await controller.refreshOpenedJob();
    const opened = s().openedJob;
    expect(opened?.status === "ready" && Object.keys(opened.takes)).toEqual(["r1", "r2"]);
    expect(opened?.status === "ready" && opened.job.log?.map((e) => e.text)).toEqual(["Round 2 refines take 1 (50, target 80)."]);
    jobs.delete("job-run");
    await controller.refreshOpenedJob();
    expect(s().openedJob).toBe(opened);
    controller.dispose();
  });

  it("retakes a job that is neither current nor open by loading it; a missing one is said", async () => {
    const { controller, s } = await setup();
    jobs.set("job-far", [job([], { id: "job-far", direction: { ...job([]).direction, prompt: "far away" } })]);
    await controller.reopen("job-far");
    expect(s().prompt).toBe("far away");
    await controller.reopen("job-gone");
    expect(s().notices.map((n) => n.message)).toEqual(["No job job-gone."]);
    await controller.openHistoryJob("job-gone");
    expect(s().openedJob).toEqual({ jobId: "job-gone", status: "failed", message: "No job job-gone." });
    controller.dispose();
  });
});
