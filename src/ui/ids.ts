let counter = 0;

/**
 * Ids for annotations. `crypto.randomUUID` exists only in secure contexts, and a UXP webview
 * loading plugin:/ content may not count as one, so fall back to time + counter + randomness.
 */
export function newAnnotationId(): string {
  const c = globalThis.crypto as Crypto | undefined;
  if (c && typeof c.randomUUID === "function") {
    try {
      return `a-${c.randomUUID()}`;
    } catch {
      // not a secure context: fall through
    }
  }
  counter += 1;
  return `a-${Date.now().toString(36)}-${counter.toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
