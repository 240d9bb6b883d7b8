/**
 * MaxCLL / MaxFALL (CTA-861.3) measured from the picture itself, not declared: every frame of
 * the PQ master is handed to us as max(R', G', B') of full-range PQ R'G'B' at 16 bits through a
 * FIFO while ffmpeg encodes, so measuring costs no second decode. PQ is monotonic, so a pixel's
 * light level max(R, G, B) in cd/m² is the PQ EOTF of its largest code; MaxCLL is the largest
 * over the clip and MaxFALL the largest frame average of those levels.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
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

/**
 * From full-range PQ R'G'B' (gbrp16le) to what the meter reads: one 16-bit plane holding
 * max(R', G', B') per pixel, made by ffmpeg (blend lighten is a per-pixel max), so a third of
 * the bytes cross the pipe and the meter does one table lookup per pixel.
 */
export const METER_TAIL = "extractplanes=g+b+r[mg][mb][mr];[mg][mb]blend=all_mode=lighten[mgb];[mgb][mr]blend=all_mode=lighten,format=gray16le";
/** The filter that turns PQ Y'CbCr (BT.2020, limited) into what the meter reads. */
export const METER_FILTER = `zscale=min=2020_ncl:rin=limited:m=gbr:r=full,format=gbrp16le,${METER_TAIL}`;
/** Pixel format conform's R'G'B' branch ends in, before METER_TAIL. */
export const METER_PIX_FMT = "gbrp16le";

export interface LightMeter {
  /** Where ffmpeg writes raw gbrp16le frames (`-f rawvideo <path>`). */
  path: string;
  /** Resolves with the levels once ffmpeg has closed the pipe and `finish()` was called. */
  result: Promise<ClliBox & { frames: number }>;
  /** Call when ffmpeg has exited: releases our own write end so the reader sees the end. */
  finish(): void;
  /** Closes everything and removes the FIFO. */
  dispose(): Promise<void>;
}

/**
 * Creates a FIFO at `fifoPath` and starts reading `width`×`height` frames from it.
 *
 * The FIFO is read through a net.Socket (epoll), not fs.createReadStream: a FIFO hands out at
 * most 64 KB per read, and 1.5 GB of 1080p frames through the fs thread pool cost ~20 s where
 * the socket costs well under one. We hold a write end open ourselves until `finish()`, so
 * the socket does not see end-of-file before ffmpeg has opened the pipe.
 */
export async function startLightMeter(fifoPath: string, width: number, height: number): Promise<LightMeter> {
  await exec("mkfifo", [fifoPath]);
  const frameBytes = width * height * 2;
  const table = nitsLut();
  const readFd = fs.openSync(fifoPath, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  let holdFd: number | undefined = fs.openSync(fifoPath, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
  const socket = new net.Socket({ fd: readFd, readable: true, writable: false });
  const result = new Promise<ClliBox & { frames: number }>((resolve, reject) => {
    const frame = Buffer.alloc(frameBytes);
    let filled = 0;
    let frames = 0;
    let maxCll = 0;
    let maxFall = 0;
    const plane = width * height;
    const px = new Uint16Array(frame.buffer, frame.byteOffset, plane);
    const measure = () => {
      let sum = 0;
      let frameMax = 0;
      for (let i = 0; i < plane; i++) {
        const c = px[i]!;
        if (c > frameMax) frameMax = c;
        sum += table[c]!;
      }
      maxCll = Math.max(maxCll, table[frameMax]!);
      maxFall = Math.max(maxFall, sum / plane);
      frames++;
    };
    socket.on("data", (buf: Buffer) => {
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
    socket.on("error", reject);
    socket.on("end", () =>
      // Round up: the declared level must not be below what the content reaches.
      resolve({ maxCLL: Math.ceil(maxCll - 1e-6), maxFALL: Math.ceil(maxFall - 1e-6), frames }),
    );
  });
  result.catch(() => undefined);
  const release = () => {
    if (holdFd !== undefined) {
      fs.closeSync(holdFd);
      holdFd = undefined;
    }
  };
  return {
    path: fifoPath,
    result,
    finish: release,
    dispose: async () => {
      release();
      socket.destroy();
      await fs.promises.rm(fifoPath, { force: true });
    },
  };
}
