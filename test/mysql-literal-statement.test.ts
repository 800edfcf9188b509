/**
 * The MySQL front's light path (src/aurora/mysql/literal-statement.ts): a
 * SELECT of built-in calls on string literals is evaluated before it runs,
 * with keys computed by the emulator as the stubs compute them. Shown by
 * comparison with the loop: generated texts (quotes, backslashes, every
 * control character, non-ASCII, astral characters) answered through the
 * light path and, in a statement the light path does not take, through the
 * loop, must agree, and the light path must have taken its two round trips
 * (a key it got wrong would have missed and sent the statement to the loop).
 */
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealedLiteralCalls } from '../src/aurora/mysql/literal-statement.ts';
import { findMlCalls } from '../src/sql/mysql/ml-calls.ts';
import { type CountingRelay, startCountingRelay } from './helpers/counting-relay.ts';
import { type MysqlTestEmulator, startMysqlTestEmulator } from './helpers/mysql-emulator.ts';
import { caseSeed, Rng } from './helpers/pg-differential/prng.ts';
import { MYSQL_HOST, MYSQL_PORT } from './helpers/test-databases.ts';

const SEED = 20261207;
const TEXTS = 120;
const database = `aurora_ml_literal_${process.pid}`;

/** Pieces the generated texts are made of: what JSON_ARRAY escapes, and what it leaves alone. */
const PIECES = [
  'I love it',
  'terrible',
  ' ',
  '"',
  '\\',
  "'",
  '/',
  'é',
  'ß',
  '日本語',
  '😀',
  '\u007f',
  '\u00a0',
  '\u2028',
  ...Array.from({ length: 32 }, (_, code) => String.fromCharCode(code)),
];

function generatedText(index: number): string {
  const r = new Rng(caseSeed(SEED, 'mysql-literal', index));
  return Array.from({ length: r.int(1, 8) }, () => r.pick(PIECES)).join('');
}

/** A MySQL string literal (default sql_mode: backslash escapes): NUL and control-Z escaped, the rest raw. */
function literal(text: string): string {
  const escapes: Readonly<Record<string, string>> = { '\\': '\\\\', "'": "''", '\0': '\\0', '\u001a': '\\Z' };
  return `'${[...text].map((ch) => escapes[ch] ?? ch).join('')}'`;
}

let relay: CountingRelay;
let env: MysqlTestEmulator;
let c: mysql.Connection;

beforeAll(async () => {
  relay = await startCountingRelay({ host: MYSQL_HOST, port: MYSQL_PORT });
  env = await startMysqlTestEmulator({ mysqlUpstream: `mysql://root@127.0.0.1:${relay.port}/${database}` }, { name: database });
  c = await env.client();
  await c.query(`SELECT aws_comprehend_detect_sentiment('first of the session', 'en') AS s`);
});

afterAll(async () => {
  await env?.[Symbol.asyncDispose]();
  await relay?.close();
});

async function logicalRequests(): Promise<number> {
  const [rows] = await c.query(`SHOW GLOBAL STATUS LIKE 'Aurora_ml_logical_request_cnt'`);
  return Number((rows as { Value: string }[])[0]?.Value);
}

