/**
 * The critic: one pass over a take, frame by frame, producing a Critique.
 *
 * ffmpeg decodes and scales to the analysis size (frames.ts); each frame goes, in order, to the
 * camera tracker, the frame statistics (flicker, frozen, black), the exposure meter and, when the
 * direction pins regions, the hold meter. Nothing keeps more than the anchor, the previous and
 * the first frame. After the last frame the series become measurements, the direction (if any)
 * is compared with them, and the findings are scored and put into words.
 */
import { cameraPathEvaluator } from "../../core/direction/cameraPath.js";
import type { Direction } from "../../core/schemas/direction.js";
import { measureAdherence, firstFrameMapper, CONFIDENT } from "./adherence.js";
import { CameraTracker, type CameraSample } from "./cameraTracker.js";
import { SubjectMeter, type SubjectStart } from "./subjects.js";
import { cameraVerdict } from "./confidence.js";
import { compareFirstFrame } from "./continuity.js";
import { compareLastFrame, END_WINDOW_SECONDS, TrailingFrames } from "./bridgeEnds.js";
import { Critique } from "./critiqueSchema.js";
import { ExposureMeter } from "./exposure.js";
import { analysisSize, ANALYSIS_WIDTH, decodeLuma, decodeStill, probeClip } from "./frames.js";
import { HoldMeter, type HoldRegion } from "./holds.js";
import { scoreFindings } from "./score.js";
import { FrameStatsCollector, measureStability, round } from "./stability.js";

export interface CritiqueOptions {
  direction?: Direction;
  /** The captured frame (PNG/JPEG) the take should start from. */
  framePath?: string;
  /** Bridges: B's captured frame (PNG/JPEG) the take should end on. */
  endFramePath?: string;
  signal?: AbortSignal;
  analysisWidth?: number;
}

export async function critiqueClip(clipPath: string, options: CritiqueOptions = {}): Promise<Critique> {
  const started = performance.now();
  const info = await probeClip(clipPath, options.signal);
  const size = analysisSize(info, options.analysisWidth ?? ANALYSIS_WIDTH);
  const aspect = info.width / info.height;

  const tracker = new CameraTracker(size.width, size.height);
  const stats = new FrameStatsCollector();
  const exposure = new ExposureMeter(info);
  const holds = new HoldMeter(holdRegions(options.direction), size.width, size.height);
  const subjects = new SubjectMeter(subjectStarts(options.direction), size.width, size.height);
  // Each hold's content is followed like a subject's, from its region's centre over its region.
  const holdFollower = new SubjectMeter(
    holdRegions(options.direction).map((h) => ({ annotationId: h.annotationId, label: h.label, x: h.rect.x + h.rect.w / 2, y: h.rect.y + h.rect.h / 2, t: 0, half: { w: h.rect.w / 2, h: h.rect.h / 2 } })),
    size.width,
    size.height,
  );
  let firstSignal: Float32Array | null = null;
  let lastSample: CameraSample | null = null;
  const captured = options.framePath ? decodeStill(options.framePath, size.width, size.height, options.signal) : null;
  captured?.catch(() => undefined); // awaited below; avoid an unhandled rejection meanwhile
  const endCaptured = options.endFramePath ? decodeStill(options.endFramePath, size.width, size.height, options.signal) : null;
  endCaptured?.catch(() => undefined);
  const trailing = endCaptured ? new TrailingFrames(Math.max(2, Math.ceil(info.fps * END_WINDOW_SECONDS))) : null;

  const frames = await decodeLuma(
    clipPath,
    info,
    (frame) => {
      firstSignal ??= frame.signal;
      trailing?.push(frame.signal);
      const sample = tracker.push(frame.index, frame.t, frame.signal);
      stats.push(frame.t, frame.signal);
      exposure.push(frame.t, frame.signal);
      if (tracker.current) {
        const cut = track0Cut(tracker, frame.index);
        subjects.push(frame.t, tracker.previous, tracker.current, tracker.state, cut);
        holdFollower.push(frame.t, tracker.previous, tracker.current, tracker.state, cut);
        holds.push(tracker.current, sample, false, (id) => holdFollower.positionOf(id));
      }
      lastSample = sample;
    },
    { signal: options.signal, width: size.width },
  );
  if (frames === 0 || !firstSignal) throw new Error("The clip has no video frames to critique.");
  if (lastSample && tracker.current) holds.push(tracker.current, lastSample, true, (id) => holdFollower.positionOf(id));

  const track = tracker.finish();
  const path = track.path;
  const duration = frames / info.fps;
  const first = path[0]!;
  const last = path[path.length - 1]!;
  const span = Math.max(last.t - first.t, 1e-9);
  const matches = path.slice(1).map((p) => p.match).sort((a, b) => a - b);
  const verdict0 = cameraVerdict(path);

  const findings = {
    version: 1 as const,
    clip: {
      width: info.width,
      height: info.height,
      fps: round(info.fps, 4),
      frames,
      duration: round(duration, 4),
      analysis: size,
      transfer: info.transfer,
      primaries: info.primaries,
    },
    camera: {
      path: path.map((p) => ({ t: round(p.t, 4), x: round(p.x, 5), y: round(p.y, 5), zoom: round(p.zoom, 5), confidence: round(p.confidence, 3) })),
      velocity: { x: round((last.x - first.x) / span, 5), y: round((last.y - first.y) / span, 5) },
      zoomRate: round((last.zoom - first.zoom) / span, 5),
      finalRoll: round(last.roll, 3),
      trackingConfidence: round(matches.length ? matches[Math.floor(matches.length / 2)]! : 1, 4),
      confidence: round(verdict0.confidence, 3),
      measurable: verdict0.confidence >= CONFIDENT,
      unmeasured: verdict0.confidence >= CONFIDENT ? null : verdict0.reason,
      method: "features",
    },
    continuity: {
      firstFrame: captured ? compareFirstFrame(await captured, firstSignal, size.width, size.height) : null,
      ...(endCaptured && trailing ? { lastFrame: compareLastFrame(await endCaptured, trailing.all, size.width, size.height, info.fps) } : {}),
    },
    stability: measureStability(stats.stats, path, track.cuts, info.fps, options.direction ? directedMotion(options.direction) : undefined),
    exposure: exposure.result(),
    adherence: options.direction
      ? measureAdherence({ direction: options.direction, path, aspect, holds: holds.result(verdict0.confidence >= CONFIDENT, verdict0.reason), subjects: subjects.result(), cameraReason: verdict0.reason })
      : null,
  };
  const verdict = scoreFindings(findings);
  return Critique.parse({ ...findings, ...verdict, elapsed: round((performance.now() - started) / 1000, 3) });
}

