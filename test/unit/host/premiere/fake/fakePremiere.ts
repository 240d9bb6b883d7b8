/**
 * An in-memory Premiere Pro for the host adapter's tests: the slice of `premierepro` the adapter
 * uses (typed as PremiereApi, which the compiler proves the official 26.3 declarations satisfy),
 * enforcing the host's rules so a mistake in the adapter fails here as it would in Premiere:
 * - every create*Action outside project.lockedAccess throws (the 26.3 rule);
 * - an async callback to lockedAccess or executeTransaction throws (no await inside);
 * - executeTransaction applies its actions all or nothing and is one undo step;
 * - importFiles answers only a boolean; the new item must be found by looking;
 * - exportSequenceFrame appends the extension again, and in "silent" mode answers true without
 *   writing anything.
 * Media files are real files (written by the adapter through the fake fs); durations are read
 * with ffprobe, as Premiere would read them from the file.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { Action, CompoundAction, Constants } from "@adobe/premierepro";
import type {
  PClipProjectItem,
  PFolderItem,
  PMarkers,
  PProject,
  PProjectItem,
  PProperties,
  PremiereApi,
  PSequence,
  PSequenceEditor,
  PSequenceSettings,
  PTickTime,
  PVideoClipTrackItem,
  PVideoTrack,
} from "../../../../../src/host/premiere/types.js";

const TPS = 254_016_000_000n;
export const TYPE_CLIP = 1;
export const TYPE_BIN = 2;
export const TYPE_ROOT = 3;

export class HostRuleError extends Error {
  override name = "HostRuleError";
}

export function tickTime(ticks: bigint | string): PTickTime {
  const t = BigInt(ticks);
  return { ticks: t.toString(), seconds: Number(t) / Number(TPS) };
}
export const secondsTicks = (s: number): bigint => BigInt(Math.round(s * Number(TPS)));

export interface FakeItem {
  id: string;
  name: string;
  type: number;
  mediaPath?: string;
  durationTicks?: bigint;
  children?: FakeItem[];
  xmp?: string;
}

export interface FakeClip {
  name: string;
  start: bigint;
  end: bigint;
  item: FakeItem;
}

export interface FakeTrack {
  name: string;
  clips: FakeClip[];
}

export interface FakeMarker {
  name: string;
  type?: string;
  start?: string;
  duration?: string;
  comments?: string;
}

export interface FakeSequenceState {
  name: string;
  width: number;
  height: number;
  ticksPerFrame: bigint;
  pixelAspect: string;
  playhead: bigint;
  tracks: FakeTrack[];
  markers: FakeMarker[];
  properties: Record<string, string>;
  maxBitDepth: boolean;
  compositeInLinear: boolean;
}

export interface FakeOptions {
  projectOpen?: boolean;
  sequenceOpen?: boolean;
  projectPath?: string;
  sequence?: Partial<FakeSequenceState>;
  /** Premiere before 26.2 has no SequenceSettings.getVideoFrameRate. */
  withGetVideoFrameRate?: boolean;
  /** "doubled" (what Premiere does), "silent" (true, nothing written), "fails" (false). */
  exportMode?: "doubled" | "silent" | "fails";
  /** importFiles answers false. */
  importFails?: boolean;
  /** The overwrite action throws when applied (the transaction then changes nothing). */
  overwriteFails?: boolean;
  /** PNG bytes the exporter "renders". */
  stillPng?: Buffer;
}

type FakeAction = Action & { apply(): void; label: string };

export interface FakePremiere {
  ppro: PremiereApi;
  state: FakeSequenceState;
  root: FakeItem;
  undoLabels: string[];
  /** Every call the fake saw that reaches Premiere's model (for asserting what was never done). */
  log: string[];
  undo(): void;
  /** A deep copy of the tracks, for before/after comparisons. */
  snapshotTracks(): { name: string; clips: { name: string; start: string; end: string }[] }[];
  options: FakeOptions;
}

const isAsync = (fn: unknown) => typeof fn === "function" && fn.constructor?.name === "AsyncFunction";
const isThenable = (v: unknown) => !!v && typeof (v as { then?: unknown }).then === "function";

