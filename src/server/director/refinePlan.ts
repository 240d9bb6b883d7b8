/**
 * Turns a critique into the next round's requests (issue 6: "stronger or reworded camera
 * directives, added keyframes, other seeds"). Pure: the same critique and seeds give the same
 * variants, so the plan is testable without a provider or ffmpeg.
 *
 * The model it assumes is the simplest that explains a short or late move: the provider did a
 * fraction of what was asked, so asking for 1/fraction of it lands where the editor drew. The
 * corrections compound across rounds (a take's variant records what it was asked; the critic
 * measures it against the editor's drawing), and the takes of a round spread the correction
 * (×1, ×1.25, ×0.8, ×1.5 of its logarithm) so one round brackets the right amount rather than
 * betting on one guess. Take 1 of a round keeps the best take's seed where the provider takes
 * seeds, so it differs from its parent only by the corrections.
 */
import { shiftedSpan } from "../../core/direction/applyVariant.js";
import { moveWords } from "../../core/direction/renderForProvider.js";
import type { Annotation, AnnotationEmphasis, DirectiveWording, Direction, RefinementGuard, Take, TakeVariant } from "../../core/schemas/index.js";
import { Critique, type JudgeArtefactKind } from "../critic/critiqueSchema.js";
import { ARTEFACT_WORDS, JUDGE_MIN_CONFIDENCE } from "../critic/score.js";

export interface PlanCapabilities {
  /** The provider takes a seed (the same seed can be sent again). */
  seed: boolean;
  /** The provider takes camera keyframes (the directed path can be sent as views of the frame). */
  keyframes: boolean;
}

export interface PlanContext {
  direction: Direction;
  capabilities: PlanCapabilities;
  /** Takes to plan. */
  count: number;
  randomSeed: () => number;
}

const WORDINGS: readonly DirectiveWording[] = ["plain", "cameraFirst", "explicit"];
const WORDING_WORDS: Record<DirectiveWording, string> = {
  plain: "plain wording",
  cameraFirst: "camera directive first",
  explicit: "camera reworded explicitly (what the picture does)",
};
/** How much of the correction each take of a round applies (exponent on the correction factor). */
export const CORRECTION_SPREAD = [1, 1.25, 0.8, 1.5] as const;

/** Tolerances under which a finding is left alone (the critic's own, docs/critic.md). */
const AMOUNT_TOLERANCE_PCT = 10;
const TIMING_TOLERANCE_S = 0.2;
const DIRECTION_REWORD_DEG = 15;
const ZOOM_TOLERANCE_PCT = 5;
const CENTRE_TOLERANCE_PCT = 3;
/** Never ask for less than 0.4× or more than 3× what was drawn: past that, the model is not undershooting. */
const MIN_AMOUNT = 0.4;
const MAX_AMOUNT = 3;

export function plainVariant(): TakeVariant {
  return { wording: "plain", emphasis: [], pathKeyframes: false, guards: [], changes: [] };
}

/** Round 1: the direction as drawn, in rotating wordings, each take with its own seed. */
export function firstRoundVariants(ctx: PlanContext): TakeVariant[] {
  return Array.from({ length: ctx.count }, (_, i) => {
    const wording = WORDINGS[i % WORDINGS.length]!;
    return { ...plainVariant(), seed: ctx.randomSeed(), wording, changes: wording === "plain" ? [] : [WORDING_WORDS[wording]] };
  });
}

interface Correction {
  annotationId: string;
  /** Amount and lead the parent was asked, and the ones that would have landed. */
  from: AnnotationEmphasis;
  to: AnnotationEmphasis;
  /** Why, in words, without the numbers each take puts in ("take 3 moved 35% short"). */
  amountWhy?: string;
  leadWhy?: string;
  name: string;
  /** The drawn span, for saying when an earlier ask had to shorten the move. */
  span?: { start: number; end: number; duration: number };
}

export interface RefinementPlan {
  variants: TakeVariant[];
  /** The corrections in one line each, for the reasoning log. */
  summary: string[];
}

/**
 * The next round from the best take so far. `number` is the take's 1-based number as the panel
 * shows it ("take 3").
 */
