/**
 * aws_ml installed by an earlier emulator version has no private miss
 * channel (src/aurora/pg/miss-channel.ts), and the loop refuses misses it
 * cannot verify. A superuser's first session through a new emulator upgrades
 * the stubs in place, so a database kept across versions (the embedded
 * default's data directory, say) keeps working.
 */
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../src/index.ts';
import { startTestEmulator, type TestEmulator } from './helpers/emulator.ts';

let env: TestEmulator;

beforeAll(async () => {
  env = await startTestEmulator();
  const admin = await env.client();
  await admin.query('CREATE EXTENSION aws_ml CASCADE');
  await admin.query(
    `CREATE VIEW labelled AS SELECT t, (aws_comprehend.detect_sentiment(t, 'en')).sentiment AS s FROM (VALUES ('I love it')) AS v(t)`,
  );
});

afterAll(async () => {
  await env?.[Symbol.asyncDispose]();
});

describe('stubs of an earlier emulator version', () => {
  it('are upgraded in place by the first superuser session of a new emulator; views over them keep working', async () => {
    // What an earlier version left: the stubs, without the private schema.
    const direct = new pg.Client({ connectionString: env.directUrl });
    await direct.connect();
    await direct.query('DROP SCHEMA aurora_ml_private CASCADE');
    await direct.end();

    // A new emulator process in front of the same database.
    await using next = await startEmulator({
      pgListen: '127.0.0.1:0',
      apiListen: '127.0.0.1:0',
      pgUpstream: env.directUrl,
      logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    });
    const client = new pg.Client({ connectionString: next.postgres.url });
    await client.connect();
    try {
      expect((await client.query(`SELECT s FROM labelled`)).rows).toEqual([{ s: 'POSITIVE' }]);
      const channel = await client.query(
        `SELECT pg_catalog.to_regprocedure('aurora_ml_private.begin_statement(boolean)') IS NOT NULL AS present`,
      );
      expect(channel.rows).toEqual([{ present: true }]);
    } finally {
      await client.end();
    }
  });
});
