import { execFileSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { WebSocketServer, type WebSocket } from "ws";

/**
 * A stand-in ComfyUI for tests without a GPU: a real HTTP server and `/ws` socket on a random
 * loopback port, speaking ComfyUI's documented protocol (server.py, execution.py):
 * - POST /prompt validates the graph against an /object_info taken from ComfyUI's node
 *   definitions (test/fixtures/comfyui/object_info.json) and answers 400 with `error` and
 *   `node_errors` the way ComfyUI does (required_input_missing, value_not_in_list,
 *   value_bigger_than_max, return_type_mismatch, invalid image file);
 * - it then "runs" the queue one prompt at a time, sending `status`, `execution_start`,
 *   `execution_cached`, `executing`, `progress` (the sampler's steps), `executed`,
 *   `execution_success` / `execution_error` / `execution_interrupted` to the prompt's client, and
 *   writes what SaveVideo writes: an 8-bit H.264 MP4 with no color tags, at the graph's fps and
 *   frame count (or 16-bit PNG frames from SaveImage when asked);
 * - /history/{id}, /queue (+ delete), /interrupt, /upload/image, /view, /system_stats.
 * It is written from the protocol, independently of Retake's client, so it can disagree with it.
 */

export interface StandInOptions {
  /** Node classes to leave out of /object_info (a server without a custom node). */
  withoutNodes?: string[];
  /** Model files to leave out of the loader combos (a server without a model). */
  withoutModels?: string[];
  /** Time per sampler step. */
  stepDelayMs?: number;
  /** Fail with execution_error when reaching a node of this class. */
  failAtClass?: string;
  /** Write 16-bit PNG or float EXR frames instead of a video (SaveVideo's output replaced). */
  output?: "video" | "png16" | "exr";
  /** Output frames are the graph's size divided by this (small files, fast tests). */
  downscale?: number;
}

interface Prompt {
  id: string;
  number: number;
  graph: Record<string, { class_type: string; inputs: Record<string, unknown>; _meta?: { title?: string } }>;
  clientId?: string;
  interrupted?: boolean;
}

const FIXTURE = path.join(path.dirname(new URL(import.meta.url).pathname), "../fixtures/comfyui/object_info.json");

export class ComfyStandIn {
  readonly posted: Prompt[] = [];
  readonly uploads = new Map<string, Buffer>();
  readonly interrupts: Array<string | undefined> = [];
  readonly deleted: string[] = [];
  url = "";
  private readonly info: Record<string, any>;
  private readonly server: http.Server;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sockets = new Map<string, WebSocket>();
  private readonly pending: Prompt[] = [];
  private running?: Prompt;
  private readonly history = new Map<string, unknown>();
  private readonly outputDir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-comfy-"));
  private counter = 0;
  private refuseSockets = false;
  private paused = false;
  private stopped = false;

  constructor(private readonly options: StandInOptions = {}) {
    this.info = JSON.parse(fs.readFileSync(FIXTURE, "utf8"));
    for (const n of options.withoutNodes ?? []) delete this.info[n];
    for (const def of Object.values(this.info)) {
      for (const spec of Object.values<any>({ ...def.input.required, ...(def.input.optional ?? {}) })) {
        if (Array.isArray(spec[0])) spec[0] = spec[0].filter((v: unknown) => !(options.withoutModels ?? []).includes(String(v)));
      }
    }
    this.server = http.createServer((req, res) => void this.handle(req, res).catch((e) => this.send(res, 500, { error: String(e) })));
    this.server.on("upgrade", (req, socket, head) => {
      const url = new URL(req.url ?? "/", "http://x");
      if (url.pathname !== "/ws" || this.refuseSockets) return socket.destroy();
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        const clientId = url.searchParams.get("clientId") ?? `anon-${Math.random()}`;
        this.sockets.set(clientId, ws);
        ws.on("close", () => this.sockets.get(clientId) === ws && this.sockets.delete(clientId));
        ws.send(JSON.stringify({ type: "status", data: { status: { exec_info: { queue_remaining: this.queueLength() } }, sid: clientId } }));
      });
    });
  }

  static async start(options: StandInOptions = {}): Promise<ComfyStandIn> {
    const s = new ComfyStandIn(options);
    await new Promise<void>((resolve) => s.server.listen(0, "127.0.0.1", resolve));
    const address = s.server.address() as { port: number };
    s.url = `http://127.0.0.1:${address.port}`;
    return s;
  }

  /** Queue a prompt from someone else (another artist on the same GPU), to lengthen the queue. */
  addForeignPrompt(): string {
    const id = `foreign-${++this.counter}`;
    this.pending.push({ id, number: this.counter, graph: {} });
    return id;
  }

  /** A model file deleted from the GPU box after Retake looked (its next /prompt is refused). */
  removeModel(file: string): void {
    for (const def of Object.values<any>(this.info)) {
      for (const spec of Object.values<any>({ ...def.input.required, ...(def.input.optional ?? {}) })) {
        if (Array.isArray(spec[0])) spec[0] = spec[0].filter((v: unknown) => v !== file);
      }
    }
  }

  /** Hold the queue (nothing starts) until resume(). */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    void this.work();
  }

  /** Cuts every socket; with `refuse`, new ones are refused until allowSockets(). */
  dropSockets(refuse = false): void {
    this.refuseSockets = refuse;
    for (const ws of this.sockets.values()) ws.terminate();
    this.sockets.clear();
  }

  allowSockets(): void {
    this.refuseSockets = false;
  }

  socketCount(): number {
    return this.sockets.size;
  }

  /** The server goes away mid-whatever (power cut): every connection is cut, nothing answers. */
  async kill(): Promise<void> {
    this.stopped = true;
    this.dropSockets(true);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  async close(): Promise<void> {
    if (!this.stopped) await this.kill();
    fs.rmSync(this.outputDir, { recursive: true, force: true });
  }

  private queueLength(): number {
    return this.pending.length + (this.running ? 1 : 0);
  }

  private emit(prompt: Prompt, type: string, data: Record<string, unknown>): void {
    const ws = prompt.clientId ? this.sockets.get(prompt.clientId) : undefined;
    ws?.send(JSON.stringify({ type, data: { ...data, prompt_id: prompt.id } }));
  }

  private broadcastStatus(): void {
    for (const [sid, ws] of this.sockets) ws.send(JSON.stringify({ type: "status", data: { status: { exec_info: { queue_remaining: this.queueLength() } }, sid } }));
  }

  private send(res: http.ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  }

  private async body(req: http.IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.url || "http://x");
    const route = url.pathname.replace(/^\/api(?=\/)/, "");
    if (req.method === "GET" && route === "/system_stats") {
      return this.send(res, 200, { system: { os: "posix", comfyui_version: "0.3.stand-in", python_version: "3.12" }, devices: [{ name: "cuda:0 stand-in", type: "cuda", vram_total: 25769803776, vram_free: 20000000000 }] });
    }
    if (req.method === "GET" && route === "/object_info") return this.send(res, 200, this.info);
    if (req.method === "GET" && route === "/queue") {
      const row = (p: Prompt) => [p.number, p.id, p.graph, {}, []];
      return this.send(res, 200, { queue_running: this.running ? [row(this.running)] : [], queue_pending: this.pending.map(row) });
    }
    if (req.method === "POST" && route === "/queue") {
      const body = JSON.parse((await this.body(req)).toString() || "{}");
      for (const id of body.delete ?? []) {
        const i = this.pending.findIndex((p) => p.id === id);
        if (i >= 0) this.pending.splice(i, 1);
        this.deleted.push(id);
      }
      this.broadcastStatus();
      return this.send(res, 200, {});
    }
    if (req.method === "POST" && route === "/interrupt") {
      const text = (await this.body(req)).toString();
      const id = text ? JSON.parse(text).prompt_id : undefined;
      this.interrupts.push(id);
      if (this.running && (!id || id === this.running.id)) this.running.interrupted = true;
      return this.send(res, 200, {});
    }
    if (req.method === "GET" && route.startsWith("/history/")) {
      const id = decodeURIComponent(route.slice("/history/".length));
      const entry = this.history.get(id);
      return this.send(res, 200, entry ? { [id]: entry } : {});
    }
    if (req.method === "GET" && route === "/view") {
      const file = path.join(this.outputDir, url.searchParams.get("subfolder") ?? "", url.searchParams.get("filename") ?? "");
      if (url.searchParams.get("type") !== "output" || !fs.existsSync(file)) return this.send(res, 404, { error: "not found" });
      res.writeHead(200, { "content-type": file.endsWith(".png") ? "image/png" : "video/mp4" });
      return void res.end(fs.readFileSync(file));
    }
    if (req.method === "POST" && route === "/upload/image") {
      const form = await new Request("http://x/", { method: "POST", headers: { "content-type": req.headers["content-type"] ?? "" }, body: new Uint8Array(await this.body(req)) }).formData();
      const image = form.get("image");
      if (!(image instanceof Blob)) return this.send(res, 400, { error: "no image" });
      const subfolder = String(form.get("subfolder") ?? "");
      const name = (image as File).name;
      this.uploads.set(subfolder ? `${subfolder}/${name}` : name, Buffer.from(await image.arrayBuffer()));
      return this.send(res, 200, { name, subfolder, type: String(form.get("type") ?? "input") });
    }
    if (req.method === "POST" && route === "/prompt") {
      const body = JSON.parse((await this.body(req)).toString());
      const graph = body.prompt;
      const problems = this.validate(graph);
      if (problems) return this.send(res, 400, problems);
      const prompt: Prompt = { id: body.prompt_id ?? `p-${++this.counter}`, number: ++this.counter, graph, clientId: body.client_id };
      this.posted.push(prompt);
      this.pending.push(prompt);
      this.broadcastStatus();
      void this.work();
      return this.send(res, 200, { prompt_id: prompt.id, number: prompt.number, node_errors: {} });
    }
    this.send(res, 404, { error: `no route ${req.method} ${route}` });
  }

  /** ComfyUI's validation (execution.py validate_prompt / validate_inputs), as the 400 body it sends. */
  private validate(graph: Record<string, any>): unknown {
    for (const [id, node] of Object.entries(graph)) {
      if (!this.info[node?.class_type]) {
        return { error: { type: "invalid_prompt", message: `Cannot execute because node ${node?.class_type} does not exist.`, details: `Node ID '#${id}'`, extra_info: {} }, node_errors: {} };
      }
    }
    const nodeErrors: Record<string, unknown> = {};
    for (const [id, node] of Object.entries(graph)) {
      const def = this.info[node.class_type];
      const errors: Array<Record<string, unknown>> = [];
      const err = (type: string, message: string, input: string, details: string) => errors.push({ type, message, details, extra_info: { input_name: input } });
      const specs: Array<[string, any, boolean]> = [
        ...Object.entries<any>(def.input.required).map(([k, v]) => [k, v, true] as [string, any, boolean]),
        ...Object.entries<any>(def.input.optional ?? {}).map(([k, v]) => [k, v, false] as [string, any, boolean]),
      ];
      for (const [name, spec, required] of specs) {
        const value = node.inputs?.[name];
        if (value === undefined) {
          if (required) err("required_input_missing", "Required input is missing", name, name);
          continue;
        }
        const combo = Array.isArray(spec[0]) ? spec[0] : spec[0] === "COMBO" ? spec[1].options : undefined;
        if (Array.isArray(value)) {
          const source = graph[value[0]];
          const got = source ? this.info[source.class_type]?.output?.[value[1]] : undefined;
          const want = combo ? "COMBO" : spec[0];
          if (got !== want) err("return_type_mismatch", "Return type mismatch between linked nodes", name, `${name}, received_type(${got}) mismatch input_type(${want})`);
          continue;
        }
        if (node.class_type === "LoadImage" && name === "image") {
          if (!this.uploads.has(String(value))) err("custom_validation_failed", "Custom validation failed for node", name, `image - Invalid image file: ${value}`);
          continue;
        }
        if (combo) {
          if (!combo.includes(value)) err("value_not_in_list", "Value not in list", name, `${name}: '${value}' not in ${JSON.stringify(combo)}`);
          continue;
        }
        const opts = spec[1] ?? {};
        if (typeof opts.max === "number" && value > opts.max) err("value_bigger_than_max", `Value ${value} bigger than max of ${opts.max}`, name, `${name}`);
        if (typeof opts.min === "number" && value < opts.min) err("value_smaller_than_min", `Value ${value} smaller than min of ${opts.min}`, name, `${name}`);
      }
      if (errors.length) nodeErrors[id] = { errors, dependent_outputs: [], class_type: node.class_type };
    }
    if (Object.keys(nodeErrors).length === 0) return undefined;
    return { error: { type: "prompt_outputs_failed_validation", message: "Prompt outputs failed validation", details: "", extra_info: {} }, node_errors: nodeErrors };
  }

  private working = false;

  private async work(): Promise<void> {
    if (this.working) return;
    this.working = true;
    try {
      while (!this.paused && !this.stopped && this.pending.length > 0) {
        this.running = this.pending.shift()!;
        this.broadcastStatus();
        await this.execute(this.running);
        this.running = undefined;
        this.broadcastStatus();
      }
    } finally {
      this.working = false;
    }
  }

  private async execute(prompt: Prompt): Promise<void> {
    if (prompt.id.startsWith("foreign-")) {
      await sleep((this.options.stepDelayMs ?? 5) * 10);
      return;
    }
    const messages: Array<[string, unknown]> = [];
    const record = (type: string, data: Record<string, unknown>) => {
      messages.push([type, { ...data, prompt_id: prompt.id, timestamp: Date.now() }]);
      this.emit(prompt, type, data);
    };
    record("execution_start", {});
    record("execution_cached", { nodes: [] });
    const outputs: Record<string, unknown> = {};
    for (const id of order(prompt.graph)) {
      if (this.stopped) return;
      const node = prompt.graph[id]!;
      this.emit(prompt, "executing", { node: id, display_node: id });
      if (node.class_type === this.options.failAtClass) {
        record("execution_error", { node_id: id, node_type: node.class_type, executed: [], exception_message: "Allocation on device: CUDA out of memory. Tried to allocate 2.00 GiB", exception_type: "torch.OutOfMemoryError", traceback: ["..."], current_inputs: {}, current_outputs: {} });
        this.history.set(prompt.id, { prompt: [prompt.number, prompt.id, prompt.graph, {}, []], outputs: {}, status: { status_str: "error", completed: false, messages }, meta: {} });
        return;
      }
      if (node.class_type === "KSampler") {
        const steps = Number(node.inputs.steps ?? 20);
        for (let step = 1; step <= steps; step++) {
          await sleep(this.options.stepDelayMs ?? 5);
          if (prompt.interrupted || this.stopped) {
            if (this.stopped) return;
            record("execution_interrupted", { node_id: id, node_type: node.class_type, executed: [] });
            this.history.set(prompt.id, { prompt: [prompt.number, prompt.id, prompt.graph, {}, []], outputs: {}, status: { status_str: "error", completed: false, messages }, meta: {} });
            return;
          }
          this.emit(prompt, "progress", { value: step, max: steps, node: id });
        }
      }
      if (node.class_type === "SaveVideo") {
        const output = this.writeOutput(prompt);
        outputs[id] = output;
        this.emit(prompt, "executed", { node: id, display_node: id, output });
      }
    }
    this.emit(prompt, "executing", { node: null });
    record("execution_success", {});
    this.history.set(prompt.id, { prompt: [prompt.number, prompt.id, prompt.graph, {}, []], outputs, status: { status_str: "success", completed: true, messages }, meta: {} });
  }

  /** What SaveVideo writes: 8-bit H.264 MP4 without color tags, at the graph's fps and length. */
  private writeOutput(prompt: Prompt): Record<string, unknown> {
    const nodes = Object.values(prompt.graph);
    const sized = nodes.find((n) => typeof n.inputs.width === "number" && typeof n.inputs.length === "number");
    const scale = this.options.downscale ?? 4;
    const even = (v: number) => Math.max(16, Math.round(v / scale / 2) * 2);
    const width = even(Number(sized?.inputs.width ?? 832));
    const height = even(Number(sized?.inputs.height ?? 480));
    const frames = Number(sized?.inputs.length ?? 33);
    const fps = Number(nodes.find((n) => n.class_type === "CreateVideo")?.inputs.fps ?? 16);
    const sub = "retake";
    fs.mkdirSync(path.join(this.outputDir, sub), { recursive: true });
    const source = ["-f", "lavfi", "-i", `testsrc2=size=${width}x${height}:rate=${fps}`, "-frames:v", String(frames)];
    if (this.options.output === "png16" || this.options.output === "exr") {
      const prefix = `take_${prompt.number}`;
      const exr = this.options.output === "exr";
      const encode = exr ? ["-pix_fmt", "gbrpf32le", "-c:v", "exr"] : ["-pix_fmt", "rgb48be"];
      execFileSync("ffmpeg", ["-v", "error", "-y", ...source, ...encode, path.join(this.outputDir, sub, `${prefix}_%05d_.${exr ? "exr" : "png"}`)]);
      const images = fs.readdirSync(path.join(this.outputDir, sub)).filter((f) => f.startsWith(`${prefix}_`)).sort().map((filename) => ({ filename, subfolder: sub, type: "output" }));
      return { images };
    }
    const filename = `take_${String(prompt.number).padStart(5, "0")}_.mp4`;
    execFileSync("ffmpeg", ["-v", "error", "-y", ...source, "-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "ultrafast", path.join(this.outputDir, sub, filename)]);
    return { images: [{ filename, subfolder: sub, type: "output" }], animated: [true] };
  }
}

/** Dependencies first (ComfyUI executes from the outputs back; any topological order will do here). */
function order(graph: Record<string, { inputs: Record<string, unknown> }>): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  const visit = (id: string) => {
    if (seen.has(id) || !graph[id]) return;
    seen.add(id);
    for (const v of Object.values(graph[id]!.inputs)) if (Array.isArray(v) && typeof v[0] === "string") visit(v[0]);
    out.push(id);
  };
  for (const id of Object.keys(graph)) visit(id);
  return out;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
