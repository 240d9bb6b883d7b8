import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { compileDirection } from "../../src/core/direction/index.js";
import { ProviderInfo, type Job } from "../../src/core/schemas/index.js";
import { comfyuiCheckCommand } from "../../src/server/providers/comfyui/checkCommand.js";
import { ComfyUIProvider } from "../../src/server/providers/comfyui/comfyuiProvider.js";
import { cameraPoseFor, geometryFor } from "../../src/server/providers/comfyui/drawing.js";
import { validateGraph, type ObjectInfo } from "../../src/server/providers/comfyui/objectInfo.js";
import { builtInWorkflows, parseWorkflow } from "../../src/server/providers/comfyui/workflow.js";
import { sequenceContext, waitFor } from "../helpers/backend.js";
import { startComfyBackend } from "./comfyBackend.js";
import { ComfyStandIn, type StandInOptions } from "../helpers/comfyStandIn.js";
import { api, settled, stopBackend, uploadFrame, type TestBackend } from "./providerHarness.js";

/**
 * Bring-your-own workflows (the $name title rule and the mapping sidecar, checked against the
 * server's /object_info), `retake comfyui check`, 16-bit PNG frames, and the built-ins' sizes and
 * frame counts in the models' own terms.
 */

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function standIn(options: StandInOptions = {}): Promise<ComfyStandIn> {
  const s = await ComfyStandIn.start({ stepDelayMs: 2, ...options });
  cleanup.push(() => s.close());
  return s;
}

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-wf-"));
  cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function start(url: string, workflowsDir?: string): Promise<TestBackend> {
  const backend = await startComfyBackend(url, workflowsDir ? { workflowsDir } : {});
  cleanup.push(() => stopBackend(backend));
  return backend;
}

async function info(b: TestBackend): Promise<ProviderInfo> {
  return waitFor(async () => {
    const body = (await (await api(b, "/v1/providers")).json()) as { providers: ProviderInfo[] };
    const p = ProviderInfo.parse(body.providers.find((x) => x.id === "comfyui"));
    return p.available || !p.reason?.startsWith("checking") ? p : undefined;
  }, 10_000, 25);
}

/** The studio's own Wan graph: the built-in's nodes, but no $ titles, bound by a mapping file. */
function studioWorkflow(dir: string): void {
  const graph = structuredClone(builtInWorkflows().find((w) => w.id === "wan-i2v")!.graph);
  for (const node of Object.values(graph)) node._meta = { title: (node._meta?.title ?? "").replace(/\s*\$[a-z_]+/g, "") };
  fs.writeFileSync(path.join(dir, "studio-wan.json"), JSON.stringify(graph));
  fs.writeFileSync(
    path.join(dir, "studio-wan.retake.json"),
    JSON.stringify({ label: "Studio Wan", fps: 16, inputs: { start_image: ["5.image"], prompt: ["6.text"], seed: ["11.seed"], width: ["9.width"], height: ["9.height"], length: ["9.length"], fps: ["13.fps"] } }),
  );
}

/** A graph with what a TD typically gets wrong. */
function brokenWorkflow(dir: string): void {
  const graph = {
    "1": { class_type: "VHS_LoadImagePath", inputs: { image: "x.png" }, _meta: { title: "Start" } },
    "2": { class_type: "CLIPTextEncode", inputs: { text: "", clip: ["3", 0] }, _meta: { title: "$prompt" } },
    "3": { class_type: "VAELoader", inputs: { vae_name: "wan_2.1_vae.safetensors" }, _meta: { title: "VAE" } },
    "4": { class_type: "KSampler", inputs: { seed: 1, steps: 20, cfg: 6, sampler_name: "uni_pc", scheduler: "simple", positive: ["2", 0], negative: ["2", 0], latent_image: ["3", 0], denoise: 1 }, _meta: { title: "$seed" } },
  };
  fs.writeFileSync(path.join(dir, "broken.json"), JSON.stringify(graph));
}

