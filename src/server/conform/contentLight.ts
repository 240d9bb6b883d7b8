/**
 * MaxCLL / MaxFALL (CTA-861.3) measured from the picture itself, not declared: every frame of
 * the PQ master is handed to us as full-range PQ R'G'B' at 16 bits (gbrp16le) through a FIFO
 * while ffmpeg encodes, so measuring costs no second decode. PQ is monotonic, so a pixel's
 * light level max(R, G, B) in cd/m² is the PQ EOTF of its largest code; MaxCLL is the largest
 * over the clip and MaxFALL the largest frame average of those levels.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import { promisify } from "node:util";
import type { ClliBox } from "../../core/schemas/color.js";

const exec = promisify(execFile);

/** ST 2084 EOTF: normalised code value → cd/m². */
export function pqToNits(e: number): number {
  const m1 = 2610 / 16384;
  const m2 = (2523 / 4096) * 128;
  const c1 = 3424 / 4096;
  const c2 = (2413 / 4096) * 32;
  const c3 = (2392 / 4096) * 32;
  const p = Math.pow(Math.max(e, 0), 1 / m2);
  return 10000 * Math.pow(Math.max(p - c1, 0) / (c2 - c3 * p), 1 / m1);
}

let lut: Float64Array | undefined;
const nitsLut = (): Float64Array => {
  if (!lut) {
    lut = new Float64Array(65536);
    for (let i = 0; i < 65536; i++) lut[i] = pqToNits(i / 65535);
  }
  return lut;
};

/** The filter that turns PQ Y'CbCr (BT.2020, limited) into what the meter reads. */
export const METER_FILTER = "zscale=min=2020_ncl:rin=limited:m=gbr:r=full,format=gbrp16le";
/** Pixel format the meter reads (conform's R'G'B' branch ends in it). */
export const METER_PIX_FMT = "gbrp16le";

export interface LightMeter {
  /** Where ffmpeg writes raw gbrp16le frames (`-f rawvideo <path>`). */
  path: string;
  /** Resolves with the levels once ffmpeg closes the pipe. */
  result: Promise<ClliBox & { frames: number }>;
  /** Unblocks the reader if ffmpeg died before opening the pipe; removes the FIFO. */
  dispose(): Promise<void>;
}

/** Creates a FIFO at `fifoPath` and starts reading `width`×`height` frames from it. */
export async function startLightMeter(fifoPath: string, width: number, height: number): Promise<LightMeter> {
  await exec("mkfifo", [fifoPath]);
  const frameBytes = width * height * 2 * 3;
  const table = nitsLut();
  const result = new Promise<ClliBox & { frames: number }>((resolve, reject) => {
    const frame = Buffer.alloc(frameBytes);
    let filled = 0;
    let frames = 0;
    let maxCll = 0;
    let maxFall = 0;
    const plane = width * height;
    const measure = () => {
      const px = new Uint16Array(frame.buffer, frame.byteOffset, plane * 3);
      let sum = 0;
      let frameMax = 0;
      for (let i = 0; i < plane; i++) {
        let c = px[i]!;
        const b = px[i + plane]!;
        const r = px[i + 2 * plane]!;
        if (b > c) c = b;
        if (r > c) c = r;
        if (c > frameMax) frameMax = c;
        sum += table[c]!;
      }
      maxCll = Math.max(maxCll, table[frameMax]!);
      maxFall = Math.max(maxFall, sum / plane);
      frames++;
    };
    const stream = fs.createReadStream(fifoPath, { highWaterMark: 1 << 20 });
    stream.on("data", (chunk: Buffer | string) => {
      const buf = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      for (let off = 0; off < buf.length; ) {
        const n = Math.min(buf.length - off, frameBytes - filled);
        buf.copy(frame, filled, off, off + n);
        filled += n;
        off += n;
        if (filled === frameBytes) {
          measure();
          filled = 0;
        }
      }
    });
    stream.on("error", reject);
    stream.on("end", () =>
      // Round up: the declared level must not be below what the content reaches.
      resolve({ maxCLL: Math.ceil(maxCll - 1e-6), maxFALL: Math.ceil(maxFall - 1e-6), frames }),
    );
  });
  result.catch(() => undefined);
  return {
    path: fifoPath,
    result,
    dispose: async () => {
      try {
        // If ffmpeg never opened the FIFO, the reader is still blocked in open(): open the
        // writing end ourselves (non-blocking) and close it, which ends the stream.
        const fd = fs.openSync(fifoPath, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
        fs.closeSync(fd);
      } catch {
        // ENXIO: no reader waiting (it already finished) — nothing to unblock.
      }
      await fs.promises.rm(fifoPath, { force: true });
    },
  };
}
