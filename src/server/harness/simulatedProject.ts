import fs from "node:fs";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { z } from "zod";
import { gateImport } from "../../core/colorTags/index.js";
import {
  findBridgePlacement,
  findBridgeSpan,
  findExtendPlacement,
  findPlacement,
  findShotUnderPlayhead,
  NO_SHOT_TO_EXTEND_MESSAGE,
} from "../../core/placement.js";
import {
  SequenceColorSpace,
  VideoTrack,
  type FrameContext,
  type ImportTakeResult,
  type PlacementMode,
  type SequenceContext,
  type TrackClip,
} from "../../core/schemas/index.js";
import { timePointAt } from "../../core/time.js";
import type { HarnessState } from "../../host/browser/harnessState.js";
import type { FrameStore } from "../files/frameStore.js";
import { readColorTagsFromFile } from "../files/fileRangedRead.js";
import type { Store } from "../ledger/store.js";
import { ensureSampleClip, extractFrame } from "../media/sampleClip.js";
import { ServiceError } from "../serviceError.js";

/**
 * The server side of the browser harness: a simulated Premiere project with one sequence, a
 * sample clip on V1, a "Retake" bin and a media folder. It plays Premiere's part in development
 * and in the e2e tests, and follows the same placement rule the real hosts use (core/placement).
 */
export class HarnessError extends ServiceError {}

const PersistedState = z.object({
  colorSpace: SequenceColorSpace,
  playheadSeconds: z.number().nonnegative(),
  tracks: z.array(VideoTrack),
  bin: z.array(z.object({ name: z.string(), mediaPath: z.string(), takeId: z.string() })),
});
type PersistedState = z.infer<typeof PersistedState>;

const FRAME_RATE = { num: 24, den: 1 };
const FRAME_SIZE = { width: 1920, height: 1080 };
const SAMPLE_CLIP_NAME = "Valley drift.mp4";
const BIN_NAME = "Retake";

export class SimulatedProject {
  private readonly dir: string;
  private readonly statePath: string;
  readonly mediaFolder: string;
  private state: PersistedState;
  private sample?: { path: string; duration: number };

  constructor(
    dataDir: string,
    private readonly deps: { store: Store; frames: FrameStore; token?: string },
  ) {
    this.dir = path.join(dataDir, "harness");
    this.statePath = path.join(this.dir, "project.json");
    this.mediaFolder = path.join(this.dir, "media");
    fs.mkdirSync(this.mediaFolder, { recursive: true });
    this.state = this.load();
  }

  /** Makes the sample clip on first start (ffmpeg, no downloads). */
  async prepare(): Promise<void> {
    const clip = await ensureSampleClip(path.join(this.dir, "sample"));
    this.sample = { path: clip.path, duration: clip.duration };
    if (this.state.tracks.length === 0) this.state = this.initialState();
    this.save();
  }

  get sampleClipPath(): string {
    return this.requireSample().path;
  }

  snapshot(): HarnessState {
    const sample = this.requireSample();
    return {
      sequence: this.sequenceContext(),
      bin: { name: BIN_NAME, items: this.state.bin },
      mediaFolder: this.mediaFolder,
      sampleClip: { url: "/harness/sample.mp4", duration: sample.duration },
      ...(this.deps.token ? { token: this.deps.token } : {}),
    };
  }

  update(change: { colorSpace?: SequenceColorSpace; playheadSeconds?: number }): HarnessState {
    if (change.colorSpace) this.state.colorSpace = change.colorSpace;
    if (change.playheadSeconds !== undefined) {
      const frameDuration = FRAME_RATE.den / FRAME_RATE.num;
      // Snap to a frame boundary, as Premiere's playhead always sits on one.
      this.state.playheadSeconds = Math.max(0, Math.round(change.playheadSeconds / frameDuration) * frameDuration);
    }
    this.save();
    return this.snapshot();
  }

  reset(): HarnessState {
    const keepColor = this.state.colorSpace;
    this.state = { ...this.initialState(), colorSpace: keepColor };
    this.save();
    return this.snapshot();
  }

  sequenceContext(): SequenceContext {
    const durationSeconds = Math.max(0, ...this.state.tracks.flatMap((t) => t.clips.map((c) => c.end)));
    return {
      host: "browser",
      projectName: "Retake harness project",
      sequenceName: "Sequence 01",
      frameSize: FRAME_SIZE,
      pixelAspect: 1,
      frameRate: FRAME_RATE,
      dropFrame: false,
      colorSpace: this.state.colorSpace,
      maxBitDepth: this.state.colorSpace !== "rec709",
      compositeInLinear: false,
      playhead: timePointAt(this.state.playheadSeconds, FRAME_RATE, false),
      durationSeconds,
      videoTracks: this.state.tracks,
    };
  }

