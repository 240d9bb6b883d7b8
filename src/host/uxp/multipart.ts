import { concatBytes, utf8Encode } from "./bytes.js";

/**
 * A multipart/form-data body built by hand as bytes. UXP's FormData is declared but whether its
 * fetch serialises a binary part correctly is unproven (see docs/premiere.md, live checks), and an
 * ArrayBuffer body is the one form UXP documents for binary uploads.
 */
export type MultipartPart =
  | { name: string; value: string }
  | { name: string; fileName: string; contentType: string; bytes: Uint8Array };

export function buildMultipart(parts: MultipartPart[], boundary = randomBoundary()): { body: ArrayBuffer; contentType: string } {
  const chunks: Uint8Array[] = [];
  for (const part of parts) {
    const disposition =
      "bytes" in part
        ? `Content-Disposition: form-data; name="${quote(part.name)}"; filename="${quote(part.fileName)}"\r\nContent-Type: ${part.contentType}`
        : `Content-Disposition: form-data; name="${quote(part.name)}"`;
    chunks.push(utf8Encode(`--${boundary}\r\n${disposition}\r\n\r\n`));
    chunks.push("bytes" in part ? part.bytes : utf8Encode(part.value));
    chunks.push(utf8Encode("\r\n"));
  }
  chunks.push(utf8Encode(`--${boundary}--\r\n`));
  return { body: concatBytes(chunks).buffer, contentType: `multipart/form-data; boundary=${boundary}` };
}

function quote(value: string): string {
  return value.replace(/["\r\n\\]/g, "_");
}

function randomBoundary(): string {
  let s = "RetakeBoundary";
  for (let i = 0; i < 24; i++) s += "abcdefghijklmnopqrstuvwxyz0123456789"[Math.floor(Math.random() * 36)];
  return s;
}
