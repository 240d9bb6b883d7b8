import { useId, useMemo } from "react";
import { AUTO_MAX_ROUNDS, JobMode, MAX_DURATION, MIN_DURATION, PlacementMode } from "../../core/schemas/index.js";
import { usePanelController } from "../controller/PanelControllerContext.js";
import { SoundSwitch } from "./SoundSwitch.js";
import { defaultModelFor, durationRangeFor, maxCountFor, modelChoices, modelLabel, offersExr, pickedModel, usePanelStore } from "../state/createPanelStore.js";
import { hostWords } from "../hostWords.js";
import { bridgePlan, canBridge } from "../state/bridgeSelectors.js";
import { NumberField } from "./NumberField.js";

/** Prompt, duration, number of takes, provider and placement: the words around the drawing. */
export function DirectionForm() {
  const promptId = useId();
  const providerId = useId();
  const modelSelectId = useId();
  const placementId = useId();
  const qualityId = useId();
  const exrId = useId();
  const autoId = useId();
  const words = hostWords(usePanelStore((s) => s.hostContext?.host));
  const auto = usePanelStore((s) => s.auto);
  const setAuto = usePanelStore((s) => s.setAuto);
  const mode = usePanelStore((s) => s.mode);
  const setMode = usePanelStore((s) => s.setMode);
  const exr = usePanelStore((s) => s.exr);
  const setExr = usePanelStore((s) => s.setExr);
  const prompt = usePanelStore((s) => s.prompt);
  const setPrompt = usePanelStore((s) => s.setPrompt);
  const duration = usePanelStore((s) => s.duration);
  const setDuration = usePanelStore((s) => s.setDuration);
  const count = usePanelStore((s) => s.count);
  const setCount = usePanelStore((s) => s.setCount);
  const providers = usePanelStore((s) => s.providers);
  const selectedProvider = usePanelStore((s) => s.providerId);
  const setProvider = usePanelStore((s) => s.setProvider);
  const model = usePanelStore(pickedModel);
  const setModel = usePanelStore((s) => s.setModel);
  const loadingProviders = usePanelStore((s) => s.busy.providers);
  const placement = usePanelStore((s) => s.placement);
  const setPlacement = usePanelStore((s) => s.setPlacement);
  const frameMode = usePanelStore((s) => s.frame?.context.mode ?? null);
  const connected = usePanelStore((s) => s.connection.status === "ready");
  const controller = usePanelController();
  const bridgeSeconds = usePanelStore((s) => s.bridgeSeconds);
  const setBridgeSeconds = usePanelStore((s) => s.setBridgeSeconds);
  const capturedFrame = usePanelStore((s) => s.frame);
  // Derived here, not in the selector: a selector must return something stable between renders.
  const plan = useMemo(() => bridgePlan({ frame: capturedFrame, providers, providerId: selectedProvider }), [capturedFrame, providers, selectedProvider]);
  const bridging = placement === "bridge";

  const provider = providers.find((p) => p.id === selectedProvider);
  const maxCount = maxCountFor(provider);
  const range = durationRangeFor(provider, mode);
  const minDuration = Math.max(MIN_DURATION, range?.min ?? MIN_DURATION);
  const maxDuration = Math.min(MAX_DURATION, range?.max ?? MAX_DURATION);
  const durationStep = range?.step && range.step > 0 ? range.step : 0.5;
  const modes = provider?.capabilities.modes ?? JobMode.options;
  const exrOffered = mode === "final" && offersExr(provider);
  const models = modelChoices(provider, placement);
  const defaultModel = defaultModelFor(provider, mode, placement);
  const modeNote = provider?.capabilities.limits?.[mode]?.note;
  // Auto-refine drafts, scores and drafts again: a final is rendered once, so it has no rounds.
  const autoOn = mode === "draft" && auto.enabled;

  return (
    <div className="direction-form">
      <div className="field">
        <label htmlFor={promptId}>Prompt</label>
        <textarea
          id={promptId}
          value={prompt}
          rows={3}
          maxLength={4000}
          placeholder="What happens in the shot: subject, action, light, lens…"
          onChange={(event) => setPrompt(event.target.value)}
        />
      </div>

      <div className="field-row">
        {bridging ? (
          <NumberField
            label="Bridge over a cut (s)"
            value={bridgeSeconds}
            min={0.5}
            max={MAX_DURATION}
            step={0.5}
            hint="a gap's length is its own"
            onCommit={setBridgeSeconds}
          />
        ) : (
        <NumberField
          label="Duration (s)"
          value={duration}
          min={minDuration}
          max={maxDuration}
          step={durationStep}
          hint={minDuration === maxDuration ? `${minDuration} s` : `${minDuration}–${maxDuration} s`}
          onCommit={setDuration}
        />
        )}
        <NumberField
          label={autoOn ? "Takes per round" : "Takes"}
          value={count}
          min={1}
          max={maxCount}
          step={1}
          hint={`1–${maxCount}`}
          onCommit={setCount}
        />
      </div>

      {mode === "draft" && (
        <div className="auto-refine">
          <label className="switch" htmlFor={autoId}>
            <input id={autoId} type="checkbox" role="switch" checked={auto.enabled} onChange={(event) => setAuto({ enabled: event.target.checked })} />
            Auto-refine
          </label>
          <span className="hint">
            {autoOn
              ? "Each take is scored against the direction; while the best is under the target, the requests are refined from the critique and drafted again."
              : "Score the drafts and refine them automatically until one reaches a target score."}
          </span>
          {autoOn && (
            <div className="field-row">
              <NumberField label="Target score" value={auto.target} min={1} max={100} step={1} hint="1–100" onCommit={(target) => setAuto({ target })} />
              <NumberField
                label="Refinement rounds"
                value={auto.rounds}
                min={0}
                max={AUTO_MAX_ROUNDS}
                step={1}
                hint={`0–${AUTO_MAX_ROUNDS}`}
                onCommit={(rounds) => setAuto({ rounds })}
              />
            </div>
          )}
        </div>
      )}

      <div className="field-row">
        <div className="field">
          <label htmlFor={providerId}>Provider</label>
          <select
            id={providerId}
            value={selectedProvider ?? ""}
            onChange={(event) => setProvider(event.target.value)}
            aria-busy={loadingProviders}
          >
            {providers.length === 0 && <option value="">{loadingProviders ? "Loading providers…" : "No providers"}</option>}
            {providers.map((p) => (
              <option key={p.id} value={p.id} disabled={!p.available || (bridging && !canBridge(p))} title={p.available ? undefined : p.reason}>
                {!p.available ? `${p.label} (unavailable: ${p.reason ?? "no reason given"})` : bridging && !canBridge(p) ? `${p.label} (cannot bridge)` : p.label}
              </option>
            ))}
          </select>
          {connected && providers.length === 0 && !loadingProviders && (
            <button type="button" className="button button-small" onClick={() => void controller.loadProviders()}>
              Reload providers
            </button>
          )}
        </div>
        <div className="field">
          <label htmlFor={modelSelectId}>Model</label>
          <select id={modelSelectId} value={model ?? ""} disabled={!provider} onChange={(event) => setModel(event.target.value || null)}>
            <option value="">{defaultModel ? `Default (${modelLabel(provider, defaultModel)})` : "Default"}</option>
            {models.map((m) => (
              <option key={m} value={m}>
                {modelLabel(provider, m)}
              </option>
            ))}
          </select>
        </div>
        <SoundSwitch />
        <div className="field">
          <label htmlFor={qualityId}>Quality</label>
          <select id={qualityId} value={mode} onChange={(event) => setMode(JobMode.parse(event.target.value))}>
            {JobMode.options.map((m) => (
              <option key={m} value={m} disabled={!modes.includes(m)}>
                {`${m === "draft" ? "Draft" : "Final"}${modes.includes(m) ? "" : " (not offered by this provider)"}`}
              </option>
            ))}
          </select>
          {exrOffered && (
            <label className="checkbox" htmlFor={exrId}>
              <input id={exrId} type="checkbox" checked={exr} onChange={(event) => setExr(event.target.checked)} /> EXR
            </label>
          )}
        </div>
        <div className="field">
          <label htmlFor={placementId}>Placement</label>
          <select id={placementId} value={placement} onChange={(event) => setPlacement(PlacementMode.parse(event.target.value))}>
            <option value="insert">Insert</option>
            <option value="extend">Extend</option>
            <option value="bridge">Bridge</option>
          </select>
        </div>
      </div>
      {plan && (
        <div className="bridge-plan" data-testid="bridge-plan">
          <p className="hint">
            Bridge {plan.span.kind === "gap" ? "fills the gap" : "covers the cut"} between {plan.span.a.name} and {plan.span.b.name}: {plan.seconds.toFixed(2)} s ({plan.span.frames} frames)
            {plan.span.kind === "cut" ? ", on the first free track above" : ", on their track"}.
          </p>
          {plan.summary && <p className="hint">{plan.summary}</p>}
          {plan.problem && <p className="draft-reason">{plan.problem}</p>}
          {plan.warning && (
            <p className="bridge-warning" role="alert">
              {plan.warning}
            </p>
          )}
        </div>
      )}
      {modeNote && <p className="hint">{modeNote}</p>}
      {frameMode && frameMode !== placement && (
        <p className="hint">
          The frame was captured for {frameMode === "insert" ? "Insert" : frameMode === "extend" ? "Extend" : "Bridge"}; capture again to direct from the{" "}
          {placement === "extend" ? words.extendFrom : placement === "bridge" ? "two clips around the playhead" : words.insertAt}.
        </p>
      )}
      {providers
        .filter((p) => !p.available)
        .map((p) => (
          <p key={p.id} className="hint">
            {p.label} is unavailable: {p.reason ?? "no reason given"}.
          </p>
        ))}
    </div>
  );
}
