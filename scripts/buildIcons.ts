/**
 * The plugin's icons, drawn with ffmpeg (no image files downloaded or hand-made): a film frame
 * with a header bar and a "take" block, in a dark glyph for light themes and a light glyph for
 * dark themes, at every size and scale the manifest names.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const GLYPH = { light: "0x464646", dark: "0xD8D8D8" } as const;

export function drawIcon(outPath: string, width: number, height: number, theme: keyof typeof GLYPH): void {
  const c = `${GLYPH[theme]}@1`;
  const m = Math.max(1, Math.round(width / 16));
  const t = Math.max(1, Math.round(width / 16));
  const frameY = Math.round(height * 0.22);
  const frameH = height - frameY - m;
  const blockW = Math.round(width * 0.26);
  const blockH = Math.round(frameH * 0.45);
  const filters = [
    `drawbox=x=${m}:y=${frameY}:w=${width - 2 * m}:h=${frameH}:color=${c}:t=${t}`,
    `drawbox=x=${m}:y=${m}:w=${width - 2 * m}:h=${Math.max(1, frameY - m - 1)}:color=${c}:t=fill`,
    `drawbox=x=${Math.round((width - blockW) / 2)}:y=${frameY + Math.round((frameH - blockH) / 2)}:w=${blockW}:h=${blockH}:color=${c}:t=fill`,
  ].join(",");
  fs.mkdirSync(path.dirname(outPath), { recursive: true });
  execFileSync("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", `color=c=black@0:s=${width}x${height},format=rgba`, "-vf", filters, "-frames:v", "1", outPath]);
}

/** Draws every icon the manifest lists that is missing from `pluginDir` (theme from the name). */
export function ensureIcons(pluginDir: string, icons: { path: string; width: number; height: number }[]): string[] {
  const drawn: string[] = [];
  for (const icon of icons) {
    const out = path.join(pluginDir, icon.path);
    if (fs.existsSync(out)) continue;
    drawIcon(out, icon.width, icon.height, /dark/i.test(icon.path) ? "dark" : "light");
    drawn.push(icon.path);
  }
  return drawn;
}
