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

  it("importFiles answers only a boolean (false for a file that is not there), and needs a real bin", async () => {
    const { project, root } = await setup();
    await expect(project.importFiles(["/definitely/not/here.mov"], true, undefined, false)).rejects.toThrow(/Illegal Parameter type/);
    const result = await project.importFiles(["/definitely/not/here.mov"], true, root as unknown as Parameters<typeof project.importFiles>[2], false);
    expect(result).toBe(false);
    expect(await root.getItems()).toEqual([]);
  });

  it("an overwrite onto the index past the last track answers true and places nothing; an insert there adds the track", async () => {
    const { fake, project, sequence } = await setup();
    fake.root.children!.push({ id: "x", name: "X", type: 1, mediaPath: "/x.mov", durationTicks: secondsTicks(2) });
    const view = (await (await project.getRootItem()).getItems())[0]!;
    const editor = fake.ppro.SequenceEditor.getEditor(sequence);
    const at = fake.ppro.TickTime.createWithSeconds(1);
    let ok = false;
    project.lockedAccess(() => (ok = project.executeTransaction((c) => c.addAction(editor.createOverwriteItemAction(view, at, 1, -1)))));
    expect(ok).toBe(true);
    expect(fake.snapshotTracks()).toHaveLength(1);
    project.lockedAccess(() => (ok = project.executeTransaction((c) => c.addAction(editor.createInsertProjectItemAction(view, at, 1, -1, true)))));
    expect(fake.snapshotTracks().map((t) => t.clips.map((c) => c.name))).toEqual([["A"], ["X"]]);
  });

  it("bins and track items handed out before a transaction are stale after it", async () => {
    const { fake, project, sequence, root } = await setup();
    const items = (await sequence.getVideoTrack(0)).getTrackItems(fake.ppro.Constants.TrackItemType.CLIP, false);
    project.lockedAccess(() => project.executeTransaction((c) => c.addAction(root.createBinAction("B", false))));
    await expect(root.getItems()).rejects.toThrow(/invalidated by a later transaction/);
    await expect(items[0]!.getStartTime()).rejects.toThrow(/invalidated/);
    expect((await (await project.getRootItem()).getItems()).map((i) => i.name)).toEqual(["B"]);
  });

  it("marker types are Premiere's constants; an XMP packet holding dc:description twice is refused", async () => {
    const { fake, project, sequence } = await setup();
    const markers = await fake.ppro.Markers.getMarkers(sequence);
    let ok = true;
    project.lockedAccess(() => (ok = project.executeTransaction((c) => c.addAction(markers.createAddMarkerAction("m", "Kommentar")))));
    expect(ok).toBe(false);
    project.lockedAccess(() => (ok = project.executeTransaction((c) => c.addAction(markers.createAddMarkerAction("m", fake.ppro.Marker!.MARKER_TYPE_COMMENT)))));
    expect(ok).toBe(true);
    fake.root.children!.push({ id: "x", name: "X", type: 1 });
    const view = (await (await project.getRootItem()).getItems())[0]!;
    expect(await fake.ppro.Metadata.getXMPMetadata(view)).toContain("Adobe Premiere Pro");
    const twice = "<x><dc:description>a</dc:description><dc:description>b</dc:description></x>";
    project.lockedAccess(() => (ok = project.executeTransaction((c) => c.addAction(fake.ppro.Metadata.createSetXMPMetadataAction(view, twice)))));
    expect(ok).toBe(false);
  });

  it("counts every call into the API, through namespaces, promises and arrays", async () => {
    const { fake, sequence } = await setup();
    fake.calls.reset();
    const track = await sequence.getVideoTrack(0);
    const [item] = track.getTrackItems(fake.ppro.Constants.TrackItemType.CLIP, false);
    await item!.getStartTime();
    await fake.ppro.Project.getActiveProject();
    expect(fake.calls.total()).toBe(4);
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
