import { describe, expect, it } from "vitest";
import { ModelInfo } from "../../../src/core/schemas/index.js";
import { FAL_CATALOGUE, falModel, lengthValue, modelInfoOf, renderedSecondsOf } from "../../../src/server/providers/fal/catalogue.js";
import { pickSize } from "../../../src/server/providers/fal/falProvider.js";
import { modelLabel } from "../../../src/ui/state/createPanelStore.js";

/** The catalogue is data the provider trusts: these are the rules an added entry must keep. */
describe("fal catalogue", () => {
  it("every entry is complete: a use, a start field, an end field where it bridges, a dated price, a frame rate", () => {
    const ids = new Set<string>();
    for (const model of FAL_CATALOGUE) {
      expect(ids.has(model.id), `${model.id} twice`).toBe(false);
      ids.add(model.id);
      expect(ModelInfo.safeParse(modelInfoOf(model)).success, model.id).toBe(true);
      expect(model.fields.start, model.id).toBeTruthy();
      if (model.uses.includes("bridge")) expect(model.fields.end, `${model.id} bridges without an end field`).toBeTruthy();
      if (!model.uses.includes("upscale")) expect(model.fps, model.id).toBeGreaterThan(0);
      expect(model.price.usd, model.id).toBeGreaterThan(0);
      expect(model.price.takenOn, model.id).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      if (model.price.usdWithoutAudio !== undefined) {
        expect(model.audio, `${model.id} has a sound-off price but no switch`).toBeDefined();
        expect(model.price.usdWithoutAudio).toBeLessThanOrEqual(model.price.usd);
      }
    }
    for (const use of ["draft", "final", "bridge", "upscale"] as const) expect(FAL_CATALOGUE.some((m) => m.uses.includes(use)), use).toBe(true);
  });

  it("writes lengths the way each endpoint types them and renders the shortest length at or above the ask", () => {
    const veo = falModel("fal-ai/veo3.1/fast/image-to-video")!;
    const kling = falModel("fal-ai/kling-video/v2.6/pro/image-to-video")!;
    const wan = falModel("fal-ai/wan-flf2v")!;
    expect(renderedSecondsOf(veo, 4.5)).toBe(6);
    expect(lengthValue(veo, 6)).toBe("6s");
    expect(renderedSecondsOf(kling, 7)).toBe(10);
    expect(lengthValue(kling, 10)).toBe("10");
    expect(renderedSecondsOf(veo, 9.5)).toBe(8);
    expect(lengthValue(wan, renderedSecondsOf(wan, 3))).toBe(81);
    expect(lengthValue(wan, renderedSecondsOf(wan, 5.5))).toBe(100);
  });

  it("drafts at the smallest size, finals at the largest the sequence holds (4K where the model renders it)", () => {
    const flf = falModel("fal-ai/veo3.1/fast/first-last-frame-to-video")!;
    expect(pickSize(flf, "draft", 2160)?.value).toBe("720p");
    expect(pickSize(flf, "final", 1080)?.value).toBe("1080p");
    expect(pickSize(flf, "final", 2160)?.value).toBe("4k");
    expect(pickSize(flf, "final", 480)?.value).toBe("720p");
  });

  it("the panel shows a model by its catalogue label, and an unknown one by its id", () => {
    const provider = { capabilities: { modelInfo: FAL_CATALOGUE.map(modelInfoOf) } } as never;
    expect(modelLabel(provider, "fal-ai/bytedance/seedance/v1.5/pro/image-to-video")).toBe("Seedance 1.5 Pro");
    expect(modelLabel(provider, "gen4.5")).toBe("gen4.5");
  });
});
