/**
 * Direction studio speed (issue 4): compiling a direction with 300 drawings (Node), and dragging
 * one drawing on a canvas that holds 300 of them in real Chromium (per-frame main-thread work:
 * the pointer handlers since the previous frame plus Fabric's render of that frame).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import { compileDirection, renderForProvider } from "../../src/core/direction/index.js";
import type { Annotation } from "../../src/core/schemas/index.js";
import { startBackend } from "../../src/server/backend.js";
import { loadConfig } from "../../src/server/config.js";
import type { Report } from "../bench.js";

const DURATION = 10;

/** 300 drawings of every kind, spread over the frame and the take (moves overlapping in time). */
export function benchAnnotations(n = 300): Annotation[] {
  const out: Annotation[] = [];
  for (let i = 0; i < n; i++) {
    const u = (i * 0.618034) % 1;
    const v = (i * 0.381966) % 1;
    const x = 0.1 + 0.8 * u;
    const y = 0.1 + 0.8 * v;
    const t = (i / n) * DURATION;
    switch (i % 5) {
      case 0:
        out.push({ id: `a${i}`, kind: "cameraMove", from: { x, y }, to: { x: x + 0.01, y: y + 0.005 }, start: t * 0.8, end: Math.min(DURATION, t * 0.8 + 1.5), ease: "ease-in-out" });
        break;
      case 1:
        out.push({ id: `b${i}`, kind: "framingBox", rect: { x: x * 0.5, y: y * 0.5, w: 0.5, h: 0.5 }, time: t, ease: "ease-in-out", endFraming: false });
        break;
      case 2:
        out.push({ id: `s${i}`, kind: "subjectPath", label: "", points: [0, 1, 2, 3, 4].map((k) => ({ x: x + k * 0.02, y: y + (k % 2) * 0.02, t: (t * 0.5 + k * 0.2) })) });
        break;
      case 3:
        out.push({ id: `h${i}`, kind: "hold", label: "", rect: { x, y, w: 0.03, h: 0.05 }, shape: i % 2 ? "point" : "region" });
        break;
      default:
        out.push({ id: `n${i}`, kind: "note", at: { x, y }, text: `note ${i}` });
    }
  }
  return out;
}

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};

function benchCompile(report: Report) {
  const annotations = benchAnnotations();
  for (let i = 0; i < 30; i++) compileDirection({ prompt: "bench", annotations, duration: DURATION }); // warm up
  const times: number[] = [];
  for (let i = 0; i < 200; i++) {
    const started = performance.now();
    compileDirection({ prompt: "bench", annotations, duration: DURATION }, { frameSize: { width: 1920, height: 1080 } });
    times.push(performance.now() - started);
  }
  report("compile a direction with 300 drawings (p50)", `${percentile(times, 50).toFixed(2)} ms`, "< 5 ms");
  report("compile a direction with 300 drawings (p95)", `${percentile(times, 95).toFixed(2)} ms`, "< 5 ms");
  const d = compileDirection({ prompt: "bench", annotations, duration: DURATION });
  for (const style of ["prompt", "keyframes", "trajectories"] as const) {
    const t: number[] = [];
    for (let i = 0; i < 50; i++) {
      const started = performance.now();
      renderForProvider(d, style, { fps: { num: 24, den: 1 } });
      t.push(performance.now() - started);
    }
    report(`render 300 drawings for a ${style} provider (p95)`, `${percentile(t, 95).toFixed(2)} ms`, "(figure)");
  }
}

