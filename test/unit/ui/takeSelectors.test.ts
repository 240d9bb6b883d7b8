import { describe, expect, it } from "vitest";
import type { Artifact, ColorTags, ProviderInfo, SequenceContext, Take } from "../../../src/core/schemas/index.js";
import { createPanelStore } from "../../../src/ui/state/createPanelStore.js";
import { mergeTake } from "../../../src/ui/state/takeMerge.js";
import { canLiftToHdr, critiqueOf, enhanceSizes, importNeedsConform, notMeasuredWords, upscaleCheckOf } from "../../../src/ui/state/selectors.js";

const sequence = (colorSpace: SequenceContext["colorSpace"]) => ({ colorSpace }) as SequenceContext;
const tags = (transfer: number): ColorTags => ({
  container: "mov",
  colr: { type: "nclc", primaries: transfer === 1 ? 1 : 9, transfer, matrix: transfer === 1 ? 1 : 9 },
  colorSpace: transfer === 16 ? "rec2100-pq" : transfer === 18 ? "rec2100-hlg" : "rec709",
  agree: true,
  problems: [],
});
const artifact = (kind: Artifact["kind"], transfer: number): Artifact => ({
  id: `art-${kind}`,
  takeId: "t",
  kind,
  fileName: "f.mov",
  mediaType: "video/quicktime",
  bytes: 1,
  colorTags: tags(transfer),
  createdAt: "2025-01-01T00:00:00.000Z",
});
const take = (patch: Partial<Take> = {}): Take => ({
  id: "t",
  jobId: "j",
  index: 0,
  iteration: 0,
  providerJobId: null,
  request: null,
  state: "succeeded",
  progress: 1,
  message: "",
  error: null,
  outputs: { master: artifact("master", 1) },
  critique: null,
  cost: { usd: 0, estimated: false },
  colorSpace: "rec709",
  createdAt: "2025-01-01T00:00:00.000Z",
  updatedAt: "2025-01-01T00:00:00.000Z",
  ...patch,
});
const provider = (id: string, caps: Partial<ProviderInfo["capabilities"]> = {}, available = true): ProviderInfo => ({
  id,
  label: id,
  available,
  capabilities: { modes: ["draft", "final"], durations: { min: 2, max: 10, step: 1 }, maxCount: 4, colorSpaces: ["rec709"], models: [], ...caps },
});
const runway = provider("runway", { upconvert: true });

describe("Lift to HDR is offered", () => {
  it("for a finished SDR take in an HDR sequence when a provider can upconvert", () => {
    expect(canLiftToHdr(take(), sequence("rec2100-pq"), [provider("previz"), runway])).toBe(true);
    expect(canLiftToHdr(take(), sequence("rec2100-hlg"), [runway])).toBe(true);
  });

  it("judging the delivered source over a master conformed into a PQ container", () => {
    const conformed = take({ outputs: { master: artifact("master", 16), source: artifact("source", 1) } });
    expect(canLiftToHdr(conformed, sequence("rec2100-pq"), [runway])).toBe(true);
    const native = take({ outputs: { master: artifact("master", 1), source: artifact("source", 16) } });
    expect(canLiftToHdr(native, sequence("rec2100-pq"), [runway])).toBe(false);
  });

  it("not for an SDR sequence, an HDR take, an unfinished take, or without an able provider", () => {
    expect(canLiftToHdr(take(), sequence("rec709"), [runway])).toBe(false);
    expect(canLiftToHdr(take({ outputs: { master: artifact("master", 18) } }), sequence("rec2100-hlg"), [runway])).toBe(false);
    expect(canLiftToHdr(take({ state: "running" }), sequence("rec2100-pq"), [runway])).toBe(false);
    expect(canLiftToHdr(take(), sequence("rec2100-pq"), [provider("previz")])).toBe(false);
    expect(canLiftToHdr(take(), sequence("rec2100-pq"), [provider("runway", { upconvert: true }, false)])).toBe(false);
    expect(canLiftToHdr(take(), null, [runway])).toBe(false);
  });
});

