import { defineConfig } from "vitest/config";

// One runner for everything: unit and contract tests are fast; e2e tests drive real Chromium
// against a real backend and real ffmpeg, so they get longer timeouts and run one file at a time.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "test/**/*.test.tsx"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    maxWorkers: 2,
    fileParallelism: true,
  },
});
