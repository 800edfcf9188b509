/**
 * Issue 13's demo scenarios, each run to completion in its scaled-down CI
 * form against a real emulator (port 0) in front of the machine's
 * PostgreSQL, asserting on the numbers that show each effect, on the chart
 * file, and on what the demo leaves behind (nothing). The last test runs the
 * real CLI (`node bin/aurora-ml-emulator.js demo page-load --start ...`).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeSentiment } from '../src/backends/comprehend/sentiment.ts';
import { CircuitBreaker } from '../src/demo/circuit-breaker.ts';
import { parseDemoArgs } from '../src/demo/cli.ts';
import { runDemo } from '../src/demo/index.ts';
import { formatCount, formatMs } from '../src/demo/narrator.ts';
import { startTestEmulator, type TestEmulator } from './helpers/emulator.ts';
import { parseSvg } from './helpers/svg-document.ts';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(path.join(tmpdir(), 'aml-demos-'));
/** The CI form: five times faster than the demos' own pace. */
const SCALE = 0.2;

let env: TestEmulator;
let direct: pg.Client;

beforeAll(async () => {
  env = await startTestEmulator();
  direct = new pg.Client({ connectionString: env.directUrl });
  await direct.connect();
});

afterAll(async () => {
  await direct?.end();
  await env?.[Symbol.asyncDispose]();
  rmSync(work, { recursive: true, force: true });
});

const target = () => ({ pgUrl: env.url, apiUrl: env.emulator.api.url });

/** The SVG file, parsed, with its text joined for looking up numbers. */
function readChart(file: string): { text: string; rects: number } {
  const doc = parseSvg(readFileSync(file, 'utf8'));
  return { text: doc.texts.join('\n'), rects: doc.elementCounts.rect ?? 0 };
}