export function createFakePremiere(options: FakeOptions = {}): FakePremiere {
  let nextId = 1;
  const newId = () => `item-${nextId++}`;
  const root: FakeItem = { id: newId(), name: "root", type: TYPE_ROOT, children: [] };
  const state: FakeSequenceState = {
    name: "Sequence 01",
    width: 1920,
    height: 1080,
    ticksPerFrame: 10_584_000_000n, // 24 fps
    pixelAspect: "1:1",
    playhead: 0n,
    tracks: [{ name: "Video 1", clips: [] }],
    markers: [],
    properties: {},
    maxBitDepth: false,
    compositeInLinear: false,
    ...options.sequence,
  };
  const undoStack: { label: string; restore: () => void }[] = [];
  const undoLabels: string[] = [];
  const log: string[] = [];
  let lockDepth = 0;
  let transaction: FakeAction[] | undefined;

  const requireLock = (what: string) => {
    if (lockDepth === 0) throw new HostRuleError(`${what} was called outside project.lockedAccess (Premiere 26.3 requires the lock)`);
  };
  const action = (label: string, apply: () => void): FakeAction => {
    requireLock(label);
    return { label, apply } as FakeAction;
  };

  const clipView = (clip: FakeClip): PVideoClipTrackItem => ({
    getName: async () => clip.name,
    getStartTime: async () => tickTime(clip.start),
    getEndTime: async () => tickTime(clip.end),
    getProjectItem: async () => itemView(clip.item),
  });
  const trackView = (track: FakeTrack): PVideoTrack => ({
    get name() {
      return track.name;
    },
    getTrackItems: (type: Constants.TrackItemType) => ((type as number) === 1 ? track.clips.map(clipView) : []),
  });
  const itemView = (item: FakeItem): PProjectItem & { __item: FakeItem } => ({
    __item: item,
    get name() {
      return item.name;
    },
    get type() {
      return item.type;
    },
    getId: () => item.id,
  });
  const unwrap = (view: PProjectItem): FakeItem => {
    const item = (view as { __item?: FakeItem }).__item;
    if (!item) throw new HostRuleError("not a project item handed out by this project");
    return item;
  };
  const folderView = (item: FakeItem): PFolderItem & { __item: FakeItem } => {
    if (!item.children) throw new HostRuleError(`FolderItem.cast of "${item.name}", which is not a bin`);
    return {
      __item: item,
      get name() {
        return item.name;
      },
      get type() {
        return item.type;
      },
      getItems: async () => item.children!.map(itemView),
      createBinAction: (name: string) =>
        action("createBinAction", () => {
          item.children!.push({ id: newId(), name, type: TYPE_BIN, children: [] });
        }),
    };
  };

  const settings: PSequenceSettings = {
    getVideoPixelAspectRatio: async () => state.pixelAspect,
    getMaximumBitDepth: async () => state.maxBitDepth,
    getCompositeInLinearColor: async () => state.compositeInLinear,
    ...(options.withGetVideoFrameRate === false
      ? {}
      : { getVideoFrameRate: () => ({ ticksPerFrame: Number(state.ticksPerFrame), value: Number(TPS) / Number(state.ticksPerFrame) }) }),
  };

  const sequence: PSequence = {
    get name() {
      return state.name;
    },
    getPlayerPosition: async () => tickTime(state.playhead),
    getVideoTrackCount: async () => state.tracks.length,
    getVideoTrack: async (i) => {
      const track = state.tracks[i];
      if (!track) throw new Error(`no video track ${i}`);
      return trackView(track);
    },
    getSettings: async () => settings,
    getEndTime: async () => tickTime(state.tracks.flatMap((t) => t.clips).reduce((m, c) => (c.end > m ? c.end : m), 0n)),
    getFrameSize: async () => ({ width: state.width, height: state.height }),
    getTimebase: async () => state.ticksPerFrame.toString(),
  };

  const markers: PMarkers = {
    createAddMarkerAction: (name, type, start, duration, comments) =>
      action("createAddMarkerAction", () => {
        state.markers.push({ name, ...(type ? { type } : {}), ...(start ? { start: start.ticks } : {}), ...(duration ? { duration: duration.ticks } : {}), ...(comments ? { comments } : {}) });
      }),
  };
  const properties: PProperties = {
    hasValue: (name) => name in state.properties,
    getValue: (name) => state.properties[name] ?? "",
    createSetValueAction: (name, value) =>
      action("createSetValueAction", () => {
        state.properties = { ...state.properties, [name]: String(value) };
      }),
  };

  /** Premiere's overwrite edit: the new clip wins its range on that track; nothing ripples. */
  const overwrite = (item: FakeItem, start: bigint, trackIndex: number) => {
    if (options.overwriteFails) throw new Error("overwrite failed (test mode)");
    if (!item.durationTicks) throw new Error(`"${item.name}" has no duration`);
    if (trackIndex > state.tracks.length || trackIndex < 0) throw new Error(`video track index ${trackIndex} out of range`);
    if (trackIndex === state.tracks.length) state.tracks.push({ name: `Video ${trackIndex + 1}`, clips: [] });
    const track = state.tracks[trackIndex]!;
    const end = start + item.durationTicks;
    const kept: FakeClip[] = [];
    for (const c of track.clips) {
      if (c.end <= start || c.start >= end) kept.push(c);
      else {
        if (c.start < start) kept.push({ ...c, end: start });
        if (c.end > end) kept.push({ ...c, start: end });
      }
    }
    kept.push({ name: item.name, start, end, item });
    kept.sort((a, b) => (a.start < b.start ? -1 : 1));
    track.clips = kept;
  };

  const snapshotState = () => {
    const saved = structuredClone({ tracks: state.tracks.map((t) => ({ name: t.name, clips: t.clips.map((c) => ({ ...c, item: undefined })) })), markers: state.markers, properties: state.properties });
    const items = state.tracks.map((t) => t.clips.map((c) => c.item));
    const xmp = new Map<FakeItem, string | undefined>();
    const visit = (i: FakeItem) => {
      xmp.set(i, i.xmp);
      i.children?.forEach(visit);
    };
    visit(root);
    const rootChildren = root.children!.map((c) => ({ c, kids: c.children?.slice() }));
    return () => {
      state.tracks = saved.tracks.map((t, ti) => ({ name: t.name, clips: t.clips.map((c, ci) => ({ ...c, item: items[ti]![ci]! })) }));
      state.markers = saved.markers;
      state.properties = saved.properties;
      for (const [i, x] of xmp) i.xmp = x;
      root.children = rootChildren.map(({ c, kids }) => (kids ? Object.assign(c, { children: kids }) : c));
    };
  };

  const project: PProject = {
    name: "Fake project.prproj",
    path: options.projectPath ?? "/nowhere/Fake project.prproj",
    getActiveSequence: async () => (options.sequenceOpen === false ? null : sequence),
    getRootItem: async () => folderView(root),
    importFiles: async (paths, _suppressUI, targetBin, asNumberedStills) => {
      log.push(`importFiles ${paths.join(",")}`);
      if (options.importFails) return false;
      const bin = targetBin ? unwrap(targetBin) : root;
      if (!bin.children) return false;
      for (const p of paths) {
        if (!fs.existsSync(p) || fs.statSync(p).size === 0) return false;
        let seconds: number;
        try {
          seconds = Number(execFileSync("ffprobe", ["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", p]).toString().trim());
        } catch {
          return false; // Premiere cannot read it either
        }
        if (asNumberedStills) return false;
        bin.children.push({ id: newId(), name: path.basename(p), type: TYPE_CLIP, mediaPath: p, durationTicks: roundToFrame(secondsTicks(seconds), state.ticksPerFrame) });
      }
      return true;
    },
    lockedAccess: (callback) => {
      if (isAsync(callback)) throw new HostRuleError("lockedAccess was given an async callback");
      lockDepth++;
      try {
        const result = (callback as () => unknown)();
        if (isThenable(result)) throw new HostRuleError("lockedAccess callback returned a promise");
      } finally {
        lockDepth--;
      }
    },
    executeTransaction: (callback: (compound: CompoundAction) => void, undoString?: string) => {
      if (isAsync(callback)) throw new HostRuleError("executeTransaction was given an async callback");
      requireLock("executeTransaction");
      if (transaction) throw new HostRuleError("nested executeTransaction");
      transaction = [];
      const collected = transaction;
      const compound: CompoundAction = {
        addAction: (a: Action) => {
          collected.push(a as FakeAction);
          return true;
        },
        get empty() {
          return collected.length === 0;
        },
      };
      try {
        const result = (callback as (c: CompoundAction) => unknown)(compound);
        if (isThenable(result)) throw new HostRuleError("executeTransaction callback returned a promise");
      } finally {
        transaction = undefined;
      }
      const restore = snapshotState();
      try {
        for (const a of collected) a.apply();
      } catch {
        restore();
        return false;
      }
      undoStack.push({ label: undoString ?? "", restore });
      undoLabels.push(undoString ?? "");
      log.push(`transaction ${undoString ?? ""} (${collected.map((a) => a.label).join(", ")})`);
      return true;
    },
  };

  const editor: PSequenceEditor = {
    createOverwriteItemAction: (projectItem, time, videoTrackIndex) => {
      const item = unwrap(projectItem);
      const start = BigInt(time.ticks);
      return action("createOverwriteItemAction", () => overwrite(item, start, videoTrackIndex));
    },
  };

  const stillPng = options.stillPng;
  const ppro: PremiereApi = {
    Project: { getActiveProject: async () => (options.projectOpen === false ? null : project) },
    Exporter: {
      exportSequenceFrame: async (_seq, time, filename, filepath, width, height) => {
        log.push(`exportSequenceFrame ${time.ticks} ${filename} ${width}x${height}`);
        if (options.exportMode === "fails") return false;
        if (options.exportMode === "silent") return true;
        const ext = path.extname(filename) || ".png";
        fs.writeFileSync(path.join(filepath, filename + ext), stillPng ?? Buffer.from("not a png"));
        return true;
      },
    },
    SequenceEditor: { getEditor: () => editor },
    FolderItem: { cast: (item) => folderView(unwrap(item)) },
    ClipProjectItem: {
      cast: (view): PClipProjectItem => {
        const item = unwrap(view);
        return {
          getMediaFilePath: async () => {
            if (item.type !== TYPE_CLIP || !item.mediaPath) throw new Error(`"${item.name}" is not a clip`);
            return item.mediaPath;
          },
        };
      },
    },
    ProjectItem: { TYPE_BIN },
    Metadata: {
      getXMPMetadata: async (view) => unwrap(view).xmp ?? "",
      createSetXMPMetadataAction: (view, xmp) => {
        const item = unwrap(view);
        return action("createSetXMPMetadataAction", () => {
          item.xmp = xmp;
        });
      },
    },
    Markers: { getMarkers: async () => markers },
    Properties: { getProperties: async () => properties },
    TickTime: { createWithTicks: (t) => tickTime(t), createWithSeconds: (s) => tickTime(secondsTicks(s)) },
    Constants: { TrackItemType: { CLIP: 1 as Constants.TrackItemType }, PropertyType: { PERSISTENT: 0 as Constants.PropertyType } },
  };

  return {
    ppro,
    state,
    root,
    undoLabels,
    log,
    options,
    undo() {
      const last = undoStack.pop();
      if (!last) throw new Error("nothing to undo");
      last.restore();
    },
    snapshotTracks: () => state.tracks.map((t) => ({ name: t.name, clips: t.clips.map((c) => ({ name: c.name, start: c.start.toString(), end: c.end.toString() })) })),
  };
}

function roundToFrame(ticks: bigint, tpf: bigint): bigint {
  return ((ticks + tpf / 2n) / tpf) * tpf;
}

/** A clip on a fake track from seconds (media items made up for the timeline's existing shots). */
export function clip(name: string, startSeconds: number, endSeconds: number): FakeClip {
  return {
    name,
    start: secondsTicks(startSeconds),
    end: secondsTicks(endSeconds),
    item: { id: `media-${name}`, name, type: TYPE_CLIP, mediaPath: `/media/${name}.mov`, durationTicks: secondsTicks(endSeconds - startSeconds) },
  };
}
