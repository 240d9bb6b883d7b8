import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { http, HttpResponse } from "msw";
import type { SetupServer } from "msw/node";
import { applyEase } from "../../src/core/direction/ease.js";
import type { CameraState } from "../../src/core/schemas/direction.js";
import { renderPreviz } from "../../src/server/providers/previz/renderPreviz.js";

/**
 * A fake image-to-video model behind Luma's documented Agents API (POST /generations, GET
 * /generations/{id}, presigned output links), for tests of the director's reasoning loop. Like a
 * real model it reads the camera directive in the prompt text ("pan right (35% of frame) from
 * 1.0 s to 4.0 s, ease in-out") and renders that move over the start frame it was sent, but with
 * habits the loop must correct: it moves only `undershoot` of what was asked and starts `lateBy`
 * seconds late. `ignoresCamera` makes a model no wording can steer.
 *
 * The pictures are real: the move is rendered by the previz renderer over the decoded start
 * frame, so the critic measures it like any take. Only the API around it is played by msw.
 */

export interface FakeModelHabits {
  /** Fraction of the asked move the model makes (0.5 = half). Default 1. */
  undershoot?: number;
  /** Seconds the move starts late. Default 0. */
  lateBy?: number;
  /** Renders a locked-off camera whatever is asked. */
  ignoresCamera?: boolean;
  /** Status polls that answer "processing" before the generation completes. Default 1. */
  processingPolls?: number;
  /** Fails every generation with this Luma failure_code ("generation_failed" is retryable). */
  failWith?: string;
  /** Milliseconds before POST /generations answers (a submit still in flight). */
  submitDelayMs?: number;
}

export interface FakeLumaModel {
  /** Every POST /generations body, in order. */
  requests: Array<{ prompt: string; video: Record<string, unknown> & { keyframe_indexes?: number[] } }>;
  /** Change the habits for generations created from now on. */
  setHabits(habits: FakeModelHabits): void;
  /** While held, generations stay "processing" (to stop a backend mid-round). */
  hold(held: boolean): void;
  dispose(): void;
}

/** Luma renders 5 s at 24 fps (research/backends.md). */
const SECONDS = 5;
const FPS = { num: 24, den: 1 };

export interface AskedMove {
  dx: number;
  dy: number;
  start: number;
  end: number;
}

const MOVE = /(pan right|pan left|tilt up|tilt down) \((\d+)% of frame\) from (\d+(?:\.\d+)?) s to (\d+(?:\.\d+)?) s/g;

/** The camera moves a prompt asks for, as a reading model would take them. */
export function askedMoves(prompt: string): AskedMove[] {
  return [...prompt.matchAll(MOVE)].map((m) => {
    const amount = Number(m[2]) / 100;
    const [dx, dy] = { "pan right": [amount, 0], "pan left": [-amount, 0], "tilt up": [0, -amount], "tilt down": [0, amount] }[m[1] as "pan right"]!;
    return { dx: dx!, dy: dy!, start: Number(m[3]), end: Number(m[4]) };
  });
}

/** One camera state per frame: every asked move, scaled by the habits, eased in-out. */
export function habitualPath(moves: AskedMove[], habits: FakeModelHabits): CameraState[] {
  const u = habits.ignoresCamera ? 0 : (habits.undershoot ?? 1);
  const late = habits.lateBy ?? 0;
  const frames = SECONDS * FPS.num;
  return Array.from({ length: frames }, (_, i) => {
    const t = i / FPS.num;
    let x = 0.5;
    let y = 0.5;
    for (const m of moves) {
      const span = Math.max(1e-6, m.end - m.start);
      const p = applyEase("ease-in-out", (t - (m.start + late)) / span);
      x += m.dx * u * p;
      y += m.dy * u * p;
    }
    return { x, y, zoom: 1, roll: 0 };
  });
}

/**
 * A start frame the critic reads cleanly: testsrc2's shapes and text for texture, contrast
 * lowered so nothing clips or crushes (a clipped test card would cost every take exposure points
 * that no request can win back).
 */
/**
 * A start frame with a faint texture everywhere (a cellular automaton's pattern under testsrc2's
 * shapes, contrast lowered like softStillPng), so that every take of a long pan over it is judged
 * alike by the critic. Over softStillPng the fully corrected pan reads "camera not measured" (its
 * window ends on the card's plain bars, one textured patch) while a slightly short one is measured,
 * and since an unmeasured take ranks after measured ones the loop could not stop on the target.
 * Over this still the whole picture moves as one (a pan over a still), which the critic still
 * calls "the subject fills the frame", on every take alike: a limit of renders over a still, said
 * in docs/critic.md.
 */
