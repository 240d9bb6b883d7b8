import type { ProviderInfo } from "../../core/schemas/index.js";
import { ServiceError } from "../serviceError.js";

/**
 * Checks a job's sound choice against the model it will run on. `audio` is meaningful only where
 * the model has a switch (capabilities.modelInfo[].audio.switchable); asking a model without one
 * for the opposite of what it does is refused with what to do, rather than silently ignored (an
 * editor who turned sound off on a model that always makes it would otherwise pay for sound).
 */
export function checkSoundChoice(info: ProviderInfo, model: string, audio: boolean | undefined): void {
  if (audio === undefined) return;
  const sound = info.capabilities.modelInfo?.find((m) => m.id === model)?.audio;
  if (sound?.switchable) return;
  const makes = sound ? sound.defaultOn : false;
  if (audio === makes) return;
  throw new ServiceError(
    400,
    "audio_not_switchable",
    makes
      ? `${info.label} ${model} always makes sound; it cannot be turned off. Leave Sound out of the request, or pick a model with a sound switch.`
      : `${info.label} ${model} makes no sound. Leave Sound out of the request, or pick a model that makes sound.`,
    "audio",
  );
}
