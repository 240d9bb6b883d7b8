import fs from "node:fs";
import path from "node:path";
import { sampleCameraPath } from "../../../core/direction/index.js";
import type { Money, ProviderInfo } from "../../../core/schemas/index.js";
import { MAX_COUNT, MAX_DURATION, MIN_DURATION } from "../../../core/schemas/index.js";
import { newId } from "../../ids.js";
import type { Provider, ProviderOutput, ProviderStatus, SubmitInput, SubmitResult } from "../provider.js";
import { renderBridge } from "./renderBridge.js";
import { renderPreviz, type PrevizResult } from "./renderPreviz.js";
import { TEST_SOUND_NOTE } from "./testSound.js";
import { PLAIN_RESIZE_NOTE, resizeUpscale } from "./resizeUpscale.js";

/**
 * Bridge lengths previz renders. Previz could render any length, but it renders whole seconds, as
 * hosted models render from a fixed menu, so a bridge on previz goes through the same fit (retime)
 * as a paid one and what the editor tries for free is what a key would do.
 */
export const PREVIZ_BRIDGE_LENGTHS = [2, 3, 4, 5, 6, 7, 8, 9, 10];

interface PrevizRun {
  status: ProviderStatus;
  controller: AbortController;
  result?: Pick<PrevizResult, "master"> & Partial<Pick<PrevizResult, "proxy" | "poster">> & { notes?: string[]; hasAudio?: boolean };
  sound: boolean;
}

/** Local renders at once; more would only make each take slower on a small machine. */
const MAX_PARALLEL_RENDERS = 1;

/**
 * The previz provider: no key, always available, $0. It renders the compiled camera path over
 * the captured still with ffmpeg: the reference renderer every other provider is judged against.
 */
export class PrevizProvider implements Provider {
  readonly id = "previz";
  readonly pollIntervalMs = 150;
  readonly rerunAfterRestart = true;
  private readonly runs = new Map<string, PrevizRun>();
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  info(): ProviderInfo {
    return {
      id: this.id,
      label: "Previz (local)",
      available: true,
      capabilities: {
        modes: ["draft", "final"],
        durations: { min: MIN_DURATION, max: MAX_DURATION, step: 0.5 },
        maxCount: MAX_COUNT,
        colorSpaces: ["rec709", "rec2100-pq", "rec2100-hlg"],
        models: ["previz-camera"],
        bridge: {
          startFrame: true,
          endFrame: true,
          lengths: PREVIZ_BRIDGE_LENGTHS,
          models: ["previz-camera"],
          note: "A's picture makes the drawn move and dissolves into B's picture arriving at its own framing (a previz, not an invented shot).",
        },
        modelInfo: [
          {
            id: "previz-camera",
            label: "Previz camera",
            uses: ["draft", "final", "bridge"],
            // Off unless asked: it is a test sound, there to try the sound path without a key.
            audio: { switchable: true, defaultOn: false, note: TEST_SOUND_NOTE },
          },
        ],
        upscale: {
          sizes: ["1080p", "2160p", "dci4k"],
          models: ["previz-resize"],
          note: "A plain resize (Lanczos), not a generative upscale: for trying the 4K flow without a key.",
        },
      },
    };
  }

  estimateCost(): Money {
    return { usd: 0, estimated: false };
  }

  async submit(input: SubmitInput): Promise<SubmitResult> {
    if (input.upscale) return this.submitUpscale(input, input.upscale);
    const seq = input.frame.sequence;
    const samples = sampleCameraPath(input.direction.camera.keyframes, seq.frameRate, input.duration);
    const request = {
      renderer: "previz-camera",
      quality: input.mode,
      frame: input.frame.frameId,
      width: seq.frameSize.width,
      height: seq.frameSize.height,
      frameRate: seq.frameRate,
      duration: input.duration,
      frames: samples.length,
      colorSpace: seq.colorSpace,
      keyframes: input.direction.camera.keyframes,
      ...(input.bridge ? { bridge: { startFrame: input.frame.frameId, endFrame: input.bridge.span.endFrameId, dissolve: "smoothstep" } } : {}),
      ...(input.audio ? { sound: "test tone with a click every second" } : {}),
    };
    const providerJobId = newId("previz");
    const run: PrevizRun = {
      status: { state: "queued", progress: 0, message: "Waiting for the renderer" },
      controller: new AbortController(),
      sound: input.audio === true,
    };
    this.runs.set(providerJobId, run);
    void this.render(run, input, samples);
    return { providerJobId, request };
  }