  /**
   * Exports the frame under the playhead (Insert) or the last frame of the shot under it
   * (Extend), like Premiere's exportSequenceFrame, and stores it as a captured frame.
   */
  async capture(mode: PlacementMode, bridgeSeconds?: number): Promise<FrameContext> {
    if (mode === "bridge") return this.captureBridge(bridgeSeconds);
    const sequence = this.sequenceContext();
    const t = this.state.playheadSeconds;
    const shot = findShotUnderPlayhead(this.state.tracks, t);
    if (!shot) {
      throw new HarnessError(409, "nothing_under_playhead", "There is no clip under the playhead: move the playhead onto a clip, then capture.");
    }
    const frameDuration = FRAME_RATE.den / FRAME_RATE.num;
    const sequenceTime = mode === "extend" ? shot.clip.end - frameDuration : t;
    const bytes = await this.frameOf(shot.clip, sequenceTime);
    return this.deps.frames.save(bytes, sequence, mode);
  }

  /**
   * Bridge: finds the gap or cut at the playhead (core/placement, the rule the hosts use), exports
   * B's frame where the bridge ends and A's where it starts, and stores B's first so A's frame can
   * name it. The returned frame is A's, carrying the span.
   */
  private async captureBridge(bridgeSeconds?: number): Promise<FrameContext> {
    const sequence = this.sequenceContext();
    let span;
    try {
      span = findBridgeSpan(sequence.videoTracks, this.state.playheadSeconds, FRAME_RATE, bridgeSeconds);
    } catch (error) {
      throw new HarnessError(409, "nothing_to_bridge", error instanceof Error ? error.message : String(error));
    }
    const track = this.state.tracks.find((tr) => tr.index === span.trackIndex)!;
    const clipNamed = (ref: { name: string; start: number }) => track.clips.find((c) => c.name === ref.name && Math.abs(c.start - ref.start) < 1e-6)!;
    const endBytes = await this.frameOf(clipNamed(span.b), span.endAnchor);
    const end = await this.deps.frames.save(endBytes, sequence, "bridge");
    const startBytes = await this.frameOf(clipNamed(span.a), span.startAnchor);
    return this.deps.frames.save(startBytes, sequence, "bridge", { ...span, endFrameId: end.frameId });
  }

  /** The picture of `clip` at sequence time `sequenceTime`, as a PNG (like exportSequenceFrame). */
  private async frameOf(clip: TrackClip, sequenceTime: number): Promise<Buffer> {
    const source = await this.sourceFor(clip);
    const offset = Math.max(0, sequenceTime - clip.start) + (clip.sourceIn ?? 0);
    const outPath = path.join(this.dir, `capture-${Date.now()}-${Math.random().toString(36).slice(2, 8)}.png`);
    try {
      await extractFrame(source, offset, outPath, FRAME_SIZE);
      return fs.readFileSync(outPath);
    } finally {
      fs.rmSync(outPath, { force: true });
    }
  }

