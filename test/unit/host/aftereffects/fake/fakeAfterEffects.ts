/**
 * An in-memory After Effects for the host adapter's tests: the slice of `require("aftereffects")`
 * the adapter uses (typed as AfterEffectsModule, the declarations written from Adobe's reference),
 * refusing what After Effects refuses so a mistake in the adapter fails here as it would there:
 * - every change made outside an undo group is an undo step of its own; changes inside
 *   beginUndoGroup/endUndoGroup are one step (nested groups fold into the outer one), and
 *   endUndoGroup without a group throws;
 * - importFile takes an ImportOptions made with the module's class, and a file that exists;
 *   an image sequence comes in at the "Sequence Footage" preference rate (30 fps), not the comp's;
 * - layers.add takes an AVItem of this project (footage or another comp), nothing else;
 * - saveFrameToPng exists on compositions only and answers a DeferredCall that settles as the
 *   test says (written, late, never, nothing written, failed, wait()-only);
 * - removed items and layers are invalid objects: touching them throws;
 * - removing footage removes the layers that use it.
 * Media are real files: movie durations and rates are read with ffprobe, as After Effects reads
 * them from the file; PNG frames are real PNGs.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type {
  AeApp,
  AeCompItem,
  AeDeferredCall,
  AeFileSource,
  AeFolderItem,
  AeFootageItem,
  AeImportOptions,
  AeItem,
  AeItemCollection,
  AeLayer,
  AeLayerCollection,
  AeProject,
  AfterEffectsModule,
} from "../../../../../src/host/aftereffects/types.js";

export class AeRuleError extends Error {
  override name = "AeRuleError";
}

interface ItemRec {
  id: number;
  kind: "comp" | "footage" | "folder";
  name: string;
  comment: string;
  parentId: number;
  // comp
  width?: number;
  height?: number;
  pixelAspect?: number;
  frameRate?: number;
  duration?: number;
  time?: number;
  displayStartTime?: number;
  dropFrame?: boolean;
  layerIds?: number[];
  // footage
  file?: string;
  isStill?: boolean;
  nativeFrameRate?: number;
  conformFrameRate?: number;
  frames?: number;
  movieSeconds?: number;
  hasAudio?: boolean;
}

interface LayerRec {
  id: number;
  compId: number;
  name: string;
  comment: string;
  sourceId: number | null;
  startTime: number;
  inPoint: number;
  outPoint: number;
  hasVideo: boolean;
  /** The source movie has a sound track (ffprobe, as After Effects reads it). */
  hasAudio: boolean;
  audioEnabled: boolean;
  selected: boolean;
}

interface FakeState {
  items: Map<number, ItemRec>;
  layers: Map<number, LayerRec>;
  xmpPacket: string;
  activeItemId: number | null;
  nextId: number;
}

export type RenderMode = "writes" | "writesLate" | "never" | "noFile" | "rejects" | "waitOnly" | "truncated";

export interface FakeLayerSpec {
  name: string;
  inPoint: number;
  outPoint: number;
  selected?: boolean;
  hasVideo?: boolean;
}

export interface FakeAeOptions {
  projectOpen?: boolean;
  /** The saved project's path ("" = never saved). */
  projectFile?: string;
  comp?: Partial<{ name: string; width: number; height: number; pixelAspect: number; frameRate: number; duration: number; time: number; displayStartTime: number; dropFrame: boolean }>;
  /** The comp's resolution factor ([2, 2] = Half); the render writes stillPng whatever it is. */
  resolutionFactor?: [number, number];
  /** How long after the DeferredCall settles a "writesLate" render lands (300 ms by default). */
  renderLagMs?: number;
  /** Top first, like the Timeline. */
  layers?: FakeLayerSpec[];
  /** What is active: the comp (default), a footage item, a folder, or nothing. */
  active?: "comp" | "footage" | "folder" | "none";
  color?: Partial<{ colorManagementSystem: number; workingSpace: string; bitsPerChannel: number; linearizeWorkingSpace: boolean; ocioConfigurationFile: string }>;
  xmpPacket?: string;
  /** `require("aftereffects")` is the app itself (Adobe's example), or carries it as `.app`. */
  moduleShape?: "app" | "flat";
  /**
   * Whether the module exports CompItem, FootageItem and FolderItem (true by default). Adobe does
   * not promise it, so `false` makes the adapter tell items apart by what they have.
   */
  exportsItemClasses?: boolean;
  render?: RenderMode;
  /** PNG bytes a render writes. */
  stillPng?: Buffer;
  /** A step After Effects refuses (throws), to prove the adapter takes back what it did before it. */
  failOn?: "importFile" | "addLayer" | "moveBefore" | "layerName" | "xmpPacket";
  /** New layers start with their audio switch off, to prove the adapter turns it on rather than assuming it is. */
  audioSwitchOff?: boolean;
  /** The "Sequence Footage" import preference. */
  sequenceFootageFps?: number;
}

