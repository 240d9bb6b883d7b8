import { Canvas, FabricImage, FabricObject, FabricText, Group, Line, Polygon, Rect, Shadow, type TPointerEventInfo } from "fabric";
import type { Annotation, CameraMoveAnnotation, FramingBoxAnnotation } from "../../core/schemas/index.js";
import { formatSpan, formatSeconds } from "../format.js";
import type { PanelState, PanelStoreApi } from "../state/createPanelStore.js";
import {
  arrowFromDrag,
  arrowHeadPoints,
  boxFromDrag,
  dragToPixelRect,
  fitContain,
  fractionToPixel,
  pixelsToRect,
  rectToPixels,
  translatePoint,
  type DisplayRect,
  type PixelPoint,
} from "./geometry.js";

/**
 * The imperative half of the direction canvas: a Fabric canvas over the captured frame.
 * Fabric objects are never the source of truth. They are re-derived from the store's
 * annotations whenever those change (so undo/redo "just works"), and every finished gesture
 * (a drawing, a move, a resize) is turned back into an annotation change in the store.
 */

export const ACCENT = "#2d8ceb";
const ACCENT_SELECTED = "#8cc4ff";
const LABEL_BG = "rgba(20, 20, 20, 0.75)";
const STROKE = 2;
/** A dark halo keeps the accent strokes readable over any picture (bright skies, blue walls). */
const halo = () => new Shadow({ color: "rgba(0, 0, 0, 0.85)", blur: 4, offsetX: 0, offsetY: 0 });
const LABEL_FONT = { fontFamily: "system-ui, -apple-system, 'Segoe UI', sans-serif", fontSize: 11 };

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
  kind: "cameraMove" | "framingBox";
  left: number;
  top: number;
  label?: FabricObject;
}

