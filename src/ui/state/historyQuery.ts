import type { HistoryQueryInput } from "../../core/schemas/index.js";

/**
 * The history view's search box and filters, as the editor set them, and what they become: the
 * query string of GET /v1/history, and the sentence shown when nothing matches.
 */

export interface HistoryFilters {
  /** Words to find in prompts, drawn notes and take notes. */
  q: string;
  /** A provider id, or "" for any. */
  provider: string;
  /** Only jobs with a take scoring at least this; null for any score. */
  minScore: number | null;
  /** UTC days, "YYYY-MM-DD", or "" for open-ended. */
  from: string;
  to: string;
  starredOnly: boolean;
}

export const EMPTY_HISTORY_FILTERS: HistoryFilters = { q: "", provider: "", minScore: null, from: "", to: "", starredOnly: false };

/** Jobs asked for per page; "Load more" asks for the next page. */
export const HISTORY_PAGE_SIZE = 30;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The query for one page: empty filters are left out; `before` is the previous page's `nextBefore`. */
export function historyQueryOf(filters: HistoryFilters, before?: string | null, limit = HISTORY_PAGE_SIZE): HistoryQueryInput {
  const q = filters.q.trim();
  return {
    ...(q ? { q: q.slice(0, 200) } : {}),
    ...(filters.provider ? { provider: filters.provider } : {}),
    ...(filters.minScore !== null && Number.isFinite(filters.minScore) ? { minScore: Math.min(100, Math.max(0, filters.minScore)) } : {}),
    ...(DAY.test(filters.from) ? { from: filters.from } : {}),
    ...(DAY.test(filters.to) ? { to: filters.to } : {}),
    ...(filters.starredOnly ? { starred: "true" as const } : {}),
    limit,
    ...(before ? { before } : {}),
  };
}

/** `?q=…&minScore=80…`, in a stable order. */
export function historySearchParams(query: HistoryQueryInput): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

export function filtersActive(filters: HistoryFilters): boolean {
  const q = historyQueryOf(filters);
  return Object.keys(q).some((k) => k !== "limit");
}

/** A day range that cannot match anything, said before asking the backend. */
export function dayRangeProblem(filters: HistoryFilters): string | null {
  if (DAY.test(filters.from) && DAY.test(filters.to) && filters.from > filters.to) return `The range starts (${filters.from}) after it ends (${filters.to}).`;
  return null;
}

/**
 * What an empty list says: with no filters, how the history fills up; with filters, what was
 * asked for, so the editor sees which one to loosen ("No jobs match 'dune' with score ≥ 80").
 */
export function historyEmptyMessage(filters: HistoryFilters, providerLabel: (id: string) => string = (id) => id): string {
  const query = historyQueryOf(filters);
  if (!filtersActive(filters)) return "No jobs yet. Every draft and final you send is kept here, with its takes, scores and costs.";
  const parts: string[] = [];
  if (query.provider) parts.push(`on ${providerLabel(query.provider)}`);
  if (query.minScore !== undefined) parts.push(`with score ≥ ${query.minScore}`);
  if (query.starred) parts.push("with a starred take");
  if (query.from && query.to) parts.push(query.from === query.to ? `on ${query.from}` : `from ${query.from} to ${query.to}`);
  else if (query.from) parts.push(`since ${query.from}`);
  else if (query.to) parts.push(`until ${query.to}`);
  const subject = query.q ? `No jobs match '${query.q}'` : "No jobs";
  return `${subject}${parts.length > 0 ? ` ${parts.join(", ")}` : ""}.`;
}
