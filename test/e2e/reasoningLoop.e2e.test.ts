import { setupServer } from "msw/node";
import type { Locator } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAST, LUMA_BASE, LUMA_CDN, LUMA_KEY } from "../contract/providerHarness.js";
import { fakeLumaModel, type FakeLumaModel } from "../helpers/fakeVideoModel.js";
import { captureFrame, clickDraft, dragOnFrame, openStudio, pressKey, type Studio } from "../helpers/studio.js";

/**
 * The reasoning loop as the editor sees it, in real Chromium against a real backend: Auto-refine
 * drafts, the critic scores every take, the director refines. Luma is the Luma provider talking
 * to a fake model at Luma's documented API (msw, in this process where the backend runs) that
 * really renders what the prompt asks over the captured frame, but pans half as far and a second
 * late, so round 1 scores under the target and round 2 is asked for more. Previz renders exactly
 * what was drawn, so it reaches the target in round 1.
 */
const msw = setupServer();
let s: Studio;
let model: FakeLumaModel;

beforeAll(async () => {
  msw.listen({ onUnhandledRequest: "bypass" });
  model = fakeLumaModel(msw, LUMA_BASE, LUMA_CDN, { undershoot: 0.5, lateBy: 1 });
  s = await openStudio({ width: 1400, height: 1000 }, 1, {
    providers: { luma: { apiKey: LUMA_KEY, baseUrl: LUMA_BASE, ...FAST }, runway: { baseUrl: "https://runway.e2e.test", ...FAST }, comfyui: {} },
  });
  await captureFrame(s);
  await pressKey(s, "c");
  await dragOnFrame(s, [0.3, 0.5], [0.62, 0.5]);
}, 180_000);

afterAll(async () => {
  try {
    await s?.close();
  } finally {
    model?.dispose();
    msw.close();
  }
});

const poll = <T>(fn: () => Promise<T>, timeout = 10_000) => expect.poll(fn, { timeout });
const results = () => s.panel().getByRole("region", { name: "Results" });
const loopState = () => s.panel().getByRole("region", { name: "Reasoning" }).getByRole("status");
const cardsIn = (round: Locator) => round.getByRole("article");

async function setAuto(options: { provider: string; takes: number; target: number; rounds: number; duration: number }) {
  const p = s.panel();
  await p.getByLabel("Provider", { exact: true }).selectOption({ label: options.provider });
  const auto = p.getByRole("switch", { name: "Auto-refine" });
  if (await auto.isChecked()) await auto.uncheck();
  await p.getByLabel("Takes", { exact: true }).fill("1");
  await auto.check();
  // Switching Auto-refine on makes it four takes a round.
  await poll(() => p.getByLabel("Takes per round", { exact: true }).inputValue()).toBe("4");
  await p.getByLabel("Takes per round", { exact: true }).fill(String(options.takes));
  await p.getByLabel("Target score", { exact: true }).fill(String(options.target));
  await p.getByLabel("Refinement rounds", { exact: true }).fill(String(options.rounds));
  await p.getByLabel("Duration (s)", { exact: true }).fill(String(options.duration));
  await p.getByLabel("Duration (s)", { exact: true }).press("Tab");
}

