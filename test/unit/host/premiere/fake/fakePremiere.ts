/**
 * An in-memory Premiere Pro for the host adapter's tests: the slice of `premierepro` the adapter
 * uses (typed as PremiereApi, which the compiler proves the official 26.3 declarations satisfy),
 * enforcing the host's rules so a mistake in the adapter fails here as it would in Premiere:
 * - every create*Action outside project.lockedAccess throws (the 26.3 rule);
 * - an async callback to lockedAccess or executeTransaction throws (no await inside);
 * - executeTransaction applies its actions all or nothing and is one undo step;
 * - importFiles answers only a boolean; the new item must be found by looking;
 * - exportSequenceFrame appends the extension again, and in "silent" mode answers true without
 *   writing anything; with exportDelayMs the file lands after the promise resolved;
 * - importFiles needs a real bin (undefined throws "Illegal Parameter type", samples #75), the
 *   item shows up only after importDelayMs, and its media path may come back in another spelling
 *   (reportPath: NFD, /private/var);
 * - an overwrite onto the index past the last track is not documented to add a track, so it
 *   answers true and places nothing (the CEP bug of record); insert does add it (documented);
 * - marker types must be Premiere's constants; an XMP packet with a property twice is refused;
 * - bins and track items handed out before a transaction go stale after it;
 * - every call into the API is counted (`calls`), to measure the load a poll puts on Premiere;
 * - sound: an item whose file has an audio stream (ffprobe, as Premiere reads it) lands with its
 *   audio clip on the audio track the edit names, linked to the video clip (same `linkId`), as a
 *   drag from the bin does; an item without sound puts nothing on any audio track whatever index
 *   is passed. An audio index of −1 places no sound; an overwrite onto an audio index past the
 *   last track places no sound (undocumented, so the strict reading); an insert there adds the
 *   audio track (documented for insert).
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
  /** The file has a sound track (Premiere would make audio clips from it). */
  hasAudio?: boolean;
  children?: FakeItem[];
  xmp?: string;
}

export interface FakeClip {
  name: string;
  start: bigint;
  end: bigint;
  item: FakeItem;
  /** Clips placed by one edit of an item with picture and sound share this (Premiere's A/V link). */
  linkId?: string;
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
  audioTracks: FakeTrack[];
  markers: FakeMarker[];
  properties: Record<string, string>;
  maxBitDepth: boolean;
  compositeInLinear: boolean;
  /** Ticks of the sequence's zero point (timecode start). */
  zeroPoint: bigint;
  /** SequenceSettings.VIDEO_DISPLAY_FORMAT_* of the sequence's timecode display. */
  displayFormat: number;
}

