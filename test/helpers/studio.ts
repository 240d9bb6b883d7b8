import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium, type Browser, type FrameLocator, type Locator, type Page } from "playwright-core";
import { loadConfig, type ServerConfig } from "../../src/server/config.js";
import { startBackend, type RunningBackend } from "../../src/server/backend.js";

/**
 * Helpers that drive the direction studio like an editor (Excalidraw-style test helpers): real
 * backend in harness mode, real Chromium, the panel in its iframe; pointer drags and key presses
 * on the real canvas, reading back what the panel shows.
 */

export type Frac = [number, number];

export interface Studio {
  page: Page;
  backend: RunningBackend;
  panel(): FrameLocator;
  /** Uncaught exceptions in the page so far (test-audit F7: an error the UI swallowed visibly is still a failure). */
  pageErrors: string[];
  /** Closes everything, then fails if the page threw anything uncaught meanwhile. */
  close(): Promise<void>;
}

export const WEB_DIR = path.resolve("build/web");

/**
 * `config` overrides the backend's settings (hosted providers pointed at a fake model, say);
 * `dataDir` is always a fresh temporary folder, removed on close.
 */
export async function openStudio(viewport = { width: 1400, height: 900 }, deviceScaleFactor = 1, config: Partial<ServerConfig> = {}): Promise<Studio> {
  if (!fs.existsSync(path.join(WEB_DIR, "ui", "index.html"))) {
    throw new Error("The UI is not built: run `npm test` (it builds first) or `npx vite build --config vite.config.ts`.");
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-studio-"));
  const backend = await startBackend(loadConfig({}, { ...config, port: 0, dataDir, harness: true, webDir: WEB_DIR }));
  let browser: Browser | null = null;
  try {
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    const page = await browser.newPage({ viewport, deviceScaleFactor });
    const pageErrors: string[] = [];
    page.on("pageerror", (error) => {
      pageErrors.push(`${error.message}\n${error.stack?.split("\n").slice(0, 12).join("\n") ?? ""}`);
      console.error("page error:", error.message);
    });
    await page.goto(backend.url + "/");
    const b = browser;
    return {
      page,
      backend,
      pageErrors,
      panel: () => page.frameLocator('iframe[title="Retake panel"]'),
      async close() {
        await b.close();
        await backend.close();
        fs.rmSync(dataDir, { recursive: true, force: true });
        if (pageErrors.length > 0) throw new Error(`The page threw ${pageErrors.length} uncaught error(s):\n${pageErrors.join("\n")}`);
      },
    };
  } catch (error) {
    await browser?.close();
    await backend.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/** Capture the frame under the harness playhead and wait for the drawing surface. */
export async function captureFrame(s: Studio): Promise<void> {
  const p = s.panel();
  await p.getByRole("button", { name: "Capture frame" }).click();
  await p.locator("canvas.upper-canvas").first().waitFor({ state: "visible", timeout: 30_000 });
  await p.getByTestId("direction-canvas").waitFor({ state: "visible", timeout: 30_000 });
}

/** The displayed frame's rect on the page (the canvas is the frame's own aspect in fit mode). */
export async function frameBox(s: Studio) {
  const canvas = s.panel().locator("canvas.upper-canvas").first();
  // Earlier clicks on buttons may have scrolled the page: bring the frame back into view first.
  await canvas.scrollIntoViewIfNeeded();
  const box = await canvas.boundingBox();
  if (!box) throw new Error("no drawing canvas");
  return box;
}

const at = (box: { x: number; y: number; width: number; height: number }, f: Frac) => ({ x: box.x + box.width * f[0], y: box.y + box.height * f[1] });

/** Press, move through `steps` points, release: what a mouse drag does. */
export async function dragOnFrame(s: Studio, from: Frac, to: Frac, options: { steps?: number; shift?: boolean; via?: Frac[] } = {}): Promise<void> {
  const box = await frameBox(s);
  const a = at(box, from);
  await s.page.mouse.move(a.x, a.y);
  if (options.shift) await s.page.keyboard.down("Shift");
  await s.page.mouse.down();
  for (const v of [...(options.via ?? []), to]) {
    const b = at(box, v);
    await s.page.mouse.move(b.x, b.y, { steps: options.steps ?? 6 });
  }
  await s.page.mouse.up();
  if (options.shift) await s.page.keyboard.up("Shift");
}

export async function clickOnFrame(s: Studio, point: Frac): Promise<void> {
  const box = await frameBox(s);
  const p = at(box, point);
  await s.page.mouse.click(p.x, p.y);
}

/** A tool by its keyboard shortcut, as an editor with a hand on the keys picks it. */
export async function pressKey(s: Studio, key: string): Promise<void> {
  await s.page.keyboard.press(key);
}

export const undoKey = "ControlOrMeta+z";
export const redoKey = "ControlOrMeta+Shift+z";

export async function summaryText(s: Studio): Promise<string> {
  return (await s.panel().locator(".summary-text").innerText()).trim();
}

export async function drawings(s: Studio): Promise<string[]> {
  const list = s.panel().getByRole("list", { name: "Drawings" });
  if ((await list.count()) === 0) return [];
  return (await list.getByRole("listitem").allInnerTexts()).map((t) => t.trim());
}

export async function conflicts(s: Studio): Promise<string[]> {
  const list = s.panel().getByRole("list", { name: "Conflicts" });
  if ((await list.count()) === 0) return [];
  return (await list.getByRole("listitem").allInnerTexts()).map((t) => t.trim());
}

/** The time strip bar of drawing n (1-based). */
export function stripBar(s: Studio, n: number): Locator {
  return s.panel().getByRole("button", { name: new RegExp(`^Drawing ${n} timing`) });
}

/**
 * Drag a bar on the time strip by a fraction of the strip's width: its body ("move"), or one of
 * its ends ("start" / "end").
 */
export async function dragStripBar(s: Studio, n: number, handle: "move" | "start" | "end", byFraction: number): Promise<void> {
  const bar = stripBar(s, n);
  await bar.scrollIntoViewIfNeeded();
  const box = await bar.boundingBox();
  const track = await bar.locator("xpath=..").boundingBox();
  if (!box || !track) throw new Error(`no time strip bar for drawing ${n}`);
  const x = handle === "start" ? box.x + 2 : handle === "end" ? box.x + box.width - 2 : box.x + box.width / 2;
  const y = box.y + box.height / 2;
  await s.page.mouse.move(x, y);
  await s.page.mouse.down();
  await s.page.mouse.move(x + track.width * byFraction, y, { steps: 8 });
  await s.page.mouse.up();
}

/** Scrub the ruler to a fraction of the take and keep the pointer down (the outline shows). */
export async function scrubTo(s: Studio, fraction: number): Promise<{ release(): Promise<void> }> {
  const ruler = s.panel().getByRole("slider", { name: "Scrub the camera preview" });
  await ruler.scrollIntoViewIfNeeded();
  const box = await ruler.boundingBox();
  if (!box) throw new Error("no scrub ruler");
  await s.page.mouse.move(box.x + 2, box.y + box.height / 2);
  await s.page.mouse.down();
  await s.page.mouse.move(box.x + box.width * fraction, box.y + box.height / 2, { steps: 5 });
  return { release: () => s.page.mouse.up() };
}

/**
 * Press Draft (or Render final). Above the backend's confirmation threshold the same button asks
 * "Spend …?" once; this confirms it, as an editor who means it would.
 */
export async function clickDraft(s: Studio): Promise<void> {
  const button = s.panel().locator(".draft-bar button.button-primary");
  await button.click();
  if (/^Spend /.test(await button.innerText())) await button.click();
}
