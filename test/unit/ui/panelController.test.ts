import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BridgeError, createBridgeClient, serveBridge, type HostHandlers } from "../../../src/core/bridge/index.js";
import type { Artifact, FrameContext, Job, SequenceContext, Take } from "../../../src/core/schemas/index.js";
import type { EventSourceLike } from "../../../src/ui/api/backendClient.js";
import { createPanelController, IMPORT_CANCELED_MESSAGE, NO_HOST_MESSAGE } from "../../../src/ui/controller/createPanelController.js";
import { createBrowserHostHandlers } from "../../../src/host/browser/browserHost.js";
import { createHarnessApi } from "../../../src/host/browser/harnessApi.js";
import { createPanelStore } from "../../../src/ui/state/createPanelStore.js";
import { currentTakes } from "../../../src/ui/state/selectors.js";
import { bridgePipe } from "../../helpers/bridgePipe.js";

/**
 * The panel's flows against a host on the other end of a real bridge (in-memory postMessage
 * pair, as in the core bridge test) and a real HTTP server speaking the backend's contract.
 * Only EventSource is stood in for: Node has none, and the test drives its events.
 */


const sequence: SequenceContext = {
  host: "browser",
  projectName: "P",
  sequenceName: "Main",
  frameSize: { width: 1920, height: 1080 },
  pixelAspect: 1,
  frameRate: { num: 24, den: 1 },
  dropFrame: false,
  colorSpace: "rec2100-pq",
  playhead: { ticks: "1016064000000", seconds: 4, frame: 96, timecode: "00:00:04:00" },
  durationSeconds: 20,
  videoTracks: [],
};
const frame: FrameContext = {
  frameId: "frame-1",
  capturedAt: "2025-01-01T00:00:00.000Z",
  image: { width: 1920, height: 1080, mediaType: "image/png", bytes: 10 },
  mode: "insert",
  sequence,
};
const take = (state: Take["state"], progress: number, updatedAt: string): Take => ({
  id: "take-1",
  jobId: "job-1",
  index: 0,
  iteration: 0,
  providerJobId: null,
  request: {},
  state,
  progress,
  message: state,
  error: null,
  outputs: {},
  critique: null,
  cost: { usd: 0, estimated: false },
  colorSpace: "rec2100-pq",
  createdAt: "2025-01-01T00:00:00.000Z",
  updatedAt,
});

let server: http.Server;
let url = "";
const jobRequests: unknown[] = [];
let rejectJobs = false;
let rejectConform = false;
let lastJob: Job | null = null;
const upconvertRequests: unknown[] = [];
const harnessImports: unknown[] = [];
const pqMaster: Artifact = {
  id: "art-pq",
  takeId: "take-1",
  kind: "master",
  fileName: "master-conformed.mov",
  mediaType: "video/quicktime",
  bytes: 100,
  colorTags: { container: "mov", sampleEntry: "apch", colr: { type: "nclc", primaries: 9, transfer: 16, matrix: 9 }, colorSpace: "rec2100-pq", agree: true, problems: [] },
  createdAt: "2025-01-01T00:00:09.000Z",
};

