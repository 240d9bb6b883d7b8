/**
 * The simulated editors: each signs in with its own token, uploads one captured frame, then runs
 * one-take drafts in a loop until told to stop (and waits for the ones in flight), following
 * every job over its event stream (reconnecting with Last-Event-ID when the stream drops, as the
 * panel's EventSource does). Each job's prompt carries `[bench <editor> <job>]` so the stand-in
 * can count submits per take (see lumaStandIn.ts).
 *
 * Measured per take: submit (POST /v1/jobs answered) → delivered (take `succeeded`), and every
 * state/message change with the time it was heard, so faults can pick takes by phase.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export interface EditorSpec {
  name: string;
  token: string;
  provider: "previz" | "luma";
  /** Drafts asked at once in the first round (default 1). */
  burst?: number;
}

export interface TakeSeen {
  takeId: string;
  state: string;
  message: string;
  at: number;
}

export interface JobRecord {
  editor: string;
  provider: string;
  tag: string;
  jobId: string;
  /** When the POST was sent / answered. */
  sentAt: number;
  createdAt: number;
  takeIds: string[];
  /** Every take change heard, in order. */
  seen: TakeSeen[];
  deliveredAt?: number;
  endState?: string;
  endError?: string;
  settledAt?: number;
  streamDrops: number;
}

export interface EditorStats {
  jobs: JobRecord[];
  /** 402 over_budget answers (the guard refusing a job). */
  refusedOverBudget: number;
  /** Editors who were refused at least once. */
  refusedEditors: string[];
  /** POSTs that got no answer or a 5xx (e.g. during the database restart); retried under a new tag. */
  failedPosts: Array<{ editor: string; tag: string; status: number | string; at: number }>;
  /** Tags whose POST got no answer at all: the job may exist; the ledger check looks for them. */
  ambiguousTags: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function benchSequence(width: number, height: number) {
  return {
    host: "browser",
    projectName: "Bench project",
    sequenceName: "Bench sequence",
    frameSize: { width, height },
    pixelAspect: 1,
    frameRate: { num: 24, den: 1 },
    dropFrame: false,
    colorSpace: "rec709",
    playhead: { ticks: "0", seconds: 0, frame: 0, timecode: "00:00:00:00" },
    durationSeconds: 10,
    videoTracks: [{ index: 0, name: "V1", clips: [{ name: "A", start: 0, end: 10 }] }],
  };
}

export function makeStillPng(width: number, height: number): Buffer {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-bench-still-"));
  const out = path.join(dir, "still.png");
  execFileSync("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", `testsrc2=size=${width}x${height}:rate=1`, "-frames:v", "1", out]);
  const bytes = fs.readFileSync(out);
  fs.rmSync(dir, { recursive: true, force: true });
  return bytes;
}

