/**
 * The HTTP API fuzz suite, shared by `npm test` and the soak: raw requests
 * four at a time against a fresh emulator's API port, each followed by a
 * valid request that must still be served.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from '../emulator.ts';
import { fuzzCases } from './budget.ts';
import { httpCase } from './http-cases.ts';
import { checkApiServes, runHttpCase } from './http-probe.ts';
import { type FuzzReport, runFuzz } from './run.ts';

export function apiFuzzSuite(defaultCases: number, onReport?: (r: FuzzReport) => void): void {
  let env: TestEmulator;

  beforeAll(async () => {
    env = await startTestEmulator();
    await checkApiServes(env.emulator.api.url);
  });

  afterAll(async () => {
    await env?.[Symbol.asyncDispose]();
  });

  const cases = fuzzCases(defaultCases);
  it(`answers ${cases} fuzzed HTTP requests without a 5xx`, { timeout: 60_000 + cases * 1000 }, async () => {
    const statuses: Record<string, number> = {};
    const report = await runFuzz({
      name: 'api',
      cases,
      concurrency: 4,
      batch: 50,
      runCase: async (rng) => {
        const c = httpCase(rng, env.emulator.api.port);
        const status = await runHttpCase(env.emulator.api.port, c);
        statuses[status] = (statuses[status] ?? 0) + 1;
        try {
          await checkApiServes(env.emulator.api.url);
        } catch (err) {
          throw new Error(`${c.label}: after the case: ${(err as Error).message}`);
        }
        return c.label;
      },
    });
    console.log(`[fuzz] api statuses ${JSON.stringify(statuses)} (0 = broken request closed unanswered)`);
    onReport?.(report);
    expect(report.failures).toEqual([]);
  });
}
