import fs from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import WebSocket from "ws";
import { z } from "zod";
import { ProviderRequestError } from "../../director/providerExtras.js";
import type { ApiGraph, ObjectInfo } from "./objectInfo.js";

/**
 * One ComfyUI server, through its documented HTTP routes (server.py) and its `/ws` socket:
 * POST /prompt with our client_id, /history/{id}, /queue, /interrupt, /upload/image, /view,
 * /object_info, /system_stats. The socket's messages (`status`, `execution_start`,
 * `execution_cached`, `executing`, `progress`, `executed`, `execution_success`,
 * `execution_error`, `execution_interrupted`) are folded into a per-prompt state that status
 * reads; when the socket is down, /history and /queue say the same thing more slowly.
 */

export interface OutputRef {
  filename: string;
  subfolder: string;
  type: string;
}

export const HistoryEntry = z
  .object({
    outputs: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
    status: z
      .object({
        status_str: z.string().optional(),
        completed: z.boolean().optional(),
        messages: z.array(z.tuple([z.string(), z.unknown()])).optional(),
      })
      .loose()
      .optional(),
  })
  .loose();
export type HistoryEntry = z.infer<typeof HistoryEntry>;

const QueueBody = z.object({ queue_running: z.array(z.array(z.unknown())).default([]), queue_pending: z.array(z.array(z.unknown())).default([]) }).loose();

export interface SocketPromptState {
  phase: "running" | "done" | "error" | "interrupted";
  node?: string;
  value?: number;
  max?: number;
  /** Nodes finished (executed or cached) so far. */
  nodesDone: Set<string>;
  error?: { nodeId?: string; nodeType?: string; type?: string; message: string };
  at: number;
}

export interface ComfyServerOptions {
  timeoutMs?: number;
  clientId: string;
}

export class ComfyServer {
  /** The server as shown to people and recorded: the URL without any user:password. */
  readonly name: string;
  private readonly base: string;
  private readonly authHeader?: string;
  private readonly timeoutMs: number;
  private socket?: WebSocket;
  private socketOpen = false;
  private closed = false;
  private reconnectTimer?: ReturnType<typeof setTimeout>;
  private reconnectDelay = 250;
  /** Queue length the socket last reported (`status.exec_info.queue_remaining`). */
  queueRemaining?: number;
  private readonly prompts = new Map<string, SocketPromptState>();