export function planRefinement(ctx: PlanContext, best: { take: Take; number: number }): RefinementPlan {
  const parsed = Critique.safeParse(best.take.critique);
  const base = best.take.variant ?? plainVariant();
  const label = `take ${best.number}`;
  const corrections = new Map<string, Correction>();
  const guards = new Set<RefinementGuard>(base.guards);
  const notes: string[] = [];
  let wording = base.wording;
  let pathKeyframes = base.pathKeyframes;
  /** The judge saw artefacts: they may come from the seed, so no take keeps it. */
  let freshSeeds = false;
  const annotations = new Map(ctx.direction.annotations.map((a) => [a.id, a]));
  const emphasisOf = (id: string): AnnotationEmphasis => base.emphasis.find((e) => e.annotationId === id) ?? { annotationId: id, amount: 1, lead: 0 };
  const correction = (id: string, name: string): Correction => {
    const existing = corrections.get(id);
    if (existing) return existing;
    const from = emphasisOf(id);
    const created: Correction = { annotationId: id, from, to: { ...from }, name };
    corrections.set(id, created);
    return created;
  };

  if (parsed.success) {
    const c = parsed.data;
    const a = c.adherence;
    // Only what the critic measured with confidence is corrected (issue 12): a move it could not
    // see (the subject filled the frame) says nothing about what the provider did.
    for (const m of (a?.cameraMoves ?? []).filter((x) => x.measurable !== false)) {
      const name = nameOf(annotations.get(m.annotationId));
      if (Math.abs(m.amountError) > AMOUNT_TOLERANCE_PCT) {
        const done = Math.max(0.1, 1 + m.amountError / 100);
        const k = correction(m.annotationId, name);
        k.to.amount = clamp(k.from.amount / done, MIN_AMOUNT, MAX_AMOUNT);
        k.amountWhy = m.amountError < 0 ? `${label} moved ${Math.round(-m.amountError)}% short` : `${label} overshot by ${Math.round(m.amountError)}%`;
      }
      if (m.timingError !== null && Math.abs(m.timingError) > TIMING_TOLERANCE_S) {
        const k = correction(m.annotationId, name);
        const drawn = annotations.get(m.annotationId);
        k.to.lead = k.from.lead + m.timingError;
        k.leadWhy = `${label} was ${Math.abs(m.timingError).toFixed(1)} s ${m.timingError > 0 ? "late" : "early"}`;
        if (drawn?.kind === "cameraMove") k.span = { start: drawn.start, end: drawn.end, duration: ctx.direction.duration };
      }
      if (m.directionError > DIRECTION_REWORD_DEG) {
        if (wording !== "explicit") notes.push(`${name} reworded explicitly: ${label} moved ${Math.round(m.directionError)}° off its direction`);
        wording = "explicit";
        if (ctx.capabilities.keyframes) pathKeyframes = true;
      }
    }
    for (const f of (a?.framing ?? []).filter((x) => x.measurable !== false)) {
      const name = nameOf(annotations.get(f.annotationId));
      const askedPush = f.expected.zoom - 1;
      if (Math.abs(f.zoomError) > ZOOM_TOLERANCE_PCT && Math.abs(askedPush) > 0.05) {
        const done = Math.max(0.1, (f.measured.zoom - 1) / askedPush);
        const k = correction(f.annotationId, name);
        k.to.amount = clamp(k.from.amount / done, MIN_AMOUNT, MAX_AMOUNT);
        k.amountWhy = `${label} reached ${f.measured.zoom.toFixed(1)}× of ${f.expected.zoom.toFixed(1)}×`;
      }
      if (f.timingError !== null && Math.abs(f.timingError) > TIMING_TOLERANCE_S) {
        const k = correction(f.annotationId, name);
        k.to.lead = k.from.lead + f.timingError;
        k.leadWhy = `${label} was ${Math.abs(f.timingError).toFixed(1)} s ${f.timingError > 0 ? "late" : "early"}`;
        const drawn = annotations.get(f.annotationId);
        if (drawn?.kind === "framingBox") k.span = { start: drawn.time, end: drawn.time, duration: ctx.direction.duration };
      }
      if (f.centreError > CENTRE_TOLERANCE_PCT && ctx.capabilities.keyframes && !pathKeyframes) {
        pathKeyframes = true;
        notes.push(`${name}: ${label} framed ${Math.round(f.centreError)}% of the frame off the box`);
      }
    }
    const drifted = (a?.holds ?? []).filter((h) => h.measurable !== false && h.maxDrift > 1.5);
    if (drifted.length > 0 && !guards.has("pinned")) {
      guards.add("pinned");
      notes.push(`held regions asked for firmly: ${label} let ${drifted.length === 1 ? "one" : drifted.length} drift up to ${Math.round(Math.max(...drifted.map((h) => h.maxDrift)))}% of the frame`);
    }
    if (a?.staticDrift != null && a.staticMeasured !== false && a.staticDrift > 2) addGuard("lockedOff", `${label}'s camera drifted ${Math.round(a.staticDrift)}% of the frame`);
    const s = c.stability;
    if (s.cuts.length > 0) addGuard("continuous", `${label} cuts at ${s.cuts.map((x) => `${x.t.toFixed(1)} s`).join(", ")}`);
    if (s.flicker.spans.length > 0) addGuard("steadyExposure", `${label} flickers`);
    if (c.camera.measurable !== false && Math.max(s.jitter.x, s.jitter.y) > 0.15) addGuard("steadyCamera", `${label} shakes`);
    if (s.frozen.some((z) => z.directedMotion === true)) addGuard("keepMoving", `${label} freezes while it should move`);
    const first = c.continuity.firstFrame;
    if (first && first.similarity < 0.9) addGuard("startOnFrame", `${label} starts away from the captured frame (similarity ${first.similarity.toFixed(2)})`);
    // Bridges: the end anchor is refined the same way as the start.
    const last = c.continuity.lastFrame;
    if (last && last.similarity < 0.9) addGuard("endOnFrame", `${label} ends away from B's frame (similarity ${last.similarity.toFixed(2)})`);
    else if (last && last.arrivesEarly > 0.25) addGuard("endOnFrame", `${label} reaches B's framing ${last.arrivesEarly.toFixed(1)} s early and holds`);

    // What the vision-model judge believes (issue 20), said as its belief in the reasoning log.
    const j = c.judge;
    if (j?.state === "judged") {
      const judgeSays = `the judge (${j.model}) believes ${label}`;
      const missed = [j.subject && j.subject.verdict !== "yes" && j.subject.confidence >= JUDGE_MIN_CONFIDENCE ? `${j.subject.verdict === "no" ? "does not show" : "only partly shows"} what the prompt asks` : null, j.action && j.action.verdict !== "yes" && j.action.confidence >= JUDGE_MIN_CONFIDENCE ? `${j.action.verdict === "no" ? "misses" : "only partly does"} the asked action` : null].filter((x): x is string => x !== null);
      if (missed.length > 0) {
        addGuard("followPrompt", `${judgeSays} ${missed.join(" and ")}`);
        // Reworded: the editor's prompt leads again when the camera sentence had been put first.
        if (wording === "cameraFirst") {
          wording = "plain";
          notes.push("the prompt put first again, before the camera directive");
        }
      }
      const sure = j.findings.filter((f) => f.confidence >= JUDGE_MIN_CONFIDENCE);
      for (const kind of new Set(sure.map((f) => f.kind))) {
        const guard = ARTEFACT_GUARDS[kind];
        const at = sure.filter((f) => f.kind === kind).map((f) => `${f.t.toFixed(1)} s`);
        if (guard) addGuard(guard, `${judgeSays} shows ${ARTEFACT_WORDS[kind]} at ${at.join(", ")}`);
      }
      if (sure.length > 0 && ctx.capabilities.seed && base.seed !== undefined) {
        freshSeeds = true;
        notes.push(`new seeds for every take: ${label}'s artefacts may come from its seed`);
      }
    }
  }
  if (pathKeyframes && !base.pathKeyframes && !notes.some((n) => n.includes("keyframes"))) notes.push("the directed camera path added as keyframes");

  function addGuard(guard: RefinementGuard, why: string) {
    if (guards.has(guard)) return;
    guards.add(guard);
    notes.push(`${GUARD_WORDS[guard]}: ${why}`);
  }

  const active = [...corrections.values()].filter((k) => k.to.amount !== k.from.amount || k.to.lead !== k.from.lead);
  const summary = [
    ...active.map((k) => correctionWords(k, k.to)),
    ...notes,
  ];
  if (summary.length === 0) summary.push(parsed.success ? `nothing in ${label}'s critique a request can change; other seeds and wording` : `${label} has no readable critique; other seeds and wording`);

  const variants = Array.from({ length: ctx.count }, (_, i): TakeVariant => {
    const spread = CORRECTION_SPREAD[i % CORRECTION_SPREAD.length]!;
    const emphasis: AnnotationEmphasis[] = mergeEmphasis(base.emphasis, active.map((k) => spreadCorrection(k, spread)));
    const takeWording = i < 2 ? wording : WORDINGS[(WORDINGS.indexOf(wording) + i - 1) % WORDINGS.length]!;
    const keepSeed = i === 0 && ctx.capabilities.seed && base.seed !== undefined && !freshSeeds;
    const seed = keepSeed ? base.seed! : ctx.randomSeed();
    const changes = [
      ...active.map((k) => correctionWords(k, emphasis.find((e) => e.annotationId === k.annotationId)!)),
      ...notes,
      ...(takeWording !== wording ? [WORDING_WORDS[takeWording]] : []),
      ...(ctx.capabilities.seed ? [keepSeed ? `same seed as ${label}` : "new seed"] : []),
    ];
    return { seed, wording: takeWording, emphasis, pathKeyframes, guards: [...guards], refines: best.take.id, changes };
  });
  return { variants, summary };
}

