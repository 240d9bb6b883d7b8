import { describe, expect, it } from "vitest";
import { createPanelStore } from "../../../src/ui/state/createPanelStore.js";
import { soundChoice, soundSwitch } from "../../../src/ui/state/soundSelectors.js";
import { soundInWords, soundPriceWords } from "../../../src/ui/soundWords.js";
import { provider } from "./fixtures.js";

const hub = provider("hub", {
  models: ["veo", "kling"],
  limits: { draft: { durations: { min: 2, max: 10, step: 1 }, resolutions: [], hdr: false, exr: false, defaultModel: "kling" } },
  modelInfo: [
    { id: "veo", label: "Veo", uses: ["draft"], audio: { switchable: true, defaultOn: true, note: "Veo's own sound" } },
    { id: "kling", label: "Kling", uses: ["draft"] },
  ],
});
const plain = provider("plain", { models: ["m"] });

describe("the Sound switch in the panel store", () => {
  it("follows the model the job would use: none for the default Kling, on (its default) for Veo; the editor's choice sticks until the model changes", () => {
    const store = createPanelStore();
    store.getState().setProviders([hub, plain]);
    store.getState().setProvider("hub");
    expect(soundSwitch(store.getState())).toBeUndefined();
    expect(soundChoice(store.getState())).toBeUndefined();
    store.getState().setModel("veo");
    expect(soundSwitch(store.getState())?.note).toBe("Veo's own sound");
    expect(soundChoice(store.getState())).toBe(true);
    store.getState().setSound(false);
    expect(soundChoice(store.getState())).toBe(false);
    store.getState().setModel("kling");
    store.getState().setModel("veo");
    expect(soundChoice(store.getState())).toBe(true); // back to the model's default
    store.getState().setSound(false);
    store.getState().setProvider("plain");
    expect(soundChoice(store.getState())).toBeUndefined();
    expect(store.getState().sound).toBeNull();
  });

  it("says the price difference and the sound in the editor's words", () => {
    expect(soundPriceWords({ usd: 0, estimated: false })).toBe("same price with or without");
    expect(soundPriceWords({ usd: 0.4, estimated: true })).toBe("≈ +$0.40 a take with sound");
    expect(soundPriceWords({ usd: -0.1, estimated: false })).toBe("−$0.10 a take with sound");
    expect(soundInWords({ codec: "pcm_s24le", sampleRate: 48000, channels: 2 })).toBe("PCM 24-bit · 48 kHz · stereo");
    expect(soundInWords({ codec: "aac", sampleRate: 44100, channels: 1 })).toBe("AAC · 44.1 kHz · mono");
  });
});
