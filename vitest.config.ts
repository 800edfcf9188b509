import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Names every missing server or program once, before any file fails on ECONNREFUSED (TEST_PREFLIGHT=off skips).
    globalSetup: ['test/preflight.ts'],
    // package.json pins the AWS SDK to releases that support Node 20 (later ones need Node 22), so their
    // notice about future releases is noise here (AWS's documented switch).
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // The suites share two real database servers on a 2-core machine.
    fileParallelism: false,
  },
});