/** What a demo must leave behind: no schema, no tuning of its targets, no endpoint it declared. */
async function expectCleanedUp(schema: string, endpoint?: string): Promise<void> {
  const schemas = await direct.query('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [schema]);
  expect(schemas.rowCount).toBe(0);
  // The database had no aws_ml before the demo: the demo installed it, and removed it again.
  const extensions = await direct.query(`SELECT extname FROM pg_extension WHERE extname IN ('aws_ml', 'aws_commons')`);
  expect(extensions.rows).toEqual([]);
  const controls = env.emulator.backendControls.getControls();
  expect(controls.sagemaker.targets ?? {}).toEqual({});
  expect(controls.comprehend.targets ?? {}).toEqual({});
  if (endpoint !== undefined) expect(env.emulator.backends.snapshot().sagemaker.endpoints[endpoint]).toBeUndefined();
}

describe('page-load', () => {
  it('adds at least the endpoint latency to every page view, and says so in its chart', async () => {
    const out = path.join(work, 'page-load.svg');
    const since = Date.now();
    // 150 ms at scale 0.2: requests of 21-39 ms, well above the emulator's own few milliseconds per statement.
    const r = await runDemo('page-load', { ...target(), scale: SCALE, pages: 30, latencyMs: 150, out });

    expect(r.pages).toBe(30);
    // The endpoint's own latency is at least minMs per request, and each ML page waits for one request.
    expect(r.endpointLatency).toEqual({ minMs: 21, maxMs: 39 });
    expect(r.ml.p50Ms - r.plain.p50Ms).toBeGreaterThanOrEqual(r.endpointLatency.minMs);
    expect(r.added.p50Ms).toBeGreaterThanOrEqual(r.endpointLatency.minMs);
    expect(r.added.p95Ms).toBeGreaterThanOrEqual(r.added.p50Ms);
    expect(r.ml.p95Ms).toBeGreaterThanOrEqual(r.ml.p50Ms);
    // One SageMaker request per measured page, scoring the 50 electronics candidates in one batch.
    const calls = env.emulator.observer.calls({ service: 'sagemaker', target: 'aurora-ml-demo-recommendations', since });
    expect(calls.length).toBeGreaterThanOrEqual(30);
    expect(r.endpointRequests).toBe(30);
    expect(calls.every((c) => c.batchSize === 50 && c.outcome === 'ok')).toBe(true);
    expect(r.endpointP50Ms).toBeGreaterThanOrEqual(r.endpointLatency.minMs);

    expect(r.svgFile).toBe(out);
    const chart = readChart(out);
    expect(chart.rects).toBeGreaterThanOrEqual(6);
    for (const n of [r.plain.p50Ms, r.ml.p50Ms, r.plain.p95Ms, r.ml.p95Ms]) expect(chart.text).toContain(formatMs(n));
    expect(chart.text).toContain(`+${formatMs(r.added.p50Ms)}`);
    await expectCleanedUp('aurora_ml_demo_page_load', 'aurora-ml-demo-recommendations');
  });
});

describe('overload', () => {
  it('exhausts the pool and fails health checks when overloaded; the mitigations bring both down', async () => {
    const out = path.join(work, 'overload.svg');
    const started = performance.now();
    const r = await runDemo('overload', { ...target(), scale: SCALE, out });
    const tookMs = performance.now() - started;

    const [baseline, overload, mitigated] = r.phases;
    expect([baseline.phase, overload.phase, mitigated.phase]).toEqual(['baseline', 'overload', 'mitigated']);
    expect(baseline.pageViews).toBeGreaterThan(0);
    expect(baseline.served).toBe(baseline.pageViews);
    expect(baseline.timeouts).toBe(0);
    // Overloaded: latency climbs, statements time out on aurora_ml_inference_timeout, the pool runs dry.
    expect(overload.p99Ms).toBeGreaterThan(baseline.p99Ms);
    expect(overload.inferenceTimeouts).toBeGreaterThan(0);
    expect(overload.poolTimeouts).toBeGreaterThan(0);
    expect(overload.peakWaiting).toBeGreaterThan(0);
    expect(overload.healthFailures).toBeGreaterThan(baseline.healthFailures);
    // The emulator's own view (/_aurora-ml/connections) saw the pool's connections held by waiting ML statements.
    expect(overload.peakWaitingOnMl).toBeGreaterThanOrEqual(r.poolSize / 2);
    // With statement_timeout and the breaker: the statements end at statement_timeout, the breaker opens,
    // pages are served without recommendations, and the app stays healthy far more often.
    expect(mitigated.statementTimeouts).toBeGreaterThan(0);
    expect(mitigated.breakerOpened).toBeGreaterThan(0);
    expect(mitigated.fallbacks).toBeGreaterThan(0);
    expect(mitigated.healthFailures).toBeLessThan(overload.healthFailures);
    expect(mitigated.failedPageViews).toBeLessThan(overload.failedPageViews);
    expect(mitigated.throughputPerSec).toBeGreaterThan(overload.throughputPerSec);
    expect(r.statementTimeoutMs).toBeLessThan(r.inferenceTimeoutMs);
    expect(tookMs).toBeLessThan(40_000); // the CI form's budget is about 20 s; leave room for a busy machine

    const chart = readChart(out);
    for (const p of r.phases) {
      expect(chart.text).toContain(`${p.healthFailures} of ${p.healthChecks}`);
      expect(chart.text).toContain(`${p.timeouts} / ${p.poolTimeouts}`);
      expect(chart.text).toContain(String(p.throughputPerSec));
    }
    await expectCleanedUp('aurora_ml_demo_overload', 'aurora-ml-demo-overloaded');
  });
});

describe('nightly-batch', () => {
  it('labels every row as the built-in model does, in ceil(N/25) requests batched and N one per row', async () => {
    const rows = 2000;
    const out = path.join(work, 'nightly-batch.svg');
    const r = await runDemo('nightly-batch', { ...target(), scale: SCALE, rows, perRowRows: rows, out, keep: true });
    try {
      // Every row labelled, and labelled as the built-in model labels its text (computed here, in process).
      const table = await direct.query<{ message: string; sentiment: string | null }>(
        'SELECT message, sentiment FROM aurora_ml_demo_nightly_batch.tickets ORDER BY id',
      );
      expect(table.rowCount).toBe(rows);
      const wrong = table.rows.filter((t) => t.sentiment !== analyzeSentiment(t.message, 'en').sentiment);
      expect(wrong).toEqual([]);
      // ... and as one detect_sentiment call per distinct text says through SQL, for a few of them.
      const client = await env.client();
      for (const t of table.rows.slice(0, 5)) {
        const one = await client.query(`SELECT sentiment FROM aws_comprehend.detect_sentiment($1, 'en')`, [t.message]);
        expect(one.rows[0].sentiment).toBe(t.sentiment);
      }
      expect(Object.values(r.labels).reduce((a, b) => a + b, 0)).toBe(rows);
      expect(Object.keys(r.labels).length).toBeGreaterThanOrEqual(3);

      // The call log: requests of 25 documents for the batched run, one document each for the other.
      const batched = env.emulator.observer.calls({
        service: 'comprehend',
        connection: r.batched.connectionId,
        since: r.batched.startedAt,
        until: r.batched.endedAt,
      });
      expect(batched.length).toBe(Math.ceil(rows / 25));
      expect(batched.every((c) => c.batchSize === 25 && c.operation === 'BatchDetectSentiment')).toBe(true);
      const perRow = env.emulator.observer.calls({
        service: 'comprehend',
        connection: r.perRow.connectionId,
        since: r.perRow.startedAt,
        until: r.perRow.endedAt,
      });
      expect(perRow.length).toBe(rows);
      expect(perRow.every((c) => c.batchSize === 1)).toBe(true);
      expect(r.batched.requests).toBe(batched.length);
      expect(r.perRow.requests).toBe(rows);
      expect(r.batched.rows).toBe(rows);
      expect(r.perRow.rows).toBe(rows);
      expect(r.perRowProjectedMs).toBe(r.perRow.durationMs); // all rows measured: nothing projected
      expect(r.speedup).toBeGreaterThan(1);

      const chart = readChart(out);
      expect(chart.text).toContain(formatCount(r.batched.requests));
      expect(chart.text).toContain(formatCount(r.perRow.requests));
      expect(chart.text).toContain(formatMs(r.batched.durationMs));
    } finally {
      await direct.query('DROP SCHEMA IF EXISTS aurora_ml_demo_nightly_batch CASCADE');
    }
    const controls = env.emulator.backendControls.getControls();
    expect(controls.comprehend.targets ?? {}).toEqual({});
  });
});

describe('the pieces', () => {
  it('the circuit breaker opens after the threshold, lets one trial through, and closes on success', () => {
    let now = 0;
    const breaker = new CircuitBreaker({ threshold: 3, openMs: 1000, now: () => now });
    for (let i = 0; i < 2; i++) {
      expect(breaker.allow()).toBe(true);
      breaker.failure();
    }
    expect(breaker.state).toBe('closed');
    breaker.failure();
    expect(breaker.state).toBe('open');
    expect(breaker.allow()).toBe(false);
    now = 1000;
    expect(breaker.allow()).toBe(true); // the trial
    expect(breaker.allow()).toBe(false); // only one at a time
    breaker.failure();
    expect(breaker.state).toBe('open');
    now = 2000;
    expect(breaker.allow()).toBe(true);
    breaker.success();
    expect(breaker.state).toBe('closed');
    expect(breaker.opened).toBe(2);
  });

  it('the demo options: defaults, HOST:PORT, and mistakes named', () => {
    expect(parseDemoArgs(['page-load'])).toMatchObject({
      name: 'page-load',
      pgUrl: 'postgres://postgres@127.0.0.1:5433/postgres',
      apiUrl: 'http://127.0.0.1:4599',
      start: false,
    });
    expect(parseDemoArgs(['overload', '--pg', '10.0.0.1:6543', '--api=localhost:9', '--scale', '0.5'])).toMatchObject({
      pgUrl: 'postgres://postgres@10.0.0.1:6543/postgres',
      apiUrl: 'http://localhost:9',
      scale: 0.5,
    });
    expect(() => parseDemoArgs(['nope'])).toThrow(/no demo "nope"/);
    expect(() => parseDemoArgs(['nightly-batch', '--rows', '-3'])).toThrow(/--rows/);
    expect(() => parseDemoArgs(['page-load', '--start', '--pg', '1.2.3.4:5'])).toThrow(/--start/);
  });
});

describe('the CLI', () => {
  it('`demo page-load --start` runs end to end as a child process: plain narration, chart, numbers', async () => {
    const out = path.join(work, 'cli-page-load.svg');
    const args = ['bin/aurora-ml-emulator.js', 'demo', 'page-load', '--start', '--pg-upstream', env.directUrl];
    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [...args, '--scale', String(SCALE), '--pages', '8', '--out', out], { cwd: ROOT });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => {
        stdout += d;
      });
      child.stderr.on('data', (d) => {
        stderr += d;
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    // stdout is a pipe here: no escape codes, no bars.
    expect(run.stdout).not.toContain('\x1b');
    expect(run.stdout).toContain('Every page view waits for the model');
    const numbers = JSON.parse(run.stdout.slice(run.stdout.indexOf("The chart's numbers:") + 20));
    expect(numbers.pages).toBe(8);
    expect(numbers.added.p50Ms).toBeGreaterThanOrEqual(numbers.endpointLatency.minMs);
    expect(existsSync(out)).toBe(true);
    expect(readChart(out).text).toContain(formatMs(numbers.ml.p50Ms));
    const schemas = await direct.query(
      `SELECT 1 FROM information_schema.schemata WHERE schema_name = 'aurora_ml_demo_page_load'`,
    );
    expect(schemas.rowCount).toBe(0);
  });
});
