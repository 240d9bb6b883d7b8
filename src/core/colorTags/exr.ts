/**
 * OpenEXR header reading: `name\0 type\0 int32le size value` attributes after the 8-byte
 * magic+version, ended by an empty name. Only the attributes that decide color handling are
 * read; everything else (a large `preview`, custom metadata) is skipped by offset, unread.
 *
 * This module only gathers facts; readColorTags/verdict decide what they mean.
 */
import { type ByteSource, latin1, utf8, viewOf } from "./byteSource.js";

export const EXR_MAGIC = [0x76, 0x2f, 0x31, 0x01] as const;

export const looksLikeExr = (head: Uint8Array): boolean =>
  head.length >= 4 && EXR_MAGIC.every((b, i) => head[i] === b);

/** Long attribute names are limited to 255 bytes by the format. */
const MAX_NAME_BYTES = 255;
/** Real headers have a few dozen attributes. */
const MAX_ATTRIBUTES = 4096;
/** A chlist of 1000 channels is ~30 KB; anything far beyond that is not a picture we deliver. */
const MAX_CHLIST_BYTES = 256 * 1024;
const MAX_CHANNELS = 4096;

export const EXR_COMPRESSION = ["none", "rle", "zips", "zip", "piz", "pxr24", "b44", "b44a", "dwaa", "dwab"] as const;
const PIXEL_TYPES = ["uint", "half", "float"] as const;

export interface ExrFacts {
  /** Channel name → pixel type: `uint`, `half` or `float`. */
  channels?: Record<string, string>;
  compression?: string;
  /** True when the compression code is outside the format's list. */
  compressionUnknown?: boolean;
  chromaticities?: number[];
  acesImageContainerFlag?: number;
  dataWindow?: [number, number, number, number];
  /** Sentences for structural failures: truncation, damage, oversized attributes. */
  failures: string[];
}

/** Reads the first (or only) part's header. */
export async function readExrFacts(src: ByteSource): Promise<ExrFacts> {
  const facts: ExrFacts = { failures: [] };
  let pos = 8; // magic (4) + version/flags (4)
  for (let count = 0; ; count++) {
    if (count >= MAX_ATTRIBUTES) {
      facts.failures.push(
        `Its header has more than ${MAX_ATTRIBUTES} attributes, which no real EXR has; the file is damaged and Premiere will likely fail to open it.`,
      );
      return facts;
    }
    const name = await cString(src, pos);
    if (name === null) return truncated(facts);
    if (name.bytes.length === 0) break; // end of header
    pos = name.next;
    const type = await cString(src, pos);
    if (type === null || type.bytes.length === 0) return truncated(facts);
    pos = type.next;
    const sizeBytes = await src.need(pos, 4);
    if (!sizeBytes) return truncated(facts);
    const size = viewOf(sizeBytes).getInt32(0, true);
    pos += 4;
    if (size < 0 || pos + size > src.size) return truncated(facts);
    await readAttribute(src, facts, latin1(name.bytes), latin1(type.bytes), pos, size);
    pos += size;
  }
  const missing = (["channels", "compression", "dataWindow"] as const).filter((k) => facts[k] === undefined);
  if (missing.length > 0 && facts.failures.length === 0) {
    facts.failures.push(
      `Its header lacks the required ${missing.join(", ")} attribute${missing.length > 1 ? "s" : ""}, so it is not a valid OpenEXR image; Premiere will fail to open it.`,
    );
  }
  return facts;
}

const truncated = (facts: ExrFacts): ExrFacts => {
  facts.failures.push(
    "Its OpenEXR header is truncated or damaged, so its channels and color attributes cannot be read; Premiere will fail to open it.",
  );
  return facts;
};

/** A NUL-terminated name of at most MAX_NAME_BYTES; null if cut off or too long. */
async function cString(src: ByteSource, pos: number): Promise<{ bytes: Uint8Array; next: number } | null> {
  const ahead = await src.peek(pos, MAX_NAME_BYTES + 1);
  const nul = ahead.indexOf(0);
  return nul < 0 ? null : { bytes: ahead.subarray(0, nul), next: pos + nul + 1 };
}

async function readAttribute(
  src: ByteSource,
  facts: ExrFacts,
  name: string,
  type: string,
  at: number,
  size: number,
): Promise<void> {
  const bad = () =>
    facts.failures.push(
      `Its '${name}' attribute is malformed (type ${type}, ${size} bytes), so the file is damaged; Premiere may misread or refuse it.`,
    );
  if (name === "channels") {
    if (type !== "chlist") return void bad();
    if (size > MAX_CHLIST_BYTES) {
      facts.failures.push(
        `Its channel list is ${size} bytes, far more than any picture Retake handles; Retake did not read it, and Premiere may not open the file.`,
      );
      return;
    }
    const bytes = await src.need(at, size);
    const channels = bytes && parseChannels(bytes);
    if (!channels) return void bad();
    facts.channels = channels;
  } else if (name === "compression") {
    const bytes = type === "compression" && size === 1 ? await src.need(at, 1) : null;
    if (!bytes) return void bad();
    const code = bytes[0] ?? 0;
    facts.compression = EXR_COMPRESSION[code] ?? `unknown(${code})`;
    if (code >= EXR_COMPRESSION.length) facts.compressionUnknown = true;
  } else if (name === "chromaticities") {
    const bytes = type === "chromaticities" && size === 32 ? await src.need(at, 32) : null;
    if (!bytes) return void bad();
    const v = viewOf(bytes);
    const xy = Array.from({ length: 8 }, (_, i) => v.getFloat32(i * 4, true));
    if (!xy.every(Number.isFinite)) return void bad();
    // Stored as float32: show the value that was meant (0.7347, not 0.734700024127960205).
    facts.chromaticities = xy.map((n) => Number(n.toPrecision(7)));
  } else if (name === "acesImageContainerFlag") {
    const bytes = type === "int" && size === 4 ? await src.need(at, 4) : null;
    if (!bytes) return void bad();
    facts.acesImageContainerFlag = viewOf(bytes).getInt32(0, true);
  } else if (name === "dataWindow") {
    const bytes = type === "box2i" && size === 16 ? await src.need(at, 16) : null;
    if (!bytes) return void bad();
    const v = viewOf(bytes);
    facts.dataWindow = [v.getInt32(0, true), v.getInt32(4, true), v.getInt32(8, true), v.getInt32(12, true)];
  }
}

/** chlist: repeated `name\0 int32 pixelType, u8 pLinear, 3 reserved, int32 xSampling, int32 ySampling`, then `\0`. */
function parseChannels(bytes: Uint8Array): Record<string, string> | null {
  const v = viewOf(bytes);
  const channels: Record<string, string> = {};
  let p = 0;
  for (let n = 0; n <= MAX_CHANNELS; n++) {
    if (p >= bytes.length) return null; // no terminating empty name
    const nul = bytes.indexOf(0, p);
    if (nul < 0 || nul - p > MAX_NAME_BYTES) return null;
    if (nul === p) return channels;
    const name = utf8(bytes.subarray(p, nul));
    p = nul + 1;
    if (p + 16 > bytes.length) return null;
    const pixelType = PIXEL_TYPES[v.getInt32(p, true)];
    if (!pixelType) return null; // only uint, half and float exist
    p += 16;
    // defineProperty, not assignment: a channel called "__proto__" must stay a plain key.
    Object.defineProperty(channels, name, { value: pixelType, enumerable: true, writable: true, configurable: true });
  }
  return null;
}
