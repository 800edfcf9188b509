/**
 * The MySQL wire fuzz suite, shared by `npm test` and the soak: an emulator
 * with a MySQL front on a database of its own, cases run three at a time,
 * each followed by a fresh ML query, and every batch by a check that the
 * upstream threads the cases opened have ended and the database has no more
 * threads than before the fuzzing.
 */
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Emulator } from '../../../src/index.ts';
import { mysqlConnectionOptions, startMysqlEmulator } from '../emulator.ts';
import { fuzzCases } from './budget.ts';
import { mysqlCase } from './mysql-cases.ts';
import { checkMySqlAnswers, type MySqlOutcome, mysqlThreads, runMySqlCase } from './mysql-probe.ts';
import { type FuzzReport, runFuzz, settlesTo } from './run.ts';

export function mysqlWireFuzzSuite(defaultCases: number, onReport?: (r: FuzzReport) => void): void {
  const database = `aml_fuzz_${process.pid}_${Math.random().toString(36).slice(2, 7)}`;
  let admin: mysql.Connection;
  let emu: Emulator;
  let port = 0;
  let baseline = 0;

  beforeAll(async () => {
    admin = await mysql.createConnection(mysqlConnectionOptions());
    await admin.query(`CREATE DATABASE ${database}`);
    emu = await startMysqlEmulator(database);
    port = emu.mysql?.port ?? 0;
    await checkMySqlAnswers(port, database);
    baseline = (await mysqlThreads(admin, database, [])).onDatabase;
  });

  afterAll(async () => {
    await emu?.close();
    await admin?.query(`DROP DATABASE IF EXISTS ${database}`);
    await admin?.end();
  });

  const cases = fuzzCases(defaultCases);
  it(`survives ${cases} fuzzed packet sequences (handshake and command phases)`, { timeout: 60_000 + cases * 3000 }, async () => {
    const outcomes: Record<MySqlOutcome, number> = { answered: 0, closed: 0, silent: 0 };
    let threads: number[] = [];
    const report = await runFuzz({
      name: 'mysql-wire',
      cases,
      concurrency: 3,
      batch: 25,
      runCase: async (rng, index) => {
        const c = mysqlCase(rng, database, index);
        const { outcome, threadId } = await runMySqlCase(port, database, c);
        outcomes[outcome]++;
        if (threadId > 0) threads.push(threadId);
        try {
          await checkMySqlAnswers(port, database);
        } catch (err) {
          throw new Error(`${c.label}: after the case: ${(err as Error).message}`);
        }
        return c.label;
      },
      afterBatch: async () => {
        const ids = threads;
        threads = [];
        let last = { alive: ids, onDatabase: 0 };
        await settlesTo(async () => {
          last = await mysqlThreads(admin, database, ids);
          return last.alive.length + Math.max(0, last.onDatabase - baseline);
        }, 0);
        if (last.alive.length > 0 || last.onDatabase > baseline) {
          throw new Error(
            `upstream threads left: ${last.alive.length} of the cases' ${ids.length} (${last.alive.join(',')}); ` +
              `${last.onDatabase} on the database, baseline ${baseline}`,
          );
        }
      },
    });
    console.log(`[fuzz] mysql-wire outcomes ${JSON.stringify(outcomes)}, upstream thread baseline ${baseline}`);
    onReport?.(report);
    expect(report.failures).toEqual([]);
  });
}
