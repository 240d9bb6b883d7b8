import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  captureFrame,
  clickOnFrame,
  conflicts,
  dragOnFrame,
  dragStripBar,
  drawings,
  openStudio,
  pressKey,
  redoKey,
  scrubTo,
  stripBar,
  summaryText,
  undoKey,
  type Studio,
} from "../helpers/studio.js";

/**
 * The direction studio driven like an editor in real Chromium: every tool by its shortcut and
 * the pointer, retiming on the time strip, scrubbing the camera preview, undo/redo through the
 * session, accepting invented picture, and checking the compiled direction the panel shows.
 */
let s: Studio;

beforeAll(async () => {
  s = await openStudio();
  await captureFrame(s);
}, 180_000);

afterAll(async () => {
  await s?.close();
});

const poll = <T>(fn: () => Promise<T>) => expect.poll(fn, { timeout: 10_000 });

describe("direction studio in the browser", () => {
  it("draws a camera move (C) and shows it in the compiled summary, leaving-frame conflict included", async () => {
    await clickOnFrame(s, [0.5, 0.5]); // focus the panel's frame
    await pressKey(s, "c");
    await poll(async () => s.panel().getByRole("button", { name: "Camera move" }).getAttribute("aria-pressed")).toBe("true");
    await dragOnFrame(s, [0.3, 0.5], [0.6, 0.5]);
    await poll(() => summaryText(s)).toMatch(/^camera pans right 30% of the frame from 0\.0 s to 5\.0 s \(ease-in-out\)/);
    expect(await drawings(s)).toEqual(["Drawing 1: Camera pans right, 0–5 s"]);
    // At 1× any pan needs picture beyond the still: reported, and acceptable for generative.
    await poll(async () => (await conflicts(s)).join("\n")).toContain("goes past the right edge");
  });

  it("accepts the invented picture for generative providers, and undo withdraws it", async () => {
    await s.panel().getByRole("button", { name: "Accept for generative" }).click();
    await poll(async () => (await conflicts(s)).join("\n")).toContain("Accepted: a generative take invents it.");
    await pressKey(s, undoKey);
    await poll(async () => (await conflicts(s)).join("\n")).not.toContain("Accepted");
  });

  it("draws a framing box (F): push-in by the end of the take", async () => {
    await pressKey(s, "f");
    await dragOnFrame(s, [0.3, 0.3], [0.7, 0.7]);
    await poll(() => summaryText(s)).toContain("push-in to the boxed region (2.5×) by 5.0 s");
    expect((await drawings(s))[1]).toBe("Drawing 2: Push in to 40% by 5 s");
  });

  it("draws a subject path freehand (P) and by clicks finished with Enter; times spread along it", async () => {
    await pressKey(s, "p");
    await dragOnFrame(s, [0.1, 0.8], [0.9, 0.8], { via: [[0.3, 0.7], [0.6, 0.85]], steps: 10 });
    // Unlabelled drawings are named as in the list below the summary, never by their ids.
    await poll(() => summaryText(s)).toContain("subject drawing 3 follows its path from 0.0 s to 5.0 s");
    const freehand = (await drawings(s))[2]!;
    expect(freehand).toMatch(/^Drawing 3: Subject moves along \d+ points, 0–5 s$/);
    expect(Number(freehand.match(/along (\d+) points/)![1])).toBeGreaterThan(3);

    await clickOnFrame(s, [0.2, 0.2]);
    await clickOnFrame(s, [0.4, 0.25]);
    await clickOnFrame(s, [0.6, 0.2]);
    await pressKey(s, "Enter");
    await poll(async () => (await drawings(s))[3]).toBe("Drawing 4: Subject moves along 3 points, 0–5 s");
  });

  it("pins a point and a region with Hold (H), and a Note (N) asks for its text inline", async () => {
    await pressKey(s, "h");
    await clickOnFrame(s, [0.5, 0.4]);
    await dragOnFrame(s, [0.05, 0.45], [0.95, 0.52]);
    await poll(async () => (await drawings(s)).slice(4)).toEqual(["Drawing 5: Keep point still", "Drawing 6: Keep region still"]);

    await pressKey(s, "n");
    await clickOnFrame(s, [0.8, 0.2]);
    const input = s.panel().getByRole("textbox", { name: "New note text" });
    await input.waitFor({ state: "visible" });
    await input.fill("make this lamp flicker");
    await input.press("Enter");
    await poll(async () => (await drawings(s))[6]).toBe("Drawing 7: Pinned text: make this lamp flicker");
    expect(await summaryText(s)).toContain('note: "make this lamp flicker"');

    // Escape abandons a note being typed.
    await clickOnFrame(s, [0.2, 0.6]);
    await input.waitFor({ state: "visible" });
    await input.press("Escape");
    await input.waitFor({ state: "hidden" });
    expect(await drawings(s)).toHaveLength(7);
  });

  it("retimes on the time strip: moving and resizing a camera move, moving a framing box", async () => {
    // Resize the camera move's start from 0 s to ~1 s (a fifth of a 5 s take).
    await dragStripBar(s, 1, "start", 0.2);
    await poll(async () => (await drawings(s))[0]).toBe("Drawing 1: Camera pans right, 1–5 s");
    // Shorten its end to ~4 s, then move the whole span 0.5 s earlier.
    await dragStripBar(s, 1, "end", -0.2);
    await poll(async () => (await drawings(s))[0]).toBe("Drawing 1: Camera pans right, 1–4 s");
    await dragStripBar(s, 1, "move", -0.1);
    await poll(async () => (await drawings(s))[0]).toBe("Drawing 1: Camera pans right, 0.5–3.5 s");
    await poll(() => summaryText(s)).toContain("camera pans right 30% of the frame from 0.5 s to 3.5 s (ease-in-out)");
    // The framing box moves in time (5 s → 3 s).
    await dragStripBar(s, 2, "move", -0.4);
    await poll(() => summaryText(s)).toContain("push-in to the boxed region (2.5×) by 3.0 s");
    await poll(async () => stripBar(s, 2).getAttribute("aria-label")).toBe("Drawing 2 timing, at 3 s");
  });

  it("scrubbing the strip previews the compiled camera window", async () => {
    const ruler = s.panel().getByRole("slider", { name: "Scrub the camera preview" });
    const scrub = await scrubTo(s, 0.0);
    await poll(async () => ruler.getAttribute("aria-valuetext")).toMatch(/^0\.00 seconds, camera window centred at 50% × 50%, 1\.00×$/);
    await s.page.mouse.move(...(await rulerPoint(0.6)), { steps: 4 }); // 3.0 s: box reached, pan done
    await poll(async () => ruler.getAttribute("aria-valuetext")).toMatch(/^3\.00 seconds, camera window centred at \d+% × 50%, 2\.50×$/);
    await scrub.release();
    // The outline is drawn on the frame while scrubbing; Escape hides it.
    await ruler.press("Escape");
    await poll(async () => ruler.getAttribute("aria-valuetext")).toBe("not scrubbing");
  });

  it("undo and redo run through the whole session of edits", async () => {
    const all = await drawings(s);
    expect(all).toHaveLength(7);
    await clickOnFrame(s, [0.02, 0.02]);
    await pressKey(s, "v");
    for (let i = 0; i < 5; i++) await pressKey(s, undoKey); // the retimes, then the note
    await poll(async () => (await drawings(s))[0]).toBe("Drawing 1: Camera pans right, 0–5 s");
    expect(await drawings(s)).toHaveLength(6);
    for (let i = 0; i < 5; i++) await pressKey(s, redoKey);
    await poll(async () => drawings(s)).toEqual(all);
  });

  it("select, move and delete a drawing with the pointer and the keyboard", async () => {
    await pressKey(s, "v");
    // Select the note from the list, then drag it on the canvas: it moves, its text stays.
    await s.panel().getByRole("button", { name: /^Drawing 7:/ }).click();
    await poll(async () => s.panel().getByRole("region", { name: "Selected drawing" }).isVisible()).toBe(true);
    const before = await summaryText(s);
    await dragOnFrame(s, [0.805, 0.2], [0.6, 0.3]);
    await poll(async () => (await drawings(s))[6]).toBe("Drawing 7: Pinned text: make this lamp flicker");
    expect(await summaryText(s)).toBe(before);
    await s.panel().getByRole("button", { name: /^Drawing 6:/ }).click();
    await clickOnFrame(s, [0.98, 0.98]); // keep focus in the panel, off the drawing list
    await s.panel().getByRole("button", { name: /^Drawing 6:/ }).click();
    await s.panel().getByRole("button", { name: /^Drawing 6:/ }).press("Delete");
    await poll(async () => drawings(s)).toHaveLength(6);
    await pressKey(s, undoKey);
    await poll(async () => drawings(s)).toHaveLength(7);
  });

  it("zooms to 1:1 and back to fit with 1 and 0", async () => {
    const stage = s.panel().locator(".stage-canvas");
    await pressKey(s, "1");
    await poll(async () => stage.getAttribute("data-zoom")).toBe("actual");
    await pressKey(s, "0");
    await poll(async () => stage.getAttribute("data-zoom")).toBe("fit");
  });
});