describe("bring your own workflow", () => {
  it("a mapped workflow appears as a model and runs with Retake's values on the mapped inputs; a broken one is explained, every problem", async () => {
    const s = await standIn();
    const dir = tempDir();
    studioWorkflow(dir);
    brokenWorkflow(dir);
    const b = await start(s.url, dir);
    const p = await info(b);
    expect(p.capabilities.models).toContain("studio-wan");
    expect(p.capabilities.models).not.toContain("broken");
    expect(p.capabilities.limits?.draft?.note).toMatch(/broken \(/);

    const seq = sequenceContext();
    const frameId = await uploadFrame(b, seq);
    const res = await api(b, "/v1/jobs", { body: { frameId, provider: "comfyui", model: "studio-wan", duration: 3, prompt: "Dust rises behind the rider" } });
    expect(res.status).toBe(201);
    const job = (await settled(b, ((await res.json()) as Job).id, 60_000)) as Job;
    expect(job.takes[0]!.state, JSON.stringify(job.takes[0]!.error)).toBe("succeeded");
    const graph = s.posted[0]!.graph;
    expect(String(graph["6"]!.inputs.text)).toContain("Dust rises behind the rider");
    expect(graph["9"]!.inputs.length).toBe(49); // 3 s at 16 fps = 48 → 4·12 + 1
    expect(job.takes[0]!.request).toMatchObject({ workflow: "studio-wan", fps: 16 });

    const lines: string[] = [];
    const code = await comfyuiCheckCommand([path.join(dir, "broken.json")], { COMFYUI_URL: s.url }, (l) => lines.push(l));
    expect(code).toBe(2);
    const text = lines.join("\n");
    expect(text).toMatch(/broken .*cannot run/);
    expect(text).toMatch(/VHS_LoadImagePath, which this ComfyUI does not have/);
    expect(text).toMatch(/no node takes the start image: title the LoadImage node "\$start_image"/);
    expect(text).toMatch(/say the model's frame rate/);
    expect(text).toMatch(/KSampler\) needs its input "model"/);
    expect(text).toMatch(/input "latent_image" wants LATENT but node 3 \(VAELoader\) output 0 gives VAE/);
  }, 90_000);

  it("the title rule reports a $name on a node without that input, and an unknown $name", () => {
    const wf = parseWorkflow(
      "odd",
      JSON.stringify({
        "1": { class_type: "LoadImage", inputs: { image: "a.png" }, _meta: { title: "$start_image $tracks" } },
        "2": { class_type: "CLIPTextEncode", inputs: { text: "", clip: ["9", 0] }, _meta: { title: "$prompt $mood" } },
      }),
      JSON.stringify({ fps: 24 }),
    );
    expect(wf.bindings.start_image).toEqual([{ node: "1", input: "image" }]);
    expect(wf.problems.join("\n")).toMatch(/marked \$tracks but has no tracks input/);
    expect(wf.problems.join("\n")).toMatch(/\$mood is not a Retake input/);
  });

  it("retake comfyui check says which server lacks what, by name", async () => {
    const full = await standIn();
    const thin = await standIn({ withoutNodes: ["WanCameraImageToVideo", "WanCameraEmbedding"] });
    const lines: string[] = [];
    const code = await comfyuiCheckCommand([], { COMFYUI_URL: `${full.url},${thin.url}` }, (l) => lines.push(l));
    expect(code).toBe(0);
    const text = lines.join("\n");
    expect(text).toContain(`wan-camera (Wan 2.1 Fun Camera (drawn camera move)): runs on ${full.url}`);
    expect(text).toMatch(new RegExp(`${thin.url.replace(/[.:/]/g, "\\$&")}: node 15 "Camera \\$camera \\$width \\$height \\$length" is a WanCameraEmbedding, which this ComfyUI does not have`));
  }, 30_000);
});

describe("server addresses", () => {
  it("a password in COMFYUI_URL is sent as Basic auth and never shown", async () => {
    const s = await standIn();
    const port = new URL(s.url).port;
    const provider = new ComfyUIProvider({ url: `http://artist:s3cret@127.0.0.1:${port}, http://127.0.0.1:1` });
    cleanup.push(() => provider.close());
    await provider.refresh();
    const info = provider.info();
    expect(info.available).toBe(true);
    expect(JSON.stringify([info, provider.describe()])).not.toContain("s3cret");
    expect(JSON.stringify(provider.describe())).toContain("http://127.0.0.1:1 could not be reached");
  });
});

describe("validation against /object_info", () => {
  const info = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, "../fixtures/comfyui/object_info.json"), "utf8")) as ObjectInfo;

  it("every built-in workflow is valid against ComfyUI's node definitions", () => {
    for (const w of builtInWorkflows()) {
      expect(w.problems, w.id).toEqual([]);
      expect(validateGraph(w.graph, info, { ignoreValues: new Set(Object.values(w.bindings).flat().map((b) => `${b!.node}.${b!.input}`)) }), w.id).toEqual([]);
    }
  });

  it("names a value outside a V3 combo, a number out of range, a number given as text, and a value where a link belongs", () => {
    const graph = structuredClone(builtInWorkflows().find((w) => w.id === "wan-i2v")!.graph);
    graph["14"]!.inputs.format = "mov";
    graph["11"]!.inputs.steps = 20000;
    graph["11"]!.inputs.cfg = "high";
    graph["12"]!.inputs.vae = "wan_2.1_vae.safetensors";
    const problems = validateGraph(graph, info, { ignoreValues: new Set(["5.image"]) }).map((p) => `${p.kind}: ${p.message}`);
    expect(problems.sort()).toEqual([
      'out_of_range: node 11 "Sampler $seed" (KSampler) input "steps" is 20000, outside 1…10000.',
      'wrong_type: node 11 "Sampler $seed" (KSampler) input "cfg" must be a number, not "high".',
      'wrong_type: node 12 "Decode" (VAEDecode) input "vae" must be connected to a VAE output, not set to a value.',
      'wrong_type: node 14 "Save" (SaveVideo) input "format" is "mov"; allowed: auto, mp4.',
    ]);
  });
});

