/**
 * The judge (issue 20): latency and cost per take. STAND-IN FIGURES: the service is msw playing
 * Gemini's documented generateContent contract with a recorded answer (test/fixtures/judge), so
 * the latency is Retake's own share (frames with ffmpeg, request, validation) plus the stand-in's
 * simulated model time, and the cost is the price table times the stand-in's usage — not a real
 * model's. The upper-bound estimate per take is what the budget checks before judging.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { setupServer } from "msw/node";
import { compileDirection } from "../../src/core/direction/index.js";
import { GeminiJudge } from "../../src/server/critic/judge/geminiJudge.js";
import { GEMINI_PRICES } from "../../src/server/critic/judge/judgePrices.js";
import { estimateJudgeUsd, runJudge } from "../../src/server/critic/judge/runJudge.js";
import { GEMINI_TEST_BASE, GEMINI_TEST_KEY, geminiHandlers } from "../../test/helpers/geminiStandIn.js";
import { buildLabelledSet, LABELLED_SET } from "../../test/helpers/judgeLabelledSet.js";
import type { Report } from "../bench.js";

/** The stand-in answers at once, so the latency printed is Retake's own share. */
const STAND_IN_MODEL_MS = 0; // none: the figure is Retake's own share

export async function run(report: Report): Promise<void> {
  const answers = JSON.parse(fs.readFileSync("test/fixtures/judge/answers.json", "utf8")) as Record<string, { prompt: string; response: unknown }>;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-bench-judge-"));
  const server = setupServer();
  server.listen({ onUnhandledRequest: "error" });
  try {
    const files = buildLabelledSet(dir);
    const judge = new GeminiJudge({ apiKey: GEMINI_TEST_KEY, baseUrl: GEMINI_TEST_BASE });
    const estimate = estimateJudgeUsd(judge, { width: 1920, height: 1080, withStartFrame: true });
    report("judge estimate per take, upper bound (gemini-2.5-flash)", `$${estimate.usd.toFixed(4)}`, `${estimate.usage.inputTokens} in + ${estimate.usage.outputTokens} out tokens; prices of ${GEMINI_PRICES.pricing.takenOn}, unconfirmed`);
    const latencies: number[] = [];
    const costs: number[] = [];
    for (const clip of LABELLED_SET) {
      server.resetHandlers(...geminiHandlers([{ json: answers[clip.name]!.response, delayMs: STAND_IN_MODEL_MS }]));
      const direction = compileDirection({ prompt: answers[clip.name]!.prompt, annotations: [], duration: 3 }, { frameSize: { width: 640, height: 480 } });
      const out = await runJudge({ judge, clip: files[clip.name]!, direction, roomUsd: 1 });
      if (out.state !== "judged") throw new Error(`${clip.name}: ${out.error?.message}`);
      latencies.push(out.latencyMs);
      costs.push(out.cost.usd);
    }
    latencies.sort((a, b) => a - b);
    const median = latencies[Math.floor(latencies.length / 2)]!;
    report("judge latency per take, Retake's share (STAND-IN, median of 5)", `${median} ms`, "frames (6, ffmpeg) + request + validation; a real model adds its own time");
    report("judge latency per take, worst of 5 (STAND-IN)", `${latencies.at(-1)} ms`, "");
    report("judge cost per take, counted from usage (STAND-IN usage)", `$${(costs.reduce((s, c) => s + c, 0) / costs.length).toFixed(4)}`, "recorded answers: 2322 in, 540 out tokens");
  } finally {
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
