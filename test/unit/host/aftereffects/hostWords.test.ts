import { describe, expect, it } from "vitest";
import type { ColorTags, ImportTakeResult } from "../../../../src/core/schemas/index.js";
import { hostWords, importedInWords } from "../../../../src/ui/hostWords.js";

const tags: ColorTags = { container: "mov", colorSpace: "rec709", agree: true, problems: [] };

describe("the panel's words follow the host", () => {
  it("After Effects: composition, current time, layer, folder; Premiere and the harness: sequence, playhead, track, bin", () => {
    expect(hostWords("aftereffects")).toMatchObject({ app: "After Effects", Sequence: "Composition", playhead: "current time", track: "layer", bin: "folder", nothingOpen: "No composition open", extendFrom: "out point of the selected layer" });
    for (const host of ["premierepro", "browser"] as const) {
      expect(hostWords(host)).toMatchObject({ app: "Premiere", Sequence: "Sequence", playhead: "playhead", track: "track", bin: "bin", nothingOpen: "No sequence open" });
    }
    expect(hostWords(null).nothingOpen).toBe("No sequence or composition open");
  });

  it("says where an import landed: a layer by index and name in After Effects, a track in Premiere", () => {
    const ae: ImportTakeResult = { mediaPath: "/m/a.mov", binName: "Retake", colorTags: tags, placement: { trackIndex: 2, start: 4, end: 6, newTrack: true, layer: { index: 2, name: "Retake 1a2b3c take 1" } } };
    expect(importedInWords(ae, { num: 24, den: 1 })).toBe("Added as layer 2 “Retake 1a2b3c take 1” at 00:00:04:00");
    const ppro: ImportTakeResult = { ...ae, placement: { trackIndex: 1, start: 4, end: 6, newTrack: false } };
    expect(importedInWords(ppro, { num: 24, den: 1 })).toBe("Placed on V2 at 00:00:04:00");
  });
});
