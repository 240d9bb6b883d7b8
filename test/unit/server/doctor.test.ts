import { spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// `retake doctor` as a person runs it: the whole command, in its own process.
const bin = path.resolve(import.meta.dirname, "../../../bin/retake.mjs");
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

function doctor(env: Record<string, string | undefined>) {
  const base = { ...process.env };
  for (const key of ["RETAKE_FFMPEG", "RETAKE_FFPROBE", "LUMA_API_KEY", "RUNWAY_API_KEY", "FAL_KEY"]) delete base[key];
  return spawnSync(process.execPath, [bin, "doctor"], { env: { ...base, ...env }, encoding: "utf8", timeout: 60_000 });
}

describe("retake doctor", () => {
  it("on a machine with everything: versions, capabilities, where ffmpeg came from, and nothing to fix", async () => {
    const result = doctor({ RETAKE_DATA_DIR: path.join(dir, "ok"), RETAKE_PORT: String(await freePort()) });
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(/ok {2}ffmpeg +\d+\.\d+\S*, the system's \(.*ffmpeg\); has .*prores_ks encoder.*OpenEXR encoder/);
    expect(result.stdout).toMatch(/ok {2}ffprobe +\d+\.\d+/);
    expect(result.stdout).toMatch(/ok {2}Node\.js +v\d+/);
    expect(result.stdout).toMatch(/ok {2}data folder +.* is writable/);
    expect(result.stdout).toMatch(/Nothing to fix\.\n$/);
    expect(result.status).toBe(0);
  });

  it("names each problem with its fix, and says which keys are set without ever printing one", async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
    const port = (blocker.address() as net.AddressInfo).port;
    const readOnly = path.join(dir, "read-only");
    fs.writeFileSync(readOnly, "a file where the data folder should be");
    try {
      const result = doctor({
        RETAKE_FFMPEG: path.join(dir, "no-ffmpeg"),
        RETAKE_DATA_DIR: path.join(readOnly, "data"),
        RETAKE_PORT: String(port),
        LUMA_API_KEY: "luma-secret-value-123",
        FAL_KEY: "fal-id:fal-secret-value-456",
      });
      expect(result.status).toBe(1);
      const out = result.stdout;
      expect(out).toMatch(/FIX ffmpeg +not found \(RETAKE_FFMPEG is set to .*no-ffmpeg, which is not an executable file\)\n\s+→ .*apt-get install ffmpeg/);
      expect(out).toMatch(/FIX data folder +.*read-only\/data is not writable \(ENOTDIR\)\n\s+→ Set RETAKE_DATA_DIR/);
      expect(out).toMatch(new RegExp(`FIX port +127\\.0\\.0\\.1:${port} is in use.*\\n\\s+→ .*RETAKE_PORT`));
      expect(out).toContain("Luma: LUMA_API_KEY set; Runway: RUNWAY_API_KEY not set");
      expect(out).not.toContain("luma-secret-value-123");
      expect(out).toContain("fal: FAL_KEY set");
      expect(out).not.toContain("fal-secret-value-456");
      expect(out).toMatch(/3 things to fix/);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    } finally {
      blocker.close();
    }
  });

  it("on a fresh machine (no ffmpeg on the PATH): says so, with the one command for this platform", async () => {
    // A PATH holding only node, as on a machine where nothing but Node and npm was installed.
    const bare = path.join(dir, "bare-path");
    fs.mkdirSync(bare, { recursive: true });
    fs.symlinkSync(process.execPath, path.join(bare, "node"));
    const result = doctor({ PATH: bare, RETAKE_DATA_DIR: path.join(dir, "fresh"), RETAKE_PORT: String(await freePort()) });
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/FIX ffmpeg +not found \(not on the PATH and RETAKE_FFMPEG is not set\)\n\s+→ (sudo )?apt-get install ffmpeg, or set RETAKE_FFMPEG and RETAKE_FFPROBE to the binaries/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
