import { Canvas, FabricImage, FabricObject, Group, Polygon, type TPointerEventInfo } from "fabric";
import { compileDirection, cameraAt, windowCorners } from "../../core/direction/index.js";
import type { Annotation, CameraKeyframe } from "../../core/schemas/index.js";
import type { PanelState, PanelStoreApi } from "../state/createPanelStore.js";
import { drawingObjects, labelText, recolor, STROKE, type DrawingObjects } from "./annotationObjects.js";
import { fitContain, fractionToPixel, pixelsToRect, translateAnnotation, type DisplayRect, type PixelPoint } from "./geometry.js";
import { DRAWING_TOOLS, type ToolInteraction } from "./tools/index.js";

/**
 * The imperative half of the direction canvas: a Fabric canvas over the captured frame.
 * Fabric objects are never the source of truth. They are re-derived from the store's
 * annotations whenever those change (so undo/redo "just works"), and every finished gesture
 * (a drawing, a move, a resize) is turned back into an annotation change in the store.
 * Each drawing tool's gesture lives in its own module (tools/*); drawings' looks in
 * annotationObjects.ts; the maths in geometry.ts.
 */

export type ImageState = "none" | "loading" | "ready" | "error";

export interface DirectionSceneOptions {
  host: HTMLElement;
  store: PanelStoreApi;
  newId(): string;
  onImageState(state: ImageState, message?: string): void;
}

/** What a Fabric object stands for, and where it was drawn (to turn a drag into a delta). */
interface ObjectInfo {
  annotationId: string;
  /** The drawing as it was when this object was built: a drag is applied to it, so it is idempotent. */
  annotation: Annotation;
  kind: Annotation["kind"];
  left: number;
  top: number;
  resizable: boolean;
  label?: FabricObject;
  labelOffset?: PixelPoint;
}

interface CachedDrawing extends DrawingObjects {
  annotation: Annotation;
  number: number;
  selected: boolean;
  displayKey: string;
}

