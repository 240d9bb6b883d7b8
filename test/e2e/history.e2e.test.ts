import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HarnessState } from "../../src/host/browser/harnessState.js";
import { captureFrame, clickDraft, dragOnFrame, drawings, openStudio, pressKey, undoKey, type Studio } from "../helpers/studio.js";

/**
 * The history view as an editor uses it, in real Chromium against a real backend (previz): jobs
 * made in the direct view are listed newest first, found by prompt and by a take's note, filtered
 * (with empty states that say what was asked), opened whole; a take is re-imported onto the
 * harness timeline, enhanced to a final, and the job is retaken into the direct view. Stars and
 * notes are in the ledger, so they survive a reload of the panel.
 */
let s: Studio;
/** The drawings as they were when the first job was drafted. */
let drawnForDune: string[] = [];

beforeAll(async () => {
  s = await openStudio({ width: 1400, height: 1000 });
  await captureFrame(s);
  await pressKey(s, "c");
  await dragOnFrame(s, [0.3, 0.5], [0.6, 0.5]);
}, 180_000);

afterAll(async () => {
  await s?.close();
});

const poll = <T>(fn: () => Promise<T>, timeout = 10_000) => expect.poll(fn, { timeout });
const tab = (name: "Direct" | "History") => s.panel().getByRole("tab", { name });
const rows = () => s.panel().getByRole("list", { name: "Jobs" }).getByRole("button");
const results = () => s.panel().getByRole("region", { name: "Results" });

async function harnessClips(): Promise<number> {
  const state = HarnessState.parse(await (await fetch(`${s.backend.url}/harness/state`)).json());
  return state.sequence.videoTracks.flatMap((t) => t.clips).length;
}

/** Draft from the direct view and wait until every take card can be imported. */
async function draft(prompt: string, takes: number) {
  const p = s.panel();
  await p.getByLabel("Prompt").fill(prompt);
  await p.getByLabel("Duration (s)", { exact: true }).fill("2");
  await p.getByLabel("Takes", { exact: true }).fill(String(takes));
  await p.getByLabel("Takes", { exact: true }).press("Tab");
  await clickDraft(s);
  for (let n = 1; n <= takes; n++) {
    const importButton = results().getByRole("article", { name: `Take ${n}` }).getByRole("button", { name: "Import" });
    await poll(() => importButton.isEnabled(), 120_000).toBe(true);
  }
}

