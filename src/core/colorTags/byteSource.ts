/**
 * Bounded, cached access to a file through a ranged-read callback.
 *
 * The reader never holds a whole file: it asks for small windows (box headers, an EXR header)
 * and exactly one larger range (the `moov` box, capped by the caller). Every request is clamped
 * to the declared file size, so a hostile size field can never make us allocate more than the
 * caller allowed.
 */

/** Reads `length` bytes at `offset`; may return fewer at end of file. */
export type RangedRead = (offset: number, length: number) => Promise<Uint8Array>;

const EMPTY = new Uint8Array(0);

export class ByteSource {
  private windowStart = 0;
  private window: Uint8Array = EMPTY;

  constructor(
    private readonly readFn: RangedRead,
    /** Declared size of the file; nothing at or past it is ever requested. */
    readonly size: number,
    /** Read-ahead for small peeks, so a run of box headers costs one call, not one each. */
    private readonly readAhead: number,
  ) {}

  /**
   * Up to `length` bytes at `offset` (fewer at end of file or if the callback returns short).
   * Small requests are served from, or fill, a cached read-ahead window.
   */
  async peek(offset: number, length: number): Promise<Uint8Array> {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset >= this.size) return EMPTY;
    if (!Number.isSafeInteger(length) || length <= 0) return EMPTY;
    const wanted = Math.min(length, this.size - offset);
    const cachedFrom = offset - this.windowStart;
    if (cachedFrom >= 0 && cachedFrom + wanted <= this.window.length) {
      return this.window.subarray(cachedFrom, cachedFrom + wanted);
    }
    if (wanted > this.readAhead) return this.exact(offset, wanted);
    this.window = await this.exact(offset, Math.min(this.readAhead, this.size - offset));
    this.windowStart = offset;
    return this.window.subarray(0, Math.min(wanted, this.window.length));
  }

  /** Exactly `length` bytes at `offset`, or null if the file is shorter than that. */
  async need(offset: number, length: number): Promise<Uint8Array | null> {
    const got = await this.peek(offset, length);
    return got.length === length ? got : null;
  }

  /** One uncached read, clamped to the file size and trimmed if the callback over-delivers. */
  private async exact(offset: number, length: number): Promise<Uint8Array> {
    const clamped = Math.min(length, this.size - offset);
    if (clamped <= 0) return EMPTY;
    const got: unknown = await this.readFn(offset, clamped);
    // isView, not instanceof: a buffer from another realm (UXP, a webview) is still bytes.
    if (!ArrayBuffer.isView(got)) return EMPTY;
    const bytes = new Uint8Array(got.buffer, got.byteOffset, Math.min(got.byteLength, clamped));
    return bytes;
  }
}

export const viewOf = (bytes: Uint8Array): DataView =>
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** Four bytes as a four-character code; bytes are shown as Latin-1 so nothing is lost. */
export const fourcc = (v: DataView, at: number): string =>
  String.fromCharCode(v.getUint8(at), v.getUint8(at + 1), v.getUint8(at + 2), v.getUint8(at + 3));

/** Latin-1 decode, for ASCII identifiers (attribute names and types). */
export const latin1 = (bytes: Uint8Array): string => {
  let out = "";
  for (const b of bytes) out += String.fromCharCode(b);
  return out;
};

/**
 * UTF-8 decode with U+FFFD for anything invalid. UXP has no TextDecoder, and EXR channel names
 * are UTF-8, so core carries its own (small and strict: no overlongs, no surrogates).
 */
export const utf8 = (b: Uint8Array): string => {
  const cont = (i: number) => i < b.length && ((b[i] ?? 0) & 0xc0) === 0x80;
  const at = (i: number) => (b[i] ?? 0) & 0x3f;
  let out = "";
  for (let i = 0; i < b.length; ) {
    const c = b[i] ?? 0;
    let cp = 0xfffd;
    let n = 1;
    if (c < 0x80) {
      cp = c;
    } else if (c >= 0xc2 && c < 0xe0 && cont(i + 1)) {
      cp = ((c & 0x1f) << 6) | at(i + 1);
      n = 2;
    } else if (c >= 0xe0 && c < 0xf0 && cont(i + 1) && cont(i + 2)) {
      const v = ((c & 0x0f) << 12) | (at(i + 1) << 6) | at(i + 2);
      if (v >= 0x800 && (v < 0xd800 || v > 0xdfff)) {
        cp = v;
        n = 3;
      }
    } else if (c >= 0xf0 && c < 0xf5 && cont(i + 1) && cont(i + 2) && cont(i + 3)) {
      const v = ((c & 0x07) << 18) | (at(i + 1) << 12) | (at(i + 2) << 6) | at(i + 3);
      if (v >= 0x10000 && v <= 0x10ffff) {
        cp = v;
        n = 4;
      }
    }
    out += String.fromCodePoint(cp);
    i += n;
  }
  return out;
};