  /** The 4K path: a plain Lanczos resize of the take (resizeUpscale.ts), queued like any render. */
  private submitUpscale(input: SubmitInput, upscale: NonNullable<SubmitInput["upscale"]>): SubmitResult {
    const request = { renderer: "previz-resize", filter: "lanczos", size: upscale.size, width: upscale.width, height: upscale.height, source: path.basename(upscale.sourceVideoPath) };
    const providerJobId = newId("previz");
    // A resize carries the take's own sound, if any (resizeUpscale copies it); no test sound is added.
    const run: PrevizRun = { status: { state: "queued", progress: 0, message: "Waiting for the renderer" }, controller: new AbortController(), sound: false };
    this.runs.set(providerJobId, run);
    void this.runExclusive(run, "Resizing", async (onProgress) => {
      const out = await resizeUpscale({ sourcePath: upscale.sourceVideoPath, outDir: input.workDir, width: upscale.width, height: upscale.height, signal: run.controller.signal, onProgress });
      return { master: { path: out.path, width: out.width, height: out.height }, notes: [PLAIN_RESIZE_NOTE], hasAudio: out.hasAudio };
    });
    return { providerJobId, request };
  }

  async status(providerJobId: string): Promise<ProviderStatus> {
    const run = this.runs.get(providerJobId);
    if (!run) {
      return { state: "failed", progress: 0, message: "Unknown render", failure: { code: "unknown_render", message: "This previz render is not known to the backend (it restarted); draft again." } };
    }
    return run.status;
  }

  async cancel(providerJobId: string): Promise<void> {
    const run = this.runs.get(providerJobId);
    if (!run) return;
    run.controller.abort();
    if (run.status.state === "queued" || run.status.state === "running") run.status = { ...run.status, state: "canceled", message: "Canceled" };
  }

  async fetchOutputs(providerJobId: string, destDir: string): Promise<ProviderOutput[]> {
    const run = this.runs.get(providerJobId);
    if (!run?.result) throw new Error("The previz render has no outputs.");
    const { master, proxy, poster, notes: resultNotes, hasAudio: resultAudio } = run.result;
    // The test sound (a render with sound on) or a resized take's own sound.
    const hasAudio = run.sound || resultAudio === true;
    const notes = [...(resultNotes ?? []), ...(run.sound ? [TEST_SOUND_NOTE] : [])];
    const move = (from: string, name: string) => {
      const to = path.join(destDir, name);
      fs.renameSync(from, to);
      return to;
    };
    const outputs: ProviderOutput[] = [
      {
        kind: "master",
        path: move(master.path, "master.mov"),
        mediaType: "video/quicktime",
        width: master.width,
        height: master.height,
        codec: "prores_hq",
        ...(notes.length > 0 ? { notes } : {}),
        ...(hasAudio ? { hasAudio } : {}),
      },
    ];
    // A bridge has no proxy or poster of its own: delivery makes them from the fitted master.
    if (proxy) outputs.push({ kind: "proxy", path: move(proxy.path, "proxy.mp4"), mediaType: "video/mp4", width: proxy.width, height: proxy.height, codec: "h264" });
    if (poster) outputs.push({ kind: "poster", path: move(poster.path, "poster.jpg"), mediaType: "image/jpeg", width: poster.width, height: poster.height });
    this.runs.delete(providerJobId);
    return outputs;
  }

  private render(run: PrevizRun, input: SubmitInput, samples: ReturnType<typeof sampleCameraPath>): Promise<void> {
    return this.runExclusive(run, input.mode === "draft" ? "Rendering draft" : "Rendering master", (onProgress) => {
      const seq = input.frame.sequence;
      // The same picture settings for a plain take and a bridge; a bridge adds B's frame to arrive on.
      const common = {
        outDir: input.workDir,
        samples,
        fps: seq.frameRate,
        width: seq.frameSize.width,
        height: seq.frameSize.height,
        colorSpace: seq.colorSpace,
        quality: input.mode,
        sound: run.sound,
        signal: run.controller.signal,
        onProgress,
      };
      return input.bridge
        ? renderBridge({ ...common, startStillPath: input.framePath, endStillPath: input.bridge.endFramePath })
        : renderPreviz({ ...common, stillPath: input.framePath });
    });
  }

  /** One local render at a time (MAX_PARALLEL_RENDERS), its progress and outcome on the run's status. */
  private async runExclusive(run: PrevizRun, words: string, work: (onProgress: (fraction: number) => void) => Promise<NonNullable<PrevizRun["result"]>>): Promise<void> {
    await this.acquire();
    try {
      if (run.controller.signal.aborted) return;
      run.status = { state: "running", progress: 0, message: words };
      const onProgress = (fraction: number) => {
        run.status = { ...run.status, progress: Math.min(0.99, fraction), message: `${words} ${Math.round(fraction * 100)}%` };
      };
      run.result = await work(onProgress);
      run.status = { state: "succeeded", progress: 1, message: "Rendered" };
    } catch (error) {
      if (run.controller.signal.aborted) {
        run.status = { state: "canceled", progress: run.status.progress, message: "Canceled" };
        return;
      }
      const message = error instanceof Error ? error.message : String(error);
      run.status = { state: "failed", progress: run.status.progress, message: "Render failed", failure: { code: "ffmpeg_failed", message } };
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.active < MAX_PARALLEL_RENDERS) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(() => {
      this.active++;
      resolve();
    }));
  }

  private release(): void {
    this.active--;
    this.waiting.shift()?.();
  }
}
