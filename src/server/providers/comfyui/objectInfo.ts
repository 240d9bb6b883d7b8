/**
 * ComfyUI's `/object_info`: every installed node class with its inputs, as the server reports it.
 * An input spec is `[TYPE, options?]`, where TYPE is a type name ("INT", "IMAGE", "VAE"…), a list
 * of allowed values (an old-style combo), or "COMBO" with `options.options` (the V3 node API).
 * Model files appear as combo values (UNETLoader.unet_name lists the diffusion models on disk), so
 * "is this model installed" is "is this value in that combo".
 *
 * This module checks an API-format graph against it, the way ComfyUI itself would refuse it
 * (execution.py validate_inputs), so Retake can explain every problem before sending anything.
 */

export type InputSpec = [unknown, Record<string, unknown>?] | [unknown];

export interface NodeInfo {
  input?: { required?: Record<string, InputSpec>; optional?: Record<string, InputSpec>; hidden?: Record<string, unknown> };
  output?: unknown[];
  output_name?: string[];
  name?: string;
  display_name?: string;
  output_node?: boolean;
  python_module?: string;
}

export type ObjectInfo = Record<string, NodeInfo>;

/** One node of an API-format graph: `{ class_type, inputs, _meta: { title } }`. */
export interface GraphNode {
  class_type: string;
  inputs: Record<string, unknown>;
  _meta?: { title?: string };
}
export type ApiGraph = Record<string, GraphNode>;

export interface GraphProblem {
  nodeId: string;
  classType: string;
  input?: string;
  kind: "unknown_node" | "missing_input" | "wrong_type" | "bad_link" | "not_installed" | "out_of_range";
  message: string;
}

/** A link in API format: `[sourceNodeId, outputIndex]`. */
export function isLink(value: unknown): value is [string, number] {
  return Array.isArray(value) && value.length === 2 && typeof value[0] === "string" && typeof value[1] === "number";
}

/** The allowed values of a combo input, or undefined when the input is not a combo. */
export function comboOptions(spec: InputSpec): unknown[] | undefined {
  const [type, options] = spec;
  if (Array.isArray(type)) return type;
  if (type === "COMBO" && Array.isArray(options?.options)) return options.options as unknown[];
  return undefined;
}

function typeName(spec: InputSpec): string {
  return comboOptions(spec) ? "COMBO" : String(spec[0]);
}

/** Loader inputs whose combo values are model files on the server's disk. */
const MODEL_INPUTS = new Set(["ckpt_name", "unet_name", "clip_name", "clip_name1", "clip_name2", "vae_name", "lora_name", "model_name", "control_net_name"]);

export function isModelInput(name: string): boolean {
  return MODEL_INPUTS.has(name);
}

/**
 * Every problem ComfyUI would refuse the graph for, plus the files it needs that are not on disk.
 * `needFor` names what a node is there for ("the start image"), so a message says why it matters.
 */
export function validateGraph(graph: ApiGraph, info: ObjectInfo, options: { ignoreValues?: ReadonlySet<string> } = {}): GraphProblem[] {
  const problems: GraphProblem[] = [];
  for (const [nodeId, node] of Object.entries(graph)) {
    const classType = node?.class_type;
    const label = `node ${nodeId}${node?._meta?.title ? ` "${node._meta.title}"` : ""}`;
    const def = classType ? info[classType] : undefined;
    if (!def) {
      problems.push({ nodeId, classType: String(classType), kind: "unknown_node", message: `${label} is a ${classType ?? "node without class_type"}, which this ComfyUI does not have (install the custom node that provides it).` });
      continue;
    }
    const inputs = node.inputs ?? {};
    const required = def.input?.required ?? {};
    const optional = def.input?.optional ?? {};
    const specs: Array<[string, InputSpec, boolean]> = [
      ...Object.entries(required).map(([n, s]) => [n, s, true] as [string, InputSpec, boolean]),
      ...Object.entries(optional).map(([n, s]) => [n, s, false] as [string, InputSpec, boolean]),
    ];
    for (const [name, spec, isRequired] of specs) {
      const value = inputs[name];
      if (value === undefined) {
        // ComfyUI refuses a graph missing a required input, widget or socket (required_input_missing).
        if (isRequired) {
          problems.push({ nodeId, classType, input: name, kind: "missing_input", message: `${label} (${classType}) needs its input "${name}" (${typeName(spec)}), which is neither connected nor set.` });
        }
        continue;
      }
      problems.push(...checkValue(graph, info, nodeId, classType, label, name, spec, value, options.ignoreValues));
    }
  }
  return problems;
}

