/**
 * The parts of After Effects' UXP module (`require("aftereffects")`, public beta, API 27.0) the
 * host uses, declared by hand: Adobe publishes no type package for it. Every member below was
 * checked against Adobe's reference (AdobeDocs/uxp-after-effects, src/pages/after-effects-api/
 * <class>.md, all "Min Version 27.0"); the page is named on each interface. What the reference
 * leaves open is marked UNCONFIRMED here and listed in docs/aftereffects.md ("Live checks").
 *
 * The model is ExtendScript's: property reads and writes and method calls are synchronous; only
 * renders return a DeferredCall. Times are seconds (comp time). Indexes are 1-based.
 */

/** deferredcall.md: "an asynchronous call to a function, deferred until the current script call stack has cleared". */
export interface AeDeferredCall {
  /** "The elapsed time, in seconds, that this deferred call took to complete." */
  readonly duration?: number;
  /**
   * layer.md (getRenderGUID): "Calling .wait() on the result yields [the value] once the render
   * completes". UNCONFIRMED whether it blocks or returns a promise, and whether a DeferredCall is
   * also a thenable (compitem.md says it "resolves once the file has been written").
   */
  wait?(): unknown;
  then?: PromiseLike<unknown>["then"];
}

/** Item (the base of CompItem, FootageItem, FolderItem): the fields common to project items. */
export interface AeItem {
  readonly id: number;
  name: string;
  comment: string;
  /** RW: setting it moves the item into that folder (itemcollection.md, addFolder). */
  parentFolder: AeFolderItem;
  /** "Folder", "Footage", "Composition" — locale-dependent, so never used to tell kinds apart. */
  readonly typeName: string;
  /** "Deletes this item from the project … No files or folders are removed from the disk." */
  remove(): boolean;
}

/** itemcollection.md */
export interface AeItemCollection {
  readonly length: number;
  addFolder(name: string): AeFolderItem;
}

/** folderitem.md */
export interface AeFolderItem extends AeItem {
  readonly items: AeItemCollection;
  readonly numItems: number;
  /** 1-based. */
  item(index: number): AeItem;
}

/** filesource.md (FootageItem.mainSource when it is a file): no color property exists. */
export interface AeFileSource {
  readonly file: string;
  readonly isStill: boolean;
  readonly nativeFrameRate: number;
  /** RW: "A frame rate to use instead of the nativeFrameRate value. If set to 0, the nativeFrameRate is used." */
  conformFrameRate: number;
  readonly displayFrameRate: number;
}

/** footageitem.md (an AVItem) */
export interface AeFootageItem extends AeItem {
  readonly file: string | null;
  readonly duration: number;
  readonly frameRate: number;
  readonly width: number;
  readonly height: number;
  readonly mainSource: AeFileSource;
  readonly footageMissing: boolean;
}

/** layer.md and avlayer.md */
export interface AeLayer {
  readonly id: number;
  /** 1 = top of the stack. */
  readonly index: number;
  name: string;
  comment: string;
  /** RW, comp seconds. */
  startTime: number;
  /** RW, comp seconds. */
  inPoint: number;
  /** RW, comp seconds. */
  outPoint: number;
  readonly hasVideo: boolean;
  /** avlayer.md: "`true` if the layer contains an audio component, regardless of whether it is audio-enabled or soloed." */
  readonly hasAudio: boolean;
  /** avlayer.md, RW: "When `true`, the layer's audio is enabled. This value corresponds to the audio toggle switch in the Timeline panel." */
  audioEnabled: boolean;
  enabled: boolean;
  locked: boolean;
  /** avlayer.md: "The source AVItem for this layer. The value is null in a Text layer." */
  readonly source?: AeItem | null;
  readonly containingComp: AeCompItem;
  /** "Moves this layer to a position immediately before (above) the specified layer." */
  moveBefore(otherLayer: AeLayer): boolean;
  moveAfter(otherLayer: AeLayer): boolean;
  moveToBeginning(): boolean;
  remove(): boolean;
}

