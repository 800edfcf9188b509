/**
 * The fixed cost of ONE ML call through each front (issue 15): counts the
 * round trips between the emulator and its upstream for a single literal
 * call, then times single calls (a distinct text each, so no cache answers)
 * and SELECT 1 through the same emulator, on both fronts.
 *
 *   npx tsx bench/single-call.ts            # counts and timings
 *   SINGLE_CALLS=500 npx tsx bench/single-call.ts
 *   SINGLE_ONLY=count npx tsx bench/single-call.ts   # only the round-trip counts
 *
 * Round trips are counted by a loopback TCP relay between the emulator and
 * each upstream: one round trip is a burst of bytes towards the server
 * followed by the server's answer (a burst ends when the server speaks).
 * The timings use a second emulator straight in front of the servers, in a
 * process of its own, as users run it.
 */
import pino from 'pino';
import { type Emulator, startEmulator } from '../src/index.ts';
import { type CountingRelay, startCountingRelay } from '../test/helpers/counting-relay.ts';
import { startEmulatorProcess } from './emulator-process.ts';
import { mysqlConnection, mysqlSentimentRoundTrips } from './mysql-roundtrip.ts';
import { freshDatabase } from './pgbench.ts';
import { type LatencyResult, pgConnection, selectOneRoundTrips, sentimentRoundTrips } from './roundtrip.ts';
import { freshMysqlDatabase } from './sysbench.ts';

const DATABASE = 'aurora_ml_single_call';
const PG = { host: '127.0.0.1', port: 5432, user: 'postgres', database: DATABASE };
const MY = { host: '127.0.0.1', port: 3306, user: 'root', database: DATABASE };
const CALLS = Number(process.env.SINGLE_CALLS ?? 2000);
/** A fresh emulator process's JIT needs about this many calls to reach its steady state (see bench/run.ts). */
const WARM_UP = Number(process.env.SINGLE_WARM_UP ?? 2000);
const ONLY = process.env.SINGLE_ONLY ?? '';

async function start(pgPort: number, myPort: number): Promise<Emulator> {
  return startEmulator({
    pgListen: '127.0.0.1:0',
    apiListen: '127.0.0.1:0',
    pgUpstream: `postgres://${PG.user}@${PG.host}:${pgPort}/${DATABASE}`,
    mysqlListen: '127.0.0.1:0',
    mysqlUpstream: `mysql://${MY.user}@${MY.host}:${myPort}/${DATABASE}`,
    logger: pino({ level: 'warn' }, pino.destination(2)),
  });
}

const pgUrl = (e: Emulator) =>
  `postgres://${PG.user}@${e.postgres.url.replace(/^postgres:\/\/[^@]*@/, '').replace(/\/.*$/, '')}/${DATABASE}`;
const myUrl = (e: Emulator) => {
  const front = e.mysql;
  if (front === null) throw new Error('no MySQL front');
  return front.url.replace(/\/[^/]*$/, `/${DATABASE}`);
};