export function createDirectionScene({ host, store, newId, onImageState }: DirectionSceneOptions) {
  const element = document.createElement("canvas");
  host.appendChild(element);
  const canvas = new Canvas(element, {
    selection: false, // one drawing at a time: group selections make edits ambiguous
    preserveObjectStacking: true,
    enableRetinaScaling: true, // crisp on HiDPI screens: backing store × devicePixelRatio
    uniformScaling: false,
    fireRightClick: false,
    renderOnAddRemove: false, // one render per change, however many objects a rebuild adds
  });

  const info = new WeakMap<FabricObject, ObjectInfo>();
  let surface = { width: 0, height: 0 };
  let display: DisplayRect = { x: 0, y: 0, width: 0, height: 0 };
  let background: FabricImage | null = null;
  let loadedUrl: string | null = null;
  let preview: FabricObject | null = null;
  let scrubOutline: FabricObject | null = null;
  /** Fabric objects of each drawing, by id, reused while the drawing is unchanged. */
  let cache = new Map<string, CachedDrawing>();
  /** While a drawing is dragged: everything else, flattened into one bitmap (see freezeAround). */
  let frozen: { hidden: FabricObject[]; background: FabricImage | undefined } | null = null;
  /** Set while the scene itself changes Fabric's selection, so those events are not echoed. */
  let syncing = false;
  let disposed = false;
  let loadToken = 0;

  const state = () => store.getState();

  // ------------------------------------------------------------------------------------------
  // tools

  const toolContext = {
    display: () => display,
    state,
    newId,
    preview(object: FabricObject | null) {
      if (preview) canvas.remove(preview);
      preview = object;
      if (object) canvas.add(object);
      canvas.requestRenderAll();
    },
    commit(annotation: Annotation) {
      state().addAnnotation(annotation); // re-renders through the subscription
    },
  };
  let active: ToolInteraction | null = null;

  function applyTool() {
    active?.cancel();
    const tool = state().tool;
    active = tool === "select" ? null : DRAWING_TOOLS[tool](toolContext);
    const drawing = tool !== "select";
    canvas.skipTargetFind = drawing;
    canvas.defaultCursor = drawing ? "crosshair" : "default";
    canvas.hoverCursor = drawing ? "crosshair" : "move";
    renderAnnotations();
  }

  // ------------------------------------------------------------------------------------------
  // layout

  /** The frame's displayed aspect includes the sequence's pixel aspect (anamorphic sequences). */
  function frameDisplaySize(s: PanelState) {
    const frame = s.frame?.context;
    if (!frame) return { width: 16, height: 9 };
    return { width: frame.image.width * (frame.sequence.pixelAspect || 1), height: frame.image.height };
  }

  function layout() {
    thaw();
    const width = Math.max(1, Math.floor(host.clientWidth));
    const height = Math.max(1, Math.floor(host.clientHeight));
    if (width !== surface.width || height !== surface.height) {
      surface = { width, height };
      canvas.setDimensions({ width, height });
    }
    display = fitContain(surface, frameDisplaySize(state()));
    if (background) {
      background.set({
        originX: "left",
        originY: "top",
        left: display.x,
        top: display.y,
        scaleX: display.width / (background.width || 1),
        scaleY: display.height / (background.height || 1),
      });
    }
    renderAnnotations();
  }

  // ------------------------------------------------------------------------------------------
  // background frame

  async function loadFrame(url: string | null) {
    if (url === loadedUrl) return;
    loadedUrl = url;
    const token = ++loadToken;
    if (!url) {
      background = null;
      canvas.backgroundImage = undefined;
      onImageState("none");
      layout();
      return;
    }
    onImageState("loading");
    try {
      // No crossOrigin: the backend may be another origin (plugin:/ → http://127.0.0.1) and the
      // canvas is only ever shown, never read back, so a tainted canvas is fine.
      const image = await FabricImage.fromURL(url, {}, { selectable: false, evented: false, objectCaching: false });
      if (disposed || token !== loadToken) return;
      thaw();
      background = image;
      canvas.backgroundImage = image;
      onImageState("ready");
      layout();
    } catch {
      if (disposed || token !== loadToken) return;
      background = null;
      canvas.backgroundImage = undefined;
      onImageState("error", "The captured frame could not be loaded from the backend.");
      layout();
    }
  }

  // ------------------------------------------------------------------------------------------
  // annotations → Fabric objects

  // ------------------------------------------------------------------------------------------
  // dragging over hundreds of drawings: a static layer

  /**
   * At the first frame of a move or resize, everything except the dragged drawing (and its label)
   * is rendered once into a bitmap that stands in as the background; the other objects are hidden
   * until the gesture ends. Each frame of the drag then draws one bitmap and one drawing instead
   * of every drawing on the frame (issue 4: under 16 ms per frame with 300 drawings).
   */
  function freezeAround(target: FabricObject) {
    if (frozen || disposed) return;
    const label = info.get(target)?.label;
    const moving = new Set<FabricObject>([target]);
    if (label) moving.add(label);
    const ratio = canvas.getRetinaScaling();
    const element = canvas.toCanvasElement(ratio, { filter: (o) => !moving.has(o as FabricObject) && o.visible });
    const snapshot = new FabricImage(element, {
      left: 0,
      top: 0,
      originX: "left",
      originY: "top",
      scaleX: 1 / ratio,
      scaleY: 1 / ratio,
      selectable: false,
      evented: false,
      objectCaching: false,
    });
    const hidden = canvas.getObjects().filter((o) => !moving.has(o) && o.visible);
    for (const o of hidden) o.visible = false;
    frozen = { hidden, background: canvas.backgroundImage as FabricImage | undefined };
    canvas.backgroundImage = snapshot;
  }

  function thaw() {
    if (!frozen) return;
    for (const o of frozen.hidden) o.visible = true;
    canvas.backgroundImage = frozen.background;
    frozen = null;
    canvas.requestRenderAll();
  }

  /** Replace every annotation object with fresh ones derived from the store. */
  function renderAnnotations() {
    if (disposed) return;
    thaw();
    const s = state();
    syncing = true;
    try {
      canvas.discardActiveObject();
      const keep = new Set([preview, scrubOutline]);
      const stale = canvas.getObjects().filter((o) => !keep.has(o));
      if (stale.length > 0) canvas.remove(...stale);
      if (s.frame && display.width > 0) {
        const interactive = s.tool === "select";
        const added: FabricObject[] = [];
        const nextCache = new Map<string, CachedDrawing>();
        const displayKey = `${display.x},${display.y},${display.width},${display.height}`;
        for (const [index, a] of s.annotations.entries()) {
          const selected = a.id === s.selectedId;
          // Unchanged drawings keep their Fabric objects (annotations are immutable: same object,
          // same drawing), so a commit with 300 drawings rebuilds only what changed.
          const previous = cache.get(a.id);
          const reuse =
            previous && previous.annotation === a && previous.number === index + 1 && previous.selected === selected && previous.displayKey === displayKey;
          const entry: CachedDrawing = reuse
            ? previous
            : { annotation: a, number: index + 1, selected, displayKey, ...drawingObjects(a, index + 1, selected, display) };
          const { main, label, resizable } = entry;
          main.set({ selectable: interactive, evented: interactive });
          if (!reuse) {
            info.set(main, {
              annotationId: a.id,
              annotation: a,
              kind: a.kind,
              left: main.left,
              top: main.top,
              resizable,
              label,
              labelOffset: label ? { x: label.left - main.left, y: label.top - main.top } : undefined,
            });
          }
          nextCache.set(a.id, entry);
          added.push(main);
          if (label) added.push(label);
        }
        cache = nextCache;
        if (added.length > 0) canvas.add(...added);
        if (preview) canvas.bringObjectToFront(preview);
        drawScrubOutline();
        syncSelection();
      }
    } finally {
      syncing = false;
    }
    canvas.requestRenderAll();
  }

  /** Make Fabric's active object match the store's selection (select tool only). */
  function syncSelection() {
    const s = state();
    const current = canvas.getActiveObject();
    const activeId = current ? info.get(current)?.annotationId : undefined;
    if (s.tool !== "select" || !s.selectedId) {
      if (current) canvas.discardActiveObject();
      return;
    }
    if (activeId === s.selectedId) return;
    const target = canvas.getObjects().find((o) => info.get(o)?.annotationId === s.selectedId);
    if (target) canvas.setActiveObject(target);
    else canvas.discardActiveObject();
  }

  /**
   * Selection changed: recolour in place and move Fabric's selection to match. No rebuild here,
   * because the change may come from Fabric itself at the start of a drag on that very object.
   */
  function restyleSelection() {
    const { selectedId } = state();
    for (const object of canvas.getObjects()) {
      const meta = info.get(object);
      if (meta) recolor(object, meta.kind, meta.annotationId === selectedId);
    }
    syncing = true;
    try {
      syncSelection();
    } finally {
      syncing = false;
    }
    canvas.requestRenderAll();
  }

  // ------------------------------------------------------------------------------------------
  // scrubbing the time strip: the compiled camera window as an outline on the still

  let compiledFor: { annotations: readonly Annotation[]; duration: number; keyframes: CameraKeyframe[] } | null = null;
  function cameraKeyframes(s: PanelState): CameraKeyframe[] | null {
    if (compiledFor && compiledFor.annotations === s.annotations && compiledFor.duration === s.duration) return compiledFor.keyframes;
    try {
      const frameSize = s.frame?.context.sequence.frameSize;
      const d = compileDirection({ prompt: "", annotations: s.annotations, duration: s.duration }, frameSize ? { frameSize } : {});
      compiledFor = { annotations: s.annotations, duration: s.duration, keyframes: d.camera.keyframes };
      return compiledFor.keyframes;
    } catch {
      return null;
    }
  }

  function drawScrubOutline() {
    if (scrubOutline) canvas.remove(scrubOutline);
    scrubOutline = null;
    const s = state();
    if (s.scrubTime === null || !s.frame || display.width <= 0) return;
    const keyframes = cameraKeyframes(s);
    if (!keyframes) return;
    const camera = cameraAt(keyframes, s.scrubTime);
    const corners = windowCorners(camera, display.width / display.height).map((c) => fractionToPixel(c, display));
    const outline = new Polygon(corners, { fill: "", stroke: "#ffffff", strokeWidth: 2, strokeDashArray: [8, 4], selectable: false, evented: false, objectCaching: false });
    const top = corners.reduce((a, b) => (b.y < a.y || (b.y === a.y && b.x < a.x) ? b : a));
    const tag = labelText(`camera at ${s.scrubTime.toFixed(2)} s · ${camera.zoom.toFixed(2)}×`, { x: top.x + 4, y: top.y + 4 });
    scrubOutline = new Group([outline, tag], { selectable: false, evented: false, objectCaching: false });
    canvas.add(scrubOutline);
  }

  // ------------------------------------------------------------------------------------------
  // pointer gestures: drawing tools get them; the select tool is Fabric's own

  function canDraw(): boolean {
    return state().frame !== null && display.width > 0 && background !== null;
  }
  const point = (event: TPointerEventInfo): PixelPoint => ({ x: event.scenePoint.x, y: event.scenePoint.y });
  const pointerInfo = (event: TPointerEventInfo) => ({ shiftKey: Boolean((event.e as MouseEvent).shiftKey) });

  canvas.on("mouse:down", (event) => {
    if (!active || !canDraw()) return;
    active.down(point(event), pointerInfo(event));
  });
  canvas.on("mouse:move", (event) => active?.move(point(event), pointerInfo(event)));
  canvas.on("mouse:up", (event) => {
    if (!active || !canDraw()) return;
    active.up(point(event), pointerInfo(event));
  });
  canvas.on("mouse:dblclick", (event) => active?.dblclick?.(point(event)));

  // ------------------------------------------------------------------------------------------
  // editing gestures (select tool): move and resize become annotation updates

  function followLabel(object: FabricObject) {
    const meta = info.get(object);
    if (!meta?.label || !meta.labelOffset) return;
    meta.label.set({ left: object.left + meta.labelOffset.x, top: object.top + meta.labelOffset.y });
    meta.label.setCoords();
  }

  function onModified(object: FabricObject | undefined) {
    if (!object) return;
    const meta = info.get(object);
    if (!meta) return;
    const annotation = meta.annotation;
    // Fabric has moved this object: never reuse it, whatever the store makes of the gesture.
    cache.delete(annotation.id);
    if (!state().annotations.some((a) => a.id === annotation.id)) return;
    if (meta.resizable && (annotation.kind === "framingBox" || annotation.kind === "hold")) {
      const rect = pixelsToRect(
        {
          x: object.left + STROKE / 2,
          y: object.top + STROKE / 2,
          width: (object.width ?? 0) * (object.scaleX ?? 1),
          height: (object.height ?? 0) * (object.scaleY ?? 1),
        },
        display,
      );
      if (rect) state().updateAnnotation(annotation.id, { rect });
      else renderAnnotations();
      return;
    }
    const dx = object.left - meta.left;
    const dy = object.top - meta.top;
    if ((dx === 0 && dy === 0) || display.width <= 0) return;
    const moved = translateAnnotation(annotation, dx / display.width, dy / display.height);
    state().applyAnnotationChanges([{ type: "add", annotation: moved }]);
  }

  function onSelection(selected: FabricObject[] | undefined) {
    if (syncing) return;
    const id = selected?.[0] ? info.get(selected[0])?.annotationId : undefined;
    if (id && id !== state().selectedId) state().select(id);
  }

  /** Enter finishes and Escape abandons a drawing in progress (the panel-wide Escape then deselects). */
  function onKeyDown(event: KeyboardEvent) {
    // Hidden behind the history view, the frame takes no keys.
    if (!active || state().view !== "direct") return;
    if (active.key?.(event)) {
      event.preventDefault();
      return;
    }
    if (event.key === "Escape" && active.busy()) {
      active.cancel();
      event.preventDefault();
    }
  }
  // Capture phase: a tool's Escape/Enter wins over the panel-wide shortcuts.
  window.addEventListener("keydown", onKeyDown, true);

  canvas.on("object:moving", ({ target }) => {
    freezeAround(target);
    followLabel(target);
  });
  canvas.on("object:scaling", ({ target }) => {
    freezeAround(target);
    followLabel(target);
  });
  // Fabric fires this after object:modified, before the deferred store update rebuilds.
  canvas.on("mouse:up", () => thaw());
  // After Fabric has finished the transform: updating the store rebuilds the objects, which must
  // not happen while Fabric is still inside the gesture that modified one of them.
  canvas.on("object:modified", ({ target }) => queueMicrotask(() => onModified(target)));
  canvas.on("selection:created", ({ selected }) => onSelection(selected));
  canvas.on("selection:updated", ({ selected }) => onSelection(selected));
  canvas.on("selection:cleared", () => {
    if (!syncing && state().selectedId) state().select(null);
  });

  // ------------------------------------------------------------------------------------------
  // store and size subscriptions

  const unsubscribe = store.subscribe((s, prev) => {
    if (s.frame?.imageUrl !== prev.frame?.imageUrl) void loadFrame(s.frame?.imageUrl ?? null);
    if (s.frame !== prev.frame) {
      active?.cancel();
      layout();
    } else if (s.tool !== prev.tool) applyTool();
    else if (s.annotations !== prev.annotations || s.duration !== prev.duration) renderAnnotations();
    else if (s.selectedId !== prev.selectedId) restyleSelection();
    else if (s.scrubTime !== prev.scrubTime) {
      drawScrubOutline();
      canvas.requestRenderAll();
    }
  });

  const resizeObserver = new ResizeObserver(() => layout());
  resizeObserver.observe(host);
  // Moving the window to a screen with another pixel ratio needs a fresh backing store.
  const ratioQuery = window.matchMedia?.(`(resolution: ${window.devicePixelRatio}dppx)`);
  const onRatioChange = () => {
    surface = { width: 0, height: 0 };
    layout();
  };
  ratioQuery?.addEventListener?.("change", onRatioChange);

  applyTool();
  layout();
  void loadFrame(state().frame?.imageUrl ?? null);

  return {
    /** For the bench and tests: the Fabric canvas (never used by the panel itself). */
    canvas,
    dispose() {
      disposed = true;
      active?.cancel();
      unsubscribe();
      window.removeEventListener("keydown", onKeyDown, true);
      resizeObserver.disconnect();
      ratioQuery?.removeEventListener?.("change", onRatioChange);
      void canvas.dispose(); // restores the <canvas> in place synchronously, then frees resources
      element.remove();
    },
  };
}

