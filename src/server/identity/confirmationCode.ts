import crypto from "node:crypto";

/**
 * The short code a sign-in shows in the panel and on every browser page of that sign-in (before
 * the identity provider and after it), so an editor who was sent someone else's sign-in link
 * sees that their panel does not show it, and stops: without it, anyone could start a pairing,
 * send its link to a colleague, and claim the colleague's token.
 *
 * Derived from the pairing code (which stays secret: eight characters, about 40 bits, from its SHA-256 say nothing usable
 * about it), so no column holds it and every API process computes the same one. Letters and
 * digits that cannot be misread for each other (no 0/O, 1/I/L).
 */
const ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";

export function confirmationCode(pairingCode: string): string {
  const digest = crypto.createHash("sha256").update(`retake-sign-in-confirmation:${pairingCode}`, "utf8").digest();
  let out = "";
  for (let i = 0; i < 8; i++) out += ALPHABET[digest[i]! % ALPHABET.length];
  return `${out.slice(0, 4)}-${out.slice(4)}`;
}