export function texturedStillPng(width = 320, height = 180): Buffer {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-textured-still-"));
  const out = path.join(dir, "still.png");
  execFileSync("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", `cellauto=rule=110:size=${width}x${height}:rate=1:random_seed=7:scroll=0:start_full=1`,
    "-f", "lavfi", "-i", `testsrc2=size=${width}x${height}:rate=1`,
    "-filter_complex", "[0:v]format=gray,boxblur=1,format=yuv420p[c];[1:v]format=yuv420p[t];[t][c]blend=all_mode=average,eq=contrast=0.55:brightness=0.03", "-frames:v", "1", out]);
  const bytes = fs.readFileSync(out);
  fs.rmSync(dir, { recursive: true, force: true });
  return bytes;
}

export function softStillPng(width = 320, height = 180): Buffer {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-soft-still-"));
  const out = path.join(dir, "still.png");
  execFileSync("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", `testsrc2=size=${width}x${height}:rate=1,eq=contrast=0.55:brightness=0.03,noise=alls=10:allf=u`, "-frames:v", "1", out]);
  const bytes = fs.readFileSync(out);
  fs.rmSync(dir, { recursive: true, force: true });
  return bytes;
}

export function fakeLumaModel(server: SetupServer, base: string, cdn: string, initial: FakeModelHabits = {}): FakeLumaModel {
  let habits = initial;
  let held = false;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-fake-model-"));
  const generations = new Map<string, { polls: number; habits: FakeModelHabits; render: Promise<string>; rendered: boolean }>();
  const requests: FakeLumaModel["requests"] = [];
  let counter = 0;

  server.use(
    http.post(`${base}/generations`, async ({ request }) => {
      const body = (await request.json()) as { prompt: string; video: Record<string, unknown> & { start_frame: { data: string } } };
      requests.push({ prompt: body.prompt, video: body.video });
      if (habits.submitDelayMs) await new Promise((r) => setTimeout(r, habits.submitDelayMs));
      const id = `gen-fake-${++counter}`;
      const still = path.join(dir, `${id}.png`);
      fs.writeFileSync(still, Buffer.from(body.video.start_frame.data, "base64"));
      const own = { ...habits };
      const render = renderPreviz({
        stillPath: still,
        outDir: path.join(dir, id),
        samples: habitualPath(askedMoves(body.prompt), own),
        fps: FPS,
        width: 320,
        height: 180,
        colorSpace: "rec709",
        quality: "final",
      }).then((r) => r.master.path);
      const generation = { polls: 0, habits: own, render, rendered: false };
      // Answer polls at once, as Luma does: "processing" until the picture is rendered.
      render.then(
        () => (generation.rendered = true),
        () => undefined,
      );
      generations.set(id, generation);
      return HttpResponse.json({ id, state: "queued", created_at: new Date().toISOString(), model: "ray-3.2", type: "video" }, { status: 201 });
    }),
    http.get(`${base}/generations/:id`, async ({ params }) => {
      const id = String(params.id);
      const generation = generations.get(id);
      if (!generation) return HttpResponse.json({ detail: "not found" }, { status: 404 });
      generation.polls++;
      if (held || !generation.rendered || generation.polls <= (generation.habits.processingPolls ?? 1)) return HttpResponse.json({ id, state: "processing", progress: 0.5 });
      if (generation.habits.failWith) return HttpResponse.json({ id, state: "failed", failure_code: generation.habits.failWith, failure_reason: "fake model failure" });
      return HttpResponse.json({ id, state: "completed", output: [{ type: "video", url: `${cdn}/${id}.mov` }], failure_code: null });
    }),
    http.get(`${cdn}/:file`, async ({ params }) => {
      const id = String(params.file).replace(/\.mov$/, "");
      const generation = generations.get(id);
      if (!generation) return new HttpResponse(null, { status: 404 });
      const bytes = fs.readFileSync(await generation.render);
      return new HttpResponse(new Uint8Array(bytes), { headers: { "content-type": "video/quicktime" } });
    }),
  );

  return {
    requests,
    setHabits: (next) => {
      habits = next;
    },
    hold: (next) => {
      held = next;
    },
    dispose: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
