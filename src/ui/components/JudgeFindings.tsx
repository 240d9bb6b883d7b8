import type { JudgeView } from "../state/selectors.js";

const KIND_WORDS: Record<string, string> = {
  morphing: "morphing",
  extraLimbs: "extra limbs",
  missingLimbs: "missing limbs",
  garbledText: "garbled text",
  pop: "pop",
  identityDrift: "identity drift",
  physics: "physics",
  other: "artefact",
};

const pct = (v: number) => `${Math.round(v * 100)}%`;

/**
 * What the vision-model judge believes about a take, shown apart from what the critic measured:
 * a marker on the preview's time line for each finding (a click plays from there), then the
 * findings in words with their time and the model's confidence. A judge that gave no answer says
 * why; the take is then scored by its measurements alone.
 */
export function JudgeFindings({ judge, duration, name, onSeek }: { judge: JudgeView; duration: number | undefined; name: string; onSeek: (t: number) => void }) {
  if (judge.state === "failed") {
    return (
      <p className="small muted judge-failed">
        Judge ({judge.model}) gave no verdict: {judge.error?.message ?? "no answer"} Scored by measurements only.
      </p>
    );
  }
  const verdicts = [
    judge.subject && judge.subject.verdict !== "yes" ? `subject: ${judge.subject.verdict} (${pct(judge.subject.confidence)}) — ${judge.subject.note}` : null,
    judge.action && judge.action.verdict !== "yes" ? `action: ${judge.action.verdict} (${pct(judge.action.confidence)}) — ${judge.action.note}` : null,
  ].filter((v): v is string => v !== null);
  return (
    <section className="judge-findings" aria-label={`What the judge believes about ${name}`}>
      {duration && judge.findings.length > 0 ? (
        <div className="judge-markers" role="group" aria-label={`Judge findings on ${name}'s time line`}>
          {judge.findings.map((f, i) => (
            <button
              key={`${f.t}-${f.kind}-${i}`}
              type="button"
              className={`judge-marker${f.confidence >= 0.5 ? "" : " judge-marker-weak"}`}
              style={{ left: `${Math.min(100, (f.t / duration) * 100)}%` }}
              title={`${f.t.toFixed(1)} s: ${KIND_WORDS[f.kind] ?? f.kind} (${pct(f.confidence)}) — ${f.note}`}
              aria-label={`${KIND_WORDS[f.kind] ?? f.kind} at ${f.t.toFixed(1)} s`}
              onClick={() => onSeek(f.t)}
            />
          ))}
        </div>
      ) : null}
      <p className="small">
        <strong>Judge</strong> <span className="muted">({judge.model}, a model's belief, not a measurement; measured score {Math.round(judge.measuredScore)})</span>
        {verdicts.length === 0 && judge.findings.length === 0 ? ": shows what was asked, no artefacts seen." : ":"}
      </p>
      {verdicts.length + judge.findings.length > 0 && (
        <ul className="small judge-list">
          {verdicts.map((v) => (
            <li key={v}>{v}</li>
          ))}
          {judge.findings.map((f, i) => (
            <li key={`${f.t}-${f.kind}-${i}`}>
              <button type="button" className="link-button" onClick={() => onSeek(f.t)}>
                {f.t.toFixed(1)} s
              </button>{" "}
              {KIND_WORDS[f.kind] ?? f.kind} ({pct(f.confidence)}): {f.note}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
