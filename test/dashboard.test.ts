/**
 * The live dashboard: its routes and their guards over real HTTP, the event
 * stream's bound with a subscriber that never reads, and the page itself in
 * Debian's Chromium (driven by playwright-core, no browser download) against
 * the real PostgreSQL through the emulator, with statements sent by psql.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { runDemo } from '../src/demo/index.ts';
import { LiveStream } from '../src/observe/live-stream.ts';
import { StatementLog } from '../src/observe/statements.ts';
import { mysqlUrl, startTestEmulator, type TestEmulator } from './helpers/emulator.ts';

const run = promisify(execFile);
const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = mkdtempSync(join(tmpdir(), 'aurora-ml-dashboard-'));

async function psql(url: string, sql: string): Promise<string> {
  return (await run('psql', [url, '-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', sql])).stdout;
}

/** A request with exactly the headers given (fetch would add or refuse some, Host above all). */
function raw(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('dashboard routes', () => {
  let t: TestEmulator;
  let api: string;
  beforeAll(async () => {
    t = await startTestEmulator({ uiPoolSize: 7, mysqlListen: '127.0.0.1:0', mysqlUpstream: mysqlUrl() });
    api = t.emulator.api.url;
    await psql(t.url, 'CREATE EXTENSION IF NOT EXISTS aws_ml CASCADE');
  });
  afterAll(async () => {
    await t?.[Symbol.asyncDispose]();
  });

  it('lists a statement with its phases, progress and requests', async () => {
    const client = await t.client();
    await client.query(
      "SELECT s.sentiment FROM generate_series(1, 60) g, aws_comprehend.detect_sentiment('route probe ' || g, 'en') s",
    );
    const list = (await (await fetch(`${api}/_aurora-ml/statements`)).json()) as {
      running: unknown[];
      recent: {
        id: number;
        front: string;
        connectionId: number;
        sql: string;
        outcome: string;
        durationMs: number;
        rows: number | null;
        batchesDone: number;
        batchesKnown: number;
        phases: { kind: string; calls?: number; requests?: number }[];
      }[];
    };
    expect(list.running).toEqual([]);
    const entry = list.recent.find((s) => s.sql.includes('route probe'));
    expect(entry).toBeDefined();
    if (entry === undefined) return;
    const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
    expect(entry).toMatchObject({
      front: 'postgres',
      connectionId: pid,
      outcome: 'ok',
      batchesDone: 3,
      batchesKnown: 3,
      rows: 60,
    });
    expect(entry.durationMs).toBeGreaterThan(0);
    expect(entry.phases.map((p) => p.kind)).toEqual(['run', 'evaluate', 'final']);
    // 60 distinct texts in Comprehend batches of 25: three requests.
    expect(entry.phases[1]).toMatchObject({ calls: 60, requests: 3 });
    const one = (await (await fetch(`${api}/_aurora-ml/statements/${entry.id}`)).json()) as {
      requests: { service: string; batchSize: number }[];
    };
    expect(one.requests.map((r) => r.batchSize).sort((a, b) => a - b)).toEqual([10, 25, 25]);
    expect(new Set(one.requests.map((r) => r.service))).toEqual(new Set(['comprehend']));
  });

  it('lists a MySQL statement with its phases, cache fill included', async () => {
    const my = await mysql.createConnection(t.emulator.mysql?.url ?? '');
    try {
      const [ids] = await my.query<mysql.RowDataPacket[]>('SELECT CONNECTION_ID() AS id');
      await my.query("SELECT aws_comprehend_detect_sentiment('mysql probe', 'en') AS s");
      const entry = t.emulator.statements.recent().find((s) => s.sql.includes('mysql probe'));
      expect(entry).toMatchObject({ front: 'mysql', outcome: 'ok', batchesDone: 1, batchesKnown: 1 });
      expect([ids[0]?.id, my.threadId]).toContain(entry?.connectionId);
      expect(entry?.phases.map((p) => p.kind)).toEqual(['run', 'evaluate', 'cache-fill', 'final']);
      const waiting = (await (await fetch(`${api}/_aurora-ml/connections`)).json()) as { mysql: { connected: number } };
      expect(waiting.mysql.connected).toBeGreaterThanOrEqual(1);
    } finally {
      await my.end();
    }
  });

  it('records a failed statement with its outcome and error', async () => {
    const client = await t.client();
    await client.query("SET statement_timeout = '300ms'");
    await fetch(`${api}/_aurora-ml/backends`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ comprehend: { latency: { kind: 'fixed', ms: 1000 } } }),
    });
    try {
      await expect(client.query("SELECT aws_comprehend.detect_sentiment('too slow probe', 'en')")).rejects.toThrow();
    } finally {
      await fetch(`${api}/_aurora-ml/backends`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ comprehend: { latency: null } }),
      });
    }
    const entry = t.emulator.statements.recent().find((s) => s.sql.includes('too slow probe'));
    expect(entry?.outcome).toBe('timeout');
    expect(entry?.error?.code).toBe('StatementTimeout');
  });

  it('counts connections per front against the upstream limit and the pool line', async () => {
    const client = await t.client();
    const limit = Number((await client.query<{ max_connections: string }>('SHOW max_connections')).rows[0]?.max_connections);
    const my = await mysql.createConnection(mysqlUrl());
    const [rows] = await my.query<mysql.RowDataPacket[]>('SELECT @@max_connections AS m');
    await my.end();
    const body = (await (await fetch(`${api}/_aurora-ml/connections`)).json()) as Record<string, unknown>;
    expect(body.mysql).toMatchObject({ waitingOnMl: 0, upstreamMaxConnections: Number(rows[0]?.m), appPoolSize: 7 });
    expect(body.postgres).toMatchObject({ waitingOnMl: 0, upstreamMaxConnections: limit, appPoolSize: 7 });
    expect((body.postgres as { connected: number }).connected).toBeGreaterThanOrEqual(1);
  });

  it('serves the page, and refuses other sites, other hosts and other ports', async () => {
    const port = t.emulator.api.port;
    const own = await raw(`${api}/ui`, { headers: { host: `127.0.0.1:${port}` } });
    expect(own.status).toBe(200);
    expect(own.body).toContain('<title>aurora-ml-emulator dashboard</title>');
    expect((await raw(`${api}/ui/dashboard.js`)).status).toBe(200);
    // Every file of src/ui (the modules dashboard.js imports) is served.
    for (const file of readdirSync(new URL('../src/ui/', import.meta.url))) {
      expect((await raw(`${api}/ui/${file}`)).status, file).toBe(200);
    }
    // Only the page's own files: nothing else of the source tree.
    expect((await raw(`${api}/ui/..%2Fobserve%2Fdashboard.ts`)).status).toBe(404);
    expect((await raw(`${api}/ui/package.json`)).status).toBe(404);
    const sameOrigin = await raw(`${api}/_aurora-ml/statements`, { headers: { origin: `http://127.0.0.1:${port}` } });
    expect(sameOrigin.status).toBe(200);
    for (const path of ['/ui', '/_aurora-ml/statements', '/_aurora-ml/connections', '/_aurora-ml/events']) {
      // Another site, a local dev server on another port, DNS rebinding, and a Host naming another port.
      expect((await raw(`${api}${path}`, { headers: { origin: 'https://evil.example' } })).status).toBe(403);
      expect((await raw(`${api}${path}`, { headers: { origin: 'http://localhost:3000' } })).status).toBe(403);
      expect((await raw(`${api}${path}`, { headers: { host: `rebind.evil.example:${port}` } })).status).toBe(403);
      expect((await raw(`${api}${path}`, { headers: { host: `127.0.0.1:${port + 1}` } })).status).toBe(403);
    }
  });

  it('takes control changes only as non-simple requests', async () => {
    const port = t.emulator.api.port;
    const patch = JSON.stringify({ sagemaker: { latency: { kind: 'fixed', ms: 5 } } });
    // What a form or a no-cors fetch from any page can send: refused, nothing changed.
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const simple = await raw(`${api}/_aurora-ml/backends`, {
        method: 'POST',
        headers: { 'content-type': type, origin: `http://127.0.0.1:${port}` },
        body: patch,
      });
      expect(simple.status).toBe(415);
    }
    expect(t.emulator.backendControls.getControls().sagemaker.latency).toBeUndefined();
    const json = await raw(`${api}/_aurora-ml/backends`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', origin: `http://127.0.0.1:${port}` },
      body: patch,
    });
    expect(json.status).toBe(200);
    expect(t.emulator.backendControls.getControls().sagemaker.latency).toEqual({ kind: 'fixed', ms: 5 });
    await raw(`${api}/_aurora-ml/backends`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sagemaker: { latency: null } }),
    });
  });

  it('documents the new routes in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${api}/_aurora-ml/openapi.json`)).json()) as { paths: Record<string, unknown> };
    for (const path of [
      '/_aurora-ml/statements',
      '/_aurora-ml/statements/{id}',
      '/_aurora-ml/connections',
      '/_aurora-ml/events',
    ]) {
      expect(doc.paths[path]).toBeDefined();
    }
  });
});