describe("outputs and the models' own terms", () => {
  it("16-bit PNG frames are picked up as such: assembled at the native rate into 12-bit ProRes 4444, then conformed", async () => {
    const s = await standIn({ output: "png16", downscale: 8 });
    const b = await start(s.url);
    await info(b);
    const frameId = await uploadFrame(b, sequenceContext());
    const res = await api(b, "/v1/jobs", { body: { frameId, provider: "comfyui", model: "ltx-i2v", duration: 2, prompt: "Waves" } });
    const job = (await settled(b, ((await res.json()) as Job).id, 60_000)) as Job;
    const take = job.takes[0]!;
    expect(take.state, JSON.stringify(take.error)).toBe("succeeded");
    expect(take.notes?.join(" ")).toMatch(/delivered 57 16-bit PNG frames; assembled at the model's native 25 fps into ProRes 4444 12-bit/);
    expect(take.notes?.join(" ")).toMatch(/Frame rate converted from 25 to 24/);
    expect(take.outputs.source?.codec).toBe("prores_4444");
    expect(take.outputs.master?.colorTags).toMatchObject({ colorSpace: "rec709" });
  }, 90_000);

  it("EXR frames are kept as the take's EXR delivery and read as linear Rec.709 for the master", async () => {
    const s = await standIn({ output: "exr", downscale: 8 });
    const b = await start(s.url);
    await info(b);
    const frameId = await uploadFrame(b, sequenceContext());
    const res = await api(b, "/v1/jobs", { body: { frameId, provider: "comfyui", model: "wan-i2v", duration: 2, prompt: "Waves" } });
    const take = ((await settled(b, ((await res.json()) as Job).id, 60_000)) as Job).takes[0]!;
    expect(take.state, JSON.stringify(take.error)).toBe("succeeded");
    expect(take.outputs.exr?.mediaType).toBe("application/zip");
    expect(take.notes?.join(" ")).toMatch(/delivered 33 EXR frames without chromaticities: read as linear Rec\.709 at the model's native 16 fps/);
    expect(take.outputs.master?.colorTags).toMatchObject({ colorSpace: "rec709" });
  }, 90_000);

  it("sizes follow the sequence's picture aspect in the model's multiples; lengths are 4n+1 (Wan, 16 fps) and 8n+1 (LTX, 25 fps)", () => {
    const [wan, ltx] = ["wan-i2v", "ltx-i2v"].map((id) => builtInWorkflows().find((w) => w.id === id)!);
    const hd = sequenceContext({ frameSize: { width: 1920, height: 1080 } });
    const portrait = sequenceContext({ frameSize: { width: 1080, height: 1920 } });
    expect(geometryFor(wan!, "draft", hd, 5)).toMatchObject({ width: 848, height: 480, length: 81, fps: 16 });
    expect(geometryFor(wan!, "final", hd, 5)).toMatchObject({ width: 1280, height: 720, length: 81 });
    expect(geometryFor(wan!, "draft", portrait, 2.2)).toMatchObject({ width: 480, height: 848, length: 37 });
    expect(geometryFor(ltx!, "draft", hd, 10)).toMatchObject({ width: 832, height: 480, length: 257, fps: 25 });
    expect(geometryFor(ltx!, "draft", hd, 2)).toMatchObject({ length: 57 });
    // Wan tops out at 81 frames: a longer ask is capped here, and refused at submit.
    expect(geometryFor(wan!, "draft", hd, 8).length).toBe(81);
  });

  it("camera arrows map to WanCameraEmbedding presets in the camera's own sense", () => {
    const dir = (annotations: unknown[]) => compileDirection({ prompt: "", duration: 5, annotations: annotations as never });
    expect(cameraPoseFor(dir([{ id: "a", kind: "cameraMove", from: { x: 0.6, y: 0.5 }, to: { x: 0.4, y: 0.5 }, start: 0, end: 5 }])).pose).toBe("Pan Left");
    expect(cameraPoseFor(dir([{ id: "a", kind: "cameraMove", from: { x: 0.5, y: 0.6 }, to: { x: 0.5, y: 0.3 }, start: 0, end: 5 }])).pose).toBe("Pan Up");
    expect(cameraPoseFor(dir([{ id: "b", kind: "framingBox", rect: { x: 0.25, y: 0.25, w: 0.5, h: 0.5 }, time: 5 }])).pose).toBe("Zoom In");
    expect(cameraPoseFor(dir([])).pose).toBe("Static");
  });
});
