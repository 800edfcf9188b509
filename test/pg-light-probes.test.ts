/**
 * Which statements make a PostgreSQL session drop the settings-probe answers
 * its light path keeps (src/aurora/pg/literal-statement.ts forgetProbesFor):
 * those that may change the settings a call is evaluated under. On text alone.
 */
import { describe, expect, it } from 'vitest';
import { forgetProbesFor } from '../src/aurora/pg/literal-statement.ts';
import type { SessionSettings } from '../src/aurora/pg/loop-settings.ts';

const SETTINGS: SessionSettings = {
  statementTimeoutMs: 0,
  restore: '',
  inferenceTimeoutMs: 30_000,
  serverUtf8: true,
  answersAllowed: true,
  cachedAllowed: false,
};

/** True when the statement made a session with one kept answer drop it. */
function forgets(sql: string): boolean {
  const state = { cachedRows: 0, probes: new Map([['probe', SETTINGS]]) };
  forgetProbesFor(sql, state);
  return state.probes.size === 0;
}

/** [statement, whether a session drops its kept answers after it] */
const CASES: readonly (readonly [string, boolean])[] = [
  // Statements that may change the settings a call is evaluated under.
  ['SET statement_timeout = 100', true],
  ['  set local aurora_ml.inference_timeout = 200', true],
  ['SET aurora_ml_inference_timeout = 200', true],
  ['RESET ALL', true],
  ['DISCARD ALL', true],
  ['SET ROLE app', true],
  ["SELECT set_config('statement_timeout', '5s', false)", true],
  ["SELECT pg_catalog.SET_CONFIG('aurora_ml.inference_timeout', '1', true)", true],
  ['BEGIN; SET LOCAL statement_timeout = 5', true],
  // Statements that leave them alone, an UPDATE ... SET among them.
  ['SELECT 1', false],
  ["UPDATE tickets SET sentiment = 'x' WHERE id = 1", false],
  ['INSERT INTO settings_log VALUES (1)', false],
  ['SELECT * FROM asset_reset', false],
  ['COMMIT', false],
];

describe('the light path forgets its kept probe answers', () => {
  it('after statements that may change settings, and only those', () => {
    for (const [sql, expected] of CASES) expect(forgets(sql), sql).toBe(expected);
  });

  it('after any text too long to search (a bulk INSERT), and never for a session without kept answers', () => {
    expect(forgets(`INSERT INTO t VALUES ${"('x'),".repeat(20_000)}('x')`)).toBe(true);
    const state = { cachedRows: 0 };
    forgetProbesFor('SET statement_timeout = 1', state);
    expect(state).toEqual({ cachedRows: 0 });
  });
});