describe("auto-refine in the panel", () => {
  it("previz reaches the target in round 1: no refinement, the best take marked, the log says why it stopped", async () => {
    const p = s.panel();
    await setAuto({ provider: "Previz (local)", takes: 2, target: 60, rounds: 2, duration: 2 });
    await poll(async () => p.locator(".draft-bar").innerText()).toContain("2 takes a round, up to 2 refinements, stop at 60");
    await clickDraft(s);

    await poll(async () => loopState().innerText(), 120_000).toMatch(/^Done: target 60 reached in round 1; best: Take \d, score \d+\.$/);
    expect(await results().getByRole("heading", { name: /^Round \d/ }).allInnerTexts()).toEqual(["Round 1 · 2 drafts"]);
    const round1 = results().getByRole("region", { name: "Round 1 · 2 drafts" });
    expect(await cardsIn(round1).count()).toBe(2);
    // Exactly one card is the best; it sorts first in its round.
    expect(await results().locator(".best-chip").count()).toBe(1);
    await expect.poll(async () => (await cardsIn(round1).first().innerText()).includes("Best")).toBe(true);
    const log = await p.getByRole("log", { name: "Reasoning log" }).getByRole("listitem").allInnerTexts();
    expect(log[0]).toMatch(/^Round 1: drafting 2 takes on Previz/);
    expect(log.join("\n")).toMatch(/Round 1 scored: take \d \d+/);
    expect(log.at(-1)).toMatch(/at or over the target of 60/);
    expect(await results().innerText()).toContain("Spent $0.00 of $10.00");
  }, 180_000);

  it("Luma's undershooting model is refined: round 2 asks for more, with the reasons on the cards and in the log", async () => {
    const p = s.panel();
    await setAuto({ provider: "Luma Ray 3.2", takes: 2, target: 85, rounds: 1, duration: 5 });
    // The estimate names the first round and what every round would cost.
    await poll(async () => p.locator(".draft-bar").innerText()).toMatch(/for the first round · up to ≈ \$\d+\.\d\d if every round runs/);
    await clickDraft(s);

    // Round 1 arrives first; round 2's takes are created by the backend after round 1 is scored.
    await results().getByRole("heading", { name: "Round 1 · 2 drafts" }).waitFor({ timeout: 120_000 });
    await poll(async () => loopState().innerText(), 120_000).toMatch(/^Round 2 of 2 running…/);
    const round2 = results().getByRole("region", { name: "Round 2 · refined" });
    await round2.waitFor({ timeout: 60_000 });
    await poll(async () => cardsIn(round2).count()).toBe(2);
    // Takes are numbered on across rounds, and each refined card says what its request changed.
    expect(await cardsIn(round2).evaluateAll((cards) => cards.map((c) => c.getAttribute("aria-label")).sort())).toEqual(["Take 3", "Take 4"]);
    const changes = cardsIn(round2).first().getByRole("list", { name: /^What Take \d changed$/ });
    expect(await changes.innerText()).toMatch(/pan right asked \d+% stronger than drawn \(take \d moved \d+% short\)/);

    await poll(async () => loopState().innerText(), 180_000).toMatch(/^Done: /);
    const log = (await p.getByRole("log", { name: "Reasoning log" }).getByRole("listitem").allInnerTexts()).join("\n");
    expect(log).toMatch(/Round 2 refines take \d \(\d+, target 85\)/);
    // Every card keeps its critique; the cost so far is shown against the job's budget.
    for (const card of await results().getByRole("article").all()) expect(await card.locator(".take-critique").count()).toBe(1);
    expect(await results().innerText()).toMatch(/Spent ~\$\d+\.\d\d \(est\.\) of \$10\.00/);
    expect(await results().getByRole("meter", { name: "Spent of the job's budget" }).count()).toBe(1);
    expect(await results().locator(".best-chip").count()).toBe(1);
    expect(model.requests.length).toBe(4);
  }, 360_000);

  it("compares two takes side by side: one play/pause and one scrub drive both videos, kept within a frame", async () => {
    const p = s.panel();
    const cards = results().getByRole("article");
    await cards.nth(0).getByRole("button", { name: "Compare" }).click();
    await poll(async () => p.getByRole("status").filter({ hasText: "picked to compare: pick one more take" }).count()).toBe(1);
    await cards.nth(1).getByRole("button", { name: "Compare" }).click();
    const compare = p.getByRole("region", { name: /^Compare Take \d and Take \d$/ });
    await compare.waitFor();
    const videos = compare.locator("video");
    expect(await videos.count()).toBe(2);
    const both = () => videos.evaluateAll((vs) => (vs as HTMLVideoElement[]).map((v) => ({ t: v.currentTime, paused: v.paused, ready: v.readyState })));
    await poll(async () => (await both()).every((v) => v.ready >= 2), 30_000).toBe(true);
    const scrub = compare.getByRole("slider", { name: "Scrub both videos" });
    await poll(async () => Number(await scrub.getAttribute("max"))).toBeGreaterThan(1.5);

    await compare.getByRole("button", { name: "Play" }).click();
    await poll(async () => (await both()).every((v) => !v.paused && v.t > 1)).toBe(true);
    const FRAME = 1 / 24;
    for (let i = 0; i < 5; i++) {
      const [a, b] = await both();
      expect(Math.abs(a!.t - b!.t)).toBeLessThanOrEqual(FRAME * 1.5);
      await s.page.waitForTimeout(150);
    }
    // Knock the second video half a second off, as a stalled decoder would: it is pulled back.
    await videos.nth(1).evaluate((v: HTMLVideoElement) => {
      v.currentTime = Math.max(0, v.currentTime - 0.5);
    });
    await poll(async () => {
      const [a, b] = await both();
      return Math.abs(a!.t - b!.t) <= FRAME * 1.5;
    }).toBe(true);
    await compare.getByRole("button", { name: "Pause" }).click();
    await poll(async () => (await both()).every((v) => v.paused)).toBe(true);

    await scrub.fill("1.25");
    await poll(async () => (await both()).map((v) => Math.round(v.t * 100) / 100)).toEqual([1.25, 1.25]);
    expect(await compare.innerText()).toMatch(/Take \d · Score \d+ · ~?\$\d+\.\d\d/);

    await compare.getByRole("button", { name: "Close" }).click();
    await poll(async () => compare.count()).toBe(0);
    expect(await cards.nth(0).getByRole("button", { name: "Compare" }).getAttribute("aria-pressed")).toBe("false");
  }, 120_000);
});
