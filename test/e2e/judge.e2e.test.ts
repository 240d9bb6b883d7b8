import { setupServer } from "msw/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GEMINI_TEST_BASE, GEMINI_TEST_KEY, geminiAnswer, geminiHandlers, type GeminiCall } from "../helpers/geminiStandIn.js";
import { captureFrame, clickDraft, openStudio, type Studio } from "../helpers/studio.js";

/**
 * The judge as the editor meets it, in real Chromium against a real backend: off until turned on
 * for the project in Settings (which names the service that would see the frames), then every
 * take's card shows the judge's findings apart from the measurements, with a marker at each
 * finding's time on the preview; a click shows the preview at that time. Gemini is msw at its
 * documented contract, in this process where the backend runs, with a recorded answer.
 */
const msw = setupServer();
const calls: GeminiCall[] = [];
let s: Studio;

beforeAll(async () => {
  msw.listen({ onUnhandledRequest: "bypass" });
  msw.use(
    ...geminiHandlers(
      [
        {
          json: geminiAnswer({
            subject: { verdict: "yes", confidence: 0.9, note: "the valley is there" },
            action: { verdict: "yes", confidence: 0.8, note: "the camera drifts" },
            artefacts: [{ t: 1.17, kind: "pop", confidence: 0.8, x: 0.1, y: 0.1, w: 0.2, h: 0.2, note: "a tree appears from nowhere" }],
          }),
        },
      ],
      calls,
    ),
  );
  s = await openStudio({ width: 1400, height: 1000 }, 1, { judge: { gemini: { apiKey: GEMINI_TEST_KEY, baseUrl: GEMINI_TEST_BASE } } });
}, 180_000);

afterAll(async () => {
  await s?.close();
  msw.close();
});

const poll = <T>(fn: () => Promise<T>, timeout = 10_000) => expect.poll(fn, { timeout });

describe("the judge in the panel", () => {
  it("is turned on per project in Settings, then shows its findings apart, with markers that seek the preview", async () => {
    const p = s.panel();
    await p.getByText("Settings", { exact: true }).click();
    const box = p.getByLabel("Judge this project with a vision model");
    await box.waitFor({ state: "visible", timeout: 30_000 });
    expect(await box.isChecked()).toBe(false);
    await poll(() => p.locator(".judge-setting").innerText()).toContain("Google Gemini API");
    // The box is controlled: it turns on once the backend has saved the setting, not at the click
    // (Playwright's check() asserts at once and fails when the save is slower than the click).
    await box.click();
    await poll(() => box.isChecked()).toBe(true);

    await captureFrame(s);
    await p.getByLabel("Prompt").fill("Slow drift over the valley");
    await p.getByLabel("Duration (s)", { exact: true }).fill("2");
    await p.getByLabel("Duration (s)", { exact: true }).press("Tab");
    await clickDraft(s);

    const judge = p.getByRole("region", { name: /What the judge believes about/ });
    await judge.waitFor({ state: "visible", timeout: 120_000 });
    expect(calls).toHaveLength(1);
    expect(await judge.innerText()).toContain("a model's belief, not a measurement");
    expect(await judge.innerText()).toContain("a tree appears from nowhere");
    const marker = judge.getByRole("button", { name: "pop at 1.2 s" });
    await marker.click();
    const video = p.locator("video.take-video").first();
    await poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime)).toBeGreaterThan(1.1);
    expect(await video.evaluate((v: HTMLVideoElement) => v.currentTime)).toBeLessThan(1.25);
  });
});