const GUARD_WORDS: Record<RefinementGuard, string> = {
  continuous: "one continuous shot asked",
  steadyExposure: "steady exposure asked",
  startOnFrame: "asked to begin exactly on the captured frame",
  endOnFrame: "asked to arrive on B's frame exactly at the last frame",
  steadyCamera: "a stabilised camera asked",
  lockedOff: "a locked-off camera asked",
  keepMoving: "asked to keep moving to the end",
  pinned: "held regions asked for firmly",
  followPrompt: "asked to show what the prompt describes",
  stableAnatomy: "negative words against morphing and extra limbs",
  legibleText: "negative words against garbled text",
  noPops: "negative words against popping objects",
  sameIdentity: "asked to keep the people from the start frame",
  plausiblePhysics: "negative words against impossible physics",
};

/** The guard each artefact the judge saw adds to the next request ("other" only changes the seed). */
const ARTEFACT_GUARDS: Record<JudgeArtefactKind, RefinementGuard | null> = {
  morphing: "stableAnatomy",
  extraLimbs: "stableAnatomy",
  missingLimbs: "stableAnatomy",
  garbledText: "legibleText",
  pop: "noPops",
  identityDrift: "sameIdentity",
  physics: "plausiblePhysics",
  other: null,
};

/** The correction scaled for one take: the logarithm of the amount, and the lead, times `spread`. */
function spreadCorrection(k: Correction, spread: number): AnnotationEmphasis {
  const ratio = k.to.amount / k.from.amount;
  const lead = k.from.lead + (k.to.lead - k.from.lead) * spread;
  return {
    annotationId: k.annotationId,
    amount: round3(clamp(k.from.amount * Math.pow(ratio, spread), MIN_AMOUNT, MAX_AMOUNT)),
    lead: round3(k.span ? clampLead(lead, k.span) : lead),
  };
}