  constructor(url: string, private readonly options: ComfyServerOptions) {
    const u = new URL(url);
    if (u.username || u.password) {
      this.authHeader = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString("base64")}`;
      u.username = "";
      u.password = "";
    }
    this.base = u.toString().replace(/\/+$/, "");
    this.name = this.base;
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  get clientId(): string {
    return this.options.clientId;
  }

  get socketConnected(): boolean {
    return this.socketOpen;
  }

  systemStats(): Promise<unknown> {
    return this.json("GET", "/system_stats");
  }

  async objectInfo(): Promise<ObjectInfo> {
    return (await this.json("GET", "/object_info")) as ObjectInfo;
  }

  /** Prompt ids running and waiting, in order. */
  async queue(): Promise<{ running: string[]; pending: string[] }> {
    const body = QueueBody.parse(await this.json("GET", "/queue"));
    // Each entry is [number, prompt_id, prompt, extra_data, outputs_to_execute]; pending is sorted by number.
    const ids = (rows: unknown[][]) => [...rows].sort((a, b) => Number(a[0]) - Number(b[0])).map((r) => String(r[1]));
    return { running: ids(body.queue_running), pending: ids(body.queue_pending) };
  }

  /** POST /upload/image (multipart): the frame goes to ComfyUI's input folder; returns its name there. */
  async uploadImage(bytes: Buffer, filename: string): Promise<OutputRef> {
    const form = new FormData();
    form.append("image", new Blob([new Uint8Array(bytes)], { type: "image/png" }), filename);
    form.append("type", "input");
    form.append("subfolder", "retake");
    form.append("overwrite", "true");
    const body = z.object({ name: z.string(), subfolder: z.string().default(""), type: z.string().default("input") }).parse(await this.json("POST", "/upload/image", form));
    return { filename: body.name, subfolder: body.subfolder, type: body.type };
  }

  /** POST /prompt; a 400 carries ComfyUI's own `error` and `node_errors`, kept raw. */
  async prompt(graph: ApiGraph, promptId: string): Promise<{ promptId: string; number: number }> {
    const res = await this.request("POST", "/prompt", { prompt: graph, client_id: this.clientId, prompt_id: promptId, extra_data: { retake: true } });
    const text = await res.text();
    if (res.status === 400) throw promptRejected(this.name, text);
    if (!res.ok) throw httpError(this.name, "/prompt", res.status, text);
    const body = z.object({ prompt_id: z.string(), number: z.number().optional(), node_errors: z.record(z.string(), z.unknown()).optional() }).loose().parse(JSON.parse(text));
    return { promptId: body.prompt_id, number: body.number ?? 0 };
  }

  /** The finished prompt's record, or undefined while it is queued, running, or unknown. */
  async history(promptId: string): Promise<HistoryEntry | undefined> {
    const body = (await this.json("GET", `/history/${encodeURIComponent(promptId)}`)) as Record<string, unknown>;
    const entry = body?.[promptId];
    if (!entry) return undefined;
    const parsed = HistoryEntry.safeParse(entry);
    if (!parsed.success) throw new ProviderRequestError("bad_provider_response", `ComfyUI at ${this.name} answered /history in an unexpected shape (${parsed.error.issues[0]?.message}).`);
    return parsed.data;
  }

  async interrupt(promptId: string): Promise<void> {
    await this.json("POST", "/interrupt", { prompt_id: promptId });
  }

  async deleteQueued(promptIds: string[]): Promise<void> {
    await this.json("POST", "/queue", { delete: promptIds });
  }

  /** GET /view: one output file to `dest`. */
  async download(ref: OutputRef, dest: string): Promise<void> {
    const query = new URLSearchParams({ filename: ref.filename, subfolder: ref.subfolder, type: ref.type });
    const res = await this.request("GET", `/view?${query}`, undefined, this.timeoutMs * 20);
    if (!res.ok || !res.body) throw new ProviderRequestError("download_failed", `Fetching ${ref.filename} from ComfyUI at ${this.name} failed (HTTP ${res.status}).`, { status: res.status, retryable: true });
    const tmp = `${dest}.part`;
    await pipeline(Readable.fromWeb(res.body as import("node:stream/web").ReadableStream), fs.createWriteStream(tmp));
    fs.renameSync(tmp, dest);
  }

  /** What the socket has seen of one prompt (undefined if nothing, e.g. while it waits in the queue). */
  socketState(promptId: string): SocketPromptState | undefined {
    return this.prompts.get(promptId);
  }

  forget(promptId: string): void {
    this.prompts.delete(promptId);
  }

  /** Opens /ws?clientId=… once; reopens it after a drop until closed. */
  connect(): void {
    if (this.closed || this.socket) return;
    const wsUrl = `${this.base.replace(/^http/, "ws")}/ws?clientId=${encodeURIComponent(this.clientId)}`;
    const socket = new WebSocket(wsUrl, this.authHeader ? { headers: { Authorization: this.authHeader } } : {});
    this.socket = socket;
    socket.on("open", () => {
      this.socketOpen = true;
      this.reconnectDelay = 250;
    });
    socket.on("message", (data, isBinary) => {
      // Binary frames are previews (4-byte type + image): not needed for a take.
      if (!isBinary) this.onMessage(data.toString());
    });
    socket.on("error", () => undefined);
    socket.on("close", () => {
      this.socketOpen = false;
      this.socket = undefined;
      // What the socket said is stale once it has been down (a take may have finished meanwhile):
      // status asks /history until fresh messages arrive on the next connection.
      this.prompts.clear();
      if (this.closed) return;
      this.reconnectTimer = setTimeout(() => this.connect(), this.reconnectDelay);
      this.reconnectTimer.unref?.();
      this.reconnectDelay = Math.min(5000, this.reconnectDelay * 2);
    });
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.socket?.terminate();
    this.socket = undefined;
    this.socketOpen = false;
  }

  private onMessage(text: string): void {
    let msg: { type?: string; data?: Record<string, unknown> };
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    const data = msg.data ?? {};
    if (msg.type === "status") {
      const remaining = (data.status as { exec_info?: { queue_remaining?: number } } | undefined)?.exec_info?.queue_remaining;
      if (typeof remaining === "number") this.queueRemaining = remaining;
      return;
    }
    const promptId = typeof data.prompt_id === "string" ? data.prompt_id : undefined;
    if (!promptId) return;
    const state = this.prompts.get(promptId) ?? { phase: "running" as const, nodesDone: new Set<string>(), at: Date.now() };
    state.at = Date.now();
    switch (msg.type) {
      case "execution_start":
        state.phase = "running";
        break;
      case "execution_cached":
        for (const n of (data.nodes as string[] | undefined) ?? []) state.nodesDone.add(String(n));
        break;
      case "executing":
        if (data.node === null || data.node === undefined) {
          if (state.phase === "running") state.phase = "done";
        } else {
          if (state.node && state.node !== data.node) state.nodesDone.add(state.node);
          state.node = String(data.node);
          state.value = undefined;
          state.max = undefined;
        }
        break;
      case "progress":
        state.value = Number(data.value);
        state.max = Number(data.max);
        if (typeof data.node === "string") state.node = data.node;
        break;
      case "executed":
        if (typeof data.node === "string") state.nodesDone.add(data.node);
        break;
      case "execution_success":
        state.phase = "done";
        break;
      case "execution_error":
        state.phase = "error";
        state.error = {
          nodeId: data.node_id === undefined ? undefined : String(data.node_id),
          nodeType: typeof data.node_type === "string" ? data.node_type : undefined,
          type: typeof data.exception_type === "string" ? data.exception_type : undefined,
          message: typeof data.exception_message === "string" ? data.exception_message : "execution failed",
        };
        break;
      case "execution_interrupted":
        state.phase = "interrupted";
        break;
      default:
        return;
    }
    this.prompts.set(promptId, state);
  }

  private async json(method: "GET" | "POST", pathName: string, body?: unknown): Promise<unknown> {
    const res = await this.request(method, pathName, body);
    const text = await res.text();
    if (!res.ok) throw httpError(this.name, pathName, res.status, text);
    if (!text) return {};
    try {
      return JSON.parse(text);
    } catch {
      throw new ProviderRequestError("bad_provider_response", `ComfyUI at ${this.name} answered ${pathName} with something that is not JSON.`, { raw: text.slice(0, 300) });
    }
  }

  private async request(method: "GET" | "POST", pathName: string, body?: unknown, timeoutMs = this.timeoutMs): Promise<Response> {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (this.authHeader) headers.Authorization = this.authHeader;
    const isForm = body instanceof FormData;
    if (body !== undefined && !isForm) headers["Content-Type"] = "application/json";
    try {
      return await fetch(`${this.base}${pathName}`, {
        method,
        headers,
        body: body === undefined ? undefined : isForm ? body : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new ProviderRequestError(
        timedOut ? "provider_timeout" : "comfyui_unreachable",
        timedOut ? `ComfyUI at ${this.name} did not answer ${pathName} within ${Math.round(timeoutMs / 1000)} s.` : `ComfyUI at ${this.name} could not be reached (${cause?.code ?? cause?.message ?? (error as Error).message}).`,
        { retryable: true },
      );
    }
  }
}

/** ComfyUI's refusal of a graph, with every node error it listed, in one message. */
function promptRejected(server: string, text: string): ProviderRequestError {
  let message = `ComfyUI at ${server} refused the workflow.`;
  try {
    const body = JSON.parse(text) as {
      error?: { type?: string; message?: string; details?: string };
      node_errors?: Record<string, { class_type?: string; errors?: Array<{ message?: string; details?: string; extra_info?: { input_name?: string } }> }>;
    };
    const lines = Object.entries(body.node_errors ?? {}).flatMap(([id, n]) =>
      (n.errors ?? []).map((e) => `node ${id} (${n.class_type ?? "?"})${e.extra_info?.input_name ? ` input "${e.extra_info.input_name}"` : ""}: ${e.message ?? "error"}${e.details ? ` (${e.details})` : ""}`),
    );
    message = `ComfyUI at ${server} refused the workflow: ${body.error?.message ?? body.error?.type ?? "invalid prompt"}${lines.length ? `; ${lines.join("; ")}` : body.error?.details ? `; ${body.error.details}` : ""}.`;
    return new ProviderRequestError(body.error?.type ?? "invalid_prompt", message, { status: 400, raw: text.slice(0, 2000) });
  } catch {
    return new ProviderRequestError("invalid_prompt", message, { status: 400, raw: text.slice(0, 2000) });
  }
}

function httpError(server: string, pathName: string, status: number, text: string): ProviderRequestError {
  return new ProviderRequestError(status >= 500 ? "comfyui_server_error" : "comfyui_http_error", `ComfyUI at ${server} answered ${pathName} with HTTP ${status}.`, {
    status,
    raw: text.slice(0, 500),
    retryable: status >= 500,
  });
}
