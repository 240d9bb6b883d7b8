import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { FrameLocator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gateImport } from "../../src/core/colorTags/index.js";
import { Job } from "../../src/core/schemas/index.js";
import { HarnessState } from "../../src/host/browser/harnessState.js";
import type { RunningBackend } from "../../src/server/backend.js";
import { openStudio, type Studio } from "../helpers/studio.js";
import { readColorTagsFromFile } from "../../src/server/files/fileRangedRead.js";

/**
 * Bridge as an editor does it in the harness: park in the gap between two shots, choose Bridge,
 * capture (both anchors), draw, draft on previz, import. The imported master must fill the gap
 * frame-exactly, start on A's picture, end on B's, and carry the sequence's color tags.
 */
let studio: Studio;
let backend: RunningBackend;
let page: Page;
/** Scratch folder for what the test downloads. */
let dataDir: string;

beforeAll(async () => {
  studio = await openStudio();
  ({ backend, page } = studio);
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-e2e-bridge-"));
}, 180_000);

afterAll(async () => {
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  await studio?.close(); // fails the file if the page threw anything uncaught
});

const panel = (): FrameLocator => page.frameLocator('iframe[title="Retake panel"]');
const harnessState = async () => HarnessState.parse(await (await fetch(`${backend.url}/harness/state`)).json());

async function drag(from: [number, number], to: [number, number]) {
  const canvas = panel().locator("canvas.upper-canvas").first();
  const box = await canvas.boundingBox();
  if (!box) throw new Error("no drawing canvas");
  await page.mouse.move(box.x + box.width * from[0], box.y + box.height * from[1]);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * to[0], box.y + box.height * to[1], { steps: 6 });
  await page.mouse.up();
}

/** A picture as 64×36 8-bit grey (ffmpeg scales and converts), for comparing frames. */
function grey(file: string, select?: string): Uint8Array {
  const args = ["-v", "error", "-i", file, ...(select ? ["-vf", `select='${select}',scale=64:36`, "-frames:v", "1"] : ["-vf", "scale=64:36", "-frames:v", "1"]), "-f", "rawvideo", "-pix_fmt", "gray", "-"];
  return new Uint8Array(execFileSync("ffmpeg", args));
}
const meanDiff = (a: Uint8Array, b: Uint8Array) => a.reduce((sum, v, i) => sum + Math.abs(v - b[i]!), 0) / a.length;

async function download(url: string, headers: Record<string, string>, to: string): Promise<string> {
  const res = await fetch(url, { headers });
  if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
  fs.writeFileSync(to, Buffer.from(await res.arrayBuffer()));
  return to;
}

describe("Bridge in the browser harness", () => {
  it("fills the gap between two shots with a previz bridge: frame-exact, anchored on A and B, tagged like the sequence", async () => {
    const before = await harnessState();
    const v1 = before.sequence.videoTracks.find((t) => t.index === 0)!;
    const [, ridge, meadow] = v1.clips;
    expect(meadow!.start - ridge!.end).toBeCloseTo(2.5, 6);
    // Park in the gap (as a click on the ruler would).
    await fetch(`${backend.url}/harness/sequence`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ playheadSeconds: 17 }) });

    const p = panel();
    await p.getByLabel("Placement").selectOption("bridge");
    await p.getByRole("button", { name: "Capture frame" }).click();
    const anchors = p.getByRole("group", { name: "Bridge anchors" });
    await anchors.waitFor({ state: "visible", timeout: 30_000 });
    await expect.poll(async () => await anchors.getByRole("img").count()).toBe(2);
    const plan = p.getByTestId("bridge-plan");
    await expect.poll(async () => await plan.innerText(), { timeout: 10_000 }).toMatch(/fills the gap[\s\S]*60 frames[\s\S]*Generates 3 s[\s\S]*20 % faster/);
    expect(await plan.innerText()).not.toMatch(/more than 25 %/);

    // Draw on B's picture: the direction is the same on either anchor.
    await anchors.getByRole("button", { name: /End/ }).click();
    await expect.poll(async () => await anchors.getByRole("button", { name: /End/ }).getAttribute("aria-pressed")).toBe("true");
    await p.getByRole("button", { name: "Camera move" }).click();
    await drag([0.45, 0.5], [0.55, 0.5]);
    await p.getByLabel("Prompt").fill("Drift across the valley to the meadow");
    await p.getByLabel("Takes").fill("1");
    await p.getByRole("button", { name: "Draft" }).click();

    const card = p.getByRole("article", { name: "Take 1" }).last();
    await expect.poll(async () => (await card.getByRole("button", { name: "Import" }).count()) > 0 && (await card.getByRole("button", { name: "Import" }).isEnabled()), { timeout: 240_000, interval: 500 }).toBe(true);
    await expect.poll(async () => await card.getByTestId("bridge-speed").innerText()).toMatch(/20 % faster \(72 generated frames fitted to 60/);

    await card.getByRole("button", { name: "Import" }).click();
    await expect.poll(async () => (await harnessState()).bin.items.length, { timeout: 60_000 }).toBe(before.bin.items.length + 1);
    const after = await harnessState();
    const item = after.bin.items.at(-1)!;
    const placed = after.sequence.videoTracks.find((t) => t.index === 0)!.clips.find((c) => c.mediaPath === item.mediaPath);
    expect(placed, "the bridge lands on A and B's own track").toBeDefined();
    expect(placed!.start).toBeCloseTo(ridge!.end, 9);
    expect(placed!.end).toBeCloseTo(meadow!.start, 9);

    // Frame-exact: 60 frames at 24 fps, the gap's length.
    const frames = Number(execFileSync("ffprobe", ["-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", item.mediaPath]).toString().trim());
    const rate = execFileSync("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=r_frame_rate", "-of", "csv=p=0", item.mediaPath]).toString().trim();
    expect(frames).toBe(60);
    expect(rate).toBe("24/1");

    // Anchored: the first frame is A's captured picture, the last B's (and not the other way round).
    const auth: Record<string, string> = after.token ? { authorization: `Bearer ${after.token}` } : {};
    const listed = (await (await fetch(`${backend.url}/v1/jobs`, { headers: auth })).json()) as { jobs: unknown[] };
    const job = listed.jobs.map((j) => Job.parse(j)).find((j) => j.takes.some((t) => t.id === item.takeId))!;
    expect(job.frame.mode).toBe("bridge");
    const a = grey(await download(`${backend.url}/v1/frames/${job.frame.frameId}/image`, auth, path.join(dataDir, "a.png")));
    const b = grey(await download(`${backend.url}/v1/frames/${job.frame.bridge!.endFrameId}/image`, auth, path.join(dataDir, "b.png")));
    const first = grey(item.mediaPath, "eq(n,0)");
    const last = grey(item.mediaPath, "eq(n,59)");
    expect(meanDiff(a, b), "A and B must differ for this test to mean anything").toBeGreaterThan(8);
    expect(meanDiff(first, a)).toBeLessThan(4);
    expect(meanDiff(last, b)).toBeLessThan(4);
    expect(meanDiff(first, b)).toBeGreaterThan(meanDiff(first, a) + 4);

    // Tags agree with the sequence (the same gate the hosts run).
    const tags = await readColorTagsFromFile(item.mediaPath);
    expect(gateImport(tags, after.sequence.colorSpace)).toMatchObject({ ok: true });
  }, 420_000);
});
