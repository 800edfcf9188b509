/**
 * Aurora MySQL's built-in Comprehend functions through the MySQL front, in
 * front of the machine's MariaDB, checked against the model called directly.
 * (First slice of the MySQL ML layer: COM_QUERY statements.)
 */
import * as mariadb from 'mariadb';
import mysql from 'mysql2/promise';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectEntities } from '../src/backends/comprehend/entities.ts';
import { detectKeyPhrases } from '../src/backends/comprehend/key-phrases.ts';
import { detectDominantLanguage, loadLanguageModel } from '../src/backends/comprehend/language.ts';
import { analyzeSentiment } from '../src/backends/comprehend/sentiment.ts';
import { type Emulator, startEmulator } from '../src/index.ts';
import { mysqlUrl, UPSTREAM } from './helpers/emulator.ts';
import { InferenceContainer } from './helpers/inference-container.ts';

const MESSAGES = [
  'The app crashes every time I log in',
  'Thanks, the fix works great',
  'Please reset my password',
  'I was charged twice and nobody answers',
  'Thanks, the fix works great',
];
const label = (t: string) => analyzeSentiment(t, 'en').sentiment;
const TABLE = `aml_tickets_${process.pid}`;

let emu: Emulator;
let conn: mysql.Connection;
let recommender: InferenceContainer;

/** The recommendation model: a deterministic score per (user, product). */
const scoreFor = (user: number, product: number) => `0.${String((user * product * 7) % 100).padStart(2, '0')}`;

beforeAll(async () => {
  await loadLanguageModel();
  recommender = await InferenceContainer.start({
    handler: (lines) =>
      lines.map((line) => {
        const [user, product] = line.replace(/^"|"$/g, '').split(',').map(Number);
        return `${scoreFor(user ?? 0, product ?? 0)},extra`;
      }),
  });
  emu = await startEmulator({
    sagemakerEndpoints: { 'recommendation-endpoint': { kind: 'container', url: recommender.url } },
    pgListen: '127.0.0.1:0',
    apiListen: '127.0.0.1:0',
    pgUpstream: UPSTREAM,
    mysqlListen: '127.0.0.1:0',
    mysqlUpstream: mysqlUrl(),
    logger: pino({ level: 'silent' }),
  });
  conn = await mysql.createConnection(emu.mysql?.url ?? '');
  await conn.query(`CREATE TABLE ${TABLE} (id INT PRIMARY KEY, message TEXT, sentiment VARCHAR(16)) ENGINE=InnoDB`);
  for (const [i, m] of MESSAGES.entries()) await conn.query(`INSERT INTO ${TABLE} (id, message) VALUES (?, ?)`, [i + 1, m]);
});

afterAll(async () => {
  await conn?.query(`DROP TABLE IF EXISTS ${TABLE}`);
  await conn?.end();
  await emu?.close();
  await recommender?.[Symbol.asyncDispose]();
});

