import type { ModelInfo } from "../../core/schemas/index.js";
import { defaultModelFor, pickedModel, type PanelState } from "./createPanelStore.js";

type SoundState = Pick<PanelState, "providers" | "providerId" | "modelId" | "placement" | "mode" | "sound">;

/**
 * The sound switch of the model the job would use (the picked one, else the default), from the
 * provider's per-model catalogue (capabilities.modelInfo[].audio). Undefined where the model has
 * no switch: the form then shows no Sound choice and the request sends no `audio`.
 */
export function soundSwitch(s: SoundState): NonNullable<ModelInfo["audio"]> | undefined {
  const provider = s.providers.find((p) => p.id === s.providerId);
  const model = pickedModel(s) ?? defaultModelFor(provider, s.mode, s.placement);
  const audio = provider?.capabilities.modelInfo?.find((m) => m.id === model)?.audio;
  return audio?.switchable ? audio : undefined;
}

/** What to send as `audio`: the editor's choice, else the model's default; undefined without a switch. */
export function soundChoice(s: SoundState): boolean | undefined {
  const sw = soundSwitch(s);
  if (!sw) return undefined;
  return s.sound ?? sw.defaultOn;
}
