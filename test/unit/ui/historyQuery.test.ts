import { describe, expect, it } from "vitest";
import { HistoryQuery } from "../../../src/core/schemas/index.js";
import { EMPTY_HISTORY_FILTERS, dayRangeProblem, historyEmptyMessage, historyQueryOf, historySearchParams } from "../../../src/ui/state/historyQuery.js";

const filters = (patch: Partial<typeof EMPTY_HISTORY_FILTERS>) => ({ ...EMPTY_HISTORY_FILTERS, ...patch });

describe("history search and filters", () => {
  it("sends only the filters that are set, in a query the backend's schema accepts", () => {
    expect(historyQueryOf(EMPTY_HISTORY_FILTERS)).toEqual({ limit: 30 });
    const query = historyQueryOf(filters({ q: "  dune ", provider: "luma", minScore: 80, from: "2026-01-01", to: "2026-01-31", starredOnly: true }), "2026-01-20T10:00:00.000Z|job-1");
    expect(query).toEqual({ q: "dune", provider: "luma", minScore: 80, from: "2026-01-01", to: "2026-01-31", starred: "true", limit: 30, before: "2026-01-20T10:00:00.000Z|job-1" });
    const search = historySearchParams(query);
    expect(search).toBe("?q=dune&provider=luma&minScore=80&from=2026-01-01&to=2026-01-31&starred=true&limit=30&before=2026-01-20T10%3A00%3A00.000Z%7Cjob-1");
    // What the backend will parse from that string:
    const parsed = HistoryQuery.parse(Object.fromEntries(new URLSearchParams(search)));
    expect(parsed).toMatchObject({ q: "dune", minScore: 80, starred: true, limit: 30, before: "2026-01-20T10:00:00.000Z|job-1" });
  });

  it("leaves out a half-typed day and clamps the score", () => {
    expect(historyQueryOf(filters({ from: "2026-01", minScore: 140 }))).toEqual({ minScore: 100, limit: 30 });
  });

  it("says what was asked for when nothing matches", () => {
    expect(historyEmptyMessage(filters({ q: "dune", minScore: 80 }))).toBe("No jobs match 'dune' with score ≥ 80.");
    expect(historyEmptyMessage(filters({ provider: "luma", starredOnly: true }), (id) => (id === "luma" ? "Luma" : id))).toBe(
      "No jobs on Luma, with a starred take.",
    );
    expect(historyEmptyMessage(filters({ from: "2026-01-01", to: "2026-01-01" }))).toBe("No jobs on 2026-01-01.");
    expect(historyEmptyMessage(filters({ from: "2026-01-01" }))).toBe("No jobs since 2026-01-01.");
    expect(historyEmptyMessage(EMPTY_HISTORY_FILTERS)).toMatch(/^No jobs yet\./);
  });

  it("catches a day range that ends before it starts", () => {
    expect(dayRangeProblem(filters({ from: "2026-02-01", to: "2026-01-01" }))).toBe("The range starts (2026-02-01) after it ends (2026-01-01).");
    expect(dayRangeProblem(filters({ from: "2026-01-01", to: "2026-02-01" }))).toBeNull();
  });
});
