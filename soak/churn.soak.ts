/**
 * Issue 11: 10,000 connect/disconnect cycles on each front (Terminate /
 * COM_QUIT, abrupt closes after login, in the middle of an ML statement and
 * before login finished), eight at a time, against the machine's servers.
 * The process's RSS after must stay within RSS_BOUND of the RSS before (both
 * after a warm-up and a full GC), the upstream must be back to its sessions
 * from before, and a fresh client must still get its ML answer. The call log
 * (a ring of 10,000 calls, several KB each, kept by design) is cleared before
 * both measurements, so what it holds is not mistaken for a leak.
 */
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../src/index.ts';
import {
  mysqlConnectionOptions,
  startMysqlEmulator,
  startTestEmulatorWithMl,
  type TestEmulator,
  UPSTREAM,
} from '../test/helpers/emulator.ts';
import { checkMySqlAnswers, mysqlThreads } from '../test/helpers/fuzz/mysql-probe.ts';
import { checkPgAnswers, pgSessions } from '../test/helpers/fuzz/pg-probe.ts';
import { settlesTo } from '../test/helpers/fuzz/run.ts';
import { inMb, MB, pool, settledMemory } from './memory.ts';
import { MYSQL_ENDINGS, mysqlCycle } from './mysql-cycles.ts';
import { PG_ENDINGS, pgCycle } from './pg-cycles.ts';
import { recordFigure } from './summary.ts';

const CYCLES = Number(process.env.SOAK_CYCLES ?? 10_000);
const WARMUP = 500;
const CONCURRENCY = 8;
/**
 * Growth allowed over 10,000 cycles. RSS is noisy (allocator arenas, socket
 * buffers), so its bound is loose; the heap after a full GC is not: 8 MB is
 * under 1 KB a cycle, while one PostgreSQL session object kept per cycle
 * (about 8 KB) trips it even if only a tenth of the cycles leak it.
 */
const RSS_BOUND = 64 * MB;
const HEAP_BOUND = 8 * MB;

interface ChurnFigures {
  readonly failures: string[];
  readonly ms: number;
}

/** Memory with the call log emptied first; how many calls it held. */
async function memoryWithoutCallLog(emulator: Emulator): Promise<{ rss: number; heapUsed: number; calls: number }> {
  const calls = emulator.observer.calls().length;
  emulator.observer.clear();
  return { ...(await settledMemory()), calls };
}

async function churn(cycles: number, run: (i: number) => Promise<void>): Promise<ChurnFigures> {
  const failures: string[] = [];
  const started = performance.now();
  await pool(cycles, CONCURRENCY, async (i) => {
    try {
      await run(i);
    } catch (err) {
      failures.push(`#${i}: ${(err as Error).message}`);
    }
  });
  return { failures, ms: Math.round(performance.now() - started) };
}

describe('PostgreSQL front: 10,000 connect/disconnect cycles', () => {
  let env: TestEmulator;
  let baseline = 0;
  beforeAll(async () => {
    env = await startTestEmulatorWithMl();
    await checkPgAnswers(env.url);
    baseline = await pgSessions(UPSTREAM, env.database);
  });
  afterAll(async () => {
    await env?.[Symbol.asyncDispose]();
  });

  it('keeps RSS bounded and leaves no upstream sessions', async () => {
    const port = env.emulator.postgres.port;
    const cycle = (i: number) => pgCycle(port, env.database, PG_ENDINGS[i % PG_ENDINGS.length] ?? 'destroy', i);
    await churn(WARMUP, cycle);
    await settlesTo(() => pgSessions(UPSTREAM, env.database), baseline, 30_000);
    const before = await memoryWithoutCallLog(env.emulator);
    const run = await churn(CYCLES, cycle);
    const sessions = await settlesTo(() => pgSessions(UPSTREAM, env.database), baseline, 30_000);
    const after = await memoryWithoutCallLog(env.emulator);
    await checkPgAnswers(env.url);
    recordFigure(
      `churn pg: ${CYCLES} cycles (${PG_ENDINGS.join('/')}) x${CONCURRENCY} in ${(run.ms / 1000).toFixed(1)} s, ` +
        `${run.failures.length} failed; RSS ${inMb(before.rss)} -> ${inMb(after.rss)} MB (bound +${inMb(RSS_BOUND)}), ` +
        `heap ${inMb(before.heapUsed)} -> ${inMb(after.heapUsed)} MB (bound +${inMb(HEAP_BOUND)}; call log of ${after.calls} cleared first); upstream sessions ${sessions} (baseline ${baseline})`,
    );
    expect(run.failures.slice(0, 10)).toEqual([]);
    expect(sessions).toBeLessThanOrEqual(baseline);
    expect(after.rss - before.rss).toBeLessThan(RSS_BOUND);
    expect(after.heapUsed - before.heapUsed).toBeLessThan(HEAP_BOUND);
  });
});

describe('MySQL front: 10,000 connect/disconnect cycles', () => {
  const database = `aml_churn_${process.pid}`;
  let admin: mysql.Connection;
  let emu: Emulator;
  let baseline = 0;
  beforeAll(async () => {
    admin = await mysql.createConnection(mysqlConnectionOptions());
    await admin.query(`CREATE DATABASE IF NOT EXISTS ${database}`);
    emu = await startMysqlEmulator(database);
    await checkMySqlAnswers(emu.mysql?.port ?? 0, database);
    baseline = (await mysqlThreads(admin, database, [])).onDatabase;
  });
  afterAll(async () => {
    await emu?.close();
    await admin?.query(`DROP DATABASE IF EXISTS ${database}`);
    await admin?.end();
  });

  it('keeps RSS bounded and leaves no upstream threads', async () => {
    const port = emu.mysql?.port ?? 0;
    const cycle = (i: number) => mysqlCycle(port, database, MYSQL_ENDINGS[i % MYSQL_ENDINGS.length] ?? 'destroy', i);
    const threads = () => mysqlThreads(admin, database, []).then((t) => t.onDatabase);
    await churn(WARMUP, cycle);
    await settlesTo(threads, baseline, 30_000);
    const before = await memoryWithoutCallLog(emu);
    const run = await churn(CYCLES, cycle);
    const left = await settlesTo(threads, baseline, 30_000);
    const after = await memoryWithoutCallLog(emu);
    await checkMySqlAnswers(port, database);
    recordFigure(
      `churn mysql: ${CYCLES} cycles (${MYSQL_ENDINGS.join('/')}) x${CONCURRENCY} in ${(run.ms / 1000).toFixed(1)} s, ` +
        `${run.failures.length} failed; RSS ${inMb(before.rss)} -> ${inMb(after.rss)} MB (bound +${inMb(RSS_BOUND)}), ` +
        `heap ${inMb(before.heapUsed)} -> ${inMb(after.heapUsed)} MB (bound +${inMb(HEAP_BOUND)}; call log of ${after.calls} cleared first); upstream threads on the database ${left} (baseline ${baseline})`,
    );
    expect(run.failures.slice(0, 10)).toEqual([]);
    expect(left).toBeLessThanOrEqual(baseline);
    expect(after.rss - before.rss).toBeLessThan(RSS_BOUND);
    expect(after.heapUsed - before.heapUsed).toBeLessThan(HEAP_BOUND);
  });
});
