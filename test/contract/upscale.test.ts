import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { CostEstimate, type Job } from "../../src/core/schemas/index.js";
import { sequenceContext, waitFor } from "../helpers/backend.js";
import { softStillPng } from "../helpers/fakeVideoModel.js";
import { openStore } from "../../src/server/ledger/openStore.js";
import { api, getJob, modelTestBed, settled, startProviderBackend, stopBackend, uploadFrame, type TestBackend } from "./providerHarness.js";

/**
 * Finals at a target size: an enhance whose provider cannot render the size is followed by an
 * upscale job; a finished take can be upscaled directly. Previz's upscale is a real ffmpeg
 * Lanczos resize, so the whole flow — follow-up job, conform at the size in the sequence's color,
 * the critic's check, the card's notes — runs without a key. The test sequence is 320×180, so
 * "1080p" is an upscale (a 4K master is the bench's: `npm run bench -- upscale`).
 */

const bed = modelTestBed();
const PAN = { id: "pan", kind: "cameraMove", from: { x: 0.4, y: 0.5 }, to: { x: 0.6, y: 0.5 }, start: 0.5, end: 1.5 } as const;

async function previzDraft(colorSpace: "rec709" | "rec2100-pq" = "rec709", frameSize = { width: 320, height: 180 }, mode: "draft" | "final" = "draft", duration = 2, backend: TestBackend = bed.backend): Promise<Job> {
  const frameId = await uploadFrame(backend, sequenceContext({ frameSize }, colorSpace), softStillPng());
  const res = await api(backend, "/v1/jobs", { body: { frameId, provider: "previz", mode, duration, prompt: "Dunes", annotations: [PAN] } });
  expect(res.status, await res.clone().text()).toBe(201);
  const job = await settled(backend, ((await res.json()) as Job).id);
  expect(job.takes[0]!.state).toBe("succeeded");
  return job;
}

function probe(file: string): { width: number; height: number; frames: number; transfer: string; codec: string } {
  const out = JSON.parse(
    execFileSync("ffprobe", ["-v", "error", "-select_streams", "v:0", "-count_frames", "-show_entries", "stream=width,height,nb_read_frames,color_transfer,codec_name", "-of", "json", file]).toString(),
  ).streams[0];
  return { width: out.width, height: out.height, frames: Number(out.nb_read_frames), transfer: out.color_transfer, codec: out.codec_name };
}

async function masterPath(job: Job): Promise<string> {
  const id = job.takes[0]!.outputs.master!.id;
  return (await bed.backend.ledger.getArtifact(id))!.path;
}

