/**
 * The 0–100 score and the sentence the editor reads. The score is 100 less named penalties, each
 * tied to one finding, so the number is never a mystery: the Critique lists them.
 *
 * Tolerances match what the critic can measure (docs/critic.md): direction within 5°, amount
 * within 10 %, timing within 0.2 s, zoom within 5 % cost nothing.
 */
import type { Critique, JudgeArtefactKind, JudgeSection, JudgeVerdict } from "./critiqueSchema.js";

type Findings = Omit<Critique, "score" | "penalties" | "critique" | "issues" | "elapsed">;

interface Penalty {
  aspect: string;
  points: number;
  reason: string;
}

const cap = (v: number, max: number) => Math.max(0, Math.min(max, v));
const secs = (t: number) => `${t.toFixed(1)} s`;

function flickerWords(index: number, peak: number): string {
  const level = Math.max(index, peak / 2);
  return level < 2 ? "slight flicker" : level < 5 ? "flicker" : "strong flicker";
}

export function scoreFindings(f: Findings): { score: number; penalties: Penalty[]; critique: string; issues: string[] } {
  const penalties: Penalty[] = [];
  const good: string[] = [];
  const add = (aspect: string, points: number, reason: string) => {
    if (points > 0.05) penalties.push({ aspect, points: Math.round(points * 10) / 10, reason });
  };

  const a = f.adherence;
  if (a) {
    // A move the critic could not measure neither costs nor earns anything: its phrase says so.
    for (const m of a.cameraMoves) {
      if (m.measurable === false) continue;
      const points =
        cap((m.directionError - 5) * 0.5, 25) +
        cap((Math.abs(m.amountError) - 10) * 0.4, 20) +
        cap((Math.abs(m.timingError ?? 0) - 0.2) * 10, 15);
      if (points > 0.05) add(`camera move ${m.annotationId}`, points, m.phrase);
      else good.push(m.phrase);
    }
    for (const b of a.framing) {
      if (b.measurable === false) continue;
      const points = cap((Math.abs(b.zoomError) - 5) * 0.5, 20) + cap(b.centreError - 3, 20) + cap((Math.abs(b.timingError ?? 0) - 0.2) * 10, 10);
      if (points > 0.05) add(`framing ${b.annotationId}`, points, b.phrase);
      else good.push(b.phrase);
    }
    for (const h of a.holds) {
      if (h.measurable === false) continue;
      const points = cap((h.maxDrift - 1.5) * 4, 20) + (h.minMatch < 0.7 ? 10 : 0);
      if (points > 0.05) add(`hold ${h.annotationId}`, points, h.phrase);
      else good.push(h.phrase);
    }
    for (const p of a.subjects) {
      if (!p.measurable) continue;
      const points =
        cap(((p.directionError ?? 0) - 10) * 0.5, 20) + cap((Math.abs(p.amountError ?? 0) - 15) * 0.3, 15) + cap((Math.abs(p.timingError ?? 0) - 0.3) * 8, 10);
      if (points > 0.05) add(`subject ${p.annotationId}`, points, p.phrase);
      else good.push(p.phrase);
    }
    if (a.staticDrift !== null && a.staticMeasured === false) {
      // Said in words below; not scored.
    } else if (a.staticDrift !== null) {
      if (a.staticDrift > 2) add("static camera", cap((a.staticDrift - 2) * 2, 25), `the camera should hold still but drifts ${a.staticDrift.toFixed(0)}% of the frame`);
      else good.push("camera holds still as asked");
    }
  }

  const s = f.stability;
  if (s.cuts.length > 0) add("cuts", cap(20 * s.cuts.length, 40), `hard cut${s.cuts.length > 1 ? "s" : ""} at ${s.cuts.map((c) => secs(c.t)).join(", ")}`);
  for (const b of s.black) add("black", cap(10 + (b.end - b.start) * 10, 30), `black from ${secs(b.start)} to ${secs(b.end)}`);
  for (const z of s.frozen) {
    // Under a directed static camera a frozen picture is what was asked; otherwise a stall.
    const stall = z.directedMotion === true || (z.directedMotion === null && z.end - z.start >= 1);
    if (stall) add("frozen", cap(5 + (z.end - z.start) * 5, 20), `picture frozen from ${secs(z.start)} to ${secs(z.end)}`);
  }
  if (s.flicker.spans.length > 0) {
    const first = s.flicker.spans[0]!;
    const peak = Math.max(...s.flicker.spans.map((x) => x.peak));
    const where = first.start < 0.3 && s.flicker.spans.at(-1)!.end > f.clip.duration - 0.3 ? "throughout" : `after ${secs(first.start).replace(".0 s", " s")}`;
    add("flicker", cap((s.flicker.index - 0.5) * 5, 20) + 1, `${flickerWords(s.flicker.index, peak)} ${where}`);
  }
  const jitter = Math.max(s.jitter.x, s.jitter.y);
  if (f.camera.measurable !== false && (jitter > 0.15 || s.jitter.zoom > 0.2)) add("jitter", cap((jitter - 0.15) * 20, 15) + cap((s.jitter.zoom - 0.2) * 10, 5), `shaky camera (jitter ${jitter.toFixed(2)}% of the frame)`);

  const e = f.exposure;
  if (e.clippedHighlights > 0.02) add("exposure", cap((e.clippedHighlights - 0.02) * 100, 10), `${Math.round(e.clippedHighlights * 100)}% of the picture clipped in the highlights`);
  if (e.crushedShadows > 0.05) add("exposure", cap((e.crushedShadows - 0.05) * 100, 10), `${Math.round(e.crushedShadows * 100)}% of the picture crushed to black`);

  const c = f.continuity.firstFrame;
  if (c) {
    if (c.similarity < 0.9) add("continuity", cap((0.9 - c.similarity) * 60, 30), `starts ${c.similarity < 0.5 ? "far from" : "off from"} the captured frame (similarity ${c.similarity.toFixed(2)})`);
    else good.push("starts on the captured frame");
  }
  // Bridges: the end is judged like the start, against B's frame.
  const end = f.continuity.lastFrame;
  if (end) {
    if (end.similarity < 0.9) add("end continuity", cap((0.9 - end.similarity) * 60, 30), `ends ${end.similarity < 0.5 ? "far from" : "off from"} B's frame (similarity ${end.similarity.toFixed(2)})`);
    else if (end.arrivesEarly > 0.25) add("end continuity", cap((end.arrivesEarly - 0.25) * 10, 8), `ends ${end.arrivesEarly.toFixed(1)} s early on B's framing, then holds`);
    else good.push("ends on B's frame");
  }

  const total = penalties.reduce((sum, p) => sum + p.points, 0);
  const score = Math.round(Math.max(0, Math.min(100, 100 - total)));
  penalties.sort((x, y) => y.points - x.points);
  const issues = penalties.map((p) => p.reason);
  // Adherence sentences in direction order (asked-for things first), then the rest worst first.
  const adherencePhrases = a
    ? [...a.cameraMoves.map((m) => m.phrase), ...a.framing.map((b) => b.phrase), ...a.subjects.map((p) => p.phrase), ...a.holds.map((h) => h.phrase)]
    : [];
  const others = penalties.filter((p) => !/^(camera move|framing|hold|subject) /.test(p.aspect)).map((p) => p.reason);
  // Said once when no adherence phrase already says it (no direction, or a static camera asked).
  const unmeasured =
    f.camera.measurable === false && !adherencePhrases.some((p) => p.includes("camera move could not be measured"))
      ? [`camera move could not be measured: ${f.camera.unmeasured ?? "the background could not be seen well enough"}`]
      : [];
  const parts = [...adherencePhrases, ...unmeasured, ...others];
  const sentence = parts.length > 0 ? parts.join("; ") : a ? "does what was asked, cleanly" : "clean: no cuts, flicker, shake or exposure problems found";
  return { score, penalties, critique: `${sentence.charAt(0).toUpperCase()}${sentence.slice(1)}.`, issues };
}

