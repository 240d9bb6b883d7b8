import { fitBridge, speedWords, BRIDGE_SPEED_WARN, comfortableSpans, type BridgeFit } from "../../core/bridgeFit.js";
import type { BridgeSpan, Job, ProviderInfo } from "../../core/schemas/index.js";
import { MIN_DURATION } from "../../core/schemas/index.js";
import type { PanelState } from "./createPanelStore.js";

/**
 * What Bridge mode shows and sends, derived from the store: the captured span, its length, and how
 * the chosen provider would fit it (the length it generates and the speed change), so the panel
 * warns before anything is paid for.
 */

/** The bridge span of the captured frame, when it was captured for Bridge. */
export function capturedSpan(s: Pick<PanelState, "frame">): BridgeSpan | null {
  const context = s.frame?.context;
  return context?.mode === "bridge" && context.bridge ? context.bridge : null;
}

/** The span's length in seconds at the sequence's rate. */
export function spanSeconds(s: Pick<PanelState, "frame">): number | null {
  const span = capturedSpan(s);
  if (!span || !s.frame) return null;
  const rate = s.frame.context.sequence.frameRate;
  return (span.frames * rate.den) / rate.num;
}

export function canBridge(provider: ProviderInfo | undefined): boolean {
  return provider?.capabilities.bridge !== undefined;
}

export interface BridgePlanView {
  span: BridgeSpan;
  seconds: number;
  fit: BridgeFit | null;
  /** Why the bridge cannot be drafted on this provider / at this length, in the editor's words. */
  problem: string | null;
  /** The warning for a big speed change, with a suggestion. */
  warning: string | null;
  summary: string | null;
}

/** The plan for the captured bridge on the chosen provider; null when no bridge is captured. */
export function bridgePlan(s: Pick<PanelState, "frame" | "providers" | "providerId">): BridgePlanView | null {
  const span = capturedSpan(s);
  const seconds = spanSeconds(s);
  if (!span || seconds === null) return null;
  const provider = s.providers.find((p) => p.id === s.providerId);
  const capability = provider?.capabilities.bridge;
  if (!provider || !capability) {
    return { span, seconds, fit: null, problem: `${provider?.label ?? "This provider"} cannot bridge (it takes no end frame): choose one that can.`, warning: null, summary: null };
  }
  if (seconds < MIN_DURATION - 1e-9) {
    return { span, seconds, fit: null, problem: `This ${span.kind} is ${seconds.toFixed(2)} s; Retake bridges ${MIN_DURATION} s or more.${span.kind === "cut" ? " Pick a longer bridge and capture again." : ""}`, warning: null, summary: null };
  }
  const fit = fitBridge(seconds, capability.lengths);
  const summary = `Generates ${fit.generatedSeconds} s, fitted to ${seconds.toFixed(2)} s (${speedWords(fit.speed)}); first frame A's, last frame B's.`;
  let warning: string | null = null;
  if (fit.warn) {
    const fits = comfortableSpans(capability.lengths).map((r) => `${r.min.toFixed(1)}–${r.max.toFixed(1)} s (from ${r.generated} s)`);
    warning = `The take would play ${speedWords(fit.speed)} than generated, more than ${Math.round(BRIDGE_SPEED_WARN * 100)} %: motion will look ${fit.speed > 1 ? "hurried" : "slowed"}. ${provider.label} fits bridges of ${fits.join(", ")} within that${span.kind === "cut" ? "; pick such a length and capture again" : ""}.`;
  }
  return { span, seconds, fit, problem: null, warning, summary };
}

/** The job a take belongs to, when the panel holds it (current or opened in the history). */
export function jobOfTake(s: Pick<PanelState, "job" | "openedJob">, jobId: string): Job | null {
  if (s.job?.id === jobId) return s.job;
  if (s.openedJob?.status === "ready" && s.openedJob.job.id === jobId) return s.openedJob.job;
  return null;
}

/**
 * The span length nearest `seconds` that the provider fits within BRIDGE_SPEED_WARN (the
 * editor's suggested bridge length), with the generated length it fits.
 */
export function suggestedBridgeLength(seconds: number, lengths: readonly number[]): { seconds: number; generated: number } {
  const candidates = comfortableSpans(lengths).map((r) => ({ seconds: Math.min(r.max, Math.max(r.min, seconds)), generated: r.generated }));
  return candidates.reduce((best, c) => (Math.abs(c.seconds - seconds) < Math.abs(best.seconds - seconds) ? c : best));
}

/**
 * What Draft asks once before paying for a bridge retimed beyond BRIDGE_SPEED_WARN: the speed
 * change and the length that would fit. Null when the fit is within the limit (or no bridge).
 */
export function bridgeSpeedQuestion(s: Pick<PanelState, "frame" | "providers" | "providerId">): string | null {
  const plan = bridgePlan(s);
  const lengths = s.providers.find((p) => p.id === s.providerId)?.capabilities.bridge?.lengths;
  if (!plan?.fit?.warn || !lengths) return null;
  const suggested = suggestedBridgeLength(plan.seconds, lengths);
  return `Play ${speedWords(plan.fit.speed)}? (${suggested.seconds.toFixed(1)} s fits ${suggested.generated} s within ${Math.round(BRIDGE_SPEED_WARN * 100)} %)`;
}
