import { useEffect, useRef, useState } from "react";
import { NoteEditor } from "../components/NoteEditor.js";
import { newAnnotationId } from "../ids.js";
import { usePanelStore, usePanelStoreApi } from "../state/createPanelStore.js";
import { createDirectionScene, type ImageState } from "./directionScene.js";

/**
 * The captured frame with the editor's drawings on it. React owns only the box and the
 * overlays; the Fabric scene (directionScene.ts) owns the pixels and talks to the store.
 */
export function DirectionCanvas() {
  const store = usePanelStoreApi();
  const hostRef = useRef<HTMLDivElement>(null);
  const [image, setImage] = useState<{ state: ImageState; message?: string }>({ state: "none" });
  /** The drawing surface appears once the first frame has loaded (nothing to draw on before). */
  const [shown, setShown] = useState(false);
  const frame = usePanelStore((s) => s.frame?.context ?? null);
  const hasFrame = frame !== null;
  const tool = usePanelStore((s) => s.tool);
  const notify = usePanelStore((s) => s.notify);
  const viewZoom = usePanelStore((s) => s.viewZoom);

  useEffect(() => {
    const host = hostRef.current;
    if (!host || !hasFrame) return;
    const scene = createDirectionScene({
      host,
      store,
      newId: newAnnotationId,
      onImageState: (state, message) => {
        setImage({ state, message });
        if (state === "ready") setShown(true);
        if (state === "error" && message) notify("error", message, "frame");
      },
    });
    // For the bench: measure Fabric's render of this surface (never used by the panel).
    (host as HTMLElement & { fabricCanvas?: unknown }).fabricCanvas = scene.canvas;
    return () => {
      scene.dispose();
      setShown(false);
    };
  }, [store, notify, hasFrame]);

  const aspect = frame ? (frame.image.width * (frame.sequence.pixelAspect || 1)) / frame.image.height : 16 / 9;
  // 1:1 shows one image pixel per device pixel (so HiDPI screens see the real detail) and
  // scrolls; fit letterboxes the frame into the panel whatever its size.
  const actual = viewZoom === "actual" && frame !== null;
  const ratio = typeof window !== "undefined" && window.devicePixelRatio > 0 ? window.devicePixelRatio : 1;
  const actualSize = frame ? { width: (frame.image.width * (frame.sequence.pixelAspect || 1)) / ratio, height: frame.image.height / ratio } : null;

  return (
    <div className={`stage-canvas${actual ? " is-actual" : ""}`} style={actual ? undefined : { aspectRatio: String(aspect) }} data-tool={tool} data-zoom={viewZoom}>
      {hasFrame && (
        <div
          ref={hostRef}
          className="fabric-host"
          data-testid="direction-canvas"
          aria-label="Captured frame with drawings"
          role="img"
          style={{
            visibility: shown ? "visible" : "hidden",
            ...(actual && actualSize ? { width: `${actualSize.width}px`, height: `${actualSize.height}px`, position: "relative" } : {}),
          }}
        >
          <NoteEditor />
        </div>
      )}
      {!frame && (
        <div className="stage-overlay">
          <p>Park the playhead, then capture the frame to direct from.</p>
        </div>
      )}
      {frame && image.state === "loading" && (
        <div className="stage-overlay stage-overlay-soft" aria-live="polite">
          <p>Loading the frame…</p>
        </div>
      )}
      {frame && image.state === "error" && (
        <div className="stage-overlay">
          <p>{image.message}</p>
        </div>
      )}
    </div>
  );
}
