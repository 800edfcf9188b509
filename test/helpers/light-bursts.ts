/**
 * What the light path of a statement of calls on literals
 * (src/aurora/pg/literal-statement.ts) sends its upstream, as a counting
 * relay sees it: the settings probe, then the statement with its answers
 * written in (between a savepoint and its release inside the client's block);
 * or, once the session has the probe's answer, both in one round trip.
 */
import { expect } from 'vitest';

const PROBE = "current_setting('statement_timeout')";
const ANSWERED = '$aurora_ml_answers$';
const GUARDED = /SAVEPOINT aurora_ml_statement.*\$aurora_ml_answers\$.*RELEASE SAVEPOINT aurora_ml_statement/s;

/** Checks the bursts of one light statement and returns how many round trips it took. */
export function expectLightBursts(bursts: readonly string[], label: string, inBlock: boolean): number {
  expect(bursts.length, `${label}\n${bursts.join('\n----\n')}`).toBeGreaterThanOrEqual(1);
  expect(bursts.length, `${label}\n${bursts.join('\n----\n')}`).toBeLessThanOrEqual(2);
  const last = bursts.at(-1) as string;
  if (bursts.length === 2) {
    expect(bursts[0], label).toContain(PROBE);
    expect(bursts[0], label).not.toContain(ANSWERED);
  } else {
    // The probe goes ahead of the run it vouches for.
    expect(last.indexOf(PROBE), label).toBeGreaterThanOrEqual(0);
    expect(last.indexOf(PROBE), label).toBeLessThan(last.indexOf(ANSWERED));
  }
  if (inBlock) expect(last, label).toMatch(GUARDED);
  else expect(last, label).toContain(ANSWERED);
  for (const burst of bursts) expect(burst, label).not.toMatch(/begin_statement|COPY|_args\(|set_config/);
  if (!inBlock) for (const burst of bursts) expect(burst, label).not.toMatch(/BEGIN|SAVEPOINT|COMMIT/);
  return bursts.length;
}
