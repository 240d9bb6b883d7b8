import { memo, useEffect, useId, useRef, useState } from "react";
import { COLOR_SPACE_LABEL, type FrameRate, type Take, type TargetSize } from "../../core/schemas/index.js";
import { usePanelController } from "../controller/PanelControllerContext.js";
import { TAKE_STATE_LABEL, colorTagsInWords, formatCost } from "../format.js";
import { hostWords, importedInWords } from "../hostWords.js";
import { usePanelStore, type CompareScope } from "../state/createPanelStore.js";
import { canLiftToHdr, critiqueOf, importNeedsConform, notMeasuredWords, SIZE_LABELS, upscaleCheckOf } from "../state/selectors.js";
import { JudgeFindings } from "./JudgeFindings.js";

/** The critic's own findings: the judge's are shown apart, by JudgeFindings. */
const measuredIssues = (issues: string[]) => issues.filter((i) => !i.startsWith("the judge "));
import { Spinner } from "./Spinner.js";
import { TakeMarks } from "./TakeMarks.js";
import { TakeRecord } from "./TakeRecord.js";
import { BridgeSpeed } from "./BridgeSpeed.js";
import { soundInWords } from "../soundWords.js";

interface TakeCardProps {
  take: Take;
  /** What the editor calls it ("Take 3"); also the card's accessible name. */
  name: string;
  /** The sequence rate, for the timecode of where an import landed. */
  rate: FrameRate;
  dropFrame: boolean;
  /** The current job (direct view) or a job opened in the history: the history shows the record. */
  scope: CompareScope;
  /** The job's best take (the loop's pick, or the highest score). */
  best?: boolean;
  /** A succeeded draft: offer Enhance (render it as a final master). */
  enhanceable?: boolean;
  /** Where Enhance renders, for the button's tooltip. */
  finalOn?: string;
  /** Older rounds and history cards load their video only when played (a grid may hold 20). */
  preload?: "auto" | "metadata";
  /** An upscale job's take: the size it lifts its source take to (job.upscaleOf). */
  upscaleSize?: TargetSize;
}

/**
 * An upscale take's two pictures, source and upscaled, with the critic's verdict on whether the
 * upscale kept the picture (frames, framing, structure), so nobody imports a reframed 4K by mistake.
 */
function UpscaleVerdict({ take, size, artifactUrl }: { take: Take; size: TargetSize; artifactUrl: (id: string) => string | null }) {
  const check = upscaleCheckOf(take);
  const to = take.outputs.master;
  const sourcePoster = check?.sourceTake?.posterId ? artifactUrl(check.sourceTake.posterId) : null;
  const upscaledPoster = take.outputs.poster ? artifactUrl(take.outputs.poster.id) : null;
  return (
    <div className={`upscale-verdict ${check ? (check.passed ? "upscale-kept" : "upscale-changed") : ""}`} aria-label="Upscale check">
      {sourcePoster && upscaledPoster && (
        <div className="upscale-pair">
          <figure>
            <img src={sourcePoster} alt="Source take's poster frame" loading="lazy" decoding="async" />
            <figcaption className="small muted">Source</figcaption>
          </figure>
          <figure>
            <img src={upscaledPoster} alt="Upscaled take's poster frame" loading="lazy" decoding="async" />
            <figcaption className="small muted">Upscaled</figcaption>
          </figure>
        </div>
      )}
      <p className="small">
        {check
          ? `Source ${check.source.width}×${check.source.height} (${check.source.frames} frames) → upscaled ${check.upscaled.width}×${check.upscaled.height} (${check.upscaled.frames} frames)`
          : `Upscale to ${SIZE_LABELS[size]}${to?.width ? `: ${to.width}×${to.height}` : ""}`}
      </p>
      {check ? (
        <p className={check.passed ? "small" : "draft-reason"} role={check.passed ? undefined : "alert"}>
          {check.passed ? "✓ " : "✗ "}
          {check.summary}
          {check.reasons.length > 1 ? ` Also: ${check.reasons.slice(1).join(" ")}` : ""}
        </p>
      ) : (
        take.state === "succeeded" && <p className="small muted">The upscale could not be checked against its source.</p>
      )}
    </div>
  );
}

