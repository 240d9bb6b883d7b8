import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { Job } from "../../../../src/core/schemas/index.js";
import { readTakeRecords } from "../../../../src/host/aftereffects/projectXmp.js";
import { RETAKE_XMP_NS } from "../../../../src/host/uxp/provenance.js";
import { finishedJob, startCuttingProxy, startSlowProxy } from "../premiere/backendJobs.js";
import { EMPTY_PROJECT_XMP, type FakeAeOptions } from "./fake/fakeAfterEffects.js";
import { LUMA_EXR_COLOR } from "../../../../src/server/providers/luma/lumaProvider.js";
import { addExrDelivery } from "./exrDelivery.js";
import { aeTestBed, filesUnder } from "./setup.js";

const TOKEN = "ae-import-token";
let job: Job;
const bed = aeTestBed(TOKEN, async (backend) => {
  job = await finishedJob(backend.url, TOKEN, { prompt: "slow push toward the ridge" });
});
let env: Awaited<ReturnType<typeof bed.host>>;

const take = () => job.takes[0]!;
const params = (mode: "insert" | "extend" = "insert", of: Job = job) => ({ jobId: of.id, takeId: of.takes[0]!.id, mode });
const layerName = (of: Job = job) => `Retake ${of.id.slice(-6)} take 1`;
const comp = { width: 320, height: 180, frameRate: 24, duration: 10, time: 2 };
const stack = [
  { name: "Title", inPoint: 0, outPoint: 10 },
  { name: "Plate", inPoint: 0, outPoint: 4, selected: true },
  { name: "BG", inPoint: 0, outPoint: 10 },
];
type HostOptions = NonNullable<Parameters<typeof bed.host>[0]>;
const host = (fake: FakeAeOptions = {}, extra: Partial<HostOptions> = {}) => bed.host({ fake: { comp, layers: stack, ...fake }, ...extra });