beforeAll(async () => {
  server = http.createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(value));
    };
    // The dev harness's import route (no token: the page and backend share an origin).
    if (req.url === "/harness/import" && req.method === "POST") {
      harnessImports.push(JSON.parse(body));
      return json(200, { mediaPath: "/media/take.mov", binName: "Retake", placement: { trackIndex: 1, start: 4, end: 9, newTrack: false }, colorTags: pqMaster.colorTags! });
    }
    if (req.headers.authorization !== "Bearer tok") return json(401, { error: { code: "unauthorized", message: "Wrong or missing token." } });
    if (req.url === "/v1/providers")
      return json(200, {
        providers: [
          { id: "luma", label: "Luma", available: false, reason: "set LUMA_API_KEY", capabilities: { modes: ["draft"], durations: { min: 5, max: 10, step: 5 }, maxCount: 4, colorSpaces: ["rec709"], models: [] } },
          {
            id: "previz",
            label: "Previz",
            available: true,
            capabilities: {
              modes: ["draft", "final"],
              durations: { min: 2, max: 10, step: 1 },
              maxCount: 4,
              colorSpaces: ["rec709", "rec2100-pq"],
              models: ["previz-1", "previz-2"],
              limits: { final: { durations: { min: 2, max: 8, step: 1 }, resolutions: ["1080p"], hdr: true, exr: true } },
            },
          },
          { id: "runway", label: "Runway", available: true, capabilities: { modes: ["final"], durations: { min: 5, max: 10, step: 5 }, maxCount: 1, colorSpaces: ["rec709"], models: [], upconvert: true } },
        ],
      });
    if (req.url === "/v1/jobs" && req.method === "POST") {
      const input = JSON.parse(body);
      jobRequests.push(input);
      if (rejectJobs) return json(409, { error: { code: "provider_unavailable", message: "Previz is busy; try again in a minute." } });
      const job: Job = {
        id: "job-1",
        createdAt: "2025-01-01T00:00:00.000Z",
        frame,
        direction: {
          prompt: input.prompt,
          duration: input.duration,
          annotations: input.annotations,
          camera: { keyframes: [{ t: 0, x: 0.5, y: 0.5, zoom: 1, roll: 0, ease: "linear" }] },
          framing: [],
          subjects: [],
          holds: [],
          notes: [],
          summary: "",
          conflicts: [],
        },
        provider: input.provider,
        model: "previz-1",
        mode: "draft",
        count: 1,
        duration: input.duration,
        budgetUsd: null,
        canceled: false,
        takes: [take("queued", 0, "2025-01-01T00:00:00.000Z")],
      };
      lastJob = job;
      return json(201, job);
    }
    // The take's generation was done at the provider: the cancel spares it, as the backend does.
    if (req.url === "/v1/jobs/job-1/cancel" && req.method === "POST") {
      const delivering = { ...take("running", 0.9, "2025-01-01T00:00:05.000Z"), providerJobId: "gen-1", generated: { providerJobId: "gen-1", at: "2025-01-01T00:00:04.000Z" }, message: "Already generated and paid for: delivering it despite the cancel" };
      return json(200, { ...lastJob!, canceled: true, takes: [delivering] });
    }
    if (req.url === "/v1/takes/take-1/retry" && req.method === "POST")
      return json(200, { ...take("queued", 0, "2025-01-01T00:00:09.000Z"), attempt: 1, message: "Queued again" });
    if (req.url === "/v1/takes/take-1/upconvert" && req.method === "POST") {
      upconvertRequests.push(JSON.parse(body));
      const lifted = { ...take("queued", 0, "2025-01-01T00:00:09.000Z"), id: "take-hdr", jobId: "job-2" };
      const job: Job = { ...lastJob!, id: "job-2", mode: "final", upconvertOf: { takeId: "take-1", format: "hdr_prores" }, takes: [lifted] };
      return json(201, job);
    }
    if (req.url === "/v1/takes/take-1/conform" && req.method === "POST") {
      if (rejectConform) return json(422, { error: { code: "unreadable", message: "The master cannot be decoded." } });
      const conformed = { ...take("succeeded", 1, "2025-01-01T00:00:09.000Z"), outputs: { master: pqMaster } };
      return json(200, { take: conformed, artifact: pqMaster, notes: ["Retagged as Rec.2100 PQ (no re-encode)."], route: "retag", gate: { ok: true } });
    }
    json(404, { error: { code: "not_found", message: `No route ${req.url}` } });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

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

function setup(handlers: HostHandlers) {
  const [ui, host] = bridgePipe();
  serveBridge(host, { "host.backend": async () => ({ url, token: "tok" }), "host.context": async () => sequence, ...handlers });
  const store = createPanelStore();
  const controller = createPanelController({
    bridge: createBridgeClient(ui),
    store,
    backendOptions: { eventSource: (u) => new FakeEventSource(u) },
  });
  return { store, controller };
}

