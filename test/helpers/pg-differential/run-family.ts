/**
 * Runs one family's cases on both sides and gathers what a failure report
 * needs: the failing cases (the first few shrunk to a minimal repro), how
 * many compared real model answers, and whether a side kept stalling.
 */
import type pg from 'pg';
import type { Case, Family } from './case.ts';
import { formatDriverFailure, generateDriverCase, runDriverCase } from './driver.ts';
import { generateCase, type WireFamily } from './generate.ts';
import { caseHeader, formatFailure } from './report.ts';
import { runCase } from './run-case.ts';
import { shrink } from './shrink.ts';
import type { Side } from './side.ts';

export interface FamilyRun {
  readonly family: Family;
  readonly runSeed: number;
  readonly indices: readonly number[];
  readonly direct: Side;
  readonly emulator: Side;
  /** node-postgres clients on both sides, for the driver family. */
  readonly clients: () => Promise<readonly [pg.Client, pg.Client]>;
  readonly timeoutMs: number;
  /** The family stops after this many stalls. */
  readonly maxStalls: number;
  /** Failing cases to shrink, and the trial budget for each. */
  readonly shrink: { readonly cases: number; readonly budget: number };
}

export interface FamilyResult {
  readonly ran: number;
  /** Reports of the failing cases, in order. */
  readonly failures: readonly string[];
  readonly failed: readonly Pick<Case, 'title'>[];
  /** Cases whose rows held model answers on the direct side. */
  readonly withMlValues: number;
}

export async function runFamily(run: FamilyRun): Promise<FamilyResult> {
  const failures: string[] = [];
  const failed: Pick<Case, 'title'>[] = [];
  let stalls = 0;
  let withMlValues = 0;
  let ran = 0;
  let clients: readonly [pg.Client, pg.Client] | null = null;
  for (const index of run.indices) {
    ran++;
    if (run.family === 'driver') {
      clients ??= await run.clients();
      const c = generateDriverCase(run.runSeed, index);
      const outcome = await runDriverCase(c, clients[0], clients[1], run.timeoutMs);
      if (outcome.diffs.length > 0) {
        failures.push(formatDriverFailure(caseHeader(run.runSeed, c), c, outcome.diffs));
        failed.push(c);
      }
      if (outcome.ml) withMlValues++;
      if (outcome.stalled) {
        stalls++;
        for (const client of clients) client.connection.stream.destroy();
        clients = null;
      }
    } else {
      const c = generateCase(run.runSeed, run.family as WireFamily, index);
      const outcome = await runCase(c, run.direct, run.emulator);
      if (outcome.diffs.length > 0) {
        let shrunk: { c: Case; outcome: typeof outcome } | undefined;
        if (failed.length < run.shrink.cases && outcome.stalled === null) {
          const small = await shrink(c, outcome, run.direct, run.emulator, run.shrink.budget);
          shrunk = { c: small, outcome: await runCase(small, run.direct, run.emulator) };
        }
        failures.push(formatFailure(run.runSeed, c, outcome, shrunk));
        failed.push(c);
      }
      if (outcome.ml) withMlValues++;
      if (outcome.stalled) stalls++;
    }
    if (stalls >= run.maxStalls) {
      failures.push(`${run.family}: stopped after ${stalls} stalls (at case ${index})`);
      break;
    }
  }
  return { ran, failures, failed, withMlValues };
}