async function benchDrag(report: Report) {
  const webDir = path.resolve("build/web");
  if (!fs.existsSync(path.join(webDir, "ui", "index.html"))) {
    report("drag on a canvas with 300 drawings", "skipped", "build the UI first (npm run build)");
    return;
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-bench-studio-"));
  const backend = await startBackend(loadConfig({}, { port: 0, dataDir, harness: true, webDir }));
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await page.goto(backend.url + "/");
    const panel = page.frameLocator('iframe[title="Retake panel"]');
    await panel.getByRole("button", { name: "Capture frame" }).click();
    await panel.locator("canvas.upper-canvas").first().waitFor({ state: "visible", timeout: 60_000 });
    const frame = (await (await page.$('iframe[title="Retake panel"]'))!.contentFrame())!;
    const annotations = benchAnnotations();
    // The drag target: a note in the middle of the frame, drawn last (on top).
    annotations.push({ id: "target", kind: "note", at: { x: 0.5, y: 0.5 }, text: "drag me" });
    await frame.evaluate((list) => {
      const store = (window as unknown as { __retakePanelStore: { getState(): { applyAnnotationChanges(c: unknown[]): void; setTool(t: string): void } } }).__retakePanelStore;
      store.getState().setTool("select");
      store.getState().applyAnnotationChanges(list.map((annotation) => ({ type: "add", annotation })));
    }, annotations);
    await page.waitForTimeout(500);
    const count = await frame.evaluate(() => {
      const host = document.querySelector('[data-testid="direction-canvas"]') as HTMLElement & { fabricCanvas: { getObjects(): unknown[] } };
      return host.fabricCanvas.getObjects().length;
    });

    // Per-frame work: pointer handling since the last frame + that frame's render.
    await frame.evaluate(() => {
      type Fabricish = { renderCanvas(...args: unknown[]): unknown };
      const host = document.querySelector('[data-testid="direction-canvas"]') as HTMLElement & { fabricCanvas: Fabricish };
      const w = window as unknown as { __bench: { frames: number[]; handler: number } };
      w.__bench = { frames: [], handler: 0 };
      let start = 0;
      window.addEventListener("pointermove", () => (start = performance.now()), true);
      window.addEventListener("pointermove", () => (w.__bench.handler += performance.now() - start), false);
      const c = host.fabricCanvas;
      const original = c.renderCanvas.bind(c);
      c.renderCanvas = (...args: unknown[]) => {
        const t0 = performance.now();
        const result = original(...args);
        w.__bench.frames.push(w.__bench.handler + performance.now() - t0);
        w.__bench.handler = 0;
        return result;
      };
    });
    const box = (await panel.locator("canvas.upper-canvas").first().boundingBox())!;
    const cx = box.x + box.width * 0.5 + 3;
    const cy = box.y + box.height * 0.5;
    await page.mouse.move(cx, cy);
    await page.mouse.down();
    await frame.evaluate(() => ((window as unknown as { __bench: { frames: number[] } }).__bench.frames = []));
    for (let i = 1; i <= 120; i++) {
      await page.mouse.move(cx + Math.sin(i / 10) * box.width * 0.2, cy + Math.cos(i / 13) * box.height * 0.15);
      await page.waitForTimeout(8);
    }
    const frames = await frame.evaluate(() => (window as unknown as { __bench: { frames: number[] } }).__bench.frames.slice());
    await page.mouse.up();
    await page.waitForTimeout(300);
    const moved = await frame.evaluate(() => {
      const store = (window as unknown as { __retakePanelStore: { getState(): { annotations: Array<{ id: string; at?: { x: number } }> } } }).__retakePanelStore;
      return store.getState().annotations.find((a) => a.id === "target")?.at?.x;
    });
    report(`drag on a canvas with ${annotations.length} drawings: frames`, String(frames.length), `(${count} Fabric objects; note moved to x=${moved?.toFixed(2)})`);
    report("drag on a canvas with 300 drawings: per-frame p50", `${percentile(frames, 50).toFixed(1)} ms`, "< 16 ms");
    report("drag on a canvas with 300 drawings: per-frame p95", `${percentile(frames, 95).toFixed(1)} ms`, "< 16 ms");
    // The first frame of a drag flattens the other drawings into one bitmap (see directionScene).
    report("drag on a canvas with 300 drawings: first frame (static layer)", `${Math.max(...frames.slice(0, 3)).toFixed(1)} ms`, "(figure, once per drag)");

    // Committing the drag rebuilds every object from the store once (undo-safe), timed too.
    const rebuild = await frame.evaluate(() => {
      const store = (window as unknown as { __retakePanelStore: { getState(): { undo(): void; redo(): void } } }).__retakePanelStore;
      const t: number[] = [];
      for (let i = 0; i < 10; i++) {
        const s = performance.now();
        store.getState().undo();
        store.getState().redo();
        t.push((performance.now() - s) / 2);
      }
      return t.sort((a, b) => a - b)[Math.floor(t.length / 2)]!;
    });
    report("undo/redo rebuild of 300 drawings (p50)", `${rebuild.toFixed(1)} ms`, "(figure)");
  } finally {
    await browser.close();
    await backend.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function run(report: Report): Promise<void> {
  benchCompile(report);
  await benchDrag(report);
}
