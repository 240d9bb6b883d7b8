import { execFileSync } from "node:child_process";
import type { FrameLocator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HarnessState } from "../../src/host/browser/harnessState.js";
import type { RunningBackend } from "../../src/server/backend.js";
import { openStudio, type Studio } from "../helpers/studio.js";

/**
 * The walking skeleton, end to end, as an editor does it: real backend, real ffmpeg, real
 * Chromium driving the harness page and the panel inside it. Steps 2–5 of issue 2, once per
 * sequence color space, then ffprobe checks the imported master.
 */
let studio: Studio;
let backend: RunningBackend;
let page: Page;

beforeAll(async () => {
  studio = await openStudio();
  ({ backend, page } = studio);
}, 180_000);

afterAll(async () => {
  await studio?.close(); // fails the file if the page threw anything uncaught
});

const panel = (): FrameLocator => page.frameLocator('iframe[title="Retake panel"]');

async function harnessState() {
  return HarnessState.parse(await (await fetch(`${backend.url}/harness/state`)).json());
}

/** Drags across the drawing area from one fraction of it to another, like a user with a mouse. */
async function drag(from: [number, number], to: [number, number]) {
  const canvas = panel().locator("canvas.upper-canvas").first();
  const box = await canvas.boundingBox();
  if (!box) throw new Error("no drawing canvas");
  await page.mouse.move(box.x + box.width * from[0], box.y + box.height * from[1]);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * ((from[0] + to[0]) / 2), box.y + box.height * ((from[1] + to[1]) / 2), { steps: 4 });
  await page.mouse.move(box.x + box.width * to[0], box.y + box.height * to[1], { steps: 4 });
  await page.mouse.up();
}

function ffprobeStream(file: string) {
  const out = execFileSync("ffprobe", [
    "-v", "error", "-select_streams", "v:0",
    "-show_entries", "stream=codec_name,codec_tag_string,profile,pix_fmt,color_range,color_space,color_transfer,color_primaries:stream_side_data_list",
    "-of", "json", file,
  ]);
  return JSON.parse(out.toString()).streams[0];
}

const expected = {
  rec709: { label: "Rec.709 SDR", primaries: "bt709", transfer: "bt709", space: "bt709" },
  "rec2100-pq": { label: "Rec.2100 PQ", primaries: "bt2020", transfer: "smpte2084", space: "bt2020nc" },
  "rec2100-hlg": { label: "Rec.2100 HLG", primaries: "bt2020", transfer: "arib-std-b67", space: "bt2020nc" },
} as const;

describe("capture → draw → draft → import in the browser harness", () => {
  for (const [colorSpace, want] of Object.entries(expected)) {
    it(`lands a ${want.label} take on the timeline with the right codec and color tags`, async () => {
      const before = await harnessState();
      const clipsBefore = before.sequence.videoTracks.flatMap((t) => t.clips).length;

      await page.getByLabel("Sequence color space").selectOption(colorSpace);
      await expect.poll(async () => (await harnessState()).sequence.colorSpace).toBe(colorSpace);
      const p = panel();
      // The panel polls host.context: it shows the new color space without a reload.
      await expect.poll(async () => (await p.locator("body").innerText()).includes(want.label), { timeout: 10_000 }).toBe(true);

      // 2. Capture the frame at the playhead.
      await p.getByRole("button", { name: "Capture frame" }).click();
      await p.locator("canvas.upper-canvas").first().waitFor({ state: "visible", timeout: 30_000 });

      // 3. Draw a camera move and a framing box, type a prompt, pick duration and count.
      await p.getByRole("button", { name: "Camera move" }).click();
      await drag([0.35, 0.5], [0.6, 0.5]);
      await p.getByRole("button", { name: "Framing box" }).click();
      await drag([0.3, 0.3], [0.7, 0.7]);
      await p.getByLabel("Prompt").fill("Slow drift right over the valley");
      await p.getByLabel("Duration (s)").fill("2");
      await p.getByLabel("Takes").fill("1");
      await p.getByRole("button", { name: "Draft" }).click();

      // 4. A take card appears, shows progress, then a playable preview, tags and cost.
      const card = p.getByRole("article", { name: "Take 1" }).last();
      await card.getByRole("button", { name: "Import" }).waitFor({ state: "visible", timeout: 90_000 });
      await expect.poll(async () => await card.getByRole("button", { name: "Import" }).isEnabled(), { timeout: 90_000 }).toBe(true);
      const video = card.locator("video");
      await expect.poll(async () => await video.evaluate((v: HTMLVideoElement) => v.readyState), { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
      const cardText = await card.innerText();
      expect(cardText).toContain("$0.00");
      expect(cardText).toContain(want.label);

      // 5. Import: the master lands in the media folder, the Retake bin, and on the timeline.
      await card.getByRole("button", { name: "Import" }).click();
      await expect.poll(async () => (await harnessState()).sequence.videoTracks.flatMap((t) => t.clips).length, { timeout: 60_000 }).toBe(clipsBefore + 1);
      const after = await harnessState();
      const item = after.bin.items.at(-1)!;
      expect(after.bin.name).toBe("Retake");
      expect(item.mediaPath.startsWith(after.mediaFolder)).toBe(true);
      const placed = after.sequence.videoTracks.flatMap((t) => t.clips.map((c) => ({ ...c, track: t.index }))).find((c) => c.mediaPath === item.mediaPath)!;
      expect(placed.start).toBeCloseTo(before.sequence.playhead.seconds, 5);
      expect(placed.end - placed.start).toBeCloseTo(2, 5);
      // The timeline strip on the page shows it.
      await expect.poll(async () => (await page.getByRole("region", { name: "Timeline" }).innerText()).includes(item.name), { timeout: 10_000 }).toBe(true);

      const stream = ffprobeStream(item.mediaPath);
      expect(stream.codec_name).toBe("prores");
      expect(stream.codec_tag_string).toBe("apch");
      expect(stream.pix_fmt).toBe("yuv422p10le");
      expect(stream.color_primaries).toBe(want.primaries);
      expect(stream.color_transfer).toBe(want.transfer);
      expect(stream.color_space).toBe(want.space);
      if (colorSpace === "rec2100-pq") {
        const sideData = (stream.side_data_list ?? []).map((d: { side_data_type: string }) => d.side_data_type);
        expect(sideData).toContain("Mastering display metadata");
        expect(sideData).toContain("Content light level metadata");
      }
    }, 240_000);
  }

  it("places a second take above the first when they would overlap", async () => {
    const state = await harnessState();
    const occupied = state.sequence.videoTracks.filter((t) => t.clips.some((c) => c.start <= state.sequence.playhead.seconds && state.sequence.playhead.seconds < c.end));
    // Three imports at the same playhead stacked upward: V1 (sample), then one per take.
    expect(occupied.length).toBe(4);
    const indexes = occupied.map((t) => t.index).sort();
    expect(indexes).toEqual([0, 1, 2, 3]);
  });
});