describe("host.importTake in After Effects: placement", () => {
  it("Insert: streams the master beside the project, imports it into a Retake folder, adds a layer at the current time directly above the selected layer, named after the take", async () => {
    env = await host();
    const result = await env.client.call("host.importTake", params());
    expect(result.placement).toEqual({ trackIndex: 2, start: 2, end: 4, newTrack: true, layer: { index: 2, name: layerName() } });
    expect(result.binName).toBe("Retake");
    expect(result.colorTags).toMatchObject({ colorSpace: "rec709", agree: true });
    expect(result.guidance).toBeUndefined();
    expect(path.dirname(result.mediaPath)).toBe(env.mediaDir);
    expect(fs.statSync(result.mediaPath).size).toBe(take().outputs.master!.bytes);
    expect(filesUnder(env.mediaDir)).toEqual([path.basename(result.mediaPath)]);
    expect(env.fake.timeline()).toEqual([
      { name: "Title", start: 0, in: 0, out: 10, source: "Title.mov" },
      { name: layerName(), start: 2, in: 2, out: 4, source: path.basename(result.mediaPath) },
      { name: "Plate", start: 0, in: 0, out: 4, source: "Plate.mov" },
      { name: "BG", start: 0, in: 0, out: 10, source: "BG.mov" },
    ]);
    expect(env.fake.projectItems()).toEqual([
      { kind: "footage", name: path.basename(result.mediaPath), folder: "Retake", comment: expect.stringContaining(`job ${job.id}`) },
      { kind: "folder", name: "Retake", folder: "Root", comment: "" },
    ]);
    expect(env.fake.imports).toEqual([{ file: result.mediaPath, sequence: false }]);
  });

  it("Insert with nothing selected puts the layer on top of the stack", async () => {
    env = await host({ layers: stack.map((l) => ({ ...l, selected: false })) });
    const result = await env.client.call("host.importTake", params());
    expect(result.placement.layer).toEqual({ index: 1, name: layerName() });
    expect(env.fake.timeline().map((l) => l.name)).toEqual([layerName(), "Title", "Plate", "BG"]);
  });

  it("Extend: starts at the selected layer's out point, directly above it, whatever the current time", async () => {
    env = await host({ comp: { ...comp, time: 7 } });
    const result = await env.client.call("host.importTake", params("extend"));
    expect(result.placement).toMatchObject({ start: 4, end: 6, layer: { index: 2 } });
    expect(env.fake.timeline()[1]).toEqual({ name: layerName(), start: 4, in: 4, out: 6, source: path.basename(result.mediaPath) });
    expect(env.fake.timeline()[2]!.name).toBe("Plate");
  });

  it("is one undo step: one Undo takes back the layer, the footage, the folder and the provenance", async () => {
    env = await host();
    const before = { timeline: env.fake.timeline(), xmp: env.fake.xmpPacket };
    await env.client.call("host.importTake", params());
    expect(env.fake.undoSteps).toEqual(["Retake: add take 1"]);
    expect(env.fake.openUndoGroups).toBe(0);
    env.fake.undo();
    expect(env.fake.timeline()).toEqual(before.timeline);
    expect(env.fake.projectItems()).toEqual([]);
    expect(env.fake.xmpPacket).toBe(before.xmp);
  });

  it("records the provenance in the project's XMP, one entry per import, keeping what was there; the layer and footage carry it as their comment", async () => {
    env = await host();
    const first = await env.client.call("host.importTake", params());
    const second = await env.client.call("host.importTake", params());
    expect(second.mediaPath).not.toBe(first.mediaPath); // "… take 1 (2).mov"
    const xmp = env.fake.xmpPacket;
    expect(xmp).toContain("<xmp:CreatorTool>Adobe After Effects (Beta) 27.0</xmp:CreatorTool>");
    expect(xmp.split(`xmlns:retake="${RETAKE_XMP_NS}"`)).toHaveLength(2); // one Retake description
    const records = readTakeRecords(xmp);
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({
      prompt: "slow push toward the ridge",
      provider: job.provider,
      model: job.model,
      jobId: job.id,
      takeId: take().id,
      takeNumber: "1",
      costUsd: String(take().cost.usd),
      compName: "Shot 010",
      layerName: layerName(),
      mediaPath: first.mediaPath,
    });
    expect(records[1]!.mediaPath).toBe(second.mediaPath);
    expect(records[0]!.layerId).not.toBe(records[1]!.layerId);
    expect(env.fake.projectItems().filter((i) => i.kind === "folder")).toHaveLength(1);
    expect(env.fake.undoSteps).toEqual(["Retake: add take 1", "Retake: add take 1"]);
  });

  it("with no item classes exported, finds its Retake folder by what it holds and never mistakes a comp named Retake for it", async () => {
    env = await host({ exportsItemClasses: false, comp: { ...comp, name: "Retake" } });
    expect(env.fake.ae.FolderItem).toBeUndefined();
    const first = await env.client.call("host.importTake", params());
    const second = await env.client.call("host.importTake", params());
    expect(env.fake.projectItems()).toEqual([
      { kind: "footage", name: path.basename(first.mediaPath), folder: "Retake", comment: expect.any(String) },
      { kind: "folder", name: "Retake", folder: "Root", comment: "" },
      { kind: "footage", name: path.basename(second.mediaPath), folder: "Retake", comment: expect.any(String) },
    ]);
    expect(env.fake.timeline().filter((l) => l.name === layerName())).toHaveLength(2);
  });
});

