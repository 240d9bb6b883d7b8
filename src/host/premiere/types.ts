/**
 * The parts of `premierepro`, `uxp` and `fs` the Premiere host uses, as narrow structural types.
 *
 * Why narrow types rather than the official ones directly:
 * - the adapter must run against an in-memory fake in tests, and a fake of all of Premiere is
 *   neither possible nor useful; a fake of exactly what we call is;
 * - `@adobe/cc-ext-uxp-types` declares ambient modules (`declare module "fs"`, a global `fetch`)
 *   that collide with Node's types, so it cannot join this project's type-check.
 *
 * Faithfulness: `OfficialPremiereFits` below makes the compiler prove the official
 * `@adobe/premierepro` 26.3.0 declarations are assignable to these types (so the real module can
 * be passed in), and test/unit/host/premiere/officialTypes.test.ts proves the same for the UXP
 * parts in a separate program that loads `@adobe/cc-ext-uxp-types`. Where the real host can hand
 * back nothing (no open project), the types say `| null | undefined` so the adapter must cope.
 */
import type {
  Action,
  CompoundAction,
  Constants,
  premierepro as OfficialPremiere,
} from "@adobe/premierepro";

export type { Action, CompoundAction };

export interface PTickTime {
  readonly seconds: number;
  readonly ticks: string;
}

export interface PTickTimeStatic {
  createWithTicks(ticks: string): PTickTime;
  createWithSeconds(seconds: number): PTickTime;
}

export interface PFrameRate {
  ticksPerFrame: number;
  readonly value: number;
}

export interface PRectF {
  width: number;
  height: number;
}

export interface PProjectItem {
  readonly name: string;
  readonly type: number;
  getId(): string;
}

export interface PFolderItem {
  readonly name: string;
  readonly type: number;
  getItems(): Promise<PProjectItem[]>;
  createBinAction(name: string, makeUnique: boolean): Action;
}

export interface PClipProjectItem {
  getMediaFilePath(): Promise<string>;
}

export interface PVideoClipTrackItem {
  getName(): Promise<string>;
  getStartTime(): Promise<PTickTime>;
  getEndTime(): Promise<PTickTime>;
  getProjectItem(): Promise<PProjectItem>;
}

/** A clip on an audio track (d.ts AudioClipTrackItem): the same read-back calls as a video clip. */
export type PAudioClipTrackItem = PVideoClipTrackItem;

export interface PAudioTrack {
  readonly name: string;
  getTrackItems(trackItemType: Constants.TrackItemType, includeEmptyTrackItems: boolean): PAudioClipTrackItem[];
}

export interface PVideoTrack {
  readonly name: string;
  getTrackItems(trackItemType: Constants.TrackItemType, includeEmptyTrackItems: boolean): PVideoClipTrackItem[];
}

export interface PSequenceSettings {
  /** Since 26.2; absent on 25.6–26.1, where the timebase is the fallback. */
  getVideoFrameRate?(): PFrameRate;
  getVideoPixelAspectRatio(): Promise<string>;
  getMaximumBitDepth(): Promise<boolean>;
  getCompositeInLinearColor(): Promise<boolean>;
}

export interface PSequence {
  readonly name: string;
  getPlayerPosition(): Promise<PTickTime>;
  getVideoTrackCount(): Promise<number>;
  getVideoTrack(trackIndex: number): Promise<PVideoTrack>;
  getAudioTrackCount(): Promise<number>;
  getAudioTrack(trackIndex: number): Promise<PAudioTrack>;
  getSettings(): Promise<PSequenceSettings>;
  getEndTime(): Promise<PTickTime>;
  getFrameSize(): Promise<PRectF>;
  getTimebase(): Promise<string>;
  /** Where the sequence's timecode starts (01:00:00:00 is common); optional so an older build without it still works. */
  getZeroPoint?(): Promise<PTickTime>;
  /** The timecode display (drop / non-drop, frames…); `type` is one of SequenceSettings.VIDEO_DISPLAY_FORMAT_*. */
  getSequenceVideoTimeDisplayFormat?(): Promise<{ type: number }>;
}