/** layercollection.md */
export interface AeLayerCollection {
  readonly length: number;
  /**
   * "Creates a new AVLayer object containing the specified item … honors the 'Create Layers at
   * Composition Start Time' preference. This method generates an exception if the item cannot be
   * added as a layer to this CompItem." Where in the stack the new layer lands is UNCONFIRMED
   * (ExtendScript: the top); the host moves it explicitly.
   */
  add(item: AeItem, duration?: number): AeLayer;
  /** 1-based. */
  byIndex(oneBasedIndex: number): AeLayer;
}

/** compitem.md */
export interface AeCompItem extends AeItem {
  readonly width: number;
  readonly height: number;
  readonly pixelAspect: number;
  readonly frameRate: number;
  readonly frameDuration: number;
  /** Seconds. */
  readonly duration: number;
  /** RW seconds: the current time (the CTI). */
  time: number;
  /** The start timecode, seconds ("Start Timecode" in Composition Settings). */
  readonly displayStartTime: number;
  readonly dropFrame: boolean;
  /** [x, y] divisors of the comp's resolution ([2, 2] = Half); renders may follow it (undocumented). */
  readonly resolutionFactor?: [number, number];
  readonly numLayers: number;
  readonly layers: AeLayerCollection;
  /** 0-based array. */
  readonly selectedLayers: AeLayer[];
  /** 1-based. */
  layer(index: number): AeLayer;
  /**
   * "Renders the frame at the specified time and saves it as a PNG file. Returns a DeferredCall
   * that resolves once the file has been written." Parameters: seconds, the file path (a string;
   * ExtendScript took a File), optional max_abort_interval in seconds.
   */
  saveFrameToPng(seconds: number, filePath: string, maxAbortInterval?: number): AeDeferredCall;
}

/** project.md */
export interface AeProject {
  /** "The item that is currently active … or null if no item is currently selected or if multiple items are selected." */
  readonly activeItem: AeItem | null;
  /** "The absolute file path of the … project …, or an empty string if the project has not been saved." */
  readonly file: string;
  readonly items: AeItemCollection;
  readonly rootFolder: AeFolderItem;
  /** 8, 16 or 32. */
  bitsPerChannel: number;
  /** 0 = Adobe's color management, 1 = OCIO. */
  colorManagementSystem: number;
  /** The working space's profile description; "" is None. */
  workingSpace: string;
  linearizeWorkingSpace: boolean;
  /** Empty when none is set. */
  ocioConfigurationFile: string;
  /** RW: "The project's XMP metadata, stored as RDF (XML-based)." */
  xmpPacket: string;
  /** "Imports the file specified in the specified ImportOptions object … Creates and returns a new FootageItem." */
  importFile(importOptions: AeImportOptions): AeFootageItem;
}

/** importoptions.md */
export interface AeImportOptions {
  /** "The file to be imported. If a file is set in the constructor, you can access it through this attribute." */
  file: string;
  /** "When true, a sequence is imported; otherwise, an individual file is imported." */
  sequence: boolean;
  forceAlphabetical: boolean;
}

/**
 * The ImportOptions class. UNCONFIRMED: the constructor's argument in UXP (the reference only says
 * a file can be "set in the constructor"; ExtendScript took a File). The host passes the native
 * path and sets `file` again.
 */
export type AeImportOptionsClass = new (file?: string) => AeImportOptions;

/** application.md */
export interface AeApp {
  readonly project: AeProject | null | undefined;
  readonly version?: string;
  /**
   * "Marks the beginning of an undo group … pairs can be nested. Groups within groups become part
   * of the larger group." Returns boolean.
   */
  beginUndoGroup(undoName: string): boolean;
  /** "Calling this method without having set a beginUndoGroup() method yields an error." */
  endUndoGroup(): boolean;
}

type AnyClass = abstract new (...args: never[]) => unknown;

/**
 * What `require("aftereffects")` hands back. Adobe's own example treats the module as the
 * application (`const app = require("aftereffects"); app.beginUndoGroup(…)`); plugins seen in the
 * wild read `require("aftereffects").app`. UNCONFIRMED which; the host accepts either. The classes
 * are expected on the module (ImportOptions is required; CompItem is used for `instanceof` when
 * present); UNCONFIRMED, so ImportOptions is also looked for as a global.
 */
export type AfterEffectsModule = (AeApp | { app: AeApp }) & {
  ImportOptions?: AeImportOptionsClass;
  CompItem?: AnyClass;
  FootageItem?: AnyClass;
  FolderItem?: AnyClass;
};
