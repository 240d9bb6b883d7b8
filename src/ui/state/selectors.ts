import { bridgePlan } from "./bridgeSelectors.js";
import { z } from "zod";
import {
  TERMINAL_TAKE_STATES,
  isHdr,
  type Annotation,
  type AutoSettings,
  type CostEstimate,
  type Job,
  type Money,
  type ProviderInfo,
  type SequenceContext,
  type Take,
  type TargetSize,
} from "../../core/schemas/index.js";
import type { CompareScope, PanelState } from "./createPanelStore.js";
import { takesOfJob } from "./takeMerge.js";
import { formatUsd } from "../format.js";

/** Derived values shared by components and the controller (pure, so they can be tested). */

/** Why Draft cannot run right now, or null when it can. */
export function draftBlocker(s: PanelState): string | null {
  // A draft sent mid-capture would direct from the previous frame (and its color space).
  if (s.busy.capturing) return "Waiting for the frame capture to finish.";
  if (!s.frame) return "Capture a frame first.";
  if (s.connection.status !== "ready") return "Waiting for the backend connection.";
  if (!s.providerId) return "No generation provider is available.";
  const bridge = bridgePlan(s);
  if (bridge?.problem) return bridge.problem;
  if (s.busy.drafting) return s.mode === "final" ? "Sending the final…" : "Sending the draft…";
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
  return { done: takes.filter((t) => TERMINAL_TAKE_STATES.has(t.state)).length, total: takes.length, ...spentOn(takes) };
}

/** The first available provider that can lift SDR to HDR, if any. */
export function upconvertProvider(providers: readonly ProviderInfo[]): ProviderInfo | null {
  return providers.find((p) => p.available && p.capabilities.upconvert === true) ?? null;
}

/**
 * Whether a take can be offered "Lift to HDR": the sequence is HDR, the take succeeded, the
 * picture the provider delivered is SDR (its kept source, else the master: an SDR take conformed
 * into a PQ container is still SDR picture) and some available provider can upconvert.
 */
export function canLiftToHdr(take: Take, sequence: SequenceContext | null, providers: readonly ProviderInfo[]): boolean {
  if (!sequence || !isHdr(sequence.colorSpace) || take.state !== "succeeded") return false;
  const transfer = (take.outputs.source?.colorTags ?? take.outputs.master?.colorTags)?.colr?.transfer;
  if (transfer === undefined || transfer === 16 || transfer === 18) return false;
  return upconvertProvider(providers) !== null;
}

/**
 * An import the host refused over color that Retake can fix: the gate's suggestion says
 * "Conform the take…"; when it says Retake cannot conform it, a Conform button would only fail.
 */
export function importNeedsConform(status: { state: string; code?: string; message?: string } | undefined): boolean {
  return status?.state === "failed" && status.code === "color_mismatch" && !/cannot conform/i.test(status.message ?? "");
}

const SubjectView = z.object({
  annotationId: z.string(),
  label: z.string().catch(""),
  phrase: z.string(),
  measurable: z.boolean(),
  amountError: z.number().nullable().catch(null),
  directionError: z.number().nullable().catch(null),
  timingError: z.number().nullable().catch(null),
});
/** What the vision-model judge believes (issue 20), apart from the measurements; absent when no judge looked. */
const JudgeView = z.object({
  service: z.string(),
  model: z.string(),
  state: z.enum(["judged", "failed"]),
  error: z.object({ code: z.string(), message: z.string() }).nullable().catch(null),
  subject: z.object({ verdict: z.string(), confidence: z.number(), note: z.string() }).nullable().catch(null),
  action: z.object({ verdict: z.string(), confidence: z.number(), note: z.string() }).nullable().catch(null),
  findings: z
    .array(z.object({ t: z.number(), kind: z.string(), confidence: z.number(), note: z.string(), where: z.object({ x: z.number(), y: z.number(), w: z.number(), h: z.number() }).nullable().catch(null) }))
    .catch([]),
  measuredScore: z.number(),
  cost: z.object({ usd: z.number(), estimated: z.boolean() }),
});
export type JudgeView = z.infer<typeof JudgeView>;