describe('aws_comprehend_detect_sentiment on the MySQL front', () => {
  it('select list: the label, the confidence and the column name the client wrote', async () => {
    const [rows, fields] = await conn.query<mysql.RowDataPacket[]>(
      `SELECT aws_comprehend_detect_sentiment('I love this product!', 'en'), aws_comprehend_detect_sentiment_confidence('I love this product!', 'en') AS c`,
    );
    expect(fields.map((f) => f.name)).toEqual(["aws_comprehend_detect_sentiment('I love this product!', 'en')", 'c']);
    const row = rows[0] as Record<string, unknown>;
    expect(row["aws_comprehend_detect_sentiment('I love this product!', 'en')"]).toBe('POSITIVE');
    expect(row.c).toBeCloseTo(analyzeSentiment('I love this product!', 'en').scores.Positive, 6);
  });

  it("WHERE ... = 'NEGATIVE' works under the connection's collation: utf8mb4_unicode_ci, utf8mb4_general_ci, latin1", async () => {
    const want = MESSAGES.map((m, i) => ({ id: i + 1, m }))
      .filter((r) => label(r.m) === 'NEGATIVE')
      .map((r) => r.id);
    const [rows] = await conn.query<mysql.RowDataPacket[]>(
      `SELECT id FROM ${TABLE} WHERE aws_comprehend_detect_sentiment(message, 'en') = 'NEGATIVE' ORDER BY id`,
    );
    expect(rows.map((r) => r.id)).toEqual(want);
    expect(want.length).toBeGreaterThan(0);
    for (const charset of ['UTF8MB4_GENERAL_CI', 'LATIN1_SWEDISH_CI']) {
      const other = await mysql.createConnection({ uri: emu.mysql?.url ?? '', charset });
      try {
        const [otherRows] = await other.query<mysql.RowDataPacket[]>(
          `SELECT id FROM ${TABLE} WHERE aws_comprehend_detect_sentiment(message, 'en') = 'NEGATIVE' ORDER BY id`,
        );
        expect(otherRows.map((r) => r.id)).toEqual(want);
      } finally {
        await other.end();
      }
    }
  });

  it('an error in one statement leaves the next transaction intact', async () => {
    await expect(
      conn.query(`UPDATE ${TABLE} SET sentiment = aws_comprehend_detect_sentiment(message, 'xx') WHERE id = 1`),
    ).rejects.toMatchObject({ errno: 1815 });
    const [rows] = await conn.query<mysql.RowDataPacket[]>(`SELECT sentiment FROM ${TABLE} WHERE id = 1`);
    expect(rows[0]?.sentiment).toBeNull();
  });

  it('the nightly UPDATE fills every row; identical texts are sent once; max_batch_size batches', async () => {
    const before = emu.stats.actualRequests;
    const [result] = await conn.query<mysql.ResultSetHeader>(
      `UPDATE ${TABLE} SET sentiment = aws_comprehend_detect_sentiment(message, 'en', 2) WHERE sentiment IS NULL`,
    );
    expect(result.affectedRows).toBe(MESSAGES.length);
    // 5 rows, 4 distinct texts, batches of 2.
    expect(emu.stats.actualRequests - before).toBe(2);
    const [rows] = await conn.query<mysql.RowDataPacket[]>(`SELECT message, sentiment FROM ${TABLE} ORDER BY id`);
    for (const r of rows) expect(r.sentiment).toBe(label(r.message));
  });

  it('inside an explicit transaction, ROLLBACK undoes the UPDATE', async () => {
    await conn.query('START TRANSACTION');
    await conn.query(`UPDATE ${TABLE} SET sentiment = CONCAT('x', aws_comprehend_detect_sentiment(message, 'en'))`);
    const [inside] = await conn.query<mysql.RowDataPacket[]>(`SELECT sentiment FROM ${TABLE} WHERE id = 1`);
    expect(inside[0]?.sentiment).toBe(`x${label(MESSAGES[0] as string)}`);
    await conn.query('ROLLBACK');
    const [after] = await conn.query<mysql.RowDataPacket[]>(`SELECT sentiment FROM ${TABLE} WHERE id = 1`);
    expect(after[0]?.sentiment).toBe(label(MESSAGES[0] as string));
  });

  it('errors come back as MySQL errors from the catalog and the connection stays usable', async () => {
    await expect(conn.query(`SELECT aws_comprehend_detect_sentiment('hola', 'xx')`)).rejects.toMatchObject({
      errno: 1815,
      sqlState: 'HY000',
    });
    await expect(conn.query(`SELECT aws_comprehend_detect_sentiment(REPEAT('a', 6000), 'en')`)).rejects.toMatchObject({
      errno: 1815,
      message: expect.stringContaining('TextSizeLimitExceededException'),
    });
    const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT 1 AS one');
    expect(rows).toEqual([{ one: 1 }]);
  });

  it('works from the mariadb connector too (OK-terminated result sets)', async () => {
    const url = new URL(emu.mysql?.url ?? '');
    const c = await mariadb.createConnection({ host: url.hostname, port: Number(url.port), user: 'root', database: 'test' });
    try {
      const rows = await c.query(`SELECT aws_comprehend_detect_sentiment('This is awful', 'en') AS s`);
      expect(rows[0].s).toBe('NEGATIVE');
    } finally {
      await c.end();
    }
  });

  it("SHOW STATUS LIKE 'Aurora_ml%' lists the seven counters; FLUSH STATUS resets them", async () => {
    await conn.query('FLUSH STATUS');
    const status = async () => {
      const [rows] = await conn.query<mysql.RowDataPacket[]>("SHOW GLOBAL STATUS LIKE 'Aurora_ml%'");
      return Object.fromEntries(rows.map((r) => [r.Variable_name as string, Number(r.Value)]));
    };
    const zero = await status();
    expect(Object.keys(zero).sort()).toEqual([
      'Aurora_ml_actual_request_cnt',
      'Aurora_ml_actual_response_cnt',
      'Aurora_ml_cache_hit_cnt',
      'Aurora_ml_logical_request_cnt',
      'Aurora_ml_logical_response_cnt',
      'Aurora_ml_retry_request_cnt',
      'Aurora_ml_single_request_cnt',
    ]);
    expect(Object.values(zero).every((v) => v === 0)).toBe(true);
    // 5 rows, 4 distinct messages, one request of 4 documents.
    await conn.query(`SELECT id, aws_comprehend_detect_sentiment(message, 'en') FROM ${TABLE}`);
    const after = await status();
    expect(after.Aurora_ml_logical_request_cnt).toBe(5);
    expect(after.Aurora_ml_logical_response_cnt).toBe(5);
    expect(after.Aurora_ml_actual_request_cnt).toBe(1);
    expect(after.Aurora_ml_actual_response_cnt).toBe(1);
    expect(after.Aurora_ml_cache_hit_cnt).toBe(1);
    const [one] = await conn.query<mysql.RowDataPacket[]>("SHOW STATUS LIKE 'Aurora_ml_actual_request_cnt'");
    expect(one).toEqual([{ Variable_name: 'Aurora_ml_actual_request_cnt', Value: '1' }]);
    await conn.query('FLUSH STATUS');
    expect((await status()).Aurora_ml_logical_request_cnt).toBe(0);
  });

  it('the seed nightly UPDATE over 50,000 tickets, with the Aurora_ml counters after it', async () => {
    const big = `${TABLE}_50k`;
    await conn.query(`CREATE TABLE ${big} (id INT PRIMARY KEY, message TEXT, sentiment VARCHAR(16)) ENGINE=InnoDB`);
    try {
      await conn.query(`INSERT INTO ${big} (id, message)
        SELECT seq, CONCAT(ELT(1 + seq % 5, 'Thanks, the fix works great', 'The app crashes when I log in',
          'Please reset my password', 'I was charged twice and nobody answers', 'Love the new dashboard'), ' (ticket ', seq, ')')
        FROM seq_1_to_50000`);
      await conn.query('FLUSH STATUS');
      const [result] = await conn.query<mysql.ResultSetHeader>(
        `UPDATE ${big} SET sentiment = aws_comprehend_detect_sentiment(message, 'en') WHERE sentiment IS NULL`,
      );
      expect(result.affectedRows).toBe(50_000);
      const [status] = await conn.query<mysql.RowDataPacket[]>("SHOW STATUS LIKE 'Aurora_ml%'");
      const counters = Object.fromEntries(status.map((r) => [r.Variable_name as string, Number(r.Value)]));
      expect(counters.Aurora_ml_logical_request_cnt).toBe(50_000);
      expect(counters.Aurora_ml_actual_request_cnt).toBe(2_000); // 50,000 distinct texts, 25 per request
      const [sample] = await conn.query<mysql.RowDataPacket[]>(`SELECT message, sentiment FROM ${big} WHERE id % 997 = 0`);
      for (const r of sample) expect(r.sentiment).toBe(label(r.message));
      const [left] = await conn.query<mysql.RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${big} WHERE sentiment IS NULL`);
      expect(Number(left[0]?.n)).toBe(0);
    } finally {
      await conn.query(`DROP TABLE IF EXISTS ${big}`);
    }
  });

  it("the seed's recommendation query: a direct aws_sagemaker_invoke_endpoint in the select list, ORDER BY score DESC LIMIT 10", async () => {
    const products = `${TABLE}_products`;
    await conn.query(
      `CREATE TABLE ${products} (product_id INT, user_id INT, product_name TEXT, price DECIMAL(8,2), category TEXT)`,
    );
    try {
      for (let i = 1; i <= 15; i++) {
        await conn.query(`INSERT INTO ${products} VALUES (?, 7, ?, ?, ?)`, [
          i,
          `item ${i}`,
          i * 10,
          i % 3 === 0 ? 'books' : 'electronics',
        ]);
      }
      recommender.requests.length = 0;
      await conn.query('FLUSH STATUS');
      const [rows] = await conn.query<mysql.RowDataPacket[]>(
        `SELECT product_name, price,
         aws_sagemaker_invoke_endpoint('recommendation-endpoint',
         CONCAT(user_id, ',', product_id)) AS score
         FROM ${products}
         WHERE category = 'electronics'
         ORDER BY score DESC
         LIMIT 10`,
      );
      // The model scores "user,product" as 0.<product * 7 mod 100>, padded: string order is numeric order.
      const expected = Array.from({ length: 15 }, (_, i) => i + 1)
        .filter((i) => i % 3 !== 0)
        .map((i) => ({ product_name: `item ${i}`, price: `${i * 10}.00`, score: scoreFor(7, i) }))
        .sort((a, b) => (a.score < b.score ? 1 : a.score > b.score ? -1 : 0))
        .slice(0, 10);
      expect(rows).toEqual(expected);
      const lines = recommender.requests.flatMap((r) => r.body.toString().trim().split('\n'));
      expect(lines).toContain('"7,1"');
      expect(recommender.requests[0]?.headers['content-type']).toBe('text/csv');
      // 10 electronics rows, one call each, 10 distinct inputs sent in one request.
      const [status] = await conn.query<mysql.RowDataPacket[]>("SHOW GLOBAL STATUS LIKE 'Aurora_ml%'");
      const counters = Object.fromEntries(status.map((r) => [r.Variable_name as string, Number(r.Value)]));
      expect(counters).toEqual({
        Aurora_ml_actual_request_cnt: 1,
        Aurora_ml_actual_response_cnt: 1,
        Aurora_ml_cache_hit_cnt: 0,
        Aurora_ml_logical_request_cnt: 10,
        Aurora_ml_logical_response_cnt: 10,
        Aurora_ml_retry_request_cnt: 0,
        Aurora_ml_single_request_cnt: 0,
      });
      expect(recommender.requests.length).toBe(1);
    } finally {
      await conn.query(`DROP TABLE IF EXISTS ${products}`);
    }
  });

  it('strict mode refuses the direct call with the catalog error, built-ins still work', async () => {
    await using strict = await startEmulator({
      pgListen: '127.0.0.1:0',
      apiListen: '127.0.0.1:0',
      pgUpstream: UPSTREAM,
      mysqlListen: '127.0.0.1:0',
      mysqlUpstream: mysqlUrl(),
      strict: true,
      logger: pino({ level: 'silent' }),
    });
    const c = await mysql.createConnection(strict.mysql?.url ?? '');
    try {
      await expect(c.query(`SELECT aws_sagemaker_invoke_endpoint('recommendation-endpoint', 1)`)).rejects.toMatchObject({
        errno: 1235,
        sqlState: '42000',
      });
      const [rows] = await c.query<mysql.RowDataPacket[]>(`SELECT aws_comprehend_detect_sentiment('Great, thanks!', 'en') AS s`);
      expect(rows[0]?.s).toBe('POSITIVE');
    } finally {
      await c.end();
    }
  });

  it("seed extensions answer in Comprehend's JSON shapes, each with its warning in SHOW WARNINGS", async () => {
    const text = 'Jeff Bezos founded Amazon in Seattle.';
    const [rows, fields] = await conn.query<mysql.RowDataPacket[]>(
      `SELECT aws_comprehend_detect_entities('${text}', 'en') AS e, aws_comprehend_detect_key_phrases('${text}', 'en') AS k`,
    );
    expect(fields.map((f) => f.name)).toEqual(['e', 'k']);
    const entities = JSON.parse(rows[0]?.e as string) as Record<string, unknown>[];
    expect(entities).toEqual(
      detectEntities(text, 'en').map((x) => ({
        Type: x.type,
        Text: x.text,
        Score: x.score,
        BeginOffset: x.beginOffset,
        EndOffset: x.endOffset,
      })),
    );
    expect(entities.map((x) => x.Type)).toContain('PERSON');
    const phrases = JSON.parse(rows[0]?.k as string) as Record<string, unknown>[];
    expect(phrases).toEqual(
      detectKeyPhrases(text, 'en').map((x) => ({
        Text: x.text,
        Score: x.score,
        BeginOffset: x.beginOffset,
        EndOffset: x.endOffset,
      })),
    );
    const [warnings] = await conn.query<mysql.RowDataPacket[]>('SHOW WARNINGS');
    expect(warnings).toEqual([
      {
        Level: 'Warning',
        Code: 1235,
        Message:
          'aws_comprehend_detect_entities(), aws_comprehend_detect_key_phrases() are aurora-ml-emulator extensions: real Aurora MySQL rejects them',
      },
    ]);
    const [lang] = await conn.query<mysql.RowDataPacket[]>(
      `SELECT aws_comprehend_detect_dominant_language('Bonjour tout le monde, comment allez-vous ?') = 'fr' AS fr`,
    );
    expect(lang[0]?.fr).toBe(1);
    const [status] = await conn.query<mysql.ResultSetHeader>(
      `UPDATE ${TABLE} SET sentiment = aws_comprehend_detect_dominant_language(message) WHERE id = 1`,
    );
    expect(status.warningStatus).toBe(1);
    const [after] = await conn.query<mysql.RowDataPacket[]>(`SELECT sentiment FROM ${TABLE} WHERE id = 1`);
    expect(after[0]?.sentiment).toBe(detectDominantLanguage(MESSAGES[0] as string)[0]?.languageCode);
    await conn.query(`UPDATE ${TABLE} SET sentiment = NULL`);
  });

  it('SET aurora_ml_strict = ON turns seed extensions into errors for this session only', async () => {
    const other = await mysql.createConnection(emu.mysql?.url ?? '');
    try {
      await conn.query('SET aurora_ml_strict = ON');
      const [flag] = await conn.query<mysql.RowDataPacket[]>('SELECT @@aurora_ml_strict AS s');
      expect(flag[0]?.s).toBe(1);
      await expect(conn.query(`SELECT aws_comprehend_detect_key_phrases('a b c', 'en')`)).rejects.toMatchObject({
        errno: 1235,
        sqlState: '42000',
        message: expect.stringContaining('not supported by Aurora'),
      });
      const [ok] = await conn.query<mysql.RowDataPacket[]>(`SELECT aws_comprehend_detect_sentiment('Great, thanks!', 'en') AS s`);
      expect(ok[0]?.s).toBe('POSITIVE');
      const [elsewhere] = await other.query<mysql.RowDataPacket[]>(
        `SELECT aws_comprehend_detect_dominant_language('hello there my friend') AS l`,
      );
      expect(elsewhere[0]?.l).toBe('en');
      await expect(conn.query('SET aurora_ml_strict = maybe')).rejects.toMatchObject({ errno: 1231, sqlState: '42000' });
    } finally {
      await conn.query('SET aurora_ml_strict = OFF');
      await other.end();
    }
    const [rows] = await conn.query<mysql.RowDataPacket[]>(
      `SELECT aws_comprehend_detect_dominant_language('hello there my friend') AS l`,
    );
    expect(rows[0]?.l).toBe('en');
  });

  it('aurora_ml_inference_timeout bounds each request: 1317 Query execution was interrupted', async () => {
    recommender.set({ delayMs: 3000 });
    try {
      await conn.query('SET SESSION aurora_ml_inference_timeout = 200');
      const [shown] = await conn.query<mysql.RowDataPacket[]>("SHOW VARIABLES LIKE 'aurora_ml_inference_timeout'");
      expect(shown).toEqual([{ Variable_name: 'aurora_ml_inference_timeout', Value: '200' }]);
      const started = Date.now();
      await expect(
        conn.query(`SELECT aws_sagemaker_invoke_endpoint('recommendation-endpoint', 1, 2) AS s`),
      ).rejects.toMatchObject({
        errno: 1317,
        sqlState: '70100',
      });
      expect(Date.now() - started).toBeLessThan(2500);
      await expect(conn.query('SET aurora_ml_inference_timeout = -1')).rejects.toMatchObject({ errno: 1231 });
    } finally {
      await conn.query('SET aurora_ml_inference_timeout = 30000');
      recommender.set({ delayMs: 0 });
    }
  });

  it('KILL QUERY <id> stops a statement waiting on an ML backend; both connections go on', async () => {
    recommender.set({ delayMs: 5000 });
    const victim = await mysql.createConnection(emu.mysql?.url ?? '');
    try {
      const started = Date.now();
      const pending = victim.query(`SELECT aws_sagemaker_invoke_endpoint('recommendation-endpoint', 3, 4) AS s`);
      const outcome = pending.then(
        () => null,
        (err: unknown) => err,
      );
      await new Promise((r) => setTimeout(r, 300));
      await conn.query(`KILL QUERY ${victim.threadId}`);
      expect(await outcome).toMatchObject({ errno: 1317, sqlState: '70100' });
      expect(Date.now() - started).toBeLessThan(2500);
      recommender.set({ delayMs: 0 });
      const [rows] = await victim.query<mysql.RowDataPacket[]>(
        `SELECT aws_sagemaker_invoke_endpoint('recommendation-endpoint', 3, 4) AS s`,
      );
      expect(rows[0]?.s).toBe(scoreFor(3, 4));
    } finally {
      recommender.set({ delayMs: 0 });
      await victim.end();
    }
  });
});
