import type { FrameContext, Job, JobLogEntry, ProviderInfo, Take } from "../../../src/core/schemas/index.js";

/** Records as the backend sends them, for the panel's unit tests; each test overrides what it is about. */

export const frame: FrameContext = {
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
};

export function take(overrides: Partial<Take> & { id: string }): Take {
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

/** A take the critic scored. */
export function scored(id: string, score: number, overrides: Partial<Take> = {}): Take {
  return take({ id, state: "succeeded", progress: 1, critique: { score, critique: `scored ${score}`, issues: [] }, ...overrides });
}

export function job(takes: Take[], overrides: Partial<Job> = {}): Job {
  return {
    id: "job-1",
    createdAt: "2025-01-01T00:00:00.000Z",
    frame,
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
    ...overrides,
  };
}

export function logEntry(seq: number, text: string, round = 0): JobLogEntry {
  return { seq, at: "2025-01-01T00:00:00.000Z", round, kind: "score", text };
}

export function provider(id: string, caps: Partial<ProviderInfo["capabilities"]> = {}, available = true): ProviderInfo {
  return {
    id,
    label: id[0]!.toUpperCase() + id.slice(1),
    available,
    ...(available ? {} : { reason: `set ${id.toUpperCase()}_API_KEY` }),
    capabilities: { modes: ["draft", "final"], durations: { min: 2, max: 10, step: 1 }, maxCount: 4, colorSpaces: ["rec709"], models: [], ...caps },
  };
}
