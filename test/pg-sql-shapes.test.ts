/**
 * Every SQL position Aurora PostgreSQL allows for aws_ml functions, through
 * the emulator in front of the machine's real PostgreSQL, checked against
 * answers computed by calling the built-in Comprehend model directly.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeSentiment } from '../src/backends/comprehend/sentiment.ts';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../src/upstream/embedded/index.ts';
import { startTestEmulator, type TestEmulator, UPSTREAM } from './helpers/emulator.ts';
import { InferenceContainer } from './helpers/inference-container.ts';

const REVIEWS = [
  'I love this product, it works perfectly!',
  'Terrible experience, the app crashes every time I open it.',
  'The package arrived on Tuesday.',
  'Great screen but the battery is awful.',
  'Not bad at all, I would buy it again.',
  'I love this product, it works perfectly!',
];

const expected = (text: string) => {
  const r = analyzeSentiment(text, 'en');
  const score = { POSITIVE: r.scores.Positive, NEGATIVE: r.scores.Negative, NEUTRAL: r.scores.Neutral, MIXED: r.scores.Mixed }[
    r.sentiment
  ];
  return { sentiment: r.sentiment, confidence: score };
};

/**
 * Each shape runs three ways: simple protocol in autocommit, simple protocol
 * inside an explicit transaction, and the extended protocol (Parse/Bind/Execute).
 */
interface Mode {
  readonly name: string;
  readonly transaction: boolean;
  readonly extended: boolean;
}
const MODES: readonly Mode[] = [
  { name: 'simple, autocommit', transaction: false, extended: false },
  { name: 'simple, explicit transaction', transaction: true, extended: false },
  { name: 'extended protocol', transaction: false, extended: true },
];

/** The subset of pg.Client the shapes use, routed per mode. */
interface Runner {
  query(text: string): Promise<pg.QueryResult>;
  query(config: pg.QueryConfig): Promise<pg.QueryResult>;
}

/** The same table runs in front of the machine's PostgreSQL and the embedded one. */
const UPSTREAMS = [
  { name: 'machine PostgreSQL', url: () => UPSTREAM },
  { name: 'embedded PostgreSQL 16', url: () => (embedded as EmbeddedPostgres).url },
];

let env: TestEmulator;
let container: InferenceContainer;
let embedded: EmbeddedPostgres | undefined;
const embeddedDir = mkdtempSync(join(tmpdir(), 'aurora-ml-shapes-'));

beforeAll(async () => {
  container = await InferenceContainer.start({
    // A "model" that answers the sum of the numeric fields of each line.
    handler: (lines) => lines.map((l) => String(l.split(',').reduce((s, f) => s + (Number(f) || 0), 0))),
  });
  embedded = await startEmbeddedPostgres({ dataDir: join(embeddedDir, 'pg'), port: 0 });
});

afterAll(async () => {
  await container?.[Symbol.asyncDispose]();
  await embedded?.stop();
  rmSync(embeddedDir, { recursive: true, force: true });
});

const byId = REVIEWS.map((body, i) => ({ id: i + 1, body, ...expected(body) }));