  /**
   * Imports a take the way the Premiere host does: copy the master into the media folder
   * (streamed), verify its color tags against the sequence, add it to the "Retake" bin, place it
   * without moving anything. A refused import leaves the timeline and bin untouched.
   */
  async importTake(jobId: string, takeId: string, mode: PlacementMode): Promise<ImportTakeResult> {
    const job = await this.deps.store.getJob(jobId);
    const take = job?.takes.find((t) => t.id === takeId);
    if (!job || !take) throw new HarnessError(404, "take_not_found", `No take ${takeId} in job ${jobId}.`);
    const master = take.outputs.master;
    if (take.state !== "succeeded" || !master) {
      throw new HarnessError(409, "take_not_ready", `Take ${take.index + 1} has no master yet (it is ${take.state}).`);
    }
    const artifact = await this.deps.store.getArtifact(master.id);
    if (!artifact) throw new HarnessError(410, "master_missing", "The take's master is no longer on the backend.");

    const sequence = this.sequenceContext();
    const t = this.state.playheadSeconds;
    let placement;
    try {
      if (mode === "bridge" || job.frame.mode === "bridge") {
        if (mode !== "bridge" || !job.frame.bridge) {
          throw new Error(mode === "bridge" ? "This take was not made as a bridge: import it with Insert or Extend." : "This take is a bridge: import it with Bridge, so it lands between its two clips.");
        }
        placement = findBridgePlacement(sequence.videoTracks, job.frame.bridge);
      } else {
        placement = mode === "extend" ? findExtendPlacement(sequence.videoTracks, t, job.duration) : findPlacement(sequence.videoTracks, t, job.duration);
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : NO_SHOT_TO_EXTEND_MESSAGE;
      throw new HarnessError(409, "no_placement", message);
    }

    const baseName = `Retake ${job.id.slice(-6)} take ${take.index + 1}`;
    const target = uniquePath(this.mediaFolder, baseName, path.extname(artifact.path) || ".mov");
    const partial = `${target}.partial`;
    try {
      await pipeline(fs.createReadStream(artifact.path), fs.createWriteStream(partial));
      const tags = await readColorTagsFromFile(partial);
      // The same gate the UXP hosts run before importFiles: every carrier agrees and the color
      // space is the sequence's, or nothing is imported and the editor is told why and what to do.
      const gate = gateImport(tags, sequence.colorSpace);
      if (!gate.ok) {
        throw new HarnessError(409, "color_mismatch", `Not imported: ${gate.reasons.join(" ")} ${gate.suggestion}`.trim());
      }
      fs.renameSync(partial, target);
      const name = path.basename(target);
      this.state.bin.push({ name, mediaPath: target, takeId });
      const tracks = this.state.tracks;
      if (placement.newTrack) tracks.push({ index: tracks.length, name: `V${tracks.length + 1}`, clips: [] });
      const track = tracks.find((tr) => tr.index === placement.trackIndex)!;
      track.clips.push({ name, start: placement.start, end: placement.end, mediaPath: target });
      track.clips.sort((a, b) => a.start - b.start);
      this.save();
      return {
        mediaPath: target,
        binName: BIN_NAME,
        placement: { trackIndex: placement.trackIndex, start: placement.start, end: placement.end, newTrack: placement.newTrack },
        colorTags: tags,
        // The simulated sequence has video tracks only: say where the sound is rather than pretend it landed.
        ...(master.audio ? { guidance: "This take has sound; the harness timeline has no audio tracks, so it stays in the imported file (Premiere places it on an audio track, linked)." } : {}),
      };
    } finally {
      fs.rmSync(partial, { force: true });
    }
  }

  /** Imported takes are read from their SDR proxy so a capture over them looks right. */
  private async sourceFor(clip: { mediaPath?: string }): Promise<string> {
    const item = this.state.bin.find((b) => b.mediaPath === clip.mediaPath);
    if (item) {
      const take = await this.deps.store.getTake(item.takeId);
      const proxy = take?.outputs.proxy && (await this.deps.store.getArtifact(take.outputs.proxy.id));
      if (proxy) return proxy.path;
    }
    return clip.mediaPath && fs.existsSync(clip.mediaPath) ? clip.mediaPath : this.requireSample().path;
  }

  private initialState(): PersistedState {
    const sample = this.requireSample();
    return {
      colorSpace: this.state?.colorSpace ?? "rec709",
      playheadSeconds: 4,
      // After the sample shot: a cut to a second shot (Bridge covers it as a transition), then a
      // 2.5 s gap before a third (Bridge fills it). Both later shots are other stretches of the
      // sample, so A's and B's pictures differ.
      tracks: [
        {
          index: 0,
          name: "V1",
          clips: [
            { name: SAMPLE_CLIP_NAME, start: 0, end: sample.duration, mediaPath: sample.path },
            { name: "Valley ridge.mp4", start: sample.duration, end: sample.duration + 4, mediaPath: sample.path, sourceIn: 7 },
            { name: "Valley meadow.mp4", start: sample.duration + 6.5, end: sample.duration + 10, mediaPath: sample.path, sourceIn: 1 },
          ],
        },
        { index: 1, name: "V2", clips: [] },
      ],
      bin: [],
    };
  }

  private requireSample() {
    if (!this.sample) throw new HarnessError(503, "not_ready", "The harness is still preparing its sample clip.");
    return this.sample;
  }

  private load(): PersistedState {
    try {
      return PersistedState.parse(JSON.parse(fs.readFileSync(this.statePath, "utf8")));
    } catch {
      return { colorSpace: "rec709", playheadSeconds: 4, tracks: [], bin: [] };
    }
  }

  private save(): void {
    const tmp = `${this.statePath}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(this.state, null, 2));
    fs.renameSync(tmp, this.statePath);
  }
}

function uniquePath(dir: string, base: string, ext: string): string {
  let candidate = path.join(dir, `${base}${ext}`);
  for (let n = 2; fs.existsSync(candidate); n++) candidate = path.join(dir, `${base} (${n})${ext}`);
  return candidate;
}