async function uploadFrame(base: string, token: string, sequence: object, png: Buffer): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const form = new FormData();
    form.append("context", JSON.stringify({ sequence, mode: "insert" }));
    form.append("image", new Blob([new Uint8Array(png)], { type: "image/png" }), "frame.png");
    try {
      const res = await fetch(`${base}/v1/frames`, { method: "POST", body: form, headers: { Authorization: `Bearer ${token}` } });
      if (res.status === 201) return ((await res.json()) as { frameId: string }).frameId;
      if (attempt >= 5 || res.status < 500) throw new Error(`frame upload answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
    } catch (error) {
      if (attempt >= 5) throw error;
    }
    await sleep(1000);
  }
}

/**
 * Follows one job's events until `done`, reconnecting after a drop. Resolves when settled or at
 * `deadline` (then the record has no settledAt: the invariant check reads the ledger anyway).
 */
async function follow(base: string, token: string, job: JobRecord, deadline: number): Promise<void> {
  let lastEventId = 0;
  while (Date.now() < deadline) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), Math.max(1, deadline - Date.now()));
    try {
      const res = await fetch(`${base}/v1/jobs/${job.jobId}/events`, {
        headers: { Authorization: `Bearer ${token}`, Accept: "text/event-stream", ...(lastEventId ? { "Last-Event-ID": String(lastEventId) } : {}) },
        signal: controller.signal,
      });
      if (res.status !== 200 || !res.body) throw new Error(`events answered ${res.status}`);
      const decoder = new TextDecoder();
      let buffer = "";
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = "message";
          let data = "";
          for (const line of block.split("\n")) {
            if (line.startsWith("event: ")) event = line.slice(7);
            else if (line.startsWith("data: ")) data += line.slice(6);
            else if (line.startsWith("id: ")) lastEventId = Number(line.slice(4)) || lastEventId;
          }
          if (event === "done") {
            job.settledAt = Date.now();
            return;
          }
          if (event === "take") {
            const { take } = JSON.parse(data) as { take: { id: string; state: string; message: string; error?: { code: string; message: string } | null } };
            const at = Date.now();
            if (!job.takeIds.includes(take.id)) job.takeIds.push(take.id);
            const prev = [...job.seen].reverse().find((s) => s.takeId === take.id);
            if (!prev || prev.state !== take.state || prev.message !== take.message) job.seen.push({ takeId: take.id, state: take.state, message: take.message, at });
            if (take.state === "succeeded" && !job.deliveredAt) job.deliveredAt = at;
            if (["succeeded", "failed", "canceled"].includes(take.state)) {
              job.endState = take.state;
              if (take.error) job.endError = `${take.error.code}: ${take.error.message}`;
            }
          }
        }
      }
    } catch {
      // Dropped (server restarting, database away): reconnect below.
    } finally {
      clearTimeout(timer);
    }
    job.streamDrops++;
    await sleep(500);
  }
}

export interface EditorRunOptions {
  base: string;
  editors: EditorSpec[];
  frameSize: { width: number; height: number };
  /** Stop starting new jobs at this time (ms epoch). */
  stopAt: number;
  /** Give up following jobs at this time. */
  followDeadline: number;
  /** Pause between an editor's jobs. */
  thinkMs: number;
  /** Called with each new job so faults can watch takes live. */
  onJob?: (job: JobRecord) => void;
}

export async function runEditors(options: EditorRunOptions): Promise<EditorStats> {
  const stats: EditorStats = { jobs: [], refusedOverBudget: 0, refusedEditors: [], failedPosts: [], ambiguousTags: [] };
  const sequence = benchSequence(options.frameSize.width, options.frameSize.height);
  const png = makeStillPng(options.frameSize.width, options.frameSize.height);
  await Promise.all(
    options.editors.map(async (editor, e) => {
      // Spread the starts so 20 editors do not all post in the same millisecond.
      await sleep(e * 150);
      const frameId = await uploadFrame(options.base, editor.token, sequence, png);
      const following: Promise<void>[] = [];
      let n = 0;
      /** One draft asked: the job's record when accepted, else why not (and a pause before the next ask). */
      const ask = async (): Promise<JobRecord | number> => {
        const tag = `[bench ${editor.name} j${String(++n).padStart(3, "0")}]`;
        const body = { frameId, provider: editor.provider, mode: "draft", prompt: `${tag} slow push in on the subject`, duration: 2, count: 1 };
        const sentAt = Date.now();
        let res: Response;
        try {
          res = await fetch(`${options.base}/v1/jobs`, {
            method: "POST",
            headers: { Authorization: `Bearer ${editor.token}`, "Content-Type": "application/json" },
            body: JSON.stringify(body),
            signal: AbortSignal.timeout(30_000),
          });
        } catch (error) {
          stats.failedPosts.push({ editor: editor.name, tag, status: (error as Error).name, at: sentAt });
          stats.ambiguousTags.push(tag);
          return 1000;
        }
        if (res.status === 402) {
          stats.refusedOverBudget++;
          await res.text();
          // Over the day's budget: the editor keeps asking now and then (each ask must be refused).
          if (!stats.refusedEditors.includes(editor.name)) stats.refusedEditors.push(editor.name);
          return 3000;
        }
        if (res.status !== 201) {
          stats.failedPosts.push({ editor: editor.name, tag, status: res.status, at: sentAt });
          await res.text();
          return 1000;
        }
        const created = (await res.json()) as { id: string; takes?: Array<{ id: string }> };
        const job: JobRecord = { editor: editor.name, provider: editor.provider, tag, jobId: created.id, sentAt, createdAt: Date.now(), takeIds: (created.takes ?? []).map((t) => t.id), seen: [], streamDrops: 0 };
        stats.jobs.push(job);
        options.onJob?.(job);
        return job;
      };
      let first = true;
      while (Date.now() < options.stopAt) {
        // The first round may be a burst of drafts at once (two asks racing one budget).
        const asked = await Promise.all(Array.from({ length: first ? (editor.burst ?? 1) : 1 }, ask));
        first = false;
        const jobs = asked.filter((a): a is JobRecord => typeof a !== "number");
        const pause = Math.max(0, ...asked.filter((a): a is number => typeof a === "number"));
        // An editor waits for its drafts before drafting again, as people do.
        const f = Promise.all(jobs.map((job) => follow(options.base, editor.token, job, options.followDeadline))).then(() => undefined);
        following.push(f);
        await f;
        await sleep(Math.max(pause, options.thinkMs));
      }
      await Promise.all(following);
    }),
  );
  return stats;
}