const CritiqueView = z.object({
  score: z.number(),
  /** The take's length, for placing findings on the scrubber. */
  clip: z.object({ duration: z.number() }).optional().catch(undefined),
  judge: JudgeView.optional().catch(undefined),
  critique: z.string(),
  issues: z.array(z.string()).catch([]),
  /** Whether the camera's path could be measured (absent before issue 12: it was taken as measured). */
  camera: z.object({ measurable: z.boolean().optional(), confidence: z.number().optional(), unmeasured: z.string().nullable().optional() }).catch({}),
  /** Per drawn subject path: what the critic found (issue 12). */
  adherence: z.object({ subjects: z.array(SubjectView).catch([]) }).nullable().catch(null),
});
export type CritiqueView = z.infer<typeof CritiqueView>;

/**
 * What the score leaves out, in words for the score chip ("camera not measured"), or null. A move
 * the critic could not measure costs nothing, so its score would otherwise read like a perfect
 * match (docs/critic.md "Score and words").
 */
export function notMeasuredWords(critique: CritiqueView): string | null {
  const parts: string[] = [];
  if (critique.camera.measurable === false) parts.push("camera");
  const subjects = critique.adherence?.subjects.filter((s) => !s.measurable) ?? [];
  if (subjects.length === 1) parts.push(subjects[0]!.label ? `"${subjects[0]!.label}"` : "subject path");
  else if (subjects.length > 1) parts.push(`${subjects.length} subject paths`);
  return parts.length ? `${parts.join(" and ")} not measured` : null;
}

/** An upscale take's check against its source take (the critic's upscaleCheck), as the card shows it. */
const UpscaleCheckView = z.object({
  passed: z.boolean(),
  summary: z.string(),
  reasons: z.array(z.string()).catch([]),
  source: z.object({ width: z.number(), height: z.number(), frames: z.number() }),
  upscaled: z.object({ width: z.number(), height: z.number(), frames: z.number() }),
  sourceTake: z.object({ takeId: z.string(), posterId: z.string().optional() }).optional(),
});
export type UpscaleCheckView = z.infer<typeof UpscaleCheckView>;

/** The upscale check in a take's critique, or null (not an upscale, or the check could not run). */
export function upscaleCheckOf(take: Take): UpscaleCheckView | null {
  const parsed = UpscaleCheckView.safeParse((take.critique as { upscale?: unknown } | null)?.upscale);
  return parsed.success ? parsed.data : null;
}

/** DCI's 256:135 within 1 % (the backend's rule, upscaleJob.ts): DCI 4K is offered only there. */
export function isDciShaped(frameSize: { width: number; height: number }): boolean {
  return Math.abs(frameSize.width / frameSize.height / (4096 / 2160) - 1) < 0.01;
}

/** The sizes Enhance offers for a sequence, with their words. */
export function enhanceSizes(frameSize: { width: number; height: number }): Array<{ size: TargetSize; label: string }> {
  const sizes: Array<{ size: TargetSize; label: string }> = [
    { size: "1080p", label: "1080p" },
    { size: "2160p", label: "UHD 2160p" },
  ];
  return isDciShaped(frameSize) ? [...sizes, { size: "dci4k", label: "DCI 4K" }] : sizes;
}

export const SIZE_LABELS: Record<TargetSize, string> = { "1080p": "1080p", "2160p": "UHD 2160p", dci4k: "DCI 4K" };

/** The critic's verdict on a take (score, sentence, issues), or null when absent or unreadable. */
export function critiqueOf(take: Take): CritiqueView | null {
  const parsed = CritiqueView.safeParse(take.critique);
  return parsed.success ? parsed.data : null;
}