export const EMPTY_PROJECT_XMP =
  '<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/"><xmp:CreatorTool>Adobe After Effects (Beta) 27.0</xmp:CreatorTool></rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>';

export interface FakeAfterEffects {
  ae: AfterEffectsModule;
  /** Labels of the undo steps, oldest first. */
  undoSteps: string[];
  undo(): void;
  /** Every saveFrameToPng call: comp seconds and path. */
  renders: { seconds: number; path: string; maxAbortInterval?: number }[];
  /** Every importFile call. */
  imports: { file: string; sequence: boolean }[];
  /** The comp's layers as the Timeline shows them, top first. */
  timeline(): { name: string; start: number; in: number; out: number; source?: string }[];
  /** Each layer's audio, top first: whether it has an audio component and whether its audio switch is on. */
  sound(): { name: string; hasAudio: boolean; audioEnabled: boolean }[];
  /** Project panel items (footage and folders), with their folder. */
  projectItems(): { kind: string; name: string; folder: string; comment: string }[];
  readonly xmpPacket: string;
  readonly openUndoGroups: number;
  options: FakeAeOptions;
  /** Change the editor's selection or current time, as the editor would (not an undo step). */
  select(layerNames: string[]): void;
  setTime(seconds: number): void;
}

const ROOT = 0;
const invalid = (what: string) => new AeRuleError(`Object is invalid (${what} was removed)`);