describe('MySQL light path for calls on literals', () => {
  it(`${TEXTS} generated texts: the keys are the stubs' own (two round trips each), the answers the loop's`, async () => {
    for (let i = 0; i < TEXTS; i++) {
      const text = generatedText(i);
      const label = `#${i} ${JSON.stringify(text)}`;
      const before = await logicalRequests();
      relay.reset();
      const [light] = await c.query(
        `SELECT aws_comprehend_detect_sentiment(${literal(text)}, 'en') AS s, aws_comprehend_detect_sentiment_confidence(${literal(text)}, 'en') AS c`,
      );
      // A statement with non-ASCII text first has the client's character set asked (to read its text).
      const own = relay.bursts().filter((b) => b.trim() !== 'SELECT @@character_set_client');
      expect(own, label).toHaveLength(2);
      expect((await logicalRequests()) - before, label).toBe(2);
      // A FROM clause keeps the statement off the light path.
      const [loop] = await c.query(
        `SELECT aws_comprehend_detect_sentiment(${literal(text)}, 'en') AS s, aws_comprehend_detect_sentiment_confidence(${literal(text)}, 'en') AS c FROM (SELECT 1) one`,
      );
      expect(light, label).toEqual(loop);
    }
  });

  it('a statement that misses in the light run goes through the loop, with the right answer and counts', async () => {
    // Under NO_BACKSLASH_ESCAPES the server reads '\\n' as a backslash and an n, the emulator's
    // lexer (which does not track sql_mode) as a newline: the key it computes misses.
    const text = `'I love it\\n really'`;
    await c.query("SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES'");
    try {
      await c.query(`SELECT aws_comprehend_detect_sentiment('warm-up', 'en') AS s`);
      const before = await logicalRequests();
      relay.reset();
      const [light] = await c.query(`SELECT aws_comprehend_detect_sentiment(${text}, 'en') AS s`);
      const bursts = relay.bursts();
      expect((await logicalRequests()) - before).toBe(1);
      // The light path's two round trips (no savepoint, the miss table left alone), then the loop from the start.
      expect(bursts[1]).toMatch(/DELETE FROM aurora_ml\.aurora_ml_cache.*INSERT INTO aurora_ml\.aurora_ml_cache.*COMMIT/s);
      expect(bursts[1]).not.toMatch(/SAVEPOINT|aurora_ml\.aurora_ml_miss\b/);
      expect(bursts.length).toBeGreaterThan(2);
      const [loop] = await c.query(`SELECT aws_comprehend_detect_sentiment(${text}, 'en') AS s FROM (SELECT 1) one`);
      expect(light).toEqual(loop);
      const [raw] = await c.query(`SELECT ${text} AS t`);
      expect(raw).toEqual([{ t: 'I love it\\n really' }]);
    } finally {
      await c.query('SET SESSION sql_mode = DEFAULT');
    }
    const [state] = await c.query('SELECT @@in_transaction AS t, @@autocommit AS a, @aurora_ml_mode AS m');
    expect(state).toEqual([{ t: 0, a: 1, m: null }]);
  });

  it("inside the client's transaction: two round trips, no savepoint taken, and the transaction goes on as it was", async () => {
    await c.query('CREATE TABLE IF NOT EXISTS kept (id INT PRIMARY KEY) ENGINE=InnoDB');
    await c.query('DELETE FROM kept');
    await c.query('BEGIN');
    try {
      await c.query('INSERT INTO kept VALUES (1)');
      await c.query('SAVEPOINT client_own');
      relay.reset();
      const [light] = await c.query(`SELECT aws_comprehend_detect_sentiment('I love this in a transaction', 'en') AS s`);
      const bursts = relay.bursts();
      expect(bursts).toHaveLength(2);
      expect(bursts[1]).toMatch(/DELETE FROM aurora_ml\.aurora_ml_cache.*INSERT INTO aurora_ml\.aurora_ml_cache/s);
      expect(bursts[1]).not.toMatch(/SAVEPOINT|COMMIT|aurora_ml\.aurora_ml_miss\b/);
      const [loop] = await c.query(
        `SELECT aws_comprehend_detect_sentiment('I love this in a transaction', 'en') AS s FROM (SELECT 1) one`,
      );
      expect(light).toEqual(loop);
      // The client's savepoint and its row are still there, and nothing of the emulator's is.
      const [state] = await c.query('SELECT @@in_transaction AS t, @aurora_ml_mode AS m, (SELECT count(*) FROM kept) AS n');
      expect(state).toEqual([{ t: 1, m: null, n: 1 }]);
      await c.query('ROLLBACK TO SAVEPOINT client_own');
      await expect(c.query('RELEASE SAVEPOINT aurora_ml_statement')).rejects.toMatchObject({ errno: 1305 });
    } finally {
      await c.query('ROLLBACK');
    }
    const [after] = await c.query('SELECT count(*) AS n FROM kept');
    expect(after).toEqual([{ n: 0 }]);
    await c.query('DROP TABLE kept');
  });

  it.each([
    [`SELECT aws_comprehend_detect_sentiment('x', 'en') AS s`, true],
    [`SELECT aws_comprehend_detect_sentiment('x', 'en') s, 'lit' AS l, 42, NULL;`, true],
    [`SELECT aws_comprehend_detect_sentiment('x', NULL)`, true],
    [`SELECT aws_comprehend_detect_sentiment('x', 'en') FROM t`, false],
    [`SELECT aws_comprehend_detect_sentiment('x', 'en') WHERE 1 = 0`, false],
    [`SELECT aws_comprehend_detect_sentiment('x', lang_var)`, false],
    [`SELECT aws_comprehend_detect_sentiment(_latin1'x', 'en')`, false],
    [`SELECT aws_comprehend_detect_sentiment("x", 'en')`, false],
    [`SELECT aws_comprehend_detect_sentiment('x', 'en'), my_function()`, false],
    [`SELECT UPPER(aws_comprehend_detect_sentiment('x', 'en'))`, false],
    [`SELECT aws_comprehend_detect_sentiment('x', 'en', 10)`, false],
    [`SELECT /*!99999 1, */ aws_comprehend_detect_sentiment('x', 'en')`, false],
    [`SELECT aws_comprehend_detect_sentiment('x', '${'e'.repeat(65)}')`, false],
  ])('%s: light path %s', (sql, light) => {
    expect(sealedLiteralCalls(sql, findMlCalls(sql)) !== null).toBe(light);
  });
});
