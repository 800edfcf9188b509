/**
 * What an open dashboard costs: pgbench -S (pass-through) and the 50,000-row
 * UPDATE through the same emulator with a subscriber reading its live event
 * stream (/_aurora-ml/events, as the page does) and without one, alternating
 * over rounds. Target: each within 5% of its value without the dashboard.
 *
 * The two runs of a round go back to back and are compared with each other;
 * the verdict is the median of the rounds' ratios. On this shared 2-core
 * machine throughput drifts by 15% or more between rounds (autovacuum of the
 * tables the UPDATE leaves dead rows in, checkpoints, the neighbours), and a
 * ratio of medians taken across rounds measured that drift as often as the
 * dashboard. Each run also starts on a settled database: the UPDATE's dead
 * rows vacuumed and a checkpoint taken, so neither run inherits them.
 *
 * Part of `npm run bench` (section 10). Alone, on a fresh bench database:
 *   BENCH_ROWS=10000 BENCH_SECONDS=3 npx tsx bench/dashboard-cost.ts
 */
import { get, type IncomingMessage } from 'node:http';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import pino from 'pino';
import { type Emulator, startEmulator } from '../src/index.ts';
import { timedUpdate } from './gate-cost.ts';
import { freshDatabase, initPgbench, type PgbenchOptions, runSelectOnly } from './pgbench.ts';
import { fmtInt, fmtS, type Row, renderTable } from './table.ts';
import { generateTickets } from './tickets.ts';
import { median, type Target } from './util.ts';

export const DASHBOARD_COST_TARGET = 0.05;

export interface DashboardCostResult {
  /** pgbench -S tps per round. */
  readonly tps: { readonly watched: readonly number[]; readonly unwatched: readonly number[] };
  /** UPDATE milliseconds per round. */
  readonly updateMs: { readonly watched: readonly number[]; readonly unwatched: readonly number[] };
  /** Bytes the subscriber received over the watched runs (the stream did stream). */
  readonly streamedBytes: number;
}

/** A client reading the event stream and throwing it away, as an open dashboard tab does. */
async function subscribe(apiUrl: string): Promise<{ bytes(): number; close(): void }> {
  let bytes = 0;
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = get(`${apiUrl}/_aurora-ml/events`, resolve);
    req.on('error', reject);
  });
  if (res.statusCode !== 200) throw new Error(`the event stream answered ${String(res.statusCode)}`);
  res.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
  });
  res.on('error', () => {});
  return { bytes: () => bytes, close: () => res.destroy() };
}

/** The last UPDATE's dead rows vacuumed and its WAL checkpointed, so that the next run does not pay for them. */
async function settle(directUrl: string): Promise<void> {
  const direct = new pg.Client({ connectionString: directUrl });
  await direct.connect();
  try {
    await direct.query('VACUUM tickets');
    await direct.query('CHECKPOINT');
  } finally {
    await direct.end();
  }
}

/** Each round's run with the dashboard over its run without. */
function roundRatios(watched: readonly number[], unwatched: readonly number[]): number[] {
  return watched.map((w, i) => w / (unwatched[i] as number));
}

/** Needs the pgbench tables and the `tickets` table (runUpdate50k's, or makeTickets below). */
export async function measureDashboardCost(options: {
  readonly emulator: Emulator;
  readonly directUrl: string;
  readonly emulatorTarget: Target;
  readonly pgbench: Omit<PgbenchOptions, 'mode'>;
  readonly rows: number;
  readonly rounds: number;
}): Promise<DashboardCostResult> {
  const tps = { watched: [] as number[], unwatched: [] as number[] };
  const updateMs = { watched: [] as number[], unwatched: [] as number[] };
  let streamedBytes = 0;
  for (let round = 0; round < options.rounds; round++) {
    // Alternate the order so that drift favours neither.
    const order = round % 2 === 0 ? (['unwatched', 'watched'] as const) : (['watched', 'unwatched'] as const);
    for (const which of order) {
      await settle(options.directUrl);
      const subscriber = which === 'watched' ? await subscribe(options.emulator.api.url) : null;
      try {
        const t = await runSelectOnly(options.emulatorTarget, { ...options.pgbench, mode: 'simple' });
        const ms = await timedUpdate(options.directUrl, options.emulator.postgres.url, options.rows);
        tps[which].push(t);
        updateMs[which].push(ms);
        console.error(`  dashboard cost round ${round + 1} ${which}: pgbench -S ${t.toFixed(0)} tps, UPDATE ${ms.toFixed(0)} ms`);
      } finally {
        streamedBytes += subscriber?.bytes() ?? 0;
        subscriber?.close();
      }
    }
  }
  return { tps, updateMs, streamedBytes };
}

