import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Tests that measure latency or memory against a target. They run as a group
 * of their own, before the rest: never right after the tests that install and
 * build whole projects (dockerfile, package-consumer), whose disk writes a
 * 2-core machine is still flushing for a while after.
 */
const MEASURING = ['test/flood-fairness.test.ts', 'test/pg-large-statements.test.ts', 'test/mysql-large-statements.test.ts'];

export default defineConfig({
  test: {
    // Names every missing server or program once, before any file fails on ECONNREFUSED (TEST_PREFLIGHT=off skips).
    globalSetup: ['test/preflight.ts'],
    // package.json pins the AWS SDK to releases that support Node 20 (later ones need Node 22), so their
    // notice about future releases is noise here (AWS's documented switch).
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // The suites share two real database servers on a 2-core machine.
    fileParallelism: false,
    projects: [
      { extends: true, test: { name: 'measuring', include: MEASURING, sequence: { groupOrder: 0 } } },
      {
        extends: true,
        test: {
          name: 'functional',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...MEASURING],
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
