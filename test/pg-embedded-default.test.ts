/**
 * With no upstream configured the emulator runs its own PostgreSQL: the
 * README's first command, as a test. Data (and the installed extension)
 * survive a restart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { afterAll, expect, it } from 'vitest';
import { startEmulator } from '../src/index.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'aurora-ml-embedded-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client(url);
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

it('serves aws_ml on an embedded PostgreSQL 16 and keeps its data across restarts', async () => {
  const options = { pgListen: '127.0.0.1:0', apiListen: '127.0.0.1:0', dataDir, logger: pino({ level: 'silent' }) } as const;
  {
    await using emu = await startEmulator(options);
    expect(emu.postgres.embedded).toBe(true);
    await withClient(emu.postgres.url, async (c) => {
      const version = await c.query('SHOW server_version_num');
      expect(Number(version.rows[0].server_version_num)).toBeGreaterThanOrEqual(160000);
      await c.query('CREATE EXTENSION aws_ml CASCADE');
      const { rows } = await c.query(`SELECT * FROM aws_comprehend.detect_sentiment('I love this product!', 'en')`);
      expect(rows[0].sentiment).toBe('POSITIVE');
      await c.query(`CREATE TABLE kept AS SELECT (aws_comprehend.detect_sentiment('This is awful', 'en')).sentiment AS s`);
    });
  }
  await using again = await startEmulator(options);
  await withClient(again.postgres.url, async (c) => {
    const kept = await c.query('SELECT s FROM kept');
    expect(kept.rows).toEqual([{ s: 'NEGATIVE' }]);
    const ext = await c.query(`SELECT extversion FROM pg_extension WHERE extname = 'aws_ml'`);
    expect(ext.rows).toEqual([{ extversion: '2.0' }]);
    const { rows } = await c.query(`SELECT (aws_comprehend.detect_sentiment('Works great', 'en')).sentiment AS s`);
    expect(rows[0].s).toBe('POSITIVE');
  });
});
