import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Names every missing server or program once, before any file fails on ECONNREFUSED (TEST_PREFLIGHT=off skips).
    globalSetup: ['test/preflight.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // The suites share two real database servers on a 2-core machine.
    fileParallelism: false,
  },
});
