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

/**
 * Leaves what an earlier version would have (`olderInstall` run straight on
 * the database), then runs `session` on a client of a new emulator process
 * in front of the same database.
 */
async function throughNewEmulator(olderInstall: string, session: (client: pg.Client) => Promise<void>): Promise<void> {
  const direct = new pg.Client({ connectionString: env.directUrl });
  await direct.connect();
  await direct.query(olderInstall);
  await direct.end();
  await using next = await startEmulator({
    pgListen: '127.0.0.1:0',
    apiListen: '127.0.0.1:0',
    pgUpstream: env.directUrl,
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
  });
  const client = new pg.Client({ connectionString: next.postgres.url });
  await client.connect();
  try {
    await session(client);
  } finally {
    await client.end();
  }
}

const present = (signature: string) => `SELECT pg_catalog.to_regprocedure('${signature}') IS NOT NULL AS present`;

describe('stubs of an earlier emulator version', () => {
  it('are upgraded in place by the first superuser session of a new emulator; views over them keep working', async () => {
    // What an earlier version left: the stubs, without the private schema.
    await throughNewEmulator('DROP SCHEMA aurora_ml_private CASCADE', async (client) => {
      expect((await client.query(`SELECT s FROM labelled`)).rows).toEqual([{ s: 'POSITIVE' }]);
      expect((await client.query(present('aurora_ml_private.begin_statement(boolean)'))).rows).toEqual([{ present: true }]);
    });
  });
});

describe('an install without the cache-reading answer functions', () => {
  it('gets them from the first superuser session, and a session keeping an earlier cache table gets a new one', async () => {
    // What an earlier version left: everything but the aurora_ml_cached schema.
    await throughNewEmulator('DROP SCHEMA aurora_ml_cached CASCADE', async (client) => {
      // The cache table an earlier version made in this session: the statement key in v.
      await client.query('CREATE TEMP TABLE aurora_ml_cache (k text PRIMARY KEY, v text)');
      expect((await client.query(`SELECT s FROM labelled`)).rows).toEqual([{ s: 'POSITIVE' }]);
      expect((await client.query(present('aurora_ml_cached.sentiment(varchar,varchar,integer)'))).rows).toEqual([
        { present: true },
      ]);
      // Made anew: the key in a column of its own, and digests compared byte by byte.
      const columns = await client.query(
        `SELECT attname, attcollation::regcollation::text AS collation FROM pg_catalog.pg_attribute
          WHERE attrelid = 'pg_temp.aurora_ml_cache'::regclass AND attnum > 0 ORDER BY attnum`,
      );
      expect(columns.rows.map((r) => [r.attname, r.collation])).toEqual([
        ['k', '"C"'],
        ['v', '"default"'],
        ['s', '"default"'],
      ]);
      // The key sits in s only: v of the key row is empty.
      const keyRow = await client.query(`SELECT v, s IS NOT NULL AS keyed FROM pg_temp.aurora_ml_cache WHERE k = ''`);
      expect(keyRow.rows).toEqual([{ v: null, keyed: true }]);
    });
  });
});
