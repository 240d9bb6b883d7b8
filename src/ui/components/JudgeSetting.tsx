import { useEffect, useId, useState } from "react";
import type { JudgeInfo } from "../../core/schemas/index.js";
import { usePanelController } from "../controller/PanelControllerContext.js";
import { usePanelStore } from "../state/createPanelStore.js";

type State = { kind: "loading" } | { kind: "ready"; info: JudgeInfo; on: boolean } | { kind: "error"; message: string };

/**
 * The judge switch for the current project (issue 20): off until the editor turns it on, and it
 * says plainly which service sees the frames, how many, and about what it costs, before anything
 * is sent. Kept by the backend per project (PUT /v1/projects/settings).
 */
export function JudgeSetting() {
  const id = useId();
  const controller = usePanelController();
  const backend = controller.backend;
  const project = usePanelStore((s) => s.hostContext?.projectName);
  const changed = usePanelStore((s) => s.judgeSettingChanged);
  const [state, setState] = useState<State>({ kind: "loading" });
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    if (!backend || project === undefined) return;
    let live = true;
    Promise.all([backend.judgeInfo(), backend.projectSettings(project)])
      .then(([info, reply]) => live && setState({ kind: "ready", info, on: reply.settings.judge }))
      .catch((error: unknown) => live && setState({ kind: "error", message: error instanceof Error ? error.message : String(error) }));
    return () => {
      live = false;
    };
  }, [backend, project]);

  if (!backend || project === undefined) return null;
  if (state.kind === "loading") return null;
  if (state.kind === "error") return <p className="hint text-warning">Judge setting unavailable: {state.message}</p>;
  const { info, on } = state;

  async function toggle(next: boolean) {
    if (!backend || project === undefined || !info.available) return;
    setSaving(true);
    try {
      const reply = await backend.setProjectSettings(project, { judge: next });
      setState({ kind: "ready", info, on: reply.settings.judge });
      changed();
    } catch (error) {
      setState({ kind: "error", message: error instanceof Error ? error.message : String(error) });
    } finally {
      setSaving(false);
    }
  }

  return (
    <fieldset className="judge-setting">
      <legend className="section-title">Judge (vision model)</legend>
      <label htmlFor={id} className="check">
        <input id={id} type="checkbox" checked={on} disabled={!info.available || saving} onChange={(e) => void toggle(e.target.checked)} />
        Judge this project with a vision model
      </label>
      {info.available ? (
        <p className="hint">
          When on, {info.framesPerTake} pictures of every take in “{project || "this project"}” (six of its frames and the captured frame) are sent as JPEG to{" "}
          <strong>{info.label}</strong> ({info.model}), about ${(info.perTakeUsd ?? 0).toFixed(4)} a take at most (estimated
          {info.pricing && !info.pricing.confirmed ? `, prices of ${info.pricing.takenOn} unconfirmed` : ""}). Its findings are shown apart from the
          measurements and count in the score. Off: nothing leaves this machine for judging.
        </p>
      ) : (
        <p className="hint">{info.reason}</p>
      )}
    </fieldset>
  );
}