describe('the app pool size option', () => {
  it('comes from the flag, the variable or the config key, and is checked like the others', () => {
    expect(loadConfig(['--ui-pool-size', '25'], {}).uiPoolSize).toBe(25);
    expect(loadConfig([], { AURORA_ML_UI_POOL_SIZE: '12' }).uiPoolSize).toBe(12);
    expect(loadConfig([], {}).uiPoolSize).toBe(10);
    expect(() => loadConfig(['--ui-pool-size', '0'], {})).toThrow(/--ui-pool-size: expected a whole number of connections/);
    expect(() => loadConfig([], { AURORA_ML_UI_POOL_SIZ: '5' })).toThrow(/did you mean AURORA_ML_UI_POOL_SIZE\?/);
    expect(() => loadConfig(['--ui-pool-sise', '5'], {})).toThrow(/unknown option --ui-pool-sise; did you mean --ui-pool-size\?/);
    const dir = mkdtempSync(join(tmpdir(), 'aurora-ml-ui-config-'));
    writeFileSync(join(dir, 'good.yaml'), 'uiPoolSize: 3\n');
    writeFileSync(join(dir, 'typo.yaml'), 'uiPoolSise: 3\n');
    expect(loadConfig(['--config', join(dir, 'good.yaml')], {}).uiPoolSize).toBe(3);
    expect(() => loadConfig(['--config', join(dir, 'typo.yaml')], {})).toThrow(/uiPoolSize/);
  });
});

