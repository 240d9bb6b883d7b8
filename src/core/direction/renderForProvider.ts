import type { Ease, Point, Rect } from "../schemas/annotation.js";
import type { CameraState, Direction } from "../schemas/direction.js";
import type { FrameRate } from "../schemas/frameContext.js";
import type { DirectiveWording, RefinementGuard } from "../schemas/job.js";
import { cameraPathEvaluator, frameCount, viewWindowRect } from "./cameraPath.js";

/**
 * Per-provider rendering of one compiled Direction (Krita AI Diffusion's "one job input, compiled
 * per backend"). Providers differ in what they can take:
 * - "prompt": text-only models get the direction as sentences appended to the prompt;
 * - "keyframes": keyframe APIs get the camera as view windows at frame indices;
 * - "trajectories": motion-control APIs get point lists with frame indices (subjects, camera).
 * Every style is derived from the Direction alone, so the same drawing yields the same request
 * whichever provider renders it. None of them touches the start frame: drawings are never burnt
 * into the image a model sees (models faithfully render the scribbles).
 */

export type ProviderStyle = "prompt" | "keyframes" | "trajectories";

export interface RenderOptions {
  /** Output frame rate for frame indices (keyframes, trajectories). Default 24 fps. */
  fps?: FrameRate;
  /**
   * Prompt style: how the camera directives are phrased (a take variant's wording). "plain": the
   * editor's prompt, then the directives. "cameraFirst": the camera directive leads. "explicit":
   * each move also says what the picture does ("so the scene slides left across the frame") and
   * holds are asked for firmly: the rewording the director tries when a model misreads a move.
   */
  wording?: DirectiveWording;
  /** Sentences a refined request adds for what the critic found (cuts, flicker, shake…). */
  guards?: readonly RefinementGuard[];
}

/** What each guard asks for, in words a text-reading model follows. */
export const GUARD_SENTENCES: Readonly<Record<RefinementGuard, string>> = {
  continuous: "One continuous shot: no cuts, no scene changes.",
  steadyExposure: "Keep the exposure and lighting steady: no flicker.",
  startOnFrame: "Begin exactly on the given frame, unchanged.",
  endOnFrame: "End exactly on the given end frame, arriving on its last frame, not before.",
  steadyCamera: "Smooth, stabilised camera: no shake or jitter.",
  lockedOff: "The camera is locked off on a tripod: no drift at all.",
  keepMoving: "Keep the motion going to the very end: no pauses or freezes.",
  pinned: "Keep the pinned regions fixed in place in the frame.",
  followPrompt: "Show exactly what is described above, clearly in frame, and make the described action happen on screen.",
  stableAnatomy: "Faces, hands and bodies keep their shape throughout. Avoid: morphing, melting faces, extra fingers, extra or missing limbs.",
  legibleText: "Any text or signage stays sharp and unchanged. Avoid: garbled text, gibberish lettering.",
  noPops: "Objects stay as they are from frame to frame. Avoid: objects appearing or vanishing, popping.",
  sameIdentity: "The people keep the same face, hair and clothes as in the start frame. Avoid: identity drift, face swaps.",
  plausiblePhysics: "Physically plausible motion and contact. Avoid: objects passing through each other, floating, impossible motion.",
};

export interface PromptRendering {
  style: "prompt";
  /** The editor's prompt followed by the directives, ready to send to a text-only model. */
  text: string;
  /** One sentence per aspect ("Camera: …", "Subject …", "Keep …", "Note …"). */
  directives: string[];
}

export interface IndexedKeyframe {
  frame: number;
  /** Seconds of that frame (frame × den / num), not the drawn time: what the provider will show. */
  t: number;
  /** The view window over the start frame, in frame fractions (origin top-left). */
  window: Rect;
  zoom: number;
  roll: number;
  /** How the segment arriving at this keyframe is eased. */
  ease: Ease;
}

export interface KeyframesRendering {
  style: "keyframes";
  fps: FrameRate;
  frameCount: number;
  keyframes: IndexedKeyframe[];
  /** Framing boxes as frame-indexed targets (end framing flagged), for APIs that take an end frame crop. */
  framing: Array<{ frame: number; rect: Rect; endFraming: boolean; annotationId: string }>;
}

export interface TrajectoryPoint extends Point {
  frame: number;
}

