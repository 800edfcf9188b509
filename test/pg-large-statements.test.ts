/**
 * Issue 11, finding 11 (PostgreSQL): an ML statement's answer was held
 * whole, twice (the discovery run's rows and the final run's), so a
 * 1,000,000-row ML SELECT peaked at 1.99 GB. Now a run's rows are dropped as
 * soon as it reports a miss, and the final run's rows wait in a spool that
 * spills to a temporary file past 16 MB, then stream to the client at its
 * pace. Here a 100 MB answer goes through both query protocols; every row is
 * checked by a client in a child process, and the peak RSS of an emulator
 * running in a process of its own must not grow by the size of the answer.
 */
import { spawn } from 'node:child_process';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliCommand, startCli } from './helpers/cli-process.ts';
import { startTestEmulatorWithMl, type TestEmulator } from './helpers/emulator.ts';

const ROWS = 100_000;
const PADDING = 1000;
/** Growth of the emulator's RSS allowed while it serves a 100 MB answer. */
const RSS_GROWTH_LIMIT = 80 * 1024 * 1024;

const CLIENT = fileURLToPath(new URL('./helpers/row-checking-client.ts', import.meta.url));

interface Checked {
  readonly rows: number;
  readonly mismatches: number;
  readonly firstMismatch: string | null;
  readonly error: string | null;
  readonly paddingBytes: number;
}

function runClient(port: number, database: string, mode: 'simple' | 'extended', sql: string): Promise<Checked> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLIENT, String(port), database, mode, sql], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      out += s;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        resolve(JSON.parse(out) as Checked);
      } catch {
        reject(new Error(`row-checking client exited with ${code}: ${out}`));
      }
    });
  });
}

/** An emulator in a process of its own, so that its peak RSS (VmHWM) is its alone. */
async function startEmulatorProcess(upstreamUrl: string): Promise<{ port: number; pid: number; stop(): Promise<void> }> {
  const cli = await startCli({
    command: cliCommand('--pg-upstream', upstreamUrl, '--pg-listen', '127.0.0.1:0', '--api-listen', '127.0.0.1:0'),
  });
  return {
    port: Number(/^127\.0\.0\.1:(\d+)$/.exec(cli.address('PostgreSQL front'))?.[1]),
    pid: cli.child.pid ?? 0,
    stop: async () => {
      await cli.stop('SIGINT');
    },
  };
}

/** The spool files (see src/aurora/pg/frame-spool.ts) process PID still has open: unlinked, so listed as "(deleted)". */
async function openSpoolFiles(pid: number): Promise<string[]> {
  const fds = await readdir(`/proc/${pid}/fd`);
  const targets = await Promise.all(fds.map((fd) => readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')));
  return targets.filter((target) => target.includes('aurora-ml-spool-'));
}

/** A memory figure of /proc/PID/status (VmRSS, VmHWM), in bytes. */
async function memoryOf(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status);
  return Number(m?.[1] ?? Number.NaN) * 1024;
}

let env: TestEmulator;

beforeAll(async () => {
  env = await startTestEmulatorWithMl();
  const admin = await env.client();
  await admin.query(
    `CREATE TABLE reviews AS SELECT i AS id,
       CASE WHEN i % 3 = 0 THEN 'I love it' ELSE 'This is terrible' END AS txt,
       repeat('x', ${PADDING}) AS padding
     FROM generate_series(1, ${ROWS}) i`,
  );
});

afterAll(async () => {
  await env?.[Symbol.asyncDispose]();
});

const SQL = `SELECT id, (aws_comprehend.detect_sentiment(txt, 'en')).sentiment, padding FROM reviews`;

describe(`a ${ROWS}-row ML SELECT with a ${(ROWS * PADDING) / 1e6} MB answer`, () => {
  for (const mode of ['simple', 'extended'] as const) {
    it(`${mode} protocol: every row right, and the emulator's peak RSS grows by less than the answer`, async () => {
      const emulator = await startEmulatorProcess(env.directUrl);
      try {
        const idle = await memoryOf(emulator.pid, 'VmRSS');
        // Meanwhile another client's SELECT 1 through the same emulator stays fast.
        const other = new pg.Client({ host: '127.0.0.1', port: emulator.port, user: 'postgres', database: env.database });
        await other.connect();
        let finished = false;
        const running = runClient(emulator.port, env.database, mode, SQL).finally(() => {
          finished = true;
        });
        const latencies: number[] = [];
        while (!finished) {
          const start = performance.now();
          await other.query('SELECT 1');
          latencies.push(performance.now() - start);
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        await other.end();
        const result = await running;
        const growth = (await memoryOf(emulator.pid, 'VmHWM')) - idle;
        latencies.sort((a, b) => a - b);
        const p99 = latencies[Math.floor(latencies.length * 0.99)] ?? 0;
        expect(result.error).toBeNull();
        expect(result.rows).toBe(ROWS);
        expect(result.firstMismatch).toBeNull();
        expect(result.mismatches).toBe(0);
        expect(result.paddingBytes).toBe(ROWS * PADDING);
        if (process.env.SHOW_RSS)
          console.log(mode, `peak RSS ${(growth / 1e6).toFixed(0)} MB above idle, SELECT 1 p99 ${p99} ms`);
        expect(latencies.length).toBeGreaterThan(20);
        expect(p99, `SELECT 1 p99 over ${latencies.length} samples`).toBeLessThan(50);
        expect(growth, `peak RSS ${(growth / 1e6).toFixed(0)} MB above idle`).toBeLessThan(RSS_GROWTH_LIMIT);
        // The 100 MB answer spilled to a temporary file; once delivered, its descriptor is closed.
        expect(await openSpoolFiles(emulator.pid)).toEqual([]);
      } finally {
        await emulator.stop();
      }
    }, 180_000);
  }

  it('the in-process emulator that set the table up still answers ML calls', async () => {
    const client = await env.client();
    const { rows } = await client.query(`SELECT (aws_comprehend.detect_sentiment('I love it', 'en')).sentiment AS s`);
    expect(rows).toEqual([{ s: 'POSITIVE' }]);
  });
});
