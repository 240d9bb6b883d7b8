import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium, type Browser, type FrameLocator, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Job } from "../../src/core/schemas/index.js";
import { loadConfig } from "../../src/server/config.js";
import { startBackend, type RunningBackend } from "../../src/server/backend.js";

/**
 * A take's sound as the editor meets it, in real Chromium against the real backend: the Sound
 * switch appears only for a model that has one (previz's test sound; Luma has none), the job and
 * the take record the choice, the card shows the sound and plays it on demand, and the master the
 * backend holds really carries PCM 48 kHz.
 */
const webDir = path.resolve("build/web");
let backend: RunningBackend;
let browser: Browser;
let page: Page;
let dataDir: string;

beforeAll(async () => {
  if (!fs.existsSync(path.join(webDir, "ui", "index.html"))) {
    throw new Error("The UI is not built: run `npm test` (it builds first) or `npm run build`.");
  }
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-e2e-sound-"));
  // A Luma key makes Luma selectable (nothing is sent to Luma: no job is drafted on it). Its model has no sound switch.
  backend = await startBackend(loadConfig({ LUMA_API_KEY: "test-key-never-sent" }, { port: 0, dataDir, harness: true, webDir }));
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required"],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on("pageerror", (error) => console.error("page error:", error.message));
  await page.goto(backend.url + "/");
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await backend?.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

const panel = (): FrameLocator => page.frameLocator('iframe[title="Retake panel"]');

describe("sound in the panel", () => {
  it("offers the Sound switch only where the model has one", async () => {
    const p = panel();
    await p.getByRole("button", { name: "Capture frame" }).click();
    await p.locator("canvas.upper-canvas").first().waitFor({ state: "visible", timeout: 30_000 });
    await p.getByLabel("Provider").selectOption("previz");
    const sound = p.getByTestId("sound-switch");
    await sound.waitFor({ state: "visible", timeout: 10_000 });
    // Off by default (previz's is a test sound), with what it changes in the price from the backend.
    expect(await p.getByRole("checkbox", { name: "Sound" }).isChecked()).toBe(false);
    await expect.poll(async () => await p.getByTestId("sound-price").innerText(), { timeout: 10_000 }).toBe("same price with or without");
    expect(await sound.innerText()).toContain("test sound");

    await p.getByLabel("Provider").selectOption("luma");
    await expect.poll(async () => await p.getByTestId("sound-switch").count(), { timeout: 10_000 }).toBe(0);
    await p.getByLabel("Provider").selectOption("previz");
    await sound.waitFor({ state: "visible", timeout: 10_000 });
  }, 120_000);

  it("drafts with sound on: the job and take record it, the card shows it and plays it unmuted on demand", async () => {
    const p = panel();
    await p.getByRole("checkbox", { name: "Sound" }).check();
    await p.getByLabel("Prompt").fill("Hold on the valley");
    await p.getByLabel("Duration (s)").fill("2");
    await p.getByLabel("Takes").fill("1");
    await p.getByRole("button", { name: "Draft" }).click();

    const card = p.getByRole("article", { name: "Take 1" }).last();
    await card.getByRole("button", { name: "Import" }).waitFor({ state: "visible", timeout: 90_000 });
    await expect.poll(async () => await card.getByTestId("take-sound").count(), { timeout: 90_000 }).toBe(1);
    expect(await card.getByTestId("take-sound").innerText()).toContain("Sound · PCM 24-bit · 48 kHz · stereo");

    const video = card.locator("video");
    await expect.poll(async () => await video.evaluate((v: HTMLVideoElement) => v.readyState), { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
    expect(await video.evaluate((v: HTMLVideoElement) => v.muted)).toBe(true);
    await card.getByRole("button", { name: "Play with sound" }).click();
    await expect.poll(async () => await video.evaluate((v: HTMLVideoElement) => v.muted)).toBe(false);
    await card.getByRole("button", { name: "Mute" }).click();
    await expect.poll(async () => await video.evaluate((v: HTMLVideoElement) => v.muted)).toBe(true);

    // What the backend recorded, and what its files hold.
    // The harness hands the panel the backend's token; the test reads it from the same place.
    const state = (await (await fetch(`${backend.url}/harness/state`)).json()) as { token?: string };
    const auth: Record<string, string> = state.token ? { authorization: `Bearer ${state.token}` } : {};
    const listed = (await (await fetch(`${backend.url}/v1/jobs`, { headers: auth })).json()) as { jobs: unknown[] };
    const list = listed.jobs.map((j) => Job.parse(j));
    const job = list.find((j) => j.takes.some((t) => t.outputs.master?.audio))!;
    expect(job.audio).toBe(true);
    const take = job.takes[0]!;
    expect(take.request).toMatchObject({ sound: "test tone with a click every second" });
    expect(take.outputs.master!.audio).toEqual({ codec: "pcm_s24le", sampleRate: 48000, channels: 2 });
    expect(take.outputs.proxy!.audio).toMatchObject({ codec: "aac", sampleRate: 48000 });
    const masterFile = path.join(dataDir, "artifacts", take.id, take.outputs.master!.fileName);
    const probe = JSON.parse(execFileSync("ffprobe", ["-v", "error", "-show_streams", "-of", "json", masterFile]).toString()) as { streams: Array<{ codec_type: string; codec_name: string; sample_rate?: string; duration: string }> };
    const a = probe.streams.find((s) => s.codec_type === "audio")!;
    const v = probe.streams.find((s) => s.codec_type === "video")!;
    expect(a.codec_name).toBe("pcm_s24le");
    expect(a.sample_rate).toBe("48000");
    expect(Number(a.duration)).toBeCloseTo(Number(v.duration), 3);
  }, 240_000);

  it("a take drafted with sound off has none, and the card says nothing about sound", async () => {
    const p = panel();
    await p.getByRole("checkbox", { name: "Sound" }).uncheck();
    await p.getByRole("button", { name: "Draft" }).click();
    await expect.poll(async () => await p.getByRole("article", { name: "Take 1" }).count(), { timeout: 30_000 }).toBe(1);
    const card = p.getByRole("article", { name: "Take 1" }).last();
    await card.getByRole("button", { name: "Import" }).waitFor({ state: "visible", timeout: 90_000 });
    await expect.poll(async () => await card.locator("video").count(), { timeout: 90_000 }).toBe(1);
    expect(await card.getByTestId("take-sound").count()).toBe(0);
    expect(await card.getByRole("button", { name: "Play with sound" }).count()).toBe(0);
  }, 240_000);
});