export interface TrajectoriesRendering {
  style: "trajectories";
  fps: FrameRate;
  frameCount: number;
  /** The window centre per output frame, with zoom (frame width / window width). */
  camera: Array<TrajectoryPoint & { zoom: number; roll: number }>;
  /** Each subject path's points at frame indices (clamped into the take), drawn order kept. */
  subjects: Array<{ annotationId: string; label: string; points: TrajectoryPoint[] }>;
  /** Holds as trajectories that do not move: the same point at the first and last frame. */
  holds: Array<{ annotationId: string; label: string; points: TrajectoryPoint[] }>;
}

export type ProviderRendering = PromptRendering | KeyframesRendering | TrajectoriesRendering;

const DEFAULT_FPS: FrameRate = { num: 24, den: 1 };

export function renderForProvider(direction: Direction, style: "prompt", options?: RenderOptions): PromptRendering;
export function renderForProvider(direction: Direction, style: "keyframes", options?: RenderOptions): KeyframesRendering;
export function renderForProvider(direction: Direction, style: "trajectories", options?: RenderOptions): TrajectoriesRendering;
export function renderForProvider(direction: Direction, style: ProviderStyle, options?: RenderOptions): ProviderRendering;
export function renderForProvider(direction: Direction, style: ProviderStyle, options: RenderOptions = {}): ProviderRendering {
  const fps = options.fps ?? DEFAULT_FPS;
  if (!(fps.num > 0 && fps.den > 0)) throw new RangeError(`A frame rate needs a positive num and den; got ${fps.num}/${fps.den}.`);
  switch (style) {
    case "prompt":
      return renderPrompt(direction, options.wording ?? "plain", options.guards ?? []);
    case "keyframes":
      return renderKeyframes(direction, fps);
    case "trajectories":
      return renderTrajectories(direction, fps);
  }
}

// ---------------------------------------------------------------------------------------------
// frame indices

const round6 = (n: number): number => {
  const r = Math.round(n * 1e6) / 1e6;
  return r === 0 ? 0 : r;
};

/** The output frame nearest to t, inside the take (0 … count − 1). */
export function frameIndexAt(t: number, fps: FrameRate, count: number): number {
  const frame = Math.round((t * fps.num) / fps.den);
  return Math.max(0, Math.min(Math.max(0, count - 1), frame));
}

const frameTime = (frame: number, fps: FrameRate): number => (frame * fps.den) / fps.num;

// ---------------------------------------------------------------------------------------------
// keyframes

function indexedKeyframe(state: CameraState, frame: number, fps: FrameRate, ease: Ease): IndexedKeyframe {
  const w = viewWindowRect(state);
  return {
    frame,
    t: round6(frameTime(frame, fps)),
    window: { x: round6(w.x), y: round6(w.y), w: round6(w.w), h: round6(w.h) },
    zoom: round6(state.zoom),
    roll: round6(state.roll),
    ease,
  };
}

function renderKeyframes(direction: Direction, fps: FrameRate): KeyframesRendering {
  const count = Math.max(1, frameCount(fps, direction.duration));
  const path = cameraPathEvaluator(direction.camera.keyframes);
  // Each compiled keyframe lands on its nearest frame; the window there is the exact path at that
  // frame's time (not the keyframe's drawn value), so rounding never shifts the picture. When two
  // keyframes land on one frame, the later wins (a cut shows its after-state on that frame).
  const byFrame = new Map<number, Ease>();
  byFrame.set(0, "linear");
  for (const k of direction.camera.keyframes) {
    if (k.t > direction.duration + 1e-9) continue;
    const frame = frameIndexAt(k.t, fps, count);
    byFrame.set(frame, frame === 0 ? "linear" : k.ease);
  }
  if (!byFrame.has(count - 1)) byFrame.set(count - 1, "linear");
  const keyframes = [...byFrame.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([frame, ease]) => indexedKeyframe(path(frameTime(frame, fps)), frame, fps, ease));
  return {
    style: "keyframes",
    fps,
    frameCount: count,
    keyframes,
    framing: direction.framing.map((f) => ({ frame: frameIndexAt(f.t, fps, count), rect: { ...f.rect }, endFraming: f.endFraming, annotationId: f.annotationId })),
  };
}

// ---------------------------------------------------------------------------------------------
// trajectories

