import type { Direction } from "./schemas/direction.js";
/**
 * Fitting a bridge: providers generate anchored clips at fixed lengths (Luma 5 s, Veo 4/6/8 s), a
 * gap is whatever the edit left. Trimming either end would throw away an anchor, so the clip is
 * generated at the shortest offered length at or above the span and played faster (a constant
 * speed change) to fit it; when the span is longer than every offered length, the longest is
 * slowed down. Pure: the panel uses it to warn before paying, the backend to retime.
 */

/** Above this change of speed (either way) the panel warns before paying and suggests a length. */
export const BRIDGE_SPEED_WARN = 0.25;

export interface BridgeFit {
  /** Seconds to ask the provider for. */
  generatedSeconds: number;
  /** Generated length over placed length: 1.2 plays 20 % faster than generated. */
  speed: number;
  /** The speed change is beyond BRIDGE_SPEED_WARN. */
  warn: boolean;
}

/** The length to generate for a span of `spanSeconds`, and the speed change that fits it. */
export function fitBridge(spanSeconds: number, lengths: readonly number[]): BridgeFit {
  if (!(spanSeconds > 0) || !Number.isFinite(spanSeconds)) throw new RangeError(`A bridge must span a positive time (got ${spanSeconds} s).`);
  const sorted = [...lengths].filter((l) => l > 0).sort((a, b) => a - b);
  if (sorted.length === 0) throw new RangeError("The provider offers no bridge lengths.");
  const generatedSeconds = sorted.find((l) => l >= spanSeconds - 1e-6) ?? sorted.at(-1)!;
  const speed = generatedSeconds / spanSeconds;
  return { generatedSeconds, speed, warn: Math.abs(speed - 1) > BRIDGE_SPEED_WARN + 1e-9 };
}

/** "20 % faster", "12 % slower", "no speed change" — for the take card and the warning. */
export function speedWords(speed: number): string {
  const percent = Math.round(Math.abs(speed - 1) * 100);
  if (percent === 0) return "no speed change";
  return `${percent} % ${speed > 1 ? "faster" : "slower"}`;
}

/**
 * Span lengths (seconds) a provider fits within the warning limit: what the panel suggests
 * when the span is too far from every offered length ("a cut bridge of 4 s fits Veo's 4 s").
 */
export function comfortableSpans(lengths: readonly number[]): Array<{ min: number; max: number; generated: number }> {
  return [...lengths].sort((a, b) => a - b).map((l) => ({ min: l / (1 + BRIDGE_SPEED_WARN), max: l / (1 - BRIDGE_SPEED_WARN), generated: l }));
}

/**
 * Which source frames make output frame i of a constant-speed retime from `sourceFrames` to
 * `outputFrames` frames: output i sits at source position i·(S−1)/(M−1), blended linearly between
 * the two frames around it. Output 0 is source 0 and output M−1 is source S−1, exactly: the
 * anchors are kept, never blended away.
 */
export function retimeTaps(sourceFrames: number, outputFrames: number): Array<{ from: number; to: number; weight: number }> {
  if (!Number.isInteger(sourceFrames) || sourceFrames < 1) throw new RangeError(`A retime needs at least one source frame (got ${sourceFrames}).`);
  if (!Number.isInteger(outputFrames) || outputFrames < 1) throw new RangeError(`A retime needs at least one output frame (got ${outputFrames}).`);
  if (outputFrames === 1) return [{ from: 0, to: 0, weight: 0 }];
  const step = (sourceFrames - 1) / (outputFrames - 1);
  return Array.from({ length: outputFrames }, (_, i) => {
    const position = i === outputFrames - 1 ? sourceFrames - 1 : i * step;
    const from = Math.min(sourceFrames - 1, Math.floor(position + 1e-9));
    const weight = position - from < 1e-6 ? 0 : position - from;
    return { from, to: Math.min(sourceFrames - 1, from + (weight > 0 ? 1 : 0)), weight };
  });
}

/**
 * The direction as a bridge's provider must generate it: the editor drew it on the span (what
 * lands on the timeline, and what the critic judges), the provider generates a longer (or
 * shorter) clip that is then retimed to the span, so every compiled time is scaled by
 * generated / span. The drawings themselves are left as drawn.
 */
export function directionForGeneratedLength(direction: Direction, generatedSeconds: number): Direction {
  const k = generatedSeconds / direction.duration;
  if (!(k > 0) || Math.abs(k - 1) < 1e-9) return direction;
  return {
    ...direction,
    duration: generatedSeconds,
    camera: { keyframes: direction.camera.keyframes.map((f) => ({ ...f, t: f.t * k })) },
    framing: direction.framing.map((f) => ({ ...f, t: f.t * k })),
    subjects: direction.subjects.map((s) => ({ ...s, points: s.points.map((p) => ({ ...p, t: p.t * k })) })),
  };
}
