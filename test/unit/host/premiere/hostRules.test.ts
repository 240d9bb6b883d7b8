import { describe, expect, it } from "vitest";
import { clip, createFakePremiere, HostRuleError, secondsTicks } from "./fake/fakePremiere.js";

/** The fake is only useful if it refuses what Premiere refuses; these pin its rules down. */
describe("the fake Premiere enforces the host's rules", () => {
  const setup = async () => {
    const fake = createFakePremiere({ sequence: { tracks: [{ name: "Video 1", clips: [clip("A", 0, 4)] }] } });
    const project = (await fake.ppro.Project.getActiveProject())!;
    const sequence = (await project.getActiveSequence())!;
    const root = await project.getRootItem();
    return { fake, project, sequence, root };
  };

  it("create*Action outside lockedAccess throws", async () => {
    const { fake, sequence, root } = await setup();
    expect(() => root.createBinAction("X", false)).toThrow(HostRuleError);
    const markers = await fake.ppro.Markers.getMarkers(sequence);
    expect(() => markers.createAddMarkerAction("m")).toThrow(/outside project.lockedAccess/);
  });

  it("an async callback to lockedAccess or executeTransaction throws, and so does a transaction outside the lock", async () => {
    const { project } = await setup();
    expect(() => project.lockedAccess(async () => undefined)).toThrow(/async callback/);
    expect(() => project.lockedAccess(() => project.executeTransaction(async () => undefined))).toThrow(/async callback/);
    expect(() => project.executeTransaction(() => undefined)).toThrow(/outside project.lockedAccess/);
  });

  it("a transaction is all or nothing and one undo step", async () => {
    const { fake, project, root } = await setup();
    project.lockedAccess(() => {
      project.executeTransaction((c) => {
        c.addAction(root.createBinAction("One", false));
        c.addAction(root.createBinAction("Two", false));
      }, "two bins");
    });
    expect(fake.root.children!.map((c) => c.name)).toEqual(["One", "Two"]);
    expect(fake.undoLabels).toEqual(["two bins"]);
    fake.undo();
    expect(fake.root.children).toEqual([]);
  });

  it("importFiles answers only a boolean (false for a file that is not there)", async () => {
    const { project, root } = await setup();
    const result = await project.importFiles(["/definitely/not/here.mov"], true, undefined, false);
    expect(result).toBe(false);
    expect(await root.getItems()).toEqual([]);
  });

  it("exportSequenceFrame appends the extension again, or answers true without writing in silent mode", async () => {
    const fs = await import("node:fs");
    const os = await import("node:os");
    const path = await import("node:path");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-"));
    try {
      const doubled = createFakePremiere({ stillPng: Buffer.from([1, 2, 3]) });
      const seq = (await (await doubled.ppro.Project.getActiveProject())!.getActiveSequence())!;
      expect(await doubled.ppro.Exporter.exportSequenceFrame(seq, doubled.ppro.TickTime.createWithSeconds(0), "f.png", dir, 10, 10)).toBe(true);
      expect(fs.readdirSync(dir)).toEqual(["f.png.png"]);
      const silent = createFakePremiere({ exportMode: "silent" });
      expect(await silent.ppro.Exporter.exportSequenceFrame(seq, silent.ppro.TickTime.createWithSeconds(0), "g.png", dir, 10, 10)).toBe(true);
      expect(fs.readdirSync(dir)).toEqual(["f.png.png"]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("overwrite trims what it covers on its own track (so a wrong placement would show)", async () => {
    const { fake, project, sequence } = await setup();
    const item = { id: "x", name: "X", type: 1, mediaPath: "/x.mov", durationTicks: secondsTicks(2) };
    fake.root.children!.push(item);
    const view = (await (await project.getRootItem()).getItems())[0]!;
    const editor = fake.ppro.SequenceEditor.getEditor(sequence);
    project.lockedAccess(() => project.executeTransaction((c) => c.addAction(editor.createOverwriteItemAction(view, fake.ppro.TickTime.createWithSeconds(1), 0, -1))));
    expect(fake.snapshotTracks()[0]!.clips.map((c) => c.name)).toEqual(["A", "X", "A"]);
  });
});