function renderTrajectories(direction: Direction, fps: FrameRate): TrajectoriesRendering {
  const count = Math.max(1, frameCount(fps, direction.duration));
  const path = cameraPathEvaluator(direction.camera.keyframes);
  const camera: TrajectoriesRendering["camera"] = new Array(count);
  for (let i = 0; i < count; i++) {
    const s = path(frameTime(i, fps));
    camera[i] = { frame: i, x: round6(s.x), y: round6(s.y), zoom: round6(s.zoom), roll: round6(s.roll) };
  }
  const last = count - 1;
  return {
    style: "trajectories",
    fps,
    frameCount: count,
    camera,
    subjects: direction.subjects.map((s) => ({
      annotationId: s.annotationId,
      label: s.label,
      points: s.points.map((p) => ({ frame: frameIndexAt(p.t, fps, count), x: round6(p.x), y: round6(p.y) })),
    })),
    holds: direction.holds.map((h) => {
      const c = { x: round6(h.rect.x + h.rect.w / 2), y: round6(h.rect.y + h.rect.h / 2) };
      return { annotationId: h.annotationId, label: h.label, points: [{ frame: 0, ...c }, { frame: last, ...c }] };
    }),
  };
}

// ---------------------------------------------------------------------------------------------
// prompt directives

const secs = (t: number): string => `${t.toFixed(1)} s`;
const pct = (f: number): string => {
  const p = Math.round(f * 100);
  return p === 0 && f > 0 ? "<1%" : `${p}%`;
};
const EASE_WORDS: Record<Ease, string> = {
  linear: "constant speed",
  "ease-in": "ease in",
  "ease-out": "ease out",
  "ease-in-out": "ease in-out",
};

/** Where a point is, in the words an operator uses: a 3 × 3 grid, or off which edge. */
export function placeWords(p: Point): string {
  const off: string[] = [];
  if (p.x < 0) off.push("left");
  if (p.x > 1) off.push("right");
  if (p.y < 0) off.push("top");
  if (p.y > 1) off.push("bottom");
  if (off.length > 0) return `beyond the ${off.join(" and ")} edge${off.length > 1 ? "s" : ""}`;
  const col = p.x < 1 / 3 ? "left" : p.x > 2 / 3 ? "right" : "centre";
  const row = p.y < 1 / 3 ? "top" : p.y > 2 / 3 ? "bottom" : "middle";
  if (row === "middle") return col === "centre" ? "the centre" : `the ${col} of frame`;
  if (col === "centre") return `the ${row} centre`;
  return `the ${row} ${col}`;
}

/** Pan/tilt words for the camera's own move (y grows downwards). */
export function moveWords(dx: number, dy: number): string {
  const angle = (Math.atan2(-dy, dx) * 180) / Math.PI;
  const a = Math.abs(angle);
  if (a <= 22.5) return "pan right";
  if (a >= 157.5) return "pan left";
  if (a >= 67.5 && a <= 112.5) return angle > 0 ? "tilt up" : "tilt down";
  return `move ${angle > 0 ? "up" : "down"} and ${a < 90 ? "right" : "left"}`;
}

/** Frame widths per second → an operator's adjective. */
function speedWord(fractionPerSecond: number): string {
  if (fractionPerSecond < 0.15) return "slow ";
  if (fractionPerSecond > 0.5) return "fast ";
  return "";
}

/** What the picture does when the camera moves by (dx, dy): the content travels the other way. */
function contentWords(dx: number, dy: number): string {
  const h = dx > 0 ? "left" : "right";
  const v = dy > 0 ? "up" : "down";
  const horizontal = Math.abs(dx) >= Math.abs(dy) * 0.4;
  const vertical = Math.abs(dy) >= Math.abs(dx) * 0.4;
  return `so the scene slides ${horizontal && vertical ? `${v} and ${h}` : horizontal ? h : v} across the frame`;
}