describe.each(UPSTREAMS)('$name', (upstream) => {
  beforeAll(async () => {
    env = await startTestEmulator(
      {
        sagemakerEndpoints: {
          'sum-endpoint': { kind: 'container', url: container.url },
          'double-endpoint': { kind: 'module', path: fileURLToPath(new URL('./fixtures/sagemaker-model.ts', import.meta.url)) },
        },
      },
      upstream.url(),
    );
    const setup = await env.client();
    await setup.query('CREATE EXTENSION aws_ml CASCADE');
  });

  afterAll(async () => {
    await env?.[Symbol.asyncDispose]();
  });

  describe.each(MODES)('$name', (mode) => {
    let client: Runner;
    let raw: pg.Client;

    beforeAll(async () => {
      raw = await env.client();
      const schema = `shapes_${mode.name.replace(/\W+/g, '_')}`;
      await raw.query(`CREATE SCHEMA ${schema}`);
      await raw.query(`SET search_path = ${schema}, public`);
      await raw.query('CREATE TABLE reviews (id int PRIMARY KEY, body text, sentiment varchar, score real)');
      for (const [i, body] of REVIEWS.entries()) await raw.query('INSERT INTO reviews (id, body) VALUES ($1, $2)', [i + 1, body]);
      const run = async (config: pg.QueryConfig): Promise<pg.QueryResult> => {
        const query = mode.extended && !config.values ? { ...config, queryMode: 'extended' as const } : config;
        if (!mode.transaction) return raw.query(query);
        await raw.query('BEGIN');
        try {
          const result = await raw.query(query);
          await raw.query('COMMIT');
          return result;
        } catch (err) {
          await raw.query('ROLLBACK');
          throw err;
        }
      };
      client = { query: (q: string | pg.QueryConfig) => run(typeof q === 'string' ? { text: q } : q) } as Runner;
    });

    describe('aws_comprehend.detect_sentiment in every SQL position', () => {
      it('select list with (f).col', async () => {
        const { rows } = await client.query(
          `SELECT id, (aws_comprehend.detect_sentiment(body, 'en')).sentiment AS s FROM reviews ORDER BY id`,
        );
        expect(rows.map((r) => r.s)).toEqual(byId.map((r) => r.sentiment));
      });

      it('SELECT * FROM f(...) with literals', async () => {
        const { rows, fields } = await client.query(
          `SELECT * FROM aws_comprehend.detect_sentiment('I love this product!', 'en')`,
        );
        expect(fields.map((f) => f.name)).toEqual(['sentiment', 'confidence']);
        expect(rows[0].sentiment).toBe(expected('I love this product!').sentiment);
        expect(rows[0].sentiment).toBe('POSITIVE');
        expect(rows[0].confidence).toBeCloseTo(expected('I love this product!').confidence, 5);
      });

      it('FROM t, f(t.c) s WHERE s.confidence > x', async () => {
        const { rows } = await client.query(
          `SELECT t.id, s.sentiment FROM reviews t, aws_comprehend.detect_sentiment(t.body, 'en') s WHERE s.confidence > 0.5 ORDER BY t.id`,
        );
        expect(rows.map((r) => r.id)).toEqual(byId.filter((r) => r.confidence > 0.5).map((r) => r.id));
      });

      it('LATERAL and (f).*', async () => {
        const lateral = await client.query(
          `SELECT t.id, s.* FROM reviews t CROSS JOIN LATERAL aws_comprehend.detect_sentiment(t.body, 'en') s ORDER BY t.id`,
        );
        expect(lateral.rows.map((r) => r.sentiment)).toEqual(byId.map((r) => r.sentiment));
        const star = await client.query(`SELECT (aws_comprehend.detect_sentiment(body, 'en')).* FROM reviews ORDER BY id`);
        expect(star.rows.map((r) => r.sentiment)).toEqual(byId.map((r) => r.sentiment));
      });

      it('WHERE through a subquery, ORDER BY an ML value with LIMIT', async () => {
        const where = await client.query(
          `SELECT id FROM reviews WHERE id IN (SELECT id FROM reviews WHERE (aws_comprehend.detect_sentiment(body, 'en')).sentiment = 'NEGATIVE') ORDER BY id`,
        );
        expect(where.rows.map((r) => r.id)).toEqual(byId.filter((r) => r.sentiment === 'NEGATIVE').map((r) => r.id));
        const top = await client.query(
          `SELECT id FROM reviews ORDER BY (aws_comprehend.detect_sentiment(body, 'en')).confidence DESC, id LIMIT 2`,
        );
        const want = [...byId].sort((a, b) => b.confidence - a.confidence || a.id - b.id).slice(0, 2);
        expect(top.rows.map((r) => r.id)).toEqual(want.map((r) => r.id));
      });

      it('GROUP BY / HAVING / aggregates', async () => {
        const { rows } = await client.query(
          `SELECT (aws_comprehend.detect_sentiment(body, 'en')).sentiment AS s, count(*)::int AS n
       FROM reviews GROUP BY 1 HAVING count(*) >= 1 ORDER BY 1`,
        );
        const counts = new Map<string, number>();
        for (const r of byId) counts.set(r.sentiment, (counts.get(r.sentiment) ?? 0) + 1);
        expect(rows).toEqual([...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([s, n]) => ({ s, n })));
      });

      it('UPDATE ... SET and INSERT ... SELECT, CTE and join', async () => {
        const update = await client.query(
          `UPDATE reviews SET sentiment = (aws_comprehend.detect_sentiment(body, 'en')).sentiment WHERE sentiment IS NULL`,
        );
        expect(update.rowCount).toBe(REVIEWS.length);
        const stored = await client.query('SELECT id, sentiment FROM reviews ORDER BY id');
        expect(stored.rows.map((r) => r.sentiment)).toEqual(byId.map((r) => r.sentiment));
        await raw.query('CREATE TABLE scored (id int, s varchar)');
        const insert = await client.query(
          `INSERT INTO scored SELECT id, (aws_comprehend.detect_sentiment(body, 'en')).sentiment FROM reviews`,
        );
        expect(insert.rowCount).toBe(REVIEWS.length);
        const cte = await client.query(
          `WITH s AS (SELECT id, aws_comprehend.detect_sentiment(body, 'en') AS r FROM reviews)
       SELECT s.id, (s.r).sentiment AS sentiment FROM s JOIN scored USING (id) ORDER BY s.id`,
        );
        expect(cte.rows.map((r) => r.sentiment)).toEqual(byId.map((r) => r.sentiment));
      });

      it('views, materialized views and a LANGUAGE sql wrapper function', async () => {
        await raw.query(
          `CREATE VIEW review_sentiment AS SELECT id, (aws_comprehend.detect_sentiment(body, 'en')).sentiment FROM reviews`,
        );
        await raw.query(
          `CREATE FUNCTION sentiment_of(t text) RETURNS varchar LANGUAGE sql PARALLEL SAFE COST 5000
       AS $$ SELECT (aws_comprehend.detect_sentiment(t, 'en')).sentiment $$`,
        );
        const view = await client.query('SELECT sentiment FROM review_sentiment ORDER BY id');
        expect(view.rows.map((r) => r.sentiment)).toEqual(byId.map((r) => r.sentiment));
        const wrapper = await client.query('SELECT sentiment_of(body) AS s FROM reviews ORDER BY id');
        expect(wrapper.rows.map((r) => r.s)).toEqual(byId.map((r) => r.sentiment));
        await client.query('CREATE MATERIALIZED VIEW mv AS SELECT id, sentiment_of(body) AS s FROM reviews');
        await client.query('REFRESH MATERIALIZED VIEW mv');
        const mv = await client.query('SELECT s FROM mv ORDER BY id');
        expect(mv.rows.map((r) => r.s)).toEqual(byId.map((r) => r.sentiment));
      });

      it('named prepared statements with $n parameters, executed twice', async () => {
        const { rows } = await client.query({
          name: 'sentiment-by-id',
          text: `SELECT (aws_comprehend.detect_sentiment(body, $2)).sentiment AS s FROM reviews WHERE id = $1`,
          values: [2, 'en'],
        });
        expect(rows[0].s).toBe(byId[1]?.sentiment);
        const again = await client.query({
          name: 'sentiment-by-id',
          text: `SELECT (aws_comprehend.detect_sentiment(body, $2)).sentiment AS s FROM reviews WHERE id = $1`,
          values: [1, 'en'],
        });
        expect(again.rows[0].s).toBe(byId[0]?.sentiment);
      });

      it('named arguments', async () => {
        const { rows } = await client.query(
          `SELECT sentiment FROM aws_comprehend.detect_sentiment(language_code := 'en', input_text := 'I love this product!')`,
        );
        expect(rows[0].sentiment).toBe('POSITIVE');
      });

      it('identical inputs within a statement are sent once; batches never exceed 25 documents', async () => {
        const before = env.emulator.stats.actualRequests;
        await client.query(`SELECT (aws_comprehend.detect_sentiment(body, 'en', 2)).sentiment FROM reviews`);
        // 6 rows, 5 distinct texts, batches of 2 -> 3 requests.
        expect(env.emulator.stats.actualRequests - before).toBe(3);
        const big = await client.query(
          `SELECT count((aws_comprehend.detect_sentiment('text number ' || g, 'en')).sentiment)::int AS n FROM generate_series(1, 60) g`,
        );
        expect(big.rows[0].n).toBe(60);
      });

      it('nested calls', async () => {
        const { rows } = await client.query(
          `SELECT (aws_comprehend.detect_sentiment((aws_comprehend.detect_sentiment('I love it', 'en')).sentiment || ' day', 'en')).sentiment AS s`,
        );
        expect(rows[0].s).toBe(expected(`${expected('I love it').sentiment} day`).sentiment);
      });
    });

    describe('aws_sagemaker.invoke_endpoint', () => {
      it('VARIADIC inputs become one CSV line per row, batched by max_rows_per_batch', async () => {
        container.requests.length = 0;
        const { rows } = await client.query(
          `SELECT g, aws_sagemaker.invoke_endpoint('sum-endpoint', 2, g, g * 10, NULL)::int AS total FROM generate_series(1, 5) g ORDER BY g`,
        );
        expect(rows.map((r) => r.total)).toEqual([11, 22, 33, 44, 55]);
        const invocations = container.requests.filter((r) => r.path === '/invocations');
        expect(invocations.length).toBe(3);
        expect(invocations[0]?.headers['content-type']).toBe('text/csv');
        expect(invocations.flatMap((r) => r.body.toString().trim().split('\n')).sort()).toEqual(
          ['1,10,', '2,20,', '3,30,', '4,40,', '5,50,'].sort(),
        );
      });

      it('a LANGUAGE sql wrapper with PARALLEL SAFE COST 5000 and a cast result', async () => {
        await raw.query(
          `CREATE FUNCTION add_two(a int, b int) RETURNS int LANGUAGE sql PARALLEL SAFE COST 5000
       AS $$ SELECT aws_sagemaker.invoke_endpoint('sum-endpoint', NULL, a, b)::int $$`,
        );
        const { rows } = await client.query('SELECT add_two(g, 100) AS v FROM generate_series(1, 3) g ORDER BY 1');
        expect(rows.map((r) => r.v)).toEqual([101, 102, 103]);
      });

      it('1-D arrays are flattened into CSV fields; VARIADIC ARRAY[...] works', async () => {
        const { rows } = await client.query(
          `SELECT aws_sagemaker.invoke_endpoint('sum-endpoint', NULL, ARRAY[1, 2, 3])::int AS a,
              aws_sagemaker.invoke_endpoint('sum-endpoint', NULL, VARIADIC ARRAY[4, 5])::int AS b`,
        );
        expect(rows[0]).toEqual({ a: 6, b: 9 });
      });

      it('an endpoint served by a local JS/TS module', async () => {
        const { rows } = await client.query(
          `SELECT g, aws_sagemaker.invoke_endpoint('double-endpoint', NULL, g)::int AS d FROM generate_series(1, 4) g ORDER BY g`,
        );
        expect(rows.map((r) => r.d)).toEqual([2, 4, 6, 8]);
      });

      it('the built-in demo endpoint works with no setup', async () => {
        const { rows } = await client.query(`SELECT aws_sagemaker.invoke_endpoint('demo-echo', NULL, 'a', 1) AS out`);
        // demo-echo answers each line's fields joined by spaces (not the stubs' placeholder '0').
        expect(rows[0].out).toBe('a 1');
      });
    });
  });
});
