import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { type ApiGraph, type GraphProblem, type ObjectInfo, isLink, validateGraph } from "./objectInfo.js";

/**
 * A workflow is an API-format ComfyUI graph (File → Export (API) in ComfyUI) plus what Retake
 * must know to drive it: which node inputs take the start image, the prompt, the seed, the size,
 * the camera, the tracks… and the model's native frame rate and size rules.
 *
 * The naming rule: a node whose title (`_meta.title`) contains `$name` takes that Retake input on
 * its matching field, e.g. a LoadImage titled "Start frame $start_image" gets the captured frame,
 * a CLIPTextEncode titled "$prompt" gets the prompt text, a WanImageToVideo titled
 * "$width $height $length" gets the size and frame count. Several nodes may carry the same name
 * (WanCameraEmbedding and WanCameraImageToVideo both take the size). A sidecar
 * `<name>.retake.json` may map inputs instead (`"inputs": {"prompt": ["6.text"]}`) and gives the
 * label, native fps and size rules. Built-in workflows use the same two files (./workflows/).
 */

export const RETAKE_INPUTS = ["start_image", "end_image", "prompt", "negative", "seed", "length", "width", "height", "fps", "camera", "tracks"] as const;
export type RetakeInput = (typeof RETAKE_INPUTS)[number];

/** Which field of a titled node each Retake input sets (first one the node has). */
const FIELDS: Record<RetakeInput, string[]> = {
  start_image: ["image"],
  end_image: ["image"],
  prompt: ["text", "prompt"],
  negative: ["text", "prompt"],
  seed: ["seed", "noise_seed"],
  length: ["length", "num_frames"],
  width: ["width"],
  height: ["height"],
  fps: ["fps", "frame_rate"],
  camera: ["camera_pose"],
  tracks: ["tracks"],
};

const Size = z.object({ width: z.number().int().positive(), height: z.number().int().positive() });

/** The sidecar file; every field optional for a bring-your-own workflow (sensible Wan defaults). */
export const WorkflowSidecar = z.object({
  label: z.string().min(1).optional(),
  family: z.enum(["wan", "ltx", "other"]).optional(),
  /** The model's native frame rate (Wan 16, LTX 25); the take is conformed from it to the sequence. */
  fps: z.number().positive().optional(),
  /** Frame counts the model takes: step·n + 1 (Wan 4, LTX 8). */
  frameStep: z.number().int().positive().optional(),
  maxFrames: z.number().int().positive().optional(),
  /** Width and height are multiples of this (Wan 16, LTX 32). */
  sizeMultiple: z.number().int().positive().optional(),
  /** The pixel area drafts and finals render at (the aspect follows the sequence). */
  draft: Size.optional(),
  final: Size.optional(),
  note: z.string().optional(),
  /** Explicit bindings, "nodeId.input", instead of (or beside) the title rule. */
  inputs: z.partialRecord(z.enum(RETAKE_INPUTS), z.array(z.string().regex(/^[^.]+\.[^.]+$/, 'a binding is "nodeId.input"'))).optional(),
});
export type WorkflowSidecar = z.infer<typeof WorkflowSidecar>;

export interface Binding {
  node: string;
  input: string;
}

export interface Workflow {
  id: string;
  label: string;
  family: "wan" | "ltx" | "other";
  builtIn: boolean;
  graph: ApiGraph;
  bindings: Partial<Record<RetakeInput, Binding[]>>;
  fps: number;
  frameStep: number;
  maxFrames: number;
  sizeMultiple: number;
  draft: { width: number; height: number };
  final: { width: number; height: number };
  note?: string;
  /** Problems found in the files themselves (before any server is asked). */
  problems: string[];
}

const BUILT_IN_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "workflows");

/** The workflows shipped with Retake. */
export function builtInWorkflows(): Workflow[] {
  return loadWorkflowDir(BUILT_IN_DIR, true);
}

