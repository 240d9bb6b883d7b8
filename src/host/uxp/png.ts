const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** The IEND chunk every complete PNG ends with: length 0, type "IEND", its CRC. */
const IEND = [0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82];

/** PNG width and height from the IHDR chunk (the exporter may not honour the size asked for). */
export function pngSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  if (bytes.length < 24 || !SIGNATURE.every((b, i) => bytes[i] === b)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/** True when the bytes are a whole PNG: the signature first and the IEND chunk last (a render still being written fails this). */
export function isCompletePng(bytes: Uint8Array): boolean {
  if (pngSize(bytes) === undefined || bytes.length < SIGNATURE.length + IEND.length) return false;
  const tail = bytes.length - IEND.length;
  return IEND.every((b, i) => bytes[tail + i] === b);
}
