/**
 * UTF-8 by hand: UXP has no TextDecoder (and TextEncoder is not promised either), and secrets,
 * multipart headers and XMP all cross between strings and bytes.
 */
export function utf8Encode(text: string): Uint8Array {
  const out: number[] = [];
  for (const char of text) {
    const cp = char.codePointAt(0)!;
    if (cp < 0x80) out.push(cp);
    else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
    else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
    else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
  }
  return Uint8Array.from(out);
}

/** Decodes UTF-8; malformed sequences become U+FFFD rather than throwing. */
export function utf8Decode(bytes: Uint8Array): string {
  let out = "";
  let i = 0;
  while (i < bytes.length) {
    const b0 = bytes[i]!;
    let cp = 0xfffd;
    let need = 0;
    if (b0 < 0x80) cp = b0;
    else if (b0 >= 0xc2 && b0 < 0xe0) (need = 1), (cp = b0 & 0x1f);
    else if (b0 >= 0xe0 && b0 < 0xf0) (need = 2), (cp = b0 & 0x0f);
    else if (b0 >= 0xf0 && b0 < 0xf5) (need = 3), (cp = b0 & 0x07);
    let ok = i + need < bytes.length || need === 0;
    for (let k = 1; ok && k <= need; k++) {
      const b = bytes[i + k]!;
      if ((b & 0xc0) !== 0x80) ok = false;
      else cp = (cp << 6) | (b & 0x3f);
    }
    if (!ok || (need > 0 && (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)))) {
      out += "\ufffd";
      i += 1;
      continue;
    }
    out += String.fromCodePoint(cp);
    i += need + 1;
  }
  return out;
}

/** Concatenates byte chunks into one ArrayBuffer (UXP's fetch and fs want ArrayBuffers). */
export function concatBytes(chunks: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(new ArrayBuffer(total));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/** An ArrayBuffer holding exactly the view's bytes (a view may sit inside a larger buffer). */
export function exactBuffer(view: Uint8Array): ArrayBuffer {
  if (view.byteOffset === 0 && view.byteLength === view.buffer.byteLength && view.buffer instanceof ArrayBuffer) return view.buffer;
  return view.slice().buffer as ArrayBuffer;
}
