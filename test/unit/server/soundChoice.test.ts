import { describe, expect, it } from "vitest";
import type { ProviderInfo } from "../../../src/core/schemas/index.js";
import { checkSoundChoice } from "../../../src/server/director/soundChoice.js";
import { PrevizProvider } from "../../../src/server/providers/previz/previzProvider.js";
import { ServiceError } from "../../../src/server/serviceError.js";

const base = new PrevizProvider().info();
const withModels = (modelInfo: ProviderInfo["capabilities"]["modelInfo"]): ProviderInfo => ({ ...base, label: "Hub", capabilities: { ...base.capabilities, models: ["veo", "kling", "gemini-veo"], modelInfo } });
const hub = withModels([
  { id: "veo", label: "Veo", uses: ["draft"], audio: { switchable: true, defaultOn: true } },
  { id: "kling", label: "Kling", uses: ["draft"] },
  { id: "gemini-veo", label: "Veo (Gemini)", uses: ["draft"], audio: { switchable: false, defaultOn: true } },
]);

function refusal(fn: () => void): ServiceError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ServiceError) return error;
    throw error;
  }
  throw new Error("no refusal");
}

describe("the sound choice against the model", () => {
  it("accepts either choice on a model with the switch (previz's test sound, a hub's Veo), and no choice anywhere", () => {
    expect(() => checkSoundChoice(base, "previz-camera", true)).not.toThrow();
    expect(() => checkSoundChoice(hub, "veo", false)).not.toThrow();
    expect(() => checkSoundChoice(hub, "kling", undefined)).not.toThrow();
  });

  it("refuses sound from a model that makes none, saying what to do", () => {
    const error = refusal(() => checkSoundChoice(hub, "kling", true));
    expect(error).toMatchObject({ status: 400, code: "audio_not_switchable", field: "audio" });
    expect(error.message).toBe("Hub kling makes no sound. Leave Sound out of the request, or pick a model that makes sound.");
  });

  it("refuses sound off on a model that always makes it (the editor would pay for sound), but accepts asking for what it does", () => {
    expect(refusal(() => checkSoundChoice(hub, "gemini-veo", false)).message).toMatch(/always makes sound; it cannot be turned off/);
    expect(() => checkSoundChoice(hub, "gemini-veo", true)).not.toThrow();
    expect(() => checkSoundChoice(hub, "kling", false)).not.toThrow();
  });
});