/** Every `*.json` graph in a directory (sidecars beside them), sorted by id. */
export function loadWorkflowDir(dir: string, builtIn = false): Workflow[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".json") && !f.endsWith(".retake.json"))
    .sort()
    .map((f) => {
      const id = f.slice(0, -".json".length);
      const sidecarPath = path.join(dir, `${id}.retake.json`);
      return parseWorkflow(id, fs.readFileSync(path.join(dir, f), "utf8"), fs.existsSync(sidecarPath) ? fs.readFileSync(sidecarPath, "utf8") : undefined, builtIn);
    });
}

/** Reads one workflow; never throws: what is wrong is listed in `problems`. */
export function parseWorkflow(id: string, graphText: string, sidecarText?: string, builtIn = false): Workflow {
  const problems: string[] = [];
  let graph: ApiGraph = {};
  try {
    const parsed = JSON.parse(graphText) as unknown;
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object");
    if ("nodes" in parsed && "links" in parsed) {
      problems.push(`${id}.json is a UI-format workflow; export it from ComfyUI with "Export (API)" instead.`);
    } else {
      graph = parsed as ApiGraph;
      for (const [nodeId, node] of Object.entries(graph)) {
        if (!node || typeof node !== "object" || typeof node.class_type !== "string" || typeof node.inputs !== "object") {
          problems.push(`${id}.json: node ${nodeId} has no class_type/inputs: is this an API-format export?`);
        }
      }
    }
  } catch (error) {
    problems.push(`${id}.json is not valid JSON (${(error as Error).message}).`);
  }
  let sidecar: WorkflowSidecar = {};
  if (sidecarText !== undefined) {
    try {
      const result = WorkflowSidecar.safeParse(JSON.parse(sidecarText));
      if (result.success) sidecar = result.data;
      else problems.push(...result.error.issues.map((i) => `${id}.retake.json: ${i.path.join(".") || "file"}: ${i.message}`));
    } catch (error) {
      problems.push(`${id}.retake.json is not valid JSON (${(error as Error).message}).`);
    }
  }
  const bindings = findBindings(graph, sidecar, problems);
  const fps = sidecar.fps ?? fpsInGraph(graph, bindings);
  if (fps === undefined) problems.push(`${id}: say the model's frame rate ("fps" in ${id}.retake.json, or a CreateVideo node titled $fps).`);
  if (!bindings.start_image?.length) problems.push(`${id}: no node takes the start image: title the LoadImage node "$start_image" (or map "start_image" in ${id}.retake.json).`);
  if (!bindings.prompt?.length) problems.push(`${id}: no node takes the prompt: title the positive CLIPTextEncode "$prompt" (or map "prompt" in ${id}.retake.json).`);
  const family = sidecar.family ?? guessFamily(graph);
  const wan = family !== "ltx";
  return {
    id,
    label: sidecar.label ?? id,
    family,
    builtIn,
    graph,
    bindings,
    fps: fps ?? 16,
    frameStep: sidecar.frameStep ?? (wan ? 4 : 8),
    maxFrames: sidecar.maxFrames ?? (wan ? 81 : 257),
    sizeMultiple: sidecar.sizeMultiple ?? (wan ? 16 : 32),
    draft: sidecar.draft ?? (wan ? { width: 832, height: 480 } : { width: 768, height: 512 }),
    final: sidecar.final ?? sidecar.draft ?? (wan ? { width: 1280, height: 720 } : { width: 1216, height: 704 }),
    ...(sidecar.note ? { note: sidecar.note } : {}),
    problems,
  };
}