export function dashboardCostRows(id: string, rows: number, r: DashboardCostResult): Row[] {
  const tpsRatios = roundRatios(r.tps.watched, r.tps.unwatched);
  const updateRatios = roundRatios(r.updateMs.watched, r.updateMs.unwatched);
  const tpsRatio = median(tpsRatios);
  const updateRatio = median(updateRatios);
  const ratioList = (v: readonly number[]) => v.map((x) => x.toFixed(3)).join(' / ');
  const tpsList = (v: readonly number[]) => v.map((x) => fmtInt(x)).join(' / ');
  const msList = (v: readonly number[]) => v.map((x) => fmtS(x)).join(' / ');
  return [
    {
      id,
      measurement: 'pgbench -S via emulator, dashboard streaming / not (median of rounds)',
      value: tpsRatio.toFixed(3),
      target: `> ${(1 - DASHBOARD_COST_TARGET).toFixed(2)}`,
      verdict: tpsRatio > 1 - DASHBOARD_COST_TARGET ? 'PASS' : 'FAIL',
    },
    { id: '', measurement: '  each round', value: ratioList(tpsRatios), target: '', verdict: '' },
    { id: '', measurement: '  tps with the dashboard', value: tpsList(r.tps.watched), target: '', verdict: '' },
    { id: '', measurement: '  tps without', value: tpsList(r.tps.unwatched), target: '', verdict: '' },
    {
      id: '',
      measurement: `UPDATE ${fmtInt(rows)} tickets, dashboard streaming / not (median of rounds)`,
      value: updateRatio.toFixed(3),
      target: `< ${(1 + DASHBOARD_COST_TARGET).toFixed(2)}`,
      verdict: updateRatio < 1 + DASHBOARD_COST_TARGET ? 'PASS' : 'FAIL',
    },
    { id: '', measurement: '  each round', value: ratioList(updateRatios), target: '', verdict: '' },
    { id: '', measurement: '  with the dashboard', value: msList(r.updateMs.watched), target: '', verdict: '' },
    { id: '', measurement: '  without', value: msList(r.updateMs.unwatched), target: '', verdict: '' },
    { id: '', measurement: '  bytes streamed to the dashboard', value: fmtInt(r.streamedBytes), target: '', verdict: '' },
  ];
}

/** The `tickets` table runUpdate50k makes, for running this section alone. */
async function makeTickets(directUrl: string, rows: number): Promise<void> {
  const direct = new pg.Client({ connectionString: directUrl });
  await direct.connect();
  try {
    await direct.query('DROP TABLE IF EXISTS tickets');
    await direct.query('CREATE TABLE tickets (id serial PRIMARY KEY, message text, sentiment varchar)');
    await direct.query('INSERT INTO tickets (message) SELECT m FROM unnest($1::text[]) AS m', [generateTickets(rows)]);
  } finally {
    await direct.end();
  }
}

async function alone(): Promise<void> {
  const knob = (name: string, fallback: number) => Number(process.env[name] || fallback);
  const database = 'aurora_ml_bench';
  const direct: Target = { host: '127.0.0.1', port: 5432, user: 'postgres', database };
  const directUrl = `postgres://postgres@127.0.0.1:5432/${database}`;
  const rows = knob('BENCH_ROWS', 50_000);
  await freshDatabase(direct);
  await initPgbench(direct, 10);
  await makeTickets(directUrl, rows);
  await using emulator = await startEmulator({
    pgListen: '127.0.0.1:0',
    apiListen: '127.0.0.1:0',
    pgUpstream: directUrl,
    logger: pino({ level: 'warn' }, pino.destination(2)),
  });
  const setup = new pg.Client({ connectionString: emulator.postgres.url });
  await setup.connect();
  await setup.query('CREATE EXTENSION IF NOT EXISTS aws_ml CASCADE');
  await setup.end();
  const result = await measureDashboardCost({
    emulator,
    directUrl,
    emulatorTarget: { ...direct, port: emulator.postgres.port },
    pgbench: { clients: knob('BENCH_CLIENTS', 8), threads: knob('BENCH_THREADS', 2), seconds: knob('BENCH_SECONDS', 7) },
    rows,
    rounds: knob('BENCH_ROUNDS', 3),
  });
  console.log(renderTable(dashboardCostRows('10', rows, result)));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await alone();
