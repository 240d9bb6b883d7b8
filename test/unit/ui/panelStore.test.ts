import { describe, expect, it } from "vitest";
import type { Annotation, Job, ProviderInfo, Take } from "../../../src/core/schemas/index.js";
import { createPanelStore } from "../../../src/ui/state/createPanelStore.js";
import { draftBlocker } from "../../../src/ui/state/selectors.js";
import { takesOfJob } from "../../../src/ui/state/takeMerge.js";

const arrow = (id: string, end = 5): Annotation => ({
  id,
  kind: "cameraMove",
  from: { x: 0.3, y: 0.5 },
  to: { x: 0.7, y: 0.5 },
  start: 0,
  end,
  ease: "ease-in-out",
});

const box = (id: string): Annotation => ({
  id,
  kind: "framingBox",
  rect: { x: 0.25, y: 0.25, w: 0.5, h: 0.5 },
  time: 5,
  ease: "ease-in-out",
  endFraming: false,
});

function take(overrides: Partial<Take> & { id: string }): Take {
  return {
    jobId: "job-1",
    index: 0,
    iteration: 0,
    providerJobId: null,
    request: {},
    state: "queued",
    progress: 0,
    message: "",
    error: null,
    outputs: {},
    critique: null,
    cost: { usd: 0, estimated: false },
    colorSpace: "rec709",
    createdAt: "2025-01-01T00:00:00.000Z",
    updatedAt: "2025-01-01T00:00:00.000Z",
    ...overrides,
  };
}

function job(takes: Take[], id = "job-1"): Job {
  return {
    id,
    createdAt: "2025-01-01T00:00:00.000Z",
    frame: {
      frameId: "frame-1",
      capturedAt: "2025-01-01T00:00:00.000Z",
      image: { width: 1920, height: 1080, mediaType: "image/png", bytes: 100 },
      mode: "insert",
      sequence: {
        host: "browser",
        projectName: "P",
        sequenceName: "S",
        frameSize: { width: 1920, height: 1080 },
        pixelAspect: 1,
        frameRate: { num: 24, den: 1 },
        dropFrame: false,
        colorSpace: "rec709",
        playhead: { ticks: "0", seconds: 0, frame: 0, timecode: "00:00:00:00" },
        durationSeconds: 10,
        videoTracks: [],
      },
    },
    direction: {
      prompt: "",
      duration: 5,
      annotations: [],
      camera: { keyframes: [{ t: 0, x: 0.5, y: 0.5, zoom: 1, roll: 0, ease: "linear" }] },
      framing: [],
      subjects: [],
      holds: [],
      notes: [],
      summary: "",
      conflicts: [],
    },
    provider: "previz",
    model: "previz-1",
    mode: "draft",
    count: takes.length,
    duration: 5,
    budgetUsd: null,
    canceled: false,
    takes,
  };
}

const provider = (id: string, available: boolean, maxCount = 4): ProviderInfo => ({
  id,
  label: id,
  available,
  reason: available ? undefined : `set ${id.toUpperCase()}_API_KEY`,
  capabilities: { modes: ["draft"], durations: { min: 2, max: 10, step: 1 }, maxCount, colorSpaces: ["rec709"], models: [] },
});

