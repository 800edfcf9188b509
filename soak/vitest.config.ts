import { defineConfig } from 'vitest/config';

/** `npm run soak`: the long fuzz budgets, the 500-connection load and the connect/disconnect churn. */
export default defineConfig({
  test: {
    include: ['soak/**/*.soak.ts'],
    globalSetup: ['soak/summary-setup.ts'],
    // global.gc for the RSS measurements (the emulator runs in the test process).
    execArgv: ['--expose-gc'],
    testTimeout: 3_600_000,
    hookTimeout: 300_000,
    // One file at a time: they share the machine's database servers and its 2 cores.
    fileParallelism: false,
  },
});