/** The fake's SequenceSettings display constants (the numbers are opaque in the real API). */
export const DISPLAY_2997_DROP = 102;
export const DISPLAY_2997_NON_DROP = 103;
const MARKER_TYPES = ["Comment", "Chapter", "Segmentation", "WebLink", "FlashCuePoint"];

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
  /** The overwrite "succeeds" and places nothing (as CEP's did onto a missing audio track). */
  overwriteIgnored?: boolean;
  /** The edit places the picture but no sound (how a build that ignores the audio index would behave). */
  audioIgnored?: boolean;
  /** PNG bytes the exporter "renders". */
  stillPng?: Buffer;
  /** The exported file lands this long after exportSequenceFrame resolved (0: before). */
  exportDelayMs?: number;
  /** The imported item appears in the bin this long after importFiles resolved (default 60 ms). */
  importDelayMs?: number;
  /** The path getMediaFilePath answers for a file imported from `p` (default: p itself). */
  reportPath?: (p: string) => string;
  /** The XMP write throws when applied. */
  xmpFails?: boolean;
  /** The packet Premiere itself puts on a new item carries a dc:description (an embedded provider XMP). */
  embeddedDescription?: string;
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
  /** Calls into the API by name ("Sequence.getPlayerPosition"…); `total()` sums them. */
  calls: { byName: Map<string, number>; total(): number; reset(): void };
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
    audioTracks: [{ name: "Audio 1", clips: [] }],
    markers: [],
    properties: {},
    maxBitDepth: false,
    compositeInLinear: false,
    zeroPoint: 0n,
    displayFormat: DISPLAY_2997_DROP,
    ...options.sequence,
  };
  /** Bumped by every committed transaction: views handed out before it are stale. */
  let generation = 0;
  const fresh = (born: number, what: string) => {
    if (born !== generation) throw new HostRuleError(`${what}: the object was invalidated by a later transaction; fetch it again`);
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

  const clipView = (clip: FakeClip): PVideoClipTrackItem => {
    const born = generation;
    return {
      getName: async () => (fresh(born, "TrackItem.getName"), clip.name),
      getStartTime: async () => (fresh(born, "TrackItem.getStartTime"), tickTime(clip.start)),
      getEndTime: async () => (fresh(born, "TrackItem.getEndTime"), tickTime(clip.end)),
      getProjectItem: async () => (fresh(born, "TrackItem.getProjectItem"), itemView(clip.item)),
    };
  };
  const trackView = (track: FakeTrack): PVideoTrack => {
    const born = generation;
    return {
      get name() {
        return track.name;
      },
      getTrackItems: (type: Constants.TrackItemType) => (fresh(born, "VideoTrack.getTrackItems"), (type as number) === 1 ? track.clips.map(clipView) : []),
    };
  };
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
    const born = generation;
    return {
      __item: item,
      get name() {
        return item.name;
      },
      get type() {
        return item.type;
      },
      getItems: async () => (fresh(born, "FolderItem.getItems"), item.children!.map(itemView)),
      createBinAction: (name: string) =>
        action("createBinAction", () => {
          fresh(born, "FolderItem.createBinAction");
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
    getAudioTrackCount: async () => state.audioTracks.length,
    getAudioTrack: async (i) => {
      const track = state.audioTracks[i];
      if (!track) throw new Error(`no audio track ${i}`);
      return trackView(track);
    },
    getSettings: async () => settings,
    getEndTime: async () => tickTime(state.tracks.flatMap((t) => t.clips).reduce((m, c) => (c.end > m ? c.end : m), 0n)),
    getFrameSize: async () => ({ width: state.width, height: state.height }),
    getTimebase: async () => state.ticksPerFrame.toString(),
    getZeroPoint: async () => tickTime(state.zeroPoint),
    getSequenceVideoTimeDisplayFormat: async () => ({ type: state.displayFormat }),
  };

  const markers: PMarkers = {
    createAddMarkerAction: (name, type, start, duration, comments) =>
      action("createAddMarkerAction", () => {
        if (type !== undefined && !MARKER_TYPES.includes(type)) throw new Error(`unknown marker type "${type}"`);
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

  /**
   * Premiere's overwrite edit: the new clip wins its range on that track; nothing ripples. Onto a
   * track that does not exist it "succeeds" and places nothing: adding a track is documented only
   * for insert, and the CEP overwrite to a missing track did exactly this.
   */
  const overwrite = (item: FakeItem, start: bigint, trackIndex: number, audioIndex: number) => {
    if (options.overwriteFails) throw new Error("overwrite failed (test mode)");
    if (!item.durationTicks) throw new Error(`"${item.name}" has no duration`);
    if (trackIndex < 0) throw new Error(`video track index ${trackIndex} out of range`);
    if (trackIndex >= state.tracks.length || options.overwriteIgnored) return;
    const linkId = item.hasAudio && audioIndex >= 0 && audioIndex < state.audioTracks.length && !options.audioIgnored ? newId() : undefined;
    overwriteOn(state.tracks[trackIndex]!, item, start, linkId);
    if (linkId) overwriteOn(state.audioTracks[audioIndex]!, item, start, linkId);
  };
  const overwriteOn = (track: FakeTrack, item: FakeItem, start: bigint, linkId: string | undefined) => {
    const end = start + item.durationTicks!;
    const kept: FakeClip[] = [];
    for (const c of track.clips) {
      if (c.end <= start || c.start >= end) kept.push(c);
      else {
        if (c.start < start) kept.push({ ...c, end: start });
        if (c.end > end) kept.push({ ...c, start: end });
      }
    }
    kept.push({ name: item.name, start, end, item, ...(linkId ? { linkId } : {}) });
    kept.sort((a, b) => (a.start < b.start ? -1 : 1));
    track.clips = kept;
  };

  /** Insert: documented to add a track past the last one; limitShift moves only that track's later clips. */
  const insert = (item: FakeItem, start: bigint, trackIndex: number, audioIndex: number, limitShift: boolean) => {
    if (options.overwriteFails) throw new Error("insert failed (test mode)");
    if (!item.durationTicks) throw new Error(`"${item.name}" has no duration`);
    if (trackIndex < 0) throw new Error(`video track index ${trackIndex} out of range`);
    if (!limitShift) throw new HostRuleError("the fake models only limitShift inserts");
    if (trackIndex >= state.tracks.length) {
      trackIndex = state.tracks.length;
      state.tracks.push({ name: `Video ${trackIndex + 1}`, clips: [] });
    }
    const withSound = item.hasAudio && audioIndex >= 0 && !options.audioIgnored;
    if (withSound && audioIndex >= state.audioTracks.length) {
      audioIndex = state.audioTracks.length;
      state.audioTracks.push({ name: `Audio ${audioIndex + 1}`, clips: [] });
    }
    const linkId = withSound ? newId() : undefined;
    insertOn(state.tracks[trackIndex]!, item, start, linkId);
    if (linkId) insertOn(state.audioTracks[audioIndex]!, item, start, linkId);
  };
  const insertOn = (track: FakeTrack, item: FakeItem, start: bigint, linkId: string | undefined) => {
    const length = item.durationTicks!;
    const shifted = track.clips.map((c) => (c.start >= start ? { ...c, start: c.start + length, end: c.end + length } : c));
    shifted.push({ name: item.name, start, end: start + length, item, ...(linkId ? { linkId } : {}) });
    shifted.sort((a, b) => (a.start < b.start ? -1 : 1));
    track.clips = shifted;
  };

  const snapshotState = () => {
    const bare = (tracks: FakeTrack[]) => tracks.map((t) => ({ name: t.name, clips: t.clips.map((c) => ({ ...c, item: undefined })) }));
    const saved = structuredClone({ tracks: bare(state.tracks), audioTracks: bare(state.audioTracks), markers: state.markers, properties: state.properties });
    const items = state.tracks.map((t) => t.clips.map((c) => c.item));
    const audioItems = state.audioTracks.map((t) => t.clips.map((c) => c.item));
    const xmp = new Map<FakeItem, string | undefined>();
    const visit = (i: FakeItem) => {
      xmp.set(i, i.xmp);
      i.children?.forEach(visit);
    };
    visit(root);
    const rootChildren = root.children!.map((c) => ({ c, kids: c.children?.slice() }));
    return () => {
      state.tracks = saved.tracks.map((t, ti) => ({ name: t.name, clips: t.clips.map((c, ci) => ({ ...c, item: items[ti]![ci]! })) }));
      state.audioTracks = saved.audioTracks.map((t, ti) => ({ name: t.name, clips: t.clips.map((c, ci) => ({ ...c, item: audioItems[ti]![ci]! })) }));
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
      if (!targetBin) throw new Error("Illegal Parameter type"); // samples #75
      if (options.importFails) return false;
      const bin = unwrap(targetBin);
      if (!bin.children) return false;
      const arriving: FakeItem[] = [];
      for (const p of paths) {
        if (!fs.existsSync(p) || fs.statSync(p).size === 0) return false;
        let seconds: number;
        let hasAudio: boolean;
        try {
          seconds = Number(execFileSync("ffprobe", ["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", p]).toString().trim());
          hasAudio = execFileSync("ffprobe", ["-v", "error", "-select_streams", "a", "-show_entries", "stream=index", "-of", "csv=p=0", p]).toString().trim() !== "";
        } catch {
          return false; // Premiere cannot read it either
        }
        if (asNumberedStills) return false;
        const reported = options.reportPath ? options.reportPath(p) : p;
        arriving.push({ id: newId(), name: path.basename(p), type: TYPE_CLIP, mediaPath: reported, durationTicks: roundToFrame(secondsTicks(seconds), state.ticksPerFrame), ...(hasAudio ? { hasAudio } : {}) });
      }
      // Nothing promises the item is in the bin when the promise resolves: it arrives a little later.
      const land = () => bin.children!.push(...arriving);
      const delay = options.importDelayMs ?? 60;
      if (delay <= 0) land();
      else setTimeout(land, delay);
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
      generation++;
      undoStack.push({ label: undoString ?? "", restore });
      undoLabels.push(undoString ?? "");
      log.push(`transaction ${undoString ?? ""} (${collected.map((a) => a.label).join(", ")})`);
      return true;
    },
  };

  const editor: PSequenceEditor = {
    createOverwriteItemAction: (projectItem, time, videoTrackIndex, audioTrackIndex) => {
      const item = unwrap(projectItem);
      const start = BigInt(time.ticks);
      return action("createOverwriteItemAction", () => overwrite(item, start, videoTrackIndex, audioTrackIndex));
    },
    createInsertProjectItemAction: (projectItem, time, videoTrackIndex, audioTrackIndex, limitShift) => {
      const item = unwrap(projectItem);
      const start = BigInt(time.ticks);
      return action("createInsertProjectItemAction", () => insert(item, start, videoTrackIndex, audioTrackIndex, limitShift));
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
        const write = () => fs.writeFileSync(path.join(filepath, filename + ext), stillPng ?? Buffer.from("not a png"));
        if (options.exportDelayMs) setTimeout(write, options.exportDelayMs);
        else write();
        return true;
      },
    },
    SequenceEditor: { getEditor: () => editor },
    // The real cast answers null for a non-bin (bolt-uxp #62), not an exception.
    FolderItem: { cast: (item) => (unwrap(item).children ? folderView(unwrap(item)) : (null as unknown as PFolderItem)) },
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
      // A new item already carries Premiere's own packet (never "").
      getXMPMetadata: async (view) => unwrap(view).xmp ?? premierePacket(options.embeddedDescription),
      createSetXMPMetadataAction: (view, xmp) => {
        const item = unwrap(view);
        return action("createSetXMPMetadataAction", () => {
          if (options.xmpFails) throw new Error("the media file's metadata could not be written (test mode)");
          const descriptions = xmp.match(/<dc:description[\s>]/g)?.length ?? 0;
          if (descriptions > 1) throw new Error("XMP parse error: dc:description appears twice");
          item.xmp = xmp;
        });
      },
    },
    Markers: { getMarkers: async () => markers },
    Properties: { getProperties: async () => properties },
    TickTime: { createWithTicks: (t) => tickTime(t), createWithSeconds: (s) => tickTime(secondsTicks(s)) },
    Marker: { MARKER_TYPE_COMMENT: "Comment" },
    SequenceSettings: { VIDEO_DISPLAY_FORMAT_2997: DISPLAY_2997_DROP, VIDEO_DISPLAY_FORMAT_2997_NON_DROP: DISPLAY_2997_NON_DROP },
    Constants: { TrackItemType: { CLIP: 1 as Constants.TrackItemType }, PropertyType: { PERSISTENT: 0 as Constants.PropertyType } },
  };

  const calls = { byName: new Map<string, number>(), total: () => [...calls.byName.values()].reduce((a, b) => a + b, 0), reset: () => calls.byName.clear() };
  return {
    ppro: countCalls(ppro, "premierepro", calls.byName),
    calls,
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

/** The packet Premiere writes on an item it imports (abridged), with a dc:description when the file embedded one. */
function premierePacket(description?: string): string {
  return [
    `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">`,
    `<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/"><xmp:CreatorTool>Adobe Premiere Pro</xmp:CreatorTool>`,
    description ? `<dc:description><rdf:Alt><rdf:li xml:lang="x-default">${description}</rdf:li></rdf:Alt></dc:description>` : "",
    `</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>`,
  ].join("");
}

/**
 * The API behind a proxy that counts every function call, and the objects those calls hand back
 * (sequences, tracks, items, also inside promises and arrays), so a test or the bench can say how
 * many calls a step made into Premiere's main thread.
 */
function countCalls<T extends object>(target: T, label: string, counts: Map<string, number>): T {
  const wrapped = new WeakMap<object, unknown>();
  const wrap = (value: unknown, name: string): unknown => {
    if (value === null || (typeof value !== "object" && typeof value !== "function")) return value;
    if (Array.isArray(value)) return value.map((v) => wrap(v, name));
    if (typeof (value as { then?: unknown }).then === "function") return (value as Promise<unknown>).then((v) => wrap(v, name));
    if (typeof value === "function") return value;
    const known = wrapped.get(value);
    if (known) return known;
    const proxy = new Proxy(value, {
      get(obj, prop, receiver) {
        const member = Reflect.get(obj, prop, receiver);
        if (typeof prop !== "string" || prop.startsWith("__")) return member; // the fake's own handles stay raw
        if (member && typeof member === "object" && !Array.isArray(member)) return wrap(member, prop); // namespaces: Project, Exporter…
        if (typeof member !== "function") return member;
        return (...args: unknown[]) => {
          const key = `${name}.${prop}`;
          counts.set(key, (counts.get(key) ?? 0) + 1);
          return wrap(member.apply(obj, args), prop.replace(/^(get|create|cast)/, "") || prop);
        };
      },
    });
    wrapped.set(value, proxy);
    return proxy;
  };
  return wrap(target, label) as T;
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
