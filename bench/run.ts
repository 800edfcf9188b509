/**
 * `npm run bench`: the emulator's performance targets, measured side by side
 * in one run against the machine's PostgreSQL on 127.0.0.1:5432 (trust auth,
 * user postgres), in the dedicated database aurora_ml_bench (created afresh
 * on every run, then `pgbench -i -s 10`).
 *
 *   1. pgbench -S throughput: direct vs through the emulator vs through a
 *      pgbouncer (session pooling) started here; target: emulator/direct is at
 *      least 0.8 x pgbouncer/direct, for -M simple and -M extended.
 *   2. The 50,000-row nightly UPDATE with aws_comprehend.detect_sentiment
 *      through the emulator; target: under 10 s.
 *   3. One detect_sentiment round trip through the emulator; target: median
 *      under 2 ms.
 *
 * Prints one table with PASS/FAIL per target. Exits 0 when every measurement
 * was taken (even if a target fails), 1 when one could not be taken.
 *
 * Knobs for quick runs (defaults in brackets): BENCH_SECONDS [7] per pgbench
 * run, BENCH_ROUNDS [3], BENCH_CLIENTS [8], BENCH_THREADS [2], BENCH_ROWS
 * [50000], BENCH_CALLS [2000].
 */
import os from 'node:os';
import pg from 'pg';
import pino from 'pino';
import { type Emulator, startEmulator } from '../src/index.ts';
import { freshDatabase, initPgbench, type PgbenchOptions, type QueryMode, runSelectOnly, type Target } from './pgbench.ts';
import { type Pgbouncer, startPgbouncer } from './pgbouncer.ts';
import { installPhaseProbe, type PhaseProbe, type PhaseTotal } from './phases.ts';
import { type LatencyResult, selectOneRoundTrips, sentimentRoundTrips } from './roundtrip.ts';
import { fmtInt, fmtMs, fmtRatio, fmtS, type Row, renderTable } from './table.ts';
import { ML_UPDATE, PLAIN_UPDATE, runUpdate50k, type Update50kResult } from './update50k.ts';
import { killRunningCommands, median, runCommand } from './util.ts';

