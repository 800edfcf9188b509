/**
 * Statements whose calls are found before they run (issue 11's large SELECT):
 * a prefetch query lists the distinct calls, and the statement runs once with
 * the answers written into it. Checked against the discovery loop itself:
 * the same statement wrapped in `CASE WHEN true THEN ... END`, which the
 * planner never takes, must give every row the same value.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallSpool, PREFETCH_CHUNK } from '../src/aurora/pg/prefetch-spool.ts';
import { upgradeSql } from '../src/aurora/pg/stubs.ts';
import { analyzeSentiment } from '../src/backends/comprehend/sentiment.ts';
import { startTestEmulatorWithMl, type TestEmulator } from './helpers/emulator.ts';

let env: TestEmulator;
const ROWS = 120;

beforeAll(async () => {
  env = await startTestEmulatorWithMl();
  const admin = await env.client();
  // Texts that test the key's escaping: quotes, backslashes, tabs, newlines,
  // non-ASCII, a NULL, and repeats (a SageMaker endpoint reads lines: its inputs have no newline).
  await admin.query(`CREATE TABLE t AS
    SELECT i AS id,
      CASE WHEN i % 17 = 0 THEN NULL
           ELSE (ARRAY['I love it', 'terrible service', 'Crème brûlée über alles 😀', 'a "quoted" \\ back\\slash',
                       E'tab\\there', E'new\\nline', 'it''s fine'])[1 + i % 7] || ' #' || (i % 40) END AS txt
    FROM generate_series(1, ${ROWS}) i`);
  await admin.query('CREATE SEQUENCE s');
});

afterAll(async () => {
  await env?.[Symbol.asyncDispose]();
});

/** Stub calls made by `sql` in one transaction (track_functions counts PL/pgSQL calls). */
async function stubCalls(sql: string, params: unknown[] = []): Promise<{ rows: Record<string, unknown>[]; stubCalls: number }> {
  const client = await env.client();
  await client.query("BEGIN; SET LOCAL track_functions = 'pl'");
  try {
    const { rows } = await client.query(sql, params);
    const counted = await client.query<{ calls: string }>(
      "SELECT coalesce(sum(calls), 0) AS calls FROM pg_stat_xact_user_functions WHERE schemaname IN ('aws_comprehend', 'aws_sagemaker')",
    );
    return { rows, stubCalls: Number(counted.rows[0]?.calls) };
  } finally {
    await client.query('ROLLBACK');
    await client.end();
  }
}

