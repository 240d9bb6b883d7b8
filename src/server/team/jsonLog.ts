/**
 * Structured logs for team mode: one JSON object per line on stdout, which any log shipper
 * (journald, Docker, Loki, CloudWatch) takes as is. Secrets never reach them: URLs lose any
 * `token=` (EventSource and <video> URLs carry the editor's token there) and database URLs their
 * password.
 */
export type LogFields = Record<string, unknown> & { msg: string };

export type JsonLog = (fields: LogFields) => void;

export function jsonLog(base: Record<string, unknown>, write: (line: string) => void = (line) => process.stdout.write(line)): JsonLog {
  return (fields) => {
    write(`${JSON.stringify({ time: new Date().toISOString(), ...base, ...fields })}\n`);
  };
}

/** A request URL for the log: the path, and the query without `token` (and signed-link signatures). */
export function loggableUrl(url: string): string {
  const [pathname, query] = url.split("?", 2) as [string, string | undefined];
  if (!query) return pathname;
  const params = new URLSearchParams(query);
  for (const key of [...params.keys()]) if (/^(token|sig|signature|access_token)$/i.test(key)) params.set(key, "redacted");
  const kept = params.toString();
  return kept ? `${pathname}?${kept}` : pathname;
}

/** A database URL for messages: without its password. */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparseable URL)";
  }
}
