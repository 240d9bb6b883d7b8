import { useEffect, useId, useState } from "react";
import { usePanelController } from "../controller/PanelControllerContext.js";
import { pickedModel, usePanelStore } from "../state/createPanelStore.js";
import { bridgePlan } from "../state/bridgeSelectors.js";
import { soundChoice, soundSwitch } from "../state/soundSelectors.js";
import { soundPriceWords } from "../soundWords.js";

/**
 * Sound on/off, shown only where the job's model has the switch (ModelInfo.audio.switchable).
 * Beside it: what sound changes in the price, from the backend's own estimates of one take with
 * and without it (POST /v1/estimate, `audio`), so the editor sees the difference before paying.
 */
export function SoundSwitch() {
  const id = useId();
  const sw = usePanelStore(soundSwitch);
  const on = usePanelStore(soundChoice);
  const setSound = usePanelStore((s) => s.setSound);
  const delta = useSoundPriceDelta(sw !== undefined);
  if (!sw) return null;
  return (
    <div className="field sound-switch" data-testid="sound-switch">
      <label className="checkbox" htmlFor={id} title={sw.note}>
        <input id={id} type="checkbox" checked={on === true} onChange={(event) => setSound(event.target.checked)} /> Sound
      </label>
      <span className="muted small" data-testid="sound-price">
        {delta === null ? "" : soundPriceWords(delta)}
      </span>
      {sw.note && <span className="hint small">{sw.note}</span>}
    </div>
  );
}

/** One take with sound minus one without, at the job's provider, model, mode and length; null until known. */
function useSoundPriceDelta(enabled: boolean): { usd: number; estimated: boolean } | null {
  const controller = usePanelController();
  const backend = controller.backend;
  const providerId = usePanelStore((s) => s.providerId);
  const model = usePanelStore(pickedModel);
  const mode = usePanelStore((s) => s.mode);
  const duration = usePanelStore((s) => bridgePlan(s)?.fit?.generatedSeconds ?? s.duration);
  const [delta, setDelta] = useState<{ usd: number; estimated: boolean } | null>(null);
  useEffect(() => {
    setDelta(null);
    if (!enabled || !backend || !providerId) return;
    let live = true;
    const timer = setTimeout(() => {
      const ask = (audio: boolean) => backend.estimate({ provider: providerId, ...(model ? { model } : {}), mode, duration, count: 1, audio });
      Promise.all([ask(true), ask(false)])
        .then(([withSound, without]) => {
          if (live) setDelta({ usd: Math.round((withSound.perTake.usd - without.perTake.usd) * 100) / 100, estimated: withSound.perTake.estimated || without.perTake.estimated });
        })
        // The main estimate line reports estimate failures; here the difference is just not shown.
        .catch(() => undefined);
    }, 200);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [enabled, backend, providerId, model, mode, duration]);
  return delta;
}