describe("panel store: annotations", () => {
  it("adds, updates and removes annotations, selecting what was just drawn", () => {
    const store = createPanelStore();
    store.getState().addAnnotation(arrow("a1"));
    expect(store.getState().annotations).toEqual([arrow("a1")]);
    expect(store.getState().selectedId).toBe("a1");

    store.getState().updateAnnotation("a1", { start: 1, end: 4 });
    expect(store.getState().annotations[0]).toMatchObject({ id: "a1", kind: "cameraMove", start: 1, end: 4 });

    store.getState().removeAnnotation("a1");
    expect(store.getState().annotations).toEqual([]);
    expect(store.getState().selectedId).toBeNull();
  });

  it("never lets an update change an annotation's id or kind", () => {
    const store = createPanelStore();
    store.getState().addAnnotation(box("b1"));
    store.getState().updateAnnotation("b1", { time: 2, id: "other", kind: "cameraMove" } as never);
    expect(store.getState().annotations[0]).toMatchObject({ id: "b1", kind: "framingBox", time: 2 });
  });

  it("undoes and redoes each edit as one step", () => {
    const store = createPanelStore();
    const s = () => store.getState();
    s().addAnnotation(arrow("a1"));
    s().addAnnotation(box("b1"));
    s().updateAnnotation("b1", { time: 3 });

    s().undo();
    expect(s().annotations.find((a) => a.id === "b1")).toMatchObject({ time: 5 });
    s().undo();
    expect(s().annotations.map((a) => a.id)).toEqual(["a1"]);
    s().undo();
    expect(s().annotations).toEqual([]);
    s().undo(); // nothing left: a no-op, not a crash
    expect(s().annotations).toEqual([]);

    s().redo();
    s().redo();
    expect(s().annotations.map((a) => a.id)).toEqual(["a1", "b1"]);
    s().redo();
    expect(s().annotations.find((a) => a.id === "b1")).toMatchObject({ time: 3 });
    expect(s().history.future).toEqual([]);
  });

  it("drops the redo branch when a new edit follows an undo", () => {
    const store = createPanelStore();
    const s = () => store.getState();
    s().addAnnotation(arrow("a1"));
    s().addAnnotation(arrow("a2"));
    s().undo();
    s().addAnnotation(box("b1"));
    s().redo();
    expect(s().annotations.map((a) => a.id)).toEqual(["a1", "b1"]);
  });

  it("does not record an edit that changes nothing", () => {
    const store = createPanelStore();
    store.getState().addAnnotation(arrow("a1"));
    const depth = store.getState().history.past.length;
    store.getState().updateAnnotation("a1", { start: 0 });
    expect(store.getState().history.past.length).toBe(depth);
  });

  it("clears a selection whose annotation an undo removed", () => {
    const store = createPanelStore();
    store.getState().addAnnotation(arrow("a1"));
    expect(store.getState().selectedId).toBe("a1");
    store.getState().undo();
    expect(store.getState().selectedId).toBeNull();
  });
});

describe("panel store: form values", () => {
  it("defaults to 5 s, 2 takes, insert, select tool", () => {
    const s = createPanelStore().getState();
    expect([s.duration, s.count, s.placement, s.tool]).toEqual([5, 2, "insert", "select"]);
  });

  it("clamps duration to 2–10 s and takes to 1–4 (or the provider's maximum)", () => {
    const store = createPanelStore();
    const s = () => store.getState();
    s().setDuration(12);
    expect(s().duration).toBe(10);
    s().setDuration(0.5);
    expect(s().duration).toBe(2);
    s().setCount(9);
    expect(s().count).toBe(4);
    s().setProviders([provider("luma", true, 2)]);
    expect(s().count).toBe(2);
    s().setCount(0);
    expect(s().count).toBe(1);
  });

  it("picks the first available provider and refuses an unavailable one", () => {
    const store = createPanelStore();
    store.getState().setProviders([provider("luma", false), provider("previz", true)]);
    expect(store.getState().providerId).toBe("previz");
    store.getState().setProvider("luma");
    expect(store.getState().providerId).toBe("previz");
  });

  it("says why Draft cannot run until a frame is captured, or while a capture is under way", () => {
    const store = createPanelStore();
    expect(draftBlocker(store.getState())).toBe("Capture a frame first.");
    store.getState().setBusy("capturing", true);
    expect(draftBlocker(store.getState())).toBe("Waiting for the frame capture to finish.");
  });
});

describe("panel store: takes from job events", () => {
  it("starts a job with its takes and merges take events by id", () => {
    const store = createPanelStore();
    const s = () => store.getState();
    s().startJob(job([take({ id: "t1", index: 0 }), take({ id: "t2", index: 1 })]));
    s().applyJobEvent({
      type: "take",
      seq: 1,
      take: take({ id: "t2", index: 1, state: "running", progress: 0.4, message: "rendering 40%", updatedAt: "2025-01-01T00:00:01.000Z" }),
    });
    const takes = takesOfJob(s().takes, "job-1");
    expect(takes.map((t) => [t.id, t.state, t.progress])).toEqual([
      ["t1", "queued", 0],
      ["t2", "running", 0.4],
    ]);
  });

  it("never moves a take back from a terminal state, even on a replayed or late event", () => {
    const store = createPanelStore();
    const s = () => store.getState();
    s().startJob(job([take({ id: "t1" })]));
    const done = take({ id: "t1", state: "succeeded", progress: 1, updatedAt: "2025-01-01T00:00:05.000Z" });
    s().applyJobEvent({ type: "take", seq: 5, take: done });
    // an SSE reconnect replays an older "running" update, with a newer timestamp even
    s().applyJobEvent({ type: "take", seq: 3, take: take({ id: "t1", state: "running", progress: 0.5, updatedAt: "2025-01-01T00:00:09.000Z" }) });
    // a job snapshot that trails the take events
    s().applyJobEvent({ type: "job", seq: 4, job: job([take({ id: "t1", state: "running", progress: 0.8 })]) });
    expect(s().takes.t1).toEqual(done);
  });

  it("ignores an update older than the one it holds", () => {
    const store = createPanelStore();
    const s = () => store.getState();
    s().startJob(job([take({ id: "t1" })]));
    s().applyTake(take({ id: "t1", state: "running", progress: 0.6, updatedAt: "2025-01-01T00:00:06.000Z" }));
    s().applyTake(take({ id: "t1", state: "running", progress: 0.3, updatedAt: "2025-01-01T00:00:03.000Z" }));
    expect(s().takes.t1?.progress).toBe(0.6);
  });

  it("lets a terminal take pick up later details (its outputs arriving with a newer update)", () => {
    const store = createPanelStore();
    const s = () => store.getState();
    s().startJob(job([take({ id: "t1" })]));
    s().applyTake(take({ id: "t1", state: "succeeded", updatedAt: "2025-01-01T00:00:05.000Z" }));
    s().applyTake(take({ id: "t1", state: "succeeded", message: "scored", updatedAt: "2025-01-01T00:00:06.000Z" }));
    expect(s().takes.t1?.message).toBe("scored");
  });

  it("ignores events of an earlier job once a new one started", () => {
    const store = createPanelStore();
    const s = () => store.getState();
    s().startJob(job([take({ id: "t1" })]));
    s().setImport("t1", { state: "importing" });
    s().startJob(job([take({ id: "t9", jobId: "job-2" })], "job-2"));
    s().applyTake(take({ id: "t1", state: "running" }));
    expect(Object.keys(s().takes)).toEqual(["t9"]);
    expect(s().imports).toEqual({});
  });
});