describe("Finals at a target size", () => {
  it("enhances a previz draft to 1080p: the final, then an upscale job whose master is 1920×1080, checked against the final", async () => {
    const draft = await previzDraft();
    const res = await api(bed.backend, `/v1/jobs/${draft.id}/enhance`, { body: { size: "1080p" } });
    expect(res.status, await res.clone().text()).toBe(201);
    const final = (await res.json()) as Job;
    // Previz renders at the sequence's 320×180, so the size needs an upscale, planned on the job.
    expect(final.upscaleNext).toMatchObject({ provider: "previz", model: "previz-resize", size: "1080p", usd: 0 });
    expect(final.targetSize).toBeUndefined();

    const withUpscale = await waitFor(async () => {
      const j = await getJob(bed.backend, final.id);
      return j.upscaleNext?.jobId ? j : undefined;
    }, 120_000, 50);
    expect(withUpscale.log!.map((l) => l.text).join("\n")).toMatch(/Then lifted to 1080p \(1920×1080\) by Previz \(local\) \(previz-resize, \$0\.00\)/);
    const upscale = await settled(bed.backend, withUpscale.upscaleNext!.jobId!);
    const take = upscale.takes[0]!;
    expect(take.state, JSON.stringify(take.error)).toBe("succeeded");
    expect(upscale).toMatchObject({ mode: "final", provider: "previz", model: "previz-resize", upscaleOf: { takeId: withUpscale.takes[0]!.id, size: "1080p" }, targetSize: "1080p" });
    expect(take.outputs.master).toMatchObject({ width: 1920, height: 1080 });
    expect(take.notes!.join(" ")).toContain("plain resize, not a generative upscale");
    const master = probe(await masterPath(upscale));
    expect(master).toMatchObject({ width: 1920, height: 1080, frames: 48, transfer: "bt709", codec: "prores" });

    const check = (take.critique as { upscale?: { passed: boolean; summary: string; source: { width: number }; upscaled: { width: number } } }).upscale!;
    expect(check.passed).toBe(true);
    expect(check.source.width).toBe(320);
    expect(check.upscaled.width).toBe(1920);
    expect(check.summary).toMatch(/^The upscale kept the picture: all 48 frames/);
    // The card shows both pictures: the source take's poster is named in the check.
    expect((take.critique as { upscale: { sourceTake: unknown } }).upscale.sourceTake).toEqual({ takeId: withUpscale.takes[0]!.id, posterId: withUpscale.takes[0]!.outputs.poster!.id });
    expect((take.critique as { score: number }).score).toBeGreaterThan(0);
  });

  it("upscales a finished PQ take directly, keeping it HDR in the sequence's color", async () => {
    const draft = await previzDraft("rec2100-pq");
    const res = await api(bed.backend, `/v1/takes/${draft.takes[0]!.id}/upscale`, { body: { size: "1080p" } });
    expect(res.status, await res.clone().text()).toBe(201);
    const job = await settled(bed.backend, ((await res.json()) as Job).id);
    const take = job.takes[0]!;
    expect(take.state, JSON.stringify(take.error)).toBe("succeeded");
    expect(take.colorSpace).toBe("rec2100-pq");
    expect(take.outputs.master!.colorTags!.colr).toMatchObject({ primaries: 9, transfer: 16, matrix: 9 });
    expect(take.outputs.master!.colorTags!.mdcv).toBeDefined();
    expect(probe(await masterPath(job))).toMatchObject({ width: 1920, height: 1080, transfer: "smpte2084" });
    expect((take.critique as { upscale: { passed: boolean } }).upscale.passed).toBe(true);
  });

  it("an upscale of a take with sound keeps the sound, in sync and as long as the picture", async () => {
    const frameId = await uploadFrame(bed.backend, sequenceContext({ frameSize: { width: 320, height: 180 } }, "rec709"), softStillPng());
    const res = await api(bed.backend, "/v1/jobs", { body: { frameId, provider: "previz", mode: "draft", duration: 2, prompt: "Dunes", annotations: [PAN], audio: true } });
    expect(res.status, await res.clone().text()).toBe(201);
    const draft = await settled(bed.backend, ((await res.json()) as Job).id);
    expect(draft.takes[0]!.outputs.master!.audio).toMatchObject({ sampleRate: 48000 });
    const up = await api(bed.backend, `/v1/takes/${draft.takes[0]!.id}/upscale`, { body: { size: "1080p" } });
    expect(up.status, await up.clone().text()).toBe(201);
    const job = await settled(bed.backend, ((await up.json()) as Job).id);
    const take = job.takes[0]!;
    expect(take.state, JSON.stringify(take.error)).toBe("succeeded");
    expect(take.outputs.master).toMatchObject({ width: 1920, height: 1080, audio: { codec: "pcm_s24le", sampleRate: 48000 } });
    const durations = execFileSync("ffprobe", ["-v", "error", "-show_entries", "stream=codec_type,duration", "-of", "json", await masterPath(job)]).toString();
    const streams = (JSON.parse(durations) as { streams: Array<{ codec_type: string; duration: string }> }).streams;
    const video = Number(streams.find((x) => x.codec_type === "video")!.duration);
    const audio = Number(streams.find((x) => x.codec_type === "audio")!.duration);
    expect(Math.abs(audio - video)).toBeLessThan(1 / 24);
  });

  it("refuses clearly: DCI 4K on a 16:9 sequence, an upscaler that cannot upscale, a take already at the size", async () => {
    const draft = await previzDraft();
    const dci = await api(bed.backend, `/v1/jobs/${draft.id}/enhance`, { body: { size: "dci4k" } });
    expect(dci.status).toBe(400);
    expect((await dci.json()).error).toMatchObject({ code: "size_unsupported", field: "size", message: "DCI 4K (4096×2160) is offered only for a DCI-shaped sequence; this one is 320×180. Choose UHD 2160p." });

    const runway = await api(bed.backend, `/v1/takes/${draft.takes[0]!.id}/upscale`, { body: { size: "2160p", provider: "runway" } });
    expect(runway.status).toBe(400);
    expect((await runway.json()).error).toMatchObject({ code: "upscale_unsupported", message: expect.stringMatching(/^Runway Gen-4 cannot upscale a take\. Previz \(local\), fal \(unavailable: no API key: set FAL_KEY .*\) can\.$/) });

    const unknown = await api(bed.backend, `/v1/takes/${draft.takes[0]!.id}/upscale`, { body: { size: "4k" } });
    expect(unknown.status).toBe(400);
    expect((await unknown.json()).error.field).toBe("size");

    const full = await previzDraft("rec709", { width: 1920, height: 1080 }, "final");
    const at = await api(bed.backend, `/v1/takes/${full.takes[0]!.id}/upscale`, { body: { size: "1080p" } });
    expect(at.status).toBe(409);
    expect((await at.json()).error).toMatchObject({ code: "already_at_size", message: "Take 1 is already 1920×1080: there is nothing to upscale to 1080p (1920×1080)." });
  });

  it("checks the budget against the final and its upscale together, naming both", async () => {
    const draft = await previzDraft("rec709", { width: 320, height: 180 }, "draft", 5);
    const res = await api(bed.backend, `/v1/jobs/${draft.id}/enhance`, { body: { provider: "luma", size: "2160p", budgetUsd: 0.1 } });
    expect(res.status, await res.clone().text()).toBe(402);
    const { error } = await res.json();
    expect(error.code).toBe("over_budget");
    expect(error.message).toBe("This job would cost $0.30 (1 × $0.30), over its budget of $0.10. Raise the job budget, or choose a cheaper provider, model or size. It is the final on Luma Ray 3.2 ($0.30) and its upscale to UHD 2160p (3840×2160) on Previz (local) ($0.00).");
  });

  it("estimates both parts: a final its provider renders natively, and one that needs an upscale", async () => {
    const ask = async (body: Record<string, unknown>) => {
      const res = await api(bed.backend, "/v1/estimate", { body: { mode: "final", duration: 5, frameSize: { width: 1920, height: 1080 }, ...body } });
      expect(res.status, await res.clone().text()).toBe(200);
      return CostEstimate.parse(await res.json());
    };
    // Luma's finals list 1080p: rendered natively, no upscale.
    const native = await ask({ provider: "luma", size: "1080p" });
    expect(native.nativeSize).toBe("1080p");
    expect(native.upscale).toBeUndefined();
    // UHD is not on Luma's menu: the final plus previz's resize (free), in the total.
    const lifted = await ask({ provider: "luma", size: "2160p" });
    expect(lifted.upscale).toMatchObject({ provider: "previz", model: "previz-resize", size: "2160p", cost: { usd: 0 } });
    expect(lifted.total.usd).toBe(lifted.perTake.usd);
    const dci = await ask({ provider: "luma", size: "dci4k" });
    expect(dci.refusal).toMatch(/offered only for a DCI-shaped sequence; this one is 1920×1080/);
    const dciOk = await ask({ provider: "previz", size: "dci4k", frameSize: { width: 4096, height: 2160 } });
    expect(dciOk.nativeSize).toBe("dci4k");
  });

  it("starts a planned upscale on the next start when the backend stopped before it began", async () => {
    const first = await startProviderBackend();
    const draft = await previzDraft("rec709", { width: 320, height: 180 }, "draft", 2, first);
    const res = await api(first, `/v1/jobs/${draft.id}/enhance`, { body: {} });
    const final = await settled(first, ((await res.json()) as Job).id);
    await first.close();
    // As if the backend had stopped after the final was delivered, before its upscale started.
    const ledger = await openStore({ dataDir: first.dataDir });
    await ledger.updateJob(final.id, { upscaleNext: { provider: "previz", model: "previz-resize", size: "1080p", usd: 0 } });
    await ledger.close();

    const second = await startProviderBackend({ dataDir: first.dataDir });
    try {
      const started = await waitFor(async () => (await getJob(second, final.id)).upscaleNext?.jobId, 60_000, 50);
      const upscale = await settled(second, started);
      expect(upscale.upscaleOf).toEqual({ takeId: final.takes[0]!.id, size: "1080p" });
      expect(upscale.takes[0]!.state).toBe("succeeded");
    } finally {
      await stopBackend(second);
    }
  });
});
