import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AeApp, AeCompItem, AeFootageItem, AeImportOptionsClass } from "../../../../src/host/aftereffects/types.js";
import { createFakeAfterEffects, type FakeAeOptions } from "./fake/fakeAfterEffects.js";

/** The fake is only useful if it refuses what After Effects refuses; these pin its rules down. */
let dir: string;
let movie: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-ae-rules-"));
  movie = path.join(dir, "clip.mov");
  fs.writeFileSync(path.join(dir, "not-media.txt"), "a text file, not media");
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function open(options: FakeAeOptions = {}) {
  const fake = createFakeAfterEffects({ layers: [{ name: "Plate", inPoint: 0, outPoint: 6 }], ...options });
  const { app, ImportOptions } = fake.ae as { app: AeApp; ImportOptions: AeImportOptionsClass };
  const project = app.project!;
  return { fake, app, project, comp: project.activeItem as AeCompItem, ImportOptions };
}

describe("the fake After Effects enforces the host's rules", () => {
  it("every change outside an undo group is its own undo step; inside one group (nested too) it is one step", () => {
    const { fake, app, comp } = open();
    const layer = comp.layer(1);
    layer.name = "A";
    layer.startTime = 1;
    expect(fake.undoSteps).toEqual(["Layer Name", "Layer Start Time"]);
    app.beginUndoGroup("Outer");
    layer.name = "B";
    app.beginUndoGroup("Inner (name ignored)");
    layer.startTime = 2;
    app.endUndoGroup();
    app.endUndoGroup();
    expect(fake.undoSteps).toEqual(["Layer Name", "Layer Start Time", "Outer"]);
    fake.undo();
    expect(fake.timeline()).toEqual([expect.objectContaining({ name: "A", start: 1, in: 1, out: 7 })]);
    expect(() => app.endUndoGroup()).toThrow(/without beginUndoGroup/);
  });

  it("layers.add takes only an AVItem of this project; a removed layer is an invalid object", () => {
    const { project, comp } = open();
    const folder = project.items.addFolder("Stuff");
    expect(() => comp.layers.add(folder)).toThrow(/must be an AVItem/);
    expect(() => comp.layers.add({ name: "x" } as unknown as AeFootageItem)).toThrow(/must be an AVItem/);
    expect(() => comp.layers.add(comp)).toThrow(/cannot contain itself/);
    const layer = comp.layer(1);
    layer.remove();
    expect(() => layer.name).toThrow(/Object is invalid/);
  });

  it("importFile takes an ImportOptions of the module's class and an existing file", () => {
    const { project, ImportOptions } = open();
    expect(() => project.importFile({ file: movie, sequence: false, forceAlphabetical: false })).toThrow(/must be an ImportOptions/);
    expect(() => project.importFile(new ImportOptions(path.join(dir, "missing.mov")))).toThrow(/not found/);
    expect(() => project.importFile(new ImportOptions(path.join(dir, "not-media.txt")))).toThrow(/not a file format/);
  });

  it("saveFrameToPng exists on compositions only, wants an absolute path, and answers a DeferredCall", async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47]);
    const { fake, project, comp } = open({ stillPng: png, active: "comp" });
    const root = project.rootFolder;
    const footage = Array.from({ length: root.numItems }, (_, i) => root.item(i + 1)).find((i) => i.typeName === "Footage") as unknown as Record<string, unknown>;
    expect(footage).toBeDefined();
    expect(footage.saveFrameToPng).toBeUndefined();
    expect(() => comp.saveFrameToPng(0, "relative.png")).toThrow(/not an absolute file path/);
    const out = path.join(dir, "f.png");
    const call = comp.saveFrameToPng(1, out);
    expect(fs.existsSync(out)).toBe(false); // deferred: nothing yet
    await (call as PromiseLike<unknown>);
    expect(fs.readFileSync(out)).toEqual(png);
    expect(fake.renders).toEqual([{ seconds: 1, path: out }]);
    const never = open({ render: "never" });
    const pending = never.comp.saveFrameToPng(0, path.join(dir, "g.png"));
    expect(await Promise.race([pending, new Promise((r) => setTimeout(() => r("still pending"), 100))])).toBe("still pending");
  });
});