/** The auto settings a draft is sent with, or undefined (a final, or Auto-refine off). */
export function autoSettingsOf(s: Pick<PanelState, "mode" | "auto">): AutoSettings | undefined {
  return s.mode === "draft" && s.auto.enabled ? { target: s.auto.target, rounds: s.auto.rounds } : undefined;
}

/**
 * What the editor is asked to confirm before spending: the most the job can cost (every round
 * of an auto job), when that, or the first round, is above the backend's confirmation threshold.
 * Null when no confirmation is needed.
 */
export function confirmationAmount(estimate: CostEstimate): Money | null {
  const most = estimate.maxTotal ?? estimate.total;
  const needed = estimate.needsConfirmation || most.usd > estimate.budget.confirmAboveUsd;
  return needed ? most : null;
}

/**
 * The one question Draft asks before paying, or null to send at once: a bridge retimed beyond
 * the speed limit (`bridgeQuestion`, from bridgeSpeedQuestion) and/or an amount above the
 * confirmation threshold ("Spend ≈ $0.30?"). Both go in one question, asked once.
 */
export function draftQuestion(estimate: CostEstimate | null, bridgeQuestion: string | null): string | null {
  const amount = estimate ? confirmationAmount(estimate) : null;
  const spend = amount ? `Spend ${estimate?.maxTotal ? "up to " : ""}${amount.estimated ? "≈ " : ""}${formatUsd(amount.usd)}?` : null;
  const parts = [bridgeQuestion, spend].filter((p): p is string => p !== null);
  return parts.length > 0 ? parts.join(" ") : null;
}

/** Spent so far on a job: its takes' costs, estimated when any of them is. */
export function spentOn(takes: readonly Take[]): Money {
  return { usd: takes.reduce((sum, t) => sum + t.cost.usd, 0), estimated: takes.some((t) => t.cost.estimated) };
}

/** Whether the job may still change: a take rendering, or an auto job's loop still running. */
export function jobRunning(job: Pick<Job, "loop"> | null, takes: readonly Take[]): boolean {
  if (job?.loop?.state === "running") return true;
  return takes.some((t) => !TERMINAL_TAKE_STATES.has(t.state));
}

/** Available providers that render finals (where an Enhance can be sent). */
export function finalProviders(providers: readonly ProviderInfo[]): ProviderInfo[] {
  return providers.filter((p) => p.available && p.capabilities.modes.includes("final"));
}

/**
 * The provider an Enhance goes to: the editor's pick when it still renders finals, else the
 * job's own provider when it does, else the first that does; null when none can.
 */
export function enhanceProviderFor(job: Pick<Job, "provider">, providers: readonly ProviderInfo[], picked: string | null): ProviderInfo | null {
  const able = finalProviders(providers);
  return able.find((p) => p.id === picked) ?? able.find((p) => p.id === job.provider) ?? able[0] ?? null;
}

/** A take an Enhance can render as a final: a succeeded draft. */
export function canEnhance(job: Pick<Job, "mode">, take: Take): boolean {
  return job.mode === "draft" && take.state === "succeeded";
}

/** The takes a view holds (the current job's, or the opened history job's), by id. */
export function takesInScope(s: PanelState, scope: CompareScope): Readonly<Record<string, Take>> {
  if (scope === "direct") return s.takes;
  return s.openedJob?.status === "ready" ? s.openedJob.takes : {};
}

/** The job a view shows. */
export function jobInScope(s: PanelState, scope: CompareScope): Job | null {
  if (scope === "direct") return s.job;
  return s.openedJob?.status === "ready" ? s.openedJob.job : null;
}

/** The two takes picked for compare in a view, once both are there (else null). */
export function comparedTakes(s: PanelState, scope: CompareScope): [Take, Take] | null {
  const takes = takesInScope(s, scope);
  const [a, b] = s.compare[scope].map((id) => takes[id]);
  return a && b ? [a, b] : null;
}