describe('a statement whose calls are found first', () => {
  it('calls nothing when no row matches, even with literal arguments (as PostgreSQL calls per row)', async () => {
    const client = await env.client();
    try {
      const before = env.emulator.stats.logicalRequests;
      // 'xx' is a language Comprehend refuses: a call would fail the statement.
      for (const sql of [
        `UPDATE t SET txt = (aws_comprehend.detect_sentiment('never called', 'xx')).sentiment WHERE id > ${ROWS}`,
        `SELECT (aws_comprehend.detect_sentiment('never called', 'xx')).sentiment FROM t WHERE id < 0`,
        `SELECT (aws_comprehend.detect_sentiment('never called', 'xx')).sentiment WHERE false`,
      ]) {
        const result = await client.query(sql);
        expect(result.rowCount, sql).toBe(0);
      }
      expect(env.emulator.stats.logicalRequests).toBe(before);
      // One matching row: one call, and the refusal is the statement's.
      await expect(
        client.query(`SELECT (aws_comprehend.detect_sentiment('called once', 'xx')).sentiment FROM t WHERE id = 1`),
      ).rejects.toThrow(/UnsupportedLanguage|not supported/);
    } finally {
      await client.end();
    }
  });

  it('gives every row what the discovery loop gives, without calling a stub', async () => {
    const fast = await stubCalls(`SELECT id, (aws_comprehend.detect_sentiment(txt, 'en')).sentiment AS s,
        (aws_comprehend.detect_sentiment(txt, 'en')).confidence AS c,
        aws_sagemaker.invoke_endpoint('demo-echo', NULL, replace(txt, E'\\n', ' ')) AS e
      FROM t WHERE id > 3 ORDER BY id`);
    const loop = await stubCalls(`SELECT id, CASE WHEN true THEN (aws_comprehend.detect_sentiment(txt, 'en')).sentiment END AS s,
        CASE WHEN true THEN (aws_comprehend.detect_sentiment(txt, 'en')).confidence END AS c,
        CASE WHEN true THEN aws_sagemaker.invoke_endpoint('demo-echo', NULL, replace(txt, E'\\n', ' ')) END AS e
      FROM t WHERE id > 3 ORDER BY id`);
    expect(fast.rows).toHaveLength(ROWS - 3);
    expect(fast.rows).toEqual(loop.rows);
    expect(fast.rows.filter((r) => r.s === null)).toHaveLength(loop.rows.filter((r) => r.s === null).length);
    expect(new Set(fast.rows.map((r) => r.s))).toEqual(
      new Set(['POSITIVE', 'NEGATIVE', 'NEUTRAL', null].filter((v) => loop.rows.some((r) => r.s === v))),
    );
    expect(fast.stubCalls).toBeLessThan(ROWS);
    expect(loop.stubCalls).toBeGreaterThanOrEqual(3 * (ROWS - 3));
  });

  it('whole records and calls in FROM keep their column names and values', async () => {
    const client = await env.client();
    const whole = await client.query(`SELECT id, aws_comprehend.detect_sentiment(txt, 'en') FROM t ORDER BY id`);
    const looped = await client.query(
      `SELECT id, CASE WHEN true THEN aws_comprehend.detect_sentiment(txt, 'en') END AS detect_sentiment FROM t ORDER BY id`,
    );
    expect(whole.fields.map((f) => [f.name, f.dataTypeID])).toEqual([
      ['id', 23],
      ['detect_sentiment', 2249],
    ]);
    expect(whole.rows).toEqual(looped.rows);
    const from = await client.query(`SELECT * FROM aws_comprehend.detect_sentiment('I love it', 'en')`);
    expect(from.fields.map((f) => f.name)).toEqual(['sentiment', 'confidence']);
    expect(from.rows).toEqual([{ sentiment: 'POSITIVE', confidence: expect.any(Number) }]);
    const endpoint = await client.query(`SELECT * FROM aws_sagemaker.invoke_endpoint('demo-echo', NULL, 'x', 2)`);
    expect(endpoint.rows).toEqual([{ model_output: 'x 2' }]);
  });

  it('runs the statement once: a sequence in its target list advances once per row', async () => {
    const client = await env.client();
    const before = Number((await client.query(`SELECT nextval('s') AS v`)).rows[0]?.v);
    const { rows } = await client.query(
      `SELECT nextval('s') AS n, (aws_comprehend.detect_sentiment(txt, 'en')).sentiment FROM t`,
    );
    expect(rows).toHaveLength(ROWS);
    const after = Number((await client.query(`SELECT nextval('s') AS v`)).rows[0]?.v);
    expect(after - before).toBe(ROWS + 1);
  });

  it('UPDATE ... FROM and INSERT ... SELECT store what the loop stores', async () => {
    const client = await env.client();
    await client.query('CREATE TABLE r1 (id int PRIMARY KEY, s varchar, c real); CREATE TABLE r2 (LIKE r1)');
    await client.query('INSERT INTO r1 (id) SELECT id FROM t; INSERT INTO r2 (id) SELECT id FROM t');
    const fast = await client.query(`UPDATE r1 SET s = (aws_comprehend.detect_sentiment(t.txt, 'en')).sentiment,
        c = (aws_comprehend.detect_sentiment(t.txt, 'en')).confidence FROM t WHERE t.id = r1.id AND t.id % 2 = 0`);
    const loop =
      await client.query(`UPDATE r2 SET s = CASE WHEN true THEN (aws_comprehend.detect_sentiment(t.txt, 'en')).sentiment END,
        c = CASE WHEN true THEN (aws_comprehend.detect_sentiment(t.txt, 'en')).confidence END FROM t WHERE t.id = r2.id AND t.id % 2 = 0`);
    expect(fast.rowCount).toBe(ROWS / 2);
    expect(loop.rowCount).toBe(ROWS / 2);
    const stored = async (table: string) => (await client.query(`SELECT * FROM ${table} ORDER BY id`)).rows;
    expect(await stored('r1')).toEqual(await stored('r2'));
    await client.query(`INSERT INTO r1 (id, s) SELECT id + 1000, aws_sagemaker.invoke_endpoint('demo-echo', NULL, replace(txt, E'\\n', ' ')) FROM t
      ON CONFLICT (id) DO NOTHING`);
    const inserted = await client.query(`SELECT id - 1000 AS id, s FROM r1 WHERE id > 1000 ORDER BY id`);
    const expected = await client.query(
      `SELECT id, CASE WHEN true THEN aws_sagemaker.invoke_endpoint('demo-echo', NULL, replace(txt, E'\\n', ' ')) END AS s FROM t ORDER BY id`,
    );
    expect(inserted.rows).toEqual(expected.rows);
  });

  it("bound parameters: the prefetch runs with the statement's own Bind", async () => {
    const fast = await stubCalls(
      `SELECT id, (aws_comprehend.detect_sentiment(txt, $1)).sentiment AS s FROM t WHERE id <= $2 ORDER BY id`,
      ['en', 50],
    );
    const loop = await stubCalls(
      `SELECT id, CASE WHEN true THEN (aws_comprehend.detect_sentiment(txt, $1)).sentiment END AS s FROM t WHERE id <= $2 ORDER BY id`,
      ['en', 50],
    );
    expect(fast.rows).toHaveLength(50);
    expect(fast.rows).toEqual(loop.rows);
    expect(fast.stubCalls).toBeLessThan(50);
  });

  it('a volatile argument still fails as before, after the same rounds', async () => {
    const client = await env.client();
    await expect(
      client.query(`SELECT (aws_comprehend.detect_sentiment(txt || random()::text, 'en')).sentiment FROM t WHERE id < 4`),
    ).rejects.toMatchObject({ message: expect.stringContaining('kept changing') });
    expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('a prefetch query that fails (GROUP BY an output name) falls back to the loop with the right answer', async () => {
    const client = await env.client();
    const { rows } = await client.query(
      `SELECT left(txt, 3) AS k, (aws_comprehend.detect_sentiment(max(txt), 'en')).sentiment AS s FROM t WHERE txt IS NOT NULL GROUP BY k ORDER BY k`,
    );
    const loop = await client.query(
      `SELECT left(txt, 3) AS k, CASE WHEN true THEN (aws_comprehend.detect_sentiment(max(txt), 'en')).sentiment END AS s FROM t WHERE txt IS NOT NULL GROUP BY k ORDER BY k`,
    );
    expect(rows.length).toBeGreaterThan(3);
    expect(rows).toEqual(loop.rows);
  });

  it('LATIN1 client encoding: answers with characters outside ASCII come back byte for byte', async () => {
    const client = await env.client();
    await client.query('SET client_encoding = LATIN1');
    const { rows } = await client.query(
      `SELECT aws_sagemaker.invoke_endpoint('demo-echo', NULL, 'Crème brûlée', id) AS e FROM t WHERE id <= 2 ORDER BY id`,
    );
    expect(rows).toEqual([{ e: 'Crème brûlée 1' }, { e: 'Crème brûlée 2' }]);
  });
});

describe('a prefetch finding more distinct calls than it holds in memory (prefetch-spool.ts)', () => {
  it('reads back what it spooled, in order, in chunks, whole characters across its read blocks', () => {
    const spool = new CallSpool();
    // About 6 MB of lines with two- and four-byte characters: several 1 MB read blocks, each cutting somewhere.
    const calls = Array.from({ length: PREFETCH_CHUNK * 2 + 7 }, (_v, i) => ({
      fn: 'aws_comprehend.detect_sentiment' as const,
      key: `k${i}`,
      args: [`Crème brûlée 😀 ${'é'.repeat(i % 300)} #${i}`, 'en', null],
    }));
    // The key text as the server sends it; every 7th with line breaks, as an argument of type json keeps its own.
    const spooled = calls.map((c, i) => ({ ...c, keyText: JSON.stringify(c.args, null, i % 7 === 0 ? 1 : undefined) }));
    expect(spooled[7]?.keyText).toContain('\n');
    for (let i = 0; i < calls.length; i += 999) spool.add(spooled.slice(i, i + 999));
    const chunks = [...spool.chunks()];
    expect(chunks.map((c) => c.length)).toEqual([PREFETCH_CHUNK, PREFETCH_CHUNK, 7]);
    expect(chunks.flat()).toEqual(calls);
    expect(spool.count).toBe(0);
  });

  const MANY = PREFETCH_CHUNK * 2 + 1234;

  it('spools them, answers every row as the model does, in both query protocols', async () => {
    const client = await env.client();
    try {
      await client.query(`CREATE TABLE many AS
        SELECT i AS id, CASE WHEN i % 3 = 0 THEN 'I love this, order ' ELSE 'Broken again, order ' END || i AS txt,
          NULL::text AS s FROM generate_series(1, ${MANY}) i`);
      const before = env.emulator.stats.actualRequests;
      const updated = await client.query(`UPDATE many SET s = (aws_comprehend.detect_sentiment(txt, 'en')).sentiment`);
      expect(updated.rowCount).toBe(MANY);
      // Every distinct text evaluated once, 25 to a request: two spooled chunks, then the rest, and no miss after.
      expect(env.emulator.stats.actualRequests - before).toBe(Math.ceil(PREFETCH_CHUNK / 25) * 2 + Math.ceil(1234 / 25));
      const [entry] = env.emulator.statements.recent(1);
      expect(entry?.phases.filter((p) => p.kind === 'evaluate').map((p) => p.calls)).toEqual([
        PREFETCH_CHUNK,
        PREFETCH_CHUNK,
        1234,
      ]);
      const { rows } = await client.query<{ id: number; txt: string; s: string }>('SELECT id, txt, s FROM many ORDER BY id');
      expect(rows.filter((r) => r.s !== analyzeSentiment(r.txt, 'en').sentiment)).toEqual([]);
      // The extended protocol, with a bound parameter, reads the same answers back.
      const selected = await client.query<{ id: number; s: string }>({
        text: `SELECT id, (aws_comprehend.detect_sentiment(txt, $1)).sentiment AS s FROM many ORDER BY id`,
        values: ['en'],
      });
      expect(selected.rows.map((r) => r.s)).toEqual(rows.map((r) => r.s));
    } finally {
      await client.query('DROP TABLE IF EXISTS many');
      await client.end();
    }
  });

  it('reads the answers from the cache table, not through a stub per row, keeping column names and values', async () => {
    const client = await env.client();
    try {
      await client.query(`CREATE TABLE many AS
        SELECT i AS id, CASE WHEN i % 3 = 0 THEN 'I love this, order ' ELSE 'Broken again, order ' END || i AS txt
        FROM generate_series(1, ${MANY}) i`);
      await client.query("BEGIN; SET LOCAL track_functions = 'all'");
      const { rows, fields } = await client.query<{
        id: number;
        txt: string;
        sentiment: string;
        confidence: number;
        detect_sentiment: string;
        invoke_endpoint: string;
      }>(`SELECT id, txt, (aws_comprehend.detect_sentiment(txt, 'en')).sentiment, (aws_comprehend.detect_sentiment(txt, 'en')).confidence,
          aws_comprehend.detect_sentiment(txt, 'en'), aws_sagemaker.invoke_endpoint('demo-echo', NULL, txt)
        FROM many ORDER BY id`);
      const calls = await client.query<{ fn: string; calls: string }>(
        `SELECT schemaname || '.' || funcname AS fn, calls FROM pg_stat_xact_user_functions
          WHERE schemaname IN ('aws_comprehend', 'aws_sagemaker', 'aurora_ml_cached') ORDER BY 1`,
      );
      await client.query('ROLLBACK');
      // The discovery loop's answers for a sample of the same rows.
      const looped = await client.query(`SELECT id, txt,
          CASE WHEN true THEN (aws_comprehend.detect_sentiment(txt, 'en')).sentiment END AS sentiment,
          CASE WHEN true THEN (aws_comprehend.detect_sentiment(txt, 'en')).confidence END AS confidence,
          CASE WHEN true THEN aws_comprehend.detect_sentiment(txt, 'en') END AS detect_sentiment,
          CASE WHEN true THEN aws_sagemaker.invoke_endpoint('demo-echo', NULL, txt) END AS invoke_endpoint
        FROM many WHERE id % 71 = 0 ORDER BY id`);
      expect(looped.rows).toHaveLength(Math.floor(MANY / 71));
      expect(rows.filter((r) => r.id % 71 === 0)).toEqual(looped.rows);
      // Too many answers to write into the statement: the fields and the
      // scalar call read them from the cache table; only the whole record,
      // which has no cache-reading twin, goes through the stub, once a row.
      expect(calls.rows.map((r) => [r.fn, Number(r.calls)])).toEqual([
        ['aurora_ml_cached.confidence', MANY],
        ['aurora_ml_cached.invoke_endpoint', MANY],
        ['aurora_ml_cached.sentiment', MANY],
        ['aws_comprehend.detect_sentiment', MANY],
      ]);
      expect(fields.map((f) => f.name)).toEqual(['id', 'txt', 'sentiment', 'confidence', 'detect_sentiment', 'invoke_endpoint']);
      expect(rows).toHaveLength(MANY);
      const wrong = rows.filter(
        (r) =>
          r.sentiment !== analyzeSentiment(r.txt, 'en').sentiment ||
          r.detect_sentiment !== `(${r.sentiment},${r.confidence})` ||
          !r.invoke_endpoint.includes(r.txt),
      );
      expect(wrong.slice(0, 3)).toEqual([]);
    } finally {
      await client.query('ROLLBACK');
      await client.query('DROP TABLE IF EXISTS many');
      await client.end();
    }
  });

  it('a failing chunk fails the statement as a failing call does, and leaves the table and the session as they were', async () => {
    const client = await env.client();
    try {
      // The last text is over Comprehend's 5,000 bytes: its chunk is the last one evaluated.
      await client.query(`CREATE TABLE many AS
        SELECT i AS id, CASE WHEN i = ${MANY} THEN repeat('x', 6000) ELSE 'text ' || i END AS txt, NULL::text AS s
        FROM generate_series(1, ${MANY}) i ORDER BY i`);
      await client.query('BEGIN');
      await expect(client.query(`UPDATE many SET s = (aws_comprehend.detect_sentiment(txt, 'en')).sentiment`)).rejects.toThrow(
        /TextSizeLimitExceeded/,
      );
      // It failed on the spooled path: the chunks evaluated before it are the spool's.
      const [entry] = env.emulator.statements.recent(1);
      expect(entry?.outcome).not.toBe('ok');
      expect(entry?.phases.some((p) => p.kind === 'evaluate' && p.calls === PREFETCH_CHUNK)).toBe(true);
      // As after any failing statement in a block: aborted until ROLLBACK.
      await expect(client.query('SELECT 1')).rejects.toMatchObject({ code: '25P02' });
      await client.query('ROLLBACK');
      const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM many WHERE s IS NOT NULL');
      expect(rows[0]?.n).toBe(0);
      expect((await client.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await client.query('DROP TABLE IF EXISTS many');
      await client.end();
    }
  });

  it('an install without the cache-reading functions, used by a role that may not upgrade it, still answers every row', async () => {
    const role = `aurora_ml_prefetch_app_${process.pid}`;
    const admin = await env.client();
    const direct = new pg.Client({ connectionString: env.directUrl });
    await direct.connect();
    try {
      await admin.query(`CREATE TABLE many AS
        SELECT i AS id, CASE WHEN i % 3 = 0 THEN 'I love this, order ' ELSE 'Broken again, order ' END || i AS txt
        FROM generate_series(1, ${MANY}) i`);
      await admin.query(`CREATE ROLE ${role} LOGIN`);
      await admin.query(`GRANT aws_ml TO ${role}; GRANT SELECT ON many TO ${role}`);
      // What an install by an earlier version has: no aurora_ml_cached. Only a superuser's session upgrades it.
      await direct.query('DROP SCHEMA aurora_ml_cached CASCADE');
      const url = new URL(env.url);
      url.username = role;
      const app = new pg.Client({ connectionString: url.toString() });
      await app.connect();
      try {
        const { rows } = await app.query<{ txt: string; sentiment: string }>(
          `SELECT txt, (aws_comprehend.detect_sentiment(txt, 'en')).sentiment FROM many ORDER BY id`,
        );
        expect(rows).toHaveLength(MANY);
        expect(rows.filter((r) => r.sentiment !== analyzeSentiment(r.txt, 'en').sentiment)).toEqual([]);
      } finally {
        await app.end();
      }
    } finally {
      await direct.query(`BEGIN; ${upgradeSql('2.0')}; COMMIT`);
      await admin.query('DROP TABLE IF EXISTS many');
      await admin.query(`DROP OWNED BY ${role}`);
      await admin.query(`DROP ROLE IF EXISTS ${role}`);
      await admin.end();
      await direct.end();
    }
  });
});
