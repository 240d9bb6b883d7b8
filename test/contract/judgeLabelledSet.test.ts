import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { setupServer } from "msw/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileDirection } from "../../src/core/direction/index.js";
import { critiqueClip } from "../../src/server/critic/analyseClip.js";
import type { Critique } from "../../src/server/critic/critiqueSchema.js";
import { GeminiJudge } from "../../src/server/critic/judge/geminiJudge.js";
import { runJudge } from "../../src/server/critic/judge/runJudge.js";
import { foldJudge } from "../../src/server/critic/score.js";
import { GEMINI_TEST_BASE, GEMINI_TEST_KEY, geminiHandlers, type GeminiCall } from "../helpers/geminiStandIn.js";
import { buildLabelledSet, LABELLED_SET, meanAbsDiff, regionGrey } from "../helpers/judgeLabelledSet.js";

/**
 * The labelled set end to end: real footage, artefacts made by editing it with ffmpeg, the real
 * critic's measurements, the judge's request built from the real frames, and a recorded answer
 * per clip (test/fixtures/judge/answers.json, hand-written in Gemini's documented shape). Proves
 * the wiring — the edit is in the file, the frames go out, the answer comes back as findings at
 * the frames' times and lowers the score of the edited clip below its clean source — not the
 * quality of any model.
 */

const answers = JSON.parse(fs.readFileSync("test/fixtures/judge/answers.json", "utf8")) as Record<string, { prompt: string; response: unknown }>;
const server = setupServer();
let files: Record<string, string>;
const results = new Map<string, { measured: Critique; folded: Critique; calls: GeminiCall[] }>();

beforeAll(async () => {
  server.listen({ onUnhandledRequest: "error" });
  files = buildLabelledSet(fs.mkdtempSync(path.join(os.tmpdir(), "retake-judge-set-")));
  const judge = new GeminiJudge({ apiKey: GEMINI_TEST_KEY, baseUrl: GEMINI_TEST_BASE });
  for (const clip of LABELLED_SET) {
    const calls: GeminiCall[] = [];
    server.resetHandlers(...geminiHandlers([{ json: answers[clip.name]!.response }], calls));
    const direction = compileDirection({ prompt: answers[clip.name]!.prompt, annotations: [], duration: 3 }, { frameSize: { width: 640, height: 480 } });
    const measured = await critiqueClip(files[clip.name]!, { direction });
    const outcome = await runJudge({ judge, clip: files[clip.name]!, direction, roomUsd: 1 });
    results.set(clip.name, { measured, folded: foldJudge(measured, outcome), calls });
  }
});
afterAll(() => server.close());

describe("the judge's labelled set", () => {
  it.each(LABELLED_SET.filter((c) => c.region))("$name: the edit is really in the file", (clip) => {
    const r = clip.region!;
    const after = r.from + 0.8;
    // Before the edit the region is the clean clip's; after it, it is not.
    expect(meanAbsDiff(regionGrey(files[clip.name]!, r.from / 2, r), regionGrey(files[clip.cleanOf]!, r.from / 2, r))).toBeLessThan(1.5);
    expect(meanAbsDiff(regionGrey(files[clip.name]!, after, r), regionGrey(files[clip.cleanOf]!, after, r))).toBeGreaterThan(8);
  });

  it.each(LABELLED_SET)("$name: the judge sees its frames and its answer lands at those times", (clip) => {
    const { folded, calls } = results.get(clip.name)!;
    expect(calls).toHaveLength(1);
    expect(calls[0]!.body.contents[0]!.parts[0]!.text).toContain(answers[clip.name]!.prompt);
    expect(folded.judge!.state).toBe("judged");
    // Six frames, in the middle of six equal slices of the (about 3 s) clip.
    expect(folded.judge!.frameTimes.map((t, i) => Math.abs(t - (i + 0.5) / 2))).toSatisfy((d: number[]) => d.length === 6 && d.every((x) => x < 0.05));
    for (const f of folded.judge!.findings) {
      expect(folded.judge!.frameTimes).toContain(f.t);
      // Found after the edit began, inside the edited region.
      expect(f.t).toBeGreaterThanOrEqual(clip.region!.from);
      const r = clip.region!;
      const cx = (f.where!.x + f.where!.w / 2) * 640;
      const cy = (f.where!.y + f.where!.h / 2) * 480 * (clip.name.startsWith("bottles") ? 360 / 480 : 1);
      expect(cx).toBeGreaterThan(r.x);
      expect(cx).toBeLessThan(r.x + r.w);
      expect(cy).toBeGreaterThan(r.y);
      expect(cy).toBeLessThan(r.y + r.h);
    }
  });

  it.each(LABELLED_SET.filter((c) => c.region))("$name: scores below its clean source once the judge's findings are in", (clip) => {
    const edited = results.get(clip.name)!;
    const clean = results.get(clip.cleanOf)!;
    expect(clean.folded.score).toBe(clean.measured.score);
    expect(edited.folded.penalties.some((p) => p.aspect.startsWith("judge"))).toBe(true);
    expect(edited.folded.score).toBeLessThan(clean.folded.score);
    expect(edited.folded.score).toBeLessThan(edited.measured.score);
  });

  it("the measurements alone cannot tell an edited clip from its clean source (what geometry cannot see, docs/critic.md)", () => {
    for (const clip of LABELLED_SET.filter((c) => c.region)) {
      expect(Math.abs(results.get(clip.name)!.measured.score - results.get(clip.cleanOf)!.measured.score), clip.name).toBeLessThanOrEqual(5);
    }
  });
});