describe('the event stream', () => {
  it('drops updates for a subscriber that does not read, then tells it of the gap', async () => {
    const statements = new StatementLog();
    const maxBufferedBytes = 64 * 1024;
    const stream = new LiveStream(
      { statements, onCall: () => () => {}, gauges: () => ({ pad: 'x'.repeat(50_000) }) },
      { tickMs: 5, maxBufferedBytes },
    );
    const server = createServer((_req, res) => stream.attach(res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const socket = connect({ port, host: '127.0.0.1' });
    socket.write(`GET /events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
    // Read the response head, then stop reading: a stalled browser tab.
    await new Promise<void>((resolve) => socket.once('data', () => resolve()));
    socket.pause();
    try {
      // Each update carries ~50 kB: the socket's buffers fill, then the stream must start dropping.
      const deadline = Date.now() + 20_000;
      let stats = stream.subscriberStats()[0];
      let peak = 0;
      while ((stats?.droppedTotal ?? 0) < 50 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
        stats = stream.subscriberStats()[0];
        peak = Math.max(peak, stats?.bufferedBytes ?? 0);
      }
      expect(stats?.droppedTotal).toBeGreaterThanOrEqual(50);
      // Bounded: the limit plus at most the one update that crossed it.
      expect(peak).toBeLessThanOrEqual(maxBufferedBytes + 60_000);
      // Reading again: the missed updates are announced by a gap event.
      let seen = '';
      const gap = new Promise<void>((resolve) => {
        socket.on('data', (chunk: Buffer) => {
          seen = (seen + chunk.toString('utf8')).slice(-200_000);
          if (seen.includes('event: gap')) resolve();
        });
      });
      socket.resume();
      await gap;
      expect(seen).toMatch(/event: gap\ndata: \{"dropped":\d+\}/);
    } finally {
      socket.destroy();
      stream.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe.skipIf(!existsSync(CHROMIUM))('the page in Chromium', () => {
  let t: TestEmulator;
  let api: string;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    t = await startTestEmulator({ uiPoolSize: 4 });
    api = t.emulator.api.url;
    await psql(t.url, 'CREATE EXTENSION IF NOT EXISTS aws_ml CASCADE');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (err) => consoleErrors.push(String(err)));
    await page.goto(`${api}/ui`);
    await page.waitForSelector('#live[data-state="open"]', { timeout: 10_000 });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await t?.[Symbol.asyncDispose]();
  });

  it('loads with no console errors', async () => {
    await page.waitForSelector('#counter-table td[data-counter="Aurora_ml_logical_request_cnt"]', { timeout: 5_000 });
    expect(consoleErrors).toEqual([]);
  });

  it('shows a statement sent through psql within one second, with its phases', async () => {
    const marker = `psql probe ${Date.now()}`;
    await psql(t.url, `SELECT aws_comprehend.detect_sentiment('${marker} ' || g, 'en') FROM generate_series(1, 30) g`);
    const sent = Date.now();
    // The page may have drawn the statement while it ran: wait for it as finished.
    const row = page.locator('.row[data-outcome="ok"]', { hasText: marker });
    await row.waitFor({ timeout: 1_000 });
    expect(Date.now() - sent).toBeLessThan(1_000);
    expect(await row.getAttribute('data-phases')).toBe('run,evaluate,final');
    await row.click();
    const detail = page.locator('#statement-detail');
    await detail.getByText('2 backend requests').waitFor({ timeout: 2_000 });
    expect(await detail.locator('table tr').count()).toBe(3); // header + 2 requests (25 + 5)
    await page.screenshot({ path: join(SCREENSHOTS, 'statements.png'), fullPage: true });
    expect(consoleErrors).toEqual([]);
  });

  it("changes the next SQL call's latency from the page's control", async () => {
    const client = await t.client();
    const timed = async (text: string) => {
      const started = performance.now();
      await client.query('SELECT aws_comprehend.detect_sentiment($1, $2)', [text, 'en']);
      const elapsed = performance.now() - started;
      const call = t.emulator.observer.calls({ service: 'comprehend' }).at(-1);
      return { elapsed, backendMs: call?.durationMs ?? -1 };
    };
    const before = await timed(`before ${Date.now()}`);
    expect(before.backendMs).toBeLessThan(150);
    await page.selectOption('#service', 'comprehend');
    await page.fill('#latency', '400');
    await page.click('#apply');
    await page.locator('#control-status', { hasText: 'applied' }).waitFor({ timeout: 3_000 });
    const after = await timed(`after ${Date.now()}`);
    expect(after.backendMs).toBeGreaterThanOrEqual(390);
    expect(after.elapsed).toBeGreaterThanOrEqual(390);
    expect(t.emulator.backendControls.getControls().comprehend.latency).toEqual({ kind: 'fixed', ms: 400 });
    await page.fill('#latency', '');
    await page.click('#clear');
    await page.locator('#control-status', { hasText: 'cleared comprehend' }).waitFor({ timeout: 3_000 });
    expect(t.emulator.backendControls.getControls().comprehend.latency).toBeUndefined();
  });

  it("turns the cluster's aurora_ml switch off and on from the page, as SQL sees it", async () => {
    const client = await t.client();
    const box = page.locator('#switch-postgres');
    await box.waitFor({ timeout: 3_000 });
    expect(await box.isChecked()).toBe(true);
    await box.uncheck();
    await page.locator('#control-status', { hasText: 'aurora_ml = 0' }).waitFor({ timeout: 3_000 });
    await expect(client.query("SELECT aws_comprehend.detect_sentiment('switched off', 'en')")).rejects.toThrow(/aurora_ml is 0/);
    await box.check();
    await page.locator('#control-status', { hasText: 'aurora_ml = 1' }).waitFor({ timeout: 3_000 });
    const { rows } = await client.query("SELECT (aws_comprehend.detect_sentiment('switched on', 'en')).sentiment AS s");
    expect(rows[0]?.s).toMatch(/^(POSITIVE|NEGATIVE|NEUTRAL|MIXED)$/);
    expect(consoleErrors).toEqual([]);
  });

  it('shows connections waiting on ML during an overload run', async () => {
    // The overload demo (src/demo) against this emulator, scaled down: its pool waits on a slow,
    // capacity-limited endpoint, and the page must show the waiting connections as they pile up.
    const demo = runDemo('overload', { pgUrl: t.url, apiUrl: api, scale: 0.2, out: null, poolSize: 4 });
    demo.catch(() => {});
    let peak = 0;
    const deadline = Date.now() + 60_000;
    let settled = false;
    void demo.finally(() => {
      settled = true;
    });
    while (peak < 3 && Date.now() < deadline && !settled) {
      const waiting = Number(await page.locator('.front-name').first().getAttribute('data-waiting'));
      if (waiting > peak) {
        peak = waiting;
        if (peak >= 3) {
          await page.screenshot({ path: join(SCREENSHOTS, 'overload.png'), fullPage: true });
          // The README's picture is refreshed on request only: a test run leaves the checkout as it was.
          if (process.env.UPDATE_SCREENSHOTS === '1') await page.screenshot({ path: 'docs/dashboard.png', fullPage: true });
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(peak).toBeGreaterThanOrEqual(3);
    // The page's count is the emulator's own.
    expect(await page.locator('.front-name').first().textContent()).toMatch(/^postgres: \d+ waiting \/ \d+ connected$/);
    await demo;
    expect(consoleErrors).toEqual([]);
  }, 180_000);
});