describe("panel controller", () => {
  it("connects through the host, then loads the context and picks an available provider", async () => {
    const { store, controller } = setup({});
    await controller.connect();
    const s = store.getState();
    expect(s.connection).toEqual({ status: "ready", backendUrl: url });
    expect(s.hostContext?.sequenceName).toBe("Main");
    expect(s.providerId).toBe("previz");
    expect(s.notices).toEqual([]);
    controller.dispose();
  });

  it("captures, drafts with the direction, follows take events and imports", async () => {
    const { store, controller } = setup({
      "host.captureFrame": async ({ mode }) => ({ ...frame, mode }),
      "host.importTake": async () => ({
        mediaPath: "/media/take.mov",
        binName: "Retake",
        placement: { trackIndex: 1, start: 4, end: 9, newTrack: false },
        colorTags: { container: "mov", colorSpace: "rec2100-pq", agree: true, problems: [] },
      }),
    });
    await controller.connect();
    await controller.capture();
    expect(store.getState().frame?.imageUrl).toBe(`${url}/v1/frames/frame-1/image?token=tok`);

    store.getState().addAnnotation({ id: "a1", kind: "cameraMove", from: { x: 0.3, y: 0.5 }, to: { x: 0.7, y: 0.5 }, start: 0, end: 5, ease: "ease-in-out" });
    store.getState().setPrompt("drift right");
    store.getState().setCount(1);
    await controller.draft();
    expect(jobRequests.at(-1)).toEqual({
      frameId: "frame-1",
      provider: "previz",
      mode: "draft",
      prompt: "drift right",
      annotations: store.getState().annotations,
      duration: 5,
      count: 1,
    });
    const events = FakeEventSource.last!;
    expect(events.url).toBe(`${url}/v1/jobs/job-1/events?token=tok`);

    events.onopen?.(new Event("open"));
    events.emit("take", { type: "take", seq: 1, take: take("running", 0.5, "2025-01-01T00:00:01.000Z") });
    expect(currentTakes(store.getState())[0]).toMatchObject({ state: "running", progress: 0.5 });
    events.emit("take", { type: "take", seq: 2, take: take("succeeded", 1, "2025-01-01T00:00:02.000Z") });
    events.emit("done", {});
    expect(store.getState().stream).toBe("done");
    expect(events.readyState).toBe(2);

    await controller.importTake("take-1");
    expect(store.getState().imports["take-1"]).toMatchObject({ state: "placed", result: { placement: { trackIndex: 1, start: 4 } } });
    controller.dispose();
  });

  it("shows the server's and the host's own messages when things fail", async () => {
    const { store, controller } = setup({
      "host.captureFrame": async () => ({ ...frame }),
      "host.importTake": async () => {
        throw new BridgeError("color_mismatch", "The master's tags disagree; not imported.");
      },
    });
    await controller.connect();
    await controller.capture();
    rejectJobs = true;
    await controller.draft();
    rejectJobs = false;
    expect(store.getState().notices.map((n) => n.message)).toEqual(["Previz is busy; try again in a minute."]);
    expect(store.getState().busy.drafting).toBe(false);

    await controller.draft();
    expect(store.getState().notices).toEqual([]); // a later success clears the draft error
    await controller.importTake("take-1");
    expect(store.getState().imports["take-1"]).toEqual({ state: "failed", code: "color_mismatch", message: "The master's tags disagree; not imported." });
    controller.dispose();
  });

  it("says so when the capture fails, and when there is no host at all", async () => {
    const { store, controller } = setup({
      "host.captureFrame": async () => {
        throw new BridgeError("no_sequence", "Open a sequence in Premiere, then capture again.");
      },
    });
    await controller.connect();
    await controller.capture();
    expect(store.getState().notices.map((n) => n.message)).toEqual(["Open a sequence in Premiere, then capture again."]);
    expect(store.getState().busy.capturing).toBe(false);
    expect(store.getState().frame).toBeNull();
    controller.dispose();

    const lonely = createPanelStore();
    await createPanelController({ bridge: null, store: lonely }).connect();
    expect(lonely.getState().connection.status).toBe("failed");
    expect(lonely.getState().notices.map((n) => n.message)).toEqual([NO_HOST_MESSAGE]);
  });

  it("drafts a final with EXR when Quality says Final and the provider delivers EXR", async () => {
    const { store, controller } = setup({ "host.captureFrame": async () => ({ ...frame }) });
    await controller.connect();
    await controller.capture();
    const s = () => store.getState();
    s().setDuration(10);
    s().setMode("final");
    s().setExr(true);
    expect(s().duration).toBe(8); // the final's own limit
    await controller.draft();
    expect(jobRequests.at(-1)).toMatchObject({ mode: "final", exr: true, duration: 8 });
    s().setMode("draft");
    await controller.draft();
    expect(jobRequests.at(-1)).toMatchObject({ mode: "draft" });
    expect(jobRequests.at(-1)).not.toHaveProperty("exr");
    controller.dispose();
  });

  it("sends the picked model with the job, and drops it when the provider changes", async () => {
    const { store, controller } = setup({ "host.captureFrame": async () => ({ ...frame }) });
    await controller.connect();
    await controller.capture();
    const s = () => store.getState();
    await controller.draft();
    expect(jobRequests.at(-1)).not.toHaveProperty("model"); // Default: the backend picks
    s().setModel("not-a-previz-model");
    expect(s().modelId).toBeNull();
    s().setModel("previz-2");
    await controller.draft();
    expect(jobRequests.at(-1)).toMatchObject({ provider: "previz", model: "previz-2" });
    s().setProvider("runway");
    expect(s().modelId).toBeNull();
    await controller.draft();
    expect(jobRequests.at(-1)).toMatchObject({ provider: "runway" });
    expect(jobRequests.at(-1)).not.toHaveProperty("model");
    controller.dispose();
  });

  it("retries a failed take and follows the job again", async () => {
    const { store, controller } = setup({ "host.captureFrame": async () => ({ ...frame }) });
    await controller.connect();
    await controller.capture();
    await controller.draft();
    const failed = { ...take("failed", 0, "2025-01-01T00:00:02.000Z"), error: { code: "provider_timeout", message: "Luma went silent.", retryable: true } };
    FakeEventSource.last!.emit("take", { type: "take", seq: 1, take: failed });
    FakeEventSource.last!.emit("done", {});
    expect(store.getState().stream).toBe("done");

    const retry = controller.retryTake("take-1");
    expect(store.getState().takeActions["take-1"]).toBe("retrying");
    await retry;
    expect(currentTakes(store.getState())[0]).toMatchObject({ state: "queued", attempt: 1, iteration: 0, error: null });
    expect(store.getState().takeActions["take-1"]).toBeUndefined();
    expect(store.getState().stream).toBe("connecting");
    expect(FakeEventSource.last!.url).toBe(`${url}/v1/jobs/job-1/events?token=tok`);
    expect(FakeEventSource.last!.readyState).toBe(0);
    controller.dispose();
  });

  it("says a canceled job's take that was already generated (paid for) lands anyway", async () => {
    const { store, controller } = setup({ "host.captureFrame": async () => ({ ...frame }) });
    await controller.connect();
    await controller.capture();
    await controller.draft();
    await controller.cancelJob();
    expect(store.getState().notices).toEqual([expect.objectContaining({ kind: "info", source: "cancel", message: "Canceled. Take 1 was already generated and paid for: delivered anyway, not thrown away." })]);
    expect(currentTakes(store.getState())[0]).toMatchObject({ state: "running", message: "Already generated and paid for: delivering it despite the cancel" });
    controller.dispose();
  });

  it("lifts a take to HDR with the provider that can, and follows the new job", async () => {
    const { store, controller } = setup({ "host.captureFrame": async () => ({ ...frame }) });
    await controller.connect();
    await controller.capture();
    await controller.draft();
    await controller.upconvertTake("take-1");
    expect(upconvertRequests.at(-1)).toEqual({ provider: "runway" });
    expect(store.getState().job?.id).toBe("job-2");
    expect(currentTakes(store.getState()).map((t) => t.id)).toEqual(["take-hdr"]);
    expect(FakeEventSource.last!.url).toBe(`${url}/v1/jobs/job-2/events?token=tok`);
    controller.dispose();
  });

  it("conforms a take the host refused over color, then lets Import run again", async () => {
    let imports = 0;
    const { store, controller } = setup({
      "host.captureFrame": async () => ({ ...frame }),
      "host.importTake": async () => {
        if (++imports === 1) throw new BridgeError("color_mismatch", "Not imported: the colr says Rec.709. Conform the take to a ProRes 422 HQ Rec.2100 PQ master, then import it.");
        return { mediaPath: "/media/take.mov", binName: "Retake", placement: { trackIndex: 1, start: 4, end: 9, newTrack: false }, colorTags: pqMaster.colorTags! };
      },
    });
    await controller.connect();
    await controller.capture();
    await controller.draft();
    FakeEventSource.last!.emit("take", { type: "take", seq: 1, take: take("succeeded", 1, "2025-01-01T00:00:02.000Z") });
    await controller.importTake("take-1");
    expect(store.getState().imports["take-1"]).toMatchObject({ state: "failed", code: "color_mismatch" });

    rejectConform = true;
    await controller.conformTake("take-1");
    rejectConform = false;
    expect(store.getState().conforms["take-1"]).toEqual({ state: "failed", message: "The master cannot be decoded." });

    const conforming = controller.conformTake("take-1");
    expect(store.getState().conforms["take-1"]).toEqual({ state: "conforming" });
    await conforming;
    expect(store.getState().conforms["take-1"]).toEqual({ state: "done", notes: ["Retagged as Rec.2100 PQ (no re-encode)."] });
    expect(currentTakes(store.getState())[0]?.outputs.master?.colorTags?.colorSpace).toBe("rec2100-pq");
    expect(store.getState().imports["take-1"]).toBeUndefined();

    await controller.importTake("take-1");
    expect(store.getState().imports["take-1"]).toMatchObject({ state: "placed" });
    controller.dispose();
  });

  it("cancels an import in flight on the browser host: nothing is placed, the card says so, and Import runs again", async () => {
    // The harness host settles the page's playhead before it places; hold that step open so the
    // editor's cancel arrives while the import is in flight.
    let release!: () => void;
    let gate = new Promise<void>((resolve) => (release = resolve));
    const browser = createBrowserHostHandlers({ api: createHarnessApi(url), beforeSequenceCall: () => gate });
    delete browser["host.backend"];
    delete browser["host.context"];
    const { store, controller } = setup({ ...browser, "host.captureFrame": async () => ({ ...frame }) });
    await controller.connect();
    await controller.capture();
    await controller.draft();
    FakeEventSource.last!.emit("take", { type: "take", seq: 1, take: take("succeeded", 1, "2025-01-01T00:00:02.000Z") });
    const before = harnessImports.length;

    const importing = controller.importTake("take-1");
    expect(store.getState().imports["take-1"]).toEqual({ state: "importing" });
    await controller.cancelImport("take-1");
    expect(store.getState().imports["take-1"]).toEqual({ state: "canceling" });
    release();
    await importing;
    expect(store.getState().imports["take-1"]).toEqual({ state: "canceled", message: IMPORT_CANCELED_MESSAGE });
    expect(IMPORT_CANCELED_MESSAGE).toBe("Import canceled; nothing was placed.");
    expect(store.getState().notices).toEqual([]); // not an error
    expect(harnessImports.length).toBe(before); // the harness never received the import

    // The same take imports again; a cancel that comes after the harness placed it changes nothing.
    gate = Promise.resolve();
    await controller.importTake("take-1");
    expect(store.getState().imports["take-1"]).toMatchObject({ state: "placed", result: { placement: { trackIndex: 1, start: 4 } } });
    expect(harnessImports.length).toBe(before + 1);
    await controller.cancelImport("take-1"); // nothing in flight: ignored
    expect(store.getState().imports["take-1"]).toMatchObject({ state: "placed" });
    controller.dispose();
  });

  it("lets the import finish when the host had nothing left to stop, and says so when the cancel itself fails", async () => {
    let finish!: () => void;
    const { store, controller } = setup({
      "host.captureFrame": async () => ({ ...frame }),
      "host.importTake": () =>
        new Promise((resolve) => (finish = () => resolve({ mediaPath: "/m.mov", binName: "Retake", placement: { trackIndex: 1, start: 4, end: 9, newTrack: false }, colorTags: pqMaster.colorTags! }))),
      "host.cancelImport": async () => ({ cancelled: false }),
    });
    await controller.connect();
    await controller.capture();
    await controller.draft();
    FakeEventSource.last!.emit("take", { type: "take", seq: 1, take: take("succeeded", 1, "2025-01-01T00:00:02.000Z") });
    const importing = controller.importTake("take-1");
    await controller.cancelImport("take-1");
    expect(store.getState().imports["take-1"]).toEqual({ state: "importing" }); // still running, button back to Cancel
    finish();
    await importing;
    expect(store.getState().imports["take-1"]).toMatchObject({ state: "placed" });
    controller.dispose();

    // A host that cannot cancel (no such method): the import goes on and the editor reads why.
    const older = setup({ "host.captureFrame": async () => ({ ...frame }), "host.importTake": () => new Promise(() => undefined) });
    await older.controller.connect();
    await older.controller.capture();
    await older.controller.draft();
    FakeEventSource.last!.emit("take", { type: "take", seq: 1, take: take("succeeded", 1, "2025-01-01T00:00:02.000Z") });
    void older.controller.importTake("take-1");
    await older.controller.cancelImport("take-1");
    expect(older.store.getState().imports["take-1"]).toEqual({ state: "importing" });
    expect(older.store.getState().notices.map((n) => n.kind)).toEqual(["error"]);
    older.controller.dispose();
  });
});
