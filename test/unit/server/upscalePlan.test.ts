import { describe, expect, it } from "vitest";
import type { ProviderInfo } from "../../../src/core/schemas/index.js";
import { checkSizeForSequence, pickUpscaler, planSize, rendersNatively, sizesFor } from "../../../src/server/director/upscaleJob.js";
import { PrevizProvider } from "../../../src/server/providers/previz/previzProvider.js";
import { ProviderRegistry, type Provider } from "../../../src/server/providers/provider.js";

/** A hosted upscaler as a provider declares one (fal's SeedVR2 is the real one), priced per second. */
function upscaler(id: string, available: boolean, sizes: ProviderInfo["capabilities"]["upscale"] = { sizes: ["1080p", "2160p"], models: ["seedvr2"] }): Provider {
  const info: ProviderInfo = {
    id,
    label: id.toUpperCase(),
    available,
    ...(available ? {} : { reason: `set ${id.toUpperCase()}_KEY` }),
    capabilities: { modes: ["final"], durations: { min: 2, max: 10, step: 1 }, maxCount: 1, colorSpaces: ["rec709"], models: ["seedvr2"], upscale: sizes },
  };
  return {
    id, pollIntervalMs: 10, rerunAfterRestart: false, info: () => info,
    estimateCost: (input) => ({ usd: input.upscale ? (input.upscale.width * input.upscale.height * input.duration * 24) / 1e6 * 0.001 : 0, estimated: true }),
    submit: async () => ({ providerJobId: "x", request: {} }), status: async () => ({ state: "queued", progress: 0, message: "" }),
    cancel: async () => undefined, fetchOutputs: async () => [],
  };
}

const luma: ProviderInfo = {
  id: "luma", label: "Luma", available: true,
  capabilities: {
    modes: ["draft", "final"], durations: { min: 5, max: 10, step: 5 }, maxCount: 4, colorSpaces: ["rec709"], models: ["ray-3.2"],
    limits: { final: { durations: { min: 5, max: 10, step: 5 }, resolutions: ["720p", "1080p"], hdr: true, exr: true } },
    modelInfo: [{ id: "ray-4k", label: "Ray 4K", uses: ["final"], resolutions: ["1080p", "4k"] }],
  },
};

describe("finals at a size: which sizes, native or upscaled, on which upscaler", () => {
  it("offers DCI 4K only on a DCI-shaped sequence, and says so when asked anyway", () => {
    expect(sizesFor({ width: 1920, height: 1080 })).toEqual(["1080p", "2160p"]);
    expect(sizesFor({ width: 2048, height: 1080 })).toEqual(["1080p", "2160p", "dci4k"]);
    expect(checkSizeForSequence("dci4k", { width: 3840, height: 2160 })).toBe("DCI 4K (4096×2160) is offered only for a DCI-shaped sequence; this one is 3840×2160. Choose UHD 2160p.");
    expect(checkSizeForSequence("dci4k", { width: 4096, height: 2160 })).toBeUndefined();
  });

  it("reads native sizes from the final limits, a model's own entry, or (no limits) the sequence's size", () => {
    expect(rendersNatively(luma, "ray-3.2", "1080p", { width: 1920, height: 1080 })).toBe(true);
    expect(rendersNatively(luma, "ray-3.2", "2160p", { width: 1920, height: 1080 })).toBe(false);
    expect(rendersNatively(luma, "ray-4k", "2160p", { width: 1920, height: 1080 })).toBe(true);
    const previz = new PrevizProvider().info();
    expect(rendersNatively(previz, "previz-camera", "2160p", { width: 3840, height: 2160 })).toBe(true);
    expect(rendersNatively(previz, "previz-camera", "2160p", { width: 1920, height: 1080 })).toBe(false);
  });

  it("prefers a real upscaler over previz's plain resize, and falls back to previz when it is unavailable", () => {
    const withKey = new ProviderRegistry([new PrevizProvider(), upscaler("fal", true)]);
    expect(pickUpscaler(withKey, "2160p")).toMatchObject({ model: "seedvr2" });
    expect(pickUpscaler(withKey, "2160p").provider.id).toBe("fal");
    // fal does not list DCI 4K here: previz does.
    expect(pickUpscaler(withKey, "dci4k").provider.id).toBe("previz");
    const noKey = new ProviderRegistry([new PrevizProvider(), upscaler("fal", false)]);
    expect(pickUpscaler(noKey, "2160p").provider.id).toBe("previz");
  });

  it("refuses clearly when nobody can upscale to the size, naming who could and how", () => {
    const registry = new ProviderRegistry([upscaler("fal", false)]);
    expect(() => pickUpscaler(registry, "2160p")).toThrow("No available provider can upscale to UHD 2160p (3840×2160). FAL (unavailable: set FAL_KEY) can.");
    expect(() => pickUpscaler(new ProviderRegistry([upscaler("fal", true)]), "dci4k")).toThrow(
      "No available provider can upscale to DCI 4K (4096×2160). None of the configured providers upscales to this size.",
    );
    expect(() => pickUpscaler(registry, "2160p", { provider: "fal" })).toThrow("FAL is unavailable: set FAL_KEY.");
  });

  it("prices the upscale at the target size and the take's length", () => {
    const registry = new ProviderRegistry([upscaler("fal", true)]);
    const plan = planSize({ providers: registry, info: luma, model: "ray-3.2", size: "2160p", frameSize: { width: 1920, height: 1080 }, duration: 5 });
    expect(plan.native).toBe(false);
    if (plan.native) return;
    // $0.001 per megapixel-frame: 3840×2160 × 120 frames ≈ $1.00 (SeedVR2's documented price).
    expect(plan.estimate).toMatchObject({ provider: "fal", model: "seedvr2", size: "2160p" });
    expect(plan.cost.usd).toBeCloseTo(0.995, 2);
  });
});