describe("reopening a take's direction", () => {
  it("Reopen on the current job's take brings back its frame, drawings, prompt and duration", async () => {
    const p = s.panel();
    const atDraft = await drawings(s);
    await p.getByLabel("Prompt").fill("Slow drift right over the valley");
    await p.getByLabel("Duration (s)").fill("2");
    await p.getByLabel("Takes").fill("1");
    await p.getByLabel("Takes").press("Tab");
    const summaryAtDraft = await summaryText(s);
    await p.getByRole("button", { name: "Draft" }).click();
    const card = p.getByRole("article", { name: "Take 1" }).last();
    await card.getByRole("button", { name: "Reopen" }).waitFor({ state: "visible", timeout: 90_000 });

    // The editor carries on: another drawing, new words, another duration.
    await clickOnFrame(s, [0.5, 0.5]);
    await pressKey(s, "n");
    await clickOnFrame(s, [0.3, 0.6]);
    const input = p.getByRole("textbox", { name: "New note text" });
    await input.fill("something else");
    await input.press("Enter");
    await p.getByLabel("Prompt").fill("a different idea");
    await p.getByLabel("Duration (s)").fill("6");
    await p.getByLabel("Duration (s)").press("Tab");
    await poll(async () => drawings(s)).toHaveLength(atDraft.length + 1);

    await card.getByRole("button", { name: "Reopen" }).click();
    await poll(async () => drawings(s)).toEqual(atDraft);
    expect(await p.getByLabel("Prompt").inputValue()).toBe("Slow drift right over the valley");
    expect(await p.getByLabel("Duration (s)").inputValue()).toBe("2");
    expect(await summaryText(s)).toBe(summaryAtDraft);
    // Reopening is one undo step.
    await pressKey(s, "v");
    await pressKey(s, undoKey);
    await poll(async () => drawings(s)).toHaveLength(atDraft.length + 1);
  }, 180_000);
});

describe("HiDPI", () => {
  it("draws crisply at a device pixel ratio of 2 (backing store twice the CSS size) and still maps the pointer right", async () => {
    const hi = await openStudio({ width: 1400, height: 900 }, 2);
    try {
      await captureFrame(hi);
      const sizes = await hi.panel().locator("canvas.lower-canvas").first().evaluate((c: HTMLCanvasElement) => [c.width, c.clientWidth]);
      expect(sizes[0]).toBe(sizes[1]! * 2);
      await clickOnFrame(hi, [0.5, 0.5]);
      await pressKey(hi, "f");
      await dragOnFrame(hi, [0.25, 0.25], [0.75, 0.75]);
      await poll(async () => (await drawings(hi))[0]).toBe("Drawing 1: Push in to 50% by 5 s");
    } finally {
      await hi.close();
    }
  }, 180_000);
});

async function rulerPoint(fraction: number): Promise<[number, number]> {
  const box = await s.panel().getByRole("slider", { name: "Scrub the camera preview" }).boundingBox();
  if (!box) throw new Error("no ruler");
  return [box.x + box.width * fraction, box.y + box.height / 2];
}