/**
 * Judge weights (docs/critic.md, "The judge"): points at full confidence. A finding costs its
 * weight times the model's confidence; findings under JUDGE_MIN_CONFIDENCE cost nothing (shown,
 * not scored), and the judge's points together are capped at JUDGE_CAP so a model's belief never
 * outweighs everything the critic measured.
 */
export const JUDGE_WEIGHTS = {
  subject: { no: 30, partly: 12 },
  action: { no: 20, partly: 8 },
  artefact: { morphing: 15, extraLimbs: 15, missingLimbs: 12, identityDrift: 12, pop: 10, physics: 10, garbledText: 8, other: 5 } satisfies Record<JudgeArtefactKind, number>,
} as const;
export const JUDGE_MIN_CONFIDENCE = 0.5;
export const JUDGE_CAP = 50;

export const ARTEFACT_WORDS: Record<JudgeArtefactKind, string> = {
  morphing: "a face or body morphs",
  extraLimbs: "extra limbs",
  missingLimbs: "missing limbs",
  garbledText: "garbled text",
  pop: "an object pops in or out",
  identityDrift: "the subject drifts from who is in the start frame",
  physics: "physics breaks",
  other: "an artefact",
};

/**
 * Adds the judge's penalties to a measured critique. The measured penalties and sentence stay as
 * they were; the judge's are named "judge …" and its sentence says it is a model's belief.
 */