function checkValue(graph: ApiGraph, info: ObjectInfo, nodeId: string, classType: string, label: string, name: string, spec: InputSpec, value: unknown, ignore?: ReadonlySet<string>): GraphProblem[] {
  const at = { nodeId, classType, input: name };
  const want = typeName(spec);
  if (isLink(value)) {
    const [sourceId, slot] = value;
    const source = graph[sourceId];
    const sourceDef = source ? info[source.class_type] : undefined;
    if (!source) return [{ ...at, kind: "bad_link", message: `${label} (${classType}) takes "${name}" from node ${sourceId}, which is not in the workflow.` }];
    if (!sourceDef) return []; // reported as unknown_node on its own
    const outputs = sourceDef.output ?? [];
    if (slot < 0 || slot >= outputs.length) return [{ ...at, kind: "bad_link", message: `${label} (${classType}) takes "${name}" from output ${slot} of node ${sourceId} (${source.class_type}), which has only ${outputs.length}.` }];
    const got = Array.isArray(outputs[slot]) ? "COMBO" : String(outputs[slot]);
    // "*" is ComfyUI's any-type; a combo output feeds a combo input.
    if (got !== want && got !== "*" && want !== "*" && !(want === "COMBO" && got === "COMBO")) {
      return [{ ...at, kind: "wrong_type", message: `${label} (${classType}) input "${name}" wants ${want} but node ${sourceId} (${source.class_type}) output ${slot} gives ${got}.` }];
    }
    return [];
  }
  if (ignore?.has(`${nodeId}.${name}`)) return [];
  const options = comboOptions(spec);
  if (options) {
    if (!options.includes(value)) {
      if (isModelInput(name) || classType === "LoadImage") {
        const what = classType === "LoadImage" ? "image" : "model file";
        return [{ ...at, kind: "not_installed", message: `${label} (${classType}) needs the ${what} "${String(value)}", which this ComfyUI does not have (put it in ComfyUI's models folder for ${name}, or pick one it has).` }];
      }
      return [{ ...at, kind: "wrong_type", message: `${label} (${classType}) input "${name}" is "${String(value)}"; allowed: ${options.slice(0, 12).map(String).join(", ")}${options.length > 12 ? ", …" : ""}.` }];
    }
    return [];
  }
  const opts = spec[1] ?? {};
  switch (want) {
    case "INT":
    case "FLOAT": {
      if (typeof value !== "number" || !Number.isFinite(value) || (want === "INT" && !Number.isInteger(value))) {
        return [{ ...at, kind: "wrong_type", message: `${label} (${classType}) input "${name}" must be ${want === "INT" ? "a whole number" : "a number"}, not ${JSON.stringify(value)}.` }];
      }
      const min = typeof opts.min === "number" ? opts.min : -Infinity;
      const max = typeof opts.max === "number" ? opts.max : Infinity;
      if (value < min || value > max) return [{ ...at, kind: "out_of_range", message: `${label} (${classType}) input "${name}" is ${value}, outside ${min}…${max}.` }];
      return [];
    }
    case "STRING":
      return typeof value === "string" ? [] : [{ ...at, kind: "wrong_type", message: `${label} (${classType}) input "${name}" must be text.` }];
    case "BOOLEAN":
      return typeof value === "boolean" ? [] : [{ ...at, kind: "wrong_type", message: `${label} (${classType}) input "${name}" must be true or false.` }];
    default:
      return [{ ...at, kind: "wrong_type", message: `${label} (${classType}) input "${name}" must be connected to a ${want} output, not set to a value.` }];
  }
}
