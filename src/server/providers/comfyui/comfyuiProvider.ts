import { randomInt, randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { renderForProvider } from "../../../core/direction/index.js";
import type { BridgeCapability, Direction, ModeLimits, Money, ProviderInfo, TakeVariant } from "../../../core/schemas/index.js";
import { MAX_COUNT, MAX_DURATION, MIN_DURATION } from "../../../core/schemas/index.js";
import { ProviderRequestError, type HostedStatus } from "../../director/providerExtras.js";
import type { Provider, ProviderOutput, SubmitInput, SubmitResult } from "../provider.js";
import { ComfyServer, type HistoryEntry } from "./comfyClient.js";
import { runFfmpeg } from "../../media/ffmpeg.js";
import { bridgeLengths, cameraPoseFor, drawingUses, endFraming, geometryFor, maxSeconds, tracksFor, type CameraChoice, type Geometry } from "./drawing.js";
import type { ObjectInfo } from "./objectInfo.js";
import { collectOutputs } from "./outputs.js";
import { builtInWorkflows, checkWorkflow, fillGraph, loadWorkflowDir, takes, type FillValues, type Workflow } from "./workflow.js";

/** The model id that picks a built-in workflow from the drawing (tracks, camera, or plain). */
export const COMFYUI_AUTO_MODEL = "auto";
/** How long a running take may go without a socket message before status also asks /history. */
const SOCKET_TRUST_MS = 10_000;
/** Built-ins `auto` chooses from, most specific first. */
const AUTO_ORDER = ["wan-tracks", "wan-flf", "wan-camera", "wan-i2v", "ltx-flf", "ltx-i2v"];
const NEEDS_END_FRAMING = new Set(["wan-flf", "ltx-flf"]);
/** First–last frame built-ins in the order offered for a bridge (the first usable is the default). */
const BRIDGE_ORDER = ["wan-flf", "ltx-flf"];

export interface ComfyUIProviderOptions {
  /** COMFYUI_URL: one server, or several comma-separated. */
  url?: string;
  /** COMFYUI_WORKFLOWS: a folder of the studio's own API-format workflows (and sidecars). */
  workflowsDir?: string;
  pollIntervalMs?: number;
  timeoutMs?: number;
  /** How long a server's nodes and models are trusted before asking again. */
  probeTtlMs?: number;
  /** A server unreachable this long mid-take fails that take (retry offered). */
  lostAfterMs?: number;
  /** The backend's silence timeout (ProviderTuning); used as lostAfterMs when that is not given. */
  silenceTimeoutMs?: number;
  /** Workflows beyond the built-ins and the folder (`retake comfyui check <file>`). */
  extraWorkflows?: Workflow[];
}

interface ServerState {
  server: ComfyServer;
  probedAt: number;
  error?: string;
  info?: ObjectInfo;
  /** Workflow id → why it cannot run here (empty: usable). */
  problems: Map<string, string[]>;
  /** Takes chosen for this server and not yet in its queue (several takes of a job submit at once). */
  submitting: number;
}

interface TakeRecord {
  fps: number;
  canceled: boolean;
  /** When the server first failed to answer about this take. */
  unreachableSince?: number;
  progress: number;
}

/**
 * Self-hosted open models through ComfyUI. The drawing drives the graph where the workflow takes
 * it (camera poses, WanTrackToVideo tracks); everything else goes into the prompt. Each take goes
 * to the server with the shortest queue among those that have the workflow's nodes and models;
 * a server that drops mid-take fails only that take, with retry offered. Free: no price.
 */
export class ComfyUIProvider implements Provider {
  readonly id = "comfyui";
  readonly pollIntervalMs: number;
  /** The prompt stays queued on the server across a backend restart: poll it, never send it twice. */
  readonly rerunAfterRestart = false;
  private readonly servers: ServerState[];
  private readonly workflows: Workflow[];
  private readonly takes = new Map<string, TakeRecord>();
  private readonly probeTtlMs: number;
  private readonly lostAfterMs: number;
  private probing?: Promise<void>;
  private readonly configError?: string;

  constructor(private readonly options: ComfyUIProviderOptions = {}) {
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.probeTtlMs = options.probeTtlMs ?? 30_000;
    this.lostAfterMs = options.lostAfterMs ?? options.silenceTimeoutMs ?? 15_000;
    const urls = (options.url ?? "").split(",").map((u) => u.trim()).filter(Boolean);
    const servers: ServerState[] = [];
    for (const url of urls) {
      try {
        servers.push({ server: new ComfyServer(url, { clientId: `retake-${randomUUID()}`, timeoutMs: options.timeoutMs }), probedAt: 0, problems: new Map(), submitting: 0 });
      } catch {
        this.configError = `COMFYUI_URL has an entry that is not a URL ("${url.replace(/\/\/[^@/]*@/, "//…@")}"): write e.g. http://gpu-box:8188`;
      }
    }
    this.servers = servers;
    const custom = [...(options.workflowsDir ? loadWorkflowDir(options.workflowsDir) : []), ...(options.extraWorkflows ?? [])];
    // A studio's workflow of the same name replaces the built-in (e.g. wan-i2v with its own model files).
    this.workflows = [...builtInWorkflows().filter((b) => !custom.some((c) => c.id === b.id)), ...custom];
    if (this.servers.length > 0) void this.refresh();
  }

  info(): ProviderInfo {
    const base = { id: this.id, label: "ComfyUI (self-hosted)" };
    const capabilities = (models: string[], limits?: ProviderInfo["capabilities"]["limits"], maxDuration = MAX_DURATION, bridge?: BridgeCapability): ProviderInfo["capabilities"] => ({
      modes: ["draft", "final"],
      durations: { min: MIN_DURATION, max: maxDuration, step: 0.5 },
      maxCount: MAX_COUNT,
      colorSpaces: ["rec709", "rec2100-pq", "rec2100-hlg"],
      models,
      ...(limits ? { limits } : {}),
      seed: true,
      ...(bridge ? { bridge } : {}),
    });
    if (this.configError) return { ...base, available: false, reason: this.configError, capabilities: capabilities([]) };
    if (this.servers.length === 0) {
      return { ...base, available: false, reason: "no server: set COMFYUI_URL (e.g. http://gpu-box:8188, comma-separated for several) and restart the backend", capabilities: capabilities([]) };
    }
    if (this.stale()) void this.refresh();
    const probed = this.servers.filter((s) => s.probedAt > 0);
    if (probed.length === 0) return { ...base, available: false, reason: `checking ComfyUI at ${this.servers.map((s) => s.server.name).join(", ")}…`, capabilities: capabilities([]) };
    const reachable = probed.filter((s) => s.info);
    if (reachable.length === 0) {
      return { ...base, available: false, reason: `${probed.map((s) => s.error).join("; ")}. Start ComfyUI (python main.py --listen) or correct COMFYUI_URL.`, capabilities: capabilities([]) };
    }
    const usable = this.offered().filter((w) => reachable.some((s) => s.problems.get(w.id)?.length === 0));
    if (usable.length === 0) {
      const why = this.offered().map((w) => `${w.id}: ${this.problemsEverywhere(w)[0] ?? "unusable"}`);
      return { ...base, available: false, reason: `no workflow can run on the ComfyUI server(s): ${why.join("; ")}`, capabilities: capabilities([]) };
    }
    const models = [...(usable.some((w) => AUTO_ORDER.includes(w.id)) ? [COMFYUI_AUTO_MODEL] : []), ...usable.map((w) => w.id)];
    const maxDuration = Math.min(MAX_DURATION, Math.max(...usable.map(maxSeconds)));
    const unusable = this.offered().filter((w) => !usable.includes(w)).map((w) => `${w.id} (${this.problemsEverywhere(w)[0]})`);
    const note = [
      "self-hosted, no price; core SaveVideo writes 8-bit H.264, conformed as SDR; native 16 fps (Wan) / 25 fps (LTX) conformed to the sequence",
      ...(unusable.length ? [`not installed: ${unusable.join("; ")}`] : []),
    ].join(". ");
    const limits = (mode: "draft" | "final"): ModeLimits => ({
      durations: { min: MIN_DURATION, max: maxDuration, step: 0.5 },
      resolutions: [...new Set(usable.map((w) => `${(mode === "draft" ? w.draft : w.final).height}p`))],
      hdr: false,
      exr: false,
      note,
      defaultModel: models[0],
    });
    return { ...base, available: true, capabilities: capabilities(models, { draft: limits("draft"), final: limits("final") }, maxDuration, bridgeCapability(usable)) };
  }

  estimateCost(): Money {
    return { usd: 0, estimated: false };
  }

  async submit(input: SubmitInput): Promise<SubmitResult> {
    if (this.servers.length === 0) throw new ProviderRequestError("provider_unavailable", "ComfyUI is not configured: set COMFYUI_URL.");
    if (this.stale()) await this.refresh();
    const workflow = this.chooseWorkflow(input.model, input.direction, input.duration);
    if (input.bridge && !takes(workflow, "end_image")) {
      throw new ProviderRequestError("invalid_request", `${workflow.id} takes no end picture, so it cannot bridge: pick a first–last frame workflow (${BRIDGE_ORDER.join(" or ")}).`);
    }
    if (!input.bridge && takes(workflow, "end_image") && !endFraming(input.direction)) {
      throw new ProviderRequestError(
        "invalid_request",
        `${workflow.id} goes from one picture to another: it needs an end picture. Draw a framing box at the end of the take (its region becomes the last frame), or pick another workflow.`,
      );
    }
    const state = await this.pickServer(workflow);
    try {
      return await this.send(input, workflow, state);
    } finally {
      state.submitting--;
    }
  }

  private async send(input: SubmitInput, workflow: Workflow, state: ServerState): Promise<SubmitResult> {
    const server = state.server;
    const geometry = geometryFor(workflow, input.mode, input.frame.sequence, input.duration);
    const camera = takes(workflow, "camera") ? cameraPoseFor(input.direction) : undefined;
    const tracks = takes(workflow, "tracks") ? tracksFor(input.direction, geometry) : undefined;
    const seed = input.variant?.seed ?? randomInt(0, 2 ** 31);
    const prompt = promptText(input.direction, input.variant);

    server.connect();
    const uploaded = await server.uploadImage(fs.readFileSync(input.framePath), `${input.takeId}${path.extname(input.framePath) || ".png"}`);
    const imageName = uploaded.subfolder ? `${uploaded.subfolder}/${uploaded.filename}` : uploaded.filename;
    // A bridge ends on B's captured frame (uploaded as it came, like A's: the graph scales both);
    // otherwise the end picture is the end framing box's region of the start frame.
    const end = !input.bridge && takes(workflow, "end_image") ? endFraming(input.direction) : undefined;
    let endImageName: string | undefined;
    let endRecord: EndRecord | undefined;
    if (input.bridge) {
      const up = await server.uploadImage(fs.readFileSync(input.bridge.endFramePath), `${input.takeId}-end${path.extname(input.bridge.endFramePath) || ".png"}`);
      endImageName = up.subfolder ? `${up.subfolder}/${up.filename}` : up.filename;
      endRecord = { image: endImageName, ...(input.bridge.span.endFrameId ? { frameId: input.bridge.span.endFrameId } : {}), from: "B's captured frame, the bridge's end anchor" };
    } else if (end) {
      const endPath = await cropRegion(input.framePath, end.rect, geometry, path.join(input.workDir, "end-framing.png"));
      const up = await server.uploadImage(fs.readFileSync(endPath), `${input.takeId}-end.png`);
      endImageName = up.subfolder ? `${up.subfolder}/${up.filename}` : up.filename;
      endRecord = { image: endImageName, framing: end.annotationId, rect: end.rect, from: "the end framing box's region of the start frame" };
    }
    const values: FillValues = {
      start_image: imageName,
      ...(endImageName ? { end_image: endImageName } : {}),
      prompt,
      seed,
      width: geometry.width,
      height: geometry.height,
      length: geometry.length,
      fps: geometry.fps,
      ...(camera ? { camera: camera.pose, cameraSpeed: camera.speed } : {}),
      ...(tracks ? { tracks: JSON.stringify(tracks.tracks) } : {}),
    };
    const graph = fillGraph(workflow, values);
    // Our own id, so a take is traceable even if the answer is lost; an older ComfyUI that ignores
    // it assigns one, and the id it answers with is the one that counts.
    const { promptId } = await server.prompt(graph, randomUUID());
    this.takes.set(promptId, { fps: geometry.fps, canceled: false, progress: 0 });
    return {
      providerJobId: `${promptId}@${server.name}`,
      request: requestRecord({ server: server.name, workflow, promptId, geometry, camera, tracks, seed, prompt, imageName, graph, ...(endRecord ? { end: endRecord } : {}) }),
    };
  }

  async status(providerJobId: string): Promise<HostedStatus> {
    const { promptId, state } = this.locate(providerJobId);
    const server = state.server;
    const take = this.record(promptId);
    if (take.canceled) return { state: "canceled", progress: take.progress, message: "Canceled" };
    const sock = server.socketConnected ? server.socketState(promptId) : undefined;
    if (sock?.phase === "running") {
      // A socket quiet for a while (a slow step, or a missed message) is double-checked once
      // against /history, then trusted for another while.
      if (Date.now() - sock.at >= SOCKET_TRUST_MS) {
        const entry = await server.history(promptId).catch(() => undefined);
        if (entry) return this.finished(entry, server.name, take);
        sock.at = Date.now();
      }
      take.unreachableSince = undefined;
      return this.running(take, server.name, sock.node, sock.value, sock.max, sock.nodesDone.size);
    }
    try {
      const entry = await server.history(promptId);
      take.unreachableSince = undefined;
      if (entry) return this.finished(entry, server.name, take);
      if (sock) return { state: "running", progress: Math.max(take.progress, 0.97), message: `Finishing on ${server.name}` };
      const queue = await server.queue();
      if (queue.running.includes(promptId)) {
        // ComfyUI sends a prompt's progress only to the client that sent it: a take sent before a
        // backend restart shows no steps (it still finishes and is fetched as usual).
        return this.running(take, server.name, undefined, undefined, undefined, 0, server.socketConnected ? undefined : "progress will show when the socket reconnects");
      }
      const position = queue.pending.indexOf(promptId);
      if (position >= 0) {
        const ahead = queue.running.length + position;
        return { state: "queued", progress: 0, message: `Queued on ${server.name}${ahead ? ` (${ahead} ahead)` : " (next)"}` };
      }
      // Not in the queue: it may have finished between the two questions, so ask /history again.
      const late = await server.history(promptId);
      if (late) return this.finished(late, server.name, take);
      // Neither queued, running nor in the history: the server lost it (a restart clears both).
      return {
        state: "failed",
        progress: take.progress,
        message: "Failed",
        failure: { code: "comfyui_prompt_lost", message: `ComfyUI at ${server.name} no longer knows this take (was it restarted?). Retry to send it again.`, retryable: true },
      };
    } catch (error) {
      if (!(error instanceof ProviderRequestError) || !error.retryable) throw error;
      const since = (take.unreachableSince ??= Date.now());
      if (Date.now() - since < this.lostAfterMs) throw error;
      return {
        state: "failed",
        progress: take.progress,
        message: "Failed",
        failure: {
          code: "comfyui_server_lost",
          message: `ComfyUI at ${server.name} stopped answering mid-take (${error.message}); only this take is affected. Retry to send it again (to whichever server has the workflow).`,
          retryable: true,
        },
      };
    }
  }

  async cancel(providerJobId: string): Promise<void> {
    const { promptId, state } = this.locate(providerJobId);
    this.record(promptId).canceled = true;
    const queue = await state.server.queue().catch(() => undefined);
    // /interrupt stops what runs now; deleting from the queue stops what waits. Only ours.
    if (!queue || queue.running.includes(promptId)) await state.server.interrupt(promptId).catch(() => undefined);
    if (!queue || queue.pending.includes(promptId)) await state.server.deleteQueued([promptId]).catch(() => undefined);
  }

  async fetchOutputs(providerJobId: string, destDir: string): Promise<ProviderOutput[]> {
    const { promptId, state } = this.locate(providerJobId);
    const entry = await state.server.history(promptId);
    if (!entry) throw new ProviderRequestError("output_not_found", `ComfyUI at ${state.server.name} has no record of this take's outputs.`, { retryable: true });
    const outputs = await collectOutputs(state.server, entry, destDir, this.takes.get(promptId)?.fps ?? fpsFromHistory(entry) ?? 16);
    state.server.forget(promptId);
    return outputs;
  }

  /** Closes the servers' sockets (backend shutdown). */
  close(): void {
    for (const s of this.servers) s.server.close();
  }

  /** Asks every server for its nodes and models again; never throws (a failure is recorded). */
  refresh(): Promise<void> {
    this.probing ??= Promise.all(this.servers.map((s) => this.probe(s))).then(
      () => {
        this.probing = undefined;
      },
      () => {
        this.probing = undefined;
      },
    );
    return this.probing;
  }

  /** Every workflow's problems per server, for `retake doctor` and the docs' troubleshooting. */
  describe(): Array<{ workflow: string; label: string; servers: Array<{ server: string; problems: string[] }> }> {
    return this.workflows.map((w) => ({
      workflow: w.id,
      label: w.label,
      servers: this.servers.map((s) => ({ server: s.server.name, problems: s.error ? [s.error] : (s.problems.get(w.id) ?? ["not checked yet"]) })),
    }));
  }

  private async probe(state: ServerState): Promise<void> {
    try {
      await state.server.systemStats();
      const info = await state.server.objectInfo();
      state.info = info;
      state.error = undefined;
      state.problems = new Map(this.workflows.map((w) => [w.id, checkWorkflow(w, info).problems]));
    } catch (error) {
      state.info = undefined;
      state.error = error instanceof Error ? error.message.replace(/\.$/, "") : String(error);
      state.problems = new Map();
    }
    state.probedAt = Date.now();
  }

  private stale(): boolean {
    return this.servers.some((s) => Date.now() - s.probedAt > this.probeTtlMs);
  }

  /** Workflows offered as models (a first–last one takes its end picture from an end framing box). */
  private offered(): Workflow[] {
    return this.workflows;
  }

  private problemsEverywhere(workflow: Workflow): string[] {
    return this.servers.flatMap((s) => (s.error ? [] : (s.problems.get(workflow.id) ?? []).map((p) => (this.servers.length > 1 ? `${s.server.name}: ${p}` : p))));
  }

  private usableSomewhere(workflow: Workflow): boolean {
    return this.servers.some((s) => s.info && s.problems.get(workflow.id)?.length === 0);
  }

  private chooseWorkflow(model: string, direction: Direction, duration: number): Workflow {
    const fits = (w: Workflow) => maxSeconds(w) >= duration - 1e-9;
    if (!model || model === COMFYUI_AUTO_MODEL || model === this.id) {
      const uses = drawingUses(direction);
      const order = AUTO_ORDER.filter((id) => (id === "wan-tracks" ? uses.tracks : id === "wan-camera" ? uses.camera : NEEDS_END_FRAMING.has(id) ? uses.endFraming && !uses.tracks : true));
      for (const id of order) {
        const w = this.workflows.find((x) => x.id === id);
        if (w && this.usableSomewhere(w) && fits(w)) return w;
      }
      throw new ProviderRequestError("comfyui_no_workflow", `No built-in workflow can render ${duration} s here: ${order.map((id) => `${id} (${this.whyNot(id, duration)})`).join("; ")}.`);
    }
    const w = this.workflows.find((x) => x.id === model);
    if (!w) throw new ProviderRequestError("unknown_model", `There is no ComfyUI workflow "${model}" (known: ${this.workflows.map((x) => x.id).join(", ")}).`);
    if (!fits(w)) throw new ProviderRequestError("invalid_request", `${w.id} renders at most ${maxSeconds(w)} s (${w.maxFrames} frames at ${w.fps} fps); ask for less, or pick a longer workflow.`);
    if (!this.usableSomewhere(w)) throw new ProviderRequestError("comfyui_workflow_unusable", `${w.id} cannot run on any ComfyUI server: ${this.problemsEverywhere(w).join("; ") || "no server answers"}.`);
    return w;
  }

  private whyNot(id: string, duration: number): string {
    const w = this.workflows.find((x) => x.id === id);
    if (!w) return "missing";
    if (maxSeconds(w) < duration - 1e-9) return `at most ${maxSeconds(w)} s`;
    return this.problemsEverywhere(w)[0] ?? "no server answers";
  }

  /** The server with the shortest queue among those that can run the workflow. */
  private async pickServer(workflow: Workflow): Promise<ServerState> {
    const able = this.servers.filter((s) => s.info && s.problems.get(workflow.id)?.length === 0);
    if (able.length === 0) throw new ProviderRequestError("comfyui_workflow_unusable", `${workflow.id} cannot run on any ComfyUI server: ${this.problemsEverywhere(workflow).join("; ") || "no server answers"}.`, { retryable: true });
    const lengths = await Promise.all(
      able.map(async (s) => {
        try {
          const q = await s.server.queue();
          return q.running.length + q.pending.length;
        } catch {
          return Infinity;
        }
      }),
    );
    // Counted when deciding (after the awaits), so takes of one job submitted together spread out.
    const load = lengths.map((n, i) => n + able[i]!.submitting);
    let best = -1;
    for (let i = 0; i < able.length; i++) if (load[i]! < Infinity && (best < 0 || load[i]! < load[best]!)) best = i;
    if (best < 0) throw new ProviderRequestError("comfyui_unreachable", `No ComfyUI server that has ${workflow.id} answers right now (${able.map((s) => s.server.name).join(", ")}).`, { retryable: true });
    able[best]!.submitting++;
    return able[best]!;
  }

  private locate(providerJobId: string): { promptId: string; state: ServerState } {
    const at = providerJobId.indexOf("@");
    const promptId = providerJobId.slice(0, at);
    const name = providerJobId.slice(at + 1);
    const state = this.servers.find((s) => s.server.name === name);
    if (at < 0 || !state) throw new ProviderRequestError("comfyui_server_gone", `This take ran on ComfyUI at ${name || "an unknown server"}, which is no longer in COMFYUI_URL: add it back to fetch the take.`);
    state.server.connect();
    return { promptId, state };
  }

  private record(promptId: string): TakeRecord {
    let take = this.takes.get(promptId);
    if (!take) this.takes.set(promptId, (take = { fps: 16, canceled: false, progress: 0 }));
    return take;
  }

  private running(take: TakeRecord, server: string, node: string | undefined, value: number | undefined, max: number | undefined, nodesDone: number, aside?: string): HostedStatus {
    // Sampling is nearly all of the time: its steps drive the bar; other nodes nudge it.
    const computed = max && max > 1 && value !== undefined ? 0.1 + 0.85 * Math.min(1, value / max) : Math.min(0.1, 0.02 + 0.01 * nodesDone);
    take.progress = Math.min(0.97, Math.max(take.progress, computed));
    const step = max && max > 1 && value !== undefined ? `step ${value}/${max}` : node ? `node ${node}` : "running";
    return { state: "running", progress: take.progress, message: `Generating on ${server}: ${step}${aside ? ` (${aside})` : ""}` };
  }

  private finished(entry: HistoryEntry, server: string, take: TakeRecord): HostedStatus {
    const messages = entry.status?.messages ?? [];
    const error = messages.find(([type]) => type === "execution_error")?.[1] as { exception_type?: string; exception_message?: string; node_id?: string; node_type?: string } | undefined;
    const interrupted = messages.some(([type]) => type === "execution_interrupted");
    if (entry.status?.status_str === "success" || (!error && !interrupted && entry.status?.completed)) return { state: "succeeded", progress: 1, message: "Generated" };
    if (interrupted && !error) {
      if (take.canceled) return { state: "canceled", progress: take.progress, message: "Canceled" };
      return { state: "failed", progress: take.progress, message: "Failed", failure: { code: "execution_interrupted", message: `Someone interrupted this take on ComfyUI at ${server}. Retry to send it again.`, retryable: true } };
    }
    const code = error?.exception_type ?? "execution_error";
    const where = error?.node_type ? ` in node ${error.node_id ?? "?"} (${error.node_type})` : "";
    const oom = /out of memory|OutOfMemory/i.test(`${code} ${error?.exception_message ?? ""}`);
    return {
      state: "failed",
      progress: take.progress,
      message: "Failed",
      failure: {
        code,
        message: `ComfyUI at ${server} failed${where}: ${error?.exception_message?.trim() ?? "execution error"}${oom ? " (the GPU ran out of memory: try a draft size or a shorter take)" : ""}.`,
        raw: JSON.stringify(error ?? entry.status).slice(0, 2000),
        ...(oom ? { retryable: true } : {}),
      },
    };
  }
}

function promptText(direction: Direction, variant?: TakeVariant): string {
  const text = renderForProvider(direction, "prompt", { wording: variant?.wording, guards: variant?.guards }).text.trim();
  return text || "Continue the shot naturally from this frame.";
}

/** The frame rate the graph asked for (CreateVideo.fps), for a take resumed after a restart. */
function fpsFromHistory(entry: HistoryEntry): number | undefined {
  const prompt = (entry as { prompt?: unknown[] }).prompt;
  const graph = Array.isArray(prompt) ? (prompt[2] as Record<string, { class_type?: string; inputs?: Record<string, unknown> }>) : undefined;
  for (const node of Object.values(graph ?? {})) {
    const fps = node?.inputs?.fps ?? node?.inputs?.frame_rate;
    if (typeof fps === "number" && fps > 0) return fps;
  }
  return undefined;
}

/** Where a first–last frame take's end picture came from, as recorded. */
interface EndRecord {
  image: string;
  from: string;
  framing?: string;
  rect?: { x: number; y: number; w: number; h: number };
  frameId?: string;
}

/**
 * Bridge mode through the usable first–last frame workflows (wan-flf, ltx-flf, then a studio's
 * own that take an end picture). The lengths are the default (first) model's frame grid; the other
 * renders the nearest length it can at or above, and delivery retimes whatever came to the span.
 */
function bridgeCapability(usable: Workflow[]): BridgeCapability | undefined {
  const rank = (w: Workflow) => (BRIDGE_ORDER.includes(w.id) ? BRIDGE_ORDER.indexOf(w.id) : BRIDGE_ORDER.length);
  const flf = usable.filter((w) => takes(w, "end_image")).sort((a, b) => rank(a) - rank(b));
  const first = flf[0];
  if (!first) return undefined;
  const grid = (w: Workflow) => `${w.id} ${w.frameStep}n+1 frames at ${w.fps} fps (${(w.frameStep / w.fps).toFixed(2)} s steps, up to ${maxSeconds(w)} s)`;
  return {
    startFrame: true,
    endFrame: true,
    lengths: bridgeLengths(first),
    models: flf.map((w) => w.id),
    note: `first–last frame workflows, A's frame as start_image and B's as end_image; ${flf.map(grid).join("; ")}; lengths listed are ${first.id}'s`,
  };
}

/** The take's request as recorded: what was sent, and why each drawn thing became what it is. */
function requestRecord(r: {
  server: string;
  workflow: Workflow;
  promptId: string;
  geometry: Geometry;
  camera?: CameraChoice;
  tracks?: ReturnType<typeof tracksFor>;
  seed: number;
  prompt: string;
  imageName: string;
  graph: unknown;
  end?: EndRecord;
}): unknown {
  return {
    server: r.server,
    workflow: r.workflow.id,
    workflowLabel: r.workflow.label,
    promptId: r.promptId,
    width: r.geometry.width,
    height: r.geometry.height,
    length: r.geometry.length,
    fps: r.geometry.fps,
    renderedSeconds: r.geometry.seconds,
    seed: r.seed,
    prompt: r.prompt,
    startImage: r.imageName,
    ...(r.end ? { endImage: r.end } : {}),
    ...(r.camera ? { camera: r.camera } : {}),
    ...(r.tracks ? { tracks: { count: r.tracks.tracks.length, subjects: r.tracks.subjects, holds: r.tracks.holds, samples: r.tracks.samples, space: `${r.geometry.width}×${r.geometry.height} px` } } : {}),
    graph: r.graph,
  };
}

/** The region of the start frame an end framing box marks, at the render size (the end picture). */
async function cropRegion(framePath: string, rect: { x: number; y: number; w: number; h: number }, geometry: Geometry, out: string): Promise<string> {
  const clamp = (v: number) => Math.min(1, Math.max(0, v));
  const x = clamp(rect.x);
  const y = clamp(rect.y);
  const w = Math.max(0.01, Math.min(1 - x, rect.w));
  const h = Math.max(0.01, Math.min(1 - y, rect.h));
  fs.mkdirSync(path.dirname(out), { recursive: true });
  await runFfmpeg(["-y", "-i", framePath, "-vf", `crop=iw*${w.toFixed(5)}:ih*${h.toFixed(5)}:iw*${x.toFixed(5)}:ih*${y.toFixed(5)},scale=${geometry.width}:${geometry.height}:flags=lanczos`, "-frames:v", "1", out]);
  return out;
}