describe("host.importTake in After Effects: OCIO", () => {
  const ocio = { colorManagementSystem: 1, workingSpace: "ACEScg", ocioConfigurationFile: "/configs/studio-config-v2.1.0_aces-v1.3_ocio-v2.3.ocio" };

  it("a ProRes master into an OCIO project: imported, and the panel is told which media color space to set by hand and why", async () => {
    env = await host({ color: ocio });
    const result = await env.client.call("host.importTake", params());
    expect(env.fake.imports[0]!.sequence).toBe(false);
    expect(result.guidance).toContain(`select "${path.basename(result.mediaPath)}" in the Project panel`);
    expect(result.guidance).toContain('Media Color Space to "Rec.1886 Rec.709 - Display"');
    expect(result.guidance).toContain("studio-config-v2.1.0_aces-v1.3_ocio-v2.3.ocio");
    expect(result.guidance).toMatch(/Why: the take is Rec\.709 SDR .*OCIO, where After Effects ignores a file's color tags/);
  });

  describe("with an ACES2065-1 EXR delivery", () => {
    let exrJob: Job;
    let gapJob: Job;
    let lumaJob: Job;
    let undeclaredJob: Job;
    beforeAll(async () => {
      exrJob = await finishedJob(bed.backend.url, TOKEN, { prompt: "exr take" });
      await addExrDelivery(bed.backend, exrJob, { frames: 48 });
      lumaJob = await finishedJob(bed.backend.url, TOKEN, { prompt: "luma exr take" });
      await addExrDelivery(bed.backend, lumaJob, { frames: 12, lumaStyle: { declared: LUMA_EXR_COLOR } });
      undeclaredJob = await finishedJob(bed.backend.url, TOKEN, { prompt: "exr take nobody vouches for" });
      await addExrDelivery(bed.backend, undeclaredJob, { frames: 12, lumaStyle: {} });
      gapJob = await finishedJob(bed.backend.url, TOKEN, { prompt: "exr take with a hole" });
      await addExrDelivery(bed.backend, gapJob, { frames: 48, drop: [20] });
    }, 120_000);

    it("unpacks the frames into a folder of their own, imports them as a sequence at the comp's rate, and says to set ACES2065-1", async () => {
      env = await host({ color: ocio });
      const result = await env.client.call("host.importTake", params("insert", exrJob));
      expect(path.basename(result.mediaPath)).toBe(`${layerName(exrJob)} EXR`);
      expect(fs.readdirSync(result.mediaPath).filter((n) => n.endsWith(".exr"))).toHaveLength(48);
      expect(filesUnder(env.mediaDir).filter((n) => n.endsWith(".partial"))).toEqual([]);
      expect(env.fake.imports).toEqual([{ file: path.join(result.mediaPath, fs.readdirSync(result.mediaPath).sort()[0]!), sequence: true }]);
      expect(result.colorTags).toMatchObject({ container: "exr", colorSpace: "aces2065-1", agree: true, sequence: { count: 48, contiguous: true } });
      // 48 frames at the comp's 24 fps: 2 s (at After Effects' 30 fps import default it would be 1.6 s).
      expect(result.placement).toMatchObject({ start: 2, end: 4 });
      expect(result.guidance).toContain('Media Color Space to "ACES2065-1"');
      expect(result.guidance).toContain("linear ACES2065-1 (AP0) EXR frames");
    });

    it("Luma's frames without chromaticities import as ACES2065-1 on Luma's recorded word, and the tags say whose word it is", async () => {
      env = await host({ color: ocio });
      const result = await env.client.call("host.importTake", params("insert", lumaJob));
      expect(result.colorTags).toMatchObject({ colorSpace: "aces2065-1", agree: true, assumed: { source: "provider", provider: "luma" } });
      expect(result.colorTags.exr?.chromaticities).toBeUndefined();
      expect(result.colorTags.warnings?.[0]).toMatch(/Luma declares its EXR export to be ACES2065-1/);
    });

    it("the same frames with nobody declaring them are scene-linear Rec.709 (the OpenEXR default) and are refused", async () => {
      env = await host({ color: ocio });
      await expect(env.client.call("host.importTake", params("insert", undeclaredJob))).rejects.toMatchObject({ code: "color_mismatch", message: expect.stringMatching(/^Not imported: The frames are not ACES2065-1/) });
      expect(env.fake.imports).toEqual([]);
    });

    it("frames left by an import that never finished are cleared first, not mixed into the sequence", async () => {
      env = await host({ color: ocio });
      const stale = path.join(env.mediaDir, `${layerName(exrJob)} EXR.partial`);
      fs.mkdirSync(stale, { recursive: true });
      fs.writeFileSync(path.join(stale, "take_000999.exr"), "half a frame from last time");
      const result = await env.client.call("host.importTake", params("insert", exrJob));
      expect(fs.readdirSync(result.mediaPath).filter((n) => n.endsWith(".exr"))).toHaveLength(48);
      expect(fs.existsSync(path.join(result.mediaPath, "take_000999.exr"))).toBe(false);
      expect(fs.existsSync(stale)).toBe(false);
    });

    it("an EXR sequence with a missing frame is refused; its folder is removed and nothing is imported", async () => {
      env = await host({ color: ocio });
      const before = env.fake.timeline();
      await expect(env.client.call("host.importTake", params("insert", gapJob))).rejects.toMatchObject({ code: "color_mismatch", message: expect.stringMatching(/^Not imported: .*missing frame 20/) });
      expect(filesUnder(env.mediaDir)).toEqual([]);
      expect(env.fake.imports).toEqual([]);
      expect(env.fake.timeline()).toEqual(before);
    });

    it("an EXR download cut halfway leaves no folder and no frame behind", async () => {
      const proxy = await startCuttingProxy(bed.backend.url);
      try {
        proxy.state.cut = true;
        env = await host({ color: ocio }, { backendUrl: proxy.url });
        await expect(env.client.call("host.importTake", params("insert", exrJob))).rejects.toMatchObject({ code: "download_failed", message: expect.stringMatching(/EXR frames.*import the take again/) });
        expect(filesUnder(env.mediaDir)).toEqual([]);
        expect(env.fake.imports).toEqual([]);
      } finally {
        await proxy.close();
      }
    });

    it("with Adobe color management the ProRes master is imported, not the EXR", async () => {
      env = await host();
      const result = await env.client.call("host.importTake", params("insert", exrJob));
      expect(result.mediaPath.endsWith(".mov")).toBe(true);
      expect(env.fake.imports[0]!.sequence).toBe(false);
    });
  });
});

describe("host.importTake in After Effects: every refusal leaves the project untouched", () => {
  for (const failOn of ["importFile", "addLayer", "moveBefore", "layerName", "xmpPacket"] as const) {
    it(`After Effects refusing ${failOn}: no half-added layer, no orphan footage or folder, no file left`, async () => {
      env = await host({ failOn, xmpPacket: EMPTY_PROJECT_XMP });
      const before = env.fake.timeline();
      await expect(env.client.call("host.importTake", params())).rejects.toMatchObject({ code: "import_failed", message: expect.stringMatching(/The project was not changed/) });
      expect(env.fake.timeline()).toEqual(before);
      expect(env.fake.projectItems()).toEqual([]);
      expect(env.fake.xmpPacket).toBe(EMPTY_PROJECT_XMP);
      expect(env.fake.openUndoGroups).toBe(0);
      expect(filesUnder(env.mediaDir)).toEqual([]);
    });
  }

  it("a color mismatch (Rec.709 take, Rec.2100 PQ working space) blocks the import before After Effects sees the file", async () => {
    env = await host({ color: { workingSpace: "Rec. 2100 PQ" } });
    await expect(env.client.call("host.importTake", params())).rejects.toMatchObject({ code: "color_mismatch", message: expect.stringMatching(/^Not imported: The file is Rec\. ?709.*PQ/) });
    expect(env.fake.imports).toEqual([]);
    expect(filesUnder(env.mediaDir)).toEqual([]);
  });

  it("cancel means cancel: a second import of the take in flight is refused, the editor's cancel stops the download, nothing is added then or later", async () => {
    const proxy = await startSlowProxy(bed.backend.url, 1_500);
    try {
      env = await host({}, { backendUrl: proxy.url });
      const before = env.fake.timeline();
      const importing = env.client.call("host.importTake", params());
      await new Promise((r) => setTimeout(r, 300));
      await expect(env.client.call("host.importTake", params())).rejects.toMatchObject({ code: "import_in_progress" });
      expect(await env.client.call("host.cancelImport", { jobId: params().jobId, takeId: params().takeId })).toEqual({ cancelled: true });
      await expect(importing).rejects.toMatchObject({ code: "cancelled" });
      await new Promise((r) => setTimeout(r, 1_500));
      expect(filesUnder(env.mediaDir)).toEqual([]);
      expect(env.fake.imports).toEqual([]);
      expect(env.fake.timeline()).toEqual(before);
    } finally {
      await proxy.close();
    }
  });

  it("a download cut halfway removes the partial file, imports nothing, and the take imports fine afterwards", async () => {
    const proxy = await startCuttingProxy(bed.backend.url);
    try {
      proxy.state.cut = true;
      env = await host({}, { backendUrl: proxy.url });
      await expect(env.client.call("host.importTake", params())).rejects.toMatchObject({ code: "download_failed", message: expect.stringMatching(/import the take again/) });
      expect(filesUnder(env.mediaDir)).toEqual([]);
      expect(env.fake.imports).toEqual([]);
      proxy.state.cut = false;
      const result = await env.client.call("host.importTake", params());
      expect(fs.statSync(result.mediaPath).size).toBe(take().outputs.master!.bytes);
    } finally {
      await proxy.close();
    }
  });

  it("refuses before downloading: an unsaved project, a read-only project folder, Extend with no layer selected or at the comp's end, a take not ready", async () => {
    env = await host({}, { unsaved: true });
    await expect(env.client.call("host.importTake", params())).rejects.toMatchObject({ code: "media_folder", message: expect.stringMatching(/has not been saved yet/) });
    env = await host({}, { readOnly: true });
    await expect(env.client.call("host.importTake", params())).rejects.toMatchObject({ code: "media_folder", message: expect.stringMatching(/read-only/) });
    env = await host({ layers: stack.map((l) => ({ ...l, selected: false })) });
    await expect(env.client.call("host.importTake", params("extend"))).rejects.toMatchObject({ code: "no_placement", message: expect.stringMatching(/^Extend continues the selected layer/) });
    env.fake.select(["Title"]);
    await expect(env.client.call("host.importTake", params("extend"))).rejects.toMatchObject({ code: "no_placement", message: expect.stringMatching(/"Title" ends at the end of the composition/) });
    await expect(env.client.call("host.importTake", { jobId: job.id, takeId: "take_nope", mode: "insert" })).rejects.toMatchObject({ code: "take_not_ready" });
    expect(env.fake.imports).toEqual([]);
    expect(env.fake.undoSteps).toEqual([]);
    expect(filesUnder(env.mediaDir)).toEqual([]);
  });
});

describe("media folder and delivery color space", () => {
  it("a picked media folder is remembered under the After Effects key and imports go there", async () => {
    env = await host();
    const picked = path.join(env.root, "Shared media");
    fs.mkdirSync(picked);
    env.picker.next = { name: "Shared media", nativePath: picked, url: `file:${picked}` };
    expect(await env.client.call("host.pickMediaFolder")).toEqual({ path: picked });
    expect([...env.store.keys()]).toContain("aftereffects.mediaFolderToken");
    const result = await env.client.call("host.importTake", params());
    expect(path.dirname(result.mediaPath)).toBe(picked);
    expect(filesUnder(env.mediaDir)).toEqual([]);
  });

  it("where the working space decides, asking for another color space is refused with where to change it", async () => {
    env = await host();
    expect((await env.client.call("host.setSequenceColorSpace", { colorSpace: "rec709" })).colorSpace).toBe("rec709");
    await expect(env.client.call("host.setSequenceColorSpace", { colorSpace: "rec2100-pq" })).rejects.toMatchObject({
      code: "color_settings",
      message: expect.stringMatching(/working space is "HDTV \(Rec\. 709\)".*File › Project Settings › Color/),
    });
    expect(env.fake.undoSteps).toEqual([]);
  });

  it("in an OCIO project the choice is kept in the project XMP in one undo step, read back by host.context, and used by the import gate", async () => {
    env = await host({ color: { colorManagementSystem: 1, workingSpace: "ACEScg" } });
    const ctx = await env.client.call("host.setSequenceColorSpace", { colorSpace: "rec2100-pq" });
    expect(ctx).toMatchObject({ colorSpace: "rec2100-pq", projectColor: { colorSpaceFrom: "project-setting" } });
    expect((await env.client.call("host.context")).colorSpace).toBe("rec2100-pq");
    expect(env.fake.undoSteps).toEqual(["Retake: delivery color space"]);
    // The Rec.709 take no longer fits what this project asked for.
    await expect(env.client.call("host.importTake", params())).rejects.toMatchObject({ code: "color_mismatch" });
    env.fake.undo();
    expect((await env.client.call("host.context")).colorSpace).toBe("rec709");
  });
});
