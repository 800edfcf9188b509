/**
 * The PostgreSQL wire fuzz suite, shared by `npm test` (small budget) and the
 * soak (FUZZ_CASES): an emulator with aws_ml installed, cases run three at a
 * time, each followed by a fresh ML query, and every batch by a check that the
 * upstream has no more sessions on the test database than before the fuzzing.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestEmulatorWithMl, type TestEmulator, UPSTREAM } from '../emulator.ts';
import { fuzzCases } from './budget.ts';
import { pgCase } from './pg-cases.ts';
import { checkPgAnswers, type PgOutcome, pgSessions, runPgCase } from './pg-probe.ts';
import { type FuzzReport, runFuzz, settlesTo } from './run.ts';

export function pgWireFuzzSuite(defaultCases: number, onReport?: (r: FuzzReport) => void): void {
  let env: TestEmulator;
  let baseline = 0;

  beforeAll(async () => {
    env = await startTestEmulatorWithMl();
    await checkPgAnswers(env.url);
    baseline = await settlesTo(() => pgSessions(UPSTREAM, env.database), 0, 2000);
  });

  afterAll(async () => {
    await env?.[Symbol.asyncDispose]();
  });

  const cases = fuzzCases(defaultCases);
  it(`survives ${cases} fuzzed message sequences (startup and ready phases)`, { timeout: 60_000 + cases * 3000 }, async () => {
    const outcomes: Record<PgOutcome, number> = { answered: 0, closed: 0, silent: 0 };
    const report = await runFuzz({
      name: 'pg-wire',
      cases,
      concurrency: 3,
      batch: 25,
      runCase: async (rng) => {
        const c = pgCase(rng, env.database);
        outcomes[await runPgCase({ port: env.emulator.postgres.port, database: env.database }, c)]++;
        try {
          await checkPgAnswers(env.url);
        } catch (err) {
          throw new Error(`${c.label}: after the case: ${(err as Error).message}`);
        }
        return c.label;
      },
      afterBatch: async () => {
        const n = await settlesTo(() => pgSessions(UPSTREAM, env.database), baseline);
        if (n > baseline) throw new Error(`upstream sessions on the test database: ${n}, baseline ${baseline}`);
      },
    });
    console.log(`[fuzz] pg-wire outcomes ${JSON.stringify(outcomes)}, upstream session baseline ${baseline}`);
    onReport?.(report);
    expect(report.failures).toEqual([]);
  });
}
