/**
 * Adds or replaces attributes in an OpenEXR file's header, keeping its pixels byte for byte.
 * ffmpeg's EXR encoder writes no `chromaticities`; this is how conform labels its frames AP0
 * without another tool (it replaces OpenEXR's `exrstdattr`).
 *
 * Layout (OpenEXR "File Layout"): magic, 4-byte version/flags, attributes as
 * `name\0 type\0 int32le size value`, an empty name, then the line offset table (one u64
 * absolute file offset per chunk), then the chunks. A longer header moves every chunk by the
 * same number of bytes, so each offset is shifted by it. Only single-part scanline files are
 * edited (what ffmpeg writes); tiled, deep and multi-part files are refused.
 */
import fs from "node:fs/promises";
import { EXR_COMPRESSION } from "../../core/colorTags/exr.js";

export type ExrAttribute =
  | { name: string; type: "chromaticities"; value: readonly number[] }
  | { name: string; type: "int"; value: number };

/** ACES AP0 (SMPTE ST 2065-1): red, green, blue, white x,y. */
export const AP0_CHROMATICITIES = [0.7347, 0.2653, 0.0, 1.0, 0.0001, -0.077, 0.32168, 0.33767] as const;

/** Scanlines per chunk for each compression (OpenEXR "File Layout", line offset table). */
const LINES_PER_CHUNK: Record<string, number> = { none: 1, rle: 1, zips: 1, zip: 16, piz: 32, pxr24: 16, b44: 32, b44a: 32, dwaa: 32, dwab: 256 };

const TILED = 0x200;
const NON_IMAGE = 0x800;
const MULTI_PART = 0x1000;

export class ExrHeaderError extends Error {
  override readonly name = "ExrHeaderError";
}

/** The file's bytes with `attributes` set (replacing any of the same name). */
export function withExrAttributes(file: Buffer, attributes: readonly ExrAttribute[]): Buffer {
  if (file.length < 8 || file.readUInt32LE(0) !== 20000630) throw new ExrHeaderError("Not an OpenEXR file.");
  const flags = file.readUInt32LE(4);
  if (flags & (TILED | NON_IMAGE | MULTI_PART)) throw new ExrHeaderError("Only single-part scanline OpenEXR files can be relabelled.");
  const kept: Buffer[] = [];
  let compression: string | undefined;
  let yRange: [number, number] | undefined;
  let p = 8;
  for (;;) {
    if (p >= file.length) throw new ExrHeaderError("The OpenEXR header is truncated.");
    if (file[p] === 0) break;
    const nameEnd = file.indexOf(0, p);
    const typeEnd = nameEnd < 0 ? -1 : file.indexOf(0, nameEnd + 1);
    if (typeEnd < 0 || typeEnd + 5 > file.length) throw new ExrHeaderError("The OpenEXR header is truncated.");
    const name = file.toString("latin1", p, nameEnd);
    const size = file.readInt32LE(typeEnd + 1);
    const end = typeEnd + 5 + size;
    if (size < 0 || end > file.length) throw new ExrHeaderError(`The OpenEXR attribute '${name}' is damaged.`);
    const value = typeEnd + 5;
    if (name === "compression") compression = EXR_COMPRESSION[file[value] ?? 255];
    if (name === "dataWindow" && size === 16) yRange = [file.readInt32LE(value + 4), file.readInt32LE(value + 12)];
    if (!attributes.some((a) => a.name === name)) kept.push(file.subarray(p, end));
    p = end;
  }
  const headerEnd = p + 1; // past the empty name
  const linesPerChunk = compression && LINES_PER_CHUNK[compression];
  if (!linesPerChunk || !yRange || yRange[1] < yRange[0]) throw new ExrHeaderError("The OpenEXR header lacks a usable compression or dataWindow.");
  const chunks = Math.ceil((yRange[1] - yRange[0] + 1) / linesPerChunk);
  if (headerEnd + chunks * 8 > file.length) throw new ExrHeaderError("The OpenEXR line offset table is truncated.");

  const header = Buffer.concat([file.subarray(0, 8), ...kept, ...attributes.map(encode), Buffer.alloc(1)]);
  const shift = BigInt(header.length - headerEnd);
  const table = Buffer.from(file.subarray(headerEnd, headerEnd + chunks * 8));
  for (let i = 0; i < chunks; i++) table.writeBigUInt64LE(table.readBigUInt64LE(i * 8) + shift, i * 8);
  return Buffer.concat([header, table, file.subarray(headerEnd + chunks * 8)]);
}

function encode(a: ExrAttribute): Buffer {
  const value = Buffer.alloc(a.type === "chromaticities" ? 32 : 4);
  if (a.type === "chromaticities") {
    if (a.value.length !== 8) throw new ExrHeaderError("chromaticities needs 8 numbers.");
    a.value.forEach((n, i) => value.writeFloatLE(n, i * 4));
  } else {
    value.writeInt32LE(a.value, 0);
  }
  const size = Buffer.alloc(4);
  size.writeInt32LE(value.length, 0);
  return Buffer.concat([Buffer.from(`${a.name}\0${a.type}\0`, "latin1"), size, value]);
}

/** Writes `output` as `input` with the attributes set (input and output may be the same path). */
export async function writeExrAttributes(input: string, output: string, attributes: readonly ExrAttribute[]): Promise<void> {
  const next = withExrAttributes(await fs.readFile(input), attributes);
  await fs.writeFile(output, next);
}
