/**
 * How the nightly UPDATE's cost grows with the table (issue 15): the same
 * built-in sentiment UPDATE as section 2 at 1k, 10k, 100k and 1M rows, each
 * through a fresh emulator in a process of its own, so that its peak RSS
 * (VmHWM) belongs to that size alone. Targets: time per row within 25% across
 * sizes, and a peak RSS that does not grow with the row count.
 *
 * Runnable alone: `npx tsx bench/update-scale.ts` (BENCH_SCALE_SIZES, e.g.
 * "1000,10000", overrides the sizes).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { memoryOf, startEmulatorProcess } from './emulator-process.ts';
import { freshDatabase } from './pgbench.ts';
import { fmtInt, fmtMB, fmtS, type Row, renderTable } from './table.ts';
import { generateTickets } from './tickets.ts';
import { ML_UPDATE, PLAIN_UPDATE, withClient } from './update50k.ts';
import { elapsedMs, type Target } from './util.ts';

export const SCALE_SIZES = [1_000, 10_000, 100_000, 1_000_000] as const;
/** The spread allowed between the cheapest and the dearest row, relative to the cheapest. */
const PER_ROW_SPREAD_TARGET = 0.25;
/** Peak RSS may not grow with the row count: the largest size within this of the smallest. */
const RSS_GROWTH_TARGET_BYTES = 64 * 1024 * 1024;

export interface ScalePoint {
  readonly rows: number;
  readonly plainMs: number;
  readonly mlMs: number;
  readonly updated: number;
  /** Rows whose sentiment is one of the four labels afterwards. */
  readonly labelled: number;
  readonly idleRss: number;
  readonly peakRss: number;
}

const url = (t: Target) => `postgres://${t.user}@${t.host}:${t.port}/${encodeURIComponent(t.database)}`;

/** Inserts the tickets in slices: one array parameter of a million texts is heavier than the UPDATE under test. */
async function fillTickets(client: pg.Client, rows: number): Promise<void> {
  await client.query('CREATE TABLE tickets (id serial PRIMARY KEY, message text, sentiment varchar)');
  const messages = generateTickets(rows);
  for (let i = 0; i < messages.length; i += 50_000) {
    await client.query('INSERT INTO tickets (message) SELECT m FROM unnest($1::text[]) AS m', [messages.slice(i, i + 50_000)]);
  }
  await client.query('VACUUM ANALYZE tickets');
}

export async function measureScalePoint(server: Target, rows: number): Promise<ScalePoint> {
  await freshDatabase(server);
  const plainMs = await withClient(url(server), async (direct) => {
    await fillTickets(direct, rows);
    const started = performance.now();
    await direct.query(PLAIN_UPDATE);
    const ms = elapsedMs(started);
    await direct.query('UPDATE tickets SET sentiment = NULL');
    await direct.query('VACUUM ANALYZE tickets');
    return ms;
  });
  const emulator = await startEmulatorProcess(url(server));
  try {
    const through: Target = { ...server, host: '127.0.0.1', port: emulator.port };
    return await withClient(url(through), async (emu) => {
      await emu.query('CREATE EXTENSION IF NOT EXISTS aws_ml CASCADE');
      // One ML statement first, so that the timed UPDATE does not also pay the process's first ML statement
      // (the model's load, the database's first-session catalog read): the target is how cost grows with rows.
      // Its argument is a column, not a literal, so it takes the evaluation loop the UPDATE takes (a call on
      // literals answers in two light round trips and warms neither the loop nor the session's cache table).
      await emu.query(`SELECT (aws_comprehend.detect_sentiment(t, 'en')).sentiment FROM (VALUES ('warming up')) AS v(t)`);
      const idleRss = await memoryOf(emulator.pid, 'VmRSS');
      const started = performance.now();
      const result = await emu.query(ML_UPDATE);
      const mlMs = elapsedMs(started);
      const peakRss = await memoryOf(emulator.pid, 'VmHWM');
      const check = await emu.query<{ n: string }>(
        `SELECT count(*) AS n FROM tickets WHERE sentiment IN ('POSITIVE', 'NEGATIVE', 'NEUTRAL', 'MIXED')`,
      );
      return {
        rows,
        plainMs,
        mlMs,
        updated: result.rowCount ?? 0,
        labelled: Number(check.rows[0]?.n ?? 0),
        idleRss,
        peakRss,
      };
    });
  } finally {
    await emulator.stop();
  }
}

export async function measureScale(server: Target, sizes: readonly number[] = SCALE_SIZES): Promise<ScalePoint[]> {
  const points: ScalePoint[] = [];
  for (const rows of sizes) {
    console.error(`update scale: ${fmtInt(rows)} rows`);
    points.push(await measureScalePoint(server, rows));
  }
  return points;
}

const perRowUs = (p: ScalePoint) => (p.mlMs * 1000) / p.rows;

export function scaleRows(points: readonly ScalePoint[]): Row[] {
  const perRow = points.map(perRowUs);
  const spread = Math.max(...perRow) / Math.min(...perRow) - 1;
  const first = points[0];
  const last = points.at(-1);
  const growth = first && last ? last.peakRss - first.peakRss : 0;
  const allRight = points.every((p) => p.updated === p.rows && p.labelled === p.rows);
  return [
    {
      id: '12',
      measurement: `UPDATE ... detect_sentiment at ${points.map((p) => fmtInt(p.rows)).join(' / ')} rows: time per row, spread`,
      value: `${(spread * 100).toFixed(0)}%`,
      target: `<= ${PER_ROW_SPREAD_TARGET * 100}%`,
      verdict: spread <= PER_ROW_SPREAD_TARGET ? 'PASS' : 'FAIL',
    },
    ...points.map((p) => ({
      id: '',
      measurement: `  ${fmtInt(p.rows)} rows: ML / plain (direct), per row, x plain; peak RSS (idle)`,
      value: `${fmtS(p.mlMs)} / ${fmtS(p.plainMs)}, ${perRowUs(p).toFixed(1)} us, ${(p.mlMs / p.plainMs).toFixed(1)}x; ${fmtMB(p.peakRss)} (${fmtMB(p.idleRss)})`,
      target: '',
      verdict: '' as const,
    })),
    {
      id: '',
      measurement: '  emulator peak RSS, largest size minus smallest',
      value: fmtMB(growth),
      target: `< ${fmtMB(RSS_GROWTH_TARGET_BYTES)}`,
      verdict: growth < RSS_GROWTH_TARGET_BYTES ? 'PASS' : 'FAIL',
    },
    {
      id: '',
      measurement: '  every row updated and labelled, at every size',
      value: allRight ? 'yes' : points.map((p) => `${p.labelled}/${p.rows}`).join(' '),
      target: 'yes',
      verdict: allRight ? 'PASS' : 'FAIL',
    },
  ];
}

// Alone: `npx tsx bench/update-scale.ts`.
if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const sizes = (process.env.BENCH_SCALE_SIZES ?? SCALE_SIZES.join(',')).split(',').map(Number);
  if (!sizes.every((n) => Number.isInteger(n) && n > 0)) throw new Error('BENCH_SCALE_SIZES: positive integers');
  const server: Target = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'aurora_ml_bench_scale' };
  console.log(renderTable(scaleRows(await measureScale(server, sizes))));
}