/**
 * No more lead than the take has room for while the move keeps at least half its drawn length
 * (shortened around its new midpoint, applyVariant): more would turn a pan into a jump cut, or
 * be recorded but never sent.
 */
function clampLead(lead: number, span: { start: number; end: number; duration: number }): number {
  const mid = (span.start + span.end) / 2;
  const quarter = (span.end - span.start) / 4;
  return clamp(lead, mid + quarter - span.duration, mid - quarter);
}

function mergeEmphasis(base: readonly AnnotationEmphasis[], next: readonly AnnotationEmphasis[]): AnnotationEmphasis[] {
  const byId = new Map(base.map((e) => [e.annotationId, e]));
  for (const e of next) byId.set(e.annotationId, e);
  return [...byId.values()];
}

function correctionWords(k: Correction, e: AnnotationEmphasis): string {
  const parts: string[] = [];
  if (k.amountWhy && e.amount !== k.from.amount) {
    const pct = Math.round(Math.abs(e.amount - 1) * 100);
    const asked = e.amount === 1 ? "asked as drawn" : `asked ${pct}% ${e.amount > 1 ? "stronger" : "gentler"} than drawn`;
    parts.push(`${k.name} ${asked} (${k.amountWhy})`);
  }
  if (k.leadWhy && e.lead !== k.from.lead) {
    const lead = e.lead;
    let when = Math.abs(lead) < 0.05 ? "asked on time" : `asked ${Math.abs(lead).toFixed(1)} s ${lead > 0 ? "earlier" : "later"} than drawn`;
    if (k.span) {
      // Say so when the take had no room to move it whole: it is then asked to be quicker.
      const [start, end] = shiftedSpan(k.span.start, k.span.end, lead, k.span.duration);
      const drawnSpan = k.span.end - k.span.start;
      if (end - start < drawnSpan - 0.05) when += `, over ${(end - start).toFixed(1)} s instead of ${drawnSpan.toFixed(1)} s (${start.toFixed(1)}–${end.toFixed(1)} s)`;
    }
    parts.push(`${k.name} ${when} (${k.leadWhy})`);
  }
  return parts.join("; ");
}

function nameOf(a: Annotation | undefined): string {
  if (!a) return "the drawing";
  if (a.kind === "cameraMove") return `the ${moveWords(a.to.x - a.from.x, a.to.y - a.from.y)}`;
  if (a.kind === "framingBox") return "the framing";
  return "the drawing";
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
const round3 = (v: number) => Math.round(v * 1000) / 1000;
