import { defineConfig } from "vitest/config";

// One runner for everything: unit, API and contract tests, and e2e tests that drive real
// Chromium against a real backend and real ffmpeg. Two workers, one per core.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "test/**/*.test.tsx"],
    // Installs (as root on Debian/Ubuntu) or asks for ffmpeg and Chromium before anything runs.
    // PostgreSQL for team mode's store: the machine's, CI's, or a throwaway cluster (RETAKE_TEST_PG_URL).
    globalSetup: ["test/setup/provision.ts", "test/setup/postgres.ts"],
    // Hang guards, not speed targets (those live in `npm run bench`): generous, because a full
    // run shares two cores between ffmpeg renders, conforms and Chromium.
    testTimeout: 180_000,
    hookTimeout: 240_000,
    pool: "forks",
    maxWorkers: 2,
    fileParallelism: true,
  },
});
