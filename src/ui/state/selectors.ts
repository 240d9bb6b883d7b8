import { TERMINAL_TAKE_STATES, type Annotation, type Take } from "../../core/schemas/index.js";
import type { PanelState } from "./createPanelStore.js";
import { takesOfJob } from "./takeMerge.js";

/** Derived values shared by components and the controller (pure, so they can be tested). */

/** Why Draft cannot run right now, or null when it can. */
export function draftBlocker(s: PanelState): string | null {
  // A draft sent mid-capture would direct from the previous frame (and its color space).
  if (s.busy.capturing) return "Waiting for the frame capture to finish.";
  if (!s.frame) return "Capture a frame first.";
  if (s.connection.status !== "ready") return "Waiting for the backend connection.";
  if (!s.providerId) return "No generation provider is available.";
  if (s.busy.drafting) return "Sending the draft…";
  return null;
}

export function selectedAnnotation(s: PanelState): Annotation | null {
  return s.annotations.find((a) => a.id === s.selectedId) ?? null;
}

/** The playhead or sequence changed since the frame was captured. */
export function playheadMovedSinceCapture(s: PanelState): boolean {
  if (!s.frame || !s.hostContext) return false;
  const captured = s.frame.context.sequence;
  return captured.playhead.ticks !== s.hostContext.playhead.ticks || captured.sequenceName !== s.hostContext.sequenceName;
}

export function currentTakes(s: PanelState): Take[] {
  return s.job ? takesOfJob(s.takes, s.job.id) : [];
}

export function jobProgress(takes: readonly Take[]): { done: number; total: number; usd: number; estimated: boolean } {
  return {
    done: takes.filter((t) => TERMINAL_TAKE_STATES.has(t.state)).length,
    total: takes.length,
    usd: takes.reduce((sum, t) => sum + t.cost.usd, 0),
    estimated: takes.some((t) => t.cost.estimated),
  };
}