describe("history", () => {
  it("the view tabs are keyboard accessible, and an empty history says how it fills up", async () => {
    await tab("Direct").focus();
    await s.page.keyboard.press("ArrowRight");
    await poll(() => tab("History").getAttribute("aria-selected")).toBe("true");
    expect(await tab("History").evaluate((el) => el === document.activeElement)).toBe(true);
    await poll(async () => s.panel().getByRole("tabpanel", { name: "History" }).innerText()).toContain("No jobs yet.");
    // The drawing keys do nothing while the history is shown.
    await pressKey(s, "f");
    await s.page.keyboard.press("ArrowLeft");
    await poll(() => tab("Direct").getAttribute("aria-selected")).toBe("true");
    expect(await s.panel().getByRole("button", { name: "Framing box" }).getAttribute("aria-pressed")).toBe("false");
  });

  it("stars and notes takes; after a reload the history finds the job by its note, starred and noted", async () => {
    const p = s.panel();
    drawnForDune = await drawings(s);
    expect(drawnForDune).toHaveLength(1);
    await draft("dune crest at dawn", 2);
    const take1 = results().getByRole("article", { name: "Take 1" });
    const take2 = results().getByRole("article", { name: "Take 2" });
    await take1.getByRole("button", { name: "Star" }).click();
    await poll(() => take1.getByRole("button", { name: "Star" }).getAttribute("aria-pressed")).toBe("true");
    await take2.getByLabel("Note").fill("keep the flare");
    await take2.getByLabel("Note").press("Enter");
    await poll(async () => take2.innerText()).toContain("Note saved");
    await draft("harbour lights", 1);

    await s.page.reload();
    await tab("History").click();
    await poll(async () => rows().count(), 20_000).toBe(2);
    // Newest first, each with what it was, on what, and how it scored.
    const texts = await rows().allInnerTexts();
    expect(texts[0]).toMatch(/^harbour lights/);
    expect(texts[1]).toMatch(/^dune crest at dawn/);
    expect(texts[1]).toMatch(/Previz \(local\) · .* · draft/);
    expect(texts[1]).toMatch(/best \d+/);
    expect(texts[1]).toContain("2 of 2 takes");
    expect(texts[1]).toMatch(/1\s+starred/);

    await p.getByRole("searchbox", { name: "Search" }).fill("flare");
    await poll(async () => rows().allInnerTexts()).toHaveLength(1);
    expect((await rows().first().innerText()).startsWith("dune crest at dawn")).toBe(true);
    await rows().first().click();
    const job = p.getByRole("article", { name: "dune crest at dawn" });
    await job.waitFor();
    await poll(() => job.getByRole("article", { name: "Take 1" }).getByRole("button", { name: "Star" }).getAttribute("aria-pressed")).toBe("true");
    expect(await job.getByRole("article", { name: "Take 2" }).getByRole("button", { name: "Star" }).getAttribute("aria-pressed")).toBe("false");
    expect(await job.getByRole("article", { name: "Take 2" }).getByLabel("Note").inputValue()).toBe("keep the flare");
  });

  it("filters by score, starred and provider, and an empty result says what was asked", async () => {
    const p = s.panel();
    await p.getByRole("button", { name: "Back to the list" }).click();
    const search = p.getByRole("searchbox", { name: "Search" });
    await search.fill("dune");
    await poll(async () => rows().count()).toBe(1);
    const best = Number((await rows().first().innerText()).match(/best (\d+)/)![1]);
    const score = p.getByLabel("Minimum score", { exact: true });
    await score.fill(String(best));
    await score.press("Tab");
    await poll(async () => rows().count()).toBe(1);
    if (best < 100) {
      await score.fill(String(best + 1));
      await score.press("Tab");
      await poll(async () => p.locator(".history-empty").innerText()).toBe(`No jobs match 'dune' with score ≥ ${best + 1}.`);
    }
    await score.fill("0");
    await score.press("Tab");
    await search.fill("");
    await poll(async () => rows().count()).toBe(2);
    await p.getByLabel("Starred only").check();
    await poll(async () => rows().allInnerTexts()).toEqual([expect.stringMatching(/^dune crest at dawn/)]);
    await p.getByLabel("Starred only").uncheck();
    const filters = p.getByRole("search", { name: "Search the history" });
    await filters.getByLabel("Provider", { exact: true }).selectOption({ label: "Luma Ray 3.2" });
    await poll(async () => p.locator(".history-empty").innerText()).toBe("No jobs on Luma Ray 3.2.");
    await filters.getByLabel("Provider", { exact: true }).selectOption({ label: "Any provider" });
    await poll(async () => rows().count()).toBe(2);
  });

  it("opens a job whole, re-imports a take onto the timeline, and shows the request as sent", async () => {
    const p = s.panel();
    await rows().nth(1).click();
    const job = p.getByRole("article", { name: "dune crest at dawn" });
    await job.waitFor();
    const take1 = job.getByRole("article", { name: "Take 1" });
    const request = take1.getByRole("group").filter({ hasText: "Request as sent" });
    await request.getByText("Request as sent").click();
    expect(await request.locator("pre").innerText()).toMatch(/"renderer": "previz-camera",[^]*"duration": 2,/);
    expect(await take1.getByRole("list", { name: "Take 1 outputs" }).innerText()).toMatch(/Master: .*\.mov · \d+(\.\d)? [KMG]B/);

    // A file opens in a new browser tab (the system browser, in Premiere) through a short-lived
    // signed link: the browser loads it without the token, and so does anyone else holding it.
    const proxyLink = take1.getByRole("list", { name: "Take 1 outputs" }).getByRole("listitem").filter({ hasText: /^Proxy:/ }).getByRole("link");
    expect(await proxyLink.getAttribute("href")).not.toMatch(/token=/);
    const loaded = s.page.context().waitForEvent("response", (r) => /\/v1\/artifacts\/[^/?]+\?expires=\d+&sig=/.test(r.url()));
    const popup = s.page.waitForEvent("popup");
    await proxyLink.click();
    const response = await loaded;
    expect([200, 206]).toContain(response.status());
    expect(response.url()).not.toMatch(/token=/);
    const opened = await fetch(response.url());
    expect(opened.status).toBe(200);
    expect(opened.headers.get("content-type")).toBe("video/mp4");
    expect((await opened.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    await (await popup).close();

    const before = await harnessClips();
    await take1.getByRole("button", { name: "Import" }).click();
    await poll(async () => harnessClips(), 60_000).toBe(before + 1);
    await poll(async () => take1.getByRole("status").filter({ hasText: /^Placed on V\d at / }).count()).toBe(1);
  });

  it("Retake reopens the job's frame, drawings, prompt, duration and count in the direct view as one undo step", async () => {
    const p = s.panel();
    // The direct view has moved on (after the reload): a new capture, another prompt, two drawings.
    await tab("Direct").click();
    await captureFrame(s);
    await pressKey(s, "c");
    await dragOnFrame(s, [0.2, 0.4], [0.4, 0.4]);
    await p.getByLabel("Prompt").fill("something else");
    await p.getByLabel("Takes", { exact: true }).fill("1");
    await p.getByLabel("Takes", { exact: true }).press("Tab");
    await pressKey(s, "f");
    await dragOnFrame(s, [0.3, 0.3], [0.7, 0.7]);
    await poll(async () => drawings(s)).toHaveLength(2);
    const now = await drawings(s);

    await tab("History").click();
    const job = p.getByRole("article", { name: "dune crest at dawn" });
    await job.getByRole("button", { name: "Retake" }).click();
    await poll(() => tab("Direct").getAttribute("aria-selected")).toBe("true");
    expect(await p.getByLabel("Prompt").inputValue()).toBe("dune crest at dawn");
    expect(await p.getByLabel("Takes", { exact: true }).inputValue()).toBe("2");
    expect(await p.getByLabel("Duration (s)", { exact: true }).inputValue()).toBe("2");
    await poll(async () => drawings(s)).toEqual(drawnForDune);
    await p.locator("canvas.upper-canvas").first().waitFor({ state: "visible" });
    await pressKey(s, undoKey);
    await poll(async () => drawings(s)).toEqual(now);
  });

  it("Enhance on a history take renders it as a final, followed in the direct view", async () => {
    const p = s.panel();
    await tab("History").click();
    const job = p.getByRole("article", { name: "dune crest at dawn" });
    await job.getByRole("article", { name: "Take 2" }).getByRole("button", { name: "Enhance" }).click();
    await poll(() => tab("Direct").getAttribute("aria-selected")).toBe("true");
    await poll(async () => results().innerText(), 20_000).toContain("final of an earlier draft");
    const final = results().getByRole("article", { name: "Take 1" });
    await poll(() => final.getByRole("button", { name: "Import" }).isEnabled(), 120_000).toBe(true);
    // A final is not enhanced again.
    expect(await final.getByRole("button", { name: "Enhance" }).count()).toBe(0);
  });
});