export function createFakeAfterEffects(options: FakeAeOptions = {}): FakeAfterEffects {
  const state: FakeState = { items: new Map(), layers: new Map(), xmpPacket: options.xmpPacket ?? EMPTY_PROJECT_XMP, activeItemId: null, nextId: 1 };
  const color = { colorManagementSystem: 0, workingSpace: "HDTV (Rec. 709)", bitsPerChannel: 16, linearizeWorkingSpace: false, ocioConfigurationFile: "", ...options.color };
  const undoSteps: string[] = [];
  const undoStack: FakeState[] = [];
  const renders: FakeAfterEffects["renders"] = [];
  const imports: FakeAfterEffects["imports"] = [];
  let groupDepth = 0;
  let groupLabel = "";
  const newId = () => state.nextId++;

  state.items.set(ROOT, { id: ROOT, kind: "folder", name: "Root", comment: "", parentId: -1 });
  const snapshot = (): FakeState => structuredClone(state);
  /** A change: inside an undo group it joins the group; outside, it is a step of its own. */
  const change = <T>(label: string, apply: () => T): T => {
    if (groupDepth > 0) return apply();
    undoStack.push(snapshot());
    undoSteps.push(label);
    return apply();
  };

  const item = (id: number, what = "item"): ItemRec => {
    const rec = state.items.get(id);
    if (!rec) throw invalid(what);
    return rec;
  };
  const layerRec = (id: number): LayerRec => {
    const rec = state.layers.get(id);
    if (!rec) throw invalid("layer");
    return rec;
  };
  const footageSeconds = (rec: ItemRec): number => {
    if (rec.kind === "comp") return rec.duration!;
    if (rec.isStill) return 0;
    if (rec.frames !== undefined) return rec.frames / (rec.conformFrameRate || rec.nativeFrameRate!);
    return rec.movieSeconds!;
  };

  // ---- views -------------------------------------------------------------------------------
  class ItemView implements AeItem {
    constructor(readonly id: number) {}
    protected get rec() {
      return item(this.id);
    }
    get name() {
      return this.rec.name;
    }
    set name(value: string) {
      const rec = this.rec;
      change("Rename", () => void (rec.name = value));
    }
    get comment() {
      return this.rec.comment;
    }
    set comment(value: string) {
      const rec = this.rec;
      change("Comment", () => void (rec.comment = value));
    }
    get typeName() {
      return { comp: "Composition", footage: "Footage", folder: "Folder" }[this.rec.kind];
    }
    get parentFolder(): AeFolderItem {
      return new FolderItem(this.rec.parentId);
    }
    set parentFolder(folder: AeFolderItem) {
      if (!(folder instanceof FolderItem)) throw new AeRuleError("parentFolder must be a FolderItem of this project");
      const target = item(folder.id, "folder");
      const rec = this.rec;
      change("Move Item", () => void (rec.parentId = target.id));
    }
    remove(): boolean {
      const rec = this.rec;
      change("Delete", () => removeItem(rec.id));
      return true;
    }
  }

  const removeItem = (id: number) => {
    const rec = state.items.get(id);
    if (!rec) return;
    for (const child of [...state.items.values()].filter((i) => i.parentId === id)) removeItem(child.id);
    // Footage (or a comp) in use: After Effects removes the layers that use it.
    for (const layer of [...state.layers.values()].filter((l) => l.sourceId === id)) removeLayer(layer.id);
    if (rec.kind === "comp") for (const layerId of rec.layerIds ?? []) state.layers.delete(layerId);
    state.items.delete(id);
    if (state.activeItemId === id) state.activeItemId = null;
  };
  const removeLayer = (id: number) => {
    const rec = state.layers.get(id);
    if (!rec) return;
    const comp = item(rec.compId);
    comp.layerIds = comp.layerIds!.filter((l) => l !== id);
    state.layers.delete(id);
  };

  class FolderItem extends ItemView implements AeFolderItem {
    get numItems() {
      return children(this.id).length;
    }
    item(index: number): AeItem {
      const child = children(this.id)[index - 1];
      if (!child) throw new AeRuleError(`Folder item index ${index} out of range`);
      return viewOf(child.id);
    }
    get items(): AeItemCollection {
      return collection(this.id);
    }
  }
  const children = (folderId: number) => [...state.items.values()].filter((i) => i.parentId === folderId);
  const collection = (folderId: number): AeItemCollection => ({
    get length() {
      return children(folderId).length;
    },
    addFolder: (name: string) =>
      change("New Folder", () => {
        const id = newId();
        state.items.set(id, { id, kind: "folder", name, comment: "", parentId: folderId });
        return new FolderItem(id);
      }),
  });

  class FootageItem extends ItemView implements AeFootageItem {
    get file() {
      return this.rec.file ?? null;
    }
    get duration() {
      return footageSeconds(this.rec);
    }
    get frameRate() {
      const rec = this.rec;
      return rec.conformFrameRate || rec.nativeFrameRate || 0;
    }
    get width() {
      return 0;
    }
    get height() {
      return 0;
    }
    get footageMissing() {
      return !fs.existsSync(this.rec.file ?? "");
    }
    get mainSource(): AeFileSource {
      const id = this.id;
      return {
        get file() {
          return item(id).file!;
        },
        get isStill() {
          return item(id).isStill!;
        },
        get nativeFrameRate() {
          return item(id).nativeFrameRate!;
        },
        get displayFrameRate() {
          const rec = item(id);
          return rec.conformFrameRate || rec.nativeFrameRate!;
        },
        get conformFrameRate() {
          return item(id).conformFrameRate ?? 0;
        },
        set conformFrameRate(fps: number) {
          const rec = item(id);
          if (rec.isStill) throw new AeRuleError("conformFrameRate cannot be set on still footage");
          change("Interpret Footage", () => void (rec.conformFrameRate = fps));
        },
      };
    }
  }

  class LayerView implements AeLayer {
    constructor(readonly id: number) {}
    private get rec() {
      return layerRec(this.id);
    }
    get index() {
      const rec = this.rec;
      return item(rec.compId).layerIds!.indexOf(rec.id) + 1;
    }
    get name() {
      return this.rec.name;
    }
    set name(value: string) {
      const rec = this.rec;
      if (options.failOn === "layerName") throw new AeRuleError("After Effects refused the layer name (test)");
      change("Layer Name", () => void (rec.name = value));
    }
    get comment() {
      return this.rec.comment;
    }
    set comment(value: string) {
      const rec = this.rec;
      change("Layer Comment", () => void (rec.comment = value));
    }
    get startTime() {
      return this.rec.startTime;
    }
    set startTime(value: number) {
      const rec = this.rec;
      change("Layer Start Time", () => {
        const delta = value - rec.startTime;
        rec.startTime = value;
        rec.inPoint += delta;
        rec.outPoint += delta;
      });
    }
    get inPoint() {
      return this.rec.inPoint;
    }
    set inPoint(value: number) {
      const rec = this.rec;
      change("Layer In Point", () => void (rec.inPoint = value));
    }
    get outPoint() {
      return this.rec.outPoint;
    }
    set outPoint(value: number) {
      const rec = this.rec;
      change("Layer Out Point", () => void (rec.outPoint = value));
    }
    get hasVideo() {
      return this.rec.hasVideo;
    }
    get hasAudio() {
      return this.rec.hasAudio;
    }
    get audioEnabled() {
      return this.rec.audioEnabled;
    }
    set audioEnabled(value: boolean) {
      const rec = this.rec;
      // A layer without an audio component has no audio switch to set.
      if (!rec.hasAudio) throw new AeRuleError("audioEnabled: this layer has no audio");
      change("Layer Audio Switch", () => void (rec.audioEnabled = value));
    }
    enabled = true;
    locked = false;
    get source(): AeItem | null {
      const rec = this.rec;
      return rec.sourceId === null ? null : viewOf(rec.sourceId);
    }
    get containingComp(): AeCompItem {
      return new CompItem(this.rec.compId);
    }
    private reorder(label: string, place: (ids: number[], me: number) => number[]) {
      const rec = this.rec;
      const comp = item(rec.compId);
      change(label, () => void (comp.layerIds = place(comp.layerIds!.filter((l) => l !== rec.id), rec.id)));
      return true;
    }
    moveBefore(other: AeLayer): boolean {
      if (options.failOn === "moveBefore") throw new AeRuleError("After Effects refused to move the layer (test)");
      const target = other instanceof LayerView ? state.layers.get(other.id) : undefined;
      if (!target || target.compId !== this.rec.compId) throw new AeRuleError("moveBefore: the other layer must be in the same composition");
      return this.reorder("Reorder Layers", (ids, me) => (ids.splice(ids.indexOf(target.id), 0, me), ids));
    }
    moveAfter(other: AeLayer): boolean {
      const target = other instanceof LayerView ? state.layers.get(other.id) : undefined;
      if (!target || target.compId !== this.rec.compId) throw new AeRuleError("moveAfter: the other layer must be in the same composition");
      return this.reorder("Reorder Layers", (ids, me) => (ids.splice(ids.indexOf(target.id) + 1, 0, me), ids));
    }
    moveToBeginning(): boolean {
      return this.reorder("Reorder Layers", (ids, me) => [me, ...ids]);
    }
    remove(): boolean {
      const rec = this.rec;
      change("Delete Layer", () => removeLayer(rec.id));
      return true;
    }
  }

  class CompItem extends ItemView implements AeCompItem {
    get width() {
      return this.rec.width!;
    }
    get height() {
      return this.rec.height!;
    }
    get pixelAspect() {
      return this.rec.pixelAspect!;
    }
    get frameRate() {
      return this.rec.frameRate!;
    }
    get frameDuration() {
      return 1 / this.rec.frameRate!;
    }
    get duration() {
      return this.rec.duration!;
    }
    get time() {
      return this.rec.time!;
    }
    set time(value: number) {
      this.rec.time = value; // moving the CTI is not an undoable change
    }
    get displayStartTime() {
      return this.rec.displayStartTime ?? 0;
    }
    get resolutionFactor(): [number, number] {
      return options.resolutionFactor ?? [1, 1];
    }
    get dropFrame() {
      return this.rec.dropFrame ?? false;
    }
    get numLayers() {
      return this.rec.layerIds!.length;
    }
    layer(index: number): AeLayer {
      const id = this.rec.layerIds![index - 1];
      if (id === undefined) throw new AeRuleError(`Layer index ${index} out of range`);
      return new LayerView(id);
    }
    get selectedLayers(): AeLayer[] {
      return this.rec.layerIds!.filter((id) => layerRec(id).selected).map((id) => new LayerView(id));
    }
    get layers(): AeLayerCollection {
      const compId = this.id;
      return {
        get length() {
          return item(compId).layerIds!.length;
        },
        byIndex: (i: number) => new CompItem(compId).layer(i),
        add: (source: AeItem, duration?: number) => {
          if (options.failOn === "addLayer") throw new AeRuleError("After Effects could not add the layer (test)");
          const isAvItem = (source instanceof FootageItem || source instanceof CompItem) && state.items.has(source.id);
          if (!isAvItem) throw new AeRuleError("layers.add: the item must be an AVItem (footage or composition) of this project");
          if (source.id === compId) throw new AeRuleError("layers.add: a composition cannot contain itself");
          const src = item(source.id);
          return change("Add Layer", () => {
            const id = newId();
            // "Create Layers at Composition Start Time" (on by default): the layer starts at 0.
            const length = src.kind === "footage" && src.isStill ? (duration ?? item(compId).duration!) : footageSeconds(src);
            const hasAudio = src.kind === "footage" && src.hasAudio === true;
            state.layers.set(id, { id, compId, name: src.name, comment: "", sourceId: src.id, startTime: 0, inPoint: 0, outPoint: length, hasVideo: true, hasAudio, audioEnabled: hasAudio && !options.audioSwitchOff, selected: false });
            const comp = item(compId);
            comp.layerIds = [id, ...comp.layerIds!];
            return new LayerView(id);
          });
        },
      };
    }
    saveFrameToPng(seconds: number, filePath: string, maxAbortInterval?: number): AeDeferredCall {
      if (typeof filePath !== "string" || !path.isAbsolute(filePath)) throw new AeRuleError(`saveFrameToPng: "${filePath}" is not an absolute file path`);
      renders.push({ seconds, path: filePath, ...(maxAbortInterval === undefined ? {} : { maxAbortInterval }) });
      return deferredRender(filePath);
    }
  }

  const writePng = (filePath: string, bytes = options.stillPng) => fs.writeFileSync(filePath, bytes ?? Buffer.from("not a png"));
  const deferredRender = (filePath: string): AeDeferredCall => {
    const mode = options.render ?? "writes";
    const settled = new Promise<void>((resolve, reject) => {
      if (mode === "never") return;
      if (mode === "rejects") return setTimeout(() => reject(new Error("Render failed: not enough memory (test)")), 10);
      if (mode === "noFile") return setTimeout(resolve, 10);
      if (mode === "writesLate") {
        setTimeout(resolve, 5);
        return void setTimeout(() => writePng(filePath), options.renderLagMs ?? 300);
      }
      if (mode === "truncated") return setTimeout(() => (writePng(filePath, options.stillPng?.subarray(0, Math.floor(options.stillPng.length / 2))), resolve()), 10);
      setTimeout(() => (writePng(filePath), resolve()), 20);
    });
    settled.catch(() => undefined);
    if (mode === "waitOnly") return { wait: () => settled };
    return { then: settled.then.bind(settled) as PromiseLike<unknown>["then"] };
  };

  const viewOf = (id: number): AeItem => {
    const rec = item(id);
    return rec.kind === "comp" ? new CompItem(id) : rec.kind === "footage" ? new FootageItem(id) : new FolderItem(id);
  };

  class ImportOptions implements AeImportOptions {
    file = "";
    sequence = false;
    forceAlphabetical = false;
    constructor(file?: string) {
      if (file !== undefined) this.file = file;
    }
  }

  const importFile = (opts: AeImportOptions): AeFootageItem => {
    if (!(opts instanceof ImportOptions)) throw new AeRuleError("importFile: the argument must be an ImportOptions");
    imports.push({ file: opts.file, sequence: opts.sequence });
    if (options.failOn === "importFile") throw new AeRuleError("After Effects error: the file could not be imported (test)");
    if (!fs.existsSync(opts.file) || !fs.statSync(opts.file).isFile()) throw new AeRuleError(`After Effects error: file "${opts.file}" not found`);
    const rec: ItemRec = { id: 0, kind: "footage", name: path.basename(opts.file), comment: "", parentId: ROOT, file: opts.file };
    if (opts.sequence) {
      const dir = path.dirname(opts.file);
      const m = /^(.*?)(\d+)(\.\w+)$/.exec(path.basename(opts.file));
      if (!m) throw new AeRuleError("importFile: a sequence needs a numbered file");
      const [, prefix, digits, ext] = m as unknown as [string, string, string, string];
      const numbered = fs.readdirSync(dir).filter((n) => n.startsWith(prefix) && n.endsWith(ext) && /^\d+$/.test(n.slice(prefix.length, -ext.length)));
      const numbers = numbered.map((n) => Number(n.slice(prefix.length, -ext.length))).sort((a, b) => a - b);
      Object.assign(rec, {
        name: `${prefix}[${String(numbers[0]).padStart(digits.length, "0")}-${String(numbers.at(-1)).padStart(digits.length, "0")}]${ext}`,
        isStill: false,
        frames: numbers.length,
        nativeFrameRate: options.sequenceFootageFps ?? 30,
      });
    } else {
      let probed: string;
      try {
        probed = execFileSync("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=r_frame_rate:format=duration", "-of", "default=nw=1", opts.file]).toString();
      } catch {
        throw new AeRuleError(`After Effects error: "${path.basename(opts.file)}" is not a file format After Effects can import`);
      }
      const [num, den] = (/r_frame_rate=(\d+)\/(\d+)/.exec(probed) ?? [, "0", "1"]).slice(1).map(Number) as [number, number];
      let hasAudio = false;
      try {
        hasAudio = execFileSync("ffprobe", ["-v", "error", "-select_streams", "a", "-show_entries", "stream=index", "-of", "csv=p=0", opts.file]).toString().trim() !== "";
      } catch {
        hasAudio = false;
      }
      Object.assign(rec, { isStill: false, nativeFrameRate: num / den, movieSeconds: Number(/duration=([\d.]+)/.exec(probed)?.[1] ?? 0), hasAudio });
    }
    return change("Import File", () => {
      rec.id = newId();
      state.items.set(rec.id, rec);
      return new FootageItem(rec.id);
    });
  };

  const project: AeProject = {
    get activeItem() {
      return state.activeItemId === null || !state.items.has(state.activeItemId) ? null : viewOf(state.activeItemId);
    },
    file: options.projectFile ?? "",
    get items() {
      return collection(ROOT);
    },
    get rootFolder() {
      return new FolderItem(ROOT);
    },
    bitsPerChannel: color.bitsPerChannel,
    colorManagementSystem: color.colorManagementSystem,
    workingSpace: color.workingSpace,
    linearizeWorkingSpace: color.linearizeWorkingSpace,
    ocioConfigurationFile: color.ocioConfigurationFile,
    get xmpPacket() {
      return state.xmpPacket;
    },
    set xmpPacket(value: string) {
      if (options.failOn === "xmpPacket") throw new AeRuleError("After Effects could not write the project XMP (test)");
      if (typeof value !== "string") throw new AeRuleError("xmpPacket must be a string");
      change("Project Metadata", () => void (state.xmpPacket = value));
    },
    importFile,
  };

  const app: AeApp = {
    get project() {
      return options.projectOpen === false ? null : project;
    },
    version: "27.0x50",
    beginUndoGroup(label: string) {
      if (groupDepth === 0) {
        undoStack.push(snapshot());
        groupLabel = label; // inner groups' names are ignored
      }
      groupDepth++;
      return true;
    },
    endUndoGroup() {
      if (groupDepth === 0) throw new AeRuleError("endUndoGroup was called without beginUndoGroup");
      groupDepth--;
      if (groupDepth === 0) undoSteps.push(groupLabel);
      return true;
    },
  };

  // ---- the project the test describes ------------------------------------------------------
  const compId = newId();
  const c = { name: "Shot 010", width: 1920, height: 1080, pixelAspect: 1, frameRate: 24, duration: 10, time: 0, displayStartTime: 0, dropFrame: false, ...options.comp };
  state.items.set(compId, { id: compId, kind: "comp", comment: "", parentId: ROOT, layerIds: [], ...c });
  for (const spec of [...(options.layers ?? [])].reverse()) {
    const footageId = newId();
    state.items.set(footageId, { id: footageId, kind: "footage", name: `${spec.name}.mov`, comment: "", parentId: ROOT, file: `/media/${spec.name}.mov`, isStill: false, nativeFrameRate: c.frameRate, movieSeconds: spec.outPoint - spec.inPoint });
    const id = newId();
    state.layers.set(id, { id, compId, name: spec.name, comment: "", sourceId: footageId, startTime: spec.inPoint, inPoint: spec.inPoint, outPoint: spec.outPoint, hasVideo: spec.hasVideo ?? true, hasAudio: false, audioEnabled: false, selected: spec.selected ?? false });
    const comp = item(compId);
    comp.layerIds = [id, ...comp.layerIds!];
  }
  const firstFootage = [...state.items.values()].find((i) => i.kind === "footage");
  let folderId: number | undefined;
  if (options.active === "folder") {
    folderId = newId();
    state.items.set(folderId, { id: folderId, kind: "folder", name: "Plates", comment: "", parentId: ROOT });
  }
  state.activeItemId =
    options.active === "none" ? null : options.active === "footage" ? (firstFootage?.id ?? null) : options.active === "folder" ? folderId! : compId;

  const classes = options.exportsItemClasses === false ? { ImportOptions } : { ImportOptions, CompItem, FootageItem, FolderItem };
  const ae = (options.moduleShape === "flat" ? Object.assign(Object.create(null), classes, { get project() { return app.project; }, beginUndoGroup: app.beginUndoGroup, endUndoGroup: app.endUndoGroup }) : { app, ...classes }) as AfterEffectsModule;

  return {
    ae,
    undoSteps,
    renders,
    imports,
    options,
    get xmpPacket() {
      return state.xmpPacket;
    },
    get openUndoGroups() {
      return groupDepth;
    },
    undo() {
      const previous = undoStack.pop();
      if (!previous) throw new Error("nothing to undo");
      undoSteps.pop();
      Object.assign(state, previous);
    },
    timeline: () =>
      item(compId).layerIds!.map((id) => {
        const l = layerRec(id);
        const src = l.sourceId === null ? undefined : state.items.get(l.sourceId);
        return { name: l.name, start: l.startTime, in: l.inPoint, out: l.outPoint, ...(src ? { source: src.name } : {}) };
      }),
    sound: () => item(compId).layerIds!.map((id) => ({ name: layerRec(id).name, hasAudio: layerRec(id).hasAudio, audioEnabled: layerRec(id).audioEnabled })),
    projectItems: () =>
      [...state.items.values()]
        .filter((i) => i.id !== ROOT && i.kind !== "comp" && !(i.file ?? "").startsWith("/media/"))
        .map((i) => ({ kind: i.kind, name: i.name, folder: item(i.parentId).name, comment: i.comment })),
    select(names: string[]) {
      for (const l of state.layers.values()) l.selected = names.includes(l.name);
    },
    setTime(seconds: number) {
      item(compId).time = seconds;
    },
  };
}