describe("take card facts", () => {
  it("offers Conform only for a color refusal Retake can fix", () => {
    const refused = { state: "failed", code: "color_mismatch", message: "Not imported: tags disagree. Conform the take to a ProRes 422 HQ Rec.2100 PQ master, then import it." };
    expect(importNeedsConform(refused)).toBe(true);
    expect(importNeedsConform({ ...refused, message: "Not imported, and Retake cannot conform it: the file is damaged." })).toBe(false);
    expect(importNeedsConform({ ...refused, code: "no_placement" })).toBe(false);
    expect(importNeedsConform({ state: "importing" })).toBe(false);
    expect(importNeedsConform(undefined)).toBe(false);
  });

  it("reads the critic's score, sentence and issues, and nothing from a malformed critique", () => {
    const critique = { score: 87, critique: "Camera follows the arrow.", issues: ["slight drift"], penalties: [], elapsed: 3 };
    // A critique from before issue 12 (no camera confidence, no subject paths) still reads.
    expect(critiqueOf(take({ critique }))).toEqual({ score: 87, critique: "Camera follows the arrow.", issues: ["slight drift"], camera: {}, adherence: null });
    const measured = critiqueOf(
      take({
        critique: {
          ...critique,
          camera: { measurable: false, confidence: 0.2, unmeasured: "the subject fills the frame" },
          adherence: { subjects: [{ annotationId: "s1", label: "car", phrase: '"car" follows its path', measurable: true, amountError: -20, directionError: 3, timingError: 0.5 }] },
        },
      }),
    );
    expect(measured?.camera).toEqual({ measurable: false, confidence: 0.2, unmeasured: "the subject fills the frame" });
    expect(measured?.adherence?.subjects.map((s) => [s.label, s.amountError, s.measurable])).toEqual([["car", -20, true]]);
    expect(critiqueOf(take({ critique: { score: 60, critique: "Soft.", issues: "n/a" } }))?.issues).toEqual([]);
    expect(critiqueOf(take({ critique: { score: "high" } }))).toBeNull();
    expect(critiqueOf(take())).toBeNull();
  });

  it("says beside the score what the critic could not measure, so an unscored move does not read as perfect", () => {
    const view = (critique: unknown) => critiqueOf(take({ critique }))!;
    const subject = (label: string, measurable: boolean) => ({ annotationId: label || "s", label, phrase: "p", measurable, amountError: null, directionError: null, timingError: null });
    expect(notMeasuredWords(view({ score: 100, critique: "Does what was asked, cleanly.", camera: { measurable: true, confidence: 0.9 } }))).toBeNull();
    expect(notMeasuredWords(view({ score: 100, critique: "Pan right asked, but…", camera: { measurable: false, confidence: 0.2 } }))).toBe("camera not measured");
    expect(notMeasuredWords(view({ score: 100, critique: "x", camera: { measurable: false }, adherence: { subjects: [subject("dog", false)] } }))).toBe('camera and "dog" not measured');
    expect(notMeasuredWords(view({ score: 95, critique: "x", camera: { measurable: true }, adherence: { subjects: [subject("a", false), subject("b", false), subject("c", true)] } }))).toBe("2 subject paths not measured");
    // Critiques from before issue 12 carry no confidence: read as measured, as before.
    expect(notMeasuredWords(view({ score: 90, critique: "x" }))).toBeNull();
  });

  it("a retried take (later attempt) replaces the failed one; the failed attempt never comes back", () => {
    const failed = take({ state: "failed", iteration: 1, updatedAt: "2025-01-01T00:00:05.000Z" });
    // The retry keeps the round (iteration) and bumps the attempt; its clock may even trail.
    const queued = take({ state: "queued", iteration: 1, attempt: 1, progress: 0, updatedAt: "2025-01-01T00:00:04.000Z" });
    const merged = mergeTake({ t: failed }, queued);
    expect(merged.t).toBe(queued);
    // A replay of the failed attempt, even stamped later, is older news.
    expect(mergeTake(merged, { ...failed, updatedAt: "2025-01-01T00:00:09.000Z" })).toBe(merged);
    // Without a new attempt, a failed take is not reopened by a queued update.
    expect(mergeTake({ t: failed }, take({ state: "queued", iteration: 1, updatedAt: "2025-01-01T00:00:09.000Z" })).t).toBe(failed);
  });
});

describe("quality, durations and EXR follow the provider", () => {
  const luma = provider("luma", {
    durations: { min: 5, max: 10, step: 5 },
    limits: {
      draft: { durations: { min: 5, max: 10, step: 5 }, resolutions: ["720p"], hdr: false, exr: false },
      final: { durations: { min: 5, max: 5, step: 5 }, resolutions: ["1080p"], hdr: true, exr: true },
    },
  });

  it("starts on Draft and keeps the duration inside the mode's range", () => {
    const store = createPanelStore();
    const s = () => store.getState();
    expect(s().mode).toBe("draft");
    s().setProviders([luma]);
    s().setDuration(3);
    expect(s().duration).toBe(5);
    s().setDuration(10);
    s().setMode("final");
    expect(s()).toMatchObject({ mode: "final", duration: 5 });
    s().setDuration(8);
    expect(s().duration).toBe(5);
  });

  it("keeps EXR only for a final on a provider that delivers it", () => {
    const store = createPanelStore();
    const s = () => store.getState();
    s().setProviders([luma, provider("previz", { modes: ["draft"] })]);
    s().setExr(true);
    expect(s().exr).toBe(false); // a draft has no EXR
    s().setMode("final");
    s().setExr(true);
    expect(s().exr).toBe(true);
    s().setProvider("previz"); // no final, no EXR there
    expect(s()).toMatchObject({ mode: "draft", exr: false });
  });
});

describe("Enhance sizes and the upscale card", () => {
  it("offers DCI 4K only where the sequence is DCI-shaped", () => {
    expect(enhanceSizes({ width: 1920, height: 1080 }).map((s) => s.label)).toEqual(["1080p", "UHD 2160p"]);
    expect(enhanceSizes({ width: 4096, height: 2160 }).map((s) => s.label)).toEqual(["1080p", "UHD 2160p", "DCI 4K"]);
  });

  it("reads an upscale's check from its critique, even where the critic's own score is missing", () => {
    const check = { passed: false, summary: "The upscale did not keep the picture: …", reasons: ["its framing is not the source's"], source: { width: 1920, height: 1080, frames: 120 }, upscaled: { width: 3840, height: 2160, frames: 120 } };
    expect(upscaleCheckOf({ critique: { upscale: check } } as unknown as Take)).toMatchObject({ passed: false, upscaled: { width: 3840 } });
    expect(upscaleCheckOf({ critique: { score: 80 } } as unknown as Take)).toBeNull();
    expect(upscaleCheckOf({ critique: null } as unknown as Take)).toBeNull();
  });
});
