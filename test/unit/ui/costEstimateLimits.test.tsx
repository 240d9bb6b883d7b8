import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import type { CostEstimate as CostEstimateT } from "../../../src/core/schemas/index.js";
import { CostEstimate } from "../../../src/ui/components/CostEstimate.js";

/**
 * The cost line under the Draft button in team mode: the editor reads the admin's limit that
 * binds them (the one with least left) before pressing Generate, or the refusal that creation
 * would give (the button is disabled on a refusal: DraftButton).
 */

const base: CostEstimateT = {
  provider: "luma",
  model: "ray-3.2",
  perTake: { usd: 0.15, estimated: true },
  total: { usd: 0.15, estimated: true },
  budget: { jobUsd: 10, dailyCapUsd: 50, spentTodayUsd: 3.2, confirmAboveUsd: 2 },
  needsConfirmation: false,
};

function words(estimate: CostEstimateT): string {
  return renderToStaticMarkup(<CostEstimate state={{ status: "ready", estimate }} />).replace(/<[^>]+>/g, "").replace(/&#x27;/g, "'").replace(/&quot;/g, '"');
}

describe("the estimate's budget line", () => {
  it("names the admin's limit with the least left, with what is spent", () => {
    const text = words({
      ...base,
      budget: {
        ...base.budget,
        limits: [
          { scope: "studio", period: "month", limitUsd: 500, spentUsd: 480 },
          { scope: "project", name: "Trailer", period: "day", limitUsd: 100, spentUsd: 12.5 },
          { scope: "user", name: "ana", period: "day", limitUsd: 40, spentUsd: 0 },
        ],
      },
    });
    expect(text).toContain("today $3.20 of $50.00 · Studio monthly budget $500.00, $480.00 spent");
    expect(words({ ...base, budget: { ...base.budget, limits: [{ scope: "user", name: "ana", period: "day", limitUsd: 5, spentUsd: 0 }] } })).toContain("Your daily budget $5.00, $0.00 spent");
    expect(words({ ...base, budget: { ...base.budget, limits: [{ scope: "project", name: "Trailer", period: "month", limitUsd: 250, spentUsd: 249 }] } })).toContain('Project "Trailer" monthly budget $250.00, $249.00 spent');
  });

  it("shows the refusal before Generate instead, and nothing about limits in embedded mode", () => {
    const refusal = "The studio's monthly budget is $500.00; $499.90 is spent this month; this job would cost $0.15. Ask an admin to raise it, or wait for the next month (UTC).";
    const refused = words({ ...base, refusal, budget: { ...base.budget, limits: [{ scope: "studio", period: "month", limitUsd: 500, spentUsd: 499.9 }] } });
    expect(refused).toContain(refusal);
    expect(refused).not.toContain("Studio monthly budget $500.00, $499.90 spent");
    expect(words(base)).not.toMatch(/budget \$/);
  });
});