export function foldJudge(measured: Critique, judge: Omit<JudgeSection, "measuredScore">): Critique {
  const section: JudgeSection = { ...judge, measuredScore: measured.score };
  const base = { ...measured, judge: section };
  if (judge.state !== "judged") return base;
  const points: Penalty[] = [];
  const verdict = (name: "subject" | "action", v: JudgeVerdict | null, words: (v: JudgeVerdict) => string) => {
    if (!v || v.verdict === "yes" || v.confidence < JUDGE_MIN_CONFIDENCE) return;
    points.push({ aspect: `judge ${name}`, points: JUDGE_WEIGHTS[name][v.verdict] * v.confidence, reason: words(v) });
  };
  verdict("subject", judge.subject, (v) => `the judge (${judge.model}) believes the take ${v.verdict === "no" ? "does not show" : "only partly shows"} what the prompt asks: ${v.note}`);
  verdict("action", judge.action, (v) => `the judge (${judge.model}) believes the asked action ${v.verdict === "no" ? "does not happen" : "only partly happens"}: ${v.note}`);
  for (const f of judge.findings) {
    if (f.confidence < JUDGE_MIN_CONFIDENCE) continue;
    points.push({ aspect: `judge ${f.kind}`, points: JUDGE_WEIGHTS.artefact[f.kind] * f.confidence, reason: `the judge believes ${ARTEFACT_WORDS[f.kind]} at ${secs(f.t)} (${Math.round(f.confidence * 100)}%): ${f.note}` });
  }
  // Scale down together when over the cap, so the ranking between findings is kept.
  const total = points.reduce((s, p) => s + p.points, 0);
  const scale = total > JUDGE_CAP ? JUDGE_CAP / total : 1;
  const judged = points.map((p) => ({ ...p, points: Math.round(p.points * scale * 10) / 10 })).filter((p) => p.points > 0.05);
  if (judged.length === 0) return base;
  const penalties = [...measured.penalties, ...judged].sort((x, y) => y.points - x.points);
  const score = Math.round(Math.max(0, Math.min(100, measured.score - judged.reduce((s, p) => s + p.points, 0))));
  const critique = `${measured.critique} A vision model (${judge.model}) believes: ${judged.map((p) => p.reason.replace(/^the judge(?: \([^)]*\))? believes /, "")).join("; ")}.`;
  return { ...base, score, penalties, issues: penalties.map((p) => p.reason), critique };
}