function cameraDirectives(direction: Direction, explicit = false): string[] {
  const phrases: Array<{ t: number; order: number; text: string }> = [];
  direction.annotations.forEach((a, order) => {
    if (a.kind === "cameraMove") {
      const start = Math.min(a.start, a.end);
      const end = Math.max(a.start, a.end);
      const dx = a.to.x - a.from.x;
      const dy = a.to.y - a.from.y;
      const length = Math.hypot(dx, dy);
      if (length === 0) return;
      if (end === start) {
        phrases.push({ t: start, order, text: `cut ${moveWords(dx, dy).replace(/^(pan|tilt|move) /, "")} by ${pct(length)} of frame at ${secs(start)}` });
        return;
      }
      const speed = speedWord(length / (end - start));
      phrases.push({
        t: start,
        order,
        text: `${speed}${moveWords(dx, dy)} (${pct(length)} of frame) from ${secs(start)} to ${secs(end)}, ${EASE_WORDS[a.ease]}${explicit ? `, ${contentWords(dx, dy)}` : ""}`,
      });
    }
  });
  let previousZoom = 1;
  let previousT = 0;
  for (const f of direction.framing) {
    const zoom = Math.min(1 / f.rect.w, 1 / f.rect.h);
    const centre = { x: f.rect.x + f.rect.w / 2, y: f.rect.y + f.rect.h / 2 };
    const where = placeWords(centre);
    const order = direction.annotations.findIndex((a) => a.id === f.annotationId);
    const ratio = zoom / previousZoom;
    const span = f.t - previousT;
    let text: string;
    if (f.t <= 1e-9) text = `open framed on the boxed region at ${where} (${zoom.toFixed(1)}×)`;
    else if (ratio > 1 + 1e-9) text = `${span > 0 && Math.log(ratio) / span < 0.25 ? "slow " : ""}push in to the boxed region at ${where} ${zoom.toFixed(1)}× by ${secs(f.t)}`;
    else if (ratio < 1 - 1e-9) text = `pull out to the boxed region at ${where} ${zoom.toFixed(1)}× by ${secs(f.t)}`;
    else text = `reframe on the boxed region at ${where} by ${secs(f.t)}`;
    if (f.endFraming) text += " and end on that framing";
    if (explicit && f.t > 1e-9 && Math.abs(ratio - 1) > 1e-9) text += `, so the boxed region ${ratio > 1 ? "grows to fill" : "settles into"} the frame`;
    phrases.push({ t: f.t, order, text });
    previousZoom = zoom;
    previousT = f.t;
  }
  phrases.sort((a, b) => a.t - b.t || a.order - b.order);
  return phrases.map((p) => p.text);
}

function renderPrompt(direction: Direction, wording: DirectiveWording, guards: readonly RefinementGuard[]): PromptRendering {
  const explicit = wording === "explicit";
  const camera = cameraDirectives(direction, explicit);
  const holds = direction.holds.map((h) => {
    const centre = { x: h.rect.x + h.rect.w / 2, y: h.rect.y + h.rect.h / 2 };
    const name = h.label ? `the ${h.label}` : h.shape === "point" ? "the point" : "the region";
    return explicit ? `keep ${name} at ${placeWords(centre)} exactly where it is, fixed in frame` : `keep ${name} at ${placeWords(centre)} steady in frame`;
  });
  const directives: string[] = [];
  const cameraParts = [...camera, ...holds];
  directives.push(cameraParts.length > 0 ? `Camera: ${cameraParts.join("; ")}.` : "Camera: locked off, no camera movement.");
  for (const s of direction.subjects) {
    const first = s.points[0]!;
    const last = s.points[s.points.length - 1]!;
    const who = s.label ? `The ${s.label}` : "The subject";
    const via = s.points.length > 2 ? ` by way of ${placeWords(s.points[Math.floor((s.points.length - 1) / 2)]!)}` : "";
    directives.push(`${who} moves from ${placeWords(first)} to ${placeWords(last)}${via}, from ${secs(first.t)} to ${secs(last.t)}.`);
  }
  for (const n of direction.notes) directives.push(`At ${placeWords(n.at)}: ${n.text.trim()}${/[.!?]$/.test(n.text.trim()) ? "" : "."}`);
  // Guards in a fixed order, each once, whatever order the refinement listed them in.
  for (const guard of Object.keys(GUARD_SENTENCES) as RefinementGuard[]) if (guards.includes(guard)) directives.push(GUARD_SENTENCES[guard]);
  const prompt = direction.prompt.trim();
  // Camera first: the camera sentence leads and the editor's prompt follows it.
  const ordered = wording === "cameraFirst" ? [directives[0]!, prompt, ...directives.slice(1)] : [prompt, ...directives];
  return { style: "prompt", text: ordered.filter((s) => s.length > 0).join(" "), directives };
}