/**
 * Whether the directed camera moves visibly in [start, end] (sampled every 1/48 s): by more than
 * half a percent of the frame, of zoom, or 0.2° of roll from where it was at `start`. The quiet
 * ends of an eased move drift less than that over a tenth of a second, so identical frames there
 * are the direction's own stillness, not a stall; a freeze in the middle of a move is far above it.
 */
const VISIBLE_MOVE = 0.005;
const VISIBLE_ROLL_DEGREES = 0.2;
function directedMotion(direction: Direction): (start: number, end: number) => boolean {
  const at = cameraPathEvaluator(direction.camera.keyframes);
  return (start, end) => {
    const a = at(start);
    for (let t = start; t <= end + 1e-9; t += 1 / 48) {
      const b = at(t);
      if (
        Math.abs(b.x - a.x) > VISIBLE_MOVE ||
        Math.abs(b.y - a.y) > VISIBLE_MOVE ||
        Math.abs(Math.log(b.zoom / a.zoom)) > VISIBLE_MOVE ||
        Math.abs(b.roll - a.roll) > VISIBLE_ROLL_DEGREES
      ) {
        return true;
      }
    }
    return false;
  };
}

/** Whether the tracker called frame `index` the first of a new shot. */
function track0Cut(tracker: CameraTracker, index: number): boolean {
  return tracker.cutAt(index);
}

/** Each subject path's first point, in the take's first-frame fractions. */
function subjectStarts(direction: Direction | undefined): SubjectStart[] {
  if (!direction || direction.subjects.length === 0) return [];
  const toFirst = firstFrameMapper(direction);
  return direction.subjects.map((s) => {
    const p = toFirst({ x: s.points[0]!.x, y: s.points[0]!.y, zoom: 1, roll: 0 });
    return { annotationId: s.annotationId, label: s.label, x: p.x, y: p.y, t: s.points[0]!.t };
  });
}

/** Hold rectangles from the direction, re-expressed in the take's first-frame fractions. */
function holdRegions(direction: Direction | undefined): HoldRegion[] {
  if (!direction || direction.holds.length === 0) return [];
  const toFirst = firstFrameMapper(direction);
  return direction.holds.map((h) => {
    const a = toFirst({ x: h.rect.x, y: h.rect.y, zoom: 1, roll: 0 });
    const b = toFirst({ x: h.rect.x + h.rect.w, y: h.rect.y + h.rect.h, zoom: 1, roll: 0 });
    return { annotationId: h.annotationId, label: h.label, rect: { x: a.x, y: a.y, w: b.x - a.x, h: b.y - a.y } };
  });
}