function knob(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${String(raw)}`);
  return value;
}

const DATABASE = 'aurora_ml_bench';
const DIRECT: Target = { host: '127.0.0.1', port: 5432, user: 'postgres', database: DATABASE };
const DIRECT_URL = `postgres://${DIRECT.user}@${DIRECT.host}:${DIRECT.port}/${DATABASE}`;
const SCALE = 10;
const ROUNDS = knob('BENCH_ROUNDS', 3);
const PGBENCH: Omit<PgbenchOptions, 'mode'> = {
  clients: knob('BENCH_CLIENTS', 8),
  threads: knob('BENCH_THREADS', 2),
  seconds: knob('BENCH_SECONDS', 7),
};
const MODES: readonly QueryMode[] = ['simple', 'extended'];
const ROWS = knob('BENCH_ROWS', 50_000);
const CALLS = knob('BENCH_CALLS', 2000);
const WARM_UP_CALLS = 200;
const PROBE_CALLS = 300;

const UPDATE_TARGET_MS = 10_000;
const ROUND_TRIP_TARGET_MS = 2;
const RATIO_FACTOR = 0.8;

// ---- lifecycle ----

const cleanups: (() => Promise<void>)[] = [];
async function cleanUp(): Promise<void> {
  killRunningCommands();
  while (cleanups.length > 0) {
    const step = cleanups.pop();
    try {
      await step?.();
    } catch (err) {
      console.error('cleanup failed:', err);
    }
  }
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping pgbench, pgbouncer and the emulator`);
    void cleanUp().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  });
}

const errors: string[] = [];
function errorRow(id: string, what: string, err: unknown): Row {
  const message = err instanceof Error ? err.message : String(err);
  errors.push(`${what}: ${message}`);
  return { id, measurement: what, value: 'not measured', target: '', verdict: 'ERROR' };
}

// ---- 1. pgbench ----

interface ModeResult {
  readonly mode: QueryMode;
  readonly tps: Readonly<Record<'direct' | 'emulator' | 'pgbouncer', number[]>>;
}

async function pgbenchSection(emulator: Emulator, bouncer: Pgbouncer): Promise<Row[]> {
  const targets = {
    direct: DIRECT,
    emulator: { ...DIRECT, host: emulator.postgres.host, port: emulator.postgres.port },
    pgbouncer: { ...DIRECT, host: bouncer.host, port: bouncer.port },
  } as const;
  const order = ['direct', 'emulator', 'pgbouncer'] as const;
  // Warm the buffer cache so the first measured run is not the cold one.
  await runSelectOnly(DIRECT, { ...PGBENCH, mode: 'simple', seconds: 3 });
  const results: ModeResult[] = [];
  for (const mode of MODES) {
    const tps: Record<'direct' | 'emulator' | 'pgbouncer', number[]> = { direct: [], emulator: [], pgbouncer: [] };
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate the order so drift (thermal, caches, other load) does not favour one target.
      const sequence = round % 2 === 0 ? order : [...order].reverse();
      for (const name of sequence) {
        const value = await runSelectOnly(targets[name], { ...PGBENCH, mode });
        tps[name].push(value);
        console.error(`  pgbench -M ${mode} round ${round + 1} ${name}: ${fmtInt(value)} tps`);
      }
    }
    results.push({ mode, tps });
  }
  const rows: Row[] = [];
  for (const { mode, tps } of results) {
    const direct = median(tps.direct);
    const emu = median(tps.emulator);
    const bouncer = median(tps.pgbouncer);
    const emuRatio = emu / direct;
    const bouncerRatio = bouncer / direct;
    const required = RATIO_FACTOR * bouncerRatio;
    const rounds = (list: readonly number[]) => (list.length > 1 ? ` (${list.map(fmtInt).join(' / ')})` : '');
    const label = `pgbench -S -M ${mode}`;
    rows.push(
      {
        id: `1${mode === 'simple' ? 'a' : 'b'}`,
        measurement: `${label}: tps direct`,
        value: `${fmtInt(direct)}${rounds(tps.direct)}`,
        target: '',
        verdict: '',
      },
      {
        id: '',
        measurement: `${label}: tps via emulator`,
        value: `${fmtInt(emu)}${rounds(tps.emulator)}`,
        target: '',
        verdict: '',
      },
      {
        id: '',
        measurement: `${label}: tps via pgbouncer`,
        value: `${fmtInt(bouncer)}${rounds(tps.pgbouncer)}`,
        target: '',
        verdict: '',
      },
      { id: '', measurement: `${label}: pgbouncer/direct`, value: fmtRatio(bouncerRatio), target: '', verdict: '' },
      {
        id: '',
        measurement: `${label}: emulator/direct`,
        value: fmtRatio(emuRatio),
        target: `>= ${RATIO_FACTOR} x pgbouncer/direct = ${fmtRatio(required)}`,
        verdict: emuRatio >= required ? 'PASS' : 'FAIL',
      },
    );
  }
  return rows;
}

// ---- 2. the 50,000-row UPDATE ----

function updateRows(r: Update50kResult): Row[] {
  const labels = Object.entries(r.labels)
    .map(([label, n]) => `${label} ${fmtInt(n)}`)
    .join(', ');
  const allScored = r.scoredRows === r.rows && r.mlUpdated === r.rows;
  return [
    {
      id: '2',
      measurement: `UPDATE ${fmtInt(r.rows)} tickets SET sentiment = detect_sentiment via emulator`,
      value: fmtS(r.mlUpdateMs),
      target: `< ${fmtS(UPDATE_TARGET_MS)}`,
      verdict: r.mlUpdateMs < UPDATE_TARGET_MS && allScored ? 'PASS' : 'FAIL',
    },
    {
      id: '',
      measurement: '  rows updated / rows with a sentiment afterwards',
      value: `${fmtInt(r.mlUpdated)} / ${fmtInt(r.scoredRows)}`,
      target: `all ${fmtInt(r.rows)}`,
      verdict: allScored ? 'PASS' : 'FAIL',
    },
    { id: '', measurement: `  labels: ${labels}`, value: '', target: '', verdict: '' },
    {
      id: '',
      measurement: `  (${fmtInt(r.distinctMessages)} distinct messages, avg ${Math.round(r.averageChars)} chars)`,
      value: '',
      target: '',
      verdict: '',
    },
    {
      id: '',
      measurement: '  reference: same UPDATE with left(message, 3), direct',
      value: fmtS(r.plainUpdateMs),
      target: '',
      verdict: '',
    },
  ];
}

// ---- 3. round trips ----

function latencyRows(sentiment: LatencyResult, emuOne: LatencyResult, directOne: LatencyResult): Row[] {
  const pair = (r: LatencyResult) => `${fmtMs(r.medianMs)} / ${fmtMs(r.p99Ms)}`;
  return [
    {
      id: '3',
      measurement: `SELECT * FROM detect_sentiment(...) via emulator, ${fmtInt(sentiment.calls)} calls: median`,
      value: fmtMs(sentiment.medianMs),
      target: `< ${ROUND_TRIP_TARGET_MS} ms`,
      verdict: sentiment.medianMs < ROUND_TRIP_TARGET_MS ? 'PASS' : 'FAIL',
    },
    { id: '', measurement: '  p99', value: fmtMs(sentiment.p99Ms), target: '', verdict: '' },
    { id: '', measurement: '  reference: SELECT 1 via emulator, median / p99', value: pair(emuOne), target: '', verdict: '' },
    { id: '', measurement: '  reference: SELECT 1 direct, median / p99', value: pair(directOne), target: '', verdict: '' },
  ];
}

// ---- where the time goes ----

function phaseReport(title: string, phases: readonly PhaseTotal[], totalMs: number, perCall: number): string {
  const unit = perCall > 1 ? 'ms per call' : 'ms';
  const digits = perCall > 1 ? 3 : 0;
  const rest = totalMs - phases.reduce((sum, p) => sum + p.totalMs, 0);
  const entries = [
    ...[...phases].sort((a, b) => b.totalMs - a.totalMs).map((p) => ({ label: p.phase, ms: p.totalMs, count: p.count })),
    { label: 'rest: proxy CPU (parsing, notices, framing), client', ms: rest, count: 0 },
  ];
  const width = Math.max(...entries.map((e) => e.label.length), 34);
  const lines = [title];
  for (const e of entries) {
    const times = e.count > 0 ? `  (${Number((e.count / perCall).toFixed(2))}x)` : '';
    const share = `${((100 * e.ms) / totalMs).toFixed(0).padStart(3)}%`;
    lines.push(`  ${e.label.padEnd(width)} ${(e.ms / perCall).toFixed(digits).padStart(8)} ${unit}  ${share}${times}`);
  }
  lines.push(`  ${'total, end to end from the client'.padEnd(width)} ${(totalMs / perCall).toFixed(digits).padStart(8)} ${unit}`);
  return lines.join('\n');
}

// ---- main ----

async function versions(): Promise<string> {
  const client = new pg.Client({ connectionString: DIRECT_URL });
  await client.connect();
  const server = await client.query<{ server_version: string }>('SHOW server_version');
  await client.end();
  const bouncer = await runCommand('/usr/sbin/pgbouncer', ['--version']);
  const bench = await runCommand('pgbench', ['--version']);
  const commit = await runCommand('git', ['log', '-1', '--format=%h %s']).catch(() => null);
  const dirty = await runCommand('git', ['status', '--porcelain', '--', 'src']).catch(() => null);
  const source =
    commit !== null && commit.code === 0
      ? `emulator at ${commit.stdout.trim().slice(0, 72)}${dirty !== null && dirty.stdout.trim() !== '' ? ' (+ uncommitted src/ changes)' : ''}`
      : 'emulator source: unknown commit';
  return `${source}\n${[
    `PostgreSQL ${server.rows[0]?.server_version ?? '?'}`,
    bouncer.stdout.split('\n')[0]?.trim() ?? 'pgbouncer ?',
    bench.stdout.trim(),
    `Node ${process.version}`,
    `${os.cpus().length} CPUs, load average ${os.loadavg()[0]?.toFixed(1) ?? '?'} at start`,
  ].join(', ')}`;
}

async function main(): Promise<number> {
  const startedAt = performance.now();
  await freshDatabase(DIRECT);
  await initPgbench(DIRECT, SCALE);
  const header = await versions();

  const emulator = await startEmulator({
    pgListen: '127.0.0.1:0',
    pgUpstream: DIRECT_URL,
    // Warnings to stderr, so stdout carries only the report.
    logger: pino({ level: 'warn' }, pino.destination(2)),
  });
  cleanups.push(() => emulator.close());
  const bouncer = await startPgbouncer({
    upstreamHost: DIRECT.host,
    upstreamPort: DIRECT.port,
    database: DATABASE,
    user: DIRECT.user,
  });
  cleanups.push(() => bouncer.stop());
  const probe: PhaseProbe | null = await installPhaseProbe();
  if (probe !== null) cleanups.push(async () => probe.uninstall());

  const rows: Row[] = [];
  const notes: string[] = [];

  console.error(
    `pgbench -S -c ${PGBENCH.clients} -j ${PGBENCH.threads} -T ${PGBENCH.seconds}, ${ROUNDS} rounds per target and mode`,
  );
  try {
    rows.push(...(await pgbenchSection(emulator, bouncer)));
  } catch (err) {
    rows.push(errorRow('1', 'pgbench -S throughput ratios', err));
  }
  await bouncer.stop();

  console.error(`UPDATE of ${fmtInt(ROWS)} tickets`);
  try {
    const update = await runUpdate50k({ directUrl: DIRECT_URL, emulatorUrl: emulator.postgres.url, rows: ROWS, probe });
    rows.push(...updateRows(update));
    if (update.phases !== null) {
      notes.push(phaseReport(`Where the time goes: ${ML_UPDATE}`, update.phases, update.mlUpdateMs, 1));
    }
    notes.push(`Reference statement: ${PLAIN_UPDATE}`);
  } catch (err) {
    rows.push(errorRow('2', `UPDATE ${fmtInt(ROWS)} tickets with detect_sentiment`, err));
  }

  console.error(`round trips, ${fmtInt(CALLS)} calls each`);
  try {
    const sentiment = await sentimentRoundTrips(emulator.postgres.url, WARM_UP_CALLS, CALLS);
    const emuOne = await selectOneRoundTrips(emulator.postgres.url, WARM_UP_CALLS, CALLS);
    const directOne = await selectOneRoundTrips(DIRECT_URL, WARM_UP_CALLS, CALLS);
    rows.push(...latencyRows(sentiment, emuOne, directOne));
    if (probe !== null) {
      // A separate, shorter run with timers on, so they cannot touch the measured numbers.
      const probed = await sentimentRoundTrips(emulator.postgres.url, 50, PROBE_CALLS, probe, 11);
      if (probed.phases !== null) {
        notes.push(
          phaseReport(
            `Where the time goes: one detect_sentiment round trip (mean over ${PROBE_CALLS} more calls, timers on)`,
            probed.phases,
            probed.meanMs * PROBE_CALLS,
            PROBE_CALLS,
          ),
        );
      }
    }
  } catch (err) {
    rows.push(errorRow('3', 'detect_sentiment round trip', err));
  }

  await cleanUp();
  const seconds = (performance.now() - startedAt) / 1000;
  const out = [
    '',
    'aurora-ml-emulator bench',
    header,
    `pgbench: scale ${SCALE}, -S -c ${PGBENCH.clients} -j ${PGBENCH.threads} -T ${PGBENCH.seconds}, median of ${ROUNDS} alternating rounds; pgbouncer in session mode`,
    renderTable(rows),
  ];
  const verdicts = rows.map((r) => r.verdict);
  out.push(
    `targets: ${verdicts.filter((v) => v === 'PASS').length} PASS, ${verdicts.filter((v) => v === 'FAIL').length} FAIL` +
      (errors.length > 0 ? `, ${errors.length} not measured` : '') +
      ` — bench took ${seconds.toFixed(0)} s`,
  );
  if (notes.length > 0) out.push('', notes.join('\n\n'));
  if (errors.length > 0) out.push('', 'Measurements that could not be taken:', ...errors.map((e) => `  ${e}`));
  console.log(out.join('\n'));
  return errors.length > 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  async (err: unknown) => {
    console.error('bench failed:', err);
    await cleanUp();
    process.exitCode = 1;
  },
);