function findBindings(graph: ApiGraph, sidecar: WorkflowSidecar, problems: string[]): Workflow["bindings"] {
  const bindings: Workflow["bindings"] = {};
  const add = (name: RetakeInput, b: Binding) => {
    const list = (bindings[name] ??= []);
    if (!list.some((x) => x.node === b.node && x.input === b.input)) list.push(b);
  };
  for (const [nodeId, node] of Object.entries(graph)) {
    const title = node?._meta?.title ?? "";
    for (const match of title.matchAll(/\$([a-z_]+)/g)) {
      const name = match[1] as RetakeInput;
      if (!RETAKE_INPUTS.includes(name)) {
        problems.push(`node ${nodeId} "${title}": $${match[1]} is not a Retake input (known: ${RETAKE_INPUTS.map((n) => `$${n}`).join(", ")}).`);
        continue;
      }
      const field = FIELDS[name].find((f) => f in (node.inputs ?? {}));
      if (!field) {
        problems.push(`node ${nodeId} "${title}" (${node.class_type}) is marked $${name} but has no ${FIELDS[name].join(" or ")} input to set.`);
        continue;
      }
      if (isLink(node.inputs[field])) {
        problems.push(`node ${nodeId} "${title}": its ${field} is connected to another node, so $${name} cannot set it.`);
        continue;
      }
      add(name, { node: nodeId, input: field });
    }
  }
  for (const [name, list] of Object.entries(sidecar.inputs ?? {}) as Array<[RetakeInput, string[]]>) {
    for (const ref of list) {
      const [nodeId, input] = ref.split(".") as [string, string];
      const node = graph[nodeId];
      if (!node) problems.push(`"inputs.${name}" maps to node ${nodeId}, which is not in the workflow.`);
      else if (!(input in (node.inputs ?? {}))) problems.push(`"inputs.${name}" maps to ${ref}, but node ${nodeId} (${node.class_type}) has no input "${input}" set in the graph.`);
      else add(name, { node: nodeId, input });
    }
  }
  return bindings;
}

function fpsInGraph(graph: ApiGraph, bindings: Workflow["bindings"]): number | undefined {
  for (const b of bindings.fps ?? []) {
    const v = graph[b.node]?.inputs[b.input];
    if (typeof v === "number" && v > 0) return v;
  }
  return undefined;
}

function guessFamily(graph: ApiGraph): Workflow["family"] {
  const types = Object.values(graph).map((n) => n?.class_type ?? "");
  if (types.some((t) => t.startsWith("Wan"))) return "wan";
  if (types.some((t) => t.startsWith("LTXV"))) return "ltx";
  return "other";
}

/** What a workflow does with the drawing, for the panel and the request record. */
export function takes(workflow: Workflow, input: RetakeInput): boolean {
  return (workflow.bindings[input]?.length ?? 0) > 0;
}

/**
 * Everything wrong with a workflow on one server: its own problems, then ComfyUI's would-be
 * refusals (unknown nodes, missing or mistyped inputs, model files not on disk). Inputs Retake
 * fills itself (the start image's file name…) are not checked as values.
 */
export function checkWorkflow(workflow: Workflow, info: ObjectInfo): { problems: string[]; graphProblems: GraphProblem[] } {
  const filled = new Set<string>();
  for (const list of Object.values(workflow.bindings)) for (const b of list ?? []) filled.add(`${b.node}.${b.input}`);
  const graphProblems = validateGraph(workflow.graph, info, { ignoreValues: filled });
  return { problems: [...workflow.problems, ...graphProblems.map((p) => p.message)], graphProblems };
}

export type FillValues = Partial<Record<RetakeInput, string | number>> & { cameraSpeed?: number };

/** A copy of the graph with Retake's values set on every bound input. */
export function fillGraph(workflow: Workflow, values: FillValues): ApiGraph {
  const graph = structuredClone(workflow.graph);
  for (const [name, list] of Object.entries(workflow.bindings) as Array<[RetakeInput, Binding[]]>) {
    const value = values[name];
    if (value === undefined) continue;
    for (const b of list) {
      const node = graph[b.node]!;
      node.inputs[b.input] = value;
      if (name === "camera" && values.cameraSpeed !== undefined && "speed" in node.inputs) node.inputs.speed = values.cameraSpeed;
    }
  }
  return graph;
}