interface Drag {
  tool: "cameraMove" | "framingBox";
  start: PixelPoint;
  preview: FabricObject | null;
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
  });

  const info = new WeakMap<FabricObject, ObjectInfo>();
  let surface = { width: 0, height: 0 };
  let display: DisplayRect = { x: 0, y: 0, width: 0, height: 0 };
  let background: FabricImage | null = null;
  let loadedUrl: string | null = null;
  let drag: Drag | null = null;
  /** Set while the scene itself changes Fabric's selection, so those events are not echoed. */
  let syncing = false;
  let disposed = false;
  let loadToken = 0;

  const state = () => store.getState();

  // ------------------------------------------------------------------------------------------
  // layout

  /** The frame's displayed aspect includes the sequence's pixel aspect (anamorphic sequences). */
  function frameDisplaySize(s: PanelState) {
    const frame = s.frame?.context;
    if (!frame) return { width: 16, height: 9 };
    return { width: frame.image.width * (frame.sequence.pixelAspect || 1), height: frame.image.height };
  }

  function layout() {
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

  function arrowObjects(from: PixelPoint, to: PixelPoint, color: string, label?: string): FabricObject[] {
    const headSize = 12;
    const [tip, left, right] = arrowHeadPoints(from, to, headSize);
    // Stop the shaft short of the tip so the line's square end does not poke through the head.
    const length = Math.hypot(to.x - from.x, to.y - from.y) || 1;
    const shaftEnd = {
      x: to.x - ((to.x - from.x) / length) * headSize * 0.6,
      y: to.y - ((to.y - from.y) / length) * headSize * 0.6,
    };
    const parts: FabricObject[] = [
      new Line([from.x, from.y, shaftEnd.x, shaftEnd.y], { stroke: color, strokeWidth: STROKE + 1, strokeLineCap: "round" }),
      new Polygon([tip, left, right], { fill: color, stroke: color, strokeWidth: 1, strokeLineJoin: "round" }),
      new Rect({ left: from.x - 3, top: from.y - 3, width: 6, height: 6, fill: color, originX: "left", originY: "top" }),
    ];
    if (label) parts.push(labelText(label, { x: (from.x + to.x) / 2 + 6, y: (from.y + to.y) / 2 + 6 }));
    return parts;
  }

  function labelText(text: string, at: PixelPoint): FabricText {
    return new FabricText(text, {
      ...LABEL_FONT,
      left: at.x,
      top: at.y,
      originX: "left",
      originY: "top",
      fill: "#ffffff",
      backgroundColor: LABEL_BG,
      padding: 2,
      selectable: false,
      evented: false,
    });
  }

  function arrowGroup(a: CameraMoveAnnotation, number: number, selected: boolean): Group {
    const from = fractionToPixel(a.from, display);
    const to = fractionToPixel(a.to, display);
    const group = new Group(arrowObjects(from, to, selected ? ACCENT_SELECTED : ACCENT, `${number} · ${formatSpan(a.start, a.end)}`), {
      originX: "left",
      originY: "top",
      hasControls: false, // an arrow is moved whole; redraw it to change its direction
      shadow: halo(),
      borderColor: ACCENT_SELECTED,
      hoverCursor: "move",
      subTargetCheck: false,
    });
    info.set(group, { annotationId: a.id, kind: "cameraMove", left: group.left, top: group.top });
    return group;
  }

  function boxObjects(a: FramingBoxAnnotation, number: number, selected: boolean): { box: Rect; label: FabricText } {
    const px = rectToPixels(a.rect, display);
    const box = new Rect({
      // Fabric places a shape's outer edge (stroke included) at left/top; centre the stroke on the rect.
      left: px.x - STROKE / 2,
      top: px.y - STROKE / 2,
      width: px.width,
      height: px.height,
      originX: "left",
      originY: "top",
      fill: "rgba(45, 140, 235, 0.08)",
      stroke: selected ? ACCENT_SELECTED : ACCENT,
      strokeWidth: STROKE,
      strokeDashArray: [6, 4],
      strokeUniform: true,
      shadow: halo(),
      lockRotation: true,
      borderColor: ACCENT_SELECTED,
      cornerColor: ACCENT_SELECTED,
      cornerStrokeColor: "#1a1a1a",
      transparentCorners: false,
      cornerSize: 9,
      hoverCursor: "move",
    });
    box.setControlVisible("mtr", false);
    const label = labelText(`${number} · at ${formatSeconds(a.time)}`, { x: px.x, y: px.y - 18 });
    info.set(box, { annotationId: a.id, kind: "framingBox", left: box.left, top: box.top, label });
    return { box, label };
  }

  /** Replace every annotation object with fresh ones derived from the store. */
  function renderAnnotations() {
    if (disposed) return;
    const s = state();
    syncing = true;
    try {
      canvas.discardActiveObject();
      for (const object of canvas.getObjects()) if (object !== drag?.preview) canvas.remove(object);
      if (s.frame && display.width > 0) {
        const interactive = s.tool === "select";
        for (const [index, a] of s.annotations.entries()) {
          const selected = a.id === s.selectedId;
          const number = index + 1; // matches "Drawing N" in the summary list
          const objects: FabricObject[] =
            a.kind === "cameraMove"
              ? [arrowGroup(a, number, selected)]
              : a.kind === "framingBox"
                ? (({ box, label }) => [box, label])(boxObjects(a, number, selected))
                : []; // subject paths, holds and notes come from elsewhere (no tool here yet)
          for (const object of objects) {
            if (info.has(object)) object.set({ selectable: interactive, evented: interactive });
            canvas.add(object);
          }
        }
        if (drag?.preview) canvas.bringObjectToFront(drag.preview);
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
    const active = canvas.getActiveObject();
    const activeId = active ? info.get(active)?.annotationId : undefined;
    if (s.tool !== "select" || !s.selectedId) {
      if (active) canvas.discardActiveObject();
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
      if (!meta) continue;
      const color = meta.annotationId === selectedId ? ACCENT_SELECTED : ACCENT;
      if (object instanceof Group) {
        for (const child of object.getObjects()) {
          if (child instanceof FabricText) continue;
          child.set(child instanceof Line ? { stroke: color } : { fill: color, stroke: color });
        }
        object.set({ dirty: true });
      } else {
        object.set({ stroke: color });
      }
    }
    syncing = true;
    try {
      syncSelection();
    } finally {
      syncing = false;
    }
    canvas.requestRenderAll();
  }

  function applyTool() {
    const tool = state().tool;
    const drawing = tool !== "select";
    canvas.skipTargetFind = drawing;
    canvas.defaultCursor = drawing ? "crosshair" : "default";
    canvas.hoverCursor = drawing ? "crosshair" : "move";
    renderAnnotations();
  }

  // ------------------------------------------------------------------------------------------
  // drawing gestures

  function canDraw(): boolean {
    return state().frame !== null && display.width > 0 && background !== null;
  }

  function previewFor(d: Drag, current: PixelPoint, lockAspect: boolean): FabricObject | null {
    if (d.tool === "cameraMove") {
      if (Math.hypot(current.x - d.start.x, current.y - d.start.y) < 2) return null;
      return new Group(arrowObjects(d.start, current, ACCENT), { selectable: false, evented: false, opacity: 0.85, shadow: halo() });
    }
    const px = dragToPixelRect(d.start, current, lockAspect && display.height > 0 ? display.width / display.height : undefined);
    return new Rect({
      left: px.x,
      top: px.y,
      width: px.width,
      height: px.height,
      originX: "left",
      originY: "top",
      fill: "rgba(45, 140, 235, 0.08)",
      stroke: ACCENT,
      strokeWidth: STROKE,
      strokeDashArray: [6, 4],
      selectable: false,
      evented: false,
    });
  }

  function onMouseDown(event: TPointerEventInfo) {
    const tool = state().tool;
    if (tool === "select" || !canDraw()) return;
    drag = { tool, start: { x: event.scenePoint.x, y: event.scenePoint.y }, preview: null };
  }

  function onMouseMove(event: TPointerEventInfo) {
    if (!drag) return;
    if (drag.preview) canvas.remove(drag.preview);
    drag.preview = previewFor(drag, event.scenePoint, event.e.shiftKey);
    if (drag.preview) canvas.add(drag.preview);
    canvas.requestRenderAll();
  }

  function onMouseUp(event: TPointerEventInfo) {
    if (!drag) return;
    const finished = drag;
    drag = null;
    if (finished.preview) canvas.remove(finished.preview);
    const end = { x: event.scenePoint.x, y: event.scenePoint.y };
    const { duration } = state();
    let annotation: Annotation | null = null;
    if (finished.tool === "cameraMove") {
      const arrow = arrowFromDrag(finished.start, end, display);
      if (arrow) annotation = { id: newId(), kind: "cameraMove", ...arrow, start: 0, end: duration, ease: "ease-in-out" };
    } else {
      const rect = boxFromDrag(finished.start, end, display, { lockAspect: event.e.shiftKey });
      if (rect) annotation = { id: newId(), kind: "framingBox", rect, time: duration, ease: "ease-in-out", endFraming: false };
    }
    if (annotation) state().addAnnotation(annotation); // re-renders through the subscription
    else canvas.requestRenderAll();
  }

  // ------------------------------------------------------------------------------------------
  // editing gestures (select tool): move and resize become annotation updates

  function followLabel(object: FabricObject) {
    const meta = info.get(object);
    if (!meta?.label) return;
    meta.label.set({ left: object.left + STROKE / 2, top: object.top + STROKE / 2 - 18 });
    meta.label.setCoords();
  }

  function onModified(object: FabricObject | undefined) {
    if (!object) return;
    const meta = info.get(object);
    if (!meta) return;
    const annotation = state().annotations.find((a) => a.id === meta.annotationId);
    if (!annotation) return;
    if (annotation.kind === "cameraMove") {
      const dx = object.left - meta.left;
      const dy = object.top - meta.top;
      if (dx === 0 && dy === 0) return;
      state().updateAnnotation(annotation.id, {
        from: translatePoint(annotation.from, dx, dy, display),
        to: translatePoint(annotation.to, dx, dy, display),
      });
    } else if (annotation.kind === "framingBox") {
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
    }
  }

  function onSelection(selected: FabricObject[] | undefined) {
    if (syncing) return;
    const id = selected?.[0] ? info.get(selected[0])?.annotationId : undefined;
    if (id && id !== state().selectedId) state().select(id);
  }

  /** Escape abandons a drawing in progress (the panel-wide Escape then deselects). */
  function onKeyDown(event: KeyboardEvent) {
    if (event.key !== "Escape" || !drag) return;
    if (drag.preview) canvas.remove(drag.preview);
    drag = null;
    canvas.requestRenderAll();
  }
  window.addEventListener("keydown", onKeyDown);

  canvas.on("mouse:down", onMouseDown);
  canvas.on("mouse:move", onMouseMove);
  canvas.on("mouse:up", onMouseUp);
  canvas.on("object:moving", ({ target }) => followLabel(target));
  canvas.on("object:scaling", ({ target }) => followLabel(target));
  canvas.on("object:modified", ({ target }) => onModified(target));
  canvas.on("selection:created", ({ selected }) => onSelection(selected));
  canvas.on("selection:updated", ({ selected }) => onSelection(selected));
  canvas.on("selection:cleared", () => {
    if (!syncing && state().selectedId) state().select(null);
  });

  // ------------------------------------------------------------------------------------------
  // store and size subscriptions

  const unsubscribe = store.subscribe((s, prev) => {
    if (s.frame?.imageUrl !== prev.frame?.imageUrl) void loadFrame(s.frame?.imageUrl ?? null);
    if (s.frame !== prev.frame) layout();
    else if (s.tool !== prev.tool) applyTool();
    else if (s.annotations !== prev.annotations || s.duration !== prev.duration) renderAnnotations();
    else if (s.selectedId !== prev.selectedId) restyleSelection();
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
    dispose() {
      disposed = true;
      unsubscribe();
      window.removeEventListener("keydown", onKeyDown);
      resizeObserver.disconnect();
      ratioQuery?.removeEventListener?.("change", onRatioChange);
      void canvas.dispose(); // restores the <canvas> in place synchronously, then frees resources
      element.remove();
    },
  };
}