async function countRoundTrips(): Promise<void> {
  const pgRelay = await startCountingRelay(PG);
  const myRelay = await startCountingRelay(MY);
  const emulator = await start(pgRelay.port, myRelay.port);
  try {
    const pgc = await pgConnection(pgUrl(emulator));
    const myc = await mysqlConnection(myUrl(emulator));
    for (let i = 0; i < 300; i++) {
      await pgc.query(`SELECT * FROM aws_comprehend.detect_sentiment('warm ${i}', 'en')`);
      await myc.query(`SELECT aws_comprehend_detect_sentiment('warm ${i}', 'en') AS sentiment`);
    }
    /** Runs `sql(i)` SAMPLES times; prints the last call's bursts and the mean time per burst. */
    const SAMPLES = 100;
    const measure = async (label: string, relay: CountingRelay, run: (i: number) => Promise<unknown>) => {
      const upstream: number[] = [];
      const gaps: number[] = [];
      let last: string[] = [];
      for (let i = 0; i < SAMPLES; i++) {
        relay.reset();
        await run(i);
        last = relay.bursts();
        const times = relay.times();
        times.forEach(([sent, answered], k) => {
          upstream[k] = (upstream[k] ?? 0) + (answered - sent) / SAMPLES;
          gaps[k] = (gaps[k] ?? 0) + (k === 0 ? 0 : sent - (times[k - 1]?.[1] ?? sent)) / SAMPLES;
        });
      }
      console.log(`${label}: ${last.length} round trips to the upstream`);
      for (const [k, b] of last.entries()) {
        const times = `upstream ${upstream[k]?.toFixed(3)} ms, emulator before it ${gaps[k]?.toFixed(3)} ms`;
        console.log(`  ${k + 1}. [${times}] ${b.slice(0, 400)}`);
      }
    };
    await measure('PostgreSQL, one call (idle session)', pgRelay, (i) =>
      pgc.query(`SELECT * FROM aws_comprehend.detect_sentiment('count me ${i}', 'en')`),
    );
    await pgc.query('BEGIN');
    await measure('PostgreSQL, one call (inside BEGIN)', pgRelay, (i) =>
      pgc.query(`SELECT * FROM aws_comprehend.detect_sentiment('count me in a block ${i}', 'en')`),
    );
    await pgc.query('COMMIT');
    await measure('MySQL, one call (autocommit)', myRelay, (i) =>
      myc.query(`SELECT aws_comprehend_detect_sentiment('count me ${i}', 'en') AS sentiment`),
    );
    await myc.query('BEGIN');
    await measure('MySQL, one call (inside BEGIN)', myRelay, (i) =>
      myc.query(`SELECT aws_comprehend_detect_sentiment('count me in a block ${i}', 'en') AS sentiment`),
    );
    await myc.query('COMMIT');
    await pgc.end();
    await myc.end();
  } finally {
    await emulator.close();
    await pgRelay.close();
    await myRelay.close();
  }
}

const fmt = (r: LatencyResult) =>
  `median ${r.medianMs.toFixed(3)} ms  p99 ${r.p99Ms.toFixed(3)} ms  mean ${r.meanMs.toFixed(3)} ms`;

/** Timed through an emulator in a process of its own, as users run it (the bench's sections 3 and 6 do the same). */
async function timings(): Promise<void> {
  const emulator = await startEmulatorProcess(`postgres://${PG.user}@${PG.host}:${PG.port}/${DATABASE}`, [
    '--mysql-upstream',
    `mysql://${MY.user}@${MY.host}:${MY.port}/${DATABASE}`,
    '--mysql-listen',
    '127.0.0.1:0',
  ]);
  try {
    const seed = Number(process.env.SINGLE_SEED ?? Date.now() % 100_000);
    const pgSentiment = await sentimentRoundTrips(emulator.url, WARM_UP, CALLS, null, seed);
    console.log(`PG    detect_sentiment  ${fmt(pgSentiment)}`);
    const pgOne = await selectOneRoundTrips(() => pgConnection(emulator.url), WARM_UP, CALLS);
    console.log(`PG    SELECT 1          ${fmt(pgOne)}`);
    const mysqlUrl = emulator.mysqlUrl;
    if (mysqlUrl === null) throw new Error('the emulator process started without its MySQL front');
    const mySentiment = await mysqlSentimentRoundTrips(mysqlUrl, WARM_UP, CALLS, seed);
    console.log(`MySQL detect_sentiment  ${fmt(mySentiment)}`);
    const myOne = await selectOneRoundTrips(() => mysqlConnection(mysqlUrl), WARM_UP, CALLS);
    console.log(`MySQL SELECT 1          ${fmt(myOne)}`);
  } finally {
    await emulator.stop();
  }
}

async function main(): Promise<void> {
  await freshDatabase(PG);
  await freshMysqlDatabase(MY);
  const setup = await start(PG.port, MY.port);
  try {
    const c = await pgConnection(pgUrl(setup));
    await c.query('CREATE EXTENSION IF NOT EXISTS aws_ml CASCADE');
    await c.end();
  } finally {
    await setup.close();
  }
  if (ONLY !== 'time') await countRoundTrips();
  if (ONLY !== 'count') await timings();
}

await main();
