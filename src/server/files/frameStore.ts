import fs from "node:fs";
import path from "node:path";
import { FrameContext, type BridgeSpan, type PlacementMode, type SequenceContext } from "../../core/schemas/index.js";
import { newId } from "../ids.js";
import type { Store } from "../ledger/store.js";
import { ServiceError } from "../serviceError.js";

export class FrameError extends ServiceError {}

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
export const MAX_FRAME_BYTES = 64 * 1024 * 1024;

/** Reads width and height from the image's own header; the upload's claims are not trusted. */
export function imageInfo(bytes: Uint8Array): { mediaType: "image/png" | "image/jpeg"; width: number; height: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length >= 24 && PNG_MAGIC.every((b, i) => bytes[i] === b)) {
    return { mediaType: "image/png", width: view.getUint32(16), height: view.getUint32(20) };
  }
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8) {
    // Walk JPEG segments to the first start-of-frame marker.
    let p = 2;
    while (p + 9 < bytes.length) {
      if (bytes[p] !== 0xff) break;
      const marker = bytes[p + 1]!;
      const length = view.getUint16(p + 2);
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return { mediaType: "image/jpeg", height: view.getUint16(p + 5), width: view.getUint16(p + 7) };
      }
      p += 2 + length;
    }
    throw new FrameError(400, "invalid_image", "The JPEG frame has no readable size; export the frame again.");
  }
  throw new FrameError(400, "invalid_image", "The frame must be a PNG or JPEG image.");
}

/** Captured stills: files under `<data>/frames`, records in the ledger. */
export class FrameStore {
  private readonly dir: string;

  constructor(
    private readonly store: Store,
    dataDir: string,
  ) {
    this.dir = path.join(dataDir, "frames");
    fs.mkdirSync(this.dir, { recursive: true });
  }

  /** `bridge`: for A's frame of a bridge, the span (its endFrameId must be a frame already saved). */
  async save(bytes: Uint8Array, sequence: SequenceContext, mode: PlacementMode, bridge?: BridgeSpan): Promise<FrameContext> {
    if (bridge?.endFrameId && !(await this.store.getFrame(bridge.endFrameId))) {
      throw new FrameError(400, "frame_not_found", `B's frame ${bridge.endFrameId} is not on the backend: upload B's frame first, then A's with its id.`);
    }
    if (bytes.length === 0) throw new FrameError(400, "empty_image", "The frame image is empty: the host wrote no pixels. Capture again.");
    if (bytes.length > MAX_FRAME_BYTES) throw new FrameError(413, "image_too_large", `The frame is larger than ${MAX_FRAME_BYTES >> 20} MB.`);
    const info = imageInfo(bytes);
    const frameId = newId("frame");
    const filePath = path.join(this.dir, `${frameId}.${info.mediaType === "image/png" ? "png" : "jpg"}`);
    fs.writeFileSync(filePath, bytes);
    const frame = FrameContext.parse({
      frameId,
      capturedAt: new Date().toISOString(),
      image: { width: info.width, height: info.height, mediaType: info.mediaType, bytes: bytes.length },
      mode,
      sequence,
      ...(bridge ? { bridge } : {}),
    });
    await this.store.insertFrame(frame, filePath);
    return frame;
  }
}
