import type { FrameRate, ImportTakeResult, SequenceContext } from "../core/schemas/index.js";
import { placementInWords, secondsToTimecode } from "./format.js";

/**
 * The host's own words for what the panel talks about. Premiere edits sequences on tracks with a
 * playhead and keeps imports in a bin; After Effects works in compositions of layers with a
 * current time and keeps imports in a folder. The browser harness plays Premiere. Before any
 * host has said which it is, the words cover both.
 */
export interface HostWords {
  /** The app, as the editor calls it. */
  app: string;
  /** "sequence" / "composition". */
  sequence: string;
  /** "Sequence" / "Composition" (the context bar's label). */
  Sequence: string;
  /** "playhead" / "current time". */
  playhead: string;
  /** "Playhead" / "Current time". */
  Playhead: string;
  /** "track" / "layer". */
  track: string;
  /** "bin" / "folder" (where imported takes are kept in the project). */
  bin: string;
  /** What the context bar says when nothing is open. */
  nothingOpen: string;
  /** Where Insert directs from and puts the take ("playhead" / "current time"). */
  insertAt: string;
  /** Where Extend directs from and puts the take. */
  extendFrom: string;
}

export type HostKind = SequenceContext["host"];

const PREMIERE: HostWords = {
  app: "Premiere",
  sequence: "sequence",
  Sequence: "Sequence",
  playhead: "playhead",
  Playhead: "Playhead",
  track: "track",
  bin: "bin",
  nothingOpen: "No sequence open",
  insertAt: "playhead",
  extendFrom: "end of the shot under the playhead",
};

const AFTER_EFFECTS: HostWords = {
  app: "After Effects",
  sequence: "composition",
  Sequence: "Composition",
  playhead: "current time",
  Playhead: "Current time",
  track: "layer",
  bin: "folder",
  nothingOpen: "No composition open",
  insertAt: "current time",
  extendFrom: "out point of the selected layer",
};

const EITHER: HostWords = { ...PREMIERE, app: "the host app", nothingOpen: "No sequence or composition open" };

export function hostWords(host: HostKind | null | undefined): HostWords {
  if (host === "aftereffects") return AFTER_EFFECTS;
  if (host === "premierepro" || host === "browser") return PREMIERE;
  return EITHER;
}

/**
 * Where an import landed, in the host's words: "Placed on V2 at 00:00:04:00" in Premiere, "Added
 * as layer 2 “Retake 1a2b3c take 1” at 00:00:04:00" in After Effects.
 */
export function importedInWords(result: ImportTakeResult, rate: FrameRate, dropFrame = false): string {
  const { placement } = result;
  if (!placement.layer) return placementInWords(placement, rate, dropFrame);
  return `Added as layer ${placement.layer.index} “${placement.layer.name}” at ${secondsToTimecode(placement.start, rate, dropFrame)}`;
}