export interface PProject {
  readonly name: string;
  readonly path: string;
  getActiveSequence(): Promise<PSequence | null | undefined>;
  getRootItem(): Promise<PFolderItem>;
  importFiles(filePaths: string[], suppressUI?: boolean, targetBin?: PProjectItem, asNumberedStills?: boolean): Promise<boolean>;
  executeTransaction(callback: (compoundAction: CompoundAction) => void, undoString?: string): boolean;
  lockedAccess(callback: () => void): void;
}

export interface PSequenceEditor {
  createOverwriteItemAction(projectItem: PProjectItem, time: PTickTime, videoTrackIndex: number, audioTrackIndex: number): Action;
  /** Documented (d.ts) to create a new track when the index is past the last one; overwrite is not. */
  createInsertProjectItemAction(projectItem: PProjectItem, time: PTickTime, videoTrackIndex: number, audioTrackIndex: number, limitShift: boolean): Action;
}

export interface PMarkers {
  createAddMarkerAction(name: string, markerType?: string, startTime?: PTickTime, duration?: PTickTime, comments?: string): Action;
}

export interface PProperties {
  hasValue(name: string): boolean;
  getValue(name: string): string;
  createSetValueAction(name: string, value: boolean | string | number, persistenceFlag: Constants.PropertyType): Action;
}

/** The slice of `require("premierepro")` the adapter calls. */
export interface PremiereApi {
  Project: { getActiveProject(): Promise<PProject | null | undefined> };
  Exporter: {
    exportSequenceFrame(sequence: PSequence, time: PTickTime, filename: string, filepath: string, width: number, height: number): Promise<boolean>;
  };
  SequenceEditor: { getEditor(sequence: PSequence): PSequenceEditor };
  FolderItem: { cast(projectItem: PProjectItem): PFolderItem };
  ClipProjectItem: { cast(projectItem: PProjectItem): PClipProjectItem };
  ProjectItem: { readonly TYPE_BIN: number };
  Metadata: {
    getXMPMetadata(projectItem: PProjectItem): Promise<string>;
    createSetXMPMetadataAction(projectItem: PProjectItem, metadata: string): Action;
  };
  // Unions as in the official signatures, so method parameter bivariance holds.
  Markers: { getMarkers(owner: PSequence | PClipProjectItem): Promise<PMarkers> };
  Properties: { getProperties(owner: PSequence | PProject): Promise<PProperties> };
  TickTime: PTickTimeStatic;
  /** Marker types are opaque strings exposed as constants (d.ts: Marker.MARKER_TYPE_COMMENT). */
  Marker?: { readonly MARKER_TYPE_COMMENT: string };
  /** Timecode display constants (d.ts: SequenceSettings.VIDEO_DISPLAY_FORMAT_*). */
  SequenceSettings?: { readonly VIDEO_DISPLAY_FORMAT_2997: number; readonly VIDEO_DISPLAY_FORMAT_2997_NON_DROP: number };
  Constants: {
    TrackItemType: { readonly CLIP: Constants.TrackItemType };
    PropertyType: { readonly PERSISTENT: Constants.PropertyType };
  };
}

/**
 * Compile-time proof that the official declarations fit the narrow types: if Adobe changes a
 * signature we use, this line stops compiling.
 */
export type OfficialPremiereFits = OfficialPremiere extends PremiereApi ? true : never;
const officialPremiereFits: OfficialPremiereFits = true;
void officialPremiereFits;

// UXP: the host-neutral slices, shared with the After Effects host (src/host/uxp/types.ts).
export type { FetchLike, UxpApi, UxpFolder, UxpFs, UxpLocalFileSystem, UxpSecureStorage, UxpStats } from "../uxp/types.js";