/** "12% short, 4° off, 0.3 s late" — a subject path's errors, or "as drawn" within tolerance. */
function subjectFigures(s: { amountError: number | null; directionError: number | null; timingError: number | null }): string {
  const parts: string[] = [];
  if (s.amountError !== null && Math.abs(s.amountError) > 15) parts.push(`${Math.round(Math.abs(s.amountError))}% ${s.amountError < 0 ? "short" : "too far"}`);
  if (s.directionError !== null && s.directionError > 10) parts.push(`${Math.round(s.directionError)}° off`);
  if (s.timingError !== null && Math.abs(s.timingError) > 0.3) parts.push(`${Math.abs(s.timingError).toFixed(1)} s ${s.timingError > 0 ? "late" : "early"}`);
  return parts.length ? parts.join(", ") : "follows its path as drawn";
}

/**
 * One take: progress while it renders, then the proxy to watch, its score and critique, what its
 * request changed, tags and cost; Import, star, note, compare, enhance and the other card actions.
 */
export const TakeCard = memo(function TakeCard({ take, name, rate, dropFrame, scope, best = false, enhanceable = false, finalOn, preload = "auto", upscaleSize }: TakeCardProps) {
  const controller = usePanelController();
  const importStatus = usePanelStore((s) => s.imports[take.id]);
  const action = usePanelStore((s) => s.takeActions[take.id]);
  const conform = usePanelStore((s) => s.conforms[take.id]);
  const liftable = usePanelStore((s) => canLiftToHdr(take, s.hostContext, s.providers));
  const comparing = usePanelStore((s) => s.compare[scope].includes(take.id));
  const words = hostWords(usePanelStore((s) => s.hostContext?.host));
  const toggleCompare = usePanelStore((s) => s.toggleCompare);
  const titleId = useId();
  const working = take.state === "queued" || take.state === "running";
  const percent = Math.round(take.progress * 100);
  const proxyUrl = take.outputs.proxy ? controller.artifactUrl(take.outputs.proxy.id) : null;
  const posterUrl = take.outputs.poster ? controller.artifactUrl(take.outputs.poster.id) : null;
  const masterTags = take.outputs.master?.colorTags;
  const importing = importStatus?.state === "importing";
  const canceling = importStatus?.state === "canceling";
  const critique = critiqueOf(take);
  const retryable = scope === "direct" && take.state === "failed" && take.error?.retryable === true;
  const conformOffered = importNeedsConform(importStatus) || conform?.state === "conforming";
  const changes = take.variant?.changes ?? [];
  // The master's sound (what lands on the timeline) and whether the proxy can play it here.
  const sound = take.outputs.master?.audio;
  const proxySound = take.outputs.proxy?.audio !== undefined;
  const videoRef = useRef<HTMLVideoElement | null>(null);
  const [listening, setListening] = useState(false);
  // Previews start muted (a grid of takes must not all play sound); unmuted only on demand.
  useEffect(() => {
    const video = videoRef.current;
    if (!video) return;
    video.muted = !listening;
    if (listening) void video.play().catch(() => undefined);
  }, [listening]);
  /** A judge finding's marker: show the preview at that time, paused, so the editor sees what the model saw. */
  const seek = (t: number) => {
    const video = videoRef.current;
    if (!video) return;
    video.pause();
    video.currentTime = t;
  };

  return (
    <article className={`take-card take-${take.state}${best ? " take-best" : ""}`} aria-label={name}>
      <header className="take-head">
        <h3 id={titleId} className="take-title">
          {name}
        </h3>
        {best && (
          <span className="best-chip" title="The job's best-scored take">
            Best
          </span>
        )}
        <span className={`state-chip state-${take.state}`}>{TAKE_STATE_LABEL[take.state]}</span>
        {upscaleSize && (
          <span className="best-chip" title="An upscale of a finished take: the same picture at a larger size">
            Upscale · {SIZE_LABELS[upscaleSize]}
          </span>
        )}
        {critique && (
          <span
            className={`score-chip${notMeasuredWords(critique) ? " score-partial" : ""}`}
            title={
              notMeasuredWords(critique)
                ? "The critic's score against the direction (0–100), over what it could measure only: what it could not measure neither costs nor earns points"
                : "The critic's score against the direction (0–100)"
            }
          >
            Score {Math.round(critique.score)}
            {notMeasuredWords(critique) && <span className="text-warning"> · {notMeasuredWords(critique)}</span>}
          </span>
        )}
        {sound && (
          <span className="sound-chip" data-testid="take-sound" title={`This take has sound: ${soundInWords(sound)}. It lands on the timeline linked to the picture.`}>
            <span aria-hidden="true">♪</span> Sound · {soundInWords(sound)}
          </span>
        )}
        <span className="take-cost" title={take.cost.estimated ? "Estimated cost" : "Cost"}>
          {formatCost(take.cost)}
        </span>
      </header>

      {working && (
        <div className="take-progress">
          <div
            className="progress"
            role="progressbar"
            aria-label={`${name} progress`}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={percent}
            aria-valuetext={`${percent}% ${take.message}`.trim()}
          >
            <div className="progress-fill" style={{ width: `${percent}%` }} />
          </div>
          <p className="take-message">{take.message || (take.state === "queued" ? "Waiting to start…" : "Rendering…")}</p>
        </div>
      )}

      {proxyUrl ? (
        <video
          ref={videoRef}
          className="take-video"
          src={proxyUrl}
          poster={posterUrl ?? undefined}
          controls
          muted
          loop
          playsInline
          preload={preload}
          aria-label={`${name} preview`}
        />
      ) : (
        posterUrl && <img className="take-video" src={posterUrl} alt={`${name} poster frame`} loading="lazy" decoding="async" />
      )}
      {proxyUrl && proxySound && (
        <button type="button" className="button button-small" aria-pressed={listening} onClick={() => setListening((on) => !on)}>
          {listening ? "Mute" : "Play with sound"}
        </button>
      )}

      {upscaleSize && <UpscaleVerdict take={take} size={upscaleSize} artifactUrl={(id) => controller.artifactUrl(id)} />}

      {changes.length > 0 && (
        <ul className="take-changes small" aria-label={`What ${name} changed`}>
          {changes.map((change) => (
            <li key={change}>{change}</li>
          ))}
        </ul>
      )}

      {critique && (
        <div className="take-critique">
          <p className="small">{critique.judge ? critique.critique.split(" A vision model (")[0] : critique.critique}</p>
          {critique.camera.measurable === false && (
            <p className="small text-warning">
              Camera move could not be measured: {critique.camera.unmeasured ?? "the background could not be seen well enough"}. It is neither rewarded nor
              penalised, and Auto-refine does not correct it.
            </p>
          )}
          {(critique.adherence?.subjects.length ?? 0) > 0 && (
            <ul className="small take-subjects" aria-label={`Subject paths in ${name}`}>
              {critique.adherence!.subjects.map((s) => (
                <li key={s.annotationId}>
                  {s.label || "Subject"}: {s.measurable ? subjectFigures(s) : "could not be measured"}
                </li>
              ))}
            </ul>
          )}
          {critique.judge && <JudgeFindings judge={critique.judge} duration={critique.clip?.duration} name={name} onSeek={seek} />}
          {measuredIssues(critique.issues).length > 0 && (
            <ul className="small muted" aria-label={`What the critic measured in ${name}`}>
              {measuredIssues(critique.issues).map((issue) => (
                <li key={issue}>{issue}</li>
              ))}
            </ul>
          )}
        </div>
      )}

      <dl className="take-facts">
        {masterTags ? (
          <>
            <dt>Master</dt>
            <dd className={masterTags.agree ? "" : "text-warning"}>{colorTagsInWords(masterTags)}</dd>
            {!masterTags.agree &&
              masterTags.problems.map((problem) => (
                <dd key={problem} className="text-warning small">
                  {problem}
                </dd>
              ))}
            {(masterTags.warnings ?? []).map((note) => (
              <dd key={note} className="muted small">
                {note}
              </dd>
            ))}
          </>
        ) : (
          take.state === "succeeded" && (
            <>
              <dt>Master</dt>
              <dd className="muted">No master yet ({COLOR_SPACE_LABEL[take.colorSpace]} when rendered)</dd>
            </>
          )
        )}
        {take.retime && <BridgeSpeed retime={take.retime} />}
        {!working && take.state !== "failed" && !restatesState(take) && (
          <>
            <dt>Status</dt>
            <dd>{take.message}</dd>
          </>
        )}
      </dl>

      {take.notes && take.notes.length > 0 && (
        <ul className="take-notes small muted" aria-label={`${name} delivery notes`}>
          {take.notes.map((note) => (
            <li key={note}>{note}</li>
          ))}
        </ul>
      )}

      {take.state === "failed" && take.error && <p className="take-error">{take.error.message}</p>}
      {take.state === "canceled" && <p className="muted">This take was canceled.</p>}

      <TakeMarks take={take} name={name} />

      <div className="take-actions">
        {/* While an import runs its button stops it; a canceled import can be started again. */}
        {importing || canceling ? (
          <button
            type="button"
            className="button"
            onClick={() => void controller.cancelImport(take.id)}
            disabled={canceling}
            aria-busy={canceling}
            title="Stop this import: nothing more is downloaded, imported or placed"
          >
            {canceling && <Spinner />}
            {canceling ? "Canceling import…" : "Cancel import"}
          </button>
        ) : (
          <button
            type="button"
            className="button button-primary"
            onClick={() => void controller.importTake(take.id)}
            disabled={take.state !== "succeeded"}
          >
            Import
          </button>
        )}
        {enhanceable && (
          <button
            type="button"
            className="button"
            onClick={() => void controller.enhance(take.jobId, take.id)}
            disabled={action !== undefined}
            aria-busy={action === "enhancing"}
            title={`Render this draft as a final master${finalOn ? ` on ${finalOn}` : ""}, with the same direction, wording and seed`}
          >
            {action === "enhancing" && <Spinner />}
            Enhance
          </button>
        )}
        <button
          type="button"
          className="button"
          aria-pressed={comparing}
          disabled={take.state !== "succeeded" || !proxyUrl}
          onClick={() => toggleCompare(scope, take.id)}
          title="Pick two takes to play them side by side"
        >
          Compare
        </button>
        {retryable && (
          <button
            type="button"
            className="button"
            onClick={() => void controller.retryTake(take.id)}
            disabled={action !== undefined}
            aria-busy={action === "retrying"}
            title="Send this take to the provider again"
          >
            {action === "retrying" && <Spinner />}
            Retry
          </button>
        )}
        {liftable && (
          <button
            type="button"
            className="button"
            onClick={() => void controller.upconvertTake(take.id)}
            disabled={action !== undefined}
            aria-busy={action === "upconverting"}
            title={`The ${words.sequence} is HDR and this take is SDR: render an HDR version as a new take`}
          >
            {action === "upconverting" && <Spinner />}
            Lift to HDR
          </button>
        )}
        {scope === "direct" && (
          <button
            type="button"
            className="button"
            onClick={() => void controller.reopen(take.jobId)}
            title="Bring back this take's frame, drawings, prompt and duration to change them and draft again"
          >
            Reopen
          </button>
        )}
        {importing && <span className="muted small">Importing onto the timeline…</span>}
        {action === "enhancing" && <span className="muted small">Sending the final…</span>}
      </div>
      {importStatus?.state === "placed" && (
        <p className="import-result" role="status">
          {importedInWords(importStatus.result, rate, dropFrame)}
          <span className="muted">
            {" "}
            · {words.bin} “{importStatus.result.binName}”
          </span>
        </p>
      )}
      {importStatus?.state === "placed" && importStatus.result.guidance && (
        <p className="hint" role="note">
          {importStatus.result.guidance}
        </p>
      )}
      {importStatus?.state === "canceled" && (
        <p className="muted small" role="status">
          {importStatus.message}
        </p>
      )}
      {importStatus?.state === "failed" && (
        <p className="take-error" role="alert">
          {importStatus.message}
        </p>
      )}
      {conformOffered && (
        <div className="take-actions">
          <button
            type="button"
            className="button"
            onClick={() => void controller.conformTake(take.id)}
            disabled={action !== undefined}
            aria-busy={conform?.state === "conforming"}
            title={`Make a master in the ${words.sequence}'s color space (every tag agreeing), then import it`}
          >
            {conform?.state === "conforming" && <Spinner />}
            Conform
          </button>
          {conform?.state === "conforming" && (
            <span className="muted small" role="status">
              Conforming the master to the {words.sequence}…
            </span>
          )}
        </div>
      )}
      {conform?.state === "failed" && (
        <p className="take-error" role="alert">
          {conform.message}
        </p>
      )}
      {conform?.state === "done" && (
        <div className="conform-result" role="status">
          <p className="small">
            Conformed{masterTags ? `: ${colorTagsInWords(masterTags)}` : ""}.{importStatus ? "" : " Import it again to place it."}
          </p>
          {conform.notes.length > 0 && (
            <ul className="small muted">
              {conform.notes.map((note) => (
                <li key={note}>{note}</li>
              ))}
            </ul>
          )}
        </div>
      )}
      {scope === "history" && <TakeRecord take={take} name={name} />}
    </article>
  );
});

/** A message that only repeats the state chip ("Ready", "succeeded") is not worth a line. */
function restatesState(take: Take): boolean {
  const message = take.message.trim().toLowerCase();
  return message === "" || message === take.state || message === TAKE_STATE_LABEL[take.state].toLowerCase();
}