describe("panel store: notices", () => {
  it("shows a message once however often it is raised, and clears it by source", () => {
    const store = createPanelStore();
    const s = () => store.getState();
    s().notify("error", "Open a sequence in Premiere.", "context");
    s().notify("error", "Open a sequence in Premiere.", "context");
    s().notify("error", "The backend is down.", "draft");
    expect(s().notices.map((n) => n.message)).toEqual(["Open a sequence in Premiere.", "The backend is down."]);
    s().clearNotices("context");
    expect(s().notices.map((n) => n.source)).toEqual(["draft"]);
    s().dismiss(s().notices[0]!.id);
    expect(s().notices).toEqual([]);
  });
});

describe("panel store: one per panel instance", () => {
  it("keeps two panels' stores apart", () => {
    const a = createPanelStore();
    const b = createPanelStore();
    a.getState().addAnnotation(arrow("a1"));
    a.getState().setTool("framingBox");
    a.getState().setPrompt("slow push-in");
    a.getState().startJob(job([take({ id: "t1" })]));
    expect(b.getState().annotations).toEqual([]);
    expect(b.getState().tool).toBe("select");
    expect(b.getState().prompt).toBe("");
    expect(b.getState().takes).toEqual({});
    expect(b.getState().history.past).toEqual([]);
    b.getState().undo();
    expect(a.getState().annotations.map((x) => x.id)).toEqual(["a1"]);
  });
});

describe("panel store: studio state", () => {
  it("reopening a direction restores frame, drawings, prompt and duration as one undo step", () => {
    const store = createPanelStore();
    const s = () => store.getState();
    s().addAnnotation({ id: "x", kind: "note", at: { x: 0.5, y: 0.5 }, text: "now" });
    s().setPendingNote({ at: { x: 0.1, y: 0.1 } });
    const frame = { context: { frameId: "f1" } as never, imageUrl: "http://x/f1" };
    s().restoreDirection({
      frame,
      annotations: [{ id: "a", kind: "note", at: { x: 0.2, y: 0.2 }, text: "before" }],
      prompt: "the saved prompt",
      duration: 42,
    });
    expect(s().frame).toBe(frame);
    expect(s().annotations.map((a) => a.id)).toEqual(["a"]);
    expect(s().prompt).toBe("the saved prompt");
    expect(s().duration).toBe(10); // clamped into 2–10 s
    expect(s().pendingNote).toBeNull();
    s().undo();
    expect(s().annotations.map((a) => a.id)).toEqual(["x"]);
  });

  it("switching tools abandons a note being typed; scrub time stays inside the take", () => {
    const store = createPanelStore();
    const s = () => store.getState();
    s().setPendingNote({ at: { x: 0.1, y: 0.1 } });
    s().setTool("hold");
    expect(s().pendingNote).toBeNull();
    s().setScrubTime(99);
    expect(s().scrubTime).toBe(s().duration);
    s().setScrubTime(-1);
    expect(s().scrubTime).toBe(0);
    s().setScrubTime(null);
    expect(s().scrubTime).toBeNull();
  });
});
