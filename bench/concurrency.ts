/**
 * Many clients at once (issue 15): 64 connections, each running one ML
 * statement after another with texts no other statement uses (so no cache
 * answers), on both fronts of an emulator in a process of its own; then the
 * same clients running a plain statement of the same shape through the same
 * emulator. Reports statements per second and the p99 latency of each, and
 * checks every answer.
 *
 * Runnable alone: `npx tsx bench/concurrency.ts` (BENCH_CONCURRENT_CLIENTS,
 * BENCH_CONCURRENT_STATEMENTS per client).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulatorProcess } from './emulator-process.ts';
import { mysqlConnection } from './mysql-roundtrip.ts';
import { freshDatabase } from './pgbench.ts';
import { distinctTexts, isOneLabel, pgConnection, type SqlConnection } from './roundtrip.ts';
import { fmtInt, fmtMs, type Row, renderTable } from './table.ts';
import { elapsedMs, percentile, sqlLiteral } from './util.ts';

/** Statements per connection before the timed ones. */
const WARM_UP = 3;

export interface ConcurrencyOptions {
  readonly clients: number;
  /** Statements each client runs, one after another. */
  readonly statements: number;
}

export interface LoadResult {
  readonly statements: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export interface FrontConcurrency {
  readonly front: 'PostgreSQL' | 'MySQL';
  readonly ml: LoadResult;
  readonly plain: LoadResult;
  /** The plain statement straight to the database. */
  readonly direct: LoadResult;
}

interface Front {
  readonly name: FrontConcurrency['front'];
  readonly connect: () => Promise<SqlConnection>;
  readonly connectDirect: () => Promise<SqlConnection>;
  readonly ml: (text: string) => string;
  readonly plain: (text: string) => string;
}

/** Runs `statements` statements on each of `clients` connections at once; every answer is checked. */
async function load(
  connect: () => Promise<SqlConnection>,
  options: ConcurrencyOptions,
  sql: (client: number, i: number) => string,
  check: (rows: readonly Record<string, unknown>[]) => boolean,
): Promise<LoadResult> {
  const connections = await Promise.all(Array.from({ length: options.clients }, () => connect()));
  const samples: number[] = [];
  try {
    // Each connection's first statements set up its session (and warm the code): not timed.
    await Promise.all(
      connections.map(async (connection, client) => {
        for (let i = 0; i < WARM_UP; i++) {
          if (!check(await connection.query(sql(client, options.statements + i)))) throw new Error('unexpected warm-up answer');
        }
      }),
    );
    const started = performance.now();
    await Promise.all(
      connections.map(async (connection, client) => {
        for (let i = 0; i < options.statements; i++) {
          const text = sql(client, i);
          const t0 = performance.now();
          const rows = await connection.query(text);
          samples.push(elapsedMs(t0));
          if (!check(rows)) throw new Error(`unexpected answer to ${text}`);
        }
      }),
    );
    const wallMs = elapsedMs(started);
    return {
      statements: samples.length,
      perSecond: (samples.length * 1000) / wallMs,
      p50Ms: percentile(samples, 50),
      p99Ms: percentile(samples, 99),
    };
  } finally {
    await Promise.allSettled(connections.map((c) => c.end()));
  }
}

export async function measureConcurrency(
  pgUpstream: string,
  mysqlUpstream: string,
  options: ConcurrencyOptions,
): Promise<FrontConcurrency[]> {
  const emulator = await startEmulatorProcess(pgUpstream, ['--mysql-upstream', mysqlUpstream, '--mysql-listen', '127.0.0.1:0']);
  const perClient = options.statements + WARM_UP;
  const texts = distinctTexts(options.clients * perClient * 4, 64);
  const textOf = (round: number, client: number, i: number) => texts[(round * options.clients + client) * perClient + i] ?? '';
  try {
    const setup = await pgConnection(emulator.url);
    await setup.query('CREATE EXTENSION IF NOT EXISTS aws_ml CASCADE');
    await setup.end();
    const fronts: Front[] = [
      {
        name: 'PostgreSQL',
        connect: () => pgConnection(emulator.url),
        connectDirect: () => pgConnection(pgUpstream),
        ml: (t) => `SELECT * FROM aws_comprehend.detect_sentiment(${sqlLiteral(t)}, 'en')`,
        // The same row shape, computed by the database.
        plain: (t) => `SELECT upper(left(${sqlLiteral(t)}, 0)) || 'NEUTRAL' AS sentiment, 0.5::real AS confidence`,
      },
      {
        name: 'MySQL',
        connect: () => mysqlConnection(emulator.mysqlUrl ?? ''),
        connectDirect: () => mysqlConnection(mysqlUpstream),
        ml: (t) => `SELECT aws_comprehend_detect_sentiment(${mysqlLiteral(t)}, 'en') AS sentiment`,
        plain: (t) => `SELECT CONCAT(LEFT(${mysqlLiteral(t)}, 0), 'NEUTRAL') AS sentiment`,
      },
    ];
    const out: FrontConcurrency[] = [];
    for (const [f, front] of fronts.entries()) {
      console.error(`concurrency: ${front.name}, ${options.clients} clients x ${options.statements} statements`);
      const ml = await load(front.connect, options, (c, i) => front.ml(textOf(f * 2, c, i)), isOneLabel);
      const plain = await load(front.connect, options, (c, i) => front.plain(textOf(f * 2 + 1, c, i)), isOneLabel);
      const direct = await load(front.connectDirect, options, (c, i) => front.plain(textOf(f * 2 + 1, c, i)), isOneLabel);
      out.push({ front: front.name, ml, plain, direct });
    }
    return out;
  } finally {
    await emulator.stop();
  }
}

/** A MySQL string literal (backslashes escape, unlike standard SQL). */
function mysqlLiteral(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

const pair = (r: LoadResult) => `${fmtMs(r.p50Ms)} / ${fmtMs(r.p99Ms)}`;

export function concurrencyRows(results: readonly FrontConcurrency[], clients: number): Row[] {
  return results.flatMap((r, i) => [
    {
      id: i === 0 ? '13' : '',
      measurement: `${clients} clients at once, ${r.front} front: ML statements/s (plain; plain direct)`,
      value: `${fmtInt(r.ml.perSecond)} (${fmtInt(r.plain.perSecond)}; ${fmtInt(r.direct.perSecond)})`,
      target: '',
      verdict: '' as const,
    },
    {
      id: '',
      measurement: '  p50 / p99 per statement, ML (plain; plain direct)',
      value: `${pair(r.ml)} (${pair(r.plain)}; ${pair(r.direct)})`,
      target: '',
      verdict: '' as const,
    },
  ]);
}

// Alone: `npx tsx bench/concurrency.ts`.
if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const options = {
    clients: Number(process.env.BENCH_CONCURRENT_CLIENTS || 64),
    statements: Number(process.env.BENCH_CONCURRENT_STATEMENTS || 50),
  };
  const server = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'aurora_ml_bench_concurrency' };
  await freshDatabase(server);
  const results = await measureConcurrency(
    'postgres://postgres@127.0.0.1:5432/aurora_ml_bench_concurrency',
    'mysql://root@127.0.0.1:3306/test',
    options,
  );
  console.log(renderTable(concurrencyRows(results, options.clients)));
}
